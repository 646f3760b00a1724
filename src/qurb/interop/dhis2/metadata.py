"""The DHIS2 metadata Qurb exports (`/api/metadata`'s JSON): the territory and facility
tree as organisation units, and the data sets with their data elements and the category
options, categories, combos and option combos of their disaggregations.

Organisation units: the territories by their HCP code (the country `MA`, regions,
provinces, cercles, communes, arrondissements, each under its parent as HCP nests them)
and the facilities by their Qurb id, each under its arrondissement (where it has one) or
its commune. `level` is the depth from the country (1). `geometry` is a facility's point
where its location is its own (the Ministry's, OpenStreetMap's or entered), absent where
Qurb only knows its commune's reference point; territories carry none (their outlines
are not exported). `openingDate`, which DHIS2 requires, is not known to Qurb: 1970-01-01
stands for unknown (the file's `qurb.notes` says so)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from qurb.interop.dhis2.model import (
    DEFAULT_COMBO_UID,
    OPENING_DATE_UNKNOWN,
    PERIOD_TYPES,
    coc_code,
    coc_uid,
    combo_code,
    short_name,
    uid,
)
from qurb.kernel.attribution import Attribution, DataSource
from qurb.registry.model import Facility
from qurb.registry.service import FacilityFilter, list_facilities
from qurb.territory.model import Territory
from qurb.territory.service import TerritoryIndex
from qurb.watch.datasets import available_datasets
from qurb.watch.model import TOTAL, DataElement, DataSet, Disaggregation

NATION = "MA"
BORROWED_LOCATION = "commune_reference"  # a facility located by its commune's point
SOURCES = Attribution.of(DataSource.HCP, DataSource.MINISTRY, DataSource.OSM)
NOTES = (
    "Organisation unit ids are derived from Qurb's codes (SHA-256, see "
    "qurb.interop.dhis2.model); codes are HCP codes for territories and Qurb facility ids "
    "for facilities. openingDate is not known to Qurb: 1970-01-01 stands for unknown. "
    "Facilities located only by their commune's reference point have no geometry."
)


def _ref(kind: str, code: str) -> dict[str, str]:
    return {"id": uid(kind, code)}


def _translations(name_ar: str | None) -> list[dict[str, str]]:
    if not name_ar:
        return []
    return [
        {"property": "NAME", "locale": "ar", "value": name_ar},
        {"property": "SHORT_NAME", "locale": "ar", "value": short_name(name_ar)},
    ]


def _unit(code: str, name: str, name_ar: str | None, parent: str | None, level: int) -> dict:
    unit: dict[str, Any] = {
        "id": uid("ou", code),
        "code": code,
        "name": name,
        "shortName": short_name(name),
        "openingDate": OPENING_DATE_UNKNOWN,
        "level": level,
    }
    if parent is not None:
        unit["parent"] = _ref("ou", parent)
    translations = _translations(name_ar)
    if translations:
        unit["translations"] = translations
    return unit


def _depth(index: TerritoryIndex, code: str) -> int:
    depth, unit = 1, index.by_code[code]
    while unit.parent_code is not None and unit.parent_code in index.by_code:
        depth, unit = depth + 1, index.by_code[unit.parent_code]
    return depth


def _within(index: TerritoryIndex, territory: str) -> list[Territory]:
    """The territory's ancestors (so that a parent is always in the file), itself and its
    descendants, parents before children, by code."""
    root = index.resolve(territory)
    chain: list[Territory] = []
    unit: Territory | None = root
    while unit is not None:
        chain.append(unit)
        unit = index.by_code.get(unit.parent_code) if unit.parent_code else None
    below = [
        t for t in index.by_code.values() if t.code != root.code and _inside(index, t, root.code)
    ]
    return [*reversed(chain), *sorted(below, key=lambda t: (_depth(index, t.code), t.code))]


def _inside(index: TerritoryIndex, unit: Territory, root: str) -> bool:
    code = unit.parent_code
    while code is not None:
        if code == root:
            return True
        parent = index.by_code.get(code)
        code = parent.parent_code if parent else None
    return False


def facility_parent(index: TerritoryIndex, facility: Facility) -> str:
    arrondissement = facility.arrondissement_code
    if arrondissement and arrondissement in index.by_code:
        return arrondissement
    return facility.commune_code


def exported_facilities(
    session: Session, index: TerritoryIndex, territory: str = NATION
) -> list[Facility]:
    """The public facilities of the territory, open or closed, that sit in a known
    commune."""
    found = list_facilities(session, FacilityFilter(territory=territory, status=None), index)
    return [f for f in found if facility_parent(index, f) in index.by_code]


def organisation_units(
    index: TerritoryIndex, facilities: Sequence[Facility], territory: str = NATION
) -> list[dict[str, Any]]:
    units = [
        _unit(t.code, t.name_fr, t.name_ar, t.parent_code, _depth(index, t.code))
        for t in _within(index, territory)
    ]
    for f in sorted(facilities, key=lambda f: f.id):
        parent = facility_parent(index, f)
        unit = _unit(f.id, f.name, f.name_ar, parent, _depth(index, parent) + 1)
        if f.location_source != BORROWED_LOCATION:
            unit["geometry"] = {"type": "Point", "coordinates": [f.lon, f.lat]}
        units.append(unit)
    return units


def _options(axes: Iterable[Disaggregation]) -> dict[str, list[dict[str, Any]]]:
    options, categories = [], []
    for axis in axes:
        for o in axis.options:
            code = f"{axis.id}:{o.code}"
            options.append(
                {"id": uid("co", code), "code": code, "name": o.name_fr, "shortName": o.name_fr}
            )
        categories.append(
            {
                "id": uid("ca", axis.id),
                "code": axis.id,
                "name": axis.name_fr,
                "shortName": axis.name_fr,
                "dataDimensionType": "DISAGGREGATION",
                "categoryOptions": [_ref("co", f"{axis.id}:{o.code}") for o in axis.options],
            }
        )
    return {"categoryOptions": options, "categories": categories}


def _combos(datasets: Sequence[DataSet]) -> dict[str, list[dict[str, Any]]]:
    axes = {a.id: a for d in datasets for a in d.disaggregations}
    combos: dict[str, dict[str, Any]] = {}
    option_combos: dict[str, dict[str, Any]] = {}
    for dataset in datasets:
        for element in dataset.elements:
            combo = combo_code(element)
            if not element.disaggregations or combo in combos:
                continue
            combos[combo] = {
                "id": uid("cc", combo),
                "code": combo,
                "name": " × ".join(axes[a].name_fr for a in element.disaggregations),
                "dataDimensionType": "DISAGGREGATION",
                "categories": [_ref("ca", a) for a in element.disaggregations],
            }
            for cell in dataset.combos[element.code]:
                if cell == TOTAL:
                    continue
                names = {
                    o.code: o.name_fr for a in element.disaggregations for o in axes[a].options
                }
                parts = cell.split("|")
                option_combos[coc_code(combo, cell)] = {
                    "id": coc_uid(combo, cell),
                    "code": coc_code(combo, cell),
                    "name": ", ".join(names[p] for p in parts),
                    "categoryCombo": _ref("cc", combo),
                    "categoryOptions": [
                        _ref("co", f"{a}:{p}")
                        for a, p in zip(element.disaggregations, parts, strict=True)
                    ],
                }
    return {
        **_options(axes.values()),
        "categoryCombos": list(combos.values()),
        "categoryOptionCombos": list(option_combos.values()),
    }


def _element(element: DataElement) -> dict[str, Any]:
    combo = combo_code(element)
    return {
        "id": uid("de", element.code),
        "code": element.code,
        "name": element.name_fr,
        "shortName": short_name(element.name_fr),
        "valueType": "INTEGER_ZERO_OR_POSITIVE",
        "aggregationType": "SUM",
        "domainType": "AGGREGATE",
        "zeroIsSignificant": True,  # a zero report is a report
        "categoryCombo": {
            "id": DEFAULT_COMBO_UID if not element.disaggregations else uid("cc", combo)
        },
        "translations": _translations(element.name_ar),
    }


def _dataset(dataset: DataSet, facilities: Sequence[Facility]) -> dict[str, Any]:
    return {
        "id": uid("ds", dataset.id),
        "code": dataset.id,
        "name": dataset.name_fr,
        "shortName": short_name(dataset.name_fr),
        "periodType": PERIOD_TYPES[dataset.period],
        "expiryDays": 0,
        "timelyDays": dataset.due_days,
        "categoryCombo": {"id": DEFAULT_COMBO_UID},
        "dataSetElements": [
            {"dataSet": _ref("ds", dataset.id), "dataElement": _ref("de", e.code)}
            for e in dataset.elements
        ],
        "organisationUnits": [
            _ref("ou", f.id)
            for f in sorted(facilities, key=lambda f: f.id)
            if dataset.reported_by(f.category)
        ],
        "translations": _translations(dataset.name_ar),
    }


def metadata(session: Session, territory: str = NATION) -> dict[str, Any]:
    """The whole metadata file for a territory (the country by default)."""
    index = TerritoryIndex.from_session(session)
    facilities = exported_facilities(session, index, index.resolve(territory).code)
    datasets = list(available_datasets().values())
    return {
        "qurb": {**SOURCES.members(), "territory": index.resolve(territory).code, "notes": NOTES},
        "organisationUnits": organisation_units(index, facilities, territory),
        **_combos(datasets),
        "dataElements": [_element(e) for d in datasets for e in d.elements],
        "dataSets": [_dataset(d, facilities) for d in datasets],
    }
