"""`qurb facilities import FILE`: CSV, XLSX or GeoJSON rows into the registry, all or none."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from qurb.kernel.actor import Actor
from qurb.kernel.errors import FieldError, InputError
from qurb.kernel.i18n import problem
from qurb.kernel.names import fold_name
from qurb.kernel.rows import validate_rows
from qurb.kernel.values import Name
from qurb.platform.files import InputFileError, Record, read_records
from qurb.registry.service import FacilityCreate, RegistryError, Validator, create_facilities

# Column names users write (French, English, the Ministry's), folded, to our fields.
ALIASES = {
    "name": "name",
    "nom": "name",
    "nom etablissement": "name",
    "etablissement hospitalier": "name",
    "name ar": "name_ar",
    "nom ar": "name_ar",
    "category": "category",
    "categorie": "category",
    "commune": "commune",
    "commune code": "commune",
    "code commune": "commune",
    "lon": "lon",
    "longitude": "lon",
    "lng": "lon",
    "x": "lon",
    "lat": "lat",
    "latitude": "lat",
    "y": "lat",
    "sector": "sector",
    "secteur": "sector",
    "osm id": "osm_id",
    "id": "id",
}
REQUIRED = ("name", "category", "commune")
# Columns of the Ministry's own lists that carry nothing the registry takes (the commune
# says where), ignored without a warning; any other unknown column is reported.
KNOWN_EXTRA = {"region", "delegation", "province", "abreviation"}
# Beds and doctors are capacity, written with their source and date through the capacity
# service (its workbook, `qurb capacity set`): a list's columns of them are not read here,
# and reported as not read.
GEOMETRY_ERROR = "__geometry_error__"


@dataclass(frozen=True)
class ImportResult:
    ids: list[str]
    ignored_columns: list[str]  # columns Qurb does not read, so the user knows


def map_header(columns: Iterable[str], source: str) -> tuple[dict[str, str], list[str]]:
    """Column → field for the columns we read, and the unknown ones (not read).

    Two columns for the same field ('nom' and 'name') are refused: which one wins would be
    a guess.
    """
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    for column in columns:
        if column == GEOMETRY_ERROR:
            continue
        key = ALIASES.get(fold_name(column).replace("_", " "))
        if key is None:
            if fold_name(column) not in KNOWN_EXTRA:
                ignored.append(column)
            continue
        clash = next((c for c, k in mapping.items() if k == key), None)
        if clash is not None:
            values = {"path": source, "first": repr(clash), "second": repr(column), "key": key}
            raise InputFileError(code="columns_clash", values=values)
        mapping[column] = key
    return mapping, ignored


class ImportRow(FacilityCreate):
    """One row of an import file as read: the required columns may be empty (reported as
    missing), and a GeoJSON feature's geometry may have failed to read."""

    name: Name | None = None  # type: ignore[assignment]
    category: str | None = None  # type: ignore[assignment]
    commune: str | None = None  # type: ignore[assignment]
    geometry_error: Any = None  # the FieldError of a GeoJSON feature's geometry

    def facility(self) -> FacilityCreate:
        return FacilityCreate.model_validate(self.model_dump(exclude={"geometry_error"}))


def _row_values(record: Record, mapping: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if GEOMETRY_ERROR in record.values:
        values["geometry_error"] = record.values[GEOMETRY_ERROR]
    for column, value in record.values.items():
        key = mapping.get(column)
        if key is not None and value is not None:
            values[key] = str(value) if key in ("commune", "osm_id", "id", "name") else value
    return values


def _row_checker(session: Session) -> Callable[[int, ImportRow], list[FieldError]]:
    """What a row model cannot see alone: a geometry that failed to read, a required column
    left empty, then the registry's rules (territory, location, duplicates in the batch)."""
    validator = Validator.for_session(session)

    def check(number: int, row: ImportRow) -> list[FieldError]:
        errors = []
        if row.geometry_error is not None:
            errors.append(replace(row.geometry_error, row=number))
        for needed in REQUIRED:
            if getattr(row, needed) in (None, ""):
                errors.append(problem(needed, "missing_required", number))
        if errors:
            return errors
        return validator.check_create(row.facility(), number)[1]

    return check


def _in_order(errors: Sequence[FieldError]) -> list[FieldError]:
    """By row then field; the note on problems not shown stays last."""
    return sorted(errors, key=lambda e: (e.row is None, e.row or 0, e.field))


Payloads = Sequence[tuple[int | None, FacilityCreate]]
# Who writes which rows: the rows grouped by the actor (an account's grant) that writes
# them, after checking that one may write each (the command line's token guard).
Authorise = Callable[[Payloads], Sequence[tuple[Actor, Payloads]]]


def import_facilities(
    session: Session, actor: Actor | Authorise, path: Path, sheet: str | None = None
) -> ImportResult:
    """Validate every row, then write them all in the caller's transaction, or raise.
    `actor` writes every row, or, given as a function of the rows, says who writes which
    (and refuses what nobody may).

    Raises `InputFileError` for a file that cannot be read at all, and `RegistryError`
    listing every bad row (number, field, reason) otherwise; nothing is written then.
    """
    records = read_records(path, sheet)
    if not records:
        raise RegistryError([problem("file", "no_data_rows")], str(path))
    columns = list(dict.fromkeys(c for r in records for c in r.values))
    mapping, ignored = map_header(columns, str(path))
    try:
        rows = validate_rows(
            ImportRow,
            [(record.number, _row_values(record, mapping)) for record in records],
            str(path),
            _row_checker(session),
        )
    except InputError as error:
        raise RegistryError(_in_order(error.errors), str(path)) from None
    payloads: list[tuple[int | None, FacilityCreate]] = [
        (row.number, row.value.facility()) for row in rows
    ]
    groups = [(actor, payloads)] if isinstance(actor, Actor) else actor(payloads)
    ids = [
        facility_id
        for writer, group in groups
        for facility_id in create_facilities(
            session, writer, group, reason=f"import of {path.name}", source=str(path)
        )
    ]
    return ImportResult(ids, ignored)
