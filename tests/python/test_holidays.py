"""The holiday seed is generated from python_ml.data.holidays and must stay equal to it."""

from __future__ import annotations

import io
from datetime import date

from conftest import PROJECT_DIR

from python_ml.data.holidays import easter_sunday, public_holidays, write_seed


def test_committed_seed_equals_the_rules():
    generated = io.StringIO()
    write_seed(generated)
    committed = (PROJECT_DIR / "seeds" / "public_holidays.csv").read_text()
    assert committed == generated.getvalue(), (
        "regenerate: python -m python_ml.data.holidays > seeds/public_holidays.csv"
    )


def test_easter_and_movable_feasts():
    assert [easter_sunday(y) for y in (2016, 2019, 2024)] == [
        date(2016, 3, 27),
        date(2019, 4, 21),
        date(2024, 3, 31),
    ]
    german_2019 = dict(public_holidays("DE", 2019, 2019))
    assert german_2019[date(2019, 4, 19)] == "Karfreitag"
    assert german_2019[date(2019, 6, 10)] == "Pfingstmontag"
    assert date(2014, 4, 27) not in dict(public_holidays("NL", 2014, 2014))  # a Sunday
    assert date(2014, 4, 26) in dict(public_holidays("NL", 2014, 2014))
