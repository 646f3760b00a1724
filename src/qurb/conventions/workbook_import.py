"""A convention's workbook imported back, all or nothing: the file read and every cell
checked (`workbook_reader`, before a write transaction opens), the workbook's convention
checked (its id and reference on the about sheet), every row compared with its record
and checked (`workbook_plan`); every problem named (sheet, row, column, reason; the first
50 with the total) and nothing written while one remains. Then each change is written
through the service functions (grants and audit as for one edit), in the caller's
transaction, each in a savepoint so that a refusal only a service can see is named with
its row too; any refusal undoes the whole. An unchanged workbook writes nothing: no
audit entry, "0 changed". Rows left out are not deleted."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from qurb.conventions.workbook import WorkbookContent, workbook_content
from qurb.conventions.workbook_plan import Authority, Change, plan_changes
from qurb.conventions.workbook_reader import ReadBook, located, read_book
from qurb.conventions.workbook_sheets import DATA_SHEETS, WORKBOOK_KIND
from qurb.kernel.errors import Conflict, FieldError, InputError, NotFound
from qurb.kernel.rows import too_many
from qurb.platform.files import FileLimits, InputFileError


@dataclass(frozen=True)
class SheetCounts:
    sheet: str
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class WorkbookImportResult:
    convention_id: int
    reference: str
    file_name: str
    sheets: tuple[SheetCounts, ...]

    @property
    def changed(self) -> int:
        return sum(s.created + s.updated for s in self.sheets)


def read_workbook_file(
    path: Path, *, name: str | None = None, limits: FileLimits | None = None
) -> ReadBook:
    """The workbook read and its cells checked, without the database."""
    book = read_book(path, name=name, limits=limits)
    if book.about.get("workbook") != WORKBOOK_KIND:
        raise InputFileError(code="not_a_convention_workbook", values={"path": book.name})
    return book


def _check_convention(book: ReadBook, content: WorkbookContent) -> None:
    """The workbook is this convention's: its id and its reference on the about sheet."""
    convention = content.convention
    given = str(book.about.get("reference") or "").strip()
    if given != convention.reference or book.about.get("convention_id") != convention.id:
        values = {"path": book.name, "given": given or "?", "expected": convention.reference}
        raise InputFileError(code="workbook_other_convention", values=values)


def _apply(session: Session, authority: Authority, changes: Sequence[Change]) -> list[FieldError]:
    """Each change written in its savepoint; the refusals a service makes, located."""
    problems: list[FieldError] = []
    for change in changes:
        try:
            with session.begin_nested():
                change.write(session, authority)
        except InputError as error:
            problems += [located(change.sheet, change.number, e.field, e) for e in error.errors]
        except (NotFound, Conflict) as error:
            field = "version" if isinstance(error, Conflict) else "id"
            problems.append(
                located(change.sheet, change.number, field, FieldError.of(field, error))
            )
    return problems


def import_convention_workbook(
    session: Session,
    authority: Authority,
    convention_id: int,
    book: ReadBook,
    *,
    progress: Callable[[str], None] | None = None,
) -> WorkbookImportResult:
    """Check the whole workbook against convention `convention_id`, then write what it
    changes (nothing if any row is refused). `progress` hears "check", then "write"."""
    phase = progress or (lambda _phase: None)
    phase("check")
    content = workbook_content(session, convention_id)
    _check_convention(book, content)
    plan = plan_changes(session, book, content)
    if book.problems or plan.problems:
        raise too_many(book.problems + plan.problems, book.name)
    phase("write")
    problems = _apply(session, authority, plan.changes)
    if problems:
        raise too_many(problems, book.name)
    counted = [c for c in plan.changes if c.counted]
    sheets = tuple(
        SheetCounts(
            sheet,
            created=sum(1 for c in counted if c.sheet == sheet and c.created),
            updated=sum(1 for c in counted if c.sheet == sheet and not c.created),
            unchanged=plan.unchanged.get(sheet, 0),
        )
        for sheet in DATA_SHEETS
    )
    convention = content.convention
    return WorkbookImportResult(convention.id, convention.reference, book.name, sheets)
