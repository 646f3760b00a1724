"""The caravans' bundled files and the campaign files: the catalogue of specialties,
population groups and default settings (`caravan.toml`), the caravan figures of the
definitions catalogue (`definitions.toml`), and a campaign read and checked against them."""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from qurb.caravans.model import (
    CampaignError,
    CampaignProblems,
    CampaignSpec,
    InvalidCampaign,
    coded,
    location,
)
from qurb.kernel.definitions import FigureDefinition, figure_definition
from qurb.kernel.rows import pydantic_values
from qurb.territory.census import AGE_BANDS

HERE = Path(__file__).parent
CATALOGUE_FILE = HERE / "caravan.toml"
# The caravan figures, listed by `qurb definitions` after the bundled ones.
DEFINITIONS_FILE = HERE / "definitions.toml"


@cache
def caravan_catalogue() -> dict[str, Any]:
    """The bundled specialties, population groups and default settings."""
    with CATALOGUE_FILE.open("rb") as handle:
        catalogue = tomllib.load(handle)
    for name, group in catalogue["groups"].items():
        bands = group["bands"]
        if bands != "all" and any(b not in AGE_BANDS for b in bands):
            raise ValueError(f"caravan.toml: group {name} has an unknown age band")
    for name, specialty in catalogue["specialties"].items():
        if specialty["group"] not in catalogue["groups"]:
            raise ValueError(f"caravan.toml: specialty {name} has an unknown group")
    for name, programme in catalogue["programmes"].items():
        if not str(programme.get("source") or "").strip():
            raise ValueError(f"caravan.toml: programme {name} names no source")
    for name, screening in catalogue["screenings"].items():
        if screening.get("programme") not in catalogue["programmes"]:
            raise ValueError(f"caravan.toml: screening {name} has an unknown programme")
    return catalogue


def specialties() -> dict[str, dict[str, Any]]:
    return dict(caravan_catalogue()["specialties"])


def screenings() -> dict[str, dict[str, Any]]:
    """The controlled list of screenings: code → its labels (label_fr, label_ar, label_en),
    its national programme (`programme`, and that programme's labels as `programme_fr`,
    `programme_ar`, `programme_en`) and the programme's `source`."""
    catalogue = caravan_catalogue()
    out = {}
    for code, screening in catalogue["screenings"].items():
        programme = catalogue["programmes"][screening["programme"]]
        out[code] = {
            **screening,
            **{f"programme_{lang}": programme[f"label_{lang}"] for lang in ("fr", "ar", "en")},
            "source": programme["source"],
        }
    return out


def caravan_figure(figure_id: str) -> FigureDefinition:
    """A figure of the catalogue, the caravans' own file included."""
    return figure_definition(figure_id, (DEFINITIONS_FILE,))


def parse_campaign(data: dict[str, Any], source: str = "campaign") -> CampaignSpec:
    """Validate the keys and types; every problem named by its field."""
    try:
        return CampaignSpec.model_validate(data, context={"catalogue": caravan_catalogue()})
    except ValidationError as exc:
        problems = [_line(e) for e in exc.errors()]
        raise InvalidCampaign(problems, source) from None


def _line(item: Any) -> str:
    """A complaint of pydantic about a field: coded (`reason.pydantic.<type>`) where the
    catalogues word its type, else pydantic's words (a model validator's own)."""
    values = pydantic_values(item)
    if values is None:
        return f"{location(item['loc'])}: {item['msg']}"
    return coded(location(item["loc"]), f"pydantic.{item['type']}", **values)


def read_campaign_file(path: Any) -> CampaignSpec:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise CampaignError(code="no_such_file", values={"path": str(path)}) from None
    except tomllib.TOMLDecodeError as exc:
        values = {"path": str(path), "detail": str(exc)}
        raise CampaignError(code="not_toml", values=values) from None
    return parse_campaign(data, str(path))


def check_campaign(spec: CampaignSpec, today: date, source: str = "campaign") -> None:
    """Everything that makes a campaign impossible whatever the communes (the spec's
    model validator, with `today`); one InvalidCampaign listing all problems."""
    try:
        CampaignSpec.model_validate(
            spec.model_dump(), context={"catalogue": caravan_catalogue(), "today": today}
        )
    except ValidationError as exc:
        problems = [
            line
            for e in exc.errors()
            for line in (
                e["ctx"]["error"].problems
                if isinstance(e.get("ctx", {}).get("error"), CampaignProblems)
                else [_line(e)]
            )
        ]
        raise InvalidCampaign(problems, source) from None
