"""The map as a printable page (PDF) for reports and council meetings: the territory's
display polygons drawn as SVG in the choropleth's colours, with its title, legend, date and
sources, in French, Arabic or English; WeasyPrint lays it out (Pango shapes the Arabic).

The values are the values route's own body (`values_body`), classes included: the PDF
colours and words its classes as the page does."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from qurb.indicators.service import ANYONE, Indicator, Reader
from qurb.indicators.values import values_body
from qurb.kernel.errors import Unavailable
from qurb.kernel.i18n import has_key, long_date, number, translate
from qurb.platform.state import AppState
from qurb.platform.templating import render
from qurb.territory.api import map_focus
from qurb.territory.layers import LAYER_SOURCES, DisplayLayers
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex

# The map page's colour scales (static/js/choropleth.js), so that both read alike.
SCALES = {
    "neutral": ["#f1eef6", "#d0d1e6", "#a6bddb", "#74a9cf", "#2b8cbe", "#045a8d"],
    "worse": ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"],
}
NO_FACILITY_COLOUR = "#54001c"
HATCH = "url(#hatch)"
NOTE_KEYS = {
    "no_facility": "no.facility",
    "not_evaluated": "not.evaluated",
    "supply_unknown": "supply.unknown",
    "no_hospital": "status.no_hospital",
}
LAYER_LEVELS = {
    "regions": TerritoryLevel.REGION,
    "provinces": TerritoryLevel.PROVINCE,
    "communes": TerritoryLevel.COMMUNE,
}
TEMPLATES = Path(__file__).resolve().parent / "templates"
MAP_WIDTH = 1000.0  # SVG user units; the page scales the drawing to its box
MAP_HEIGHT = 820.0


class PdfUnavailable(Unavailable):
    """This server cannot lay out PDF pages (WeasyPrint or its Pango library is missing)."""


def _method_words(body: Mapping[str, Any], lang: str) -> str:
    """How the classes were cut, in the legend's words (as the page's legend says it)."""
    method = body["classes"]["method"]
    key = f"legend.classes.{method}"
    return translate(lang, key) if has_key(key) else str(method)


def palette(higher_is_better: bool | None, count: int) -> list[str]:
    scale = SCALES["worse"] if higher_is_better is False else SCALES["neutral"]
    if count <= 1:
        return [scale[3]]
    return [scale[round(i * (len(scale) - 1) / (count - 1))] for i in range(count)]


def class_label(classes: Mapping[str, Any], i: int, decimals: int, lang: str) -> str:
    """Class `i`'s words, as the page's legend writes them (choropleth.js `classLabel`):
    fixed bands by their edges ("≤ 30", "30 – 60", "> 120"); data classes by the values
    they hold, one value alone ("100", never "100 – 100")."""
    breaks = classes["breaks"]
    if classes["method"] == "bands":
        if i == 0:
            return f"≤ {_fmt(breaks[0], decimals, lang)}"
        if i == len(breaks):
            return f"> {_fmt(breaks[-1], decimals, lang)}"
        return f"{_fmt(breaks[i - 1], decimals, lang)} – {_fmt(breaks[i], decimals, lang)}"
    low, high = classes["ranges"][i]["low"], classes["ranges"][i]["high"]
    if low == high:
        return _fmt(low, decimals, lang)
    return f"{_fmt(low, decimals, lang)} – {_fmt(high, decimals, lang)}"


def _fmt(value: float, decimals: int, lang: str) -> str:
    return number(round(value, decimals) if decimals else round(value), lang)


def _rings(geometry: Mapping[str, Any]) -> Iterable[list[list[float]]]:
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon


@dataclass(frozen=True)
class Projection:
    """Plate carrée scaled by the cosine of the middle latitude, fitted to the box."""

    west: float
    north: float
    kx: float
    ky: float
    dx: float
    dy: float

    @classmethod
    def fit(cls, features: Sequence[Mapping[str, Any]]) -> Projection:
        lons, lats = [], []
        for f in features:
            for ring in _rings(f["geometry"]):
                lons += [p[0] for p in ring]
                lats += [p[1] for p in ring]
        west, east, south, north = min(lons), max(lons), min(lats), max(lats)
        squeeze = math.cos(math.radians((south + north) / 2))
        width, height = max((east - west) * squeeze, 1e-9), max(north - south, 1e-9)
        scale = min(MAP_WIDTH / width, MAP_HEIGHT / height)
        dx = (MAP_WIDTH - width * scale) / 2
        dy = (MAP_HEIGHT - height * scale) / 2
        return cls(west, north, scale * squeeze, scale, dx, dy)

    def path(self, geometry: Mapping[str, Any]) -> str:
        parts = []
        for ring in _rings(geometry):
            points = " ".join(
                f"{self.dx + (lon - self.west) * self.kx:.1f},"
                f"{self.dy + (self.north - lat) * self.ky:.1f}"
                for lon, lat in ring
            )
            parts.append(f"M{points}Z")
        return "".join(parts)


def _label(text: Mapping[str, str], lang: str) -> str:
    return text.get(lang) or text.get("fr") or ""


def sheet_html(
    body: Mapping[str, Any],
    indicator: Indicator,
    features: Sequence[Mapping[str, Any]],
    territory_name: str,
    lang: str,
    day: date,
) -> str:
    """The page as HTML (`templates/map_sheet.html`, the map an inline SVG); `body` is the
    values response, whose classes (the server's) colour the areas as the page does."""
    values = {v["code"]: v for v in body["values"]}
    classes = body["classes"]
    colours = palette(indicator.higher_is_better, len(classes["ranges"]))
    drawn = [f for f in features if f["properties"]["code"] in values]
    projection = Projection.fit(drawn) if drawn else None
    areas = []
    for f in drawn:
        entry = values[f["properties"]["code"]]
        if entry["value"] is None or entry.get("class_index") is None:
            fill = NO_FACILITY_COLOUR if entry.get("note") == "no_facility" else HATCH
        else:
            fill = colours[entry["class_index"]]
        assert projection is not None
        name = f["properties"]["name_ar" if lang == "ar" else "name_fr"] or ""
        areas.append({"d": projection.path(f["geometry"]), "fill": fill, "name": name})
    d = indicator.decimals
    rows = [
        {"colour": colour, "text": class_label(classes, i, d, lang), "dir": "ltr"}
        for i, colour in enumerate(colours)
    ]
    notes = dict.fromkeys(v.get("note") or "unknown" for v in body["values"] if v["value"] is None)
    for note in notes:
        colour = NO_FACILITY_COLOUR if note == "no_facility" else "hatch"
        rows.append(
            {
                "colour": colour,
                "text": translate(lang, NOTE_KEYS.get(note, "unknown")),
                "dir": "auto",
            }
        )
    label = _label(body["label"], lang)
    return render(
        TEMPLATES,
        "map_sheet.html",
        lang=lang,
        title=f"{label} — {territory_name}",
        label=label,
        unit=_label(body["unit"], lang),
        level=translate(lang, f"level.{body['level']}"),
        method=_method_words(body, lang),
        measure=getattr(indicator.measure, lang, "") if indicator.measure else "",
        # A capacity indicator: how many facilities have the figure known, as the page says.
        known=_label(body["known"], lang) if body.get("known") else "",
        areas=areas,
        legend=rows,
        width=MAP_WIDTH,
        height=MAP_HEIGHT,
        sources=f"{indicator.source} · {LAYER_SOURCES.attribution_text()}",
        made=long_date(day, lang, "d MMMM y"),
    )


def render_pdf(html: str) -> bytes:
    """The page laid out as PDF by WeasyPrint (imported on use: a server without it still
    serves everything else)."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango's library is missing
        raise PdfUnavailable(code="pdf_unavailable", values={"reason": str(error)}) from None
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf


def map_sheet(
    session: Session,
    state: AppState,
    indicator: Indicator,
    code: str,
    params: dict[str, str],
    lang: str,
    day: date,
    reader: Reader = ANYONE,
) -> bytes:
    """The PDF page of the map the page shows for `code` (what `map_focus` draws), as
    `reader` sees it (the command line: as anyone does)."""
    index = state.part(TerritoryIndex)
    unit = index.by_code[code]
    focus = map_focus(index, unit)
    level = LAYER_LEVELS[focus.layer]
    body = json.loads(
        values_body(session, state, indicator, level, focus.parent, params, reader).body
    )
    features = state.part(DisplayLayers).features(level)
    parent = index.by_code[focus.parent]
    name = parent.name_ar if lang == "ar" else parent.name_fr
    return render_pdf(sheet_html(body, indicator, features, name, lang, day))
