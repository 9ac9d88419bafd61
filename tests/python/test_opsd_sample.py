"""Tests of the OPSD sample generator (python_ml.data.opsd_sample) and its plausibility.

Run with ``-s`` to see the statistics table of the default sample next to the real targets.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from python_ml.data.opsd_sample import (
    DEFAULT_ZONES,
    DriftRegime,
    SampleSpec,
    append_opsd_sample,
    generate_opsd_sample,
    scaled_zones,
)
from python_ml.data.plausibility import (
    REAL_DE_TARGETS,
    STATISTICS,
    load_entsoe_deepforkit_frame,
    load_opsd_sample_frame,
    opsd_zone_frame,
    plausibility_statistics,
)

REAL_DE_FILE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "real"
    / "entsoe_deepforkit"
    / "DE.csv.gz"
)
TS_FILE = "time_series_60min_singleindex.csv"
WX_FILE = "weather_data.csv"
SMALL = SampleSpec(start="2018-03-20", days=20)

EXPECTED_HEADER = [
    "utc_timestamp",
    "cet_cest_timestamp",
    "DE_LU_load_actual_entsoe_transparency",
    "DE_LU_load_forecast_entsoe_transparency",
    "DE_LU_price_day_ahead",
    "DE_LU_solar_generation_actual",
    "DE_LU_wind_offshore_generation_actual",
    "DE_LU_wind_onshore_generation_actual",
    "FR_load_actual_entsoe_transparency",
    "FR_load_forecast_entsoe_transparency",
    "FR_price_day_ahead",
    "FR_solar_generation_actual",
    "FR_wind_onshore_generation_actual",
    "NL_load_actual_entsoe_transparency",
    "NL_load_forecast_entsoe_transparency",
    "NL_price_day_ahead",
    "NL_solar_generation_actual",
    "NL_wind_offshore_generation_actual",
    "NL_wind_onshore_generation_actual",
]
EXPECTED_WEATHER_HEADER = [
    "utc_timestamp",
    *(
        f"{c}_{v}"
        for c in ("DE", "FR", "NL")
        for v in ("temperature", "radiation_direct_horizontal", "radiation_diffuse_horizontal")
    ),
]

# Bands around the real German 2016-2019 targets (DE_LU of the default sample) ...
DE_BANDS: dict[str, tuple[float, float]] = {
    "price_mean": (28.0, 46.0),
    "price_sd": (11.0, 26.0),
    "price_p01": (-20.0, 10.0),
    "price_p50": (25.0, 45.0),
    "price_p99": (60.0, 120.0),
    "negative_share": (0.003, 0.04),
    "spike_share": (0.002, 0.03),
    "acf_1": (0.85, 1.0),
    "acf_24": (0.45, 0.85),
    "acf_168": (0.35, 0.80),
    "corr_price_residual_load": (0.45, 0.85),
    "peak_offpeak_ratio": (1.05, 1.40),
    "renewable_share": (0.15, 0.35),
}
# ... and wider "same kind of market" bands for the other zones.
KIND_BANDS: dict[str, tuple[float, float]] = {
    "price_mean": (15.0, 70.0),
    "price_sd": (5.0, 40.0),
    "price_p01": (-40.0, 30.0),
    "price_p50": (15.0, 70.0),
    "price_p99": (40.0, 200.0),
    "negative_share": (0.0, 0.06),
    "spike_share": (0.0005, 0.05),
    "acf_1": (0.80, 1.0),
    "acf_24": (0.30, 0.95),
    "acf_168": (0.20, 0.92),
    "corr_price_residual_load": (0.30, 0.90),
    "peak_offpeak_ratio": (1.0, 1.6),
    "renewable_share": (0.03, 0.40),
}


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _outside(stats: dict[str, float], bands: dict[str, tuple[float, float]]) -> list[str]:
    return [
        f"{name}={stats[name]:.3f} not in [{lo}, {hi}]"
        for name, (lo, hi) in bands.items()
        if not lo <= stats[name] <= hi
    ]


def _table(columns: dict[str, dict[str, float]]) -> str:
    return pd.DataFrame(columns).loc[list(STATISTICS)].round(3).to_string()


# --------------------------------------------------------------------------- determinism


def test_same_spec_gives_identical_bytes_and_another_seed_differs(tmp_path):
    first = generate_opsd_sample(tmp_path / "a", SMALL)
    second = generate_opsd_sample(tmp_path / "b", SMALL)
    other = generate_opsd_sample(tmp_path / "c", SampleSpec(start="2018-03-20", days=20, seed=7))

    for name in (TS_FILE, WX_FILE):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes()
    assert first.rows == second.rows == other.rows == 20 * 24 - 1  # spring DST day has 23 h


def test_an_hour_does_not_depend_on_the_sample_length(tmp_path):
    short = generate_opsd_sample(tmp_path / "short", SampleSpec(start="2018-03-20", days=10))
    long = generate_opsd_sample(tmp_path / "long", SampleSpec(start="2018-03-20", days=20))
    n_actual = _read(short.time_series_path)["DE_LU_price_day_ahead"].ne("").sum()

    assert n_actual > 200
    # same zone start for the first two zones: compare their columns on the shared rows
    short_frame, long_frame = _read(short.time_series_path), _read(long.time_series_path)
    columns = [c for c in EXPECTED_HEADER if not c.startswith("NL_")]
    last = int(np.flatnonzero(short_frame["DE_LU_price_day_ahead"].ne(""))[-1]) + 1
    pd.testing.assert_frame_equal(short_frame[columns][:last], long_frame[columns][:last])


# --------------------------------------------------------------------------- format


def test_headers_follow_opsd_conventions(tmp_path):
    result = generate_opsd_sample(tmp_path, SMALL)

    assert _lines(result.time_series_path)[0].split(",") == EXPECTED_HEADER
    assert _lines(result.weather_path)[0].split(",") == EXPECTED_WEATHER_HEADER
    assert result.zones == DEFAULT_ZONES


def test_zone_columns_are_sorted_like_opsd_whatever_the_spec_order(tmp_path):
    result = generate_opsd_sample(tmp_path, SampleSpec(zones=("NL", "FR", "DE_LU"), days=3))

    assert _lines(result.time_series_path)[0].split(",") == EXPECTED_HEADER


def test_timestamps_and_dst_offsets(tmp_path):
    result = generate_opsd_sample(tmp_path, SampleSpec(start="2018-03-20", days=225))
    frame = _read(result.time_series_path)
    by_utc = dict(zip(frame["utc_timestamp"], frame["cet_cest_timestamp"], strict=True))

    assert frame["utc_timestamp"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:00:00Z").all()
    assert frame["cet_cest_timestamp"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:00:00\+0[12]00").all()
    assert frame["utc_timestamp"].iloc[0] == "2018-03-19T23:00:00Z"
    assert by_utc["2018-03-19T23:00:00Z"] == "2018-03-20T00:00:00+0100"
    # spring forward: 02:00 local does not exist
    assert by_utc["2018-03-25T00:00:00Z"] == "2018-03-25T01:00:00+0100"
    assert by_utc["2018-03-25T01:00:00Z"] == "2018-03-25T03:00:00+0200"
    assert by_utc["2018-07-01T12:00:00Z"] == "2018-07-01T14:00:00+0200"
    # fall back: 02:00 local happens twice
    assert by_utc["2018-10-28T00:00:00Z"] == "2018-10-28T02:00:00+0200"
    assert by_utc["2018-10-28T01:00:00Z"] == "2018-10-28T02:00:00+0100"
    assert by_utc["2018-10-28T02:00:00Z"] == "2018-10-28T03:00:00+0100"
    utc = pd.to_datetime(frame["utc_timestamp"], utc=True)
    assert (utc.diff().dropna() == pd.Timedelta("1h")).all()
    expected_local = utc.dt.tz_convert("Europe/Brussels").dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    assert (frame["cet_cest_timestamp"] == expected_local).all()
    weather = _read(result.weather_path)
    assert (weather["utc_timestamp"] == frame["utc_timestamp"]).all()


def test_values_are_plain_decimals_or_empty(tmp_path):
    result = generate_opsd_sample(tmp_path, SMALL)
    for path in (result.time_series_path, result.weather_path):
        frame = _read(path)
        values = frame.drop(columns=["utc_timestamp", "cet_cest_timestamp"], errors="ignore")
        cells = pd.Series(values.to_numpy().ravel())
        filled = cells[cells != ""]
        assert filled.str.fullmatch(r"-?\d+(\.\d+)?").all(), filled[
            ~filled.str.fullmatch(r"-?\d+(\.\d+)?")
        ].head()
        assert not filled.str.contains(r"\.\d*0$").any()  # no trailing zeros, like OPSD
    frame = _read(result.time_series_path)
    assert frame["DE_LU_load_actual_entsoe_transparency"].str.fullmatch(r"\d*").all()
    prices = frame["DE_LU_price_day_ahead"]
    assert prices[prices != ""].str.fullmatch(r"-?\d+(\.\d{1,2})?").all()


# --------------------------------------------------------------------------- live feed ending


def test_last_local_day_has_only_load_forecasts(tmp_path):
    result = generate_opsd_sample(tmp_path, SMALL)
    frame = _read(result.time_series_path)
    weather = _read(result.weather_path)
    utc = pd.to_datetime(frame["utc_timestamp"], utc=True)
    local_day = frame["cet_cest_timestamp"].str.slice(0, 10)
    last_day = local_day == "2018-04-08"

    assert result.last_actual_utc == pd.Timestamp("2018-04-07T21:00:00Z")
    assert result.last_forecast_utc == pd.Timestamp("2018-04-08T21:00:00Z")
    assert list(utc[last_day]) == list(pd.date_range("2018-04-07T22:00Z", periods=24, freq="h"))
    assert (utc[~last_day] <= result.last_actual_utc).all()
    for column in EXPECTED_HEADER[2:]:
        on_last_day = frame.loc[last_day, column]
        if "load_forecast" in column:
            assert (on_last_day != "").mean() > 0.9, column
        else:
            assert (on_last_day == "").all(), column
    assert (weather.loc[last_day].drop(columns="utc_timestamp") == "").all().all()
    assert (weather.loc[~last_day].drop(columns="utc_timestamp") != "").all().all()
    day_before = frame.loc[local_day == "2018-04-07"]
    assert (day_before["DE_LU_price_day_ahead"] != "").mean() > 0.9


def test_zones_start_at_different_dates_and_cells_go_missing(tmp_path):
    result = generate_opsd_sample(tmp_path, SampleSpec(days=200))
    frame = _read(result.time_series_path)

    def first_filled(column: str) -> int:
        return int(np.flatnonzero(frame[column] != "")[0])

    assert first_filled("DE_LU_load_actual_entsoe_transparency") == 0
    assert first_filled("FR_price_day_ahead") == 0
    nl_start = first_filled("NL_price_day_ahead")
    assert 10 * 24 <= nl_start <= 20 * 24  # ~7 % of 200 days, at a local midnight
    assert frame["cet_cest_timestamp"].iloc[nl_start][11:13] == "00"
    assert (frame.iloc[:nl_start].filter(like="NL_") == "").all().all()

    actual_rows = frame["utc_timestamp"] <= result.last_actual_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    de_columns = [c for c in EXPECTED_HEADER if c.startswith("DE_LU_")]
    empty_share = (frame.loc[actual_rows, de_columns] == "").mean()
    assert (empty_share > 0).sum() >= 3, empty_share
    assert (empty_share < 0.03).all(), empty_share


# --------------------------------------------------------------------------- physics


def test_solar_and_radiation_follow_the_sun_and_forecast_error_is_small(tmp_path):
    result = generate_opsd_sample(tmp_path, SampleSpec(start="2018-06-01", days=30))
    frame = load_opsd_sample_frame(result.time_series_path, "DE_LU")
    weather = _read(result.weather_path)
    direct = pd.to_numeric(weather["DE_radiation_direct_horizontal"].replace("", np.nan))
    night = frame["local_hour"].isin([0, 1, 2, 23])
    noon = frame["local_hour"].isin([12, 13, 14])

    assert (frame.loc[night, "solar"].dropna() == 0).all()
    assert (direct[night].dropna() == 0).all()
    assert frame.loc[noon, "solar"].mean() > 10_000
    both = frame[["load", "load_forecast"]].dropna()
    mape = ((both["load_forecast"] - both["load"]).abs() / both["load"]).mean()
    assert 0.01 < mape < 0.035


# --------------------------------------------------------------------------- append


def test_append_is_prefix_stable_and_extends_the_feed(tmp_path):
    before = generate_opsd_sample(tmp_path, SMALL)
    old_lines = _lines(before.time_series_path)
    old_weather = _lines(before.weather_path)
    n_old_actual = 1 + int((pd.date_range(before.first_utc, before.last_actual_utc, freq="h")).size)

    after = append_opsd_sample(tmp_path, 30)
    new_lines = _lines(after.time_series_path)
    new_weather = _lines(after.weather_path)

    assert after.last_actual_utc == before.last_actual_utc + pd.Timedelta(hours=30)
    # last actual 2018-04-09T03:00Z (05:00 local) -> forecasts to the end of 2018-04-10 local
    assert after.last_forecast_utc == pd.Timestamp("2018-04-10T21:00:00Z")
    assert after.rows == len(new_lines) - 1 == before.rows + 48
    assert new_lines[:n_old_actual] == old_lines[:n_old_actual]
    assert new_weather[:n_old_actual] == old_weather[:n_old_actual]
    frame = _read(after.time_series_path)
    utc = pd.to_datetime(frame["utc_timestamp"], utc=True)
    became_actual = (utc > before.last_actual_utc) & (utc <= after.last_actual_utc)
    assert became_actual.sum() == 30
    assert (frame.loc[became_actual, "DE_LU_price_day_ahead"] != "").mean() > 0.9
    assert (frame.loc[utc > after.last_actual_utc, "DE_LU_price_day_ahead"] == "").all()
    sidecar = json.loads((tmp_path / ".opsd_sample.json").read_text())
    assert sidecar["spec"]["hours_appended"] == 30
    assert after.spec.hours_appended == 30


def test_append_to_the_end_of_a_day_forecasts_exactly_the_next_day(tmp_path):
    generate_opsd_sample(tmp_path, SMALL)
    after = append_opsd_sample(tmp_path, 24)

    assert after.last_actual_utc == pd.Timestamp("2018-04-08T21:00:00Z")
    assert after.last_forecast_utc - after.last_actual_utc == pd.Timedelta(hours=24)
    # appending in two steps equals appending at once and equals generating directly
    append_opsd_sample(tmp_path, 10)
    direct = generate_opsd_sample(
        tmp_path / "direct", SampleSpec(start="2018-03-20", days=20, hours_appended=34)
    )
    assert (tmp_path / TS_FILE).read_bytes() == direct.time_series_path.read_bytes()
    assert (tmp_path / WX_FILE).read_bytes() == direct.weather_path.read_bytes()


def test_append_refuses_a_folder_without_sidecar(tmp_path):
    with pytest.raises(FileNotFoundError, match="sidecar missing"):
        append_opsd_sample(tmp_path, 5)


def test_append_refuses_files_that_do_not_match_the_sidecar(tmp_path):
    result = generate_opsd_sample(tmp_path, SMALL)
    text = result.time_series_path.read_text()
    result.time_series_path.write_text(text.replace("NL_price_day_ahead", "NL_price", 1))

    with pytest.raises(ValueError, match="header does not match"):
        append_opsd_sample(tmp_path, 5)

    result.time_series_path.write_text(text + text.splitlines()[-1] + "\n")
    with pytest.raises(ValueError, match="data rows"):
        append_opsd_sample(tmp_path, 5)


@pytest.mark.parametrize("hours", [0, -3], ids=["zero", "negative"])
def test_append_refuses_non_positive_hours(tmp_path, hours):
    generate_opsd_sample(tmp_path, SMALL)
    with pytest.raises(ValueError, match="hours: must be a positive integer"):
        append_opsd_sample(tmp_path, hours)


def test_append_starts_a_drift_only_after_the_published_actuals(tmp_path):
    before = generate_opsd_sample(tmp_path, SMALL)
    old_lines = _lines(before.time_series_path)
    with pytest.raises(ValueError, match="not after the last actual hour"):
        append_opsd_sample(tmp_path, 5, drift=DriftRegime("2018-04-01", "load", 1.2))

    regime = DriftRegime("2018-04-08T06:00:00", "load", 1.2)
    after = append_opsd_sample(tmp_path, 48, drift=regime)
    n_old_actual = 1 + before.rows - 24

    assert after.spec.drift == regime
    assert _lines(after.time_series_path)[:n_old_actual] == old_lines[:n_old_actual]
    with pytest.raises(ValueError, match="already has a drift regime"):
        append_opsd_sample(tmp_path, 5, drift=DriftRegime("2018-05-01", "load", 1.1))


# --------------------------------------------------------------------------- drift


@pytest.mark.parametrize(
    ("kind", "column", "magnitude"),
    [
        ("fuel_price", "price", 2.5),
        ("renewables", "wind_onshore", 1.8),
        ("load", "load", 1.3),
    ],
    ids=["fuel_price", "renewables", "load"],
)
def test_drift_changes_the_distribution_after_its_start_only(tmp_path, kind, column, magnitude):
    spec = SampleSpec(start="2018-01-01", days=90)
    drifted = dataclasses.replace(spec, drift=DriftRegime("2018-02-15", kind, magnitude))
    base = generate_opsd_sample(tmp_path / "base", spec)
    changed = generate_opsd_sample(tmp_path / "drift", drifted)
    start = pd.Timestamp("2018-02-14T23:00:00Z")
    n_before = int((pd.date_range(base.first_utc, base.last_forecast_utc, freq="h") < start).sum())

    assert (
        _lines(base.time_series_path)[: n_before + 1]
        == _lines(changed.time_series_path)[: n_before + 1]
    )
    a = load_opsd_sample_frame(base.time_series_path, "DE_LU")
    b = load_opsd_sample_frame(changed.time_series_path, "DE_LU")
    settled = a["ts_utc"] >= start + pd.Timedelta(days=14)
    ratio = b.loc[settled, column].mean() / a.loc[settled, column].mean()
    assert ratio == pytest.approx(magnitude, rel=0.25)
    if kind == "fuel_price":
        assert b.loc[settled, "price"].std() > 1.8 * a.loc[settled, "price"].std()


def test_spec_and_drift_validate_their_arguments():
    with pytest.raises(ValueError, match="zones: unsupported"):
        SampleSpec(zones=("XX",))
    with pytest.raises(ValueError, match="days: at least 2"):
        SampleSpec(days=1)
    with pytest.raises(ValueError, match="kind: expected"):
        DriftRegime("2018-01-01", "weather", 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="magnitude: must be positive"):
        DriftRegime("2018-01-01", "load", 0.0)


# --------------------------------------------------------------------------- plausibility


@pytest.fixture(scope="module")
def default_sample(tmp_path_factory) -> tuple[Path, float]:
    out_dir = tmp_path_factory.mktemp("opsd_default")
    started = time.perf_counter()
    result = generate_opsd_sample(out_dir)
    return result.time_series_path, time.perf_counter() - started


@pytest.fixture(scope="module")
def default_statistics(default_sample) -> dict[str, dict[str, float]]:
    path, _ = default_sample
    return {
        zone: plausibility_statistics(load_opsd_sample_frame(path, zone)) for zone in DEFAULT_ZONES
    }


def test_default_sample_is_plausible(default_sample, default_statistics):
    _, seconds = default_sample
    table = _table({**default_statistics, "real DE target": REAL_DE_TARGETS})
    print(f"\nDefault sample (3 zones x 3 years) generated in {seconds:.2f} s\n{table}")

    assert not _outside(default_statistics["DE_LU"], DE_BANDS)
    for zone in ("FR", "NL"):
        assert not _outside(default_statistics[zone], KIND_BANDS), zone
    fr, de = default_statistics["FR"], default_statistics["DE_LU"]
    assert fr["negative_share"] < de["negative_share"]
    assert fr["renewable_share"] < de["renewable_share"]


def test_bands_reject_a_price_unrelated_to_the_system(default_sample):
    path, _ = default_sample
    frame = load_opsd_sample_frame(path, "DE_LU")
    shuffled = frame.assign(price=np.random.default_rng(0).permutation(frame["price"].to_numpy()))
    failures = _outside(plausibility_statistics(shuffled), DE_BANDS)

    assert any(f.startswith("corr_price_residual_load") for f in failures)
    assert any(f.startswith("acf_1") for f in failures)


def test_plausibility_statistics_needs_its_columns():
    frame = pd.DataFrame({"ts_utc": pd.date_range("2018-01-01", periods=3, freq="h")})
    with pytest.raises(ValueError, match="missing column 'local_hour'"):
        plausibility_statistics(frame)


@pytest.mark.skipif(not REAL_DE_FILE.exists(), reason=f"{REAL_DE_FILE} not available")
def test_real_german_data_matches_the_recorded_targets(default_statistics):
    real = plausibility_statistics(load_entsoe_deepforkit_frame(REAL_DE_FILE))
    print(f"\nReal DE 2016-2019 vs sample\n{_table({'real DE': real, **default_statistics})}")

    for name, target in REAL_DE_TARGETS.items():
        assert real[name] == pytest.approx(target, rel=0.05, abs=0.003), name
    assert not _outside(real, DE_BANDS)


# --------------------------------------------------------------------------- scale mode

STAGING_COLUMN_REGEX = re.compile(r"^(.+?)_((load|price|solar|wind)_.+)$")
SCALED = SampleSpec(start="2018-03-20", days=10, synthetic_zones=20)


def _zone_of(column: str) -> str:
    match = STAGING_COLUMN_REGEX.fullmatch(column)
    assert match, column
    return match.group(1)


def test_scaled_zones_are_opsd_region_codes():
    assert scaled_zones(3) == ("SY_0001", "SY_0002", "SY_0003")
    assert scaled_zones(1900)[-1] == "SY_1900"
    assert scaled_zones(12_000)[0] == "SY_00001"  # padding grows with N, sorting stays right
    with pytest.raises(ValueError, match="synthetic_zones: must be an integer >= 0"):
        SampleSpec(synthetic_zones=-1)
    with pytest.raises(ValueError, match="zones: at least one zone"):
        SampleSpec(zones=(), synthetic_zones=0)


def test_scaled_sample_is_deterministic_and_keeps_the_named_zones(tmp_path):
    first = generate_opsd_sample(tmp_path / "a", SCALED)
    generate_opsd_sample(tmp_path / "b", SCALED)
    generate_opsd_sample(tmp_path / "c", dataclasses.replace(SCALED, seed=7))
    plain = generate_opsd_sample(tmp_path / "plain", dataclasses.replace(SCALED, synthetic_zones=0))

    for name in (TS_FILE, WX_FILE):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes()
    assert first.rows == plain.rows == 10 * 24 - 1
    assert first.zones == DEFAULT_ZONES + scaled_zones(20)
    # named zones: the default model's columns, byte for byte
    scaled_frame, plain_frame = _read(first.time_series_path), _read(plain.time_series_path)
    pd.testing.assert_frame_equal(scaled_frame[plain_frame.columns], plain_frame)
    scaled_wx, plain_wx = _read(first.weather_path), _read(plain.weather_path)
    pd.testing.assert_frame_equal(scaled_wx[plain_wx.columns], plain_wx)


def test_scaled_headers_follow_opsd_conventions(tmp_path):
    result = generate_opsd_sample(tmp_path, SCALED)
    header = _lines(result.time_series_path)[0].split(",")

    assert header[: len(EXPECTED_HEADER)] == EXPECTED_HEADER
    zones = [_zone_of(c) for c in header[2:]]
    assert list(dict.fromkeys(zones)) == sorted(set(zones)) == sorted(result.zones)
    for zone in scaled_zones(20):
        variables = [c.removeprefix(f"{zone}_") for c in header if _zone_of_or_none(c) == zone]
        assert variables == sorted(variables)
        assert set(variables) >= {
            "load_actual_entsoe_transparency",
            "load_forecast_entsoe_transparency",
            "price_day_ahead",
            "solar_generation_actual",
            "wind_onshore_generation_actual",
        }
    assert any(c.startswith("SY_") and "offshore" in c for c in header)
    weather_header = _lines(result.weather_path)[0].split(",")
    assert weather_header == EXPECTED_WEATHER_HEADER + [
        f"SY_{v}"
        for v in ("temperature", "radiation_direct_horizontal", "radiation_diffuse_horizontal")
    ]
    frame = _read(result.time_series_path)
    cells = pd.Series(frame.filter(like="SY_").to_numpy().ravel())
    filled = cells[cells != ""]
    assert filled.str.fullmatch(r"-?\d+(\.\d+)?").all()
    assert not filled.str.contains(r"\.\d*0$").any()


def _zone_of_or_none(column: str) -> str | None:
    match = STAGING_COLUMN_REGEX.fullmatch(column)
    return match.group(1) if match else None


def test_scaled_last_local_day_has_only_load_forecasts(tmp_path):
    result = generate_opsd_sample(tmp_path, SCALED)
    frame = _read(result.time_series_path)
    weather = _read(result.weather_path)
    local_day = frame["cet_cest_timestamp"].str.slice(0, 10)
    last_day = local_day == "2018-03-29"

    assert result.last_actual_utc == pd.Timestamp("2018-03-28T21:00:00Z")
    assert last_day.sum() == 24 and last_day.iloc[-24:].all()
    for column in frame.filter(like="SY_").columns:
        if "load_forecast" in column:
            assert (frame.loc[last_day, column] != "").mean() > 0.9, column
        else:
            assert (frame.loc[last_day, column] == "").all(), column
            assert (frame.loc[~last_day, column] != "").mean() > 0.9, column
    assert (weather.loc[last_day, weather.columns[1:]] == "").all().all()
    assert (weather.loc[~last_day, weather.columns[1:]] != "").all().all()


def test_a_synthetic_zone_depends_neither_on_n_nor_on_the_length(tmp_path):
    small = generate_opsd_sample(tmp_path / "small", SCALED)
    big = generate_opsd_sample(
        tmp_path / "big", dataclasses.replace(SCALED, days=40, synthetic_zones=70)
    )
    a, b = _read(small.time_series_path), _read(big.time_series_path)
    n_actual = int((a["utc_timestamp"] <= _iso(small.last_actual_utc)).sum())

    assert n_actual > 200
    # synthetic zones all start at the sample start (named zones after the first two start
    # later, proportionally to the span, as in the default sample)
    columns = ["utc_timestamp", *a.filter(like="SY_").columns]
    pd.testing.assert_frame_equal(a[columns][:n_actual], b[columns][:n_actual])
    # appending works as for the default sample: published rows unchanged, equals direct output
    published = _lines(small.time_series_path)[: n_actual + 1]
    after = append_opsd_sample(tmp_path / "small", 30)
    appended = _lines(after.time_series_path)
    assert appended[: n_actual + 1] == published
    assert after.rows == small.rows + 48
    direct = generate_opsd_sample(
        tmp_path / "direct", dataclasses.replace(SCALED, hours_appended=30)
    )
    assert appended == _lines(direct.time_series_path)


def _iso(stamp: pd.Timestamp) -> str:
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_synthetic_zones_are_plausible_over_a_year(tmp_path):
    spec = SampleSpec(zones=(), start="2018-01-01", days=365, synthetic_zones=24)
    result = generate_opsd_sample(tmp_path, spec)
    raw = _read(result.time_series_path)
    frames = {z: opsd_zone_frame(raw, z) for z in result.zones}
    stats = pd.DataFrame({z: plausibility_statistics(f) for z, f in frames.items()}).T

    winter_peaks = []
    for zone, frame in frames.items():
        for column in ("load", "load_forecast", "solar", "wind_onshore", "wind_offshore"):
            assert (frame[column].dropna() >= 0).all(), (zone, column)
        local_hour = frame["local_hour"]
        assert (frame.loc[local_hour.isin([0, 1, 2, 23]), "solar"].dropna() == 0).all(), zone
        by_hour = frame.groupby(local_hour)["load"].mean()
        assert by_hour[11] > 1.15 * by_hour[3], zone  # daily cycle
        weekday = frame["ts_utc"].dt.tz_convert("Europe/Brussels").dt.day_of_week
        assert frame.loc[weekday < 5, "load"].mean() > 1.05 * frame.loc[weekday == 6, "load"].mean()
        assert frame["price"].dropna().between(-500, 3000).all()
        month = frame["ts_utc"].dt.month
        winter_peaks.append(
            frame.loc[month == 1, "load"].mean() > frame.loc[month == 7, "load"].mean()
        )
        wind = frame["wind_onshore"].interpolate()
        assert wind.autocorr(1) > 0.9 and wind.autocorr(24) > 0.2, zone  # persistent weather
    assert sum(winter_peaks) >= 20  # heating outweighs cooling in (almost) every zone
    assert (stats["acf_1"] > 0.85).all()
    assert (stats["corr_price_residual_load"] > 0.3).all()
    assert (stats["negative_share"] > 0).sum() >= 12
    assert (stats["spike_share"] > 0).sum() >= 20
    assert stats["price_mean"].between(10, 70).all()
    assert stats["renewable_share"].between(0.02, 0.6).all()
