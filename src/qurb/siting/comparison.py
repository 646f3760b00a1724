"""Two or three saved scenarios side by side: their lines (as `qurb scenarios compare`),
every commune of their territories with its coverage and minutes after each, every
sub-territory with its share covered after each, and the communes where they differ."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from qurb.algo.siting_problem import SitingError
from qurb.siting.service import SavedScenario, compare_scenarios
from qurb.territory.service import TerritoryIndex

MIN_COMPARED, MAX_COMPARED = 2, 3


def compared_ids(text: str) -> list[str]:
    """`a,b[,c]`: two or three distinct ids, else 422 `compare_two_or_three`."""
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not MIN_COMPARED <= len(ids) <= MAX_COMPARED or len(set(ids)) != len(ids):
        values = {"ids": repr(text), "min": MIN_COMPARED, "max": MAX_COMPARED}
        raise SitingError(code="compare_two_or_three", values=values)
    return ids


def _row(
    rows: dict[str, dict[str, Any]],
    index: TerritoryIndex,
    unit: Any,
    n: int,
    columns: tuple[str, ...],
) -> dict[str, Any]:
    """The row of a commune or sub-territory, made on first sight with one null per
    scenario in each of `columns` (its Arabic name from the index when the scenario kept
    none)."""
    if unit.code not in rows:
        known = index.by_code.get(unit.code)
        rows[unit.code] = {
            "code": unit.code,
            "name_fr": unit.name_fr,
            "name_ar": unit.name_ar or (known.name_ar if known else None),
            "population": unit.population,
            **{column: [None] * n for column in columns},
        }
    return rows[unit.code]


def side_by_side(
    index: TerritoryIndex, saved: Sequence[SavedScenario], lang: str = "en"
) -> dict[str, Any]:
    """The comparison, communes and sub-territories in the order the first scenario holds
    them, then those only later ones hold (another territory). A commune or group a
    scenario does not hold has null there."""
    n = len(saved)
    communes: dict[str, dict[str, Any]] = {}
    groups: dict[str, dict[str, Any]] = {}
    for k, one in enumerate(saved):
        for c in one.scenario.communes:
            row = _row(communes, index, c, n, ("covered", "minutes_after"))
            row["covered"][k], row["minutes_after"][k] = c.covered_after, c.minutes_after
        for g in one.scenario.groups:
            _row(groups, index, g, n, ("covered_after_pct",))["covered_after_pct"][k] = (
                g.covered_after_pct
            )
    # Where the scenarios that hold a commune disagree (one of another territory, which
    # does not hold it, has no say).
    differ = [
        code
        for code, row in communes.items()
        if len({c for c in row["covered"] if c is not None}) > 1
    ]
    return {
        "lines": [asdict(line) for line in compare_scenarios(saved, lang)],
        "communes": list(communes.values()),
        "groups": list(groups.values()),
        "differ": differ,
    }
