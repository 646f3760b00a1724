"""What the yearly execution reports share (a convention's, `execution_report`, and a
partner's, `partner_report`): the year's contributions in kind at their stated
valuations, a figure as a workbook's cell (an unknown as the word for it, never 0), the
rows of the in-kind, deliverable and formula parts, and the workbook itself."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from qurb.algo.execution import FinancialExecution, PhysicalExecution
from qurb.conventions.deliverable_model import Deliverable
from qurb.conventions.deliverable_service import DeliverableScore
from qurb.conventions.money_model import Contribution, ContributionKind

LANGS = ("fr", "ar", "en")
NOTHING = FinancialExecution(Decimal(0), Decimal(0), 0, 0, None)

Say = Callable[..., str]


@dataclass(frozen=True)
class InKindYear:
    """The year's contributions in kind (of one party, or all) and their valuations."""

    items: tuple[Contribution, ...]
    valued_mad: Decimal  # the known valuations' sum
    unknown: int  # valuations unknown: left out of the sum and counted


def in_kind_of(
    contributions: Iterable[Contribution], year: int, partner: str | None = None
) -> InKindYear:
    """The contributions in kind of `year` (a party's, when `partner` is given)."""
    items = tuple(
        c
        for c in contributions
        if c.values.kind != ContributionKind.MONEY
        and c.values.year == year
        and partner in (None, c.values.partner_id)
    )
    valuations = [c.values.valuation for c in items]
    return InKindYear(
        items,
        sum((v for v in valuations if v is not None), start=Decimal(0)),
        sum(1 for v in valuations if v is None),
    )


def as_of(made: date, year: int) -> date:
    """The day overdue things are counted at: the year's end, or the day made if sooner."""
    return min(made, date(year, 12, 31))


def cell(value: Decimal | int | bool | None, unknown: str) -> Any:
    """A figure as a cell: a number as a number, an unknown as the word for it."""
    if value is None:
        return unknown
    if isinstance(value, bool):
        return int(value)
    return float(value) if isinstance(value, Decimal) else value


def percent(execution: FinancialExecution | PhysicalExecution) -> Decimal | None:
    return execution.percent


def money_cells(e: FinancialExecution, unknown: str) -> list[Any]:
    """Committed, disbursed, execution (%) and how many amounts are unknown."""
    return [
        cell(e.committed_mad, unknown),
        cell(e.disbursed_mad, unknown),
        cell(percent(e), unknown),
        e.unknown_commitments + e.unknown_disbursements,
    ]


def in_kind_rows(
    lang: str, say: Say, items: Sequence[Contribution], who: Callable[[Contribution], str]
) -> list[list[Any]]:
    """One row per contribution in kind: its kind, `who` (its party or convention), its
    quantity, valuation and the valuation's method."""
    unknown = say("conventions.report.unknown")
    return [
        [
            say(f"conventions.report.kind.{c.values.kind}"),
            who(c),
            cell(c.values.quantity, unknown),
            cell(c.values.valuation, unknown),
            c.values.valuation_method or unknown,
        ]
        for c in items
    ]


def deliverable_rows(
    lang: str, say: Say, scores: Sequence[DeliverableScore], whose: Callable[[Deliverable], str]
) -> list[list[Any]]:
    """One row per deliverable: what, `whose` (its owner's name or its convention), its
    deadline, target, the period's actual and its score (%)."""
    unknown = say("conventions.report.unknown")
    rows = []
    for s in scores:
        d = s.deliverable
        rows.append(
            [
                d.what_ar if lang == "ar" and d.what_ar else d.what_fr,
                whose(d),
                d.deadline.iso() or unknown,
                cell(d.target, unknown),
                cell(s.actual, unknown),
                cell(None if s.ratio is None else s.ratio * 100, unknown),
            ]
        )
    return rows


def physical_rows(say: Say, done: PhysicalExecution) -> list[list[Any]]:
    unknown = say("conventions.report.unknown")
    return [
        [say("conventions.report.physical"), cell(percent(done), unknown)],
        [say("conventions.report.measured"), done.measured],
        [say("conventions.report.unknown_actual"), done.unknown_actual],
        [say("conventions.report.without_target"), done.without_target],
    ]


def formula_rows(say: Say, physical: str) -> list[list[Any]]:
    """How each derived figure is computed; `physical`: whose physical execution it is
    (`convention`: by the convention's weights; `partner`: equal weights)."""
    if physical == "partner":
        mean = say("conventions.report.formula_physical_partner")
    else:
        mean = say("conventions.report.formula_physical_convention")
    return [
        [say("conventions.report.formulas")],
        [say("conventions.report.formula_financial")],
        [say("conventions.report.formula_score")],
        [mean],
        [say("conventions.report.formula_in_kind")],
    ]


def workbook(rows: Iterable[list[Any]], title: str, lang: str) -> bytes:
    """The rows as an XLSX workbook of one sheet, right to left in Arabic."""
    import openpyxl  # imported here: it costs a quarter of a second at start-up

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.sheet_view.rightToLeft = lang == "ar"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
