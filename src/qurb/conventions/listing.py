"""Which conventions a reader sees: what a grant must cover to act on one (its targets),
the lists with their filters (territory, partner, status) read in full by a reader's
grants, and the published summaries anyone may read."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.conventions._tables import ConventionRow, ConventionTerritoryRow, PartyRow
from qurb.conventions.model import status_of
from qurb.conventions.records import Convention, ConventionSummary, summary
from qurb.conventions.service import ConventionNotFound, get_convention, light_conventions
from qurb.identity.scopes import Target
from qurb.territory.service import TerritoryIndex

# ---------------------------------------------------------------------------- targets


def convention_targets(
    index: TerritoryIndex,
    territories: Sequence[str],
    partners: Sequence[str] = (),
    convention_id: int | None = None,
) -> list[Target]:
    """What a grant must cover to act on a convention: one target per territory it
    covers (one with no territory when it covers none), each naming its parties and its
    id (None for one not written yet)."""
    chains = [
        (code, *(u.code for u in index.ancestors(code))) if code in index.by_code else (code,)
        for code in territories
    ] or [()]
    named = None if convention_id is None else str(convention_id)
    return [Target(chain, frozenset(partners), None, named) for chain in chains]


def targets_of(index: TerritoryIndex, convention: Convention) -> list[Target]:
    partners = [p.partner_id for p in convention.parties]
    return convention_targets(index, convention.fields.territories, partners, convention.id)


def readable(
    index: TerritoryIndex, convention: Convention, allows: Callable[[Target], bool]
) -> bool:
    """Read in full by a reader allowed over any of its targets."""
    return any(allows(target) for target in targets_of(index, convention))


# ---------------------------------------------------------------------------- lists


@dataclass(frozen=True)
class ConventionFilter:
    """Conventions covering a territory (or a place within it), with a partner among
    their parties, at a status; None: any."""

    territory: str | None = None
    partner: str | None = None
    status: str | None = None


def _ids(
    session: Session, index: TerritoryIndex, flt: ConventionFilter, published: bool
) -> list[int]:
    query = select(ConventionRow.id).order_by(ConventionRow.reference)
    if flt.status is not None:
        query = query.where(ConventionRow.status == status_of(flt.status).value)
    if published:
        query = query.where(ConventionRow.published.is_(True))
    if flt.partner is not None:
        parties = select(PartyRow.convention_id).where(PartyRow.partner_id == flt.partner)
        query = query.where(ConventionRow.id.in_(parties))
    ids = list(session.scalars(query))
    if flt.territory is None:
        return ids
    unit = index.resolve(flt.territory)
    covering: set[int] = set()
    for convention_id, code in session.execute(
        select(ConventionTerritoryRow.convention_id, ConventionTerritoryRow.territory_code)
    ):
        if index.is_within(unit.code, code) or index.is_within(code, unit.code):
            covering.add(convention_id)
    return [i for i in ids if i in covering]


def list_conventions(
    session: Session,
    flt: ConventionFilter,
    allows: Callable[[Target], bool],
    *,
    index: TerritoryIndex | None = None,
) -> list[Convention]:
    """The conventions of the filter a reader may read in full (`allows`: its grants),
    by reference."""
    index = index or TerritoryIndex.from_session(session)
    found = [get_convention(session, i) for i in _ids(session, index, flt, published=False)]
    return [c for c in found if readable(index, c, allows)]


def visible_conventions(
    session: Session,
    index: TerritoryIndex,
    flt: ConventionFilter,
    allows: Callable[[Target], bool],
) -> list[Convention]:
    """The conventions of the filter a reader sees the figures of: those it may read in
    full, and the published ones (their totals are public), by reference; read light
    (`service.light_conventions`: no names, people, articles or documents)."""
    found = light_conventions(session, _ids(session, index, flt, published=False))
    return [c for c in found if c.fields.published or readable(index, c, allows)]


def published_summaries(
    session: Session, flt: ConventionFilter, *, index: TerritoryIndex | None = None
) -> list[ConventionSummary]:
    """What anyone may read: the published conventions' summaries, by reference."""
    index = index or TerritoryIndex.from_session(session)
    return [summary(get_convention(session, i)) for i in _ids(session, index, flt, published=True)]


def published_ids(session: Session) -> list[int]:
    """The published conventions' ids, by reference."""
    query = select(ConventionRow.id).where(ConventionRow.published.is_(True))
    return list(session.scalars(query.order_by(ConventionRow.reference)))


def published_summary(session: Session, convention_id: int) -> ConventionSummary:
    """One published convention's summary; an unpublished one is not found."""
    convention = get_convention(session, convention_id)
    if not convention.fields.published:
        raise ConventionNotFound(code="no_convention", values={"id": convention_id})
    return summary(convention)
