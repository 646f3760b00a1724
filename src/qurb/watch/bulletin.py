"""The bulletin of a region or a province: weekly (the notifiable diseases, for a week
`2026W45`) or monthly (mother and child, chronic diseases, for a month `2026-11`), in
French or Arabic (English too): the completeness of the reports, the main counts, the
indicators each with the completeness it is counted from, and the trends as SVG charts
drawn on the server. A printable page (`platform.templating.render`), laid out as PDF by
WeasyPrint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from qurb.kernel.errors import InputError, Unavailable
from qurb.kernel.i18n import LANGS, long_date, number, translate
from qurb.platform.templating import DOCUMENT_CSS_URL, render
from qurb.territory.model import Territory, TerritoryLevel
from qurb.territory.service import TerritoryIndex
from qurb.watch.completeness import UnitCompleteness, compute_completeness
from qurb.watch.datasets import get_dataset
from qurb.watch.figures import (
    IndicatorFigures,
    TrendPoint,
    dataset_indicators,
    element_counts,
    indicator_trend,
)
from qurb.watch.indicator_model import Prevalence
from qurb.watch.model import DataSet, PeriodType, parse_period

TEMPLATES = Path(__file__).resolve().parent / "templates"
WEEKLY = ("mdo",)
MONTHLY = ("mother-child", "chronic")
TREND_PERIODS = {PeriodType.ISO_WEEK: 12, PeriodType.MONTH: 12}
MONTHLY_TRENDS = {
    "mother-child": ("anc1_coverage", "facility_deliveries"),
    "chronic": ("htn_controlled", "dm_controlled"),
}
TOP_DISEASES = 3  # the weekly bulletin draws the trends of the diseases most reported
CHART_W, CHART_H, PAD = 320.0, 110.0, 18.0


class BulletinPdfUnavailable(Unavailable):
    """This server cannot lay out PDF pages (WeasyPrint or its Pango library is missing)."""


@dataclass(frozen=True)
class Chart:
    """A trend as an SVG polyline: its points in the chart's box, the periods shown at
    both ends, the highest value; an unknown period breaks the line."""

    title: str
    segments: tuple[str, ...]  # "x,y x,y …" per run of known values
    dots: tuple[tuple[float, float], ...]
    first: str
    last: str
    top: float | None
    points: tuple[TrendPoint, ...]


@dataclass(frozen=True)
class Section:
    dataset: DataSet
    completeness: UnitCompleteness
    units: tuple[UnitCompleteness, ...]  # one level below the territory
    counts: tuple[tuple[str, str, int, bool], ...]  # code, name, count, single-case alert
    indicators: tuple[IndicatorFigures, ...]
    charts: tuple[Chart, ...] = field(default=())


def chart(title: str, points: Sequence[TrendPoint]) -> Chart:
    """The trend drawn in a CHART_W × CHART_H box (values from 0 to the highest)."""
    known = [p.value for p in points if p.value is not None]
    top = max(known) if known else None
    step = (CHART_W - 2 * PAD) / max(1, len(points) - 1)
    segments: list[list[str]] = [[]]
    dots: list[tuple[float, float]] = []
    for i, p in enumerate(points):
        if p.value is None or top is None:
            if segments[-1]:
                segments.append([])
            continue
        x = round(PAD + i * step, 1)
        y = round(CHART_H - PAD - (p.value / top if top else 0) * (CHART_H - 2 * PAD), 1)
        segments[-1].append(f"{x},{y}")
        dots.append((x, y))
    return Chart(
        title,
        tuple(" ".join(s) for s in segments if len(s) > 1),
        tuple(dots),
        points[0].period if points else "",
        points[-1].period if points else "",
        top,
        tuple(points),
    )


def _name(item: Any, lang: str) -> str:
    return str(getattr(item, f"name_{lang}", None) or item.name_fr)


def _section(
    session: Session,
    index: TerritoryIndex,
    unit: Territory,
    dataset: DataSet,
    period: str,
    lang: str,
    prevalence: Mapping[str, Prevalence],
) -> Section:
    below = (
        TerritoryLevel.PROVINCE if unit.level is TerritoryLevel.REGION else TerritoryLevel.COMMUNE
    )
    done = compute_completeness(session, unit.code, dataset.id, period, index)
    units = tuple(u for u in done.units if u.level == below.value)
    counts = element_counts(session, unit.code, dataset.id, period, index)
    listed = tuple(
        (e.code, _name(e, lang), counts.get(e.code, 0), e.immediate)
        for e in dataset.elements
        if counts.get(e.code) or (e.immediate and e.code in counts)
    )
    indicators = tuple(
        dataset_indicators(session, unit.code, dataset.id, period, below, prevalence, index)
    )
    if dataset.period is PeriodType.ISO_WEEK:
        ranked = sorted((c for c in listed if c[2]), key=lambda c: -c[2])[:TOP_DISEASES]
        trends: list[tuple[str, str | None, str]] = [
            ("incidence", code, name) for code, name, _, _ in ranked
        ]
    else:
        trends = [(i, None, "") for i in MONTHLY_TRENDS.get(dataset.id, ())]
    charts = []
    for indicator, element, name in trends:
        points = indicator_trend(
            session,
            unit.code,
            indicator,
            period,
            TREND_PERIODS[dataset.period],
            element,
            prevalence,
            index,
        )
        charts.append(chart(name or indicator, points))
    return Section(dataset, done.territory, units, listed, indicators, tuple(charts))


@dataclass(frozen=True)
class Bulletin:
    territory: Territory
    period: str
    weekly: bool
    sections: tuple[Section, ...]


def compute_bulletin(
    session: Session,
    territory: str,
    period: str,
    lang: str = "fr",
    prevalence: Mapping[str, Prevalence] | None = None,
    index: TerritoryIndex | None = None,
) -> Bulletin:
    """The bulletin of a region or a province for a week (weekly) or a month (monthly)."""
    index = index or TerritoryIndex.from_session(session)
    unit = index.resolve(territory)
    if unit.level not in (TerritoryLevel.REGION, TerritoryLevel.PROVINCE):
        values = {"code": unit.code, "level": unit.level.value}
        raise InputError(code="bulletin_level", values=values)
    weekly = "W" in period.upper()
    ids = WEEKLY if weekly else MONTHLY
    code = parse_period(period, PeriodType.ISO_WEEK if weekly else PeriodType.MONTH).code
    sections = tuple(
        _section(session, index, unit, get_dataset(d), code, lang, prevalence or {}) for d in ids
    )
    return Bulletin(unit, code, weekly, sections)


def bulletin_html(bulletin: Bulletin, lang: str, day: date, *, served: bool = False) -> str:
    """The bulletin as a printable page in `lang` (fr, ar right to left, en)."""
    if lang not in LANGS:
        raise ValueError(f"no bulletin in {lang!r}")
    unit = bulletin.territory
    return render(
        TEMPLATES,
        "bulletin.html",
        lang=lang,
        stylesheets=[DOCUMENT_CSS_URL] if served else [],
        inline_document_style=not served,
        bulletin=bulletin,
        territory_name=unit.name_ar if lang == "ar" else unit.name_fr,
        name_of=lambda item: _name(item, lang),
        indicator_label=lambda key: translate(lang, f"watch.indicator.{key}"),
        note_label=lambda key: translate(lang, f"bulletin.note.{key}"),
        fmt=lambda value: "—" if value is None else number(value, lang),
        made=long_date(day, lang, "d MMMM y"),
        chart_w=CHART_W,
        chart_h=CHART_H,
        pad=PAD,
    )


def render_pdf(html: str) -> bytes:
    """The page laid out as PDF by WeasyPrint (imported on use)."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango's library is missing
        raise BulletinPdfUnavailable(
            code="pdf_unavailable", values={"reason": str(error)}
        ) from None
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf
