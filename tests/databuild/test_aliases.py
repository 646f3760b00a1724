"""Usual names from GeoNames matched to HCP units: what is kept, what is dropped and why,
on small made-up places; and the committed territory_aliases.csv holds to the same rules."""

from __future__ import annotations

from collections import defaultdict

from qurb.data import read_bundled_csv
from qurb.databuild.aliases import COLUMNS, Place, Unit, match_aliases, usable_name
from qurb.kernel.names import fold_name

UNITS = [
    Unit("MA", "country", "", "Maroc", "المغرب"),
    Unit("03", "region", "MA", "Fès-Meknès", "فاس-مكناس"),
    Unit("03.231", "province", "03", "Fès", "فاس"),
    Unit("03.231.01.0", "commune", "03.231", "Fès", "فاس"),
    Unit("03.231.01.15", "commune", "03.231", "Oulad Tayeb", "أولاد الطيب"),
    Unit("05.081", "province", "05", "Azilal", "أزيلال"),
    Unit("05.081.01.01", "commune", "05.081", "Azilal", "أزيلال"),
    Unit("01.511.01.01", "commune", "01.511", "Assilah", "أصيلة"),
]
REFERENCE = {
    "03.231.01.0": (-4.99, 34.03),
    "03.231.01.15": (-5.05, 33.95),
    "05.081.01.01": (-6.57, 31.96),
    "01.511.01.01": (-6.03, 35.46),
}


def place(gid: int, name: str, alternates: tuple[str, ...], lon: float, lat: float, pop: int):
    return Place(gid, name, alternates, lon, lat, pop)


def inside(places: list[Place]) -> list[str]:
    """The commune holding each place: the one whose reference point is within 0.05°."""
    out = []
    for p in places:
        near = [
            c for c, (x, y) in REFERENCE.items() if abs(x - p.lon) < 0.05 and abs(y - p.lat) < 0.05
        ]
        out.append(near[0] if near else "")
    return out


def test_names_kept_for_the_commune_and_the_units_of_its_name() -> None:
    fes = place(
        1,
        "Fes",
        ("Fez", "Fès", "fez", "FEZ", "Фес", "FEZ airport", "Oulad Tayeb"),
        -4.99,
        34.03,
        1_000_000,
    )
    rows, report = match_aliases([fes], UNITS, inside, REFERENCE)
    kept = {(r.code, r.alias) for r in rows}
    # "Fes"/"Fès" fold to the units' own name; "fez" is a machine transliteration, "FEZ"
    # an airport code, "Фес" another script; "Oulad Tayeb" is another commune's name.
    assert kept == {
        ("03.231", "Fez"),
        ("03.231.01.0", "Fez"),
        ("03.231", "FEZ airport"),
        ("03.231.01.0", "FEZ airport"),
    }
    assert report.matched == 1 and report.dropped == {"names another unit": 1}
    assert {r.geonameid for r in rows} == {"1"}
    assert all(r.review == "auto: same name, point inside the commune" for r in rows)


def test_a_place_with_no_name_of_its_commune_gives_nothing() -> None:
    stranger = place(2, "Elsewhere", ("Somewhere",), -4.99, 34.03, 5_000)
    rows, report = match_aliases([stranger], UNITS, inside, REFERENCE)
    assert rows == [] and report.matched == 0


def test_a_place_outside_its_commune_but_near_its_point() -> None:
    # 0.1° east of Assilah's point (about 9 km): outside by the polygons, within 15 km.
    asilah = place(3, "Asilah", ("Assilah", "Arzila"), -5.93, 35.46, 34_011)
    rows, _ = match_aliases([asilah], UNITS, inside, REFERENCE)
    assert [(r.code, r.alias) for r in rows] == [
        ("01.511.01.01", "Arzila"),
        ("01.511.01.01", "Asilah"),
    ]
    assert rows[0].review.startswith("auto: same name, 9.")


def test_an_alias_of_two_like_places_is_dropped_and_of_a_far_larger_one_kept() -> None:
    asilah = place(3, "Asilah", ("Assilah", "Asila"), -6.03, 35.46, 34_011)
    azilal = place(4, "Azilal", ("Asila",), -6.57, 31.96, 42_062)
    rows, report = match_aliases([asilah, azilal], UNITS, inside, REFERENCE)
    assert "asila" not in {fold_name(r.alias) for r in rows}
    assert report.ambiguous == ["asila"]
    small = place(4, "Azilal", ("Asila",), -6.57, 31.96, 3_000)  # 11 times smaller
    rows, report = match_aliases([asilah, small], UNITS, inside, REFERENCE)
    asila = [r for r in rows if r.alias == "Asila"]
    assert [r.code for r in asila] == ["01.511.01.01"]
    assert "larger than Azilal (34011 vs 3000)" in asila[0].review
    assert report.ambiguous == []


def test_reviewed_manual_lines_are_marked() -> None:
    rows, report = match_aliases(
        [], UNITS, inside, REFERENCE, manual=[("03.231", "Fas", "how locals write it")]
    )
    assert [(r.code, r.alias, r.kind, r.review) for r in rows] == [
        ("03.231", "Fas", "manual", "manual: how locals write it")
    ]
    assert report.manual == 1


def test_scripts() -> None:
    assert usable_name("Marrakesh") == "latin"
    assert usable_name("مراكش") == "arabic"
    assert usable_name("مراکش") is None  # Persian kaf
    assert usable_name("marrakesh") is None
    assert usable_name("RAK") is None
    assert usable_name("Марракеш") is None


def test_the_committed_aliases_keep_the_rules() -> None:
    rows = read_bundled_csv("territory_aliases.csv")
    assert rows and list(rows[0]) == COLUMNS
    units = {r["code"]: r for r in read_bundled_csv("territories.csv")}
    own_names: dict[str, set[str]] = defaultdict(set)
    for code, unit in units.items():
        for name in (unit["name_fr"], unit["name_ar"]):
            own_names[fold_name(name)].add(code)
    places_of: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        assert row["code"] in units
        key = fold_name(row["alias"])
        assert key not in own_names, row  # never a unit's own name, nor another's
        assert row["geonameid"].isdigit() and row["source"].startswith("GeoNames"), row
        assert row["review"].startswith("auto: same name"), row
        places_of[key].add(row["geonameid"])
    # One place per name: a name two places share was dropped or given to one.
    assert all(len(ids) == 1 for ids in places_of.values())
    known = {(r["code"], r["alias"]) for r in rows}
    assert {("03.231", "Fez"), ("07.351", "Marrakesh"), ("01.511.01.0", "Tangier")} <= known
