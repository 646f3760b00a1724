"""Partners in and out of files: `qurb partners import FILE [--check]` and `qurb partners
export`, CSV (UTF-8, a header row) or JSON.

CSV: one partner a row, in the columns `id, kind, name_fr, name_ar, name_en,
territory_code, facility_id, iati_ref, active`, then its contacts: `contact_name,
contact_function, contact_email, contact_phone` for the first, `contact_2_name, …` for
the second and so on up to MAX_CONTACTS (an export writes as many groups as its partner
with the most contacts needs, at least one). An unknown column is refused, not ignored:
a misspelt `contact_emial` would lose a person's address without a word.

JSON: a list of partners (each an object of the same fields, `contacts` a list of
objects), or an export's object with that list under `rows`.

An import is all or nothing: every row is checked (its fields, the territory tree, the
registry's facilities, ids already taken or given twice in the file) before anything is
written; any problem raises one InputError naming the file, and each problem's row
(the CSV line, the JSON item's number), field and reason. The file's size and rows are
bounded as the registry's imports are (`platform.files.FileLimits`)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from qurb.audit.keys import ServerKey
from qurb.identity.partner_service import PartnerValidator, create_partners
from qurb.identity.partners import MAX_CONTACTS, FacilityLookup, Partner, PartnerCreate
from qurb.kernel.actor import Actor
from qurb.kernel.attribution import Attribution, DataSource
from qurb.kernel.rows import validate_rows
from qurb.platform.csv_cells import csv_cell
from qurb.platform.files import MAX_FILE_MB_ENV, FileLimits, InputFileError, read_records

PARTNER_COLUMNS = (
    "id",
    "kind",
    "name_fr",
    "name_ar",
    "name_en",
    "territory_code",
    "facility_id",
    "iati_ref",
    "active",
)
CONTACT_FIELDS = ("name", "function", "email", "phone")
# The territories are HCP's; the partners themselves are entries made in Qurb.
PARTNER_SOURCES = Attribution.of(DataSource.HCP)
_CONTACT_COLUMN = re.compile(r"^contact(?:_(\d+))?_(name|function|email|phone)$")
_MB = 1 << 20


@dataclass(frozen=True)
class ImportResult:
    partners: list[Partner]  # written (empty for a check)
    checked: int  # rows found good
    written: bool


def contact_column(number: int, name: str) -> str:
    return f"contact_{name}" if number == 1 else f"contact_{number}_{name}"


def _contact_slot(column: str) -> tuple[int, str] | None:
    found = _CONTACT_COLUMN.match(column)
    if found is None:
        return None
    number = int(found.group(1) or 1)
    return (number, found.group(2)) if 1 <= number <= MAX_CONTACTS else None


def _check_columns(path: Path, columns: Sequence[str]) -> None:
    unknown = [c for c in columns if c not in PARTNER_COLUMNS and _contact_slot(c) is None]
    if unknown:
        raise InputFileError(
            f"{path}: unknown column(s) {', '.join(map(repr, unknown))}; a partners file "
            f"has {', '.join(PARTNER_COLUMNS)} and contact_name, contact_function, "
            "contact_email, contact_phone (contact_2_name… for more contacts)",
            code="partner_unknown_columns",
            values={"path": str(path), "columns": ", ".join(map(repr, unknown))},
        )


def _csv_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """A CSV row as a partner's fields: the contact columns gathered into `contacts`, in
    their order, a group with every cell empty left out."""
    out: dict[str, Any] = {k: v for k, v in values.items() if k in PARTNER_COLUMNS}
    groups: dict[int, dict[str, Any]] = {}
    for column, value in values.items():
        slot = _contact_slot(column)
        if slot is not None and value is not None:
            groups.setdefault(slot[0], {})[slot[1]] = value
    out["contacts"] = [groups[n] for n in sorted(groups)]
    return {k: v for k, v in out.items() if v is not None}


def _read_csv(path: Path, limits: FileLimits) -> list[tuple[int, dict[str, Any]]]:
    records = read_records(path, limits=limits)
    columns = list(dict.fromkeys(c for r in records for c in r.values))
    _check_columns(path, columns)
    return [(record.number, _csv_values(record.values)) for record in records]


class _GivenTwice(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _once_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are each given once (JSON would keep the last silently)."""
    found = dict(pairs)
    if len(found) < len(pairs):
        keys = [key for key, _ in pairs]
        raise _GivenTwice(next(k for i, k in enumerate(keys) if k in keys[:i]))
    return found


def _read_json(path: Path, limits: FileLimits) -> list[tuple[int, dict[str, Any]]]:
    if not path.exists():
        raise InputFileError(
            f"{path}: no such file", code="no_such_file", values={"path": str(path)}
        )
    size = path.stat().st_size
    if size > limits.max_file_mb * _MB:
        values = {"path": str(path), "size": round(size / _MB, 1), "limit": limits.max_file_mb}
        raise InputFileError(code="file_too_large", values={**values, "setting": MAX_FILE_MB_ENV})
    try:
        data = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_once_each)
    except _GivenTwice as twice:
        raise InputFileError(
            f"{path}: member {twice.key!r} is given twice in one object; keep one",
            code="partner_bad_json",
            values={"path": str(path)},
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise InputFileError(
            f"{path}: not valid JSON ({error})",
            code="partner_bad_json",
            values={"path": str(path)},
        ) from None
    items = data.get("rows") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InputFileError(
            f"{path}: expected a list of partners (or an export, its partners under 'rows')",
            code="partner_bad_json",
            values={"path": str(path)},
        )
    if len(items) > limits.max_rows:
        raise limits.too_many_rows(path)
    rows = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise InputFileError(
                f"{path}: partner {number} is not a JSON object",
                code="partner_bad_json",
                values={"path": str(path)},
            )
        rows.append((number, {k: v for k, v in item.items() if v is not None}))
    return rows


def read_partner_file(
    path: Path, limits: FileLimits | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """The rows of a partners file as (row number, values); InputFileError for a file that
    cannot be read as one."""
    limits = limits or FileLimits.from_env()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, limits)
    if suffix == ".json":
        return _read_json(path, limits)
    raise InputFileError(
        f"{path}: unsupported file type '{suffix}'; use .csv or .json",
        code="unsupported_file_type",
        values={"path": str(path), "suffix": suffix, "supported": ".csv, .json"},
    )


Payloads = Sequence[tuple[int | None, PartnerCreate]]
# Who writes which rows: the rows grouped by the actor (an account's grant) that writes
# them, after checking that one may write each (the command line's token guard).
Authorise = Callable[[Payloads], Sequence[tuple[Actor, Payloads]]]


def import_partners(
    session: Session,
    actor: Actor | Authorise | None,
    path: Path,
    *,
    facility_exists: FacilityLookup,
    signer: ServerKey,
    check_only: bool = False,
    limits: FileLimits | None = None,
) -> ImportResult:
    """Check every row of the file, then write them all in the caller's transaction (each
    with its audit entry), or raise one InputError and write nothing. `actor` writes every
    row, or, given as a function of the rows, says who writes which (and refuses what
    nobody may). `check_only`: check, write nothing (no actor needed)."""
    rows = read_partner_file(path, limits)
    if not rows:
        raise InputFileError(
            f"{path}: no partner in the file", code="partner_empty_file", values={"path": str(path)}
        )
    validator = PartnerValidator.for_session(session, facility_exists)
    good = validate_rows(
        PartnerCreate,
        rows,
        str(path),
        lambda number, payload: validator.check_new(payload, number),
    )
    if check_only or actor is None:
        return ImportResult([], len(good), False)
    payloads = [(row.number, row.value) for row in good]
    groups = [(actor, payloads)] if isinstance(actor, Actor) else actor(payloads)
    written = [
        partner
        for writer, group in groups
        for partner in create_partners(
            session,
            writer,
            group,
            facility_exists=facility_exists,
            signer=signer,
            source=str(path),
        )
    ]
    return ImportResult(written, len(written), True)


def partner_record(partner: Partner) -> dict[str, Any]:
    """A partner as an export's JSON item: the fields an import reads, contacts nested."""
    return partner.snapshot()


def partners_json(partners: Sequence[Partner]) -> str:
    listing = PARTNER_SOURCES.listing(partner_record(p) for p in partners)
    return json.dumps(listing, ensure_ascii=False, indent=2) + "\n"


def csv_columns(partners: Sequence[Partner]) -> list[str]:
    groups = max([len(p.contacts) for p in partners] + [1])
    contact_columns = [
        contact_column(n, name) for n in range(1, groups + 1) for name in CONTACT_FIELDS
    ]
    return [*PARTNER_COLUMNS, *contact_columns]


def partner_csv_row(partner: Partner) -> dict[str, Any]:
    row: dict[str, Any] = {k: v for k, v in partner.snapshot().items() if k in PARTNER_COLUMNS}
    row["active"] = "true" if partner.active else "false"
    for number, contact in enumerate(partner.contacts, start=1):
        for name, value in contact.values().items():
            row[contact_column(number, name)] = value
    return row


def partners_csv(partners: Sequence[Partner]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = csv_columns(partners)
    writer.writerow(columns)
    for partner in partners:
        row = partner_csv_row(partner)
        writer.writerow(["" if row.get(c) is None else csv_cell(row[c]) for c in columns])
    return PARTNER_SOURCES.csv_text(buffer.getvalue())
