"""The heap search of the commune-graph model (a short command's, without SciPy) gives the
same facility, minutes and km as its SciPy search, on the national data."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy.orm import Session

from qurb.algo.commune_graph_inputs import commune_points
from qurb.algo.travel import Points
from qurb.norms.nearest_hospital import compute_nearest_general_hospitals
from qurb.registry.facility_services import HospitalTier
from qurb.registry.points import FacilitySelector, read_destinations
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex
from qurb.territory.travel import commune_graph_model


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape
    assert np.array_equal(np.isfinite(a), np.isfinite(b))
    assert np.abs(a[np.isfinite(a)] - b[np.isfinite(b)]).max(initial=0.0) <= 1e-9


@pytest.mark.parametrize("selector", [{"tier": HospitalTier.GENERAL.value}, {}])
def test_nearest_and_matrix_from_every_commune_and_random_points(
    national_session: Session, selector: dict[str, str]
) -> None:
    # The general hospitals, and every public facility (many share a place: exact ties).
    general = read_destinations(national_session, FacilitySelector(**selector)).points
    model = commune_graph_model(national_session)
    heap = model.heap_searching()
    origins = commune_points(model.inputs)
    nearest, by_heap = (m.compute_nearest(origins, general) for m in (model, heap))
    assert np.array_equal(nearest.index, by_heap.index)
    _same(nearest.minutes, by_heap.minutes)
    _same(nearest.distance_km, by_heap.distance_km)
    # Random communes and random points in them (off their reference points), to a few
    # hospitals: the matrix by per-hospital searches that stop at the origins' nodes.
    rng = np.random.default_rng(12)
    some = rng.choice(len(origins), 120, replace=False)
    communes = tuple(model.inputs.codes[i] for i in some)
    shifted = Points(
        origins.lon[some] + rng.uniform(-0.02, 0.02, len(some)),
        origins.lat[some] + rng.uniform(-0.02, 0.02, len(some)),
        communes,
    )
    hospitals = general.take(rng.choice(len(general), 4, replace=False))
    for points in (origins.take(some), shifted):
        matrix, by_heap_matrix = (m.compute_matrix(points, hospitals) for m in (model, heap))
        _same(matrix.minutes, by_heap_matrix.minutes)
        _same(matrix.distance_km, by_heap_matrix.distance_km)
        near, near_heap = (m.compute_nearest(points, general) for m in (model, heap))
        assert np.array_equal(near.index, near_heap.index)
        _same(near.minutes, near_heap.minutes)
        _same(near.distance_km, near_heap.distance_km)


def test_every_province_without_a_hospital_names_the_same_one(national_session: Session) -> None:
    model = commune_graph_model(national_session)
    index = TerritoryIndex.from_session(national_session)
    selector = FacilitySelector(tier=HospitalTier.GENERAL.value)
    with_one = {
        province.code
        for code in read_destinations(national_session, selector).communes
        if (province := index.ancestor_at(code, TerritoryLevel.PROVINCE)) is not None
    }
    provinces = [t for t in index.by_code.values() if t.level is TerritoryLevel.PROVINCE]
    without = [p for p in provinces if p.code not in with_one]
    assert any(p.name_fr == "Moulay Yacoub" for p in without)
    # Those without a general hospital, and every other province as well.
    for units in (without, provinces):
        by_scipy = compute_nearest_general_hospitals(national_session, index, units, model)
        by_heap = compute_nearest_general_hospitals(
            national_session, index, units, model.heap_searching()
        )
        assert by_heap == by_scipy
        # Moulay Yacoub's, as the gaps of Fès-Meknès print it.
        assert by_heap["03.591"].facility_id == "hosp-03.231.01.05-hopital-des-specialites"
