"""Partial dates: what is known kept, nothing inferred, comparisons only when both dates
are fully known."""

from __future__ import annotations

from datetime import date

import pytest

from qurb.conventions.partial_dates import (
    UNKNOWN,
    PartialDate,
    PartialDateError,
    is_before,
    parse_partial,
)


@pytest.mark.parametrize(
    ("text", "parts", "iso"),
    [
        ("2025-12-01", (2025, 12, 1), "2025-12-01"),
        ("2025-12", (2025, 12, None), "2025-12"),
        ("2025", (2025, None, None), "2025"),
        # Fès: "Monday 1 December", the year not printed.
        ("--12-01", (None, 12, 1), "--12-01"),
        ("--02-29", (None, 2, 29), "--02-29"),  # a year unknown may be a leap year
        (" 2024-02-29 ", (2024, 2, 29), "2024-02-29"),
        ("", (None, None, None), None),
        (None, (None, None, None), None),
    ],
)
def test_each_form_keeps_what_it_says_and_no_more(
    text: str | None, parts: tuple[int | None, ...], iso: str | None
) -> None:
    found = parse_partial(text)
    assert (found.year, found.month, found.day) == parts
    assert found.iso() == iso
    if iso is not None:
        assert parse_partial(iso) == found  # the written form reads back the same


@pytest.mark.parametrize(
    "text", ["2025-13-01", "2025-02-29", "--02-30", "1 December", "2025-1-1", "12-01", "0000"]
)
def test_a_text_of_no_form_or_a_day_that_does_not_exist_is_refused_by_field(text: str) -> None:
    with pytest.raises(PartialDateError) as refused:
        parse_partial(text, "signature_on")
    [found] = refused.value.errors
    assert (found.field, found.code) == ("signature_on", "partial_date")


def test_a_day_without_its_month_cannot_be_built() -> None:
    with pytest.raises(ValueError):
        PartialDate(2025, None, 1)


def test_only_a_fully_known_date_is_a_date() -> None:
    assert PartialDate(2025, 12, 1).as_date() == date(2025, 12, 1)
    assert PartialDate(None, 12, 1).as_date() is None
    assert PartialDate(2025, 12).as_date() is None
    assert PartialDate(2025, 12, 1).is_known and not PartialDate(None, 12, 1).is_known
    assert UNKNOWN.is_unknown and not PartialDate(2025).is_unknown


def test_comparisons_are_skipped_on_unknowns_never_guessed() -> None:
    assert is_before(PartialDate(2024, 12, 31), PartialDate(2025, 1, 1)) is True
    assert is_before(PartialDate(2025, 1, 1), PartialDate(2025, 1, 1)) is False
    # A year alone is not "before" a later year's day: the check is skipped, not inferred.
    assert is_before(PartialDate(2024), PartialDate(2025, 1, 1)) is None
    assert is_before(PartialDate(None, 12, 1), PartialDate(2025, 1, 1)) is None
    assert is_before(UNKNOWN, UNKNOWN) is None
