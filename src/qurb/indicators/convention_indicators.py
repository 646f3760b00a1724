"""The partnership conventions on the map's choropleth: money committed (or valued in
kind) per inhabitant of each unit, beside the norm gaps and access layers, so that a
planner sees whether the money goes where the gaps are.

The figure is the conventions' layer (`qurb.conventions.views.layer_units`): each
convention's known committed money spread over the territories it covers by their 2024
census population (the words `conventions.spread_rule`, shown as the legend's measure),
÷ the unit's population. It is drawn from the conventions the reader may see (the
published ones, and those its `conventions.read` grants reach: `widened_by`), kept per
reader's grants and until a convention or its money changes. A unit no visible convention
covers has no figure ("no_convention"), never 0; one whose covering conventions' amounts
are all unknown is unknown. Registered in the one registry (`service.INDICATORS`)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from qurb.conventions.views import LayerUnit, layer_units
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
from qurb.territory.model import TerritoryLevel

SOURCE = "Qurb, conventions de partenariat (montants engagés et valorisations); HCP, RGPH 2024"
# The audit kinds whose writes change the figure: a convention (its territories, status,
# publication) and its contributions.
FOLLOWS = ("convention", "contribution")
MONEY, IN_KIND = "money", "in_kind"


def _choices() -> list[tuple[str, Text]]:
    return [
        (MONEY, words("indicator.conventions.money")),
        (IN_KIND, words("indicator.conventions.in_kind")),
    ]


def _worded(params: Mapping[str, str], _: TerritoryLevel | None) -> tuple[Text, Text]:
    if params.get("contribution") == IN_KIND:
        return words("indicator.conventions.in_kind_per_inhabitant"), words(
            "indicator.conventions.unit"
        )
    return words("indicator.conventions.money_per_inhabitant"), words("indicator.conventions.unit")


def conventions_version(session: Session) -> tuple[int, ...]:
    """The audit heads of the conventions and their contributions."""
    from qurb.audit.service import last_seq

    return tuple(last_seq(session, kind) for kind in FOLLOWS)


def _figure(unit: LayerUnit | None, contribution: str) -> tuple[float | None, str | None]:
    """The unit's value per inhabitant and, without one, why."""
    if unit is None or unit.conventions == 0:
        return None, "no_convention"
    t = unit.attributed
    known, unknown = (
        (t.in_kind_mad, t.unknown_in_kind)
        if contribution == IN_KIND
        else (t.committed_mad, t.unknown_commitments)
    )
    per = unit.in_kind_per_inhabitant if contribution == IN_KIND else unit.committed_per_inhabitant
    if per is None or (known == 0 and unknown):
        return None, "unknown"
    return float(per), None


def _compute(q: IndicatorQuery) -> IndicatorResult:
    units = layer_units(q.session, q.index, q.parent, q.units, q.reader.allows)
    by_code = {u.code: u for u in units}
    values: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    for u in q.units:
        value, note = _figure(by_code.get(u.code), q.params["contribution"])
        values[u.code] = value
        if note:
            notes[u.code] = note
    return IndicatorResult(values, notes)


register_indicator(
    Indicator(
        "conventions_per_inhabitant",
        words("indicator.conventions.money_per_inhabitant"),
        words("indicator.conventions.unit"),
        SOURCE,
        _compute,
        higher_is_better=None,
        decimals=2,
        params=(
            IndicatorParam("contribution", words("indicator.conventions.kind"), MONEY, _choices),
        ),
        measure=words("conventions.spread_rule"),
        worded=_worded,
        version=conventions_version,
        widened_by=Permission.CONVENTIONS_READ,
    )
)
