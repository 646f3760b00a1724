"""Which communes a campaign should visit first: the candidates of its territory, their
priority (`priority.compute_priority`) from the access analysis (population beyond the
threshold of the nearest ESSP), the census (rural share, age structure, households'
distance to a paved road) and the norm gap, and the attendance expected per specialty."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from qurb.access.service import compute_access
from qurb.algo.travel import TravelTimeModel
from qurb.caravans.catalogue import caravan_catalogue, specialties
from qurb.caravans.model import CampaignError, CampaignSpec
from qurb.caravans.priority import (
    PARTS,
    Priority,
    PriorityInputs,
    compute_priority,
    expected_attendance,
)
from qurb.norms.model import NormKind
from qurb.norms.norm_sets import resolve_norm_sets
from qurb.norms.service import compute_territory_gaps
from qurb.registry.points import FacilitySelector
from qurb.territory.census import AGE_BANDS
from qurb.territory.geography import CensusLines, read_census_lines_2024
from qurb.territory.model import Territory, TerritoryLevel
from qurb.territory.service import TerritoryIndex, TerritoryNotFound


def compute_group_sizes(lines: CensusLines) -> dict[str, dict[str, float]]:
    """People per caravan population group (caravan.toml) in each commune, from the HCP
    2024 age bands (percentages of the municipal population; women's bands of the female
    population)."""
    groups = caravan_catalogue()["groups"]
    out: dict[str, dict[str, float]] = {}
    for code, by_key in lines.items():
        sizes = {}
        for name, group in groups.items():
            figures = by_key.get(("total", "female" if group["sex"] == "female" else "all"), {})
            people = float(figures.get("population_municipal") or 0.0)
            bands = AGE_BANDS if group["bands"] == "all" else group["bands"]
            share = sum(float(figures.get(b) or 0.0) for b in bands) / 100.0
            sizes[name] = people if group["bands"] == "all" else people * share
        out[code] = sizes
    return out


def _commune_figures(lines: CensusLines) -> dict[str, dict[str, float]]:
    """Rural share (of the legal population), households' paved-road km and the shares of
    the priority's age groups (of the municipal population); nan = unknown."""
    sizes = compute_group_sizes(lines)
    out: dict[str, dict[str, float]] = {}
    for code, by_key in lines.items():
        total = by_key.get(("total", "all"), {})
        legal = float(total.get("population_legal") or 0.0)
        rural = float(by_key.get(("rural", "all"), {}).get("population_legal") or 0.0)
        paved = total.get("households_distance_to_paved_road_km")
        municipal = sizes[code]["total"]
        row = {
            "rural_share": rural / legal if legal > 0 else np.nan,
            "paved_road_km": np.nan if paved is None else float(paved),
        }
        for group in ("children_0_4", "women_15_49", "people_60_plus"):
            row[group] = sizes[code][group] / municipal if municipal > 0 else np.nan
        out[code] = row
    return out


def candidate_communes(
    index: TerritoryIndex, territory: Territory, spec: CampaignSpec
) -> list[Territory]:
    communes = [
        c
        for c in index.communes_within(territory)
        if c.ref_lon is not None and (spec.communes == "all" or c.kind == "rural")
    ]
    if not communes:
        values = {"name": territory.name_fr, "code": territory.code}
        raise CampaignError(
            code="no_rural_commune" if spec.communes == "rural" else "no_commune", values=values
        )
    return communes


def resolve_codes(
    index: TerritoryIndex, names: Sequence[str], field: str, within: set[str]
) -> list[str]:
    out = []
    for i, name in enumerate(names):
        try:
            commune = index.resolve(name)
        except TerritoryNotFound as exc:  # name the field
            values = {"field": f"{field}[{i}]", "cause": exc}
            raise CampaignError(code="in_field", values=values) from None
        if commune.code not in within:
            values = {"field": f"{field}[{i}]", "name": commune.name_fr, "code": commune.code}
            raise CampaignError(code="not_a_candidate_commune", values=values)
        out.append(commune.code)
    return out


@dataclass(frozen=True)
class PriorityReport:
    territory: Territory
    communes: list[Territory]
    priorities: list[Priority]
    expected: dict[str, dict[str, float]]  # code → specialty → patients
    minutes: dict[str, float | None]  # to the nearest ESSP
    forced_in: list[str]
    forced_out: list[str]


def compute_campaign_priority(
    session: Session,
    spec: CampaignSpec,
    model: TravelTimeModel,
    index: TerritoryIndex | None = None,
) -> PriorityReport:
    index = index or TerritoryIndex.from_session(session)
    try:
        territory = index.resolve(spec.territory)
    except TerritoryNotFound as exc:
        raise CampaignError(code="in_field", values={"field": "territory", "cause": exc}) from None
    communes = candidate_communes(index, territory, spec)
    codes = [c.code for c in communes]
    within = set(codes)
    forced_in = resolve_codes(index, spec.force_in, "force_in", within)
    forced_out = resolve_codes(index, spec.force_out, "force_out", within)
    threshold = float(spec.setting("threshold_minutes"))
    access = compute_access(
        session, territory, FacilitySelector(("primary",)), model, (threshold,), index
    )
    minutes = {r["code"]: r["minutes"] for r in access.rows}
    population = {c.code: float(c.population_2024 or 0) for c in communes}
    beyond = np.array(
        [population[c] if minutes.get(c) is None or minutes[c] > threshold else 0.0 for c in codes]
    )
    lines: CensusLines = {code: {} for code in codes} | read_census_lines_2024(session, codes)
    shares = _commune_figures(lines)
    gap = _norm_gap_share(session, territory, str(spec.setting("norm")), codes)
    values = {
        "beyond_threshold": beyond,
        "rural_share": np.array([shares[c].get("rural_share", np.nan) for c in codes]),
        "paved_road_km": np.array([shares[c].get("paved_road_km", np.nan) for c in codes]),
        "norm_gap": np.array([gap.get(c, np.nan) for c in codes]),
        "children_0_4": np.array([shares[c].get("children_0_4", np.nan) for c in codes]),
        "women_15_49": np.array([shares[c].get("women_15_49", np.nan) for c in codes]),
        "people_60_plus": np.array([shares[c].get("people_60_plus", np.nan) for c in codes]),
    }
    assert set(values) == set(PARTS)
    priorities = compute_priority(PriorityInputs(tuple(codes), values), spec.weight_values())
    groups = compute_group_sizes(lines)
    catalogue = specialties()
    specialty_groups = {s: catalogue[s]["group"] for s in catalogue}
    rates = spec.attendance_rates()
    expected = {
        c: expected_attendance(groups[c], specialty_groups, rates, spec.specialties) for c in codes
    }
    return PriorityReport(territory, communes, priorities, expected, minutes, forced_in, forced_out)


def priority_norm_kind(spec: CampaignSpec) -> NormKind:
    """The kind of the norm set of the priority's gap part (settings.norm "set/rule"): the
    bundled default is a national average ratio, whose gap is not care missing."""
    set_id = str(spec.setting("norm")).partition("/")[0]
    try:
        return resolve_norm_sets([set_id])[0].kind
    except ValueError as exc:
        raise CampaignError(
            code="in_field", values={"field": "settings.norm", "cause": exc}
        ) from None


def _norm_gap_share(
    session: Session, territory: Territory, norm: str, codes: Sequence[str]
) -> dict[str, float]:
    """Share of each commune's population beyond the reach of `norm` ("set/rule"): unserved
    under a norm, beyond the average ratio under a reference ratio."""
    set_id, _, rule_id = norm.partition("/")
    try:
        norm_set = resolve_norm_sets([set_id])[0]
    except ValueError as exc:
        raise CampaignError(
            code="in_field", values={"field": "settings.norm", "cause": exc}
        ) from None
    if rule_id not in {r.id for r in norm_set.rules}:
        values = {"set": set_id, "rule": repr(rule_id), "rules": [r.id for r in norm_set.rules]}
        raise CampaignError(code="no_norm_rule", values=values)
    report = compute_territory_gaps(session, territory.code, [norm_set], TerritoryLevel.COMMUNE)
    wanted = set(codes)
    out = {}
    for line in report.lines:
        if line.rule == rule_id and line.code in wanted and line.population > 0:
            unserved = line.unserved_population
            out[line.code] = np.nan if unserved is None else float(unserved) / line.population
    return out
