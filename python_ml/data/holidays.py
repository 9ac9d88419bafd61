"""National public holidays of the sample's countries: the source of seeds/public_holidays.csv.

Only nation-wide days off are listed (regional holidays, such as Corpus Christi in parts of
Germany, are not). Regenerate the seed after editing the rules:

    python -m python_ml.data.holidays > seeds/public_holidays.csv

A test keeps the committed seed equal to what this module produces.
"""

from __future__ import annotations

import csv
import sys
from datetime import date, timedelta

FIRST_YEAR, LAST_YEAR = 2015, 2030

# (month-day or Easter offset in days, name); Easter offsets are ints.
_RULES: dict[str, list[tuple[str | int, str]]] = {
    "AT": [
        ("01-01", "Neujahr"),
        ("01-06", "Heilige Drei Könige"),
        (1, "Ostermontag"),
        ("05-01", "Staatsfeiertag"),
        (39, "Christi Himmelfahrt"),
        (50, "Pfingstmontag"),
        (60, "Fronleichnam"),
        ("08-15", "Mariä Himmelfahrt"),
        ("10-26", "Nationalfeiertag"),
        ("11-01", "Allerheiligen"),
        ("12-08", "Mariä Empfängnis"),
        ("12-25", "Christtag"),
        ("12-26", "Stefanitag"),
    ],
    "BE": [
        ("01-01", "Nieuwjaar"),
        (1, "Paasmaandag"),
        ("05-01", "Dag van de Arbeid"),
        (39, "Onze-Lieve-Heer-Hemelvaart"),
        (50, "Pinkstermaandag"),
        ("07-21", "Nationale feestdag"),
        ("08-15", "Onze-Lieve-Vrouw-Hemelvaart"),
        ("11-01", "Allerheiligen"),
        ("11-11", "Wapenstilstand"),
        ("12-25", "Kerstmis"),
    ],
    "DE": [
        ("01-01", "Neujahr"),
        (-2, "Karfreitag"),
        (1, "Ostermontag"),
        ("05-01", "Tag der Arbeit"),
        (39, "Christi Himmelfahrt"),
        (50, "Pfingstmontag"),
        ("10-03", "Tag der Deutschen Einheit"),
        ("12-25", "1. Weihnachtstag"),
        ("12-26", "2. Weihnachtstag"),
    ],
    "DK": [
        ("01-01", "Nytårsdag"),
        (-3, "Skærtorsdag"),
        (-2, "Langfredag"),
        (1, "2. påskedag"),
        (26, "Store bededag"),
        (39, "Kristi himmelfartsdag"),
        (50, "2. pinsedag"),
        ("06-05", "Grundlovsdag"),
        ("12-25", "Juledag"),
        ("12-26", "2. juledag"),
    ],
    "FR": [
        ("01-01", "Jour de l'an"),
        (1, "Lundi de Pâques"),
        ("05-01", "Fête du Travail"),
        ("05-08", "Victoire 1945"),
        (39, "Ascension"),
        (50, "Lundi de Pentecôte"),
        ("07-14", "Fête nationale"),
        ("08-15", "Assomption"),
        ("11-01", "Toussaint"),
        ("11-11", "Armistice"),
        ("12-25", "Noël"),
    ],
    "NL": [
        ("01-01", "Nieuwjaarsdag"),
        (1, "Tweede Paasdag"),
        ("04-27", "Koningsdag"),
        (39, "Hemelvaartsdag"),
        (50, "Tweede Pinksterdag"),
        ("12-25", "Eerste Kerstdag"),
        ("12-26", "Tweede Kerstdag"),
    ],
}


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return date(year, month, day + 1)


def public_holidays(
    country: str, first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR
) -> list[tuple[date, str]]:
    """(date, name) of every national public holiday of `country` in the years given."""
    if country not in _RULES:
        raise KeyError(f"no holiday rules for {country}; known: {', '.join(sorted(_RULES))}")
    days: dict[date, str] = {}
    for year in range(first_year, last_year + 1):
        easter = easter_sunday(year)
        for rule, name in _RULES[country]:
            if isinstance(rule, int):
                day = easter + timedelta(days=rule)
            else:
                day = date.fromisoformat(f"{year}-{rule}")
            if country == "DK" and name == "Store bededag" and year >= 2024:
                continue  # abolished from 2024
            if country == "NL" and name == "Koningsdag" and day.isoweekday() == 7:
                day -= timedelta(days=1)  # moved to Saturday when 27 April is a Sunday
            days[day] = f"{days[day]} / {name}" if day in days else name
        if country == "DE" and year == 2017:
            days[date(2017, 10, 31)] = "Reformationstag (500 years, nation-wide)"
    return sorted(days.items())


def countries() -> list[str]:
    return sorted(_RULES)


def write_seed(stream) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["country", "holiday_date", "holiday_name"])
    for country in countries():
        for day, name in public_holidays(country):
            writer.writerow([country, day.isoformat(), name])


if __name__ == "__main__":
    write_seed(sys.stdout)
