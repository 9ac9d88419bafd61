"""Tests of the ERCOT sample generator (python_ml.data.ercot_sample): layouts, DST, determinism,
append equivalence, plausibility and the settlement point seed."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from python_ml.cli import main as cli_main
from python_ml.data.ercot_sample import (
    DAM_AS_HEADER_PRE_ECRS,
    HEADERS,
    N_HUBS_AND_ZONES,
    SIDECAR_FILE,
    SOURCES,
    ErcotSampleSpec,
    append_ercot_sample,
    file_path,
    generate_ercot_sample,
    settlement_points,
    write_settlement_points_csv,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]
SEED_CSV = PROJECT_DIR / "seeds" / "ercot_settlement_points.csv"
POINTS = 6


def read(out_dir: Path, source: str, day: dt.date) -> pd.DataFrame:
    return pd.read_csv(file_path(out_dir, source, day), dtype=str, keep_default_na=False)


def all_bytes(out_dir: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out_dir)): p.read_bytes()
        for p in sorted(out_dir.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def dst_sample(tmp_path_factory) -> Path:
    """6 points around both 2024 DST changes, plus the ECRS start in 2023."""
    out = tmp_path_factory.mktemp("ercot_dst")
    generate_ercot_sample(
        out, ErcotSampleSpec(points=POINTS, start="2024-03-09", days=3), progress=False
    )
    generate_ercot_sample(
        out, ErcotSampleSpec(points=POINTS, start="2024-11-02", days=3), progress=False
    )
    generate_ercot_sample(
        out, ErcotSampleSpec(points=POINTS, start="2023-06-09", days=2), progress=False
    )
    return out


@pytest.fixture(scope="module")
def summer_sample(tmp_path_factory) -> Path:
    """The 15 hubs and load zones over the summer quarter of 2024 (scarcity season)."""
    out = tmp_path_factory.mktemp("ercot_summer")
    generate_ercot_sample(
        out, ErcotSampleSpec(points=N_HUBS_AND_ZONES, start="2024-07-01", days=92), progress=False
    )
    return out


def read_source(out_dir: Path, source: str) -> pd.DataFrame:
    frames = [pd.read_csv(p) for p in sorted((out_dir / source).glob("*.csv"))]
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- seed


def test_committed_seed_equals_settlement_points(tmp_path):
    fresh = write_settlement_points_csv(tmp_path / "points.csv")
    assert SEED_CSV.read_bytes() == fresh.read_bytes()
    seed = pd.read_csv(SEED_CSV, dtype=str, keep_default_na=False)
    assert list(seed.columns) == [
        "settlement_point",
        "settlement_point_type",
        "ercot_type_code",
        "load_zone",
    ]
    assert len(seed) == 1000 and seed["settlement_point"].is_unique
    counts = seed["settlement_point_type"].value_counts().to_dict()
    assert counts == {"hub": 7, "load_zone": 8, "resource_node": 985}
    hubs = seed[seed["settlement_point_type"] == "hub"].set_index("settlement_point")
    assert hubs.loc["HB_PAN", "load_zone"] == "LZ_WEST"
    assert (
        hubs.loc["HB_BUSAVG", "ercot_type_code"] == "AH"
        and hubs.loc["HB_BUSAVG", "load_zone"] == ""
    )
    nodes = seed[seed["settlement_point_type"] == "resource_node"]
    assert nodes["settlement_point"].str.fullmatch(r"RN_[A-Z]{3}_\d{4}").all()
    zones = nodes["load_zone"].value_counts()
    assert set(zones.index) == {
        f"LZ_{z}" for z in ("AEN", "CPS", "HOUSTON", "LCRA", "NORTH", "RAYBN", "SOUTH", "WEST")
    }
    assert (
        zones[["LZ_NORTH", "LZ_HOUSTON", "LZ_WEST", "LZ_SOUTH"]].min()
        > zones.drop(["LZ_NORTH", "LZ_HOUSTON", "LZ_WEST", "LZ_SOUTH"]).max()
    )
    # a small prefix already spans several zones
    first_nodes = settlement_points(25)[N_HUBS_AND_ZONES:]
    assert len({p.load_zone for p in first_nodes}) >= 6


# --------------------------------------------------------------------------- layouts and DST


def test_headers_and_ecrs(dst_sample):
    for day in (dt.date(2024, 3, 9), dt.date(2024, 11, 2), dt.date(2023, 6, 10)):
        for source in SOURCES:
            header = file_path(dst_sample, source, day).read_text().split("\n", 1)[0]
            assert header == HEADERS[source], (source, day)
    before = file_path(dst_sample, "dam_as", dt.date(2023, 6, 9)).read_text()
    assert before.split("\n", 1)[0] == DAM_AS_HEADER_PRE_ECRS
    assert "ECRS" not in before
    assert HEADERS["dam_as"].endswith(",NSPIN,ECRS")
    raw = file_path(dst_sample, "rtm_spp", dt.date(2024, 3, 9)).read_bytes()
    assert b'"' not in raw and b"\r" not in raw and raw.endswith(b"\n")
    line = raw.split(b"\n")[1].decode()
    assert line.startswith("03/09/2024,1,1,N,HB_BUSAVG,AH,")


def test_normal_day(dst_sample):
    day = dt.date(2024, 3, 9)
    dam, rtm, sced = (read(dst_sample, s, day) for s in ("dam_spp", "rtm_spp", "sced_lmp"))
    assert (dam.groupby("Settlement Point").size() == 24).all()
    assert dam["Hour Ending"].unique().tolist() == [f"{h:02d}:00" for h in range(1, 25)]
    assert (rtm.groupby("Settlement Point Name").size() == 96).all()
    assert (sced.groupby("Settlement Point").size() == 288).all()
    assert dam["Settlement Point"].nunique() == POINTS
    for frame in (dam, rtm, sced):
        assert set(frame["Repeated Hour Flag"]) == {"N"}
    for source in ("load", "wind", "solar"):
        frame = read(dst_sample, source, day)
        assert len(frame) == 24 and set(frame["DSTFlag"]) == {"N"}
    assert read(dst_sample, "wind", day)["HOUR_ENDING"].tolist() == [str(h) for h in range(1, 25)]
    # rows in time order, then settlement point in seed order
    names = [p.settlement_point for p in settlement_points(POINTS)]
    assert rtm["Settlement Point Name"].tolist()[: 2 * POINTS] == names * 2
    stamps = pd.to_datetime(sced["SCED Timestamp"], format="%m/%d/%Y %H:%M:%S")
    assert stamps.is_monotonic_increasing
    seconds = stamps.dt.second
    assert seconds.between(5, 45).all() and seconds.nunique() > 10
    assert (stamps.dt.minute % 5 == 0).all()
    # price format: two decimals
    assert dam["Settlement Point Price"].str.fullmatch(r"-?\d+\.\d\d").all()
    assert rtm["Settlement Point Type"].tolist()[:POINTS] == ["AH", "AH", "HU", "HU", "HU", "HU"]


def test_spring_forward(dst_sample):
    day = dt.date(2024, 3, 10)
    dam = read(dst_sample, "dam_spp", day)
    assert (dam.groupby("Settlement Point").size() == 23).all()
    assert "03:00" not in set(dam["Hour Ending"])
    rtm = read(dst_sample, "rtm_spp", day)
    assert "3" not in set(rtm["Delivery Hour"])
    assert (rtm.groupby("Settlement Point Name").size() == 92).all()
    sced = read(dst_sample, "sced_lmp", day)
    assert not sced["SCED Timestamp"].str.slice(11, 13).eq("02").any()
    assert (sced.groupby("Settlement Point").size() == 276).all()
    for frame in (dam, rtm, sced):
        assert set(frame["Repeated Hour Flag"]) == {"N"}
    load = read(dst_sample, "load", day)
    assert len(load) == 23 and "03:00" not in set(load["HourEnding"])


def test_fall_back(dst_sample):
    day = dt.date(2024, 11, 3)
    dam = read(dst_sample, "dam_spp", day)
    assert (dam.groupby("Settlement Point").size() == 25).all()
    hub = dam[dam["Settlement Point"] == "HB_HUBAVG"]
    assert hub["Hour Ending"].tolist()[:4] == ["01:00", "02:00", "02:00", "03:00"]
    assert hub["Repeated Hour Flag"].tolist()[:4] == ["N", "N", "Y", "N"]
    assert (hub["Repeated Hour Flag"] == "Y").sum() == 1
    rtm = read(dst_sample, "rtm_spp", day)
    hour2 = rtm[(rtm["Delivery Hour"] == "2") & (rtm["Settlement Point Name"] == "HB_NORTH")]
    assert hour2["Delivery Interval"].tolist() == ["1", "2", "3", "4"] * 2
    assert hour2["Repeated Hour Flag"].tolist() == ["N"] * 4 + ["Y"] * 4
    assert (rtm.groupby("Settlement Point Name").size() == 100).all()
    sced = read(dst_sample, "sced_lmp", day)
    one = sced[sced["Settlement Point"] == "HB_HOUSTON"]
    at_one = one[one["SCED Timestamp"].str.slice(11, 13) == "01"]
    assert len(at_one) == 24
    assert at_one["Repeated Hour Flag"].tolist() == ["N"] * 12 + ["Y"] * 12
    minutes = at_one["SCED Timestamp"].str.slice(11, 16).tolist()
    assert minutes[:12] == minutes[12:] == [f"01:{m:02d}" for m in range(0, 60, 5)]
    for source in ("load", "wind", "solar", "dam_as"):
        frame = read(dst_sample, source, day)
        flag = "Repeated Hour Flag" if source == "dam_as" else "DSTFlag"
        assert len(frame) == 25 and frame[flag].tolist()[:3] == ["N", "N", "Y"]


def test_totals_are_sums(dst_sample):
    day = dt.date(2024, 3, 9)
    load = pd.read_csv(file_path(dst_sample, "load", day))
    zones = HEADERS["load"].split(",")[2:-2]
    assert np.allclose(load[zones].sum(axis=1), load["TOTAL"], atol=0.006)
    wind = pd.read_csv(file_path(dst_sample, "wind", day))
    actual = [c for c in wind.columns if c.startswith("ACTUAL_") and c != "ACTUAL_SYSTEM_WIDE"]
    assert np.allclose(wind[actual].sum(axis=1), wind["ACTUAL_SYSTEM_WIDE"], atol=0.06)
    assert 30_000 < load["TOTAL"].min() and load["TOTAL"].max() < 90_000


# --------------------------------------------------------------------------- determinism


def test_determinism_and_append_equivalence(tmp_path):
    spec = ErcotSampleSpec(points=8, start="2024-11-01", days=4, seed=3)
    generate_ercot_sample(tmp_path / "a", spec, progress=False)
    generate_ercot_sample(tmp_path / "b", spec, progress=False)
    once = all_bytes(tmp_path / "a")
    assert once == all_bytes(tmp_path / "b")
    assert len(once) == 4 * len(SOURCES) + 1

    partial = ErcotSampleSpec(points=8, start="2024-11-01", days=2, seed=3)
    generate_ercot_sample(tmp_path / "c", partial, progress=False)
    result = append_ercot_sample(tmp_path / "c", 1, progress=False)
    assert result.first_day == dt.date(2024, 11, 3) and result.days == 1
    append_ercot_sample(tmp_path / "c", 1, progress=False)
    assert all_bytes(tmp_path / "c") == once
    sidecar = json.loads((tmp_path / "c" / SIDECAR_FILE).read_text())
    assert sidecar["last_day"] == "2024-11-04" and sidecar["spec"]["days"] == 4

    other_seed = ErcotSampleSpec(points=8, start="2024-11-01", days=1, seed=4)
    generate_ercot_sample(tmp_path / "d", other_seed, progress=False)
    name = "rtm_spp/RTM_SPP_20241101.csv"
    assert all_bytes(tmp_path / "d")[name] != once[name]


def test_append_needs_sidecar(tmp_path):
    with pytest.raises(FileNotFoundError, match="sidecar"):
        append_ercot_sample(tmp_path, 1, progress=False)
    generate_ercot_sample(tmp_path, ErcotSampleSpec(points=2, days=1), progress=False)
    with pytest.raises(ValueError, match="positive"):
        append_ercot_sample(tmp_path, 0, progress=False)


def test_spec_defaults_and_validation():
    spec = ErcotSampleSpec()
    assert (spec.points, spec.start, spec.days, spec.seed) == (20, "2024-01-01", 366, 7)
    scale = ErcotSampleSpec(scale=True)
    assert (scale.points, scale.start, scale.days, scale.sced_points) == (
        1000,
        "2022-01-01",
        1096,
        N_HUBS_AND_ZONES,
    )
    assert ErcotSampleSpec(years=1, start="2023-01-01").days == 365
    assert ErcotSampleSpec(points=5, scale=True).sced_points == 5
    assert ErcotSampleSpec(points=30).sced_points == 30
    for bad in (
        {"points": 0},
        {"points": 1001},
        {"days": 0},
        {"start": "2024-13-01"},
        {"days": 3, "years": 1},
        {"years": -1},
        {"seed": -1},
        {"scale": "yes"},
    ):
        with pytest.raises(ValueError):
            ErcotSampleSpec(**bad)


def test_cli_generate_ercot(tmp_path, capsys):
    args = [
        "generate",
        "ercot",
        "--raw-dir",
        str(tmp_path),
        "--points",
        "3",
        "--days",
        "2",
        "--start",
        "2024-05-01",
        "--quiet",
    ]
    assert cli_main(args) == 0
    assert "wrote" in capsys.readouterr().out
    assert file_path(tmp_path / "ercot", "rtm_spp", dt.date(2024, 5, 2)).is_file()
    assert cli_main([*args, "--if-absent"]) == 0
    assert "kept" in capsys.readouterr().out
    assert (
        cli_main(["generate", "ercot", "--raw-dir", str(tmp_path), "--append-days", "1", "--quiet"])
        == 0
    )
    assert file_path(tmp_path / "ercot", "dam_as", dt.date(2024, 5, 3)).is_file()
    assert cli_main(["generate", "ercot", "--raw-dir", str(tmp_path), "--days", "0"]) == 1


def test_cli_if_absent_keeps_real_files_without_a_sidecar(tmp_path, capsys):
    real = tmp_path / "ercot" / "dam_spp" / "DAMLZHBSPP_2015.csv.gz"
    real.parent.mkdir(parents=True)
    real.write_bytes(b"")
    assert (
        cli_main(["generate", "ercot", "--raw-dir", str(tmp_path), "--if-absent", "--quiet"]) == 0
    )
    assert "kept" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "ercot").rglob("*") if p.is_file()) == [
        "DAMLZHBSPP_2015.csv.gz"
    ]


# --------------------------------------------------------------------------- plausibility


def test_hub_and_zone_prices_co_move(summer_sample):
    rtm = read_source(summer_sample, "rtm_spp")
    wide = rtm.pivot_table(
        index=rtm.index // N_HUBS_AND_ZONES,
        columns="Settlement Point Name",
        values="Settlement Point Price",
    )
    assert wide.shape[1] == N_HUBS_AND_ZONES
    assert wide.corr().min().min() > 0.8
    normal = wide[wide.max(axis=1) < 500]  # also without the scarcity intervals
    assert normal.corr().min().min() > 0.8
    assert (
        -251 <= rtm["Settlement Point Price"].min() and rtm["Settlement Point Price"].max() <= 5000
    )


def test_west_cheaper_than_houston_when_windy(summer_sample):
    wind = read_source(summer_sample, "wind")
    dam = read_source(summer_sample, "dam_spp")
    wide = dam.pivot_table(
        index=dam.index // N_HUBS_AND_ZONES,
        columns="Settlement Point",
        values="Settlement Point Price",
    )
    west_wind = (wind["ACTUAL_WEST"] + wind["ACTUAL_PANHANDLE"]).to_numpy()
    windy = west_wind > np.quantile(west_wind, 0.8)
    spread = (wide["HB_WEST"] - wide["HB_HOUSTON"]).to_numpy()
    assert spread[windy].mean() < -5.0
    assert spread[windy].mean() < spread[~windy].mean()
    assert (wide["HB_PAN"].to_numpy()[windy] < 0).any()


def test_solar_zero_at_night_and_load_shape(summer_sample):
    solar = read_source(summer_sample, "solar")
    night = solar["HOUR_ENDING"].isin([1, 2, 3, 4, 5, 23, 24])
    assert (solar.loc[night, "ACTUAL_SYSTEM_WIDE"] == 0).all()
    assert (solar.loc[night, "STPPF_SYSTEM_WIDE"] == 0).all()
    noon = solar["HOUR_ENDING"].isin([13, 14])
    assert 5_000 < solar.loc[noon, "ACTUAL_SYSTEM_WIDE"].median() < 26_000
    load = read_source(summer_sample, "load")
    by_hour = load.groupby(load["HourEnding"].str.slice(0, 2))["TOTAL"].mean()
    assert by_hour.idxmax() in {"16", "17", "18", "19"} and by_hour.max() > 60_000
    wind = read_source(summer_sample, "wind")
    assert 1_000 < wind["ACTUAL_SYSTEM_WIDE"].mean() < 30_000


def test_sced_averages_to_rtm(summer_sample):
    sced = read_source(summer_sample, "sced_lmp")
    rtm = read_source(summer_sample, "rtm_spp")
    runs = len(sced) // N_HUBS_AND_ZONES
    sced_hourly = sced["LMP"].to_numpy().reshape(runs // 12, 12, N_HUBS_AND_ZONES).mean(axis=1)
    rtm_hourly = (
        rtm["Settlement Point Price"]
        .to_numpy()
        .reshape(runs // 12, 4, N_HUBS_AND_ZONES)
        .mean(axis=1)
    )
    gap = np.abs(sced_hourly - rtm_hourly)
    assert np.mean(gap < 2.0) > 0.95
    # but the 5-minute LMPs scatter around their 15-minute price
    scatter = sced["LMP"].to_numpy().reshape(-1, 3, N_HUBS_AND_ZONES) - rtm[
        "Settlement Point Price"
    ].to_numpy().reshape(-1, 1, N_HUBS_AND_ZONES)
    assert 1.0 < np.median(np.abs(scatter)) < 10.0


def test_scarcity_and_dam_anticipation(summer_sample):
    rtm = read_source(summer_sample, "rtm_spp")
    dam = read_source(summer_sample, "dam_spp")
    rt_hub = rtm.loc[rtm["Settlement Point Name"] == "HB_HUBAVG", "Settlement Point Price"]
    rt_hourly = rt_hub.to_numpy().reshape(-1, 4).mean(axis=1)
    da_hourly = dam.loc[dam["Settlement Point"] == "HB_HUBAVG", "Settlement Point Price"].to_numpy()
    scarce = rt_hourly > 1000
    assert scarce.sum() >= 3, "summer evenings should see RT scarcity"
    anticipated = scarce & (da_hourly > 500)
    missed = scarce & (da_hourly < 300)
    assert anticipated.sum() >= 1 and missed.sum() >= 1
    assert ((da_hourly > 1000) & (rt_hourly < 300)).sum() >= 1  # DAM-only scarcity
    ancillary = read_source(summer_sample, "dam_as")
    tight = da_hourly > 1000
    assert ancillary.loc[tight, "RRS"].mean() > 5 * ancillary.loc[~tight, "RRS"].mean()
    assert ancillary.loc[tight, "ECRS"].mean() > ancillary.loc[tight, "REGDN"].mean()
