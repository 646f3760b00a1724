"""What changed between two editions of the Ministry's facility lists."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class EditionChange(enum.StrEnum):
    OPENED = "opened"  # in the later edition only
    CLOSED = "closed"  # in the earlier edition only
    RECATEGORISED = "recategorised"  # in both, with another category


@dataclass(frozen=True)
class EditionEntry:
    facility_id: str
    name: str
    category: str
    commune_code: str


@dataclass(frozen=True)
class EditionDiff:
    facility_id: str
    change: EditionChange
    name: str
    commune_code: str
    category_before: str | None
    category_after: str | None


def compute_edition_diff(
    earlier: Iterable[EditionEntry], later: Iterable[EditionEntry]
) -> list[EditionDiff]:
    """Openings, closures and category changes, by facility id, sorted by commune and name.

    A facility keeps its id across editions when its province, commune, folded name and
    family are the same (see qurb.databuild.facilities); a renamed facility therefore
    shows as one closure and one opening, which is what the lists themselves say.
    """
    before = {e.facility_id: e for e in earlier}
    after = {e.facility_id: e for e in later}
    diffs: list[EditionDiff] = []
    for fid in before.keys() | after.keys():
        old, new = before.get(fid), after.get(fid)
        if old is None and new is not None:
            diffs.append(
                EditionDiff(
                    fid, EditionChange.OPENED, new.name, new.commune_code, None, new.category
                )
            )
        elif new is None and old is not None:
            diffs.append(
                EditionDiff(
                    fid, EditionChange.CLOSED, old.name, old.commune_code, old.category, None
                )
            )
        elif old is not None and new is not None and old.category != new.category:
            diffs.append(
                EditionDiff(
                    fid,
                    EditionChange.RECATEGORISED,
                    new.name,
                    new.commune_code,
                    old.category,
                    new.category,
                )
            )
    return sorted(diffs, key=lambda d: (d.commune_code, d.name, d.facility_id))
