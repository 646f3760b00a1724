"""Conventions: written (created, edited, moved along their statuses, given parties,
articles, amendments and documents) by `(session, actor, ...)`, each write audited in its
own transaction and checked whole before anything is written; read in full or, for the
public, as published summaries.

Who may do what is the grants' business: a write is allowed by `Permission.CONVENTIONS_
MANAGE` over every target of the convention (`listing.convention_targets`: one per
territory it covers, naming its parties and its id, so that a grant limited to some
conventions, some partners or some territories sees only those); a full read by
`CONVENTIONS_READ` over any of them (`listing.readable`). The faces ask the guard (the
command line: the token's), then call these."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.conventions._tables import (
    AmendmentRow,
    ArticleRow,
    ConventionRow,
    ConventionTerritoryRow,
    DocumentRow,
    PartyRow,
    PersonRow,
)
from qurb.conventions.model import (
    AmendmentIn,
    ArticleIn,
    ConventionError,
    ConventionFields,
    ConventionStatus,
    PartyIn,
    Person,
    PersonKind,
    check_amendment,
    check_article,
    check_fields,
    check_move,
    check_party,
    clean,
    cleaned,
    refuse,
    status_of,
)
from qurb.conventions.partial_dates import PartialDate, from_parts
from qurb.conventions.records import (
    Amendment,
    Article,
    Convention,
    DocumentInfo,
    Party,
)
from qurb.identity.partner_service import get_partner, partner_exists
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Conflict, FieldError, NotFound, StaleVersion
from qurb.kernel.i18n import problem
from qurb.territory.service import TerritoryIndex

DATES = ("deliberation", "approval", "signature", "start", "end")
TEXTS = (
    "reference",
    "title_fr",
    "title_ar",
    "object_fr",
    "object_ar",
    "deliberation_number",
    "signature_place",
    "source",
)  # written as they are, once cleaned


# The versions a write read (If-Match: one or more; None: any).
Versions = int | frozenset[int] | None


class ConventionNotFound(ConventionError, NotFound):
    """No convention (or no document of it) has this id."""


# ---------------------------------------------------------------------------- reading rows


def _date(row: object, name: str) -> PartialDate:
    parts = (getattr(row, f"{name}_{p}") for p in ("year", "month", "day"))
    return from_parts(*parts)


def _set_date(row: object, name: str, value: PartialDate) -> None:
    for part in ("year", "month", "day"):
        setattr(row, f"{name}_{part}", getattr(value, part))


def _fields(row: ConventionRow, territories: Sequence[str]) -> ConventionFields:
    return ConventionFields(
        reference=row.reference,
        title_fr=row.title_fr,
        title_ar=row.title_ar,
        object_fr=row.object_fr,
        object_ar=row.object_ar,
        kind=row.kind,
        deliberation_number=row.deliberation_number,
        deliberation_on=_date(row, "deliberation"),
        approval_required=row.approval_required,
        approval_on=_date(row, "approval"),
        signature_on=_date(row, "signature"),
        signature_place=row.signature_place,
        start_on=_date(row, "start"),
        end_on=_date(row, "end"),
        territories=tuple(sorted(territories)),
        published=row.published,
        source=row.source,
    )


def _person(row: PersonRow) -> Person:
    return Person(row.name, row.title, row.email, row.phone)


def _parties(session: Session, convention_id: int) -> tuple[Party, ...]:
    rows = session.scalars(
        select(PartyRow).where(PartyRow.convention_id == convention_id).order_by(PartyRow.id)
    ).all()
    people: dict[int, list[PersonRow]] = {}
    if rows:
        query = select(PersonRow).where(PersonRow.party_id.in_([r.id for r in rows]))
        for person in session.scalars(query.order_by(PersonRow.id)):
            people.setdefault(person.party_id, []).append(person)
    out = []
    for row in rows:
        partner = get_partner(session, row.partner_id)
        mine = people.get(row.id, [])
        out.append(
            Party(
                partner_id=row.partner_id,
                partner_name_fr=partner.name_fr,
                partner_name_ar=partner.name_ar,
                role=row.role,
                signatories=tuple(_person(p) for p in mine if p.kind == PersonKind.SIGNATORY),
                contacts=tuple(_person(p) for p in mine if p.kind == PersonKind.CONTACT),
            )
        )
    return tuple(out)


def _amendment(row: AmendmentRow) -> Amendment:
    return Amendment(
        id=row.id,
        number=row.number,
        on=_date(row, "on"),
        changes_end=row.changes_end,
        end_on=_date(row, "end") if row.changes_end else None,
        previous_end_on=_date(row, "previous_end") if row.changes_end else None,
        note=row.note,
    )


def document_info(row: DocumentRow) -> DocumentInfo:
    return DocumentInfo(
        row.id,
        row.amendment_id,
        row.filename,
        row.kind,
        row.size,
        row.sha256,
        row.created_at,
        row.created_by,
    )


def _articles(session: Session, convention_id: int) -> tuple[Article, ...]:
    query = select(ArticleRow).where(ArticleRow.convention_id == convention_id)
    rows = session.scalars(query.order_by(ArticleRow.number))
    return tuple(Article(a.number, a.title, a.text_fr, a.text_ar) for a in rows)


def _amendments(session: Session, convention_id: int) -> tuple[Amendment, ...]:
    query = select(AmendmentRow).where(AmendmentRow.convention_id == convention_id)
    return tuple(_amendment(a) for a in session.scalars(query.order_by(AmendmentRow.number)))


def _territories(session: Session, convention_id: int) -> list[str]:
    query = select(ConventionTerritoryRow.territory_code).where(
        ConventionTerritoryRow.convention_id == convention_id
    )
    return list(session.scalars(query))


def document_infos(session: Session, convention_id: int) -> tuple[DocumentInfo, ...]:
    """A convention's documents, without their bytes."""
    query = (
        select(DocumentRow)
        .where(DocumentRow.convention_id == convention_id)
        .options(defer(DocumentRow.content))
        .order_by(DocumentRow.id)
    )
    return tuple(document_info(row) for row in session.scalars(query))


def read(session: Session, row: ConventionRow) -> Convention:
    return Convention(
        id=row.id,
        fields=_fields(row, _territories(session, row.id)),
        status=row.status,
        version=row.version,
        created_at=row.created_at,
        created_by=row.created_by,
        parties=_parties(session, row.id),
        articles=_articles(session, row.id),
        amendments=_amendments(session, row.id),
        documents=document_infos(session, row.id),
    )


def light_conventions(session: Session, ids: Sequence[int]) -> list[Convention]:
    """The conventions' own fields, territories and parties (partner ids and roles; their
    names, people, articles, amendments and documents not read), in the order of `ids`:
    three queries whatever their number, for the lists and sums that need no more."""
    if not ids:
        return []
    rows = {
        r.id: r for r in session.scalars(select(ConventionRow).where(ConventionRow.id.in_(ids)))
    }
    territories: dict[int, list[str]] = {}
    query = select(ConventionTerritoryRow).where(ConventionTerritoryRow.convention_id.in_(ids))
    for t in session.scalars(query):
        territories.setdefault(t.convention_id, []).append(t.territory_code)
    parties: dict[int, list[Party]] = {}
    query_parties = select(PartyRow).where(PartyRow.convention_id.in_(ids)).order_by(PartyRow.id)
    for p in session.scalars(query_parties):
        parties.setdefault(p.convention_id, []).append(Party(p.partner_id, "", "", p.role))
    return [
        Convention(
            id=row.id,
            fields=_fields(row, territories.get(row.id, [])),
            status=row.status,
            version=row.version,
            created_at=row.created_at,
            created_by=row.created_by,
            parties=tuple(parties.get(row.id, ())),
        )
        for row in (rows[i] for i in ids if i in rows)
    ]


# ---------------------------------------------------------------------------- checks


def _territory_problems(index: TerritoryIndex, codes: Sequence[str]) -> list[FieldError]:
    problems = []
    for n, code in enumerate(codes):
        if code not in index.by_code:
            problems.append(problem(f"territories[{n}]", "convention_territory", code=repr(code)))
    if len(set(codes)) != len(codes):
        problems.append(problem("territories", "convention_territory_twice"))
    return problems


def _checked(session: Session, index: TerritoryIndex, fields: ConventionFields) -> ConventionFields:
    fields = cleaned(fields)
    problems = check_fields(fields)
    problems += _territory_problems(index, fields.territories)
    refuse(problems)
    taken = session.scalars(
        select(ConventionRow.id).where(ConventionRow.reference == fields.reference)
    ).first()
    return fields if taken is None else _taken(fields.reference)


def _taken(reference: str) -> ConventionFields:
    raise Conflict(code="convention_reference_taken", values={"reference": repr(reference)})


def _party_problems(session: Session, parties: Sequence[PartyIn]) -> list[FieldError]:
    problems: list[FieldError] = []
    seen: set[tuple[str, str | None]] = set()
    for n, party in enumerate(parties):
        problems += check_party(party, n)
        if not partner_exists(session, party.partner_id):
            values = {"id": repr(party.partner_id)}
            problems.append(
                problem(f"parties[{n}].partner_id", "convention_not_a_partner", **values)
            )
        if (party.partner_id, party.role) in seen:
            problems.append(
                problem(f"parties[{n}]", "convention_party_twice", id=repr(party.partner_id))
            )
        seen.add((party.partner_id, party.role))
    return problems


# ---------------------------------------------------------------------------- writes


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    after: Convention,
    before: Convention | None = None,
) -> None:
    territories = after.fields.territories
    audit.record(
        session,
        actor,
        AuditEvent(
            action,
            "convention",
            str(after.id),
            territory_code=territories[0] if len(territories) == 1 else None,
            before=before.snapshot() if before else None,
            after=after.snapshot(),
        ),
    )


def _write_fields(row: ConventionRow, fields: ConventionFields) -> None:
    for name in TEXTS:
        setattr(row, name, getattr(fields, name))
    row.kind = fields.kind
    row.approval_required = fields.approval_required
    row.published = fields.published
    for name in DATES:
        _set_date(row, name, getattr(fields, f"{name}_on"))


def _write_territories(session: Session, convention_id: int, codes: Sequence[str]) -> None:
    for old in session.scalars(
        select(ConventionTerritoryRow).where(ConventionTerritoryRow.convention_id == convention_id)
    ):
        session.delete(old)
    session.flush()
    session.add_all(
        ConventionTerritoryRow(convention_id=convention_id, territory_code=c) for c in codes
    )


def _write_parties(session: Session, convention_id: int, parties: Sequence[PartyIn]) -> None:
    for old in session.scalars(select(PartyRow).where(PartyRow.convention_id == convention_id)):
        for person in session.scalars(select(PersonRow).where(PersonRow.party_id == old.id)):
            session.delete(person)
        session.flush()
        session.delete(old)
    session.flush()
    for party in parties:
        row = PartyRow(convention_id=convention_id, partner_id=party.partner_id, role=party.role)
        session.add(row)
        session.flush()
        for kind, people in (
            (PersonKind.SIGNATORY, party.signatories),
            (PersonKind.CONTACT, party.contacts),
        ):
            session.add_all(
                PersonRow(
                    party_id=row.id,
                    kind=kind.value,
                    name=clean(p.name),
                    title=clean(p.title),
                    email=clean(p.email),
                    phone=clean(p.phone),
                )
                for p in people
            )


def create_convention(
    session: Session,
    actor: Actor,
    fields: ConventionFields,
    parties: Sequence[PartyIn] = (),
    articles: Sequence[ArticleIn] = (),
    *,
    index: TerritoryIndex | None = None,
) -> Convention:
    """A new convention (a draft), its parties and articles; every problem named and
    nothing written if any; a reference taken already refused by name (409)."""
    index = index or TerritoryIndex.from_session(session)
    problems = check_fields(fields) + _territory_problems(index, fields.territories)
    problems += _party_problems(session, parties)
    numbers: set[int] = set()
    for n, article in enumerate(articles):
        found = check_article(article, frozenset(numbers))
        problems += [replace(p, field=f"articles[{n}].{p.field}") for p in found]
        numbers.add(article.number)
    refuse(problems)
    fields = _checked(session, index, fields)
    now = clock.now()
    row = ConventionRow(
        status=ConventionStatus.DRAFT.value, created_at=now, updated_at=now, created_by=actor.name
    )
    _write_fields(row, fields)
    session.add(row)
    session.flush()
    _write_territories(session, row.id, fields.territories)
    _write_parties(session, row.id, parties)
    session.add_all(_article_row(row.id, a) for a in articles)
    session.flush()
    convention = read(session, row)
    _audit(session, actor, "convention.create", convention)
    return convention


def _article_row(convention_id: int, article: ArticleIn) -> ArticleRow:
    return ArticleRow(
        convention_id=convention_id,
        number=article.number,
        title=clean(article.title),
        text_fr=(article.text_fr or "").strip() or None,
        text_ar=(article.text_ar or "").strip() or None,
    )


def locked(session: Session, convention_id: int, if_version: Versions) -> ConventionRow:
    row = session.get(ConventionRow, convention_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise ConventionNotFound(code="no_convention", values={"id": convention_id})
    wanted = frozenset([if_version]) if isinstance(if_version, int) else if_version
    if wanted is not None and row.version not in wanted:
        raise StaleVersion("convention", str(convention_id), max(wanted, default=None), row.version)
    return row


def changed(
    session: Session, actor: Actor, row: ConventionRow, action: str, before: Convention
) -> Convention:
    session.flush()
    if row.version == before.version:  # a change of its parts: one more version too
        row.updated_at = clock.now()
        session.flush()
    after = read(session, row)
    _audit(session, actor, action, after, before)
    return after


def update_convention(
    session: Session,
    actor: Actor,
    convention_id: int,
    fields: ConventionFields,
    *,
    if_version: Versions = None,
    index: TerritoryIndex | None = None,
) -> Convention:
    """Replace a convention's own fields (its status moves apart)."""
    index = index or TerritoryIndex.from_session(session)
    row = locked(session, convention_id, if_version)
    before = read(session, row)
    refuse(check_fields(fields) + _territory_problems(index, fields.territories))
    if fields.reference.strip() != row.reference:
        fields = _checked(session, index, fields)
    else:
        fields = cleaned(replace(fields, reference=row.reference))
    if ConventionStatus(row.status) is ConventionStatus.IN_FORCE:
        check_move(ConventionStatus.SIGNED, ConventionStatus.IN_FORCE, fields)
    _write_fields(row, fields)
    row.updated_at = clock.now()
    _write_territories(session, row.id, [c.strip() for c in fields.territories])
    return changed(session, actor, row, "convention.update", before)


def move_status(
    session: Session,
    actor: Actor,
    convention_id: int,
    status: str,
    *,
    if_version: Versions = None,
) -> Convention:
    """Move a convention along its statuses; "in force" refused while an approval it
    requires is not recorded."""
    target = status_of(status)
    row = locked(session, convention_id, if_version)
    before = read(session, row)
    check_move(ConventionStatus(row.status), target, before.fields)
    row.status = target.value
    return changed(session, actor, row, "convention.status", before)


def set_parties(
    session: Session,
    actor: Actor,
    convention_id: int,
    parties: Sequence[PartyIn],
    *,
    if_version: Versions = None,
) -> Convention:
    """Replace a convention's parties (each a registered partner, with its role, its
    signatories and contact persons)."""
    row = locked(session, convention_id, if_version)
    before = read(session, row)
    refuse(_party_problems(session, parties))
    _write_parties(session, row.id, parties)
    return changed(session, actor, row, "convention.parties", before)


def add_article(
    session: Session,
    actor: Actor,
    convention_id: int,
    article: ArticleIn,
    *,
    if_version: Versions = None,
) -> Convention:
    row = locked(session, convention_id, if_version)
    before = read(session, row)
    refuse(check_article(article, frozenset(a.number for a in before.articles)))
    session.add(_article_row(row.id, article))
    return changed(session, actor, row, "convention.article", before)


def add_amendment(
    session: Session,
    actor: Actor,
    convention_id: int,
    amendment: AmendmentIn,
    *,
    if_version: Versions = None,
) -> Convention:
    """A numbered amendment; when it sets a new end date, the convention's end becomes
    it and the amendment keeps the one it replaced."""
    row = locked(session, convention_id, if_version)
    before = read(session, row)
    taken = frozenset(a.number for a in before.amendments)
    refuse(check_amendment(amendment, taken, before.fields.start_on))
    new = AmendmentRow(
        convention_id=row.id,
        number=amendment.number,
        changes_end=amendment.new_end_on is not None,
        note=(amendment.note or "").strip() or None,
        created_at=clock.now(),
        created_by=actor.name,
    )
    _set_date(new, "on", amendment.on)
    if amendment.new_end_on is not None:
        _set_date(new, "previous_end", before.fields.end_on)
        _set_date(new, "end", amendment.new_end_on)
        _set_date(row, "end", amendment.new_end_on)
    session.add(new)
    return changed(session, actor, row, "convention.amendment", before)


# ---------------------------------------------------------------------------- reads


def require_convention(session: Session, convention_id: int) -> None:
    """404 (`no_convention`) when there is no such convention; nothing more is read."""
    if session.get(ConventionRow, convention_id) is None:
        raise ConventionNotFound(code="no_convention", values={"id": convention_id})


def get_convention(session: Session, convention_id: int) -> Convention:
    require_convention(session, convention_id)
    return read(session, session.get_one(ConventionRow, convention_id))


def find_convention(session: Session, reference: str) -> Convention:
    row = session.scalars(
        select(ConventionRow).where(ConventionRow.reference == reference.strip())
    ).first()
    if row is None:
        raise ConventionNotFound(code="no_convention", values={"id": repr(reference)})
    return read(session, row)
