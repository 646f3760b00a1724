"""Small regions whose answers can be worked out on paper, for the tests of the algorithms
and the services."""

from __future__ import annotations

import math

import numpy as np

from qurb.algo.commune_graph_inputs import CommuneGraphInputs
from qurb.algo.travel import EARTH_RADIUS_KM

# Three communes 0.1° apart on the meridian 7° W: A (urban), B (rural), C (remote: its
# households live 5 km from a paved road). Areas: A 4 km², B 100 km², C π km² (radius 1).
STEP_KM = EARTH_RADIUS_KM * math.radians(0.1)  # 11.1195 km between reference points
LINE = CommuneGraphInputs(
    codes=("A", "B", "C"),
    ref_lon=np.array([-7.0, -7.0, -7.0]),
    ref_lat=np.array([31.0, 31.1, 31.2]),
    area_km2=np.array([4.0, 100.0, math.pi]),
    population=np.array([20_000.0, 3_000.0, 500.0]),
    urban=np.array([True, False, False]),
    paved_road_km=np.array([np.nan, 1.0, 5.0]),
    adjacency=(("A", "B"), ("B", "C")),
)
