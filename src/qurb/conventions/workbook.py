"""A convention's workbook (.xlsx, openpyxl): an about sheet naming the convention, its
reference and version, the day the workbook was made, how the import reads it and what
each column means (in the reader's language), then one sheet per kind of record
(parties, contributions, deliverables, disbursements, the committee's decisions), each
row with its record's id and version so that a re-import updates that record. Read-only
columns are shaded; Arabic sheets read right to left. Unknown stays unknown: a blank
cell, never 0."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any

from sqlalchemy.orm import Session

from qurb.conventions.committee_model import Action
from qurb.conventions.committee_service import list_actions
from qurb.conventions.deliverable_model import Deliverable
from qurb.conventions.deliverable_service import list_deliverables
from qurb.conventions.money_model import Contribution, Disbursement
from qurb.conventions.money_service import list_contributions, list_disbursements
from qurb.conventions.records import Convention
from qurb.conventions.service import get_convention
from qurb.conventions.workbook_sheets import (
    ABOUT,
    ABOUT_ROWS,
    COLUMNS,
    CONTRIBUTIONS,
    DATA_SHEETS,
    DECISIONS,
    DELIVERABLES,
    DISBURSEMENTS,
    FIRST_ROW,
    KEY_ROW,
    LABEL_ROW,
    PARTIES,
    WORKBOOK_KIND,
    Column,
    Kind,
    cell_text,
)
from qurb.kernel import clock
from qurb.kernel.i18n import translate
from qurb.registry.capacity_sheets import column_letter

# Each column's heading, by its key (the about sheet says what each holds).
COLUMN_WORDS = {
    "id": "label.conventions.workbook.col.id",
    "version": "label.conventions.workbook.col.version",
    "partner_id": "label.conventions.workbook.col.partner_id",
    "role": "label.conventions.workbook.col.role",
    "name_fr": "label.conventions.workbook.col.name_fr",
    "name_ar": "label.conventions.workbook.col.name_ar",
    "kind": "label.conventions.workbook.col.kind",
    "year": "label.conventions.workbook.col.year",
    "item": "label.conventions.workbook.col.item",
    "amount": "label.conventions.workbook.col.amount",
    "quantity": "label.conventions.workbook.col.quantity",
    "unit": "label.conventions.workbook.col.unit",
    "profession": "label.conventions.workbook.col.profession",
    "specialty": "label.conventions.workbook.col.specialty",
    "valuation": "label.conventions.workbook.col.valuation",
    "valuation_method": "label.conventions.workbook.col.valuation_method",
    "equipment_id": "label.conventions.workbook.col.equipment_id",
    "facility_id": "label.conventions.workbook.col.facility_id",
    "description_fr": "label.conventions.workbook.col.description_fr",
    "description_ar": "label.conventions.workbook.col.description_ar",
    "amendment_number": "label.conventions.workbook.col.amendment_number",
    "amendment": "label.conventions.workbook.col.amendment",
    "what_fr": "label.conventions.workbook.col.what_fr",
    "what_ar": "label.conventions.workbook.col.what_ar",
    "owner": "label.conventions.workbook.col.owner",
    "article": "label.conventions.workbook.col.article",
    "deadline": "label.conventions.workbook.col.deadline",
    "weight": "label.conventions.workbook.col.weight",
    "indicator_kind": "label.conventions.workbook.col.indicator_kind",
    "indicator_unit": "label.conventions.workbook.col.indicator_unit",
    "baseline": "label.conventions.workbook.col.baseline",
    "target": "label.conventions.workbook.col.target",
    "status": "label.conventions.workbook.col.status",
    "period": "label.conventions.workbook.col.period",
    "actual": "label.conventions.workbook.col.actual",
    "note": "label.conventions.workbook.col.note",
    "contribution_id": "label.conventions.workbook.col.contribution_id",
    "on": "label.conventions.workbook.col.on",
    "from_partner_id": "label.conventions.workbook.col.from_partner_id",
    "to_partner_id": "label.conventions.workbook.col.to_partner_id",
    "to_payee": "label.conventions.workbook.col.to_payee",
    "reference": "label.conventions.workbook.col.reference",
    "meeting_number": "label.conventions.workbook.col.meeting_number",
    "position": "label.conventions.workbook.col.position",
    "text": "label.conventions.workbook.col.text",
    "owner_partner_id": "label.conventions.workbook.col.owner_partner_id",
    "done_on": "label.conventions.workbook.col.done_on",
}
# What a column's kind holds, said once per column on the about sheet.
KIND_WORDS = {
    Kind.ID: "label.conventions.workbook.kind.id",
    Kind.TEXT: "label.conventions.workbook.kind.text",
    Kind.WHOLE: "label.conventions.workbook.kind.whole",
    Kind.MONEY: "label.conventions.workbook.kind.money",
    Kind.QUANTITY: "label.conventions.workbook.kind.quantity",
    Kind.NUMBER: "label.conventions.workbook.kind.number",
    Kind.VALUE: "label.conventions.workbook.kind.value",
    Kind.DATE: "label.conventions.workbook.kind.date",
    Kind.PARTIAL: "label.conventions.workbook.kind.partial",
    Kind.CHOICE: "label.conventions.workbook.kind.choice",
}
ABOUT_WORDS = {
    "workbook": "label.conventions.workbook.about.workbook",
    "convention_id": "label.conventions.workbook.about.convention_id",
    "reference": "label.conventions.workbook.about.reference",
    "version": "label.conventions.workbook.about.version",
    "made_on": "label.conventions.workbook.about.made_on",
}
SHEET_WORDS = {
    PARTIES: "label.conventions.workbook.sheet.parties",
    CONTRIBUTIONS: "label.conventions.workbook.sheet.contributions",
    DELIVERABLES: "label.conventions.workbook.sheet.deliverables",
    DISBURSEMENTS: "label.conventions.workbook.sheet.disbursements",
    DECISIONS: "label.conventions.workbook.sheet.decisions",
}
HOW_WORDS = (
    "label.conventions.workbook.how.ids",
    "label.conventions.workbook.how.new",
    "label.conventions.workbook.how.kept",
    "label.conventions.workbook.how.unknown",
    "label.conventions.workbook.how.all_or_nothing",
    "label.conventions.workbook.how.read_only",
    "label.conventions.workbook.how.parties",
    "label.conventions.workbook.how.decisions",
)
_READ_ONLY_FILL = "E7E6E6"
_HEADER_FILL = "DDEBF7"


@dataclass(frozen=True)
class WorkbookContent:
    """What a convention's workbook holds; `actions` None when the reader may not see
    the committee's decisions (their sheet is then left empty, the about sheet says so)."""

    convention: Convention
    contributions: Sequence[Contribution]
    deliverables: Sequence[Deliverable]
    disbursements: Sequence[Disbursement]
    actions: Sequence[Action] | None
    today: date


def workbook_content(
    session: Session, convention_id: int, *, decisions: bool = True
) -> WorkbookContent:
    """The convention's records as the workbook shows them."""
    convention = get_convention(session, convention_id)
    return WorkbookContent(
        convention=convention,
        contributions=list_contributions(session, convention_id),
        deliverables=list_deliverables(session, convention_id),
        disbursements=list_disbursements(session, convention_id),
        actions=list_actions(session, convention_id) if decisions else None,
        today=clock.today(),
    )


# ---------------------------------------------------------------------------- rows


def _contribution(c: Contribution) -> dict[str, Any]:
    v = c.values
    return {"id": c.id, "version": c.version, **{k: getattr(v, k) for k in vars(v)}}


def _deliverable(d: Deliverable) -> dict[str, Any]:
    latest = d.actuals[-1] if d.actuals else None
    return {
        "id": d.id,
        "version": d.version,
        "what_fr": d.what_fr,
        "what_ar": d.what_ar,
        "owner": d.owner,
        "article": d.article,
        "deadline": d.deadline,
        "weight": d.weight,
        "indicator_kind": d.indicator_kind,
        "indicator_unit": d.indicator_unit,
        "baseline": d.baseline,
        "target": d.target,
        "status": d.status,
        "period": latest.period if latest else None,
        "actual": latest.value if latest else None,
        "note": latest.note if latest else None,
    }


def _disbursement(d: Disbursement) -> dict[str, Any]:
    keys = ("contribution_id", "kind", "on", "amount", "from_partner_id", "to_partner_id")
    return {
        "id": d.id,
        "version": d.version,
        **{k: getattr(d, k) for k in keys},
        "to_payee": d.to_payee,
        "reference": d.reference,
    }


def _action(a: Action) -> dict[str, Any]:
    keys = ("meeting_number", "position", "text", "owner_partner_id", "deadline", "status")
    return {
        "id": a.id,
        "version": a.version,
        **{k: getattr(a, k) for k in keys},
        "done_on": a.done_on,
        "note": a.note,
    }


def record_rows(content: WorkbookContent) -> dict[str, list[dict[str, Any]]]:
    """Each sheet's rows as the records hold them, by column key (the import compares a
    row read with its record's)."""
    parties = [
        {
            "partner_id": p.partner_id,
            "role": p.role,
            "name_fr": p.partner_name_fr,
            "name_ar": p.partner_name_ar,
        }
        for p in content.convention.parties
    ]
    return {
        PARTIES: parties,
        CONTRIBUTIONS: [_contribution(c) for c in content.contributions],
        DELIVERABLES: [_deliverable(d) for d in content.deliverables],
        DISBURSEMENTS: [_disbursement(d) for d in content.disbursements],
        DECISIONS: [_action(a) for a in content.actions or ()],
    }


# ---------------------------------------------------------------------------- writing


def _styles() -> dict[str, Any]:
    from openpyxl.styles import Font, PatternFill

    return {
        "bold": Font(bold=True),
        "key": Font(color="808080", size=8),
        "read_only": PatternFill("solid", fgColor=_READ_ONLY_FILL),
        "header": PatternFill("solid", fgColor=_HEADER_FILL),
    }


def _heading(column: Column, lang: str) -> str:
    label = translate(lang, COLUMN_WORDS[column.key])
    if column.read_only:
        return translate(lang, "label.conventions.workbook.read_only", {"label": label})
    return label


def _data_sheet(worksheet: Any, sheet: str, rows: list[dict[str, Any]], lang: str) -> None:
    styles = _styles()
    columns = COLUMNS[sheet]
    for index, column in enumerate(columns, start=1):
        label = _heading(column, lang)
        heading = worksheet.cell(LABEL_ROW, index, label)
        heading.font = styles["bold"]
        heading.fill = styles["read_only"] if column.read_only else styles["header"]
        worksheet.cell(KEY_ROW, index, column.key).font = styles["key"]
        worksheet.column_dimensions[column_letter(index)].width = max(12, min(40, len(label) + 2))
    for number, row in enumerate(rows, start=FIRST_ROW):
        for index, column in enumerate(columns, start=1):
            value = cell_text(row.get(column.key))
            cell = worksheet.cell(number, index, value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # a text, never a formula a spreadsheet would run
            if column.kind == Kind.DATE:
                cell.number_format = "yyyy-mm-dd"
            elif column.kind in (Kind.PARTIAL, Kind.TEXT):
                cell.number_format = "@"  # 2026-03 stays a text, never a date
            if column.read_only:
                cell.fill = styles["read_only"]
    worksheet.freeze_panes = worksheet.cell(FIRST_ROW, 1)
    worksheet.sheet_view.rightToLeft = lang == "ar"


def _about(worksheet: Any, content: WorkbookContent, lang: str) -> None:
    styles = _styles()
    convention = content.convention
    title = translate(
        lang,
        "label.conventions.workbook.title",
        {"reference": convention.reference, "title": _title(convention, lang)},
    )
    worksheet.cell(1, 1, title).font = styles["bold"]
    values = {
        "workbook": WORKBOOK_KIND,
        "convention_id": convention.id,
        "reference": convention.reference,
        "version": convention.version,
        "made_on": content.today,
    }
    for key, row in ABOUT_ROWS.items():
        worksheet.cell(row, 1, translate(lang, ABOUT_WORDS[key])).font = styles["bold"]
        cell = worksheet.cell(row, 2, values[key])
        if key == "made_on":
            cell.number_format = "yyyy-mm-dd"
    row = max(ABOUT_ROWS.values()) + 2
    for key in HOW_WORDS:
        if key.endswith(".decisions") and content.actions is not None:
            continue
        worksheet.cell(row, 1, translate(lang, key))
        row += 1
    row += 1
    for sheet in DATA_SHEETS:
        worksheet.cell(row, 1, translate(lang, SHEET_WORDS[sheet])).font = styles["bold"]
        row += 1
        for column in COLUMNS[sheet]:
            worksheet.cell(row, 1, column.key).font = styles["key"]
            worksheet.cell(row, 2, _heading(column, lang))
            worksheet.cell(row, 3, _meaning(column, lang))
            row += 1
        row += 1
    for letter, width in (("A", 28), ("B", 40), ("C", 80)):
        worksheet.column_dimensions[letter].width = width
    worksheet.sheet_view.rightToLeft = lang == "ar"


def _title(convention: Convention, lang: str) -> str:
    fields = convention.fields
    return fields.title_ar if lang == "ar" and fields.title_ar else fields.title_fr


def _meaning(column: Column, lang: str) -> str:
    text = translate(lang, KIND_WORDS[column.kind], {"choices": ", ".join(column.choices)})
    if column.fixed:
        text = translate(lang, "label.conventions.workbook.fixed", {"text": text})
    return text


def convention_workbook(content: WorkbookContent, lang: str) -> bytes:
    """The workbook's bytes."""
    from openpyxl import Workbook

    workbook = Workbook()
    about = workbook.active
    assert about is not None  # a new workbook has its one sheet
    about.title = ABOUT
    _about(about, content, lang)
    rows = record_rows(content)
    for sheet in DATA_SHEETS:
        _data_sheet(workbook.create_sheet(sheet), sheet, rows[sheet], lang)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def workbook_file(
    session: Session, convention_id: int, lang: str, *, decisions: bool = True
) -> tuple[str, bytes]:
    """A convention's workbook: its file name (by its reference) and its bytes."""
    content = workbook_content(session, convention_id, decisions=decisions)
    return file_name(content.convention), convention_workbook(content, lang)


def file_name(convention: Convention) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in convention.reference)
    return f"convention-{safe.strip('-.') or convention.id}.xlsx"
