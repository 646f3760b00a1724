"""A deliverable changed after it was added, by `(session, actor, ...)`: its fields
replaced whole (what, owner, article, deadline, weight, indicator, references), each
changed field kept in its history with the value it replaced, who, when and the amendment
(avenant) that made it. Audited in the same transaction.

The rule chosen: once a convention is signed (any status but draft), what the parties
committed to (the owner, the deadline, the weight, the indicator's kind and target) changes
only by a signed amendment of the convention (`amendment_number`, an amendment it holds;
`deliverable_needs_amendment` otherwise); the texts, the article, the unit, the baseline and
the objects it concerns may be corrected without one. A delivered or dropped deliverable is
final (`deliverable_closed`); once an actual was reported, its owner and its indicator's kind
stay (`deliverable_has_actuals`): the reports already made were made by that owner, in
that kind."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete
from sqlalchemy.orm import Session

from qurb.conventions._deliverable_tables import (
    DeliverableChangeRow,
    DeliverableReferenceRow,
    DeliverableRow,
)
from qurb.conventions.deliverable_model import (
    CLOSED,
    Deliverable,
    DeliverableIn,
    DeliverableStatus,
    stored,
    typed,
)
from qurb.conventions.deliverable_service import (
    _audit,
    _locked,
    _read,
    _set_deadline,
    checked_deliverable,
)
from qurb.conventions.model import ConventionStatus, clean, refuse
from qurb.conventions.records import Convention
from qurb.conventions.service import Versions, get_convention
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import FieldError
from qurb.kernel.i18n import problem
from qurb.territory.service import TerritoryIndex

# What the parties committed to: changed only by an amendment once the convention is signed.
COMMITTED = ("owner", "deadline", "weight", "kind", "target")


def _number(value: Decimal | int | bool | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _fields(item: Deliverable) -> dict[str, str | None]:
    """A deliverable's changeable fields as text, as its history keeps them."""
    return {
        "what_fr": item.what_fr,
        "what_ar": item.what_ar,
        "owner": item.owner,
        "article": _number(item.article),
        "deadline": item.deadline.iso(),
        "weight": _number(item.weight),
        "kind": item.indicator_kind,
        "unit": item.indicator_unit,
        "baseline": _number(item.baseline),
        "target": _number(item.target),
        "references": " ".join(f"{r.kind}:{r.ref}" for r in item.references) or None,
    }


def _asked_fields(item: DeliverableIn) -> dict[str, str | None]:
    kind = item.indicator.kind
    baseline = typed(kind, item.indicator.baseline, "indicator.baseline")[0]
    target = typed(kind, item.indicator.target, "indicator.target")[0]
    return {
        "what_fr": item.what_fr,
        "what_ar": item.what_ar,
        "owner": item.owner,
        "article": _number(item.article),
        "deadline": item.deadline.iso(),
        "weight": _number(None if item.weight is None else item.weight.normalize() + 0),
        "kind": kind,
        "unit": clean(item.indicator.unit),
        "baseline": _number(baseline),
        "target": _number(target),
        "references": " ".join(f"{r.kind}:{r.ref}" for r in item.references) or None,
    }


def _rule_problems(
    convention: Convention,
    before: Deliverable,
    changed: set[str],
    amendment_number: int | None,
) -> list[FieldError]:
    problems: list[FieldError] = []
    if DeliverableStatus(before.status) in CLOSED:
        problems.append(problem("status", "deliverable_closed", status=before.status))
    if before.actuals and changed & {"owner", "kind"}:
        field = "owner" if "owner" in changed else "indicator.kind"
        problems.append(problem(field, "deliverable_has_actuals", count=len(before.actuals)))
    numbers = {a.number for a in convention.amendments}
    if amendment_number is not None and amendment_number not in numbers:
        problems.append(problem("amendment_number", "money_no_amendment", number=amendment_number))
    signed = convention.status != ConventionStatus.DRAFT.value
    committed = sorted(changed & set(COMMITTED))
    if signed and committed and amendment_number is None:
        problems.append(
            problem(
                "amendment_number",
                "deliverable_needs_amendment",
                fields=", ".join(committed),
            )
        )
    return problems


def _write(row: DeliverableRow, item: DeliverableIn) -> None:
    kind = item.indicator.kind
    row.what_fr = item.what_fr
    row.what_ar = item.what_ar
    row.owner_partner_id = item.owner
    row.article_number = item.article
    row.weight = item.weight
    row.indicator_kind = kind
    row.indicator_unit = clean(item.indicator.unit)
    row.baseline = stored(typed(kind, item.indicator.baseline, "indicator.baseline")[0])
    row.target = stored(typed(kind, item.indicator.target, "indicator.target")[0])
    _set_deadline(row, item.deadline)


def update_deliverable(
    session: Session,
    actor: Actor,
    convention_id: int,
    deliverable_id: int,
    item: DeliverableIn,
    *,
    amendment_number: int | None = None,
    if_version: Versions = None,
    index: TerritoryIndex | None = None,
) -> Deliverable:
    """Replace a deliverable's fields (If-Match: its version); every problem named and
    nothing written if any; nothing written either when nothing changed."""
    convention = get_convention(session, convention_id)
    row = _locked(session, convention_id, deliverable_id, if_version)
    before = _read(session, row)
    item = checked_deliverable(session, convention, item, index)
    old, new = _fields(before), _asked_fields(item)
    changed = {name for name in old if old[name] != new[name]}
    refuse(_rule_problems(convention, before, changed, amendment_number))
    if not changed:
        return before
    now = clock.now()
    session.add_all(
        DeliverableChangeRow(
            deliverable_id=row.id,
            field=name,
            previous=old[name],
            value=new[name],
            amendment_number=amendment_number,
            changed_at=now,
            changed_by=actor.name,
        )
        for name in sorted(changed)
    )
    _write(row, item)
    if "references" in changed:
        session.execute(
            delete(DeliverableReferenceRow).where(DeliverableReferenceRow.deliverable_id == row.id)
        )
        session.add_all(
            DeliverableReferenceRow(deliverable_id=row.id, kind=r.kind, ref=r.ref)
            for r in item.references
        )
    row.updated_at = now
    session.flush()
    after = _read(session, row)
    _audit(session, actor, "deliverable.update", convention, after, before)
    return after
