"""The map as a printable page (PDF) for reports and council meetings: the territory's
display polygons drawn as SVG in the choropleth's colours, with its title, legend, date and
sources, in French, Arabic or English; WeasyPrint lays it out (Pango shapes the Arabic).

The values are the values route's own body (`values_body`); the class breaks are taken
through `_breaks` alone."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

from sqlalchemy.orm import Session

from qurb.indicators.service import Indicator
from qurb.indicators.values import values_body
from qurb.kernel.errors import Unavailable
from qurb.kernel.i18n import has_key, long_date, number, translate
from qurb.platform.state import AppState
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
MAP_WIDTH = 1000.0  # SVG user units; the page scales the drawing to its box
MAP_HEIGHT = 820.0


class PdfUnavailable(Unavailable):
    """This server cannot lay out PDF pages (WeasyPrint or its Pango library is missing)."""


def quantile_breaks(values: Iterable[float | None], classes: int = 5) -> list[float]:
    """The map page's quantile breaks (choropleth.js `quantileBreaks`)."""
    known = sorted(v for v in values if v is not None)
    if not known:
        return []
    k = min(classes, len(set(known)))
    breaks: list[float] = []
    for i in range(1, k):
        b = known[(i * len(known)) // k]
        if b not in breaks and (b > known[0] or k == 1):
            breaks.append(b)
    return breaks


def _breaks(body: Mapping[str, Any]) -> list[float]:
    """The class breaks of a values response: its `classes.breaks` when the server chose
    them, else the map page's quantiles of the known values."""
    classes = body.get("classes")
    if isinstance(classes, Mapping) and isinstance(classes.get("breaks"), list):
        return [float(b) for b in classes["breaks"]]
    return quantile_breaks(v["value"] for v in body["values"])


def _method_words(body: Mapping[str, Any], lang: str) -> str:
    classes = body.get("classes")
    method = classes.get("method") if isinstance(classes, Mapping) else None
    if method and has_key(f"legend.method.{method}"):
        return translate(lang, f"legend.method.{method}")
    return translate(lang, "legend.quantiles") if not method else str(method)


def palette(higher_is_better: bool | None, count: int) -> list[str]:
    scale = SCALES["worse"] if higher_is_better is False else SCALES["neutral"]
    if count <= 1:
        return [scale[3]]
    return [scale[round(i * (len(scale) - 1) / (count - 1))] for i in range(count)]


def class_of(value: float, breaks: Sequence[float]) -> int:
    i = 0
    while i < len(breaks) and value >= breaks[i]:
        i += 1
    return i


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
    """The page as HTML (the map an inline SVG); `body` is the values response."""
    values = {v["code"]: v for v in body["values"]}
    breaks = _breaks(body)
    colours = palette(indicator.higher_is_better, len(breaks) + 1)
    drawn = [f for f in features if f["properties"]["code"] in values]
    projection = Projection.fit(drawn) if drawn else None
    paths = []
    for f in drawn:
        entry = values[f["properties"]["code"]]
        if entry["value"] is None:
            fill = NO_FACILITY_COLOUR if entry.get("note") == "no_facility" else HATCH
        else:
            fill = colours[class_of(entry["value"], breaks)]
        name = f["properties"]["name_ar" if lang == "ar" else "name_fr"] or ""
        assert projection is not None
        paths.append(
            f'<path d="{projection.path(f["geometry"])}" fill="{fill}">'
            f"<title>{escape(name)}</title></path>"
        )
    d = indicator.decimals
    known = [v["value"] for v in body["values"] if v["value"] is not None]
    rows = []
    if known:
        edges = [min(known), *breaks, max(known)]
        for i, colour in enumerate(colours[: len(edges) - 1]):
            low, high = _fmt(edges[i], d, lang), _fmt(edges[i + 1], d, lang)
            rows.append((colour, f"{low} – {high}", "ltr"))
    notes = dict.fromkeys(v.get("note") or "unknown" for v in body["values"] if v["value"] is None)
    for note in notes:
        colour = NO_FACILITY_COLOUR if note == "no_facility" else "hatch"
        rows.append((colour, translate(lang, NOTE_KEYS.get(note, "unknown")), "auto"))
    legend = "".join(
        (
            '<li><span class="swatch hatch"></span>'
            if c == "hatch"
            else f'<li><span class="swatch" style="background:{c}"></span>'
        )
        + f'<bdi dir="{direction}">{escape(text)}</bdi></li>'
        for c, text, direction in rows
    )
    title = f"{_label(body['label'], lang)} — {territory_name}"
    level = translate(lang, f"level.{body['level']}")
    unit = _label(body["unit"], lang)
    sources = f"{indicator.source} · {LAYER_SOURCES.attribution_text()}"
    measure = getattr(indicator.measure, lang, "") if indicator.measure else ""
    rtl = lang == "ar"
    return f"""<!doctype html>
<html lang="{lang}" dir="{"rtl" if rtl else "ltr"}"><head><meta charset="utf-8">
<title>{escape(title)}</title>
<style>
@page {{ size: A4 landscape; margin: 12mm; }}
body {{ font-family: "DejaVu Sans", "Noto Sans Arabic", sans-serif; font-size: 9.5pt;
  color: #222; margin: 0; }}
h1 {{ font-size: 16pt; margin: 0 0 1mm; }}
.sub {{ margin: 0 0 3mm; color: #555; }}
.sheet {{ display: flex; gap: 6mm; }}
.map {{ width: 195mm; height: 132mm; }}
.map svg {{ width: 195mm; height: 132mm; }}
.legend {{ flex: 1; }}
.legend h2 {{ font-size: 10.5pt; margin: 0 0 2mm; }}
.legend ul {{ list-style: none; padding: 0; margin: 0; }}
.legend li {{ margin: 0 0 1.5mm; }}
.swatch {{ display: inline-block; width: 7mm; height: 4mm; border: 0.2mm solid #888;
  vertical-align: middle; margin-inline-end: 2mm; }}
.swatch.hatch {{ background: repeating-linear-gradient(45deg, #e0e0e0 0 1mm, #9e9e9e 1mm 1.4mm); }}
footer {{ margin-top: 3mm; font-size: 8pt; color: #444; border-top: 0.3mm solid #bbb;
  padding-top: 2mm; }}
footer p {{ margin: 0 0 1mm; }}
</style></head><body>
<h1>{escape(title)}</h1>
<p class="sub">{escape(unit)} · {escape(level)}</p>
<div class="sheet">
<div class="map"><svg xmlns="http://www.w3.org/2000/svg"
 viewBox="0 0 {MAP_WIDTH:.0f} {MAP_HEIGHT:.0f}" preserveAspectRatio="xMidYMid meet">
<defs><pattern id="hatch" patternUnits="userSpaceOnUse" width="6" height="6"
 patternTransform="rotate(45)"><rect width="6" height="6" fill="#e0e0e0"/>
<line x1="0" y1="0" x2="0" y2="6" stroke="#9e9e9e" stroke-width="2"/></pattern></defs>
<g stroke="#ffffff" stroke-width="1" stroke-linejoin="round">{"".join(paths)}</g></svg></div>
<div class="legend"><h2>{escape(_label(body["label"], lang))}</h2>
<p>{escape(unit)} · {escape(_method_words(body, lang))}</p>
<ul>{legend}</ul>
{f"<p>{escape(measure)}</p>" if measure else ""}</div>
</div>
<footer>
<p>{escape(translate(lang, "map.sheet.sources", {"sources": sources}))}</p>
<p>{escape(translate(lang, "map.sheet.made", {"date": long_date(day, lang, "d MMMM y")}))}
 · {escape(translate(lang, "map.sheet.licences"))} /licences</p>
</footer>
</body></html>
"""


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
) -> bytes:
    """The PDF page of the map the page shows for `code` (what `map_focus` draws)."""
    index = state.part(TerritoryIndex)
    unit = index.by_code[code]
    focus = map_focus(index, unit)
    level = LAYER_LEVELS[focus.layer]
    body = json.loads(values_body(session, state, indicator, level, focus.parent, params).body)
    features = state.part(DisplayLayers).features(level)
    parent = index.by_code[focus.parent]
    name = parent.name_ar if lang == "ar" else parent.name_fr
    return render_pdf(sheet_html(body, indicator, features, name, lang, day))
