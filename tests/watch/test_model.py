"""The data sets' files and the periods they are reported for: pure, no database."""

from __future__ import annotations

from datetime import date

import pytest

from qurb.kernel.errors import InputError
from qurb.watch.datasets import available_datasets
from qurb.watch.model import (
    DatasetError,
    PeriodType,
    dataset_from_mapping,
    parse_period,
    read_count,
    reportable,
)


def test_weeks_are_iso_weeks_written_as_dhis2_does() -> None:
    week = parse_period("2026-W05", PeriodType.ISO_WEEK)
    # ISO week 5 of 2026: Monday 26 January to Sunday 1 February.
    assert (week.code, week.start, week.end) == ("2026W5", date(2026, 1, 26), date(2026, 2, 1))
    assert parse_period("2026W5", PeriodType.ISO_WEEK) == week
    assert week.due(2) == date(2026, 2, 3)
    # 2026 has 53 ISO weeks (it starts on a Thursday); 2027 has 52.
    assert parse_period("2026W53", PeriodType.ISO_WEEK).end == date(2027, 1, 3)
    with pytest.raises(InputError) as caught:
        parse_period("2027W53", PeriodType.ISO_WEEK)
    assert caught.value.code == "period_not_of_type"


def test_months() -> None:
    month = parse_period("202602", PeriodType.MONTH)
    assert (month.code, month.start, month.end) == ("2026-02", date(2026, 2, 1), date(2026, 2, 28))
    assert parse_period("2026-12", PeriodType.MONTH).end == date(2026, 12, 31)
    for wrong in ("2026-13", "2026W5", "janvier"):
        with pytest.raises(InputError) as caught:
            parse_period(wrong, PeriodType.MONTH)
        assert caught.value.code == "period_not_of_type"


def test_a_period_is_reported_once_over() -> None:
    month = parse_period("2026-11", PeriodType.MONTH)
    reportable(month, date(2026, 12, 1))
    for today, code in (
        (date(2026, 11, 30), "period_not_over"),
        (date(2026, 10, 31), "period_in_future"),
    ):
        with pytest.raises(InputError) as caught:
            reportable(month, today)
        assert caught.value.code == code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0, (0, None)),
        (12, (12, None)),
        ("7", (7, None)),
        (3.0, (3, None)),
        (-1, (None, "count_negative")),
        ("-2", (None, "count_negative")),
        (2.5, (None, "count_fractional")),
        ("2,5", (None, "count_fractional")),
        ("douze", (None, "count_not_number")),
        (None, (None, "count_not_number")),
        (True, (None, "count_not_number")),
        (float("nan"), (None, "count_not_number")),
    ],
)
def test_a_count_is_a_whole_number_of_zero_or_more(raw: object, expected: tuple) -> None:
    assert read_count(raw) == expected


def test_the_three_bundled_data_sets() -> None:
    found = available_datasets()
    assert list(found) == ["chronic", "mdo", "mother-child"]
    mdo, mother, chronic = found["mdo"], found["mother-child"], found["chronic"]
    assert (mdo.period, mother.period, chronic.period) == (
        PeriodType.ISO_WEEK,
        PeriodType.MONTH,
        PeriodType.MONTH,
    )
    # The notifiable diseases: 14 confirmed from the arrêté; syphilis (cut off in the copy
    # read) and the eight diseases the part read does not name are unconfirmed.
    confirmed = [e.code for e in mdo.elements if e.confirmed]
    assert confirmed == [
        "plague",
        "yellow_fever",
        "cholera",
        "diphtheria",
        "tetanus",
        "polio_afp",
        "measles",
        "pertussis",
        "tuberculosis",
        "malaria",
        "bilharzia",
        "leprosy",
        "aids",
        "male_urethritis",
    ]
    assert len(mdo.elements) == 23 and all(e.why for e in mdo.elements if not e.confirmed)
    immediate = {e.code: e.alert_threshold for e in mdo.elements if e.immediate}
    assert immediate == dict.fromkeys(
        [
            "plague",
            "yellow_fever",
            "cholera",
            "diphtheria",
            "polio_afp",
            "measles",
            "meningitis",
            "rabies",
        ],
        1,
    )
    # Every delay is unconfirmed: the arrêté's article on delays was not read.
    assert not any(e.delay_confirmed for e in mdo.elements if e.immediate)
    assert mdo.needs_validation and not mother.needs_validation and not chronic.needs_validation
    assert not mdo.due_days_confirmed
    # A disease's cells: sex × age band (2 × 4); male urethritis by age band alone.
    assert len(mdo.combos["cholera"]) == 8 and mdo.combos["cholera"][0] == "m|0-11m"
    assert mdo.combos["male_urethritis"] == ("0-11m", "1-4", "5-14", "15+")
    # Mother and child: ANC totals, the antigens from secondary sources unconfirmed.
    assert mother.combos["anc1"] == ("",)
    assert [e.code for e in mother.elements if not e.confirmed] == [
        "vacc_bcg",
        "vacc_hb_birth",
        "vacc_polio3",
        "vacc_dtp3",
        "vacc_pcv3",
        "vacc_rota2",
        "vacc_measles1",
    ]
    assert [e.code for e in chronic.elements if not e.confirmed] == [
        "htn_controlled",
        "dm_controlled",
    ]
    assert "HEARTS" in chronic.source and "683-95" in mdo.source
    assert "HP" not in chronic.categories and "HP" in mdo.categories


def test_a_data_set_file_says_what_is_wrong() -> None:
    base = {
        "id": "x",
        "version": "1",
        "name_fr": "x",
        "name_ar": "x",
        "name_en": "x",
        "period": "month",
        "due_days": 3,
        "source": "s",
        "element": [{"code": "a", "name_fr": "a", "name_ar": "a", "name_en": "a", "group": "g"}],
    }
    assert dataset_from_mapping(base).combos == {"a": ("",)}
    cases = [
        ({"period": "year"}, "dataset_bad_value"),
        ({"due_days": -1}, "dataset_bad_value"),
        ({"source": ""}, "dataset_field_missing"),
        ({"element": [{**base["element"][0], "confirmed": False}]}, "dataset_field_missing"),
        (
            {"element": [{**base["element"][0], "disaggregations": ["sex"]}]},
            "dataset_unknown_disaggregation",
        ),
        ({"element": base["element"] * 2}, "dataset_bad_value"),
    ]
    for change, code in cases:
        with pytest.raises(DatasetError) as caught:
            dataset_from_mapping({**base, **change}, "x.toml")
        assert caught.value.code == code, change
