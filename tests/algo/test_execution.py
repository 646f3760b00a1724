"""A convention's execution worked by hand: typed indicator values, money disbursed against
money committed, deliverables reached, the steering committee's next meeting."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qurb.algo.execution import (
    DeliverableProgress,
    FinancialExecution,
    IndicatorKind,
    MeetingRule,
    add_months,
    compute_financial_execution,
    compute_financial_execution_by,
    compute_next_meeting_due,
    compute_physical_execution,
    parse_value,
    read_value,
)
from qurb.kernel.errors import FieldError, InputError
from qurb.kernel.i18n import say_in

COUNT, PERCENT, MONEY, YES_NO = (
    IndicatorKind.COUNT,
    IndicatorKind.PERCENTAGE,
    IndicatorKind.MONEY,
    IndicatorKind.YES_NO,
)


def refusal(kind: IndicatorKind | str, raw: object) -> FieldError:
    with pytest.raises(InputError) as caught:
        parse_value(kind, raw)
    (only,) = caught.value.errors
    return only


# ---------------------------------------------------------------- typed values


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        (COUNT, 12, 12),
        (COUNT, "12", 12),
        (COUNT, " 12 000 ", 12000),  # a French thousands space
        (COUNT, 3.0, 3),  # a spreadsheet's whole float
        (COUNT, Decimal("0"), 0),
        (PERCENT, "12,5", Decimal("12.5")),  # the French decimal comma
        (PERCENT, "87.25 %", Decimal("87.25")),
        (PERCENT, 100, Decimal(100)),
        (PERCENT, 0.5, Decimal("0.5")),
        (MONEY, "1500000", Decimal("1500000.00")),
        (MONEY, 1234.5, Decimal("1234.50")),
        (MONEY, "250 000,75", Decimal("250000.75")),
        (YES_NO, True, True),
        (YES_NO, "oui", True),
        (YES_NO, "نعم", True),
        (YES_NO, " No ", False),
        (YES_NO, 0, False),
        ("count", "7", 7),  # the kind as stored, a plain string
    ],
)
def test_a_value_is_read_as_its_kind(kind: IndicatorKind | str, raw: object, value: object) -> None:
    parsed = parse_value(kind, raw)
    assert parsed == value and type(parsed) is type(value)


@pytest.mark.parametrize("kind", list(IndicatorKind))
@pytest.mark.parametrize("raw", [None, "", "   "])
def test_an_empty_value_is_unknown_not_zero(kind: IndicatorKind, raw: object) -> None:
    assert parse_value(kind, raw) is None


@pytest.mark.parametrize(
    ("kind", "raw", "code"),
    [
        (COUNT, "N/A", "indicator_not_number"),
        (COUNT, 1.5, "indicator_not_whole"),
        (COUNT, "1.5", "indicator_not_whole"),
        (COUNT, -2, "indicator_negative"),
        (COUNT, True, "indicator_not_number"),  # a yes is no count
        (COUNT, "1,000", "indicator_not_number"),  # a thousand or one: not guessed
        (COUNT, "1e3", "indicator_not_number"),
        (COUNT, float("nan"), "indicator_not_number"),
        (PERCENT, "101", "percentage_out_of_range"),
        (PERCENT, -0.1, "percentage_out_of_range"),
        (PERCENT, "half", "indicator_not_number"),
        (MONEY, -3, "indicator_negative"),
        (MONEY, "12.345", "money_too_precise"),
        (MONEY, "MAD 12", "indicator_not_number"),
        (YES_NO, "maybe", "indicator_not_yes_no"),
        (YES_NO, 2, "indicator_not_yes_no"),
        ("score", 1, "indicator_unknown_kind"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_with_its_code(
    kind: IndicatorKind | str, raw: object, code: str
) -> None:
    refused = refusal(kind, raw)
    assert refused.code == code
    # Worded in the three catalogues, naming the value given.
    for lang in ("fr", "ar", "en"):
        assert repr(raw) in refused.rendered(say_in(lang)) or code == "indicator_unknown_kind"


def test_a_refusal_names_its_field_and_reads_in_each_language() -> None:
    refused = refusal(COUNT, "N/A")
    assert (refused.field, refused.values) == ("actual", {"value": "'N/A'"})
    assert refused.rendered(say_in("en")) == "'N/A' is not a number"
    assert refused.rendered(say_in("fr")) == "'N/A' n'est pas un nombre"
    assert refused.rendered(say_in("ar")) == "'N/A' ليس رقما"
    # A reader of many cells gets the problem, with its row, instead of an error.
    problem = read_value(MONEY, -3, "amount", 7)
    assert isinstance(problem, FieldError)
    assert (problem.field, problem.row, problem.code) == ("amount", 7, "indicator_negative")


# ---------------------------------------------------------------- financial execution


def test_financial_execution_over_known_amounts() -> None:
    # Committed 1,000,000 + 500,000 MAD; disbursed 300,000 + 450,000: 750,000 ÷ 1,500,000.
    done = compute_financial_execution([1_000_000, Decimal("500000")], [300_000, 450_000])
    assert done == FinancialExecution(
        Decimal("1500000.00"), Decimal("750000.00"), 0, 0, Decimal("0.5")
    )
    assert done.percent == Decimal("50.0") and done.complete


def test_an_unknown_amount_is_left_out_and_counted_never_zero() -> None:
    # One commitment of unknown amount: the ratio is over the known 400,000 MAD only,
    # 100,000 ÷ 400,000 = 25 %, and the unknown one is counted.
    done = compute_financial_execution([400_000, None], [100_000, None, None])
    assert done.ratio == Decimal("0.25")
    assert (done.unknown_commitments, done.unknown_disbursements) == (1, 2)
    assert not done.complete


def test_the_ratio_is_unknown_when_nothing_is_known() -> None:
    assert compute_financial_execution([None, None], [50_000]).ratio is None
    assert compute_financial_execution([], []).ratio is None
    # A commitment of 0 MAD (an in-kind party): a share of nothing is unknown.
    assert compute_financial_execution([0], []).ratio is None
    # Disbursements recorded with no known amount: not 0 %.
    unknown = compute_financial_execution([200_000], [None])
    assert unknown.ratio is None and unknown.disbursed_mad == 0


def test_no_disbursement_at_all_is_a_known_zero() -> None:
    assert compute_financial_execution([200_000], []).ratio == 0


def test_a_disbursement_beyond_the_commitment_shows_above_one() -> None:
    # 1,200 ÷ 1,000: measured as it is (refusing it is the service's business).
    done = compute_financial_execution([1000], [Decimal("1200.00")])
    assert done.ratio == Decimal("1.2") and done.percent == Decimal("120.0")


def test_bad_amounts_are_refused_all_at_once_by_position() -> None:
    with pytest.raises(InputError) as caught:
        compute_financial_execution([100, -5, "abc"], [Decimal("1.234")])
    found = [(e.field, e.row, e.code) for e in caught.value.errors]
    assert found == [
        ("committed", 2, "indicator_negative"),
        ("committed", 3, "indicator_not_number"),
    ]
    with pytest.raises(InputError) as caught:
        compute_financial_execution([100], [Decimal("1.234")])
    assert [(e.field, e.row, e.code) for e in caught.value.errors] == [
        ("disbursed", 1, "money_too_precise")
    ]


def test_financial_execution_per_party_and_year() -> None:
    committed = [
        (("council", 2025), 600_000),
        (("council", 2026), 400_000),
        (("chu", 2025), None),  # the CHU's money is not published
    ]
    disbursed = [
        (("council", 2025), 150_000),
        (("council", 2025), 150_000),
        (("chu", 2025), 20_000),
        (("association", 2025), 5_000),  # no commitment: its ratio is unknown
    ]
    by = compute_financial_execution_by(committed, disbursed)
    assert list(by) == [("council", 2025), ("council", 2026), ("chu", 2025), ("association", 2025)]
    assert by[("council", 2025)].ratio == Decimal("0.5")  # 300,000 ÷ 600,000
    assert by[("council", 2026)].ratio == 0
    assert by[("chu", 2025)].ratio is None and by[("chu", 2025)].unknown_commitments == 1
    assert by[("association", 2025)].ratio is None
    assert by[("association", 2025)].disbursed_mad == Decimal("5000.00")


# ---------------------------------------------------------------- physical execution


def test_physical_execution_is_the_mean_of_capped_ratios() -> None:
    # 30 of 40 consultations days = 0.75; 120 of 100 screenings capped at 1; a yes = 1; a
    # percentage of 45 for a target of 90 = 0.5: (0.75 + 1 + 1 + 0.5) ÷ 4 = 0.8125.
    done = compute_physical_execution(
        [
            DeliverableProgress(COUNT, target=40, actual=30),
            DeliverableProgress(COUNT, target=100, actual=120),
            DeliverableProgress(YES_NO, target=True, actual="oui"),
            DeliverableProgress(PERCENT, target="90", actual="45"),
        ]
    )
    assert done.ratio == Decimal("0.8125")
    assert done.percent == Decimal("81.3")  # 81.25 rounded half up
    assert (done.measured, done.unknown_actual, done.without_target) == (4, 0, 0)


def test_a_no_counts_zero_and_money_is_a_ratio_of_amounts() -> None:
    # A no = 0; 250,000 of 1,000,000 MAD spent = 0.25: (0 + 0.25) ÷ 2 = 0.125.
    done = compute_physical_execution(
        [
            DeliverableProgress(YES_NO, target=True, actual=False),
            DeliverableProgress(MONEY, target=1_000_000, actual="250000.00"),
        ]
    )
    assert done.ratio == Decimal("0.125")


def test_weights_give_each_deliverable_its_share() -> None:
    # Weights 3 and 1: (3 × 0.5 + 1 × 1) ÷ 4 = 0.625; a weight of 0 leaves one out.
    items = [
        DeliverableProgress(COUNT, target=10, actual=5),
        DeliverableProgress(YES_NO, actual=True),
        DeliverableProgress(COUNT, target=10, actual=0),
    ]
    assert compute_physical_execution(items, weights=[3, 1, 0]).ratio == Decimal("0.625")
    assert compute_physical_execution(items, weights=["1,5", "0,5", 0]).ratio == Decimal("0.625")
    # Equal weights: (0.5 + 1 + 0) ÷ 3.
    assert compute_physical_execution(items).ratio == Decimal(3) / 2 / 3


def test_unknown_actuals_and_targets_of_zero_are_left_out_and_counted() -> None:
    # Only the first is measured: 2 of 8 = 0.25. The unknown actual is not 0, and a target
    # of 0 (or none) gives no ratio, so neither is "done" nor "not done".
    done = compute_physical_execution(
        [
            DeliverableProgress(COUNT, target=8, actual=2),
            DeliverableProgress(COUNT, target=8, actual=None),
            DeliverableProgress(YES_NO, actual=None),
            DeliverableProgress(COUNT, target=0, actual=3),
            DeliverableProgress(PERCENT, target=None, actual=50),
        ]
    )
    assert done.ratio == Decimal("0.25")
    assert (done.measured, done.unknown_actual, done.without_target) == (1, 2, 2)


def test_nothing_measured_is_unknown() -> None:
    assert compute_physical_execution([]).ratio is None
    unmeasured = compute_physical_execution([DeliverableProgress(COUNT, target=5)])
    assert unmeasured.ratio is None and unmeasured.percent is None
    # The only measured deliverable weighs 0, the unmeasured one 1: nothing to average.
    items = [DeliverableProgress(COUNT, 5, 5), DeliverableProgress(COUNT, 5, None)]
    assert compute_physical_execution(items, weights=[0, 1]).ratio is None


def test_an_actual_of_the_wrong_type_is_refused_with_every_bad_one_named() -> None:
    with pytest.raises(InputError) as caught:
        compute_physical_execution(
            [
                DeliverableProgress(COUNT, target=10, actual="N/A"),
                DeliverableProgress(COUNT, target=10, actual=4),
                DeliverableProgress(YES_NO, actual="maybe"),
                DeliverableProgress(COUNT, target=2.5, actual=1),
            ]
        )
    found = [(e.field, e.row, e.code) for e in caught.value.errors]
    assert found == [
        ("actual", 1, "indicator_not_number"),
        ("actual", 3, "indicator_not_yes_no"),
        ("target", 4, "indicator_not_whole"),
    ]


@pytest.mark.parametrize(
    ("weights", "code"),
    [([1], "weights_count"), ([0, 0], "weights_all_zero")],
)
def test_weights_that_are_no_weights_are_refused(weights: list[object], code: str) -> None:
    items = [DeliverableProgress(COUNT, 4, 2), DeliverableProgress(COUNT, 4, 4)]
    with pytest.raises(InputError) as caught:
        compute_physical_execution(items, weights=weights)
    assert caught.value.code == code
    assert caught.value.rendered(say_in("ar")) != caught.value.rendered(say_in("en"))


def test_a_negative_weight_is_refused_by_position() -> None:
    items = [DeliverableProgress(COUNT, 4, 2), DeliverableProgress(COUNT, 4, 4)]
    with pytest.raises(InputError) as caught:
        compute_physical_execution(items, weights=[1, -1])
    assert [(e.field, e.row, e.code) for e in caught.value.errors] == [
        ("weight", 2, "indicator_negative")
    ]


# ---------------------------------------------------------------- steering committee


@pytest.mark.parametrize(
    ("day", "months", "moved"),
    [
        (date(2025, 3, 15), 6, date(2025, 9, 15)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),  # kept to February's last day
        (date(2027, 11, 30), 3, date(2028, 2, 29)),  # a leap year
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2025, 12, 31), 12, date(2026, 12, 31)),
        (date(2025, 12, 1), 1, date(2026, 1, 1)),
        (date(2025, 5, 31), 24, date(2027, 5, 31)),
    ],
)
def test_months_are_added_on_the_calendar(day: date, months: int, moved: date) -> None:
    assert add_months(day, months) == moved


def test_the_next_meeting_is_one_interval_after_the_last() -> None:
    twice_a_year = MeetingRule(meetings_per_year=2)
    assert compute_next_meeting_due(twice_a_year, date(2025, 10, 20), date(2024, 1, 1)) == date(
        2026, 4, 20
    )
    quarterly = MeetingRule(every_months=3)
    assert compute_next_meeting_due(quarterly, date(2025, 11, 30), None) == date(2026, 2, 28)
    # Never met: one interval after the convention's start.
    yearly = MeetingRule(meetings_per_year=1)
    assert compute_next_meeting_due(yearly, None, date(2025, 12, 1)) == date(2026, 12, 1)
    # Neither known (a start published without its year): unknown, not guessed.
    assert compute_next_meeting_due(yearly, None, None) is None


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        (MeetingRule(), "meeting_rule_one_of"),
        (MeetingRule(meetings_per_year=2, every_months=6), "meeting_rule_one_of"),
        (MeetingRule(meetings_per_year=5), "meetings_per_year_not_monthly"),
        (MeetingRule(meetings_per_year=0), "meetings_per_year_not_monthly"),
        (MeetingRule(every_months=0), "every_months_out_of_range"),
        (MeetingRule(every_months=121), "every_months_out_of_range"),
    ],
)
def test_a_rule_that_is_not_one_is_refused(rule: MeetingRule, code: str) -> None:
    with pytest.raises(InputError) as caught:
        compute_next_meeting_due(rule, date(2025, 1, 1), None)
    assert caught.value.code == code
    assert caught.value.rendered(say_in("fr"))


# ---------------------------------------------------------------- properties

counts = st.integers(min_value=0, max_value=10**6)
amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)


@given(st.lists(st.tuples(st.integers(1, 10**4), counts), max_size=20), counts)
def test_physical_execution_stays_within_0_and_1_and_ignores_an_unknown(
    pairs: list[tuple[int, int]], target: int
) -> None:
    items = [DeliverableProgress(COUNT, target=t, actual=a) for t, a in pairs]
    done = compute_physical_execution(items)
    assert done.ratio is None or 0 <= done.ratio <= 1
    assert (done.ratio is None) == (not pairs)
    with_unknown = compute_physical_execution([*items, DeliverableProgress(COUNT, target + 1)])
    assert with_unknown.ratio == done.ratio
    assert with_unknown.unknown_actual == done.unknown_actual + 1


@given(st.lists(amounts, min_size=1, max_size=10), st.lists(amounts, min_size=1, max_size=10))
def test_financial_execution_is_known_disbursed_over_known_committed(
    committed: list[Decimal], disbursed: list[Decimal]
) -> None:
    done = compute_financial_execution(committed, disbursed)
    if sum(committed) == 0:
        assert done.ratio is None
    else:
        assert done.ratio == sum(disbursed) / sum(committed)
    # Unknown amounts beside them change nothing but their counts.
    with_unknown = compute_financial_execution([*committed, None], [None, *disbursed])
    assert with_unknown.ratio == done.ratio
    assert (with_unknown.unknown_commitments, with_unknown.unknown_disbursements) == (1, 1)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)), st.integers(0, 240))
def test_adding_months_moves_the_month_and_keeps_the_day_when_it_can(
    day: date, months: int
) -> None:
    moved = add_months(day, months)
    assert moved.year * 12 + moved.month == day.year * 12 + day.month + months
    assert moved.day == day.day or (day.day > 28 and moved.day < day.day)


def test_a_count_or_an_amount_beyond_what_is_kept_is_refused_not_rounded() -> None:
    from qurb.algo.execution import LARGEST

    for kind in (IndicatorKind.COUNT, IndicatorKind.MONEY):
        with pytest.raises(InputError) as refused:
            parse_value(kind, 3.0076657630950172e16 * 1e12)  # once a 500 (decimal overflow)
        assert refused.value.errors[0].code == "indicator_too_large"
    assert parse_value(IndicatorKind.MONEY, str(LARGEST)) == LARGEST
