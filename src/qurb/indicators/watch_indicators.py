"""The periodic reports' indicators on the map's choropleth (incidence per 100,000 of a
notifiable disease, antenatal coverage, deliveries in facilities, children under 5 seen,
chronic patients followed, controlled and covered), for a period chosen among the latest
ones; computed by `qurb.watch.figures` (one query of the reports per layer) and kept until
a report, a caravan record or the registry changes. The trend of one territory, for the
panel, is `GET /api/watch/trend`. Registered in the one registry (`service.INDICATORS`)."""

from __future__ import annotations

from collections.abc import Callable

from qurb.identity.permissions import Permission
from qurb.indicators.service import (
    Indicator,
    IndicatorParam,
    IndicatorQuery,
    IndicatorResult,
    Text,
    register_indicator,
    words,
)
from qurb.kernel import clock
from qurb.kernel.i18n import LANGS, translate
from qurb.watch.datasets import configured_prevalence, get_dataset
from qurb.watch.figures import LEVELS, compute_indicator, recent_periods, reports_version
from qurb.watch.indicator_model import WATCH_INDICATORS, WatchIndicator

PERIODS_OFFERED = 24  # the latest months (or weeks) a period can be chosen among
SOURCE = "Qurb, rapports périodiques des établissements; HCP, RGPH 2024; relevés des caravanes"
UNITS = {
    100_000: words("watch.unit.per_100000"),
    100: words("indicator.percent"),
    1_000: words("watch.unit.per_1000"),
}


def _period_choices() -> list[tuple[str, Text]]:
    """The period counted back from the latest one over (0: the latest), so that the
    choices do not move with the day."""
    return [("0", words("indicator.period.latest"))] + [
        (
            str(n),
            Text(*(translate(lang, "indicator.period.before", {"count": n}) for lang in LANGS)),
        )
        for n in range(1, PERIODS_OFFERED)
    ]


def _disease_choices() -> list[tuple[str, Text]]:
    return [(e.code, Text(e.name_fr, e.name_ar, e.name_en)) for e in get_dataset("mdo").elements]


def _period(ind: WatchIndicator, back: str) -> str:
    kind = get_dataset(ind.dataset).period
    return recent_periods(kind, clock.now().date(), int(back) + 1)[-1]


def _compute(ind: WatchIndicator) -> Callable[[IndicatorQuery], IndicatorResult]:
    def compute(q: IndicatorQuery) -> IndicatorResult:
        if q.level not in LEVELS:
            return IndicatorResult(
                {u.code: None for u in q.units}, {u.code: "not_evaluated" for u in q.units}
            )
        figures = compute_indicator(
            q.session,
            q.parent.code,
            ind.id,
            _period(ind, q.params["period"]),
            q.level,
            q.params.get("disease"),
            configured_prevalence(),
            q.index,
        )
        values = {u.code: u.value for u in figures.units}
        notes = {u.code: u.note or "unknown" for u in figures.units if u.value is None}
        return IndicatorResult(values, notes)

    return compute


def _indicator(ind: WatchIndicator) -> Indicator:
    params = [IndicatorParam("period", words("indicator.period"), "0", _period_choices)]
    if not ind.numerator:
        params.append(
            IndicatorParam("disease", words("indicator.disease"), "measles", _disease_choices)
        )
    return Indicator(
        f"watch_{ind.id}",
        words(f"watch.indicator.{ind.id}"),
        UNITS[ind.per],
        SOURCE,
        _compute(ind),
        higher_is_better=None if ind.id == "incidence" else True,
        decimals=2,
        uses_registry=True,
        params=tuple(params),
        version=reports_version,
        permission=Permission.REPORTS_READ,
    )


for _watch in WATCH_INDICATORS:
    register_indicator(_indicator(_watch))
