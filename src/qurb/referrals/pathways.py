"""Care pathways, read from the bundled `pathways.toml`: for a condition, its ordered
levels, each a registry service (see the file for the source of the levels and what is
Qurb's working choice)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from qurb.data import read_toml
from qurb.registry.facility_services import known_services

PATHWAYS_FILE = Path(__file__).with_name("pathways.toml")


@dataclass(frozen=True)
class Level:
    service: str
    name_fr: str
    name_ar: str
    name_en: str


@dataclass(frozen=True)
class Pathway:
    code: str
    name_fr: str
    name_ar: str
    name_en: str
    source: str
    working_choice: bool
    levels: tuple[Level, ...]

    def name(self, lang: str) -> str:
        return {"fr": self.name_fr, "ar": self.name_ar}.get(lang, self.name_en)


def read_pathways(path: Path = PATHWAYS_FILE) -> dict[str, Pathway]:
    """Every pathway of the file, by code; a level naming an unknown service is an error
    of the file (ValueError naming the pathway and the service)."""
    services = known_services()
    out: dict[str, Pathway] = {}
    for code, spec in read_toml(path).items():
        levels = tuple(
            Level(lv["service"], lv["level_fr"], lv["level_ar"], lv["level_en"])
            for lv in spec["levels"]
        )
        unknown = [lv.service for lv in levels if lv.service not in services]
        if unknown or not levels:
            raise ValueError(f"{path.name}: [{code}] has no level or unknown services {unknown}")
        out[code] = Pathway(
            code,
            spec["name_fr"],
            spec["name_ar"],
            spec["name_en"],
            spec["source"],
            bool(spec.get("working_choice", False)),
            levels,
        )
    return out


@cache
def pathways() -> dict[str, Pathway]:
    """The bundled pathways, read once."""
    return read_pathways()
