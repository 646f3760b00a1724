"""OpenStreetMap health points: locations for Ministry facilities, and the private sector.

The extract (health-facilities-morocco-2026-03.geojson, © OpenStreetMap contributors, ODbL)
holds amenity=pharmacy/doctors/hospital/clinic points with a cleaned name. A point becomes
the location of a Ministry facility only when three things agree:

* the name: folded, generic words removed ("centre de santé", "CSR", "hôpital provincial"),
  rapidfuzz `fuzz.ratio` >= NAME_THRESHOLD; for a hospital, also one name's words all
  found in the other's ("Ibn Sina" in "CHU Ibn Sina (Souissi)", "20 Août" in "20 Août
  1953"), with an OSM point of type hospital whose name is not that of another kind of
  place (military hospital, clinic, radiology, laboratory);
* the place: the point lies in the facility's commune (point-in-polygon);
* the type: hospital/clinic for a hospital, hospital/clinic/doctor for an ESSP; and a point
  whose name says "hôpital" (or "centre de santé", "dispensaire") only locates a hospital
  (an ESSP).

Each point locates at most one facility: candidate pairs are taken best score first. The
points left over form the OSM list apart from the public offer: a clinic, doctor or hospital
keeps OSM's sector (private, public, or unknown when OSM gives no operator); a pharmacy is
private unless OSM tags it public.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from rapidfuzz import fuzz

from qurb.databuild.linking import fold

# 88 on `fuzz.ratio` of the cleaned names accepts spelling variants of one name
# ("mohamed v"/"mohammed v" = 94.7, "al wahda"/"el wahda" = 87.5 is refused) and refuses
# different names of similar length. The commune constraint already removes most homonyms.
NAME_THRESHOLD = 88.0

# Typical offset between an OSM point and the facility's entrance/building centroid, in
# metres: points are placed on the building or its grounds from imagery.
OSM_PRECISION_M = 25

COMPATIBLE_TYPES = {
    "hospital": frozenset({"hospital", "clinic"}),
    "ESSP": frozenset({"hospital", "clinic", "doctor"}),
}

# The extract's placeholder for a point without a name: the name is unknown, not this.
UNNAMED = "Unnamed Facility"

# Words that say what kind of facility it is, not which one; folded.
_GENERIC_WORDS = """
    centre center centro sante health de du des la le les l d csr csu csr1 csr2 csu1 csu2
    niveau niv 1 2 urbain urbaine rural rurale communal comunal dispensaire dispensary
    disponsaire dispenssaire mustawsaf hopital hopitale lhopital hospital hop hosp
    hospitalier hospitaliere provincial prefectoral regional interregional proximite local
    chp chr ch cs maison accouchement daccouchement medical medicale public publique
    el al cdtmr crsr lsp hpr hp hr hir cro cpu
"""
_GENERIC = frozenset(_GENERIC_WORDS.split())

# Words in an OSM name that say which family the point is; a point whose name says
# "hôpital" is not the health centre of the same town ("Hôpital de Figuig" is not the CSU
# "Figuig"), and a "centre de santé" is not a hospital.
_HOSPITAL_WORDS_TEXT = "hopital hopitale lhopital hospital hop hosp hospitalier chp chr chu"
_ESSP_WORDS_TEXT = "sante health dispensaire dispensary disponsaire dispenssaire mustawsaf csr csu"
_HOSPITAL_WORDS = frozenset(_HOSPITAL_WORDS_TEXT.split())
_ESSP_WORDS = frozenset(_ESSP_WORDS_TEXT.split())

# Spelling variants and abbreviations of the same word; digits after a ruler's name are
# his regnal number ("Mohamed 6" = "Mohammed VI"), so they become roman numerals.
_SPELLINGS = {
    "mohammed": "mohamed",
    "mohamad": "mohamed",
    "med": "mohamed",
    "my": "moulay",
    "mly": "moulay",
    "2": "ii",
    "5": "v",
    "6": "vi",
}


# For the word-containment rule (hospitals only): words that make an OSM hospital another
# place than the Ministry's, and the least a contained name must have to be evidence.
_OTHER_PLACE = frozenset(
    {
        "militaire",
        "military",
        "clinique",
        "clinic",
        "polyclinique",
        "radiologie",
        "laboratoire",
        "labo",
        "cabinet",
        "pharmacie",
        "dentaire",
        "veterinaire",
    }
)
CONTAINMENT_MIN_LETTERS = 5  # "ibn sina" (7) counts; "v" or "20" alone do not
CONTAINMENT_FLOOR = 80.0  # containment scores rank below the exact-spelling matches

_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]+")


def facility_key(name: str) -> str:
    """The distinctive part of a facility name, for matching."""
    # Arabic script beside the Latin name ("Hôpital Mohammed V مستشفى محمد الخامس") would
    # only lower the score against the Ministry's Latin names.
    latin = _ARABIC.sub(" ", name)
    # "Niveau 2" is a level, not a regnal number: drop the level with its word.
    text = re.sub(r"\bniv(?:eau)? \d\b", " ", fold(latin))
    words = [_SPELLINGS.get(w, w) for w in text.split()]
    return " ".join(w for w in words if w not in _GENERIC)


def name_family(name: str) -> str | None:
    """ "hospital" or "ESSP" when the name says so, else None."""
    words = set(fold(name).split())
    if words & _HOSPITAL_WORDS:
        return "hospital"
    if words & _ESSP_WORDS:
        return "ESSP"
    return None


@dataclass(frozen=True)
class OsmPoint:
    osm_id: str
    osm_type: str
    name: str  # "" when OSM has none
    name_fr: str
    name_ar: str
    facility_type: str
    sector: str
    region: str
    lon: float
    lat: float


@dataclass(frozen=True)
class CommuneGeometry:
    codes: list[str]
    polygons: list[Any]  # shapely geometries, aligned with codes
    tree: Any  # shapely.STRtree over polygons
    area_km2: dict[str, float]
    reference: dict[str, tuple[float, float]]  # code -> (lon, lat)

    def commune_of(self, points: list[OsmPoint]) -> list[str]:
        """Commune code of each point, "" if it lies outside every commune."""
        geoms = shapely.points(np.array([[p.lon, p.lat] for p in points], dtype=float))
        pairs = self.tree.query(geoms, predicate="intersects")
        found: dict[int, str] = {}
        # A point on a shared boundary touches two communes: the smaller code wins.
        for point_index, poly_index in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
            code = self.codes[poly_index]
            if point_index not in found or code < found[point_index]:
                found[point_index] = code
        return [found.get(i, "") for i in range(len(points))]

    def precision_m(self, code: str) -> int:
        """Radius (m) of a disc of the commune's area: the typical error of its reference point."""
        return round(math.sqrt(self.area_km2[code] * 1e6 / math.pi))


def read_points(path: Path) -> list[OsmPoint]:
    with path.open(encoding="utf-8") as fh:
        collection = json.load(fh)
    points: list[OsmPoint] = []
    for feature in collection["features"]:
        props = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"][:2]
        name = (props.get("name_clean") or "").strip()
        points.append(
            OsmPoint(
                osm_id=str(props["osm_id"]),
                osm_type=props["osm_type"],
                name="" if name == UNNAMED else name,
                name_fr=(props.get("name_fr") or "").strip(),
                name_ar=(props.get("name_ar") or "").strip(),
                facility_type=props["facility_type"],
                sector=props.get("sector") or "unknown",
                region=props.get("region") or "",
                lon=float(lon),
                lat=float(lat),
            )
        )
    points.sort(key=lambda p: (p.osm_type, int(p.osm_id)))
    return points


def read_geometry(geojson: Path, table: Path) -> CommuneGeometry:
    with geojson.open(encoding="utf-8") as fh:
        collection = json.load(fh)
    codes: list[str] = []
    polygons: list[Any] = []
    for feature in collection["features"]:
        codes.append(feature["properties"]["code"])
        polygons.append(shapely.geometry.shape(feature["geometry"]))
    area: dict[str, float] = {}
    reference: dict[str, tuple[float, float]] = {}
    with table.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            area[row["code"]] = float(row["area_km2"])
            reference[row["code"]] = (float(row["ref_lon"]), float(row["ref_lat"]))
    return CommuneGeometry(codes, polygons, shapely.STRtree(polygons), area, reference)


@dataclass(frozen=True)
class Wanted:
    """A Ministry facility looking for its OSM point."""

    facility_id: str
    family: str
    name: str
    commune_code: str


def _point_keys(point: OsmPoint) -> list[str]:
    names = {point.name, point.name_fr}
    # A few points carry the Ministry name in brackets or after a dash ("X - مستشفى").
    keys = {facility_key(n) for n in names if n}
    return sorted(k for k in keys if k and not re.fullmatch(r"\d+", k))


def match_points(
    wanted: Iterable[Wanted], points: list[OsmPoint], point_communes: list[str]
) -> dict[str, tuple[int, float]]:
    """facility_id -> (index of its OSM point, name score); best pairs first, one-to-one."""
    by_commune: dict[str, list[int]] = {}
    for index, code in enumerate(point_communes):
        if code:
            by_commune.setdefault(code, []).append(index)
    point_keys = [_point_keys(p) for p in points]
    point_families = [name_family(f"{p.name} {p.name_fr}") for p in points]
    # (rule, -score, facility, point): spelling matches (rule 0) are taken before word
    # containment (rule 1), best score first within each.
    pairs: list[tuple[int, float, str, int]] = []
    for w in wanted:
        key = facility_key(w.name)
        if len(key) < 3:
            continue  # nothing distinctive left ("Centre de santé"): no name evidence
        for index in by_commune.get(w.commune_code, []):
            point = points[index]
            if point.facility_type not in COMPATIBLE_TYPES[w.family]:
                continue
            if point_families[index] not in (None, w.family):
                continue
            score = max((fuzz.ratio(key, k) for k in point_keys[index]), default=0.0)
            if score >= NAME_THRESHOLD:
                pairs.append((0, -score, w.facility_id, index))
            elif w.family == "hospital":
                score = max(
                    (containment_score(key, k, point) for k in point_keys[index]), default=0.0
                )
                if score >= CONTAINMENT_FLOOR:
                    pairs.append((1, -score, w.facility_id, index))
    pairs.sort()
    taken: set[int] = set()
    result: dict[str, tuple[int, float]] = {}
    for _rule, negative_score, facility_id, index in pairs:
        score = -negative_score
        if facility_id in result or index in taken:
            continue
        result[facility_id] = (index, score)
        taken.add(index)
    return result


def containment_score(key: str, point_key: str, point: OsmPoint) -> float:
    """Score of a hospital name whose words are all in the other name, else 0.

    Between CONTAINMENT_FLOOR and 100, higher when the names share more of their words, so
    that "Ibn Sina" takes "CHU Ibn Sina (Souissi)" before "Maternité du Souissi / CHU Ibn
    Sina", which the "Maternité Souissi" then takes.
    """
    if point.facility_type != "hospital":
        return 0.0
    mine, theirs = set(key.split()), set(point_key.split())
    if fold(point.name).split() and _OTHER_PLACE & set(
        fold(f"{point.name} {point.name_fr}").split()
    ):
        return 0.0
    smaller = mine if len(mine) <= len(theirs) else theirs
    if not smaller or not smaller <= (mine & theirs):
        return 0.0
    if sum(len(w) for w in smaller if not w.isdigit()) < CONTAINMENT_MIN_LETTERS:
        return 0.0
    return CONTAINMENT_FLOOR + (100.0 - CONTAINMENT_FLOOR) * len(smaller) / len(mine | theirs)


def private_sector(point: OsmPoint) -> str:
    """The sector of an OSM point left outside the Ministry lists.

    OSM tags a sector only where a mapper gave an operator type; a clinic, doctor or
    hospital without one stays `unknown` (counted in neither public nor private supply).
    A pharmacy (officine) is private by Moroccan law (loi 17-04: owned by a pharmacist), so
    an untagged one is private.
    """
    if point.facility_type == "pharmacy":
        return "public" if point.sector == "public" else "private"
    return point.sector
