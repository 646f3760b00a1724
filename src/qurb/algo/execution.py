"""How far a partnership convention has gone: its indicators' values, the money disbursed
against the money committed, the deliverables reached, and when its steering committee
(*comité de pilotage*) is due to meet next. Pure: plain values in, plain values out.

The rules, each chosen so that nothing unknown is read as 0 (the conventions' services
call these; their pages and reports show the counts of what was left out beside them):

* An indicator's value is typed by its kind (`IndicatorKind`): a count is a whole number
  ≥ 0 (`int`), a percentage a number from 0 to 100 (`Decimal`, decimals kept), money an
  amount in MAD ≥ 0 to the centime (`Decimal`, 2 decimals), yes/no a `bool`. `None` or an
  empty cell is unknown (`None`); anything else of the wrong type is refused with a coded
  problem ("N/A" or 1.5 for a count, "maybe" for yes/no, −3 for money).
* Financial execution = the known disbursed amounts ÷ the known committed amounts
  (`compute_financial_execution`). An unknown amount (`None`) is left out of its sum and
  counted (`unknown_commitments`, `unknown_disbursements`), never added as 0. The ratio is
  unknown (`None`) when no commitment is known, when the known commitments add up to 0 (a
  share of nothing, as `kernel.shares` has it), or when disbursements were recorded but
  none of their amounts is known. No disbursement recorded at all is a known 0. The ratio
  is not capped: a disbursement beyond the commitment shows as above 1 (the service
  refuses one unless an amendment raised the commitment; this only measures).
* Physical execution for a period = the weighted mean over the deliverables of
  min(actual ÷ target, 1) (`compute_physical_execution`); yes/no scores 1 for yes and 0
  for no, whatever its target. A deliverable whose actual is unknown, or whose target is
  unknown or 0 (a ratio to nothing is no measure: "done" would be a guess), is left out of
  the mean and counted (`unknown_actual`, `without_target`). Weights are equal unless
  given; given ones are numbers ≥ 0, one per deliverable, not all 0. The mean is unknown
  when no deliverable is measured, or when the measured ones all weigh 0.
* The steering committee's next meeting is due one interval after the last meeting, or
  after the convention's start when it has not met yet; unknown when both are unknown
  (a partial date, "Monday 1 December" with no year, is unknown here: the caller passes
  only whole dates). The interval is `every_months` months, or 12 ÷ `meetings_per_year`
  months, which must be whole (1, 2, 3, 4, 6 or 12 meetings a year: conventions say
  "twice a year", "every quarter"; five a year falls on no calendar rule). A month
  added to the 31st lands on the month's last day (31 January + 1 month = 28 or 29
  February).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from qurb.kernel.errors import FieldError, InputError
from qurb.kernel.i18n import problem


class IndicatorKind(StrEnum):
    COUNT = "count"
    PERCENTAGE = "percentage"
    MONEY = "money"
    YES_NO = "yes_no"


IndicatorValue = int | Decimal | bool

# A number as a person types it: digits, one optional decimal mark ("." or a French ","
# followed by 1 or 2 digits: "1,000" could be a thousand or one, so it is refused), spaces
# between groups of thousands ("12 000"), no exponent.
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+|,\d{1,2})?")
_CENTIME = Decimal("0.01")
# The largest count or amount kept (MAD; the money columns hold 12 digits before the
# centimes): beyond it a value is refused, never rounded or overflowed.
LARGEST = Decimal("999999999999.99")
_HUNDRED = Decimal(100)
_ONE = Decimal(1)
_YES = frozenset({"yes", "y", "true", "1", "oui", "o", "vrai", "نعم"})
_NO = frozenset({"no", "n", "false", "0", "non", "faux", "لا"})


def _number(raw: object) -> Decimal | None:
    """`raw` as a finite Decimal, None if it is no number (a bool is none)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        # repr is the shortest text that reads back as the float: 0.1, never 0.1000…0555.
        return Decimal(repr(raw)) if raw == raw and abs(raw) != float("inf") else None
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    if isinstance(raw, str):
        text = raw.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        if not _NUMBER.fullmatch(text):
            return None
        try:
            return Decimal(text.replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern lets only numbers through
            return None
    return None


def _unknown(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _count(raw: object, field: str, row: int | None) -> IndicatorValue | FieldError:
    number = _number(raw)
    if number is None:
        return problem(field, "indicator_not_number", row, value=repr(raw))
    if number != number.to_integral_value():
        return problem(field, "indicator_not_whole", row, value=repr(raw))
    if number < 0:
        return problem(field, "indicator_negative", row, value=repr(raw))
    if number > LARGEST:
        return problem(field, "indicator_too_large", row, value=repr(raw), max=str(LARGEST))
    return int(number)


def _percentage(raw: object, field: str, row: int | None) -> IndicatorValue | FieldError:
    text = raw.strip().removesuffix("%") if isinstance(raw, str) else raw
    number = _number(text)
    if number is None:
        return problem(field, "indicator_not_number", row, value=repr(raw))
    if not 0 <= number <= _HUNDRED:
        return problem(field, "percentage_out_of_range", row, value=repr(raw))
    return number


def _money(raw: object, field: str, row: int | None) -> IndicatorValue | FieldError:
    number = _number(raw)
    if number is None:
        return problem(field, "indicator_not_number", row, value=repr(raw))
    if number < 0:
        return problem(field, "indicator_negative", row, value=repr(raw))
    if number > LARGEST:
        return problem(field, "indicator_too_large", row, value=repr(raw), max=str(LARGEST))
    if number != number.quantize(_CENTIME):  # no rounding: a centime more is not ours to drop
        return problem(field, "money_too_precise", row, value=repr(raw))
    return number.quantize(_CENTIME)


def _yes_no(raw: object, field: str, row: int | None) -> IndicatorValue | FieldError:
    if isinstance(raw, bool):
        return raw
    number = _number(raw) if not isinstance(raw, str) else None
    if number is not None and number in (0, 1):
        return bool(number)
    word = raw.strip().casefold() if isinstance(raw, str) else None
    if word in _YES:
        return True
    if word in _NO:
        return False
    return problem(field, "indicator_not_yes_no", row, value=repr(raw))


_READERS = {
    IndicatorKind.COUNT: _count,
    IndicatorKind.PERCENTAGE: _percentage,
    IndicatorKind.MONEY: _money,
    IndicatorKind.YES_NO: _yes_no,
}


def read_value(
    kind: IndicatorKind | str, raw: object, field: str = "actual", row: int | None = None
) -> IndicatorValue | FieldError | None:
    """`raw` as a value of `kind`, None when unknown, or the problem with it (its field
    and row named, for a reader that gathers every bad cell before refusing them all)."""
    if kind not in _READERS:
        choices = ", ".join(k.value for k in IndicatorKind)
        return problem("kind", "indicator_unknown_kind", row, value=repr(kind), choices=choices)
    if _unknown(raw):
        return None
    return _READERS[IndicatorKind(kind)](raw, field, row)


def parse_value(
    kind: IndicatorKind | str, raw: object, field: str = "actual"
) -> IndicatorValue | None:
    """`raw` as a value of `kind` (None when unknown); refused with its coded problem
    when it is not one."""
    value = read_value(kind, raw, field)
    if isinstance(value, FieldError):
        raise InputError([value])
    return value


def _percent(ratio: Decimal | None) -> Decimal | None:
    """A ratio as a percentage to one decimal, halves rounded up as a reader expects."""
    return None if ratio is None else (ratio * _HUNDRED).quantize(Decimal("0.1"), ROUND_HALF_UP)


# ---------------------------------------------------------------- financial execution


@dataclass(frozen=True)
class FinancialExecution:
    """Money disbursed against money committed (MAD), over the known amounts."""

    committed_mad: Decimal  # the known commitments' sum
    disbursed_mad: Decimal  # the known disbursements' sum
    unknown_commitments: int  # how many commitments have no known amount (left out)
    unknown_disbursements: int  # how many disbursements have no known amount (left out)
    ratio: Decimal | None  # disbursed ÷ committed; None when unknown (module's rule)

    @property
    def percent(self) -> Decimal | None:
        return _percent(self.ratio)

    @property
    def complete(self) -> bool:
        """Every amount is known: the ratio is the whole convention's, not a part's."""
        return not (self.unknown_commitments or self.unknown_disbursements)


def _amounts(amounts: Iterable[object], field: str) -> tuple[Decimal, int]:
    """(sum of the known amounts in MAD, how many are unknown); bad ones refused, all
    named by their position (from 1)."""
    total, unknown, problems = Decimal(0), 0, []
    for row, raw in enumerate(amounts, start=1):
        value = read_value(IndicatorKind.MONEY, raw, field, row)
        if isinstance(value, FieldError):
            problems.append(value)
        elif value is None:
            unknown += 1
        else:
            total += Decimal(value)
    if problems:
        raise InputError(errors=problems)
    return total, unknown


def compute_financial_execution(
    committed: Iterable[Decimal | int | None], disbursed: Iterable[Decimal | int | None]
) -> FinancialExecution:
    """Financial execution of one party, year or convention from its commitments' and its
    disbursements' amounts in MAD (None: unknown), by the module's rule."""
    committed_mad, unknown_committed = _amounts(committed, "committed")
    disbursed_list = list(disbursed)
    disbursed_mad, unknown_disbursed = _amounts(disbursed_list, "disbursed")
    nothing_known_disbursed = bool(disbursed_list) and unknown_disbursed == len(disbursed_list)
    ratio = None if committed_mad == 0 or nothing_known_disbursed else disbursed_mad / committed_mad
    return FinancialExecution(
        committed_mad, disbursed_mad, unknown_committed, unknown_disbursed, ratio
    )


K = TypeVar("K", bound=Hashable)


def compute_financial_execution_by(
    committed: Iterable[tuple[K, Decimal | int | None]],
    disbursed: Iterable[tuple[K, Decimal | int | None]],
) -> dict[K, FinancialExecution]:
    """Financial execution for each key (a party, a year, a (party, year) pair…) of the
    (key, amount) pairs given, in the order the keys first appear (commitments first)."""
    by_key: dict[K, tuple[list[Any], list[Any]]] = {}
    for key, amount in committed:
        by_key.setdefault(key, ([], []))[0].append(amount)
    for key, amount in disbursed:
        by_key.setdefault(key, ([], []))[1].append(amount)
    return {key: compute_financial_execution(c, d) for key, (c, d) in by_key.items()}


# ---------------------------------------------------------------- physical execution


@dataclass(frozen=True)
class DeliverableProgress:
    """One deliverable's indicator over the period: its target and its actual (raw values
    are read by `kind`, as `parse_value` reads them; None is unknown)."""

    kind: IndicatorKind | str
    target: object = None
    actual: object = None


@dataclass(frozen=True)
class PhysicalExecution:
    """The weighted mean of the measured deliverables' min(actual ÷ target, 1)."""

    ratio: Decimal | None  # 0 to 1; None when nothing is measured (module's rule)
    measured: int  # deliverables in the mean
    unknown_actual: int  # left out: the actual is unknown
    without_target: int  # left out: the target is unknown or 0

    @property
    def percent(self) -> Decimal | None:
        return _percent(self.ratio)


def _weights(weights: Sequence[object] | None, count: int) -> list[Decimal]:
    if weights is None:
        return [_ONE] * count
    if len(weights) != count:
        raise InputError(code="weights_count", values={"given": len(weights), "count": count})
    read, problems = [], []
    for row, raw in enumerate(weights, start=1):
        number = _number(raw)
        if number is None:
            problems.append(problem("weight", "indicator_not_number", row, value=repr(raw)))
        elif number < 0:
            problems.append(problem("weight", "indicator_negative", row, value=repr(raw)))
        else:
            read.append(number)
    if problems:
        raise InputError(errors=problems)
    if count and not any(read):
        raise InputError(code="weights_all_zero", values={"count": count})
    return read


def _score(item: DeliverableProgress, row: int, problems: list[FieldError]) -> Decimal | str:
    """min(actual ÷ target, 1) of one deliverable, or why it is left out ("actual",
    "target"); a bad value is added to `problems`."""
    actual = read_value(item.kind, item.actual, "actual", row)
    target = read_value(item.kind, item.target, "target", row)
    if isinstance(actual, FieldError) or isinstance(target, FieldError):
        problems.extend(v for v in (actual, target) if isinstance(v, FieldError))
        return "bad"
    if actual is None:
        return "actual"
    if item.kind == IndicatorKind.YES_NO:
        return _ONE if actual else Decimal(0)
    if target is None or target == 0:
        return "target"
    return min(Decimal(actual) / Decimal(target), _ONE)


def compute_physical_execution(
    deliverables: Sequence[DeliverableProgress], weights: Sequence[object] | None = None
) -> PhysicalExecution:
    """Physical execution for a period, by the module's rule; every bad value refused at
    once, each named by its field and the deliverable's position (from 1)."""
    weighed = _weights(weights, len(deliverables))
    problems: list[FieldError] = []
    scores = [_score(item, row, problems) for row, item in enumerate(deliverables, start=1)]
    if problems:
        raise InputError(errors=problems)
    total = weight_total = Decimal(0)
    measured = 0
    for score, weight in zip(scores, weighed, strict=True):
        if isinstance(score, Decimal):
            total += weight * score
            weight_total += weight
            measured += 1
    ratio = total / weight_total if weight_total else None
    return PhysicalExecution(ratio, measured, scores.count("actual"), scores.count("target"))


# ---------------------------------------------------------------- steering committee

# How many meetings a year fall on whole months (12 ÷ n).
_MONTHLY_COUNTS = (1, 2, 3, 4, 6, 12)


@dataclass(frozen=True)
class MeetingRule:
    """How often the steering committee meets: one of the two, as the convention says."""

    meetings_per_year: int | None = None
    every_months: int | None = None

    def months(self) -> int:
        """The interval between two meetings, in months; a rule that is not one refused."""
        per_year, every = self.meetings_per_year, self.every_months
        if (per_year is None) == (every is None):
            raise InputError(code="meeting_rule_one_of")
        if every is not None:
            if isinstance(every, bool) or not isinstance(every, int) or not 1 <= every <= 120:
                raise InputError(code="every_months_out_of_range", values={"value": every})
            return every
        if isinstance(per_year, bool) or per_year not in _MONTHLY_COUNTS:
            choices = ", ".join(str(n) for n in _MONTHLY_COUNTS)
            raise InputError(
                code="meetings_per_year_not_monthly", values={"value": per_year, "choices": choices}
            )
        return 12 // per_year


def add_months(day: date, months: int) -> date:
    """`day` moved on by whole calendar months, kept to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    following = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    last_day = (following - date(year, month + 1, 1)).days
    return date(year, month + 1, min(day.day, last_day))


def compute_next_meeting_due(
    rule: MeetingRule, last_meeting: date | None, start: date | None
) -> date | None:
    """The date the next steering-committee meeting is due, by the module's rule."""
    months = rule.months()
    since = last_meeting if last_meeting is not None else start
    return None if since is None else add_months(since, months)
