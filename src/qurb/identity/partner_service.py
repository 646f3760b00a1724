"""Partners: create, update, deactivate and reactivate, read one, list, check that one
exists. Every write is one service call that takes (session, actor), checks the partner
against the territory tree and the registry (through a `FacilityLookup`), writes, and
appends its audit entry (`partner.create`, `partner.update`, `partner.deactivate`,
`partner.reactivate`; entity kind `partner`, before and after) in the same transaction:
a refused write writes neither."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.audit.keys import ServerKey
from qurb.audit.model import AuditEvent
from qurb.identity._partner_tables import PartnerContactRow, PartnerRow
from qurb.identity.partners import (
    REQUIRED_FIELDS,
    Contact,
    FacilityLookup,
    Partner,
    PartnerCreate,
    PartnerKind,
    PartnerUpdate,
    coverage_problem,
    names_a_facility,
)
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Conflict, FieldError, InputError, NotFound
from qurb.kernel.i18n import problem
from qurb.kernel.names import MAX_NAME_CHARS, fold_name
from qurb.territory.service import TerritoryIndex

ENTITY_KIND = "partner"


@dataclass(frozen=True)
class PartnerFilter:
    """Which partners to list: any field left None is not filtered on. `territory` (a code
    or a French/Arabic name) keeps the partners whose territory lies inside it, by the
    territory tree; `text` a part of the French, Arabic or English name, folded."""

    kind: PartnerKind | None = None
    territory: str | None = None
    text: str | None = None
    active: bool | None = True


def no_partner(partner_id: str) -> NotFound:
    return NotFound(
        f"no partner with the id {partner_id!r}",
        code="partner_not_found",
        values={"id": repr(partner_id)},
        hint="see `qurb partners list`",
    )


@dataclass
class PartnerValidator:
    """The rules a partner obeys beyond its own fields: its territory exists and suits its
    kind, a facility is named by a health body only and exists in the registry; for new
    partners, an id not taken (in the database, or earlier in the same batch)."""

    session: Session
    facility_exists: FacilityLookup
    index: TerritoryIndex
    _taken: set[str] | None = None
    _batch: set[str] = field(default_factory=set)

    @classmethod
    def for_session(
        cls, session: Session, facility_exists: FacilityLookup, index: TerritoryIndex | None = None
    ) -> PartnerValidator:
        return cls(session, facility_exists, index or TerritoryIndex.from_session(session))

    def check_rules(
        self,
        kind: PartnerKind,
        territory_code: str,
        facility_id: str | None,
        row: int | None = None,
        *,
        check_facility: bool = True,
    ) -> list[FieldError]:
        errors: list[FieldError] = []
        unit = self.index.by_code.get(territory_code)
        if unit is None:
            errors.append(
                problem("territory_code", "partner_unknown_territory", row, code=territory_code)
            )
        else:
            wrong = coverage_problem(kind, unit.level, unit.kind)
            if wrong is not None:
                wrong["code"] = territory_code
                errors.append(problem("territory_code", "partner_territory_level", row, **wrong))
        if facility_id is not None:
            if not names_a_facility(kind):
                errors.append(problem("facility_id", "partner_facility_kind", row, kind=kind.value))
            elif check_facility and not self.facility_exists(facility_id):
                errors.append(
                    problem("facility_id", "partner_unknown_facility", row, id=repr(facility_id))
                )
        return errors

    def check_new(self, payload: PartnerCreate, row: int | None = None) -> list[FieldError]:
        """Every problem of a new partner; its id is then held for this batch."""
        errors = self.check_rules(payload.kind, payload.territory_code, payload.facility_id, row)
        if self._taken is None:
            self._taken = set(self.session.scalars(select(PartnerRow.id)))
        if payload.id in self._taken:
            errors.append(problem("id", "partner_id_taken", row, id=repr(payload.id)))
        elif payload.id in self._batch:
            errors.append(problem("id", "partner_id_twice", row, id=repr(payload.id)))
        self._batch.add(payload.id)
        return errors


def _contacts(session: Session, ids: Sequence[str]) -> dict[str, tuple[Contact, ...]]:
    found: dict[str, list[Contact]] = {}
    if not ids:
        return {}
    rows = session.scalars(
        select(PartnerContactRow)
        .where(PartnerContactRow.partner_id.in_(ids))
        .order_by(PartnerContactRow.partner_id, PartnerContactRow.position)
    )
    for row in rows:
        found.setdefault(row.partner_id, []).append(
            Contact(row.name, row.function, row.email, row.phone)
        )
    return {k: tuple(v) for k, v in found.items()}


def _partner(row: PartnerRow, contacts: tuple[Contact, ...]) -> Partner:
    return Partner(
        id=row.id,
        kind=PartnerKind(row.kind),
        name_fr=row.name_fr,
        name_ar=row.name_ar,
        name_en=row.name_en,
        territory_code=row.territory_code,
        facility_id=row.facility_id,
        iati_ref=row.iati_ref,
        contacts=contacts,
        active=bool(row.active),
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def _read(session: Session, row: PartnerRow) -> Partner:
    return _partner(row, _contacts(session, [row.id]).get(row.id, ()))


def _write_contacts(
    session: Session, partner_id: str, contacts: Iterable[Mapping[str, Any]]
) -> None:
    session.execute(delete(PartnerContactRow).where(PartnerContactRow.partner_id == partner_id))
    session.flush()
    for position, contact in enumerate(contacts, start=1):
        session.add(PartnerContactRow(partner_id=partner_id, position=position, **contact))


def _audit(
    session: Session,
    actor: Actor,
    signer: ServerKey,
    action: str,
    before: Partner | None,
    after: Partner,
) -> None:
    event = AuditEvent(
        f"partner.{action}",
        ENTITY_KIND,
        after.id,
        after.territory_code,
        before=None if before is None else before.snapshot(),
        after=after.snapshot(),
    )
    audit.append(session, actor, event, partner=actor.partner, grant=actor.grant, signer=signer)


def _insert(session: Session, actor: Actor, signer: ServerKey, payload: PartnerCreate) -> Partner:
    now = clock.now()
    values = payload.model_dump(exclude={"contacts"})
    session.add(
        PartnerRow(**{**values, "kind": payload.kind.value}, created_at=now, updated_at=now)
    )
    session.flush()
    _write_contacts(session, payload.id, [c.model_dump() for c in payload.contacts])
    session.flush()
    partner = _read(session, _row(session, payload.id))
    _audit(session, actor, signer, "create", None, partner)
    return partner


def create_partners(
    session: Session,
    actor: Actor,
    payloads: Sequence[tuple[int | None, PartnerCreate]],
    *,
    facility_exists: FacilityLookup,
    signer: ServerKey,
    source: str = "",
) -> list[Partner]:
    """Add partners, all or none: every one is checked (against the others too) before
    anything is written; InputError naming each problem's row and field otherwise."""
    validator = PartnerValidator.for_session(session, facility_exists)
    errors = [e for row, payload in payloads for e in validator.check_new(payload, row)]
    if errors:
        raise InputError(errors, source)
    return [_insert(session, actor, signer, payload) for _, payload in payloads]


def create_partner(
    session: Session,
    actor: Actor,
    payload: PartnerCreate,
    *,
    facility_exists: FacilityLookup,
    signer: ServerKey,
) -> Partner:
    """Add one partner; Conflict if its id is taken, InputError for any other problem."""
    if session.get(PartnerRow, payload.id) is not None:
        raise Conflict(
            f"a partner with the id {payload.id!r} exists already",
            code="partner_exists",
            values={"id": repr(payload.id)},
        )
    [partner] = create_partners(
        session, actor, [(None, payload)], facility_exists=facility_exists, signer=signer
    )
    return partner


def _row(session: Session, partner_id: str, *, for_update: bool = False) -> PartnerRow:
    """The partner's record; `for_update`: locked until the write's commit (PostgreSQL;
    SQLite's write transaction holds the whole database), so that the audit's "before"
    is the record as it was and no other write slips in between."""
    row = session.get(PartnerRow, partner_id, with_for_update=for_update or None)
    if row is None:
        raise no_partner(partner_id)
    return row


def get_partner(session: Session, partner_id: str) -> Partner:
    """The partner with this id; NotFound (code partner_not_found) if there is none."""
    return _read(session, _row(session, partner_id))


def partner_exists(session: Session, partner_id: str) -> bool:
    return session.get(PartnerRow, partner_id) is not None


def update_partner(
    session: Session,
    actor: Actor,
    partner_id: str,
    update: PartnerUpdate,
    *,
    facility_exists: FacilityLookup,
    signer: ServerKey,
) -> Partner:
    """Change the fields given (and those only: a field given with its current value is
    no change); nothing changed, nothing written. The partner as changed must obey the
    rules of a new one; the facility is looked up when it changes."""
    row = _row(session, partner_id, for_update=True)
    before = _read(session, row)
    given = update.model_dump(exclude_unset=True)
    if "contacts" in given and given["contacts"] is None:  # no contacts: none left
        given["contacts"] = []
    cleared = [name for name in REQUIRED_FIELDS if name in given and given[name] is None]
    if cleared:
        raise InputError([problem(name, "partner_required") for name in cleared], partner_id)
    current = before.snapshot()
    changes = {k: v for k, v in given.items() if current.get(k) != v}
    if not changes:
        return before
    merged = {**current, **changes}
    validator = PartnerValidator.for_session(session, facility_exists)
    errors = validator.check_rules(
        PartnerKind(merged["kind"]),
        merged["territory_code"],
        merged["facility_id"],
        check_facility="facility_id" in changes,
    )
    if errors:
        raise InputError(errors, partner_id)
    for key, value in changes.items():
        if key != "contacts":
            setattr(row, key, value.value if isinstance(value, PartnerKind) else value)
    if "contacts" in changes:
        _write_contacts(session, partner_id, changes["contacts"])
    row.updated_at = clock.now()
    session.flush()
    after = _read(session, row)
    _audit(session, actor, signer, "update", before, after)
    return after


def set_active(
    session: Session, actor: Actor, partner_id: str, active: bool, *, signer: ServerKey
) -> Partner:
    """Deactivate (active=False: kept, with its history, no longer listed by default) or
    reactivate a partner; Conflict if it is so already."""
    row = _row(session, partner_id, for_update=True)
    if bool(row.active) is active:
        raise Conflict(
            f"partner {partner_id!r} is {'active' if active else 'inactive'} already",
            code="partner_already_active" if active else "partner_already_inactive",
            values={"id": repr(partner_id)},
        )
    before = _read(session, row)
    row.active = active
    row.updated_at = clock.now()
    session.flush()
    after = _read(session, row)
    _audit(session, actor, signer, "reactivate" if active else "deactivate", before, after)
    return after


def list_partners(
    session: Session, flt: PartnerFilter | None = None, index: TerritoryIndex | None = None
) -> list[Partner]:
    """The partners of the filter, by id."""
    flt = flt or PartnerFilter()
    query = select(PartnerRow).order_by(PartnerRow.id)
    if flt.kind is not None:
        query = query.where(PartnerRow.kind == flt.kind.value)
    if flt.active is not None:
        query = query.where(PartnerRow.active == flt.active)
    rows = list(session.scalars(query))
    if flt.territory:
        index = index or TerritoryIndex.from_session(session)
        within = index.resolve(flt.territory).code
        rows = [r for r in rows if index.is_within(r.territory_code, within)]
    if flt.text is not None:
        if len(flt.text) > MAX_NAME_CHARS:
            raise InputError([problem("text", "too_long", max=MAX_NAME_CHARS)])
        key = fold_name(flt.text)
        rows = [
            r
            for r in rows
            if any(key in fold_name(name) for name in (r.name_fr, r.name_ar, r.name_en or ""))
        ]
    contacts = _contacts(session, [r.id for r in rows])
    return [_partner(r, contacts.get(r.id, ())) for r in rows]


def partners_of_facility(session: Session, facility_id: str) -> frozenset[str]:
    """The partners that are this registry facility (a CHU, a hospital): a grant scoped
    to one of them covers the facility."""
    ids = session.scalars(select(PartnerRow.id).where(PartnerRow.facility_id == facility_id))
    return frozenset(ids)
