"""A convention's deliverables (its commitments): their fields, statuses and moves, the
objects they concern, their indicator, its actuals' periods, and their checks. Pure: no
I/O.

A deliverable is what a party committed to (FR/AR), its owner (one of the convention's
parties), the article it implements (a number of the convention's articles; optional), a
deadline (a partial date: a fully known one outside the convention's fully known start
and end is refused; a check on an unknown is skipped), a weight (≥ 0; unknown: equal
weights), its status and its indicator: a kind (`algo.execution.IndicatorKind`), a unit,
a baseline and a target read by that kind (`parse_value`: "N/A" for a count is refused,
its field named). Its actuals are reported per period, a year (`2026`) or a year-month
(`2026-03`).

Statuses: planned → in progress → delivered; planned or in progress → late (its
deadline passed), late → in progress or delivered; any open one → dropped. Delivered and
dropped are final."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from qurb.algo.execution import IndicatorKind, IndicatorValue, read_value
from qurb.conventions.partial_dates import UNKNOWN, PartialDate, is_before
from qurb.kernel.errors import FieldError
from qurb.kernel.i18n import problem

WHAT_MAX_CHARS = 2000
UNIT_MAX_CHARS = 80
REF_MAX_CHARS = 80
MAX_REFERENCES = 200
PERIOD = re.compile(r"(?P<year>\d{4})(?:-(?P<month>0[1-9]|1[0-2]))?")


class DeliverableStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DELIVERED = "delivered"
    LATE = "late"
    DROPPED = "dropped"


D = DeliverableStatus
MOVES: dict[DeliverableStatus, frozenset[DeliverableStatus]] = {
    D.PLANNED: frozenset({D.IN_PROGRESS, D.DELIVERED, D.LATE, D.DROPPED}),
    D.IN_PROGRESS: frozenset({D.DELIVERED, D.LATE, D.DROPPED}),
    D.LATE: frozenset({D.IN_PROGRESS, D.DELIVERED, D.DROPPED}),
    D.DELIVERED: frozenset(),
    D.DROPPED: frozenset(),
}
# Not owed any more: never overdue, left out of the physical execution.
CLOSED = frozenset({D.DELIVERED, D.DROPPED})


class ReferenceKind(enum.StrEnum):
    """What a deliverable may concern: a registry facility or equipment item, a project
    of the regional plan, a caravan campaign, a territory."""

    FACILITY = "facility"
    EQUIPMENT = "equipment"
    PROJECT = "project"
    CAMPAIGN = "campaign"
    TERRITORY = "territory"


@dataclass(frozen=True)
class Reference:
    kind: str
    ref: str


@dataclass(frozen=True)
class IndicatorIn:
    """The deliverable's indicator: baseline and target as typed or read (raw)."""

    kind: str
    unit: str | None = None
    baseline: object = None
    target: object = None


@dataclass(frozen=True)
class DeliverableIn:
    what_fr: str
    owner: str  # the owner party's partner id
    indicator: IndicatorIn
    what_ar: str | None = None
    article: int | None = None
    deadline: PartialDate = UNKNOWN
    weight: Decimal | None = None
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True)
class ConventionFrame:
    """What a deliverable is checked against: its convention's parties, articles, and
    start and end."""

    partners: frozenset[str]
    articles: frozenset[int]
    start_on: PartialDate = UNKNOWN
    end_on: PartialDate = UNKNOWN


def _text(name: str, value: str | None, limit: int, *, required: bool = False) -> list[FieldError]:
    if value is None or not value.strip():
        return [problem(name, "convention_field_required")] if required else []
    if len(value) > limit:
        return [problem(name, "convention_field_too_long", max=limit)]
    return []


def typed(kind: str, raw: object, field: str) -> tuple[IndicatorValue | None, list[FieldError]]:
    """`raw` read as a value of `kind` (None: unknown), or the problem with it."""
    value = read_value(kind, raw, field)
    if isinstance(value, FieldError):
        return None, [value]
    return value, []


def _indicator_problems(indicator: IndicatorIn) -> list[FieldError]:
    kinds = [k.value for k in IndicatorKind]
    if indicator.kind not in kinds:
        values = {"value": repr(indicator.kind), "choices": ", ".join(kinds)}
        return [problem("indicator.kind", "convention_choice", **values)]
    problems = _text("indicator.unit", indicator.unit, UNIT_MAX_CHARS)
    for name in ("baseline", "target"):
        problems += typed(indicator.kind, getattr(indicator, name), f"indicator.{name}")[1]
    return problems


def _deadline_problems(deadline: PartialDate, frame: ConventionFrame) -> list[FieldError]:
    outside = is_before(deadline, frame.start_on) or is_before(frame.end_on, deadline)
    if not outside:
        return []
    values = {"deadline": str(deadline), "start": str(frame.start_on), "end": str(frame.end_on)}
    return [problem("deadline", "deliverable_deadline_outside", **values)]


def _reference_problems(references: Sequence[Reference]) -> list[FieldError]:
    if len(references) > MAX_REFERENCES:
        return [problem("references", "convention_too_many", max=MAX_REFERENCES)]
    kinds = [k.value for k in ReferenceKind]
    problems: list[FieldError] = []
    for n, reference in enumerate(references):
        if reference.kind not in kinds:
            values = {"value": repr(reference.kind), "choices": ", ".join(kinds)}
            problems.append(problem(f"references[{n}].kind", "convention_choice", **values))
        problems += _text(f"references[{n}].ref", reference.ref, REF_MAX_CHARS, required=True)
    return problems


def check_deliverable(item: DeliverableIn, frame: ConventionFrame) -> list[FieldError]:
    """Every problem of a deliverable's own fields against its convention (whether the
    objects it refers to exist is the service's check)."""
    problems = [
        *_text("what_fr", item.what_fr, WHAT_MAX_CHARS, required=True),
        *_text("what_ar", item.what_ar, WHAT_MAX_CHARS),
        *_indicator_problems(item.indicator),
        *_deadline_problems(item.deadline, frame),
        *_reference_problems(item.references),
    ]
    if item.owner not in frame.partners:
        problems.append(problem("owner", "deliverable_owner_not_party", id=repr(item.owner)))
    if item.article is not None and item.article not in frame.articles:
        problems.append(problem("article", "deliverable_no_article", number=item.article))
    if item.weight is not None and not (item.weight.is_finite() and item.weight >= 0):
        problems.append(problem("weight", "indicator_negative", value=repr(str(item.weight))))
    return problems


def check_period(text: str, field: str = "period") -> list[FieldError]:
    """A year (`2026`) or a year-month (`2026-03`)."""
    return [] if PERIOD.fullmatch(text.strip()) else [problem(field, "deliverable_period")]


def check_move(current: DeliverableStatus, target: DeliverableStatus) -> list[FieldError]:
    if target in MOVES[current]:
        return []
    values = {"status": current.value, "target": target.value}
    return [problem("status", "deliverable_move_refused", **values)]


def status_of(text: str) -> DeliverableStatus | FieldError:
    try:
        return DeliverableStatus(text)
    except ValueError:
        choices = ", ".join(s.value for s in DeliverableStatus)
        return problem("status", "convention_choice", value=repr(text), choices=choices)


def stored(value: IndicatorValue | None) -> Decimal | None:
    """A typed value as its number column holds it (yes 1, no 0)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return Decimal(int(value))
    return Decimal(value)


def loaded(kind: str, number: Decimal | None) -> IndicatorValue | None:
    """A number column's value read back as its kind's type."""
    if number is None:
        return None
    if kind == IndicatorKind.YES_NO:
        return bool(number)
    if kind == IndicatorKind.COUNT:
        return int(number)
    if kind == IndicatorKind.MONEY:
        return Decimal(number).quantize(Decimal("0.01"))
    return Decimal(number).normalize() + 0  # 12.5000 → 12.5, 50 stays 50 (not 5E+1)


@dataclass(frozen=True)
class Actual:
    """One report of the indicator's actual for a period (None: reported unknown)."""

    period: str
    value: IndicatorValue | None
    note: str | None
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class DeliverableChange:
    """A field changed after the deliverable was added: the value it replaced and the new
    one as text (None: unknown), who, when, and the amendment that made it (None: a
    correction made without one)."""

    field: str
    previous: str | None
    value: str | None
    amendment: int | None
    changed_at: datetime
    changed_by: str


@dataclass(frozen=True)
class Deliverable:
    id: int
    convention_id: int
    what_fr: str
    what_ar: str | None
    owner: str
    article: int | None
    deadline: PartialDate
    weight: Decimal | None
    status: str
    indicator_kind: str
    indicator_unit: str | None
    baseline: IndicatorValue | None
    target: IndicatorValue | None
    references: tuple[Reference, ...]
    actuals: tuple[Actual, ...]  # every report, oldest first
    documents: tuple[int, ...]  # the evidence: convention documents' ids
    version: int
    changes: tuple[DeliverableChange, ...] = ()  # after it was added, oldest first

    def actual_for(self, period: str) -> Actual | None:
        """The period's current actual: its latest report."""
        found = [a for a in self.actuals if a.period == period]
        return found[-1] if found else None

    def snapshot(self) -> dict[str, object]:
        """As the audit trail keeps it."""
        return {
            "convention_id": self.convention_id,
            "what_fr": self.what_fr,
            "what_ar": self.what_ar,
            "owner": self.owner,
            "article": self.article,
            "deadline": self.deadline.iso(),
            "weight": None if self.weight is None else str(self.weight),
            "status": self.status,
            "indicator": {
                "kind": self.indicator_kind,
                "unit": self.indicator_unit,
                "baseline": _plain(self.baseline),
                "target": _plain(self.target),
            },
            "references": [[r.kind, r.ref] for r in self.references],
            "actuals": [[a.period, _plain(a.value)] for a in self.actuals],
            "documents": list(self.documents),
        }


def _plain(value: IndicatorValue | None) -> object:
    return str(value) if isinstance(value, Decimal) else value
