"""Which facilities make the public offer, as a filter on a query of facilities; apart
from the registry's service so that a reader of counts (gaps, access) does not load the
service's edit models."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select

from qurb.registry._tables import FacilityRow

_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")


def public_offer(query: _Query) -> _Query:
    """The public offer is the registry's public facilities (the Ministry's and those users
    add); OpenStreetMap points stay apart even when OSM tags them public, since most of
    those are Ministry facilities under another name (e.g. CHU Ibn Rochd)."""
    return query.where(FacilityRow.sector == "public", FacilityRow.family != "osm")
