"""`qurb facilities import FILE`: CSV, XLSX or GeoJSON rows into the registry, all or none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from qurb.adapters.tabular import Record, read_records
from qurb.domain.names import fold_name
from qurb.services.registry import (
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
IGNORED = {"region", "delegation", "province", "__geometry_error__"}


def _map_columns(record: Record) -> tuple[dict[str, Any], list[FieldError]]:
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    if "__geometry_error__" in record.values:
        errors.append(FieldError("geometry", record.values["__geometry_error__"], record.number))
    for column, value in record.values.items():
        key = ALIASES.get(fold_name(column).replace("_", " "))
        if key is not None and value is not None:
            values[key] = str(value) if key in ("commune", "osm_id", "id", "name") else value
    for needed in REQUIRED:
        if values.get(needed) in (None, ""):
            errors.append(FieldError(needed, "missing (required column)", record.number))
    return values, errors


def import_facilities(
    session: Session, path: Path, changed_by: str, sheet: str | None = None
) -> list[str]:
    """Validate every row, then write them all in the caller's transaction, or raise.

    Raises `InputFileError` for a file that cannot be read at all, and `RegistryError`
    listing every bad row (number, field, reason) otherwise; nothing is written then.
    """
    records = read_records(path, sheet)
    if not records:
        raise RegistryError([FieldError("file", "no data rows")], str(path))
    payloads: list[tuple[int | None, FacilityCreate]] = []
    errors: list[FieldError] = []
    for record in records:
        values, problems = _map_columns(record)
        if problems:
            errors.extend(problems)
            continue
        try:
            payloads.append((record.number, FacilityCreate.model_validate(values)))
        except ValidationError as error:
            for item in error.errors():
                field = ".".join(str(p) for p in item["loc"]) or "row"
                errors.append(
                    FieldError(field, f"{item['msg']} (got {item.get('input')!r})", record.number)
                )
    if errors:
        # Check the rows that parsed too, so the user sees every problem in one pass.
        errors.extend(validate_facilities(session, payloads)[1])
        raise RegistryError(sorted(errors, key=lambda e: (e.row or 0, e.field)), str(path))
    return create_facilities(
        session, payloads, changed_by, reason=f"import of {path.name}", source=str(path)
    )
