"""Writes the bad-input corpus under tests/corpus/opsd/ from one small clean sample.

Run from the project root: `.venv/bin/python tests/corpus/make_corpus.py`. Each case is one
raw time-series file (the OPSD layout); tests/python/test_corpus.py states what must happen
to it. The clean base is the last four days with actuals of the tests' ML sample
(conftest.ML_SAMPLE, which ends after the autumn DST switch of 2017), byte-identical to
those rows, so a case lands on a warehouse built from that sample like the next delivery
of the same feed.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from python_ml.data.opsd_sample import SampleSpec, generate_opsd_sample

HERE = Path(__file__).resolve().parent / "opsd"
TIME_SERIES = "time_series_60min_singleindex.csv"


ML_SAMPLE = {"start": "2017-04-15", "days": 200, "seed": 11}  # = tests/python/conftest.py
TAIL_HOURS = 4 * 24 + 1  # four local days, one of them 25 hours long


def base_rows() -> list[list[str]]:
    """Header and the clean rows: the sample's last hours that carry actuals."""
    with tempfile.TemporaryDirectory() as tmp:
        generate_opsd_sample(Path(tmp), SampleSpec(**ML_SAMPLE))
        text = (Path(tmp) / TIME_SERIES).read_text()
    rows = list(csv.reader(io.StringIO(text)))
    with_actuals = rows[:-24]  # the live feed's last day has load forecasts only
    return [rows[0], *with_actuals[-TAIL_HOURS:]]


def text_of(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def column(rows: list[list[str]], name: str) -> int:
    return rows[0].index(name)


def cases(rows: list[list[str]]) -> dict[str, str]:
    def edited(edit) -> str:
        copy = [list(r) for r in rows]
        edit(copy)
        return text_of(copy)

    def set_cell(line: int, name: str, value: str):
        return lambda r: r[line - 1].__setitem__(column(r, name), value)

    def drop_column(name: str):
        def edit(r):
            index = column(r, name)
            for row in r:
                del row[index]

        return edit

    def rename(old: str, new: str):
        return lambda r: r[0].__setitem__(column(r, old), new)

    def local_repeat(r):
        # the second 02:00 of the autumn switch keeps the summer offset: local time no longer
        # names the same instant as utc_timestamp
        second = [i for i, row in enumerate(r) if row[1].startswith("2017-10-29T02:00")][1]
        r[second][1] = r[second][1].replace("+0100", "+0200")

    def truncate_last(r):
        r[-1] = r[-1][:4]

    def zone_mid_file(r):
        for row in r[1:25]:
            for index, name in enumerate(r[0]):
                if name.startswith("FR_"):
                    row[index] = ""

    def utc_with_offset(hours: int):
        # the same instants written with an explicit offset instead of Z (hours=0 is what
        # pandas writes: 2017-10-26T00:00:00+00:00)
        def edit(r):
            shift = timedelta(hours=hours)
            sign = "+" if hours >= 0 else "-"
            offset = f"{sign}{abs(hours):02d}:00"
            for row in r[1:]:
                instant = datetime.strptime(row[0], "%Y-%m-%dT%H:%M:%SZ") + shift
                row[0] = instant.strftime("%Y-%m-%dT%H:%M:%S") + offset

        return edit

    def add_column(name: str, value: str):
        def edit(r):
            r[0].append(name)
            for row in r[1:]:
                row.append(value)

        return edit

    clean = text_of(rows)
    return {
        "utc_offset_zero": edited(utc_with_offset(0)),
        "utc_offset_plus_one": edited(utc_with_offset(1)),
        "repeated_header": edited(
            rename("FR_load_forecast_entsoe_transparency", "FR_load_actual_entsoe_transparency")
        ),
        "renamed_value_column": edited(rename("DE_LU_price_day_ahead", "DE_LU_price_dayahead")),
        "unused_opsd_family": edited(add_column("DE_LU_solar_capacity", "61000")),
        "missing_column": edited(drop_column("utc_timestamp")),
        "renamed_column": edited(rename("cet_cest_timestamp", "cet_cest_time")),
        "text_in_numeric": edited(set_cell(40, "DE_LU_price_day_ahead", "n/a")),
        "duplicate_hour": edited(lambda r: r.insert(30, list(r[29]))),
        "dst_repeated_local_hour": edited(local_repeat),
        # the tolerated gaps and empty cells lie within the last 72 hours, the look-back an
        # incremental build re-stages
        "gap_of_a_day": edited(lambda r: r.__delitem__(slice(len(r) - 60, len(r) - 36))),
        "gap_of_three_hours": edited(lambda r: r.__delitem__(slice(len(r) - 50, len(r) - 47))),
        "negative_load": edited(set_cell(50, "FR_load_actual_entsoe_transparency", "-5")),
        "price_1e9": edited(set_cell(60, "DE_LU_price_day_ahead", "1e9")),
        "empty_file": "",
        "header_only": text_of(rows[:1]),
        "truncated_last_line": edited(truncate_last),
        "utf8_bom": "\ufeff" + clean,
        "semicolon_delimiter": clean.replace(",", ";"),
        "wrong_timestamp_format": edited(set_cell(10, "utc_timestamp", "26/10/2019 07:00")),
        "zone_mid_file": edited(zone_mid_file),
        "empty_cells": edited(lambda r: r[-20].__setitem__(column(r, "FR_price_day_ahead"), "")),
    }


def main() -> None:
    rows = base_rows()
    if HERE.exists():
        shutil.rmtree(HERE)
    HERE.mkdir(parents=True)
    for name, text in cases(rows).items():
        folder = HERE / name
        folder.mkdir(parents=True)
        (folder / TIME_SERIES).write_text(text, encoding="utf-8")
    (HERE / "clean").mkdir()
    (HERE / "clean" / TIME_SERIES).write_text(text_of(rows), encoding="utf-8")
    print(f"wrote {len(list(HERE.glob('*/')))} cases under {HERE}")


if __name__ == "__main__":
    main()
