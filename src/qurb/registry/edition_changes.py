"""What opened, closed, moved, changed category or name between two editions of the
Ministry's lists, as the registry keeps them (`facility_editions`): the comparison itself
is `editions.compute_edition_diff`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.kernel.i18n import problem
from qurb.registry._tables import FacilityEditionRow
from qurb.registry.editions import EditionDiff, EditionEntry, compute_edition_diff
from qurb.registry.service import RegistryError
from qurb.territory.service import TerritoryIndex


def _unit_of_ministry_id(facility_id: str) -> str:
    """The unit a Ministry facility's id names: `<family>-<unit>-<slug>…`, the unit being
    the arrondissement where the Ministry names one, else the commune (the id scheme of
    qurb.databuild.facilities); HCP codes hold no dash."""
    return facility_id.split("-", 2)[1]


def edition_changes(
    session: Session,
    earlier: int,
    later: int,
    family: str,
    territory: str | None = None,
) -> list[EditionDiff]:
    """Openings, closures, moves, re-categorisations and renamings between two Ministry
    editions. The whole country is compared, so that a facility moved across the
    territory's border is a move, listed when either of its communes is in the territory."""
    editions = set(session.scalars(select(FacilityEditionRow.edition).distinct()))
    for edition in (earlier, later):
        if edition not in editions:
            values = {"edition": str(edition), "editions": sorted(editions)}
            raise RegistryError([problem("edition", "no_edition", **values)])
    query = select(FacilityEditionRow).where(
        FacilityEditionRow.family == family, FacilityEditionRow.edition.in_([earlier, later])
    )
    entries: dict[int, list[EditionEntry]] = {earlier: [], later: []}
    for row in session.scalars(query):
        entries[row.edition].append(
            EditionEntry(
                row.facility_id,
                row.name,
                row.category,
                row.commune_code,
                _unit_of_ministry_id(row.facility_id),
            )
        )
    diffs = compute_edition_diff(entries[earlier], entries[later])
    if not territory:
        return diffs
    index = TerritoryIndex.from_session(session)
    communes = {c.code for c in index.communes_within(index.resolve(territory))}
    return [d for d in diffs if d.commune_code in communes or d.commune_before in communes]
