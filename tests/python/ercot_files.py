"""Hand-written ERCOT report files for the staging tests, with their expected UTC times.

Independent of the sample generator and of the staging SQL: local times come from
Python's zoneinfo (UTC instant -> America/Chicago, `fold` marking the second pass of the
fall-back hour), so the files are an oracle for the calendar the staging models build.
Each value encodes its UTC interval start, so a test can tell which instant a line landed on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

CENTRAL = ZoneInfo("America/Chicago")
# a normal day, both 2024 DST days and the day before spring-forward (hour ending 24:00
# ends at the spring day's midnight)
DAYS = (date(2024, 1, 15), date(2024, 3, 9), date(2024, 3, 10), date(2024, 11, 3))
POINTS = ("HB_NORTH", "LZ_WEST")
POINT_TYPES = {"HB_NORTH": "HU", "LZ_WEST": "LZ"}
EPOCH = datetime(2024, 1, 1)


@dataclass(frozen=True)
class Interval:
    utc: datetime  # naive UTC start
    local: datetime  # naive local start
    repeated: bool  # the second (CST) pass of the fall-back hour

    @property
    def flag(self) -> str:
        return "Y" if self.repeated else "N"

    @property
    def hour_ending(self) -> int:
        return self.local.hour + 1

    @property
    def date_text(self) -> str:
        return self.local.strftime("%m/%d/%Y")


def intervals(day: date, minutes: int) -> Iterator[Interval]:
    """The local intervals of a delivery day, from UTC instants (never inventing one)."""
    start = datetime(day.year, day.month, day.day, tzinfo=CENTRAL).astimezone(UTC)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=CENTRAL).astimezone(UTC)
    t = start
    while t < end:
        local = t.astimezone(CENTRAL)
        yield Interval(t.replace(tzinfo=None), local.replace(tzinfo=None), local.fold == 1)
        t += timedelta(minutes=minutes)


def code(utc: datetime, point: int = 0) -> float:
    """A value that encodes the interval start (minutes since 2024) and the point."""
    return round((utc - EPOCH).total_seconds() / 60 + point / 10, 1)


def _write(path: Path, header: list[str], rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_reports(raw_dir: Path, days=DAYS, points=POINTS) -> None:
    """Every ERCOT report of the project for `days`, one file per report and day."""
    for day in days:
        stamp = day.strftime("%Y%m%d")
        hours = list(intervals(day, 60))
        _write(
            raw_dir / "ercot" / "dam_spp" / f"DAM_SPP_{stamp}.csv",
            [
                "Delivery Date",
                "Hour Ending",
                "Repeated Hour Flag",
                "Settlement Point",
                "Settlement Point Price",
            ],
            [
                [h.date_text, f"{h.hour_ending:02d}:00", h.flag, p, code(h.utc, i)]
                for h in hours
                for i, p in enumerate(points)
            ],
        )
        _write(
            raw_dir / "ercot" / "rtm_spp" / f"RTM_SPP_{stamp}.csv",
            [
                "Delivery Date",
                "Delivery Hour",
                "Delivery Interval",
                "Repeated Hour Flag",
                "Settlement Point Name",
                "Settlement Point Type",
                "Settlement Point Price",
            ],
            [
                [
                    q.date_text,
                    q.hour_ending,
                    q.local.minute // 15 + 1,
                    q.flag,
                    p,
                    POINT_TYPES.get(p, "RN"),
                    code(q.utc, i),
                ]
                for q in intervals(day, 15)
                for i, p in enumerate(points)
            ],
        )
        _write(
            raw_dir / "ercot" / "sced_lmp" / f"SCED_LMP_{stamp}.csv",
            ["SCED Timestamp", "Repeated Hour Flag", "Settlement Point", "LMP"],
            [
                [
                    (f.local + timedelta(seconds=17)).strftime("%m/%d/%Y %H:%M:%S"),
                    f.flag,
                    p,
                    code(f.utc, i),
                ]
                for f in intervals(day, 5)
                for i, p in enumerate(points)
            ],
        )
        zones = ["COAST", "EAST", "FAR_WEST", "NORTH", "NORTH_C", "SOUTHERN", "SOUTH_C", "WEST"]
        _write(
            raw_dir / "ercot" / "load" / f"LOAD_WZ_{stamp}.csv",
            ["OperDay", "HourEnding", *zones, "TOTAL", "DSTFlag"],
            [
                [
                    h.date_text,
                    f"{h.hour_ending:02d}:00",
                    *[code(h.utc, z) for z in range(8)],
                    round(sum(code(h.utc, z) for z in range(8)), 1),
                    h.flag,
                ]
                for h in hours
            ],
        )
        _write(
            raw_dir / "ercot" / "wind" / f"WIND_{stamp}.csv",
            [
                "DELIVERY_DATE",
                "HOUR_ENDING",
                "ACTUAL_SYSTEM_WIDE",
                "STWPF_SYSTEM_WIDE",
                "ACTUAL_WEST",
                "STWPF_WEST",
                "DSTFlag",
            ],
            [
                [
                    h.date_text,
                    h.hour_ending,
                    code(h.utc),
                    code(h.utc, 1),
                    code(h.utc, 2),
                    "",
                    h.flag,
                ]
                for h in hours
            ],
        )
        _write(
            raw_dir / "ercot" / "solar" / f"SOLAR_{stamp}.csv",
            ["DELIVERY_DATE", "HOUR_ENDING", "ACTUAL_SYSTEM_WIDE", "STPPF_SYSTEM_WIDE", "DSTFlag"],
            [[h.date_text, h.hour_ending, code(h.utc), code(h.utc, 1), h.flag] for h in hours],
        )
        _write(
            raw_dir / "ercot" / "dam_as" / f"DAM_AS_{stamp}.csv",
            [
                "Delivery Date",
                "Hour Ending",
                "Repeated Hour Flag",
                "REGDN",
                "REGUP",
                "RRS",
                "NSPIN",
                "ECRS",
            ],
            [
                [
                    h.date_text,
                    f"{h.hour_ending:02d}:00",
                    h.flag,
                    *[code(h.utc, s) for s in range(5)],
                ]
                for h in hours
            ],
        )


def edit_line(path: Path, line: int, column: str, value: str) -> None:
    """Set one cell (1-based line; the header is line 1) of a written file."""
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
