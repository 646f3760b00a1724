"""An indicator's values over the units of a level inside a parent: the body of the values
route, computed once per (indicator, level, parent, parameters, registry version); the
map's PDF sheet reads the same body."""

from __future__ import annotations

from sqlalchemy.orm import Session

from qurb.indicators.schemas import (
    ClassesRead,
    ClassRangeRead,
    IndicatorValueRead,
    IndicatorValuesRead,
    NearestRead,
    TextRead,
)
from qurb.indicators.service import (
    ANYONE,
    Indicator,
    IndicatorQuery,
    NearestFacility,
    Reader,
    Text,
)
from qurb.platform.cache import CachedBody
from qurb.platform.state import AppState
from qurb.registry.pages import registry_version
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex


def text_read(t: Text) -> TextRead:
    return TextRead(fr=t.fr, ar=t.ar, en=t.en)


def _nearest(n: NearestFacility | None) -> NearestRead | None:
    if n is None:
        return None
    return NearestRead(id=n.id, name=n.name, category=n.category, minutes=n.minutes, km=n.km)


def values_body(
    session: Session,
    state: AppState,
    indicator: Indicator,
    level: TerritoryLevel,
    parent: str,
    params: dict[str, str],
    reader: Reader = ANYONE,
) -> CachedBody:
    """The values response's body (JSON), computed once per indicator, level, parent,
    parameters, registry version and (for an indicator that depends on them) the
    reader's grants (the map's PDF reads the same body)."""
    unit = state.part(TerritoryIndex).by_code[parent]
    version = registry_version(session) if indicator.uses_registry else 0
    follows = indicator.version(session) if indicator.version else None
    key = (
        "indicator",
        indicator.id,
        level,
        parent,
        tuple(sorted(params.items())),
        version,
        follows,
        reader.key,
    )

    def compute() -> CachedBody:
        units = state.part(TerritoryIndex).units_within(unit, level)
        result = indicator.compute(
            IndicatorQuery(session, state.part(TerritoryIndex), unit, level, units, params, reader)
        )
        label, unit_text = indicator.label_and_unit(params, level)
        classes = indicator.classify(result.values.get(u.code) for u in units)
        body = IndicatorValuesRead(
            indicator=indicator.id,
            level=level.value,
            parent=parent,
            params=params,
            label=text_read(label),
            unit=text_read(unit_text),
            values=[
                IndicatorValueRead(
                    code=u.code,
                    name_fr=u.name_fr,
                    name_ar=u.name_ar,
                    value=result.values.get(u.code),
                    note=result.notes.get(u.code)
                    or (None if result.values.get(u.code) is not None else "unknown"),
                    class_index=classes.index_of(result.values.get(u.code)),
                    nearest=_nearest(result.nearest.get(u.code)),
                )
                for u in units
            ],
            known=None if result.known is None else text_read(result.known),
            classes=ClassesRead(
                method=classes.method.value,
                breaks=list(classes.breaks),
                ranges=[
                    ClassRangeRead(low=r.low, high=r.high, count=r.count) for r in classes.ranges
                ],
            ),
        )
        return CachedBody.from_bytes(body.model_dump_json().encode())

    return state.results.get_or_compute(key, compute)
