"""Partner files, on SQLite and PostgreSQL: a CSV or JSON import writes every row or none
(a bad row 7 is named, with its field and reason, and nothing is written), `--check`
writes nothing, and an export imported into a database without partners exports the
same again."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session, sessionmaker

from qurb.audit.keys import ServerKey
from qurb.identity._partner_tables import PartnerContactRow, PartnerRow
from qurb.identity.partner_imports import import_partners, partners_csv, partners_json
from qurb.identity.partner_service import (
    PartnerFilter,
    create_partner,
    get_partner,
    list_partners,
    set_active,
)
from qurb.identity.partners import Contact
from qurb.kernel.actor import Actor
from qurb.kernel.errors import InputError
from qurb.platform.database import transaction
from qurb.platform.files import FileLimits, InputFileError
from tests.partners import (
    CHU_FES,
    DRS_FES_MEKNES,
    EVERY_PARTNER,
    counts,
    known_facility,
    partner,
    partner_entries,
    server_key,
    write_territories,
)

AMINA = Actor.local("Amina")
REGIONAL_COUNCIL = dict(
    id="conseil-regional-fes-meknes",
    kind="regional_council",
    name_fr="Conseil de la région Fès-Meknès",
    name_ar="مجلس جهة فاس مكناس",
    territory_code="03",
)
FACULTY = dict(
    id="fmpd-fes",
    kind="faculty",
    name_fr="Faculté de médecine, de pharmacie et de médecine dentaire de Fès",
    name_ar="كلية الطب والصيدلة وطب الأسنان بفاس",
    territory_code="03.231",
)
HEADER = [
    "id",
    "kind",
    "name_fr",
    "name_ar",
    "name_en",
    "territory_code",
    "facility_id",
    "iati_ref",
    "active",
    "contact_name",
    "contact_function",
    "contact_email",
    "contact_phone",
    "contact_2_name",
    "contact_2_function",
    "contact_2_email",
    "contact_2_phone",
]


@pytest.fixture
def db(region_engine: Engine, tmp_path: Path) -> tuple[sessionmaker[Session], ServerKey]:
    return write_territories(region_engine), server_key(tmp_path)


def _cells(values: dict[str, Any]) -> dict[str, Any]:
    row = {k: v for k, v in values.items() if k != "contacts"}
    for number, contact in enumerate(values.get("contacts", []), start=1):
        prefix = "contact_" if number == 1 else f"contact_{number}_"
        row |= {prefix + k: v for k, v in contact.items()}
    return row


def _csv(path: Path, partners: list[dict[str, Any]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(_cells(p) for p in partners)
    return path


def _import(db: tuple[sessionmaker[Session], ServerKey], path: Path, **options: Any) -> list[str]:
    factory, key = db
    with transaction(factory) as session:
        result = import_partners(
            session, AMINA, path, facility_exists=known_facility, signer=key, **options
        )
    return [p.id for p in result.partners] if result.written else [f"checked {result.checked}"]


EIGHT = [*EVERY_PARTNER, REGIONAL_COUNCIL, FACULTY]


def test_a_good_csv_imports_every_row_with_its_contacts_and_audit_entries(
    db: Any, tmp_path: Path
) -> None:
    factory, _ = db
    ids = _import(db, _csv(tmp_path / "partners.csv", EIGHT))
    assert ids == [p["id"] for p in EIGHT]
    with transaction(factory) as session:
        chu = get_partner(session, "chu-hassan-ii-fes")
        actions = {(e.action, e.entity_id) for e in partner_entries(session)}
    assert chu.contacts[1] == Contact("Service de la coopération", None, "cooperation@example.ma")
    assert actions == {("partner.create", p["id"]) for p in EIGHT}
    assert counts(factory) == (8, 2, 8)


def test_a_bad_row_7_is_named_and_nothing_is_written(db: Any, tmp_path: Path) -> None:
    factory, _ = db
    rows = [dict(p) for p in EIGHT]
    rows[5] = {**rows[5], "territory_code": "03.999"}  # the 6th partner: line 7
    path = _csv(tmp_path / "partners.csv", rows)
    with pytest.raises(InputError) as refused:
        _import(db, path)
    [problem] = refused.value.errors
    assert (problem.row, problem.field, problem.code) == (
        7,
        "territory_code",
        "partner_unknown_territory",
    )
    assert problem.values == {"code": "03.999"}
    assert refused.value.source == str(path)
    assert "row 7, field 'territory_code': no territory has the code 03.999" in str(refused.value)
    assert counts(factory) == (0, 0, 0)


def test_every_bad_row_is_named_with_its_field(db: Any, tmp_path: Path) -> None:
    factory, _ = db
    rows = [
        DRS_FES_MEKNES,
        {**REGIONAL_COUNCIL, "name_fr": "x" * 301},  # line 3
        {**FACULTY, "name_ar": "كلية\x00"},  # line 4
        {**CHU_FES, "id": "drs-fes-meknes"},  # line 5: the id of line 2
        {**FACULTY, "kind": "commune"},  # line 6: a commune over a prefecture
        {**FACULTY, "id": "fmpd-fes-2", "facility_id": "hosp-nowhere"},  # line 7
    ]
    with pytest.raises(InputError) as refused:
        _import(db, _csv(tmp_path / "partners.csv", rows))
    found = [(p.row, p.field, p.code) for p in refused.value.errors]
    assert found == [
        (3, "name_fr", "pydantic.string_too_long"),
        (4, "name_ar", ""),  # pydantic's own words: must not contain a NUL character
        (5, "id", "partner_id_twice"),
        (6, "territory_code", "partner_territory_level"),
        (7, "facility_id", "partner_facility_kind"),
    ]
    assert "NUL" in refused.value.errors[1].reason
    assert counts(factory) == (0, 0, 0)


def test_an_id_already_taken_is_refused(db: Any, tmp_path: Path) -> None:
    factory, key = db
    with transaction(factory) as session:
        create_partner(
            session, AMINA, partner(**DRS_FES_MEKNES), facility_exists=known_facility, signer=key
        )
    with pytest.raises(InputError) as refused:
        _import(db, _csv(tmp_path / "partners.csv", [REGIONAL_COUNCIL, DRS_FES_MEKNES]))
    assert [(p.row, p.code) for p in refused.value.errors] == [(3, "partner_id_taken")]
    assert counts(factory) == (1, 0, 1)


def test_check_writes_nothing(db: Any, tmp_path: Path) -> None:
    factory, _ = db
    assert _import(db, _csv(tmp_path / "p.csv", EIGHT), check_only=True) == ["checked 8"]
    assert counts(factory) == (0, 0, 0)


def test_files_that_are_not_partner_files_are_refused(db: Any, tmp_path: Path) -> None:
    factory, _ = db
    misspelt = _csv(tmp_path / "p.csv", [DRS_FES_MEKNES], [*HEADER[:8], "contact_emial"])
    with pytest.raises(InputFileError) as refused:
        _import(db, misspelt)
    assert refused.value.code == "partner_unknown_columns"
    assert refused.value.values["columns"] == "'contact_emial'"
    not_a_list = tmp_path / "p.json"
    not_a_list.write_text('{"partners": 3}', encoding="utf-8")
    with pytest.raises(InputFileError) as refused:
        _import(db, not_a_list)
    assert refused.value.code == "partner_bad_json"
    with pytest.raises(InputFileError) as refused:
        _import(db, _csv(tmp_path / "three.csv", EIGHT[:3]), limits=FileLimits(max_rows=2))
    assert refused.value.code == "too_many_rows"
    not_a_list.write_text('[{"id": "drs-fes-meknes", "id": "drs-fm"}]', encoding="utf-8")
    with pytest.raises(InputFileError) as refused:
        _import(db, not_a_list)
    assert refused.value.code == "partner_bad_json" and "'id' is given twice" in str(refused.value)
    (tmp_path / "p.xlsx").write_bytes(b"")
    with pytest.raises(InputFileError) as refused:
        _import(db, tmp_path / "p.xlsx")
    assert refused.value.code == "unsupported_file_type"
    assert counts(factory) == (0, 0, 0)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_imported_into_a_database_without_partners_exports_the_same(
    db: Any, tmp_path: Path, fmt: str
) -> None:
    factory, key = db
    with transaction(factory) as session:
        for values in EIGHT:
            create_partner(
                session, AMINA, partner(**values), facility_exists=known_facility, signer=key
            )
        set_active(session, AMINA, "drs-fes-meknes", False, signer=key)
    write = partners_csv if fmt == "csv" else partners_json

    def export() -> str:
        with transaction(factory) as session:
            return write(list_partners(session, PartnerFilter(active=None)))

    first = export()
    path = tmp_path / f"partners.{fmt}"
    path.write_text(first, encoding="utf-8")
    with transaction(factory) as session:
        session.execute(delete(PartnerContactRow))
        session.execute(delete(PartnerRow))
    assert counts(factory)[:2] == (0, 0)
    assert sorted(_import(db, path)) == sorted(p["id"] for p in EIGHT)
    assert export() == first
    assert counts(factory)[:2] == (8, 2)
    if fmt == "json":
        rows = json.loads(first)["rows"]
        assert [r["id"] for r in rows] == sorted(p["id"] for p in EIGHT)
        assert next(r for r in rows if r["id"] == "drs-fes-meknes")["active"] is False
    else:
        lines = first.splitlines()
        assert lines[0].startswith("# Sources: Haut-Commissariat au Plan")
        assert lines[2].split(",")[:8] == HEADER[:8]
        assert "contact_2_phone" in lines[2]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(bad=st.sets(st.integers(0, len(EIGHT) - 1)), fmt=st.sampled_from(["csv", "json"]))
def test_an_import_writes_every_row_or_none(
    db: Any, tmp_path: Path, bad: set[int], fmt: str
) -> None:
    factory, _ = db
    rows = [{**p, "territory_code": "03.999"} if i in bad else dict(p) for i, p in enumerate(EIGHT)]
    if fmt == "csv":
        path = _csv(tmp_path / "p.csv", rows)
    else:
        path = tmp_path / "p.json"
        path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    entries = counts(factory)[2]
    if not bad:
        assert len(_import(db, path)) == len(EIGHT)
        assert counts(factory) == (8, 2, entries + 8)
        with transaction(factory) as session:  # empty again for the next example
            session.execute(delete(PartnerContactRow))
            session.execute(delete(PartnerRow))
        return
    with pytest.raises(InputError) as refused:
        _import(db, path)
    first_row = 2 if fmt == "csv" else 1  # a CSV's first partner is on line 2
    assert [p.row for p in refused.value.errors] == [first_row + i for i in sorted(bad)]
    assert counts(factory) == (0, 0, entries)
