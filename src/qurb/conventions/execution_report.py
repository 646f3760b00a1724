"""A convention's yearly execution report for the council (issue 19): the convention
(reference, titles, parties and roles, territories, status, dates as known), its money
for the year (committed and disbursed per party and overall with the financial
execution, in kind at its stated valuations with their methods), its deliverables (owner,
deadline, target, the year's actual and score; the year's physical execution with its
measured and unknown counts), its committee (the year's meetings with their quorum, the
actions decided that year open, done, overdue) and where each figure comes from.

An unknown figure stays unknown (None), shown as such, never 0. Written as a printable
page (`templates/convention_report.html`, French, Arabic right to left or English, PDF by
WeasyPrint as the minutes are) or as an XLSX workbook (openpyxl, imported on use)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from qurb.algo.execution import FinancialExecution, PhysicalExecution
from qurb.conventions.committee_model import ActionStatus, Meeting
from qurb.conventions.committee_service import list_actions, list_meetings
from qurb.conventions.deliverable_service import DeliverableScore, physical_execution
from qurb.conventions.minutes import _who
from qurb.conventions.money_execution import financial_execution
from qurb.conventions.money_model import Contribution
from qurb.conventions.money_service import list_contributions
from qurb.conventions.records import Convention
from qurb.conventions.report_parts import (
    LANGS,
    NOTHING,
    as_of,
    cell,
    deliverable_rows,
    formula_rows,
    in_kind_of,
    in_kind_rows,
    money_cells,
    physical_rows,
    workbook,
)
from qurb.conventions.service import get_convention
from qurb.kernel.i18n import translate
from qurb.platform.templating import DOCUMENT_CSS_URL, render

TEMPLATES = Path(__file__).resolve().parent / "templates"
__all__ = ["LANGS", "compute_report", "report_html", "report_rows", "report_xlsx"]


@dataclass(frozen=True)
class PartyMoney:
    partner_id: str
    name_fr: str
    name_ar: str
    role: str | None
    execution: FinancialExecution  # the year's commitments and disbursements


@dataclass(frozen=True)
class ActionCounts:
    open: int
    done: int
    dropped: int
    overdue: int  # open with a known deadline passed (at the year's end, or today)


@dataclass(frozen=True)
class ExecutionReport:
    convention: Convention
    year: int
    recorded_by: str  # who entered the convention
    money: FinancialExecution  # the year's, all parties
    parties: tuple[PartyMoney, ...]
    in_kind: tuple[Contribution, ...]  # the year's contributions in kind
    in_kind_valued_mad: Decimal  # their known valuations' sum
    in_kind_unknown: int  # their valuations unknown
    physical: PhysicalExecution
    deliverables: tuple[DeliverableScore, ...]
    meetings: tuple[Meeting, ...]  # held that year
    actions: ActionCounts  # decided at that year's meetings
    as_of: date  # the day overdue actions are counted at


def compute_report(session: Session, convention_id: int, year: int, made: date) -> ExecutionReport:
    """The convention's figures for `year` (commitments of that year, disbursements dated
    that year, the year's actuals and meetings), each unknown counted apart."""
    convention = get_convention(session, convention_id)
    money = financial_execution(session, convention_id)
    parties = tuple(
        PartyMoney(
            p.partner_id,
            p.partner_name_fr,
            p.partner_name_ar,
            p.role,
            money.by_party_year.get((p.partner_id, year), NOTHING),
        )
        for p in convention.parties
    )
    in_kind = in_kind_of(list_contributions(session, convention_id), year)
    physical = physical_execution(session, convention_id, str(year))
    meetings = tuple(m for m in list_meetings(session, convention_id) if m.held_on.year == year)
    numbers = {m.number for m in meetings}
    actions = [a for a in list_actions(session, convention_id) if a.meeting_number in numbers]
    day = as_of(made, year)
    statuses = [a.status for a in actions]
    counts = ActionCounts(
        statuses.count(ActionStatus.OPEN),
        statuses.count(ActionStatus.DONE),
        statuses.count(ActionStatus.DROPPED),
        sum(
            1
            for a in actions
            if a.status == ActionStatus.OPEN and a.deadline is not None and a.deadline < day
        ),
    )
    return ExecutionReport(
        convention,
        year,
        _who(session, convention.created_by) or convention.created_by,
        money.by_year.get(year, NOTHING),
        parties,
        in_kind.items,
        in_kind.valued_mad,
        in_kind.unknown,
        physical.execution,
        physical.scores,
        meetings,
        counts,
        day,
    )


def _title(report: ExecutionReport, lang: str) -> str:
    fields = report.convention.fields
    return fields.title_ar if lang == "ar" and fields.title_ar else fields.title_fr


def _names(report: ExecutionReport, lang: str) -> dict[str, str]:
    return {
        p.partner_id: (p.name_ar if lang == "ar" else p.name_fr) or p.partner_id
        for p in report.parties
    }


def report_html(report: ExecutionReport, lang: str, made: date, *, served: bool = False) -> str:
    """The report as a printable page in `lang` (fr, ar right to left, en)."""
    if lang not in LANGS:
        raise ValueError(f"no report in {lang!r}")
    names = _names(report, lang)
    return render(
        TEMPLATES,
        "convention_report.html",
        lang=lang,
        stylesheets=[DOCUMENT_CSS_URL] if served else [],
        inline_document_style=not served,
        report=report,
        convention=report.convention,
        convention_title=_title(report, lang),
        party_name=lambda partner: names.get(partner, partner),
        contribution_party=lambda c: names.get(c.values.partner_id, c.values.partner_id),
        deliverable_owner=lambda d: names.get(d.owner, d.owner),
        status_word=lambda status: translate(lang, f"conventions.status.{status}"),
        role_word=lambda role: translate(lang, f"conventions.role.{role}"),
        kind_word=lambda kind: translate(lang, f"conventions.report.kind.{kind}"),
        made=made,
    )


def report_rows(report: ExecutionReport, lang: str) -> list[list[Any]]:
    """The workbook's rows: label then figures; an unknown written as the word for it."""

    def say(key: str, **values: Any) -> str:
        return translate(lang, key, values)

    unknown = say("conventions.report.unknown")
    missed = say("conventions.report.quorum_missed")
    names = _names(report, lang)
    fields = report.convention.fields
    rows: list[list[Any]] = [
        [say("conventions.report.title", year=report.year)],
        [say("conventions.report.reference"), fields.reference],
        [say("conventions.report.convention_title"), _title(report, lang)],
        [
            say("conventions.report.status"),
            translate(lang, f"conventions.status.{report.convention.status}"),
        ],
        [say("conventions.report.territories"), ", ".join(fields.territories)],
        [say("conventions.report.signature_on"), fields.signature_on.iso() or unknown],
        [say("conventions.report.start_on"), fields.start_on.iso() or unknown],
        [say("conventions.report.end_on"), fields.end_on.iso() or unknown],
        [],
        [
            say("conventions.report.money"),
            say("conventions.report.committed"),
            say("conventions.report.disbursed"),
            say("conventions.report.execution"),
            say("conventions.report.unknown_amounts"),
        ],
    ]
    rows += [[names[p.partner_id], *money_cells(p.execution, unknown)] for p in report.parties]
    rows.append([say("conventions.report.overall"), *money_cells(report.money, unknown)])
    rows += [
        [],
        [
            say("conventions.report.in_kind"),
            say("conventions.report.party"),
            say("conventions.report.quantity"),
            say("conventions.report.valuation"),
            say("conventions.report.method"),
        ],
        *in_kind_rows(
            lang, say, report.in_kind, lambda c: names.get(c.values.partner_id, c.values.partner_id)
        ),
        [
            say("conventions.report.in_kind_total"),
            "",
            "",
            cell(report.in_kind_valued_mad, unknown),
            report.in_kind_unknown,
        ],
        [],
        [
            say("conventions.report.deliverables"),
            say("conventions.report.owner"),
            say("conventions.report.deadline"),
            say("conventions.report.target"),
            say("conventions.report.actual"),
            say("conventions.report.score"),
        ],
        *deliverable_rows(lang, say, report.deliverables, lambda d: names.get(d.owner, d.owner)),
        *physical_rows(say, report.physical),
        [],
        [
            say("conventions.report.meetings"),
            say("conventions.report.held_on"),
            say("conventions.report.quorum"),
        ],
    ]
    for meeting in report.meetings:
        reached = meeting.quorum_reached
        quorum = unknown
        if reached is not None:
            quorum = say("conventions.report.quorum_reached") if reached else missed
        rows.append([meeting.number, meeting.held_on.isoformat(), quorum])
    a = report.actions
    rows += [
        [say("conventions.report.actions_open"), a.open],
        [say("conventions.report.actions_done"), a.done],
        [say("conventions.report.actions_overdue", day=report.as_of.isoformat()), a.overdue],
        [],
        *formula_rows(say, "convention"),
        [],
        [say("conventions.report.sources")],
        [
            say("conventions.report.source_convention", by=report.recorded_by),
            fields.source or unknown,
        ],
    ]
    return rows


def report_xlsx(report: ExecutionReport, lang: str) -> bytes:
    """The report as an XLSX workbook, one sheet, right to left in Arabic."""
    return workbook(report_rows(report, lang), str(report.year), lang)
