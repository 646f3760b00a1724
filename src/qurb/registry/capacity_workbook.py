"""The capacity template of one province, as an .xlsx workbook (openpyxl): a first sheet
saying how to fill it (French, Arabic, English) with the named cells the import reads
(template, province, source, as-of date), one sheet per kind of row (capacity per
facility, beds by service, specialists, equipment) prefilled with what is recorded, and
the allowed codes with their labels and sources. Read-only columns are shaded and locked
(the sheets protected, without a password: the import checks them anyway)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any

from qurb.kernel.i18n import LANGS, data_label, translate
from qurb.registry.capacity_sheets import (
    BEDS,
    CAPACITY,
    CODES,
    EQUIPMENT,
    FIRST_ROW,
    INSTRUCTIONS,
    KEY_ROW,
    LABEL_ROW,
    NAMED_ROWS,
    SERVICES_SEPARATOR,
    SPECIALISTS,
    TEMPLATE_KIND,
    UNKNOWN_MARK,
    CodeLists,
    Column,
    Kind,
    column_letter,
    sheet_columns,
)

SPARE_ROWS = 200  # blank, editable rows under the long sheets' rows, for new ones
# The words of each column's heading, by its key (a profession's column: STAFF_WORDS).
COLUMN_WORDS = {
    "facility_id": "label.workbook.facility_id",
    "name": "label.workbook.name",
    "name_ar": "label.workbook.name_ar",
    "category": "label.workbook.category",
    "commune": "label.workbook.commune",
    "beds": "label.workbook.beds",
    "hours": "label.workbook.hours",
    "services": "label.workbook.services",
    "service": "label.workbook.service",
    "specialty": "label.workbook.specialty",
    "headcount": "label.workbook.headcount",
    "equipment_id": "label.workbook.equipment_id",
    "kind": "label.workbook.kind",
    "model": "label.workbook.model",
    "inventory_ref": "label.workbook.inventory_ref",
    "in_service": "label.workbook.in_service",
    "status": "label.workbook.status",
    "down_reason": "label.workbook.down_reason",
    "down_since": "label.workbook.down_since",
    "retired_on": "label.workbook.retired_on",
    "version": "label.workbook.version",
}
STAFF_WORDS = "label.workbook.staff"
CODES_WORDS = {
    "list": "label.workbook.codes.list",
    "code": "label.workbook.codes.code",
    "label": "label.workbook.codes.label",
    "name_fr": "label.workbook.codes.name_fr",
    "name_ar": "label.workbook.codes.name_ar",
    "name_en": "label.workbook.codes.name_en",
    "source": "label.workbook.codes.source",
}
NAMED_WORDS = {
    "qurb_template": "label.workbook.named.template",
    "qurb_province": "label.workbook.named.province",
    "qurb_source": "label.workbook.named.source",
    "qurb_as_of": "label.workbook.named.as_of",
}
HOW_WORDS = (
    "label.workbook.how.1",
    "label.workbook.how.2",
    "label.workbook.how.3",
    "label.workbook.how.4",
    "label.workbook.how.5",
    "label.workbook.how.6",
    "label.workbook.how.7",
    "label.workbook.how.8",
    "label.workbook.how.9",
)
CODE_LISTS = ("professions", "specialties", "bed_services", "equipment_kinds", "statuses")
_READ_ONLY_FILL = "E7E6E6"
_HEADER_FILL = "DDEBF7"


@dataclass(frozen=True)
class TemplateFacility:
    id: str
    name: str
    name_ar: str | None
    category: str
    commune: str
    # Measure → its current value (None: recorded as unknown); a measure never recorded
    # is absent.
    values: Mapping[str, int | None]
    hours: str | None
    services: tuple[str, ...]
    version: int  # the facility's record's version (the import refuses a stale template)


@dataclass(frozen=True)
class TemplateEquipment:
    id: str
    facility_id: str
    kind: str
    model: str | None
    inventory_ref: str | None
    in_service: date | None
    status: str
    down_reason: str | None
    down_since: date | None
    retired_on: date | None
    version: int  # the item's version (the import refuses a stale template)


@dataclass(frozen=True)
class TemplateContent:
    province_code: str
    province_name: str
    facilities: Sequence[TemplateFacility]
    equipment: Sequence[TemplateEquipment]
    lists: CodeLists
    service_labels: Mapping[str, Mapping[str, str]]  # service name → name_fr/ar/en
    services_source: str
    today: date
    sources: str = ""  # where the facilities' records come from, with their licences


def column_label(column: Column, lists: CodeLists, lang: str) -> str:
    """A column's heading in `lang`: a profession's label for a staff column."""
    if column.key.startswith("staff."):
        entry = lists.lists["professions"][column.key.removeprefix("staff.")]
        return translate(lang, STAFF_WORDS, {"profession": data_label(entry, lang)})
    return translate(lang, COLUMN_WORDS[column.key])


def template_workbook(content: TemplateContent, lang: str) -> bytes:
    """The workbook's bytes."""
    from openpyxl import Workbook

    workbook = Workbook()
    instructions = workbook.active
    assert instructions is not None  # a new workbook has its one sheet
    instructions.title = INSTRUCTIONS
    codes_at = _codes_sheet(workbook.create_sheet(CODES), content, lang)
    _instructions(workbook, instructions, content, lang)
    by_facility = sorted(content.facilities, key=lambda f: f.id)
    capacity = [_capacity_row(f) for f in by_facility]
    beds = [
        [f.id, measure.removeprefix("beds."), _count(value)]
        for f in by_facility
        for measure, value in sorted(f.values.items())
        if measure.startswith("beds.")
    ]
    specialists = [
        [f.id, measure.removeprefix("specialists."), _count(value)]
        for f in by_facility
        for measure, value in sorted(f.values.items())
        if measure.startswith("specialists.")
    ]
    equipment = [_equipment_row(e) for e in sorted(content.equipment, key=lambda e: e.id)]
    facility_range = f"{CAPACITY}!$A${FIRST_ROW}:$A${FIRST_ROW + max(len(capacity), 1) - 1}"
    for sheet, rows, spare in (
        (CAPACITY, capacity, 0),
        (BEDS, beds, SPARE_ROWS),
        (SPECIALISTS, specialists, SPARE_ROWS),
        (EQUIPMENT, equipment, SPARE_ROWS),
    ):
        worksheet = workbook.create_sheet(sheet, index=len(workbook.sheetnames) - 1)
        columns = sheet_columns(sheet, content.lists)
        _data_sheet(worksheet, columns, rows, spare, content, lang)
        _validations(worksheet, columns, len(rows) + spare, codes_at, facility_range, content)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _count(value: int | None) -> int | str:
    return UNKNOWN_MARK if value is None else value


def _capacity_row(facility: TemplateFacility) -> list[Any]:
    return [facility.id, facility.name, facility.name_ar or "", facility.category, facility.commune]


def _equipment_row(item: TemplateEquipment) -> list[Any]:
    return [
        item.id,
        item.facility_id,
        item.kind,
        item.model,
        item.inventory_ref,
        item.in_service,
        item.status,
        item.down_reason,
        item.down_since,
        item.retired_on,
        item.version,
    ]


def _styles() -> dict[str, Any]:
    from openpyxl.styles import Font, PatternFill, Protection

    return {
        "bold": Font(bold=True),
        "key": Font(color="808080", size=8),
        "read_only": PatternFill("solid", fgColor=_READ_ONLY_FILL),
        "header": PatternFill("solid", fgColor=_HEADER_FILL),
        "open": Protection(locked=False),
    }


def _data_sheet(
    worksheet: Any,
    columns: Sequence[Column],
    rows: list[list[Any]],
    spare: int,
    content: TemplateContent,
    lang: str,
) -> None:
    styles = _styles()
    facilities = {f.id: f for f in content.facilities}
    for index, column in enumerate(columns, start=1):
        label = column_label(column, content.lists, lang)
        if column.read_only:
            label = translate(lang, "label.workbook.read_only", {"label": label})
        heading = worksheet.cell(LABEL_ROW, index, label)
        heading.font = styles["bold"]
        heading.fill = styles["read_only"] if column.read_only else styles["header"]
        worksheet.cell(KEY_ROW, index, column.key).font = styles["key"]
        worksheet.column_dimensions[column_letter(index)].width = max(12, min(40, len(label) + 2))
    for offset in range(len(rows) + spare):
        number = FIRST_ROW + offset
        values = rows[offset] if offset < len(rows) else []
        if worksheet.title == CAPACITY:
            values = values + _capacity_values(facilities[values[0]], columns[len(values) :])
        for index, column in enumerate(columns, start=1):
            value = values[index - 1] if index <= len(values) else None
            cell = worksheet.cell(number, index, value)
            if column.kind == Kind.DATE:
                cell.number_format = "yyyy-mm-dd"
            if column.read_only:
                cell.fill = styles["read_only"]
            else:
                cell.protection = styles["open"]
    worksheet.freeze_panes = worksheet.cell(FIRST_ROW, 2)
    worksheet.protection.sheet = True
    worksheet.protection.formatColumns = False  # widths may change
    worksheet.protection.autoFilter = False


def _capacity_values(facility: TemplateFacility, columns: Sequence[Column]) -> list[Any]:
    values: list[Any] = []
    for column in columns:
        if column.kind == Kind.COUNT:
            known = column.key in facility.values
            values.append(_count(facility.values[column.key]) if known else None)
        elif column.kind == Kind.HOURS:
            values.append(facility.hours)
        elif column.key == "version":
            values.append(facility.version)
        else:
            values.append(f"{SERVICES_SEPARATOR} ".join(facility.services) or None)
    return values


def _validations(
    worksheet: Any,
    columns: Sequence[Column],
    rows: int,
    codes_at: Mapping[str, str],
    facility_range: str,
    content: TemplateContent,
) -> None:
    """Lists for codes and facility ids, whole numbers within the bounds, past dates: as
    warnings (a `?` stays possible), the import checking every cell anyway."""
    from openpyxl.worksheet.datavalidation import DataValidation

    last = FIRST_ROW + max(rows, 1) - 1
    for index, column in enumerate(columns, start=1):
        if column.read_only:
            continue
        letter = column_letter(index)
        if column.kind == Kind.CODE and column.codes is not None and column.codes in codes_at:
            rule = DataValidation(type="list", formula1=f"={codes_at[column.codes]}")
        elif column.key == "facility_id":
            rule = DataValidation(type="list", formula1=f"={facility_range}")
        elif column.kind == Kind.COUNT:
            bound = content.lists.bounds[column.bound or "staff"]
            rule = DataValidation(
                type="whole", operator="between", formula1="0", formula2=str(bound)
            )
        elif column.kind == Kind.DATE:
            rule = DataValidation(type="date", operator="lessThanOrEqual", formula1="TODAY()")
        else:
            continue
        rule.errorStyle = "warning"
        rule.add(f"{letter}{FIRST_ROW}:{letter}{last}")
        worksheet.add_data_validation(rule)


def _code_rows(
    content: TemplateContent, lang: str
) -> list[tuple[str, str, Mapping[str, str], str]]:
    rows = []
    for name in CODE_LISTS:
        source = content.lists.sources.get(name, "")
        for code, entry in content.lists.lists.get(name, {}).items():
            rows.append((name, code, entry, source))
    for service in sorted(content.service_labels):
        rows.append(("services", service, content.service_labels[service], content.services_source))
    return rows


def _codes_sheet(worksheet: Any, content: TemplateContent, lang: str) -> dict[str, str]:
    """The allowed codes, list by list; answers each list's range (for the validations)."""
    styles = _styles()
    headings = ("list", "code", "label", *(f"name_{lang_}" for lang_ in LANGS), "source")
    for index, key in enumerate(headings, start=1):
        cell = worksheet.cell(LABEL_ROW, index, translate(lang, CODES_WORDS[key]))
        cell.font, cell.fill = styles["bold"], styles["header"]
        worksheet.cell(KEY_ROW, index, key).font = styles["key"]
    ranges: dict[str, list[int]] = {}
    for number, (name, code, entry, source) in enumerate(
        _code_rows(content, lang), start=FIRST_ROW
    ):
        labels = [data_label(entry, lang_) for lang_ in LANGS]
        row = [name, code, data_label(entry, lang), *labels, source]
        for index, value in enumerate(row, start=1):
            worksheet.cell(number, index, value)
        ranges.setdefault(name, []).append(number)
    for index, width in enumerate((16, 28, 40, 40, 40, 40, 50), start=1):
        worksheet.column_dimensions[column_letter(index)].width = width
    worksheet.protection.sheet = True
    return {name: f"{CODES}!$B${min(rows)}:$B${max(rows)}" for name, rows in ranges.items()}


def _instructions(workbook: Any, worksheet: Any, content: TemplateContent, lang: str) -> None:
    from openpyxl.workbook.defined_name import DefinedName

    styles = _styles()
    title = translate(
        lang,
        "label.workbook.title",
        {"province": content.province_name, "code": content.province_code},
    )
    worksheet.cell(1, 1, title).font = styles["bold"]
    values = {
        "qurb_template": TEMPLATE_KIND,
        "qurb_province": content.province_code,
        "qurb_source": None,
        "qurb_as_of": None,
    }
    for key, row in NAMED_ROWS.items():
        worksheet.cell(row, 1, translate(lang, NAMED_WORDS[key])).font = styles["bold"]
        cell = worksheet.cell(row, 2, values[key])
        if key in ("qurb_source", "qurb_as_of"):
            cell.protection = styles["open"]
            cell.fill = styles["header"]
        if key == "qurb_as_of":
            cell.number_format = "yyyy-mm-dd"
        workbook.defined_names[key] = DefinedName(key, attr_text=f"{INSTRUCTIONS}!$B${row}")
    row = max(NAMED_ROWS.values()) + 1
    worksheet.cell(row, 1, translate(lang, "label.workbook.sources")).font = styles["bold"]
    worksheet.cell(row, 2, content.sources)
    row += 2
    for lang_ in ("fr", "ar", "en"):
        worksheet.cell(row, 1, translate(lang_, "label.workbook.how.title")).font = styles["bold"]
        row += 1
        for key in HOW_WORDS:
            text = translate(lang_, key, {"unknown": UNKNOWN_MARK, "separator": SERVICES_SEPARATOR})
            worksheet.cell(row, 1, text)
            row += 1
        row += 1
    worksheet.column_dimensions["A"].width = 48
    worksheet.column_dimensions["B"].width = 40
    worksheet.protection.sheet = True
