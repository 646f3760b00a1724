"""What changed between two editions of the Ministry's facility lists."""

from __future__ import annotations

import enum
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from qurb.kernel.names import fold_name

# Two folded names at least this similar (rapidfuzz ratio, 0-100) spell one name: "Oulad
# Mhamed" / "Ouled Mhamed" score 92, "Ikhourbane" / "Ikhorbane" 95; "Al Hamd" / "Al Badr"
# only 71.
SIMILAR_NAME_RATIO = 90.0
_NUMBER = re.compile(r"\d+")


class EditionChange(enum.StrEnum):
    OPENED = "opened"  # in the later edition only
    CLOSED = "closed"  # in the earlier edition only
    RECATEGORISED = "recategorised"  # in both, with another category
    MOVED = "moved"  # in both, in another commune (or arrondissement)
    MOVED_RECATEGORISED = "moved+recategorised"  # in both, another commune and category
    RENAMED = "renamed"  # in both, same commune and category, under another name


class Pairing(enum.StrEnum):
    """Why a facility of the earlier list is taken to be one of the later list."""

    SAME_ID = "same id"  # same province, commune, folded name and family
    SAME_NAME = "same name"  # same folded name, same province, another commune
    SIMILAR_NAME = "similar name"  # a spelling variant in the same province
    # One closure and one opening in a commune, names unlike: an inference, said as such.
    ONLY_CHANGE_IN_COMMUNE = "inferred: only change in its commune"


@dataclass(frozen=True)
class EditionEntry:
    facility_id: str
    name: str
    category: str
    commune_code: str
    # The arrondissement where the Ministry names one (big cities), else the commune;
    # "" means the commune.
    unit_code: str = ""

    @property
    def unit(self) -> str:
        return self.unit_code or self.commune_code


@dataclass(frozen=True)
class EditionDiff:
    facility_id: str  # the later id; the earlier one for a closure
    change: EditionChange
    name: str
    commune_code: str
    category_before: str | None
    category_after: str | None
    # The earlier edition's record where it is another one (a facility paired across
    # ids): its id, name and commune, and on what ground the two were paired.
    facility_id_before: str | None = None
    name_before: str | None = None
    commune_before: str | None = None
    paired_by: Pairing | None = None


def province_of(commune_code: str) -> str:
    """ "03.171" for the commune "03.171.05.07" (HCP codes: region.province.cercle.commune)."""
    return ".".join(commune_code.split(".")[:2])


def _similar(a: str, b: str) -> float:
    """Similarity of two folded names; 0 when their numbers differ ("Hay Salam 1" is not
    "Hay Salam 2")."""
    if _NUMBER.findall(a) != _NUMBER.findall(b):
        return 0.0
    from rapidfuzz import fuzz  # only when editions are paired

    return float(fuzz.ratio(a, b))


def _pair_change(old: EditionEntry, new: EditionEntry) -> EditionChange:
    moved = old.unit != new.unit  # another commune, or another arrondissement of one
    recategorised = old.category != new.category
    if moved:
        return EditionChange.MOVED_RECATEGORISED if recategorised else EditionChange.MOVED
    return EditionChange.RECATEGORISED if recategorised else EditionChange.RENAMED


def _pairs(
    closed: list[EditionEntry], opened: list[EditionEntry]
) -> list[tuple[EditionEntry, EditionEntry, Pairing]]:
    """The closures and openings that are one facility under a new id.

    A facility's id holds its commune and folded name (qurb.databuild.facilities), so a
    facility the Ministry lists in another commune, or under another spelling, gets a new
    id. Paired, in this order, each entry at most once:
    1. the same or a similar folded name (ratio >= SIMILAR_NAME_RATIO, same numbers) in
       the same province, the most similar first (then same category, same commune);
    2. the one closure and the one opening left in a commune (the commune keeps its count
       of facilities: one was re-categorised or renamed).
    The lists carry no stable identifier: a pairing is an inference, and says its ground.
    """
    folded_closed = {e.facility_id: fold_name(e.name) for e in closed}
    folded_opened = {e.facility_id: fold_name(e.name) for e in opened}
    candidates = []
    for old in closed:
        for new in opened:
            if province_of(old.commune_code) != province_of(new.commune_code):
                continue
            score = _similar(folded_closed[old.facility_id], folded_opened[new.facility_id])
            if score >= SIMILAR_NAME_RATIO:
                candidates.append((score, old, new))
    candidates.sort(
        key=lambda c: (
            -c[0],
            c[1].category != c[2].category,
            c[1].unit != c[2].unit,
            c[1].facility_id,
            c[2].facility_id,
        )
    )
    used: set[str] = set()
    pairs = []
    for _score, old, new in candidates:
        if old.facility_id in used or new.facility_id in used:
            continue
        used |= {old.facility_id, new.facility_id}
        same = folded_closed[old.facility_id] == folded_opened[new.facility_id]
        pairs.append((old, new, Pairing.SAME_NAME if same else Pairing.SIMILAR_NAME))
    left_closed: dict[str, list[EditionEntry]] = defaultdict(list)
    left_opened: dict[str, list[EditionEntry]] = defaultdict(list)
    for e in closed:
        if e.facility_id not in used:
            left_closed[e.commune_code].append(e)
    for e in opened:
        if e.facility_id not in used:
            left_opened[e.commune_code].append(e)
    for commune, olds in left_closed.items():
        news = left_opened.get(commune, [])
        if len(olds) == 1 and len(news) == 1:
            pairs.append((olds[0], news[0], Pairing.ONLY_CHANGE_IN_COMMUNE))
    return pairs


def compute_edition_diff(
    earlier: Iterable[EditionEntry], later: Iterable[EditionEntry]
) -> list[EditionDiff]:
    """Openings, closures, moves, re-categorisations and renamings, sorted by commune and
    name.

    A facility keeps its id across editions when its province, commune, folded name and
    family are the same (see qurb.databuild.facilities): with the same id and another
    category it was re-categorised. A closure and an opening that are one facility under
    a new id (another commune, another spelling; see `_pairs`) are one line, moved,
    re-categorised or renamed, with the earlier record and the ground of the pairing.
    """
    before = {e.facility_id: e for e in earlier}
    after = {e.facility_id: e for e in later}
    diffs: list[EditionDiff] = []
    for fid in before.keys() & after.keys():
        old, new = before[fid], after[fid]
        if old.category != new.category:
            diffs.append(
                EditionDiff(
                    fid,
                    EditionChange.RECATEGORISED,
                    new.name,
                    new.commune_code,
                    old.category,
                    new.category,
                    name_before=old.name,
                    commune_before=old.commune_code,
                    paired_by=Pairing.SAME_ID,
                )
            )
    closed = sorted((before[f] for f in before.keys() - after.keys()), key=lambda e: e.facility_id)
    opened = sorted((after[f] for f in after.keys() - before.keys()), key=lambda e: e.facility_id)
    paired: set[str] = set()
    for old, new, ground in _pairs(closed, opened):
        paired |= {old.facility_id, new.facility_id}
        diffs.append(
            EditionDiff(
                new.facility_id,
                _pair_change(old, new),
                new.name,
                new.commune_code,
                old.category,
                new.category,
                facility_id_before=old.facility_id,
                name_before=old.name,
                commune_before=old.commune_code,
                paired_by=ground,
            )
        )
    for old in closed:
        if old.facility_id not in paired:
            diffs.append(
                EditionDiff(
                    old.facility_id,
                    EditionChange.CLOSED,
                    old.name,
                    old.commune_code,
                    old.category,
                    None,
                )
            )
    for new in opened:
        if new.facility_id not in paired:
            diffs.append(
                EditionDiff(
                    new.facility_id,
                    EditionChange.OPENED,
                    new.name,
                    new.commune_code,
                    None,
                    new.category,
                )
            )
    return sorted(diffs, key=lambda d: (d.commune_code, d.name, d.facility_id))
