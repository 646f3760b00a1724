"""Dates as the notices write them come from CLDR (Babel): fr_MA, and ar_MA with the
month names used in Morocco (ماي, يوليوز, غشت, شتنبر, نونبر, دجنبر), not the Mashriq's."""

from __future__ import annotations

from datetime import date

from qurb.kernel.i18n import long_date

MOROCCAN_MONTHS = (
    "يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو",
    "يوليوز", "غشت", "شتنبر", "أكتوبر", "نونبر", "دجنبر",
)  # fmt: skip


def test_a_day_in_three_languages() -> None:
    day = date(2027, 1, 11)
    assert long_date(day, "fr") == "lundi 11 janvier 2027"
    assert long_date(day, "ar") == "الاثنين 11 يناير 2027"
    assert long_date(day, "en") == "Monday 11 January 2027"


def test_the_arabic_months_are_morocco_s() -> None:
    for month, name in enumerate(MOROCCAN_MONTHS, start=1):
        assert long_date(date(2027, month, 1), "ar").split(" ")[2] == name
    assert long_date(date(2027, 8, 15), "fr") == "dimanche 15 août 2027"
    assert long_date(date(2027, 8, 13), "ar") == "الجمعة 13 غشت 2027"
