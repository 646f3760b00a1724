"""`qurb facilities import FILE`: CSV, XLSX or GeoJSON rows into the registry, all or none."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from qurb.kernel.actor import Actor
from qurb.kernel.names import fold_name
from qurb.kernel.rows import validation_errors
from qurb.platform.files import InputFileError, Record, read_records
from qurb.registry.service import (
    FacilityCreate,
    FieldError,
    RegistryError,
    create_facilities,
    validate_facilities,
)

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
    "beds": "beds",
    "lits": "beds",
    "doctors": "doctors",
    "medecins": "doctors",
    "osm id": "osm_id",
    "id": "id",
}
REQUIRED = ("name", "category", "commune")
# Columns of the Ministry's own lists that carry nothing the registry takes (the commune
# says where), ignored without a warning; any other unknown column is reported.
KNOWN_EXTRA = {"region", "delegation", "province", "abreviation"}
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
            raise InputFileError(
                f"{source}: columns {clash!r} and {column!r} both give the facility's {key}; "
                "keep one"
            )
        mapping[column] = key
    return mapping, ignored


def _map_values(record: Record, mapping: dict[str, str]) -> tuple[dict[str, Any], list[FieldError]]:
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    if GEOMETRY_ERROR in record.values:
        errors.append(FieldError("geometry", record.values[GEOMETRY_ERROR], record.number))
    for column, value in record.values.items():
        key = mapping.get(column)
        if key is not None and value is not None:
            values[key] = str(value) if key in ("commune", "osm_id", "id", "name") else value
    for needed in REQUIRED:
        if values.get(needed) in (None, ""):
            errors.append(FieldError(needed, "missing (required column)", record.number))
    return values, errors


def import_facilities(
    session: Session, actor: Actor, path: Path, sheet: str | None = None
) -> ImportResult:
    """Validate every row, then write them all in the caller's transaction, or raise.

    Raises `InputFileError` for a file that cannot be read at all, and `RegistryError`
    listing every bad row (number, field, reason) otherwise; nothing is written then.
    """
    records = read_records(path, sheet)
    if not records:
        raise RegistryError([FieldError("file", "no data rows")], str(path))
    columns = list(dict.fromkeys(c for r in records for c in r.values))
    mapping, ignored = map_header(columns, str(path))
    payloads: list[tuple[int | None, FacilityCreate]] = []
    errors: list[FieldError] = []
    for record in records:
        values, problems = _map_values(record, mapping)
        if problems:
            errors.extend(problems)
            continue
        try:
            payloads.append((record.number, FacilityCreate.model_validate(values)))
        except ValidationError as error:
            errors.extend(validation_errors(error, record.number))
    if errors:
        # Check the rows that parsed too, so the user sees every problem in one pass.
        errors.extend(validate_facilities(session, payloads)[1])
        raise RegistryError(sorted(errors, key=lambda e: (e.row or 0, e.field)), str(path))
    ids = create_facilities(
        session, actor, payloads, reason=f"import of {path.name}", source=str(path)
    )
    return ImportResult(ids, ignored)
