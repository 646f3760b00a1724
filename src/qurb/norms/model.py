"""Norm sets: named, versioned rules 'N facilities (or beds, doctors) per P inhabitants'.

A norm set is data (a TOML file with its source); this module gives it a type and checks
it, so a planner can add or edit one without touching code.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qurb.kernel.errors import InputError
from qurb.registry.model import categories
from qurb.territory.model import TerritoryLevel


class PopulationBase(enum.StrEnum):
    """Which population a rule is counted on (all from the HCP census)."""

    TOTAL = "total"
    RURAL = "rural"
    URBAN = "urban"
    CHILDREN_0_4 = "children_0_4"
    WOMEN_15_49 = "women_15_49"
    PEOPLE_60_PLUS = "people_60_plus"
    BIRTHS = "births"


class NormKind(enum.StrEnum):
    """What a norm set's figures are, which decides how a gap to them is worded.

    A norm says what a population needs: a territory under it is short of care ("missing
    3 centres"). A reference ratio is an observed average (the national ratios of *Santé
    en chiffres*): a territory under it is below the average, which says nothing of need
    ("61 centres below the national average"), so its gaps are never called missing or
    unserved.
    """

    NORM = "norm"
    REFERENCE_RATIO = "reference_ratio"


class SupplyMeasure(enum.StrEnum):
    FACILITIES = "facilities"
    BEDS = "beds"
    DOCTORS = "doctors"


class NormError(InputError):
    """A norm file that cannot be used; the message names the file, rule and field."""

    hint = "See `qurb norms` for the available norm sets."


@dataclass(frozen=True)
class NormRule:
    id: str
    label_fr: str
    label_ar: str
    label_en: str
    population: PopulationBase
    per_population: float
    facilities: float  # how many units of supply each `per_population` people need
    supply: SupplyMeasure
    categories: frozenset[str]  # empty = any category (within families)
    families: frozenset[str]  # empty = any public family
    services_any: frozenset[str]  # empty = no service condition
    scale: TerritoryLevel  # the smallest level at which the rule is meaningful
    missing_category: str  # what a missing unit would be, for the gap table

    def counts(self, category_code: str, services: frozenset[str] | None = None) -> bool:
        """Does a facility of this category count towards the rule's supply? `services`:
        the facility's own services (default: its category's)."""
        spec = categories()[category_code]
        if self.categories and category_code not in self.categories:
            return False
        if self.families and spec.family not in self.families:
            return False
        offered = spec.services if services is None else services
        return not (self.services_any and not (offered & self.services_any))


@dataclass(frozen=True)
class NormSet:
    id: str
    version: str
    name_fr: str
    name_ar: str
    name_en: str
    source: str
    kind: NormKind
    rules: tuple[NormRule, ...]
    notes: str = ""


def _field(data: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if key not in data:
        raise NormError(code="norm_missing_field", values={"where": where, "key": key})
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        values = {"where": where, "key": key, "type": type(value).__name__}
        raise NormError(code="norm_wrong_type", values=values)
    return value


def _codes(data: Mapping[str, Any], key: str, where: str, known: set[str]) -> frozenset[str]:
    values = data.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise NormError(code="norm_not_strings", values={"where": where, "key": key})
    unknown = sorted(set(values) - known)
    if unknown:
        values = {"where": where, "key": key, "unknown": unknown, "known": sorted(known)}
        raise NormError(code="norm_unknown_values", values=values)
    return frozenset(values)


def _enum(data: Mapping[str, Any], key: str, where: str, kind: type[enum.StrEnum]) -> Any:
    raw = data.get(key)
    try:
        return kind(str(raw))
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        values = {"where": where, "key": key, "value": repr(raw), "allowed": allowed}
        raise NormError(code="norm_not_one_of", values=values) from None


def norm_set_from_mapping(data: Mapping[str, Any], origin: str) -> NormSet:
    """Check a parsed norm file and build the NormSet; `origin` names the file in errors."""
    known_categories = set(categories())
    known_families = {c.family for c in categories().values()}
    known_services = {s for c in categories().values() for s in c.services}
    rules_raw = data.get("rule", [])
    if not isinstance(rules_raw, list) or not rules_raw:
        raise NormError(code="norm_no_rule", values={"where": origin})
    rules: list[NormRule] = []
    seen: set[str] = set()
    for index, raw in enumerate(rules_raw, start=1):
        where = f"{origin}, rule {index}"
        rule_id = _field(raw, "id", where, str)
        where = f"{origin}, rule {index} ('{rule_id}')"
        if rule_id in seen:
            raise NormError(code="norm_duplicate_rule", values={"where": where})
        seen.add(rule_id)
        per = float(_field(raw, "per_population", where, (int, float)))
        amount_raw = raw.get("facilities", 1)
        if not isinstance(amount_raw, int | float) or isinstance(amount_raw, bool):
            raise NormError(code="norm_facilities_not_number", values={"where": where})
        amount = float(amount_raw)
        if per <= 0 or amount <= 0:
            raise NormError(code="norm_not_positive", values={"where": where})
        supply = _enum({"supply": raw.get("supply", "facilities")}, "supply", where, SupplyMeasure)
        rule_categories = _codes(raw, "categories", where, known_categories)
        families = _codes(raw, "families", where, known_families)
        services = _codes(raw, "services_any", where, known_services)
        if supply is SupplyMeasure.FACILITIES and not (rule_categories or services or families):
            raise NormError(code="norm_no_selection", values={"where": where})
        label_fr = _field(raw, "label_fr", where, str)
        rules.append(
            NormRule(
                id=rule_id,
                label_fr=label_fr,
                label_ar=str(raw.get("label_ar", label_fr)),
                label_en=str(raw.get("label_en", label_fr)),
                population=_enum(raw, "population", where, PopulationBase),
                per_population=per,
                facilities=amount,
                supply=supply,
                categories=rule_categories,
                families=families,
                services_any=services,
                scale=_enum({"scale": raw.get("scale", "commune")}, "scale", where, TerritoryLevel),
                missing_category=str(
                    raw.get("missing_category", next(iter(sorted(rule_categories)), ""))
                ),
            )
        )
    name_fr = _field(data, "name_fr", origin, str)
    if "kind" not in data:
        values = {"where": origin, "allowed": [k.value for k in NormKind]}
        raise NormError(code="norm_missing_kind", values=values)
    kind = _enum(data, "kind", origin, NormKind)
    return NormSet(
        id=_field(data, "id", origin, str),
        version=str(_field(data, "version", origin, (str, int))),
        name_fr=name_fr,
        name_ar=str(data.get("name_ar", name_fr)),
        name_en=str(data.get("name_en", name_fr)),
        source=_field(data, "source", origin, str),
        kind=kind,
        notes=str(data.get("notes", "")).strip(),
        rules=tuple(rules),
    )
