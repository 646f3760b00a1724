"""Read-only views of the territory for maps and fact sheets: display layers, census
sheets, population pyramids, and facility listings one page at a time."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.kernel.names import fold_name
from qurb.registry._tables import FacilityChangeRow, FacilityRow
from qurb.registry.service import FacilityFilter, facility_query
from qurb.territory.service import TerritoryIndex


def facility_page(
    session: Session,
    flt: FacilityFilter,
    index: TerritoryIndex,
    limit: int,
    offset: int = 0,
) -> tuple[int, list[FacilityRow]]:
    """The facilities `list_facilities` would return, counted, one page of them loaded.

    The filters and order of `qurb.registry.service.facility_query`; the count and the
    page are computed by the database so a page of the national list stays cheap.
    """
    ordered = facility_query(flt, index)
    if not flt.name:
        total = session.scalar(
            select(func.count()).select_from(
                ordered.order_by(None).with_only_columns(FacilityRow.id).subquery()
            )
        )
        return total or 0, list(session.scalars(ordered.limit(limit).offset(offset)))
    key = fold_name(flt.name)
    named = ordered.with_only_columns(FacilityRow.id, FacilityRow.name)
    ids = [fid for fid, name in session.execute(named) if key in fold_name(name)]
    page_ids = ids[offset : offset + limit]
    if not page_ids:
        return len(ids), []
    found = session.scalars(select(FacilityRow).where(FacilityRow.id.in_(page_ids)))
    rows = {r.id: r for r in found}
    return len(ids), [rows[fid] for fid in page_ids]


def registry_version(session: Session) -> int:
    """A number that changes with every registry write (each one records a change row),
    whichever process made it: the key for caching anything computed from facilities."""
    return session.scalar(select(func.max(FacilityChangeRow.id))) or 0
