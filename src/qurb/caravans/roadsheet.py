"""A unit's road sheet: what its team carries in the cab. Per day, the stops in order with
arrival and departure times, the commune and the site, each leg's distance and drive
time; the contacts (the base's, the unit's and the campaign partners', as the campaign
gives them: a contact it does not give is printed as unknown); and the unit's routes
drawn over the territory's communes (a still SVG, so that the sheet prints as it shows).

Each leg's distance and drive time are the travel-time model's between the two places
(the model that planned the campaign); where that model cannot be asked, they stay
unknown. The routes on the drawing join the stops with straight segments: the
commune-graph model knows travel times between communes, not the road geometry."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qurb.caravans.plan import CampaignPlan, PlanRoute
from qurb.platform.templating import DOCUMENT_CSS_URL, render

TEMPLATES = Path(__file__).resolve().parent / "templates"
ROADSHEET_CSS_URL = "/static/css/roadsheet.css"
MAP_WIDTH, MAP_HEIGHT = 640.0, 420.0
# A leg: (km, minutes) between two places of a route, None where not known.
LegFigures = tuple[float | None, float | None]


@dataclass(frozen=True)
class SheetLeg:
    """The drive to a place from the one before it."""

    origin: str
    km: float | None
    minutes: float | None


@dataclass(frozen=True)
class SheetStop:
    number: int
    commune: str
    code: str
    site: str
    arrival: str
    start: str
    departure: str
    arrival_date: dt.date | None
    leg: SheetLeg


@dataclass(frozen=True)
class SheetDay:
    date: dt.date
    last_date: dt.date
    base: str
    leave: str
    back: str
    distance_km: float
    travel_minutes: float
    stops: tuple[SheetStop, ...]
    back_leg: SheetLeg
    colour: str


@dataclass(frozen=True)
class Contact:
    name: str
    role: str
    contact: str | None  # None: the campaign does not give one


@dataclass(frozen=True)
class RouteDrawing:
    """The SVG's shapes: commune outlines, one polyline per day, numbered stops, the base."""

    width: float
    height: float
    areas: tuple[tuple[str, str], ...]  # (path d, commune name)
    routes: tuple[tuple[str, str], ...]  # (points, colour)
    stops: tuple[tuple[float, float, int], ...]  # (x, y, visit number)
    bases: tuple[tuple[float, float, str], ...]


@dataclass(frozen=True)
class RoadSheet:
    campaign: str
    territory: str
    unit: str
    team: str
    base: Contact
    unit_contact: Contact
    partners: tuple[Contact, ...]
    days: tuple[SheetDay, ...]
    drawing: RouteDrawing | None
    total_km: float
    stops: int


COLOURS = ("#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#5d4037")


def unit_routes(plan: CampaignPlan, unit: str) -> list[PlanRoute]:
    """The unit's routes (day trips or tours), in date order."""
    return sorted((d for d in plan.days if d.unit == unit), key=lambda d: (d.date, d.leave))


def _contact(entries: Sequence[Mapping[str, Any]], name: str, role: str) -> Contact:
    for entry in entries:
        if entry.get("name") == name:
            return Contact(name, role, entry.get("contact") or None)
    return Contact(name, role, None)


def road_sheet(
    plan: CampaignPlan,
    spec: Mapping[str, Any],
    unit: str,
    names: Mapping[str, str],
    legs: Mapping[int, Sequence[LegFigures]],
    areas: Sequence[Mapping[str, Any]],
    territory: str,
) -> RoadSheet:
    """The road sheet of `unit`: `names` names the communes (code → name in the sheet's
    language), `legs` gives each route's legs (route index in plan.days → one (km,
    minutes) per leg, base → stops → base), `areas` the territory's commune features."""
    routes = unit_routes(plan, unit)
    if not routes:
        raise KeyError(unit)
    planned = next((u for u in plan.campaign.units if u.name == unit), None)
    base_name = planned.base if planned else routes[0].base
    team = planned.team if planned else routes[0].team
    days = []
    for k, route in enumerate(routes):
        figures = list(legs.get(plan.days.index(route), ()))
        figures += [(None, None)] * (len(route.stops) + 1 - len(figures))
        stops = []
        origin = route.base
        for i, stop in enumerate(route.stops):
            commune = names.get(stop.code, stop.name_fr)
            leg = SheetLeg(origin, *figures[i])
            stops.append(
                SheetStop(
                    stop.number,
                    commune,
                    stop.code,
                    stop.label,
                    stop.arrival,
                    stop.start,
                    stop.departure,
                    stop.arrival_date if stop.arrival_date not in (None, stop.date) else None,
                    leg,
                )
            )
            origin = stop.label
        back = SheetLeg(origin, *figures[len(route.stops)])
        colour = COLOURS[k % len(COLOURS)]
        days.append(
            SheetDay(
                route.date,
                route.last_date,
                route.base,
                route.leave,
                route.back,
                float(route.distance_km),
                float(route.travel_minutes),
                tuple(stops),
                back,
                colour,
            )
        )
    return RoadSheet(
        campaign=plan.campaign.name,
        territory=territory,
        unit=unit,
        team=team,
        base=_contact(spec.get("bases") or [], base_name, "base"),
        unit_contact=_contact(spec.get("units") or [], unit, "unit"),
        partners=tuple(
            _contact(spec.get("partners") or [], p.name, p.role) for p in plan.campaign.partners
        ),
        days=tuple(days),
        drawing=_drawing(routes, plan, areas, names, [d.colour for d in days]),
        total_km=round(sum(float(r.distance_km) for r in routes), 1),
        stops=sum(len(r.stops) for r in routes),
    )


def _rings(geometry: Mapping[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def _drawing(
    routes: Sequence[PlanRoute],
    plan: CampaignPlan,
    areas: Sequence[Mapping[str, Any]],
    names: Mapping[str, str],
    colours: Sequence[str],
) -> RouteDrawing | None:
    """The routes over the communes, in a plate carrée squeezed by the cosine of the
    middle latitude and fitted to the box (the territory's outline, or the routes')."""
    points = [p for r in routes for p in r.path]
    points += [p for a in areas for ring in _rings(a["geometry"]) for p in ring]
    if not points:
        return None
    lons, lats = [float(p[0]) for p in points], [float(p[1]) for p in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    squeeze = math.cos(math.radians((south + north) / 2))
    span_x, span_y = max((east - west) * squeeze, 1e-9), max(north - south, 1e-9)
    scale = min((MAP_WIDTH - 20) / span_x, (MAP_HEIGHT - 20) / span_y)
    width, height = span_x * scale + 20, span_y * scale + 20

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return 10 + (lon - west) * squeeze * scale, 10 + (north - lat) * scale

    def outline(geometry: Mapping[str, Any]) -> str:
        rings = []
        for ring in _rings(geometry):
            shown = " ".join("{:.1f},{:.1f}".format(*xy(p[0], p[1])) for p in ring)
            rings.append(f"M{shown}Z")
        return "".join(rings)

    def line(path: Sequence[Sequence[float]]) -> str:
        return " ".join("{:.1f},{:.1f}".format(*xy(p[0], p[1])) for p in path)

    code_names = [(a, str(a["properties"].get("code", ""))) for a in areas]
    bases = {
        b.name: xy(float(b.lon), float(b.lat))
        for b in plan.campaign.bases
        if b.lon is not None and b.lat is not None and any(r.base == b.name for r in routes)
    }
    return RouteDrawing(
        round(width, 1),
        round(height, 1),
        tuple((outline(a["geometry"]), names.get(code, code)) for a, code in code_names),
        tuple((line(r.path), colours[k]) for k, r in enumerate(routes)),
        tuple(
            _stop_mark(xy(float(s.lon), float(s.lat)), s.number) for r in routes for s in r.stops
        ),
        tuple((round(x, 1), round(y, 1), name) for name, (x, y) in bases.items()),
    )


def _stop_mark(point: tuple[float, float], number: int) -> tuple[float, float, int]:
    return round(point[0], 1), round(point[1], 1), number


def road_sheet_html(sheet: RoadSheet, lang: str) -> str:
    """The road sheet as a served printable page in `lang` (right to left in Arabic): the
    document style and the sheet's own print rules, its print button's script."""
    return render(
        TEMPLATES,
        "roadsheet.html",
        lang=lang,
        stylesheets=[DOCUMENT_CSS_URL, ROADSHEET_CSS_URL],
        scripts=["/static/js/roadsheet.js"],
        sheet=sheet,
    )
