"""An import file with values no column can hold: every bad row is reported with its
field, on SQLite and on PostgreSQL alike, and nothing is written."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.kernel.actor import Actor
from qurb.platform.database import transaction
from qurb.registry._tables import FacilityRow
from qurb.registry.imports import import_facilities
from qurb.registry.service import RegistryError
from tests.regions import SMALL_FACILITIES

HEADER = ["nom", "nom_ar", "catégorie", "commune", "lits", "médecins", "id"]
GOOD = ["CSR Tizgui Nord", "", "CSR-1", "Tizgui", "", "", ""]
# (lits, médecins: capacity, not read by the facilities import: reported as not read)
# (a change to the good row: column → value, the field reported)
BAD: list[tuple[dict[str, str], str]] = [
    ({"nom": "CSR\x00Tizgui"}, "name"),
    ({"nom": "H\u043epital Tizgui"}, "name"),
    ({"nom": "CSR \u202eNord"}, "name"),
    ({"nom_ar": "مستشفى القرب " * 30}, "name_ar"),
    ({"id": "a/b"}, "id"),
    ({"id": "<script>"}, "id"),
]


def _row(number: int, change: dict[str, str]) -> list[str]:
    """The good row with one change, named apart from the others (no duplicates)."""
    good = [f"{GOOD[0]} {number}", *GOOD[1:]]
    return [change.get(column, value) for column, value in zip(HEADER, good, strict=True)]


def test_bad_values_are_reported_by_row_and_field(
    small_region_db: Callable[..., sessionmaker[Session]], tmp_path: Path
) -> None:
    factory = small_region_db()
    path = tmp_path / "bad.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([HEADER, *[_row(n, change) for n, (change, _) in enumerate(BAD)]])
    with pytest.raises(RegistryError) as caught, transaction(factory) as session:
        import_facilities(session, Actor.local("amina"), path)
    assert [(e.row, e.field) for e in caught.value.errors] == [
        (line, field) for line, (_, field) in enumerate(BAD, start=2)
    ]
    with factory() as session:
        count = session.scalar(select(func.count()).select_from(FacilityRow))
    assert count == len(SMALL_FACILITIES)
