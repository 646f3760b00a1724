"""A convention's deliverables written and read by `(session, actor, ...)`: added with
their indicator and the objects they concern (checked whole before anything is
written), moved along their statuses (If-Match: the deliverable's version), their actuals
reported per period (every report kept) and their evidence attached; the physical
execution of a period; the deliverables overdue on a day. Each write audited in its
transaction.

Who: the faces check the grants (the secretariat, `conventions.manage`, writes all); a
party's user acts for its partner (`actor.partner`, from the grant it used) and reports
only the deliverables its partner owns: another's is refused here too
(`deliverable_not_yours`, 403), whatever face asks."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.algo.execution import (
    DeliverableProgress,
    IndicatorValue,
    PhysicalExecution,
    compute_physical_execution,
)
from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.conventions._deliverable_tables import (
    DeliverableActualRow,
    DeliverableChangeRow,
    DeliverableDocumentRow,
    DeliverableReferenceRow,
    DeliverableRow,
)
from qurb.conventions.deliverable_model import (
    CLOSED,
    Actual,
    ConventionFrame,
    Deliverable,
    DeliverableChange,
    DeliverableIn,
    DeliverableStatus,
    Reference,
    check_deliverable,
    check_move,
    check_period,
    loaded,
    status_of,
    stored,
    typed,
)
from qurb.conventions.deliverable_refs import reference_problems
from qurb.conventions.documents import attach_document
from qurb.conventions.model import ConventionError, clean, refuse
from qurb.conventions.partial_dates import PartialDate, from_parts
from qurb.conventions.records import Convention
from qurb.conventions.service import Versions, get_convention, require_convention
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Forbidden, NotFound, StaleVersion
from qurb.territory.service import TerritoryIndex


class DeliverableNotFound(ConventionError, NotFound):
    """No deliverable of this convention has this id."""


# ---------------------------------------------------------------------------- reading


@dataclass
class _Parts:
    """A deliverable's references, actuals and evidence, as read for several at once."""

    refs: list[DeliverableReferenceRow] = field(default_factory=list)
    actuals: list[DeliverableActualRow] = field(default_factory=list)
    documents: list[int] = field(default_factory=list)
    changes: list[DeliverableChangeRow] = field(default_factory=list)


def _parts(session: Session, ids: Sequence[int]) -> dict[int, _Parts]:
    """The parts of every deliverable of `ids`: four queries whatever their number."""
    parts = {i: _Parts() for i in ids}
    if not ids:
        return parts
    ref = DeliverableReferenceRow
    for r in session.scalars(select(ref).where(ref.deliverable_id.in_(ids)).order_by(ref.id)):
        parts[r.deliverable_id].refs.append(r)
    act = DeliverableActualRow
    for a in session.scalars(select(act).where(act.deliverable_id.in_(ids)).order_by(act.id)):
        parts[a.deliverable_id].actuals.append(a)
    doc = DeliverableDocumentRow
    query = select(doc.deliverable_id, doc.document_id).where(doc.deliverable_id.in_(ids))
    for deliverable_id, document_id in session.execute(query.order_by(doc.document_id)):
        parts[deliverable_id].documents.append(document_id)
    ch = DeliverableChangeRow
    for c in session.scalars(select(ch).where(ch.deliverable_id.in_(ids)).order_by(ch.id)):
        parts[c.deliverable_id].changes.append(c)
    return parts


def _read(session: Session, row: DeliverableRow, parts: _Parts | None = None) -> Deliverable:
    kind = row.indicator_kind
    found = parts if parts is not None else _parts(session, [row.id])[row.id]
    return Deliverable(
        id=row.id,
        convention_id=row.convention_id,
        what_fr=row.what_fr,
        what_ar=row.what_ar,
        owner=row.owner_partner_id,
        article=row.article_number,
        deadline=from_parts(row.deadline_year, row.deadline_month, row.deadline_day),
        weight=None if row.weight is None else Decimal(row.weight).normalize() + 0,
        status=row.status,
        indicator_kind=kind,
        indicator_unit=row.indicator_unit,
        baseline=loaded(kind, row.baseline),
        target=loaded(kind, row.target),
        references=tuple(Reference(r.kind, r.ref) for r in found.refs),
        actuals=tuple(
            Actual(a.period, loaded(kind, a.value), a.note, a.recorded_at, a.recorded_by)
            for a in found.actuals
        ),
        documents=tuple(found.documents),
        version=row.version,
        changes=tuple(
            DeliverableChange(
                c.field, c.previous, c.value, c.amendment_number, c.changed_at, c.changed_by
            )
            for c in found.changes
        ),
    )


def list_deliverables(session: Session, convention_id: int) -> list[Deliverable]:
    """A convention's deliverables, in the order they were added."""
    require_convention(session, convention_id)  # 404 for none, without reading it whole
    rows = session.scalars(
        select(DeliverableRow)
        .where(DeliverableRow.convention_id == convention_id)
        .order_by(DeliverableRow.id)
    ).all()
    parts = _parts(session, [r.id for r in rows])
    return [_read(session, row, parts[row.id]) for row in rows]


def _row(
    session: Session, convention_id: int, deliverable_id: int, *, lock: bool = False
) -> DeliverableRow:
    row = session.get(
        DeliverableRow, deliverable_id, with_for_update=lock or None, populate_existing=lock
    )
    if row is None or row.convention_id != convention_id:
        raise DeliverableNotFound(code="no_deliverable", values={"id": deliverable_id})
    return row


def get_deliverable(session: Session, convention_id: int, deliverable_id: int) -> Deliverable:
    return _read(session, _row(session, convention_id, deliverable_id))


# ---------------------------------------------------------------------------- writes


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    convention: Convention,
    after: Deliverable,
    before: Deliverable | None = None,
) -> None:
    territories = convention.fields.territories
    audit.record(
        session,
        actor,
        AuditEvent(
            action,
            "deliverable",
            str(after.id),
            territory_code=territories[0] if len(territories) == 1 else None,
            before=before.snapshot() if before else None,
            after=after.snapshot(),
        ),
    )


def _frame(convention: Convention) -> ConventionFrame:
    return ConventionFrame(
        partners=frozenset(p.partner_id for p in convention.parties),
        articles=frozenset(a.number for a in convention.articles),
        start_on=convention.fields.start_on,
        end_on=convention.fields.end_on,
    )


def _set_deadline(row: DeliverableRow, deadline: PartialDate) -> None:
    row.deadline_year, row.deadline_month, row.deadline_day = (
        deadline.year,
        deadline.month,
        deadline.day,
    )


def checked_deliverable(
    session: Session, convention: Convention, item: DeliverableIn, index: TerritoryIndex | None
) -> DeliverableIn:
    """The deliverable its texts stripped, checked whole against the convention, then the
    objects it concerns looked up (a facility not closed): every problem named, 422."""
    item = replace(
        item,
        what_fr=(item.what_fr or "").strip(),
        what_ar=(item.what_ar or "").strip() or None,
        references=tuple(Reference(r.kind, r.ref.strip()) for r in item.references),
    )
    problems = check_deliverable(item, _frame(convention))
    if not problems:
        index = index or TerritoryIndex.from_session(session)
        problems = reference_problems(session, index, item.references)
    refuse(problems)
    return item


def create_deliverable(
    session: Session,
    actor: Actor,
    convention_id: int,
    item: DeliverableIn,
    *,
    index: TerritoryIndex | None = None,
) -> Deliverable:
    """A new deliverable (planned) of the convention, with its indicator and the objects
    it concerns; every problem named and nothing written if any."""
    convention = get_convention(session, convention_id)
    item = checked_deliverable(session, convention, item, index)
    kind = item.indicator.kind
    now = clock.now()
    row = DeliverableRow(
        convention_id=convention_id,
        what_fr=item.what_fr,
        what_ar=item.what_ar,
        owner_partner_id=item.owner,
        article_number=item.article,
        weight=item.weight,
        status=DeliverableStatus.PLANNED.value,
        indicator_kind=kind,
        indicator_unit=clean(item.indicator.unit),
        baseline=stored(typed(kind, item.indicator.baseline, "indicator.baseline")[0]),
        target=stored(typed(kind, item.indicator.target, "indicator.target")[0]),
        created_at=now,
        created_by=actor.name,
        updated_at=now,
    )
    _set_deadline(row, item.deadline)
    session.add(row)
    session.flush()
    session.add_all(
        DeliverableReferenceRow(deliverable_id=row.id, kind=r.kind, ref=r.ref)
        for r in item.references
    )
    session.flush()
    made = _read(session, row)
    _audit(session, actor, "deliverable.create", convention, made)
    return made


def _locked(
    session: Session, convention_id: int, deliverable_id: int, if_version: Versions
) -> DeliverableRow:
    row = _row(session, convention_id, deliverable_id, lock=True)
    wanted = frozenset([if_version]) if isinstance(if_version, int) else if_version
    if wanted is not None and row.version not in wanted:
        raise StaleVersion(
            "deliverable", str(deliverable_id), max(wanted, default=None), row.version
        )
    return row


def move_deliverable(
    session: Session,
    actor: Actor,
    convention_id: int,
    deliverable_id: int,
    status: str,
    *,
    if_version: Versions = None,
) -> Deliverable:
    """Move a deliverable along its statuses (`deliverable_model.MOVES`)."""
    target = status_of(status)
    refuse([target] if not isinstance(target, DeliverableStatus) else [])
    assert isinstance(target, DeliverableStatus)
    row = _locked(session, convention_id, deliverable_id, if_version)
    before = _read(session, row)
    refuse(check_move(DeliverableStatus(row.status), target))
    row.status = target.value
    row.updated_at = clock.now()
    session.flush()
    after = _read(session, row)
    convention = get_convention(session, convention_id)
    _audit(session, actor, "deliverable.status", convention, after, before)
    return after


def _owned(actor: Actor, deliverable: Deliverable) -> None:
    """A party's user (acting for a partner) reports its own partner's deliverables only."""
    if actor.partner is not None and actor.partner != deliverable.owner:
        raise Forbidden(
            code="deliverable_not_yours",
            values={"id": deliverable.id, "owner": deliverable.owner},
        )


def report_actual(
    session: Session,
    actor: Actor,
    convention_id: int,
    deliverable_id: int,
    period: str,
    raw: object,
    note: str | None = None,
) -> Deliverable:
    """Report the indicator's actual for a period (a year or a year-month), read by the
    indicator's kind (a value of the wrong type refused, its field named); every report
    kept, the latest the period's."""
    row = _row(session, convention_id, deliverable_id, lock=True)
    before = _read(session, row)
    _owned(actor, before)
    period = period.strip()
    value, problems = typed(row.indicator_kind, raw, "actual")
    refuse(check_period(period) + problems)
    session.add(
        DeliverableActualRow(
            deliverable_id=row.id,
            period=period,
            value=stored(value),
            note=(note or "").strip() or None,
            recorded_at=clock.now(),
            recorded_by=actor.name,
        )
    )
    row.updated_at = clock.now()
    session.flush()
    after = _read(session, row)
    convention = get_convention(session, convention_id)
    _audit(session, actor, "deliverable.actual", convention, after, before)
    return after


def attach_evidence(
    session: Session,
    actor: Actor,
    convention_id: int,
    deliverable_id: int,
    filename: str,
    content: bytes,
    *,
    claimed: str | None = None,
) -> Deliverable:
    """A document given as the deliverable's evidence: stored as a convention document
    (its kind told by its content, at most 20 MB, with its checksum) tied to it."""
    row = _row(session, convention_id, deliverable_id, lock=True)
    before = _read(session, row)
    _owned(actor, before)
    info = attach_document(session, actor, convention_id, filename, content, claimed=claimed)
    session.add(DeliverableDocumentRow(deliverable_id=row.id, document_id=info.id))
    row.updated_at = clock.now()
    session.flush()
    after = _read(session, row)
    convention = get_convention(session, convention_id)
    _audit(session, actor, "deliverable.evidence", convention, after, before)
    return after


# ---------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class DeliverableScore:
    """One deliverable's part of a period's physical execution."""

    deliverable: Deliverable
    actual: IndicatorValue | None
    ratio: Decimal | None  # min(actual ÷ target, 1); None: not measured
    left_out: str | None  # "actual" (unknown) or "target" (unknown or 0); None: measured


@dataclass(frozen=True)
class PhysicalReport:
    period: str
    execution: PhysicalExecution
    weighted: bool  # the convention's weights (every open deliverable has one) or equal
    dropped: int  # left out: no longer owed
    scores: tuple[DeliverableScore, ...]


def _score(deliverable: Deliverable, period: str) -> DeliverableScore:
    current = deliverable.actual_for(period)
    actual = None if current is None else current.value
    one = compute_physical_execution(
        [DeliverableProgress(deliverable.indicator_kind, deliverable.target, actual)]
    )
    left_out = None
    if one.unknown_actual:
        left_out = "actual"
    elif one.without_target:
        left_out = "target"
    return DeliverableScore(deliverable, actual, one.ratio, left_out)


def physical_execution(session: Session, convention_id: int, period: str) -> PhysicalReport:
    """The period's physical execution: the mean over the convention's deliverables (the
    dropped ones left out) of min(actual ÷ target, 1), yes/no scoring 0 or 1; weighted by
    the convention's weights when every one has a weight, equally otherwise; an unknown
    actual or target is left out and counted, never taken as 0."""
    period = period.strip()
    refuse(check_period(period))
    everything = list_deliverables(session, convention_id)
    owed = [d for d in everything if d.status != DeliverableStatus.DROPPED]
    weighted = bool(owed) and all(d.weight is not None for d in owed)
    weights: Sequence[object] | None = [d.weight for d in owed] if weighted else None
    if weighted and not any(d.weight for d in owed):
        weighted, weights = False, None  # all 0: no weighting at all, equal then
    progress = [
        DeliverableProgress(d.indicator_kind, d.target, _score(d, period).actual) for d in owed
    ]
    execution = compute_physical_execution(progress, weights)
    return PhysicalReport(
        period,
        execution,
        weighted,
        len(everything) - len(owed),
        tuple(_score(d, period) for d in owed),
    )


def last_day(deadline: PartialDate) -> date | None:
    """The last day a partial deadline may stand for (a year: 31 December; a month: its
    last day); None when its year is unknown."""
    if deadline.year is None:
        return None
    if deadline.month is None:
        return date(deadline.year, 12, 31)
    if deadline.day is None:
        return date(
            deadline.year, deadline.month, calendar.monthrange(deadline.year, deadline.month)[1]
        )
    return date(deadline.year, deadline.month, deadline.day)


@dataclass(frozen=True)
class Overdue:
    deliverable: Deliverable
    territories: tuple[str, ...]  # its convention's


def overdue(session: Session, today: date) -> list[Overdue]:
    """The deliverables past their known deadline (its last possible day before
    `today`) and neither delivered nor dropped, by id."""
    rows = session.scalars(
        select(DeliverableRow)
        .where(
            DeliverableRow.status.not_in([s.value for s in CLOSED]),
            DeliverableRow.deadline_year.is_not(None),
            DeliverableRow.deadline_year <= today.year,
        )
        .order_by(DeliverableRow.id)
    ).all()
    found: list[Overdue] = []
    conventions: dict[int, Convention] = {}
    for row in rows:
        deadline = from_parts(row.deadline_year, row.deadline_month, row.deadline_day)
        day = last_day(deadline)
        if day is None or day >= today:
            continue
        if row.convention_id not in conventions:
            conventions[row.convention_id] = get_convention(session, row.convention_id)
        territories = conventions[row.convention_id].fields.territories
        found.append(Overdue(_read(session, row), territories))
    return found
