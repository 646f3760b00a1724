"""The commune priority score, checked on paper."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qurb.caravans.priority import PARTS, PriorityInputs, compute_priority, expected_attendance


def inputs(**values: list[float]) -> PriorityInputs:
    n = len(next(iter(values.values())))
    codes = tuple(f"c{i}" for i in range(n))
    arrays = {p: np.array(values.get(p, [0.0] * n), float) for p in PARTS}
    return PriorityInputs(codes, arrays)


def test_two_communes_by_hand() -> None:
    # c0: 1,000 people beyond the threshold, 50 % rural; c1: 4,000 beyond, 100 % rural.
    # Scaled by the largest: beyond 0.25 and 1, rural 0.5 and 1.
    # Weights 3 and 1 (sum 4): c0 = (3·0.25 + 1·0.5)/4 = 0.3125; c1 = 1.
    result = compute_priority(
        inputs(beyond_threshold=[1000, 4000], rural_share=[0.5, 1.0]),
        {"beyond_threshold": 3, "rural_share": 1},
    )
    assert [p.code for p in result] == ["c1", "c0"]
    assert [p.rank for p in result] == [1, 2]
    assert result[0].score == pytest.approx(1.0)
    assert result[1].score == pytest.approx(0.3125)
    parts = {part.name: part for part in result[1].parts}
    assert parts["beyond_threshold"].value == 1000
    assert parts["beyond_threshold"].scaled == pytest.approx(0.25)
    assert parts["beyond_threshold"].contribution == pytest.approx(0.1875)
    assert parts["rural_share"].contribution == pytest.approx(0.125)
    assert parts["norm_gap"].weight == 0 and parts["norm_gap"].contribution == 0


def test_unknown_figures_score_zero_and_say_so() -> None:
    result = compute_priority(
        inputs(paved_road_km=[np.nan, 2.0]), {"paved_road_km": 1, "rural_share": 1}
    )
    by_code = {p.code: p for p in result}
    paved = next(part for part in by_code["c0"].parts if part.name == "paved_road_km")
    assert paved.value is None and paved.scaled == 0
    assert by_code["c1"].score == pytest.approx(0.5)  # 1·1/(1+1); rural all zero


def test_ties_are_ordered_by_code_and_zero_weights_refused() -> None:
    result = compute_priority(inputs(rural_share=[1.0, 1.0, 1.0]), {"rural_share": 1})
    assert [p.code for p in result] == ["c0", "c1", "c2"]
    with pytest.raises(ValueError, match="at least one weight"):
        compute_priority(inputs(rural_share=[1.0]), {"rural_share": 0})


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(*[st.floats(0, 1e5, allow_nan=False) for _ in PARTS]), min_size=1, max_size=12
    ),
    st.lists(st.floats(0, 10), min_size=len(PARTS), max_size=len(PARTS)).filter(
        lambda w: sum(w) > 0
    ),
)
def test_scores_are_the_sum_of_their_parts(rows: list[tuple[float, ...]], w: list[float]) -> None:
    values = {p: [r[k] for r in rows] for k, p in enumerate(PARTS)}
    weights = dict(zip(PARTS, w, strict=True))
    result = compute_priority(inputs(**values), weights)
    for p in result:
        assert 0 <= p.score <= 1 + 1e-12
        assert p.score == pytest.approx(sum(part.contribution for part in p.parts))
    assert [p.score for p in result] == sorted((p.score for p in result), reverse=True)


def test_expected_attendance_is_group_times_rate() -> None:
    groups = {"total": 10_000.0, "children_0_14": 3_000.0}
    out = expected_attendance(
        groups,
        {"general_medicine": "total", "paediatrics": "children_0_14"},
        {"general_medicine": 0.03, "paediatrics": 0.05},
        ["general_medicine", "paediatrics"],
    )
    assert out == {"general_medicine": pytest.approx(300.0), "paediatrics": pytest.approx(150.0)}
