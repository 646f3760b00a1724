"""Known answers on the commune graph's former holes (gaps and slivers of the source
polygons), on the real national data.

`data/commune_graph_holes.csv` lists the communes whose modelled trip from their reference
point to the nearest ESSP or general hospital (HPr, HP, HR, HIR) was more than
1.5 × (straight-line km × the detour factor ÷ the speed of the origin's terrain) + 20 min
before the communes within 1,100 m of each other became neighbours and the transit edges
were added: 48 communes, 463,522 people (all 48 on the hospital trip; the ESSP trip was
0 min, every one of them having its own centre), with the minutes the model gave then
(`hospital_minutes_before`).

What is bounded is the trip over the graph, from the commune's reference point to the
facility: the same trip as the straight-line estimate it is compared with. The access term
inside the origin commune (its households' distance to a paved road at an off-road speed,
and the leg to the commune's centre) is part of the minutes users see but has no
counterpart in the straight-line estimate, so both sides leave it out here; counted in, 536
communes of the old model exceeded the bound, far from the 41 the holes explained. Every
listed commune has its own ESSP, so the ESSP case checks that the new edges change
nothing there (0 min), and the hospital case is the one the holes broke.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session

from qurb.algo.commune_graph import CommuneGraphModel
from qurb.algo.commune_graph_inputs import commune_points
from qurb.algo.travel import MINUTES_PER_HOUR, Points, compute_haversine_km
from qurb.registry.points import FacilitySelector, read_destinations
from qurb.territory.travel import commune_graph_model

HOLES = Path(__file__).parent / "data" / "commune_graph_holes.csv"
ESSP = FacilitySelector(
    categories=("DR", "CSR-1", "CSR-2", "CSU-1", "CSU-2", "CDTMR", "CRSR", "LSP")
)
# A general hospital: HPr, HP, HR and the CHU units classed general (services.csv).
GENERAL_HOSPITAL = FacilitySelector(tier="general")


def holes() -> list[dict[str, str]]:
    with HOLES.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_list_is_the_one_measured() -> None:
    rows = holes()
    assert len(rows) == 48
    assert sum(int(r["population_2024"]) for r in rows) == 463_522
    by_name = {r["name_fr"]: r for r in rows}
    assert float(by_name["El Marsa"]["hospital_minutes_before"]) == 311.8
    assert float(by_name["Bhalil"]["hospital_straight_km"]) == 4.4


def _bound_minutes(
    model: CommuneGraphModel, nodes: np.ndarray, straight_km: np.ndarray
) -> np.ndarray:
    speed_kph = np.asarray(model.params.speed_kph)[model.terrain[nodes]]
    return 1.5 * (straight_km * model.detour[nodes] / speed_kph * MINUTES_PER_HOUR) + 20


@pytest.mark.parametrize("selector", [ESSP, GENERAL_HOSPITAL], ids=["ESSP", "general hospital"])
def test_each_former_hole_is_within_the_straight_line_bound(
    national_session: Session, selector: FacilitySelector
) -> None:
    model = commune_graph_model(national_session)
    rows = holes()
    codes = tuple(r["code"] for r in rows)
    at = commune_points(model.inputs, codes)
    origins = Points(at.lon, at.lat, codes, is_population=False)  # from the reference point
    destinations = read_destinations(national_session, selector)
    nearest = model.compute_nearest(origins, destinations.points)
    straight_km = compute_haversine_km(
        origins.lon[:, None],
        origins.lat[:, None],
        destinations.points.lon[None, :],
        destinations.points.lat[None, :],
    ).min(axis=1)
    bound = _bound_minutes(model, model.node_of(origins), straight_km)
    over = [
        f"{r['name_fr']} {minutes:.1f} > {limit:.1f} min"
        for r, minutes, limit in zip(rows, nearest.minutes, bound, strict=True)
        if minutes > limit
    ]
    assert over == []


@pytest.mark.parametrize(
    ("code", "name", "hospital_id", "straight_km", "before_minutes"),
    [
        ("11.321.01.01", "El Marsa", "hosp-11.321.01.03-hassan-ii", 21.6, 316.5),
        ("03.271.03.01", "Ain Leuh", "hosp-03.271.01.01-20-aout-azrou", 20.0, 112.9),
        ("03.451.01.01", "Bhalil", "hosp-03.451.01.09-mohamed-v", 4.4, 52.8),
    ],
)
def test_the_figures_the_issue_named_are_sane(
    national_session: Session,
    code: str,
    name: str,
    hospital_id: str,
    straight_km: float,
    before_minutes: float,
) -> None:
    """From the commune's population (access term included) to the nearest general
    hospital: the right hospital, a road no longer than 1.5 × the straight line plus the
    km inside the commune, and less than half the minutes the model gave before."""
    model = commune_graph_model(national_session)
    destinations = read_destinations(national_session, GENERAL_HOSPITAL)
    nearest = model.compute_nearest(commune_points(model.inputs, [code]), destinations.points)
    node = model.node_of(Points(np.zeros(1), np.zeros(1), (code,)))[0]
    assert destinations.ids[int(nearest.index[0])] == hospital_id, name
    assert nearest.distance_km[0] <= 1.5 * straight_km + model.access_km()[node]
    assert nearest.minutes[0] < before_minutes / 2
