"""Referrals from a file (CSV, XLSX): all rows or none. Every bad row is named (its line
as a spreadsheet shows it, the field, the reason in the reader's language); when one row
is bad nothing is written.

Columns: origin_facility or origin_stop (one of the two), destination, service, commune
(the patient's commune of residence, HCP code: required), pathway, step, specialty,
age_band, sex, urgency (routine by default), reason, kind (referral by default)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from qurb.identity.permissions import Permission
from qurb.kernel.actor import Actor
from qurb.kernel.errors import FieldError, Forbidden, InputError
from qurb.kernel.i18n import problem
from qurb.platform.files import read_records
from qurb.referrals.checks import NewReferral, check_new
from qurb.referrals.model import Kind, Urgency
from qurb.referrals.service import insert_checked, may_send
from qurb.territory.service import TerritoryIndex

COLUMNS = (
    "origin_facility",
    "origin_stop",
    "destination",
    "service",
    "commune",
    "pathway",
    "step",
    "specialty",
    "age_band",
    "sex",
    "urgency",
    "reason",
    "kind",
)
MAX_ROWS = 10_000  # referrals one file may send


def read_referral_file(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, values by lower-cased column) of each row of the file."""
    return [
        (r.number, {str(k).strip().lower(): v for k, v in r.values.items() if k})
        for r in read_records(path)
    ]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _whole(values: dict[str, Any], name: str, errors: list[FieldError]) -> int | None:
    text = _text(values.get(name))
    if text is None:
        return None
    if not text.isdigit() or len(text) > 9:
        errors.append(problem(name, "referral_not_whole", value=text))
        return None
    return int(text)


def _parse(values: dict[str, Any]) -> tuple[NewReferral | None, list[FieldError]]:
    errors: list[FieldError] = []
    unknown = sorted(k for k in values if k not in COLUMNS)
    if unknown:
        errors.append(
            problem("columns", "referral_unknown_columns", columns=unknown, known=list(COLUMNS))
        )
    for needed in ("destination", "service"):
        if _text(values.get(needed)) is None:
            errors.append(problem(needed, "referral_text_required"))
    stop = _whole(values, "origin_stop", errors)
    step = _whole(values, "step", errors)
    if errors:
        return None, errors
    new = NewReferral(
        service=_text(values.get("service")) or "",
        destination_facility_id=_text(values.get("destination")) or "",
        commune_code=_text(values.get("commune")),
        origin_facility_id=_text(values.get("origin_facility")),
        origin_stop_id=stop,
        pathway=_text(values.get("pathway")),
        step=step,
        specialty=_text(values.get("specialty")),
        age_band=_text(values.get("age_band")),
        sex=_text(values.get("sex")),
        reason=_text(values.get("reason")),
        urgency=_text(values.get("urgency")) or Urgency.ROUTINE.value,
        kind=_text(values.get("kind")) or Kind.REFERRAL.value,
    )
    return new, []


def import_referrals(
    session: Session, actor: Actor, rows: Sequence[tuple[int, dict[str, Any]]], source: str
) -> int:
    """Send every row's referral, or none: InputError naming each bad row and field; when
    every row is good but one is sent from an origin outside the actor's grants,
    Forbidden (`outside_scope`)."""
    if len(rows) > MAX_ROWS:
        raise InputError(
            [problem("rows", "referral_too_many_rows", rows=len(rows), limit=MAX_ROWS)], source
        )
    if not rows:
        raise InputError([problem("rows", "referral_no_row", columns=list(COLUMNS))], source)
    index = TerritoryIndex.from_session(session)
    errors: list[FieldError] = []
    ready = []
    outside: list[int] = []  # lines whose origin is outside the actor's grants
    for line, values in rows:
        new, found = _parse(values)
        if new is not None:
            checked = check_new(session, new, index)
            found = checked.errors
            if not found and not may_send(session, actor, new, checked, index):
                outside.append(line)
            elif not found:
                ready.append((new, checked))
        errors.extend(replace(e, row=line) for e in found)
    if errors:
        raise InputError(errors=errors, source=source)
    if outside:
        # Rows well formed but sent from where the account may not send: refused as any
        # write outside its grants is, naming the first such row.
        needed = Permission.REFERRALS_HANDLE.value
        raise Forbidden(code="outside_scope", values={"needed": needed, "row": outside[0]})
    for new, checked in ready:
        insert_checked(session, actor, new, checked)
    return len(ready)
