"""The options and helpers the travel-time commands share (`qurb access`, `qurb site`, and
the features above access that plan with travel times): which model, which offer, what an
export carries."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from qurb.kernel.attribution import MODEL_SOURCES, Attribution
from qurb.kernel.i18n import cli_lang

if TYPE_CHECKING:
    from qurb.algo.travel import Measure
    from qurb.registry.points import FacilitySelector

# The analyses pull in SciPy and NumPy (half a second): imported inside the commands so
# that the rest of the CLI starts fast.
FITTABLE_NAMES = (
    "speed_kph.urban, speed_kph.rural, speed_kph.remote, detour_factor.urban, "
    "detour_factor.rural, detour_factor.remote, offroad_speed_kph"
)
REFERRAL_TIER_NAMES = "HPr, HP, HR, CHU"
# Access figures rest on the census, the commune polygons and the facilities' coordinates.
ACCESS_SOURCES = Attribution(MODEL_SOURCES)

ModelOption = Annotated[
    str,
    typer.Option(
        "--model",
        "-m",
        help="commune-graph (bundled, coarse), straight-line, or a road-network folder.",
    ),
]
ParamsOption = Annotated[
    Path | None,
    typer.Option("--params", help="Commune-graph parameter file (default: the bundled one)."),
]
LevelOption = Annotated[
    list[str] | None,
    typer.Option("--level", "-l", help="Facility level: primary/secondary/tertiary (repeatable)."),
]
CategoryOption = Annotated[
    list[str] | None,
    typer.Option("--category", "-c", help="Facility category, e.g. CSR-2, HP (repeatable)."),
]
ServiceOption = Annotated[
    list[str] | None,
    typer.Option("--service", "-s", help="Required service, e.g. delivery (repeatable)."),
]
TierOption = Annotated[
    str | None,
    typer.Option(
        "--tier",
        help="Hospitals of one tier: general (what --level secondary means), specialty "
        "(oncology, psychiatry, children's… hospitals), maternity, or any (every hospital).",
    ),
]
ThresholdsOption = Annotated[
    str,
    typer.Option("--thresholds", help="Travel-time thresholds in minutes, comma-separated."),
]


def selector_of(
    level: list[str] | None,
    category: list[str] | None,
    service: list[str] | None,
    tier: str | None = None,
) -> FacilitySelector:
    from qurb.registry.points import FacilitySelector

    return FacilitySelector.from_options(level or (), category or (), service or (), tier)


def parse_thresholds(text: str) -> list[float]:
    from qurb.algo.accessibility import AccessError

    values = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            values.append(float(part))
        except ValueError:
            raise AccessError(code="threshold_not_minutes", values={"value": repr(part)}) from None
    return values


def measured(title: str, measure: Measure) -> str:
    """A table title followed by what its minutes and km measure (the model's words)."""
    return f"{title}\n[dim]{getattr(measure, cli_lang())}[/]"


def geometry_of(rows: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
    from qurb.access.service import commune_polygons

    if rows and "lon" in rows[0]:
        return [{"type": "Point", "coordinates": [r["lon"], r["lat"]]} for r in rows]
    polygons = commune_polygons()
    return [polygons.get(r.get("code") or r.get("commune") or "") for r in rows]


class Supply(enum.StrEnum):
    """What a facility offers in the catchment figures: one facility, its beds or its
    doctors (where known; the others left out)."""

    FACILITIES = "facilities"
    BEDS = "beds"
    DOCTORS = "doctors"
