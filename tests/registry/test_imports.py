"""`qurb facilities import`: every kind of bad row is reported, and nothing is written."""

from __future__ import annotations

import csv
import json
import random
import shutil
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.audit._tables import AuditEntryRow
from qurb.caravans.records import read_record_file
from qurb.kernel.actor import Actor
from qurb.platform.database import make_engine, make_sessionmaker, transaction
from qurb.platform.files import InputFileError
from qurb.registry._tables import FacilityRow
from qurb.registry.imports import import_facilities
from qurb.registry.service import RegistryError
from qurb.territory._tables import TerritoryRow

# The facility history: the audit entries about facilities.
FACILITY_ENTRIES = (
    select(func.count()).select_from(AuditEntryRow).where(AuditEntryRow.entity_kind == "facility")
)

AMINA = Actor.local("amina")
HEADER = ["nom", "catégorie", "commune", "longitude", "latitude", "osm id"]
GOOD = [
    ["Dispensaire Test Un", "DR", "03.231.81.03", "", "", ""],
    ["Centre Test Deux", "CSR-1", "Sidi Harazem", "", "", ""],
]


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _state(factory: sessionmaker[Session]) -> tuple[int, int]:
    with transaction(factory) as s:
        return (
            s.scalar(select(func.count()).select_from(FacilityRow)) or 0,
            s.scalar(
                select(func.count())
                .select_from(AuditEntryRow)
                .where(AuditEntryRow.entity_kind == "facility")
            )
            or 0,
        )


def test_good_csv_imports_every_row(scratch_factory: sessionmaker[Session], tmp_path: Path) -> None:
    before = _state(scratch_factory)
    with transaction(scratch_factory) as s:
        ids = import_facilities(s, AMINA, _csv(tmp_path / "ok.csv", GOOD)).ids
    assert len(ids) == 2
    assert _state(scratch_factory) == (before[0] + 2, before[1] + 2)


BAD_ROWS = {
    "unknown category": (
        ["X", "CSZ-9", "03.231.81.03", "", "", ""],
        "category",
        "unknown category",
    ),
    "commune not found": (["X", "DR", "Nowhere Town", "", "", ""], "commune", "no territory"),
    "outside Morocco": (
        ["X", "DR", "03.231.81.03", "2.35", "48.85", ""],
        "lon/lat",
        "outside Morocco",
    ),
    "wrong type": (["X", "DR", "03.231.81.03", "many", "", ""], "lon", "valid number"),
    "half a point": (["X", "DR", "03.231.81.03", "-5.0", "", ""], "lat", "both lon and lat"),
    "missing name": (["", "DR", "03.231.81.03", "", "", ""], "name", "missing"),
}


@pytest.mark.parametrize("kind", list(BAD_ROWS))
def test_a_bad_row_stops_the_import_naming_row_and_field(
    kind: str, scratch_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    row, field, reason = BAD_ROWS[kind]
    path = _csv(tmp_path / "bad.csv", [*GOOD, row])
    before = _state(scratch_factory)
    with pytest.raises(RegistryError) as caught, transaction(scratch_factory) as s:
        import_facilities(s, AMINA, path)
    [error] = caught.value.errors
    assert (error.row, error.field) == (4, field)  # line 4: header, two good rows, the bad one
    assert reason in error.reason
    assert str(path) in str(caught.value)
    assert _state(scratch_factory) == before


def test_duplicates_inside_the_file_and_against_the_registry(
    scratch_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = _csv(tmp_path / "dup.csv", [*GOOD, GOOD[0]])
    with pytest.raises(RegistryError) as caught, transaction(scratch_factory) as s:
        import_facilities(s, AMINA, path)
    assert [(e.row, e.field) for e in caught.value.errors] == [(4, "name")]
    with transaction(scratch_factory) as s:
        import_facilities(s, AMINA, _csv(tmp_path / "ok.csv", GOOD))
    with pytest.raises(RegistryError, match="duplicate"), transaction(scratch_factory) as s:
        import_facilities(s, AMINA, _csv(tmp_path / "again.csv", GOOD[:1]))


def test_every_bad_row_is_listed_at_once(
    scratch_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = [*GOOD, *(spec[0] for spec in BAD_ROWS.values())]
    with pytest.raises(RegistryError) as caught, transaction(scratch_factory) as s:
        import_facilities(s, AMINA, _csv(tmp_path / "many.csv", rows))
    assert sorted(e.row for e in caught.value.errors) == list(range(4, 4 + len(BAD_ROWS)))


def test_xlsx_import_and_wrong_sheet(
    scratch_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "ESSP"
    sheet.append(HEADER)
    for row in GOOD:
        sheet.append(row)
    path = tmp_path / "list.xlsx"
    workbook.save(path)
    wrong_sheet = "no sheet named 'Hopitaux'; the workbook has: ESSP"
    with pytest.raises(InputFileError, match=wrong_sheet), transaction(scratch_factory) as s:
        import_facilities(s, AMINA, path, sheet="Hopitaux")
    with transaction(scratch_factory) as s:
        assert len(import_facilities(s, AMINA, path, sheet="ESSP").ids) == 2


def _feature(geometry: object, name: str) -> dict[str, object]:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"name": name, "category": "DR", "commune": "03.231.81.03"},
    }


def test_geojson_import_takes_point_coordinates(
    scratch_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with transaction(scratch_factory) as s:
        commune = s.get(TerritoryRow, "03.231.81.03")
        assert commune is not None and commune.ref_lon is not None and commune.ref_lat is not None
        lon, lat = commune.ref_lon + 0.001, commune.ref_lat
    good = {
        "type": "FeatureCollection",
        "features": [_feature({"type": "Point", "coordinates": [lon, lat]}, "Point Test")],
    }
    path = tmp_path / "points.geojson"
    path.write_text(json.dumps(good), encoding="utf-8")
    with transaction(scratch_factory) as s:
        [fid] = import_facilities(s, AMINA, path).ids
    with transaction(scratch_factory) as s:
        row = s.get(FacilityRow, fid)
        assert row is not None and (row.lon, row.lat) == (lon, lat)
        assert row.location_source == "user"
    bad = {
        "type": "FeatureCollection",
        "features": [
            _feature({"type": "Point", "coordinates": [lon, lat]}, "Point Two"),
            _feature({"type": "Polygon", "coordinates": []}, "Area Test"),
            _feature({"type": "Point", "coordinates": 5}, "Broken Test"),
        ],
    }
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(RegistryError) as caught, transaction(scratch_factory) as s:
        import_facilities(s, AMINA, path)
    assert [(e.row, e.field) for e in caught.value.errors] == [(2, "geometry"), (3, "geometry")]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": {}}), encoding="utf-8")
    not_a_list = "'features' must be a list"
    with pytest.raises(InputFileError, match=not_a_list), transaction(scratch_factory) as s:
        import_facilities(s, AMINA, path)


def test_a_property_given_twice_in_a_feature_is_refused_naming_feature_and_key(
    scratch_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    # JSON would keep the last of the two values: "Centre A" would quietly become "Centre B".
    first = json.dumps(_feature(None, "Centre Double Un"))
    second = (
        '{"type": "Feature", "geometry": null, "properties": {"name": "Centre A", '
        '"category": "DR", "commune": "03.231.81.03", "name": "Centre B"}}'
    )
    path = tmp_path / "twice.geojson"
    path.write_text(
        f'{{"type": "FeatureCollection", "features": [{first}, {second}]}}', encoding="utf-8"
    )
    before = _state(scratch_factory)
    with pytest.raises(InputFileError) as caught, transaction(scratch_factory) as s:
        import_facilities(s, AMINA, path)
    assert str(caught.value) == f"{path}: feature 2: property 'name' is given twice"
    assert _state(scratch_factory) == before
    # Anywhere else in the file too: a member given twice is refused, not read as the last.
    path.write_text(
        f'{{"type": "FeatureCollection", "features": [{first}], "features": []}}',
        encoding="utf-8",
    )
    with pytest.raises(InputFileError) as caught, transaction(scratch_factory) as s:
        import_facilities(s, AMINA, path)
    assert str(caught.value) == f"{path}: member 'features' is given twice"
    assert _state(scratch_factory) == before


def test_csv_line_numbers_count_blank_and_multi_line_records(
    scratch_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(
        'nom,catégorie,commune\n\n"Centre\nsur deux lignes",DR,03.231.81.03\nX,ZZZ,03.231.81.03\n',
        encoding="utf-8",
    )
    with pytest.raises(RegistryError) as caught, transaction(scratch_factory) as s:
        import_facilities(s, AMINA, path)
    # Line 1 header, 2 blank, 3-4 the two-line record, 5 the bad one.
    assert [(e.row, e.field) for e in caught.value.errors] == [(5, "category")]
    path.write_text(
        'nom,catégorie,commune\n"Centre\nsur deux lignes",DR,03.231.81.03\n', encoding="utf-8"
    )
    with transaction(scratch_factory) as s:
        [fid] = import_facilities(s, AMINA, path).ids
        row = s.get(FacilityRow, fid)
        assert row is not None and row.name == "Centre\nsur deux lignes"


def test_comment_lines_of_an_export_are_skipped_and_lines_still_counted(
    scratch_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    # Qurb's CSV exports open with "# Sources: … Licences: …" lines (with ';' and ',').
    comments = (
        "# Sources: Ministère de la Santé et de la Protection Sociale (data.gov.ma); © "
        "OpenStreetMap contributors. Licences: Licence ouverte (Ministère…); ODbL 1.0 (…).\n"
        "# Full attribution and changes made: DATA_LICENSES.md, /licences on a Qurb server.\n"
    )
    path = tmp_path / "export.csv"
    path.write_text(
        comments + "nom,catégorie,commune\nA,DR,03.231.81.03\nX,ZZZ,03.231.81.03\n",
        encoding="utf-8",
    )
    with pytest.raises(RegistryError) as caught, transaction(scratch_factory) as s:
        import_facilities(s, AMINA, path)
    # Lines 1-2 comments, 3 header, 4 good, 5 bad: the file's own line numbers.
    assert [(e.row, e.field) for e in caught.value.errors] == [(5, "category")]
    path.write_text(comments + "nom,catégorie,commune\nA,DR,03.231.81.03\n", encoding="utf-8")
    with transaction(scratch_factory) as s:
        [fid] = import_facilities(s, AMINA, path).ids
        row = s.get(FacilityRow, fid)
        assert row is not None and (row.name, row.category) == ("A", "DR")
    # The caravan record import reads files the same way.
    record = tmp_path / "record.csv"
    record.write_text(comments + "stop,kind,count\n1,screening,9\n", encoding="utf-8")
    assert read_record_file(record) == [(4, {"stop": "1", "kind": "screening", "count": "9"})]


def test_same_id_twice_in_a_file_is_a_row_error(
    scratch_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "ids.csv"
    path.write_text(
        "id,nom,catégorie,commune\nmy-1,Centre A,DR,03.231.81.03\nmy-1,Centre B,DR,03.231.81.03\n",
        encoding="utf-8",
    )
    with pytest.raises(RegistryError) as caught, transaction(scratch_factory) as s:
        import_facilities(s, AMINA, path)
    assert [(e.row, e.field) for e in caught.value.errors] == [(3, "id")]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.xlsx", b"PK\x03\x04 not really a workbook", "not a readable .xlsx workbook"),
        ("broken.geojson", b'{"type": "FeatureCollection", ', "not valid GeoJSON"),
        ("deep.geojson", b'{"type": "FeatureCollection", "features": ' + b"[" * 200_000, "nested"),
        ("latin1.csv", "nom;catégorie\nCentre;DR\n".encode("latin-1"), "not UTF-8"),
        ("list.pdf", b"%PDF-1.4", "unsupported file type"),
        ("empty.csv", b"", "empty"),
    ],
)
def test_broken_files_are_refused(
    name: str, content: bytes, message: str, scratch_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = _state(scratch_factory)
    with pytest.raises(InputFileError, match=message), transaction(scratch_factory) as s:
        import_facilities(s, AMINA, path)
    assert _state(scratch_factory) == before


good_rows = st.lists(
    st.tuples(st.sampled_from(["DR", "CSR-1", "CSR-2"]), st.integers(0, 10_000)).map(
        lambda t: [f"Centre Propriete {t[1]}", t[0], "03.231.81.03", "", "", ""]
    ),
    max_size=6,
    unique_by=lambda r: r[0],
)
bad_row = st.sampled_from([spec[0] for spec in BAD_ROWS.values()])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(good=good_rows, bad=bad_row, position=st.integers(0, 6))
def test_property_a_failed_import_leaves_the_database_unchanged(
    scratch_factory: sessionmaker[Session],
    tmp_path: Path,
    good: list[list[str]],
    bad: list[str],
    position: int,
) -> None:
    rows = [*good]
    rows.insert(min(position, len(rows)), bad)
    path = _csv(tmp_path / "prop.csv", rows)
    before = _state(scratch_factory)
    with pytest.raises(RegistryError), transaction(scratch_factory) as s:
        import_facilities(s, AMINA, path)
    assert _state(scratch_factory) == before


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    good=good_rows,
    bad=st.lists(bad_row, max_size=2),
    seed=st.randoms(use_true_random=False),
)
def test_property_an_import_commits_every_row_or_none(
    national_db_file: tuple[Path, object],
    tmp_path_factory: pytest.TempPathFactory,
    good: list[list[str]],
    bad: list[list[str]],
    seed: random.Random,
) -> None:
    # A fresh copy of the database per example: successful examples write to it. SQLite
    # alone: a copy is a file copy here, where a PostgreSQL database per example would
    # cost half a second each (the import runs on PostgreSQL in the tests above).
    copy = tmp_path_factory.mktemp("example") / "db.sqlite"
    shutil.copyfile(national_db_file[0], copy)
    engine = make_engine(f"sqlite:///{copy}")
    factory = make_sessionmaker(engine)
    rows = [*good, *bad]
    seed.shuffle(rows)
    before = _state(factory)
    if not rows:
        engine.dispose()
        return
    path = _csv(copy.with_suffix(".csv"), rows)
    try:
        with transaction(factory) as s:
            result = import_facilities(s, AMINA, path)
    except RegistryError:
        assert bad, "only good rows, yet refused"
        assert _state(factory) == before
    else:
        assert not bad, "a bad row got through"
        assert _state(factory) == (before[0] + len(good), before[1] + len(good))
        assert len(result.ids) == len(good)
    finally:
        engine.dispose()


def test_beds_and_doctors_columns_are_not_read_and_said_so(
    scratch_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    # Capacity is written with its source and date by the capacity service, not here.
    path = tmp_path / "lits.csv"
    path.write_text(
        "nom,catégorie,commune,lits,medecins\nDispensaire Lits,DR,03.231.81.03,12,3\n",
        encoding="utf-8",
    )
    with transaction(scratch_factory) as s:
        result = import_facilities(s, AMINA, path)
    assert sorted(result.ignored_columns) == ["lits", "medecins"]
    with scratch_factory() as s:
        [fid] = result.ids
        row = s.get(FacilityRow, fid)
        assert row is not None and (row.beds, row.doctors) == (None, None)
