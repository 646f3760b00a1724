"""A convention's money written and read: contributions per party and year (money or in
kind, every change of an amount kept with its amendment), the tranches of a money
contribution, disbursements and expenditures, and the financial execution by the rules
of `algo.execution`. Every write `(session, actor, ...)`, checked whole before anything
is written (every problem named), audited in its own transaction; edits of versioned
rows take the version read (If-Match).

Who may write which party's money is the faces' business (money_api.py: the secretariat
any party's, a party's user its own party's)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.conventions._money_tables import (
    ContributionChangeRow,
    ContributionRow,
    DisbursementRow,
    TrancheRow,
)
from qurb.conventions.model import ConventionError, refuse
from qurb.conventions.money_model import (
    AMOUNT_FIELDS,
    AmountChange,
    Contribution,
    ContributionIn,
    ContributionKind,
    ContributionValues,
    Disbursement,
    DisbursementIn,
    DisbursementKind,
    Tranche,
    TrancheIn,
    beyond_commitment,
    check_contribution,
    check_disbursement,
    check_tranche,
    share_percent,
)
from qurb.conventions.partial_dates import PartialDate, from_parts, is_before
from qurb.conventions.records import Convention
from qurb.conventions.service import get_convention
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import FieldError, NotFound, StaleVersion
from qurb.kernel.i18n import problem
from qurb.registry.lookups import facility_brief
from qurb.registry.model import Status

Versions = int | frozenset[int] | None


class MoneyNotFound(ConventionError, NotFound):
    """No contribution, tranche or disbursement of this convention has this id."""


# ---------------------------------------------------------------------------- reading rows


def _values(row: ContributionRow) -> ContributionValues:
    return ContributionValues(
        partner_id=row.partner_id,
        kind=row.kind,
        year=row.year,
        item=row.item,
        description_fr=row.description_fr,
        description_ar=row.description_ar,
        amount=row.amount,
        quantity=row.quantity,
        unit=row.unit,
        profession=row.profession,
        specialty=row.specialty,
        valuation=row.valuation,
        valuation_method=row.valuation_method,
        equipment_id=row.equipment_id,
        facility_id=row.facility_id,
    )


def _tranche(row: TrancheRow) -> Tranche:
    due = from_parts(row.due_year, row.due_month, row.due_day)
    return Tranche(row.id, row.contribution_id, due, row.amount, row.condition, row.version)


def _change(row: ContributionChangeRow) -> AmountChange:
    return AmountChange(
        row.field, row.previous, row.value, row.amendment_number, row.changed_at, row.changed_by
    )


def _contributions(session: Session, rows: Sequence[ContributionRow]) -> list[Contribution]:
    ids = [r.id for r in rows]
    tranches: dict[int, list[Tranche]] = defaultdict(list)
    history: dict[int, list[AmountChange]] = defaultdict(list)
    if ids:
        query = select(TrancheRow).where(TrancheRow.contribution_id.in_(ids))
        for t in session.scalars(query.order_by(TrancheRow.id)):
            tranches[t.contribution_id].append(_tranche(t))
        changes = select(ContributionChangeRow).where(
            ContributionChangeRow.contribution_id.in_(ids)
        )
        for c in session.scalars(changes.order_by(ContributionChangeRow.id)):
            history[c.contribution_id].append(_change(c))
    return [
        Contribution(
            id=r.id,
            convention_id=r.convention_id,
            values=_values(r),
            version=r.version,
            created_at=r.created_at,
            created_by=r.created_by,
            history=tuple(history[r.id]),
            tranches=tuple(tranches[r.id]),
        )
        for r in rows
    ]


def _with_shares(found: list[Contribution], items: list[Contribution]) -> list[Contribution]:
    """Each co-funded contribution with its item's known total and its share of it."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    unknown: dict[str, int] = defaultdict(int)
    for c in items:
        if c.values.item is not None:
            if c.worth is None:
                unknown[c.values.item] += 1
            else:
                totals[c.values.item] += c.worth
    out = []
    for c in found:
        item = c.values.item
        if item is None:
            out.append(c)
            continue
        total = totals[item]
        out.append(
            replace(
                c,
                item_total=total,
                item_unknown=unknown[item],
                share=share_percent(c.worth, total),
            )
        )
    return out


def list_contributions(session: Session, convention_id: int) -> list[Contribution]:
    """A convention's contributions (by party, year, id), each with its tranches, the
    history of its amounts and, when co-funded, its share of the item."""
    get_convention(session, convention_id)
    query = select(ContributionRow).where(ContributionRow.convention_id == convention_id)
    rows = session.scalars(query.order_by(ContributionRow.id)).all()
    found = _with_shares(_contributions(session, rows), _contributions(session, rows))
    return sorted(found, key=lambda c: (c.values.partner_id, c.values.year or 0, c.id))


def _contribution_row(
    session: Session, convention_id: int, contribution_id: int, *, lock: bool = False
) -> ContributionRow:
    row = session.get(ContributionRow, contribution_id, with_for_update=lock)
    if row is None or row.convention_id != convention_id:
        raise MoneyNotFound(code="no_contribution", values={"id": contribution_id})
    return row


def get_contribution(session: Session, convention_id: int, contribution_id: int) -> Contribution:
    row = _contribution_row(session, convention_id, contribution_id)
    for found in list_contributions(session, convention_id):
        if found.id == row.id:
            return found
    raise MoneyNotFound(code="no_contribution", values={"id": contribution_id})  # pragma: no cover


def _check_version(kind: str, row: Any, if_version: Versions) -> None:
    wanted = frozenset([if_version]) if isinstance(if_version, int) else if_version
    if wanted is not None and row.version not in wanted:
        raise StaleVersion(kind, str(row.id), max(wanted, default=None), row.version)


# ---------------------------------------------------------------------------- checks


def _parties(convention: Convention) -> set[str]:
    return {p.partner_id for p in convention.parties}


def _party_problem(convention: Convention, partner_id: str | None, name: str) -> list[FieldError]:
    if partner_id is None or partner_id in _parties(convention):
        return []
    return [problem(name, "money_not_a_party", id=repr(partner_id), reference=convention.reference)]


def _registry_problems(session: Session, values: ContributionValues) -> list[FieldError]:
    from qurb.registry.equipment import get_equipment

    problems: list[FieldError] = []
    if values.equipment_id is not None:
        try:
            get_equipment(session, values.equipment_id)
        except NotFound:
            problems.append(problem("equipment_id", "money_no_equipment", id=values.equipment_id))
    if values.facility_id is not None:
        brief = facility_brief(session, values.facility_id)
        if brief is None:
            problems.append(
                problem("facility_id", "money_no_facility", id=repr(values.facility_id))
            )
        elif brief.status == Status.CLOSED.value:
            problems.append(problem("facility_id", "money_facility_closed", id=repr(brief.id)))
    return problems


def _checked_contribution(
    session: Session, convention: Convention, asked: ContributionIn
) -> ContributionValues:
    values, problems = check_contribution(asked)
    problems += _party_problem(convention, values.partner_id, "partner_id")
    problems += _registry_problems(session, values)
    refuse(problems)
    return values


def _disbursed(
    session: Session, contribution_id: int, partner_id: str, but: int | None = None
) -> Decimal:
    """The known total a party disbursed against a contribution (but one disbursement)."""
    query = select(DisbursementRow.id, DisbursementRow.amount).where(
        DisbursementRow.contribution_id == contribution_id,
        DisbursementRow.from_partner_id == partner_id,
        DisbursementRow.kind == DisbursementKind.DISBURSEMENT.value,
    )
    return sum(
        (a for i, a in session.execute(query) if a is not None and i != but), start=Decimal(0)
    )


def _date_problem(convention: Convention, on: date | None, name: str) -> list[FieldError]:
    if on is None:
        return []
    day = PartialDate(on.year, on.month, on.day)
    start, end = convention.fields.start_on, convention.fields.end_on
    if is_before(day, start) or is_before(end, day):
        values = {"on": on.isoformat(), "start": str(start) or "?", "end": str(end) or "?"}
        return [problem(name, "money_date_outside", **values)]
    return []


# ---------------------------------------------------------------------------- audit


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | PartialDate):
        return str(value)
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def _snapshot(record: Contribution | Tranche | Disbursement) -> dict[str, Any]:
    data = asdict(record)
    for name in ("history", "tranches", "created_at"):
        data.pop(name, None)
    return dict(_json(data))


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    convention: Convention,
    kind: str,
    after: Contribution | Tranche | Disbursement,
    before: Contribution | Tranche | Disbursement | None = None,
) -> None:
    territories = convention.fields.territories
    audit.record(
        session,
        actor,
        AuditEvent(
            action,
            kind,
            str(after.id),
            territory_code=territories[0] if len(territories) == 1 else None,
            before=_snapshot(before) if before else None,
            after=_snapshot(after),
        ),
    )


# ---------------------------------------------------------------------------- contributions


def _write_values(row: ContributionRow, values: ContributionValues) -> None:
    for name, value in asdict(values).items():
        setattr(row, name, value)


def add_contribution(
    session: Session, actor: Actor, convention_id: int, asked: ContributionIn
) -> Contribution:
    """A party's contribution (money or in kind); every problem named, nothing written
    if any (a party that is not one of the convention's, a registry item or facility
    that does not exist, a closed facility)."""
    convention = get_convention(session, convention_id)
    values = _checked_contribution(session, convention, asked)
    now = clock.now()
    row = ContributionRow(
        convention_id=convention_id, created_at=now, created_by=actor.name, updated_at=now
    )
    _write_values(row, values)
    session.add(row)
    session.flush()
    made = get_contribution(session, convention_id, row.id)
    _audit(session, actor, "convention.contribution.add", convention, "contribution", made)
    return made


def _amendment_problem(convention: Convention, number: int | None) -> list[FieldError]:
    if number is None or number in {a.number for a in convention.amendments}:
        return []
    return [problem("amendment_number", "money_no_amendment", number=number)]


def update_contribution(
    session: Session,
    actor: Actor,
    convention_id: int,
    contribution_id: int,
    asked: ContributionIn,
    *,
    amendment_number: int | None = None,
    if_version: Versions = None,
) -> Contribution:
    """Replace a contribution's fields; each change of its amount, quantity or valuation
    kept with the value it replaced, who, when and the amendment that made it. A
    commitment lowered below what was disbursed against it is refused."""
    convention = get_convention(session, convention_id)
    row = _contribution_row(session, convention_id, contribution_id, lock=True)
    _check_version("contribution", row, if_version)
    before = get_contribution(session, convention_id, contribution_id)
    values = _checked_contribution(session, convention, asked)
    problems = _amendment_problem(convention, amendment_number)
    moved = (values.kind, values.partner_id) != (row.kind, row.partner_id)
    has_paid = select(DisbursementRow.id).where(DisbursementRow.contribution_id == row.id)
    if moved and session.scalars(has_paid).first() is not None:
        problems.append(problem("kind", "money_has_disbursements"))
    paid = _disbursed(session, row.id, row.partner_id)
    if values.amount is not None and values.amount < paid:
        problems.append(problem("amount", "money_below_disbursed", disbursed=str(paid)))
    refuse(problems)
    now = clock.now()
    for name in AMOUNT_FIELDS:
        old, new = getattr(row, name), getattr(values, name)
        if old != new:
            session.add(
                ContributionChangeRow(
                    contribution_id=row.id,
                    field=name,
                    previous=old,
                    value=new,
                    amendment_number=amendment_number,
                    changed_at=now,
                    changed_by=actor.name,
                )
            )
    _write_values(row, values)
    row.updated_at = now
    session.flush()
    after = get_contribution(session, convention_id, contribution_id)
    _audit(
        session, actor, "convention.contribution.update", convention, "contribution", after, before
    )
    return after


# ---------------------------------------------------------------------------- tranches


def _set_due(row: TrancheRow, due: PartialDate) -> None:
    row.due_year, row.due_month, row.due_day = due.year, due.month, due.day


def add_tranche(
    session: Session, actor: Actor, convention_id: int, contribution_id: int, asked: TrancheIn
) -> Tranche:
    """A planned tranche of a money contribution (due on a partial date)."""
    convention = get_convention(session, convention_id)
    contribution = _contribution_row(session, convention_id, contribution_id)
    amount, problems = check_tranche(asked)
    if contribution.kind != ContributionKind.MONEY:
        problems.append(problem("contribution_id", "money_tranche_not_money"))
    refuse(problems)
    now = clock.now()
    row = TrancheRow(
        contribution_id=contribution_id,
        amount=amount,
        condition=(asked.condition or "").strip() or None,
        created_at=now,
        created_by=actor.name,
        updated_at=now,
    )
    _set_due(row, asked.due_on)
    session.add(row)
    session.flush()
    made = _tranche(row)
    _audit(session, actor, "convention.tranche.add", convention, "tranche", made)
    return made


def update_tranche(
    session: Session,
    actor: Actor,
    convention_id: int,
    contribution_id: int,
    tranche_id: int,
    asked: TrancheIn,
    *,
    if_version: Versions = None,
) -> Tranche:
    convention = get_convention(session, convention_id)
    _contribution_row(session, convention_id, contribution_id)
    row = session.get(TrancheRow, tranche_id, with_for_update=True)
    if row is None or row.contribution_id != contribution_id:
        raise MoneyNotFound(code="no_tranche", values={"id": tranche_id})
    _check_version("tranche", row, if_version)
    before = _tranche(row)
    amount, problems = check_tranche(asked)
    refuse(problems)
    row.amount = amount
    row.condition = (asked.condition or "").strip() or None
    _set_due(row, asked.due_on)
    row.updated_at = clock.now()
    session.flush()
    after = _tranche(row)
    _audit(session, actor, "convention.tranche.update", convention, "tranche", after, before)
    return after


# ---------------------------------------------------------------------------- disbursements


def _disbursement(row: DisbursementRow) -> Disbursement:
    return Disbursement(
        id=row.id,
        convention_id=row.convention_id,
        contribution_id=row.contribution_id,
        kind=row.kind,
        on=row.on,
        amount=row.amount,
        from_partner_id=row.from_partner_id,
        to_partner_id=row.to_partner_id,
        to_payee=row.to_payee,
        reference=row.reference,
        version=row.version,
        created_at=row.created_at,
        created_by=row.created_by,
    )


def list_disbursements(session: Session, convention_id: int) -> list[Disbursement]:
    """A convention's disbursements and expenditures, by date (unknown last), then id."""
    get_convention(session, convention_id)
    query = select(DisbursementRow).where(DisbursementRow.convention_id == convention_id)
    found = [_disbursement(r) for r in session.scalars(query.order_by(DisbursementRow.id))]
    return sorted(found, key=lambda d: (d.on is None, d.on or date.min, d.id))


def get_disbursement(session: Session, convention_id: int, disbursement_id: int) -> Disbursement:
    row = session.get(DisbursementRow, disbursement_id)
    if row is None or row.convention_id != convention_id:
        raise MoneyNotFound(code="no_disbursement", values={"id": disbursement_id})
    return _disbursement(row)


def _checked_disbursement(
    session: Session, convention: Convention, asked: DisbursementIn, but: int | None = None
) -> Decimal | None:
    """Its amount, once every check passed: its parties the convention's, its date within
    the convention's known start and end, the money contribution it pays the payer's,
    and the payer's known total for it within the current commitment."""
    amount, problems = check_disbursement(asked)
    problems += _party_problem(convention, asked.from_partner_id, "from_partner_id")
    problems += _party_problem(
        convention, (asked.to_partner_id or "").strip() or None, "to_partner_id"
    )
    problems += _date_problem(convention, asked.on, "on")
    row = session.get(ContributionRow, asked.contribution_id, with_for_update=True)
    if row is None or row.convention_id != convention.id:
        problems.append(problem("contribution_id", "no_contribution", id=asked.contribution_id))
    elif row.kind != ContributionKind.MONEY or row.partner_id != asked.from_partner_id:
        problems.append(problem("contribution_id", "money_not_its_contribution"))
    elif asked.kind == DisbursementKind.DISBURSEMENT.value:
        paid = _disbursed(session, row.id, row.partner_id, but)
        if beyond_commitment(row.amount, paid, amount):
            values = {"committed": str(row.amount), "disbursed": str(paid)}
            problems.append(problem("amount", "money_beyond_commitment", **values))
    refuse(problems)
    return amount


def _write_disbursement(
    row: DisbursementRow, asked: DisbursementIn, amount: Decimal | None
) -> None:
    row.contribution_id = asked.contribution_id
    row.kind = asked.kind
    row.on = asked.on
    row.amount = amount
    row.from_partner_id = asked.from_partner_id
    row.to_partner_id = (asked.to_partner_id or "").strip() or None
    row.to_payee = (asked.to_payee or "").strip() or None
    row.reference = (asked.reference or "").strip() or None


def add_disbursement(
    session: Session, actor: Actor, convention_id: int, asked: DisbursementIn
) -> Disbursement:
    """A disbursement or expenditure; refused (every problem named, nothing written) for
    a negative or non-numeric amount, a known date outside the convention's known start
    and end, a party that is not the convention's, or a disbursement taking the payer's
    known total beyond its current commitment."""
    convention = get_convention(session, convention_id)
    amount = _checked_disbursement(session, convention, asked)
    now = clock.now()
    row = DisbursementRow(
        convention_id=convention_id, created_at=now, created_by=actor.name, updated_at=now
    )
    _write_disbursement(row, asked, amount)
    session.add(row)
    session.flush()
    made = _disbursement(row)
    _audit(session, actor, "convention.disbursement.add", convention, "disbursement", made)
    return made


def update_disbursement(
    session: Session,
    actor: Actor,
    convention_id: int,
    disbursement_id: int,
    asked: DisbursementIn,
    *,
    if_version: Versions = None,
) -> Disbursement:
    convention = get_convention(session, convention_id)
    row = session.get(DisbursementRow, disbursement_id, with_for_update=True)
    if row is None or row.convention_id != convention_id:
        raise MoneyNotFound(code="no_disbursement", values={"id": disbursement_id})
    _check_version("disbursement", row, if_version)
    before = _disbursement(row)
    amount = _checked_disbursement(session, convention, asked, but=row.id)
    _write_disbursement(row, asked, amount)
    row.updated_at = clock.now()
    session.flush()
    after = _disbursement(row)
    _audit(
        session, actor, "convention.disbursement.update", convention, "disbursement", after, before
    )
    return after
