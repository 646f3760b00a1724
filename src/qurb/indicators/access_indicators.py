"""The access indicators of the choropleth: the share of the population beyond a travel
time or within a distance band of the nearest facility, and the minutes and km to it, on
the bundled commune-graph model. Registered in the one registry (`service.INDICATORS`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from qurb.algo.classes import ClassMethod
from qurb.indicators.service import (
    Indicator,
    IndicatorParam,
    IndicatorQuery,
    IndicatorResult,
    NearestFacility,
    Text,
    register_indicator,
    words,
)
from qurb.kernel.i18n import translate
from qurb.territory.model import TerritoryLevel


def _access_choices() -> list[tuple[str, Text]]:
    return [
        ("primary", words("indicator.offer.primary")),
        (
            "secondary",
            words("indicator.offer.secondary"),
        ),
        ("tertiary", words("indicator.offer.tertiary")),
        (
            "specialty",
            words("indicator.offer.specialty"),
        ),
    ]


def _commune_graph_measure() -> Text:
    """What the bundled model's minutes and km measure (the model's own words)."""
    from qurb.algo.commune_graph import COMMUNE_GRAPH_MEASURE as m

    return Text(m.fr, m.ar, m.en)


def _threshold_choices() -> list[tuple[str, Text]]:
    return [
        (m, Text(*(translate(lang, "unit.minutes", {"n": m}) for lang in ("fr", "ar", "en"))))
        for m in ("30", "60", "120")
    ]


def _beyond(q: IndicatorQuery) -> IndicatorResult:
    """Share of the population living beyond the threshold from the nearest facility of the
    level, on the bundled commune-graph model (coarse: no roads), aggregated to the units."""
    from qurb.access.service import compute_access
    from qurb.registry.points import FacilitySelector
    from qurb.territory.travel import commune_graph_model

    threshold = float(q.params["minutes"])
    report = compute_access(
        q.session,
        q.parent,
        (
            FacilitySelector(tier="specialty")
            if q.params["offer"] == "specialty"
            else FacilitySelector.from_options((q.params["offer"],))
        ),
        commune_graph_model(q.session),
        [threshold],
        q.index,
    )
    return _population_share(
        q,
        report.rows,
        lambda row: row["minutes"] is None or row["minutes"] > threshold,
    )


def _population_share(
    q: IndicatorQuery,
    rows: list[dict[str, Any]],
    selected: Callable[[dict[str, Any]], bool],
) -> IndicatorResult:
    """Per unit, the share (%) of the population of its communes (`rows`: one per commune,
    with `code` and `population`) that `selected` keeps; communes with no census figure
    count in neither part, and a unit without any is unknown."""
    population: dict[str, float] = {}
    kept: dict[str, float] = {}
    for row in rows:
        if row["population"] is None:
            continue
        unit = q.index.ancestor_at(row["code"], q.level) or q.index.by_code[row["code"]]
        population[unit.code] = population.get(unit.code, 0.0) + row["population"]
        kept[unit.code] = kept.get(unit.code, 0.0) + (row["population"] if selected(row) else 0.0)
    values: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    for u in q.units:
        if population.get(u.code):
            values[u.code] = round(100 * kept[u.code] / population[u.code], 1)
        else:
            values[u.code], notes[u.code] = None, "unknown"
    return IndicatorResult(values, notes)


register_indicator(
    Indicator(
        "share_beyond_minutes",
        words("indicator.population_beyond_threshold"),
        words("indicator.percent"),
        "HCP, RGPH 2024; registre Qurb; modèle commune-graph (grossier, sans routes)",
        _beyond,
        higher_is_better=False,
        decimals=1,
        uses_registry=True,
        measure=_commune_graph_measure(),
        params=(
            IndicatorParam("offer", words("indicator.offer"), "primary", _access_choices),
            IndicatorParam("minutes", words("indicator.threshold"), "60", _threshold_choices),
        ),
    )
)


# The Ministry's distance indicator: population per band of km to the nearest ESSP.
def _distance_band_choices() -> list[tuple[str, Text]]:
    return [
        ("within_5_km", words("indicator.band.within_5_km")),
        ("5_to_10_km", words("indicator.band.5_to_10_km")),
        ("beyond_10_km", words("indicator.band.beyond_10_km")),
    ]


def _distance_band_share(q: IndicatorQuery) -> IndicatorResult:
    """Share of the population whose commune lies in the chosen distance band from the
    nearest ESSP (the model's km, legs inside the communes included), per unit. A whole
    commune falls in one band."""
    from qurb.access.service import ESSP_SELECTOR, compute_distance_access
    from qurb.algo.accessibility import distance_band_keys, distance_band_labels
    from qurb.territory.travel import commune_graph_model

    report = compute_distance_access(
        q.session, q.parent, commune_graph_model(q.session), ESSP_SELECTOR, index=q.index
    )
    band = distance_band_keys(report.bands_km).index(q.params["band"])
    label = distance_band_labels(report.bands_km)[band]
    # Communes with no census figure are in no band (and in neither part of the share).
    return _population_share(q, report.rows, lambda row: row["band"] == label)


register_indicator(
    Indicator(
        "essp_distance_band_share",
        words("indicator.population_by_distance"),
        words("indicator.percent"),
        "HCP, RGPH 2024; registre Qurb; km du modèle commune-graph (trajets dans les communes "
        "compris) ; une commune entière tombe dans une seule tranche",
        _distance_band_share,
        higher_is_better=None,
        decimals=1,
        uses_registry=True,
        measure=_commune_graph_measure(),
        params=(
            IndicatorParam(
                "band",
                words("indicator.band"),
                "beyond_10_km",
                _distance_band_choices,
            ),
        ),
    )
)


# Minutes and km to the nearest facility of an offer: per commune the access figures
# (`GET /api/access/{code}?level=<offer>`), above it their population-weighted mean.
NEAREST_OFFERS = {
    "primary": (
        words("indicator.minutes_to_nearest.primary"),
        words("indicator.km_to_nearest.primary"),
    ),
    "secondary": (
        words("indicator.minutes_to_nearest.secondary"),
        words("indicator.km_to_nearest.secondary"),
    ),
}


def _nearest_offer_choices() -> list[tuple[str, Text]]:
    return [(offer, words(f"indicator.offer.{offer}")) for offer in NEAREST_OFFERS]


def _nearest_words(which: int, unit: Text) -> Callable[..., tuple[Text, Text]]:
    """Label (by offer; "population-weighted mean of the communes" above them) and unit."""

    def worded(params: Mapping[str, str], level: TerritoryLevel | None) -> tuple[Text, Text]:
        label = NEAREST_OFFERS[params["offer"]][which]
        if level is None or level is TerritoryLevel.COMMUNE:
            return label, unit
        mean = Text(
            *(
                translate(lang, "indicator.weighted_mean_of_communes", {"label": text})
                for lang, text in zip(
                    ("fr", "ar", "en"), (label.fr, label.ar, label.en), strict=True
                )
            )
        )
        return mean, unit

    return worded


def _to_nearest(column: str) -> Callable[[IndicatorQuery], IndicatorResult]:
    def compute(q: IndicatorQuery) -> IndicatorResult:
        """Per commune its modelled `column` to the nearest facility of the offer, the same
        call as the access route; per province or region the mean of its communes' figures
        weighted by their population (unknown if a populated commune reaches none)."""
        from qurb.access.service import compute_access
        from qurb.registry.points import FacilitySelector
        from qurb.territory.travel import commune_graph_model

        report = compute_access(
            q.session,
            q.parent,
            FacilitySelector.from_options((q.params["offer"],)),
            commune_graph_model(q.session),
            index=q.index,
        )
        values: dict[str, float | None] = {}
        notes: dict[str, str] = {}
        nearest: dict[str, NearestFacility] = {}
        if q.level is TerritoryLevel.COMMUNE:
            rows = {row["code"]: row for row in report.rows}
            for u in q.units:
                row = rows.get(u.code)
                values[u.code] = None if row is None else row[column]
                if values[u.code] is None:
                    notes[u.code] = "unknown"
                if row is not None and row["facility_id"] is not None:
                    nearest[u.code] = NearestFacility(
                        row["facility_id"],
                        row["facility"],
                        row["category"],
                        row["minutes"],
                        row["distance_km"],
                    )
            return IndicatorResult(values, notes, nearest)
        weighted: dict[str, float] = {}
        population: dict[str, float] = {}
        unreached: set[str] = set()
        for row in report.rows:
            if not row["population"]:
                continue
            unit = q.index.ancestor_at(row["code"], q.level)
            if unit is None:
                continue
            if row[column] is None:
                unreached.add(unit.code)
                continue
            population[unit.code] = population.get(unit.code, 0.0) + row["population"]
            weighted[unit.code] = weighted.get(unit.code, 0.0) + row["population"] * row[column]
        for u in q.units:
            if u.code in unreached or not population.get(u.code):
                values[u.code], notes[u.code] = None, "unknown"
            else:
                values[u.code] = round(weighted[u.code] / population[u.code], 1)
        return IndicatorResult(values, notes)

    return compute


NEAREST_SOURCE = "HCP, RGPH 2024; registre Qurb; modèle commune-graph (grossier, sans routes)"

for _indicator in (
    Indicator(
        "minutes_to_nearest",
        NEAREST_OFFERS["secondary"][0],
        words("indicator.minutes"),
        NEAREST_SOURCE,
        _to_nearest("minutes"),
        higher_is_better=False,
        decimals=1,
        uses_registry=True,
        measure=_commune_graph_measure(),
        worded=_nearest_words(0, words("indicator.minutes")),
        classes=ClassMethod.BANDS,
        edges=(30.0, 60.0, 120.0),
        params=(
            IndicatorParam("offer", words("indicator.offer"), "secondary", _nearest_offer_choices),
        ),
    ),
    Indicator(
        "km_to_nearest",
        NEAREST_OFFERS["secondary"][1],
        words("indicator.km"),
        NEAREST_SOURCE + " ; km trajets dans les communes compris",
        _to_nearest("distance_km"),
        higher_is_better=False,
        decimals=1,
        uses_registry=True,
        measure=_commune_graph_measure(),
        worded=_nearest_words(1, words("indicator.km")),
        classes=ClassMethod.BANDS,
        edges=(5.0, 10.0, 20.0),  # the Ministry's distance bands are 5 and 10 km
        params=(
            IndicatorParam("offer", words("indicator.offer"), "secondary", _nearest_offer_choices),
        ),
    ),
):
    register_indicator(_indicator)
