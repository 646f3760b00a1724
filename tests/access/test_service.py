"""Access analyses on the real national registry and census."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.access.points import compute_point_access, read_population_points
from qurb.access.referral import compute_referrals
from qurb.access.service import (
    ESSP_SELECTOR,
    compute_2sfca_rows,
    compute_access,
    compute_catchment_rows,
    compute_distance_access,
    distance_group_rows,
    group_rows,
)
from qurb.access.travel_models import make_model
from qurb.algo.accessibility import AccessError
from qurb.algo.commune_graph_inputs import commune_points
from qurb.algo.travel import StraightLineModel, TravelModelError
from qurb.platform.files import InputFileError
from qurb.registry._tables import FacilityRow
from qurb.registry.points import FacilitySelector, read_destinations
from qurb.territory.service import TerritoryIndex
from qurb.territory.travel import commune_graph_model, read_commune_graph_params


@pytest.fixture(scope="module")
def index(national_engine) -> TerritoryIndex:  # type: ignore[no-untyped-def]
    with Session(national_engine) as session:
        return TerritoryIndex.from_session(session)


def test_national_access_covers_every_commune_and_person(
    national_session: Session, index: TerritoryIndex
) -> None:
    model = commune_graph_model(national_session)
    report = compute_access(
        national_session, index.by_code["MA"], FacilitySelector(), model, index=index
    )
    assert len(report.rows) == 1503
    assert report.total.population == 36_828_330
    assert [g.group for g in report.groups] == [f"{i:02d}" for i in range(1, 13)]
    assert sum(g.population for g in report.groups) == 36_828_330
    # Beyond 30 min ⊇ beyond 60 ⊇ beyond 120.
    beyond = report.total.beyond
    assert beyond[30.0] >= beyond[60.0] >= beyond[120.0] > 0
    # A commune that holds k of the facilities: its population reaches the nearest of them
    # inside the commune. Fès: 47 open public facilities on 101.83 km², urban (30 km/h,
    # detour 1.3): 2/3 × √(101.83 / (π × 47)) = 0.5538 km → 0.72 road km, 1.44 min.
    row = next(r for r in report.rows if r["code"] == "03.231.01.0")  # Fès
    assert row["facility_commune"] == "03.231.01.0"
    assert row["minutes"] == pytest.approx(1.44, abs=0.05)
    assert row["distance_km"] == pytest.approx(0.7, abs=0.05)


def test_more_facility_kinds_never_lengthen_the_trip(
    national_session: Session, index: TerritoryIndex
) -> None:
    model = commune_graph_model(national_session)
    region = index.resolve("Fès-Meknès")
    hospitals = compute_access(
        national_session, region, FacilitySelector(levels=("secondary",)), model, index=index
    )
    everything = compute_access(national_session, region, FacilitySelector(), model, index=index)
    for h, e in zip(hospitals.rows, everything.rows, strict=True):
        assert e["minutes"] <= h["minutes"]
    rows = group_rows(hospitals)
    assert rows[-1]["name"] == "total" and rows[-1]["population"] == region.population_2024


def test_straight_line_model_is_km_over_speed(
    national_session: Session, index: TerritoryIndex
) -> None:
    model = StraightLineModel(speed_kph=60)
    report = compute_access(
        national_session, index.resolve("Ifrane"), FacilitySelector(), model, index=index
    )
    for row in report.rows:
        assert row["minutes"] == pytest.approx(row["distance_km"], abs=0.11)  # 1 km a minute


def test_referral_lists_every_open_public_essp(
    national_session: Session, index: TerritoryIndex
) -> None:
    taza = index.resolve("Taza")
    rows = compute_referrals(
        national_session, taza, commune_graph_model(national_session), 60, index=index
    )
    communes = [c.code for c in index.communes_within(taza)]
    expected = national_session.scalar(
        select(func.count())
        .select_from(FacilityRow)
        .where(
            FacilityRow.family == "ESSP",
            FacilityRow.status == "open",
            FacilityRow.sector == "public",
            FacilityRow.commune_code.in_(communes),
        )
    )
    assert len(rows) == expected > 0
    for row in rows:
        assert row["HP_beyond"] == (row["HP_minutes"] > 60)
        assert row["beyond_any"] == any(row[f"{t}_beyond"] for t in ("HPr", "HP", "HR", "CHU"))
    with pytest.raises(AccessError, match="threshold"):
        compute_referrals(national_session, taza, commune_graph_model(national_session), 0)
    with pytest.raises(AccessError, match="tier"):
        compute_referrals(national_session, taza, commune_graph_model(national_session), 60, ["XX"])


def test_catchments_share_out_the_population(
    national_session: Session, index: TerritoryIndex
) -> None:
    model = commune_graph_model(national_session)
    rows = compute_catchment_rows(
        national_session,
        index.by_code["MA"],
        FacilitySelector(categories=("HP",)),
        model,
        index=index,
    )
    assert sum(r["catchment_population"] for r in rows) == pytest.approx(36_828_330, abs=len(rows))
    # Beds are not in the Ministry lists: unknown, never 0.
    assert all(r["beds"] is None and r["population_per_bed"] is None for r in rows)


def test_2sfca_rows_for_a_province(national_session: Session, index: TerritoryIndex) -> None:
    rows = compute_2sfca_rows(
        national_session,
        index.resolve("Ifrane"),
        FacilitySelector(levels=("primary",)),
        commune_graph_model(national_session),
        60,
        index=index,
    )
    assert len(rows) == 10
    assert all(r["index_per_10000"] >= 0 for r in rows)
    assert all((r["facilities_within"] == 0) == (r["index_per_10000"] == 0) for r in rows)


def test_population_points(
    national_session: Session, index: TerritoryIndex, tmp_path: Path
) -> None:
    path = tmp_path / "douars.csv"
    path.write_text(
        "label,lon,lat,population\nFès médina,-4.9736,34.0648,1200\nImouzzer,-5.0100,33.7300,800\n",
        encoding="utf-8",
    )
    points, population = read_population_points(path)
    report = compute_point_access(
        national_session,
        points,
        population,
        FacilitySelector(),
        commune_graph_model(national_session),
        index=index,
    )
    assert [r["label"] for r in report.rows] == ["Fès médina", "Imouzzer"]
    assert report.rows[0]["commune"] == "03.231.01.0"
    assert report.total.population == 2000
    assert all(r["minutes"] is not None and r["minutes"] > 0 for r in report.rows)


def test_bad_population_points_name_each_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "lon,lat,population\n-5,34,abc\n2.35,48.85,10\n-5,34,-3\n,34,1\n", encoding="utf-8"
    )
    with pytest.raises(InputFileError) as caught:
        read_population_points(path)
    message = str(caught.value)
    assert "4 problem(s), nothing was used" in message
    assert "row 2: population: 'abc' is not a number" in message
    assert "row 3: lon/lat: (2.35, 48.85) is outside Morocco" in message
    assert "row 4: population: must be ≥ 0" in message
    assert "row 5: lon: missing" in message


def test_many_bad_population_points_list_the_first_fifty_and_the_total(
    tmp_path: Path,
) -> None:
    path = tmp_path / "many.csv"
    rows = "".join(f"-5,34,x{i}\n" for i in range(60))
    path.write_text("lon,lat,population\n" + rows + "-5,34,inf\n", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        read_population_points(path)
    message = str(caught.value)
    assert "61 problem(s), nothing was used" in message
    assert "row 51: population: 'x49' is not a number" in message
    assert "row 52:" not in message and "… and 11 more problem(s)" in message


def test_bad_selectors_and_models(national_session: Session) -> None:
    with pytest.raises(AccessError, match="unknown facility category 'CSX'"):
        FacilitySelector(categories=("CSX",))
    with pytest.raises(AccessError, match="unknown service"):
        FacilitySelector(services=("teleportation",))
    with pytest.raises(TravelModelError, match="unknown travel-time model"):
        make_model(national_session, "helicopter")
    with pytest.raises(TravelModelError, match="no such parameter file"):
        read_commune_graph_params(Path("missing.toml"))
    assert np.isfinite(StraightLineModel().speed_kph)


@pytest.mark.parametrize("territory", ["MA", "Taounate"])
def test_distance_bands_hold_every_counted_person(
    national_session: Session, index: TerritoryIndex, territory: str
) -> None:
    """The Ministry's distance indicator: the three bands sum to the population of the
    territory's communes that have a census figure, per sub-territory and in total."""
    model = commune_graph_model(national_session)
    unit = index.resolve(territory)
    report = compute_distance_access(national_session, unit, model, index=index)
    communes = index.communes_within(unit)
    counted = sum(c.population_2024 for c in communes if c.population_2024 is not None)
    assert len(report.rows) == len(communes)
    assert sum(report.total.by_band) == report.total.population == counted
    assert counted == unit.population_2024  # every commune of the bundle has a figure
    rows = distance_group_rows(report)
    for row in rows:
        assert (
            row["population_within_5_km"]
            + row["population_5_to_10_km"]
            + row["population_beyond_10_km"]
        ) == row["population"]
    assert rows[-1]["name"] == "total" and rows[-1]["population"] == counted
    assert sum(r["population"] for r in rows[:-1]) == counted
    # A whole commune falls in the band of its km, which are the model's own km.
    essp = read_destinations(national_session, ESSP_SELECTOR)
    for row in report.rows[:40]:
        km = row["distance_km"]
        band = "≤5 km" if km <= 5 else "5–10 km" if km <= 10 else ">10 km"
        assert row["band"] == band
        j = essp.ids.index(row["facility_id"])
        matrix = model.compute_matrix(commune_points(model.inputs, [row["code"]]), essp.points)
        assert km == pytest.approx(matrix.distance_km[0].min(), abs=0.05)
        assert km == pytest.approx(matrix.distance_km[0, j], abs=0.05)


def test_distance_of_a_commune_with_its_own_essp_is_its_inside_leg(
    national_session: Session, index: TerritoryIndex
) -> None:
    # Taounate (the municipality) has ESSP on its reference point: its km are only the
    # legs inside the commune, well within 5 km.
    model = commune_graph_model(national_session)
    report = compute_distance_access(
        national_session, index.resolve("03.531.01.05"), model, index=index
    )
    (row,) = report.rows
    assert row["name_fr"] == "Taounate" and row["facility_commune"] == "03.531.01.05"
    assert 0 < row["distance_km"] <= 5 and row["band"] == "≤5 km"
    assert report.total.by_band == (39_114, 0, 0)
    assert report.measure.key == "commune-graph"
