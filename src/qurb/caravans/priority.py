"""Which communes a caravan should visit first: a priority score a planner can read.

Each part is a commune figure scaled to 0..1 over the campaign's candidate communes
(divided by the largest value among them, so 1 is "the most of all candidates"); the score
is the weighted mean of the parts, so it lies in 0..1 and each part's contribution is
weight × scaled value / sum of weights. An unknown figure scores 0 and is flagged.

Expected attendance per specialty is the commune's target group (children, women 15-49,
adults 40+, …) times the specialty's attendance rate (a planning assumption).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

PARTS = (
    "beyond_threshold",
    "rural_share",
    "paved_road_km",
    "norm_gap",
    "children_0_4",
    "women_15_49",
    "people_60_plus",
)


@dataclass(frozen=True)
class PriorityInputs:
    """One array per part, one value per candidate commune; nan = unknown.

    beyond_threshold: people living beyond the travel threshold of the nearest ESSP;
    rural_share, children_0_4, women_15_49, people_60_plus: fractions of the population;
    paved_road_km: households' mean distance to a paved road (km); norm_gap: fraction of
    the population unserved under the chosen norm.
    """

    codes: tuple[str, ...]
    values: Mapping[str, np.ndarray]


@dataclass(frozen=True)
class PriorityPart:
    name: str
    value: float | None  # the commune's figure (None = unknown)
    scaled: float  # 0..1 over the candidates
    weight: float
    contribution: float  # weight × scaled / sum of weights


@dataclass(frozen=True)
class Priority:
    code: str
    score: float  # 0..1
    rank: int  # 1 = highest
    parts: tuple[PriorityPart, ...]


def compute_priority(inputs: PriorityInputs, weights: Mapping[str, float]) -> list[Priority]:
    """Scores of the candidates, highest first (ties by code, so the order is stable)."""
    n = len(inputs.codes)
    total_weight = float(sum(weights.get(p, 0.0) for p in PARTS))
    if total_weight <= 0:
        raise ValueError("at least one weight must be > 0")
    scaled: dict[str, np.ndarray] = {}
    for part in PARTS:
        raw = np.asarray(inputs.values.get(part, np.full(n, np.nan)), float)
        if raw.shape != (n,):
            raise ValueError(f"{part}: {raw.shape[0]} values for {n} communes")
        known = np.where(np.isfinite(raw), np.maximum(raw, 0.0), 0.0)
        top = known.max(initial=0.0)
        scaled[part] = known / top if top > 0 else np.zeros(n)
    score = sum(weights.get(p, 0.0) * scaled[p] for p in PARTS) / total_weight
    score = np.asarray(score, float)
    order = sorted(range(n), key=lambda i: (-score[i], inputs.codes[i]))
    out = []
    for rank, i in enumerate(order, start=1):
        parts = []
        for p in PARTS:
            raw_value = float(np.asarray(inputs.values.get(p, np.full(n, np.nan)), float)[i])
            w = float(weights.get(p, 0.0))
            parts.append(
                PriorityPart(
                    p,
                    raw_value if np.isfinite(raw_value) else None,
                    float(scaled[p][i]),
                    w,
                    w * float(scaled[p][i]) / total_weight,
                )
            )
        out.append(Priority(inputs.codes[i], float(score[i]), rank, tuple(parts)))
    return out


def expected_attendance(
    groups: Mapping[str, float],
    specialty_groups: Mapping[str, str],
    rates: Mapping[str, float],
    specialties: Sequence[str],
) -> dict[str, float]:
    """Patients expected per specialty at one commune: group size × attendance rate."""
    return {s: float(groups.get(specialty_groups[s], 0.0)) * float(rates[s]) for s in specialties}
