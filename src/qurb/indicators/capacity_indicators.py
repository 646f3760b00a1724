"""The map's capacity indicators: public hospital beds and doctors per 10,000 inhabitants,
and the share of facilities whose capacity is known.

A unit's beds (doctors) are a figure only when known for every hospital (facility) that
counts, as in the gaps: a partial sum would read as a shortage. A unit where they are not
is unknown (no class, note `supply_unknown`); one without any hospital has 0 beds, which
is known. Every answer says, for the units shown, how many facilities have the figure
known (`IndicatorResult.known`, the legend's line)."""

from __future__ import annotations

from collections.abc import Callable

from qurb.indicators.service import (
    REGISTRY,
    Indicator,
    IndicatorParam,
    IndicatorQuery,
    IndicatorResult,
    Text,
    register_indicator,
    words,
)
from qurb.norms.gaps import capacity_known
from qurb.norms.model import SupplyMeasure
from qurb.norms.service import NO_SUPPLY, capacity_known_text, read_supply

CAPACITY_SOURCE = f"{REGISTRY}; capacité saisie par les délégations (inconnue par défaut)"
MEASURES = (SupplyMeasure.BEDS, SupplyMeasure.DOCTORS)


def _known_words(measure: SupplyMeasure, known: int, counted: int) -> Text | None:
    texts = [
        capacity_known_text(lang, measure.value, known, counted) for lang in ("fr", "ar", "en")
    ]
    if any(t is None for t in texts):
        return None
    return Text(*(t or "" for t in texts))


def _per_10000(measure: SupplyMeasure) -> Callable[[IndicatorQuery], IndicatorResult]:
    def compute(q: IndicatorQuery) -> IndicatorResult:
        return _compute(q, measure, share=False)

    return compute


def _share_known(q: IndicatorQuery) -> IndicatorResult:
    return _compute(q, SupplyMeasure(q.params["measure"]), share=True)


def _compute(q: IndicatorQuery, measure: SupplyMeasure, share: bool) -> IndicatorResult:
    supply = read_supply(q.session, q.index, q.parent, q.level)
    values: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    counted = known = 0
    for u in q.units:
        unit = supply.get(u.code, NO_SUPPLY)
        part = capacity_known(measure, unit)
        if part is not None:
            counted, known = counted + part.counted, known + part.known
        if share:
            values[u.code] = None if part is None else part.share
            if values[u.code] is None:
                notes[u.code] = "no_facility"
            continue
        total = unit.beds if measure is SupplyMeasure.BEDS else unit.doctors
        if total is None:
            values[u.code], notes[u.code] = None, "supply_unknown"
        elif not u.population_2024:
            values[u.code], notes[u.code] = None, "unknown"
        else:
            values[u.code] = round(10_000 * total / u.population_2024, 1)
    return IndicatorResult(values, notes, known=_known_words(measure, known, counted))


def _measure_choices() -> list[tuple[str, Text]]:
    return [(m.value, words(f"indicator.capacity_measure.{m.value}")) for m in MEASURES]


for _indicator in (
    Indicator(
        "beds_per_10000",
        words("indicator.beds_per_10000"),
        words("indicator.per_10000.unit"),
        CAPACITY_SOURCE,
        _per_10000(SupplyMeasure.BEDS),
        higher_is_better=True,
        decimals=1,
        uses_registry=True,
    ),
    Indicator(
        "doctors_per_10000",
        words("indicator.doctors_per_10000"),
        words("indicator.per_10000.unit"),
        CAPACITY_SOURCE,
        _per_10000(SupplyMeasure.DOCTORS),
        higher_is_better=True,
        decimals=1,
        uses_registry=True,
    ),
    Indicator(
        "capacity_known_share",
        words("indicator.capacity_known_share"),
        words("indicator.percent"),
        CAPACITY_SOURCE,
        _share_known,
        higher_is_better=True,
        decimals=1,
        uses_registry=True,
        params=(
            IndicatorParam(
                "measure", words("indicator.capacity_measure"), "beds", _measure_choices
            ),
        ),
    ),
):
    register_indicator(_indicator)
