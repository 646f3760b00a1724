"""The deliverables API's bodies and answers: a deliverable to add (its deadline in ISO
8601's partial forms, null when unknown; its indicator's baseline and target as typed or
as text, read by the indicator's kind), a status move, an actual for a period; a
deliverable read with its actuals' history; a period's physical execution.

Typed values are answered by kind: a count as an integer, yes/no as a boolean, a
percentage or an amount of money (MAD) as a decimal string ("12.5", "1500.00"); null
when unknown."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from qurb.conventions.deliverable_model import (
    MAX_REFERENCES,
    REF_MAX_CHARS,
    UNIT_MAX_CHARS,
    WHAT_MAX_CHARS,
    Actual,
    Deliverable,
    DeliverableChange,
    DeliverableIn,
    IndicatorIn,
    Reference,
)
from qurb.conventions.deliverable_service import DeliverableScore, PhysicalReport
from qurb.conventions.schemas import PartialText, parse_dates

Raw = bool | int | float | Annotated[str, Field(max_length=40)] | None
Typed = bool | int | Decimal | None


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReferenceBody(_Body):
    """An object the deliverable concerns: `kind` facility, equipment, project (of the
    regional plan), campaign (caravans) or territory; `ref` its id."""

    kind: str = Field(max_length=16)
    ref: str = Field(max_length=REF_MAX_CHARS)


class IndicatorBody(_Body):
    """`kind`: count, percentage, money or yes_no; baseline and target of that kind."""

    kind: str = Field(max_length=16)
    unit: str | None = Field(default=None, max_length=UNIT_MAX_CHARS)
    baseline: Raw = None
    target: Raw = None


class DeliverableBody(_Body):
    """A deliverable: what (FR, AR), its owner (the partner id of one of the
    convention's parties), the article it implements, its deadline, its weight (≥ 0;
    null: equal weights), its indicator and the objects it concerns."""

    what_fr: str = Field(max_length=WHAT_MAX_CHARS)
    what_ar: str | None = Field(default=None, max_length=WHAT_MAX_CHARS)
    owner: str = Field(max_length=80)
    article: int | None = Field(default=None, ge=1, le=100_000)
    deadline: PartialText = Field(default=None, max_length=10)
    weight: Decimal | None = Field(default=None, ge=0, le=1_000_000)
    indicator: IndicatorBody
    references: list[ReferenceBody] = Field(default_factory=list, max_length=MAX_REFERENCES)

    def deliverable(self) -> DeliverableIn:
        deadline = parse_dates({"deadline": self.deadline})["deadline"]
        i = self.indicator
        return DeliverableIn(
            what_fr=self.what_fr,
            what_ar=self.what_ar,
            owner=self.owner,
            indicator=IndicatorIn(i.kind, i.unit, i.baseline, i.target),
            article=self.article,
            deadline=deadline,
            weight=self.weight,
            references=tuple(Reference(r.kind, r.ref) for r in self.references),
        )


class DeliverableAmendBody(DeliverableBody):
    """A deliverable's fields replaced whole, and the number of the convention's amendment
    (avenant) that decides the change: needed, once the convention is signed, to change
    its owner, deadline, weight, indicator kind or target."""

    amendment_number: int | None = Field(default=None, ge=1, le=100_000)


class DeliverableStatusBody(_Body):
    """planned, in_progress, delivered, late or dropped."""

    status: str = Field(max_length=16)


class ActualBody(_Body):
    """The indicator's actual for `period` (a year `2026` or a year-month `2026-03`), of
    the indicator's kind (null: reported unknown)."""

    period: str = Field(max_length=7)
    value: Raw = None
    note: str | None = Field(default=None, max_length=WHAT_MAX_CHARS)


class ReferenceRead(BaseModel):
    kind: str
    ref: str


class ActualRead(BaseModel):
    period: str
    value: Typed
    note: str | None
    recorded_at: datetime
    recorded_by: str

    @classmethod
    def of(cls, actual: Actual) -> ActualRead:
        return cls(
            period=actual.period,
            value=actual.value,
            note=actual.note,
            recorded_at=actual.recorded_at,
            recorded_by=actual.recorded_by,
        )


class DeliverableChangeRead(BaseModel):
    """A field changed after the deliverable was added: the value it replaced and the new
    one as text (null: unknown), who, when, and the amendment that made it (null: a
    correction made without one)."""

    field: str
    previous: str | None
    value: str | None
    amendment_number: int | None
    changed_at: datetime
    changed_by: str

    @classmethod
    def of(cls, change: DeliverableChange) -> DeliverableChangeRead:
        return cls(
            field=change.field,
            previous=change.previous,
            value=change.value,
            amendment_number=change.amendment,
            changed_at=change.changed_at,
            changed_by=change.changed_by,
        )


class DeliverableIndicatorRead(BaseModel):
    kind: str
    unit: str | None
    baseline: Typed
    target: Typed


class DeliverableRead(BaseModel):
    id: int
    convention_id: int
    what_fr: str
    what_ar: str | None
    owner: str
    article: int | None
    deadline: str | None
    weight: Decimal | None
    status: str
    indicator: DeliverableIndicatorRead
    references: list[ReferenceRead]
    actuals: list[ActualRead]  # every report, oldest first; a period's latest is its own
    documents: list[int]  # the evidence: the convention's documents' ids
    changes: list[DeliverableChangeRead]  # after it was added, oldest first
    version: int

    @classmethod
    def of(cls, item: Deliverable) -> DeliverableRead:
        return cls(
            id=item.id,
            convention_id=item.convention_id,
            what_fr=item.what_fr,
            what_ar=item.what_ar,
            owner=item.owner,
            article=item.article,
            deadline=item.deadline.iso(),
            weight=item.weight,
            status=item.status,
            indicator=DeliverableIndicatorRead(
                kind=item.indicator_kind,
                unit=item.indicator_unit,
                baseline=item.baseline,
                target=item.target,
            ),
            references=[ReferenceRead(kind=r.kind, ref=r.ref) for r in item.references],
            actuals=[ActualRead.of(a) for a in item.actuals],
            documents=list(item.documents),
            changes=[DeliverableChangeRead.of(c) for c in item.changes],
            version=item.version,
        )


class ScoreRead(BaseModel):
    deliverable_id: int
    what_fr: str
    owner: str
    kind: str
    target: Typed
    actual: Typed
    ratio: Decimal | None  # min(actual ÷ target, 1); null when not measured
    left_out: str | None  # "actual": unknown; "target": unknown or 0; null: measured

    @classmethod
    def of(cls, score: DeliverableScore) -> ScoreRead:
        d = score.deliverable
        return cls(
            deliverable_id=d.id,
            what_fr=d.what_fr,
            owner=d.owner,
            kind=d.indicator_kind,
            target=d.target,
            actual=score.actual,
            ratio=score.ratio,
            left_out=score.left_out,
        )


class PhysicalRead(BaseModel):
    """A period's physical execution: the mean over the deliverables owed (dropped ones
    left out) of min(actual ÷ target, 1), yes/no 0 or 1; null when none is measured."""

    period: str
    ratio: Decimal | None
    percent: Decimal | None
    measured: int
    unknown_actual: int
    without_target: int
    dropped: int
    weighted: bool  # the convention's weights (every deliverable owed has one), else equal
    deliverables: list[ScoreRead]

    @classmethod
    def of(cls, report: PhysicalReport) -> PhysicalRead:
        e = report.execution
        return cls(
            period=report.period,
            ratio=e.ratio,
            percent=e.percent,
            measured=e.measured,
            unknown_actual=e.unknown_actual,
            without_target=e.without_target,
            dropped=report.dropped,
            weighted=report.weighted,
            deliverables=[ScoreRead.of(s) for s in report.scores],
        )
