"""The real territory tree (the bundled territories.csv) as an index, without a database:
the pure tests of scopes walk it."""

from __future__ import annotations

from functools import cache

from qurb.data import read_bundled_csv
from qurb.territory.model import Territory, TerritoryLevel
from qurb.territory.service import TerritoryIndex


def _number(text: str, kind: type[int] | type[float]) -> int | float | None:
    return kind(text) if text else None


@cache
def territory_index() -> TerritoryIndex:
    units = {}
    for row in read_bundled_csv("territories.csv"):
        units[row["code"]] = Territory(
            code=row["code"],
            level=TerritoryLevel(row["level"]),
            name_fr=row["name_fr"],
            name_ar=row["name_ar"],
            parent_code=row["parent_code"] or None,
            kind=row["kind"],
            population_2024=None,
            cercle_code=row["cercle_code"] or None,
        )
    return TerritoryIndex(units)
