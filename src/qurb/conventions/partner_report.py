"""A partner's yearly execution report for the council (issue 19, item 8): every
convention the partner is a party to that the reader may see (as the partner's figures
are: the published ones and those its `conventions.read` grants reach), each with the
partner's role(s), the money it committed that year and disbursed (dated) that year with
its financial execution, its contributions in kind of that year at their stated
valuations, apart, and the deliverables it owns with their target, the year's actual and
score; then the totals over its conventions, the formulas and the sources.

The figures are the convention report's (`execution_report`), restricted to the partner,
by the same rules (`algo.execution`): an unknown amount, valuation or actual is left out
of its sum and counted, never taken as 0. Written as a printable page
(`templates/partner_report.html`), its PDF, or an XLSX workbook."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from qurb.algo.execution import (
    DeliverableProgress,
    FinancialExecution,
    PhysicalExecution,
    compute_financial_execution,
    compute_physical_execution,
)
from qurb.conventions.deliverable_model import CLOSED
from qurb.conventions.deliverable_service import DeliverableScore, last_day, physical_execution
from qurb.conventions.listing import ConventionFilter, readable, visible_conventions
from qurb.conventions.minutes import _who
from qurb.conventions.money_execution import Move, money_moves
from qurb.conventions.money_service import list_contributions, list_disbursements
from qurb.conventions.records import Convention
from qurb.conventions.report_parts import (
    LANGS,
    InKindYear,
    as_of,
    cell,
    deliverable_rows,
    formula_rows,
    in_kind_of,
    in_kind_rows,
    money_cells,
    percent,
    workbook,
)
from qurb.identity.partner_service import get_partner
from qurb.identity.partners import Partner
from qurb.identity.scopes import Target
from qurb.kernel.i18n import translate
from qurb.platform.templating import DOCUMENT_CSS_URL, render
from qurb.territory.service import TerritoryIndex

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class PartnerConvention:
    """One convention as the partner's report shows it: the partner's part of it."""

    convention: Convention  # read light: its fields, status, parties' ids and roles
    roles: tuple[str, ...]  # the partner's
    recorded_by: str | None  # who entered it; None to a reader seeing it as published only
    money: FinancialExecution  # the partner's commitments and disbursements of the year
    in_kind: InKindYear  # the partner's contributions in kind of the year
    deliverables: tuple[DeliverableScore, ...]  # those it owns (not dropped), the year's
    physical: PhysicalExecution  # their mean score, equal weights


@dataclass(frozen=True)
class PartnerReport:
    partner: Partner
    year: int
    conventions: tuple[PartnerConvention, ...]
    money: FinancialExecution  # over all its conventions listed
    in_kind_valued_mad: Decimal  # its known valuations' sum
    in_kind_unknown: int  # its valuations unknown
    physical: PhysicalExecution  # over all its deliverables listed, equal weights
    overdue: int  # its deliverables past their known deadline, neither delivered nor dropped
    as_of: date  # the day overdue deliverables are counted at


def _mine(moves: Sequence[Move], partner_id: str, year: int) -> list[Decimal | None]:
    return [amount for party, when, amount in moves if party == partner_id and when == year]


def _physical(scores: Sequence[DeliverableScore]) -> PhysicalExecution:
    return compute_physical_execution(
        [
            DeliverableProgress(s.deliverable.indicator_kind, s.deliverable.target, s.actual)
            for s in scores
        ]
    )


def _overdue(scores: Sequence[DeliverableScore], day: date) -> int:
    due = (last_day(s.deliverable.deadline) for s in scores if s.deliverable.status not in CLOSED)
    return sum(1 for d in due if d is not None and d < day)


def _recorder(
    session: Session,
    index: TerritoryIndex,
    convention: Convention,
    allows: Callable[[Target], bool],
) -> str | None:
    """Who entered the convention, to a reader that may read it in full (a published
    summary names no account)."""
    if not readable(index, convention, allows):
        return None
    return _who(session, convention.created_by) or convention.created_by


def compute_partner_report(
    session: Session,
    partner_id: str,
    year: int,
    made: date,
    allows: Callable[[Target], bool],
    index: TerritoryIndex | None = None,
) -> PartnerReport:
    """The partner's figures for `year` in every convention it is a party to that the
    reader (`allows`: its grants) may see, by reference; NotFound (partner_not_found)
    for an unknown partner."""
    partner = get_partner(session, partner_id)
    index = index or TerritoryIndex.from_session(session)
    found = visible_conventions(session, index, ConventionFilter(partner=partner_id), allows)
    period, lines = str(year), []
    committed: list[Decimal | None] = []
    disbursed: list[Decimal | None] = []
    for convention in found:
        contributions = list_contributions(session, convention.id)
        pledged, paid = money_moves(contributions, list_disbursements(session, convention.id))
        mine, mine_paid = _mine(pledged, partner_id, year), _mine(paid, partner_id, year)
        committed += mine
        disbursed += mine_paid
        scores = tuple(
            s
            for s in physical_execution(session, convention.id, period).scores
            if s.deliverable.owner == partner_id
        )
        roles = (p.role for p in convention.parties if p.partner_id == partner_id)
        lines.append(
            PartnerConvention(
                convention,
                tuple(dict.fromkeys(r for r in roles if r)),
                _recorder(session, index, convention, allows),
                compute_financial_execution(mine, mine_paid),
                in_kind_of(contributions, year, partner_id),
                scores,
                _physical(scores),
            )
        )
    every_score = [s for line in lines for s in line.deliverables]
    day = as_of(made, year)
    return PartnerReport(
        partner,
        year,
        tuple(lines),
        compute_financial_execution(committed, disbursed),
        sum((line.in_kind.valued_mad for line in lines), start=Decimal(0)),
        sum(line.in_kind.unknown for line in lines),
        _physical(every_score),
        _overdue(every_score, day),
        day,
    )


# ---------------------------------------------------------------------------- words


def partner_name(report: PartnerReport, lang: str) -> str:
    """The partner's name in `lang`; its id alone when the reader sees none of its
    conventions (partners are listed to no one on the web: a name is shown to a reader
    that may see it as a party already)."""
    partner = report.partner
    if not report.conventions:
        return partner.id
    if lang == "ar":
        return partner.name_ar or partner.name_fr
    if lang == "en":
        return partner.name_en or partner.name_fr
    return partner.name_fr


def _title(convention: Convention, lang: str) -> str:
    fields = convention.fields
    return fields.title_ar if lang == "ar" and fields.title_ar else fields.title_fr


def _roles(line: PartnerConvention, lang: str, unknown: str) -> str:
    words = [translate(lang, f"conventions.role.{role}") for role in line.roles]
    return ", ".join(words) or unknown


def _references(report: PartnerReport) -> dict[int, str]:
    return {line.convention.id: line.convention.fields.reference for line in report.conventions}


def report_html(report: PartnerReport, lang: str, made: date, *, served: bool = False) -> str:
    """The report as a printable page in `lang` (fr, ar right to left, en)."""
    if lang not in LANGS:
        raise ValueError(f"no report in {lang!r}")
    references = _references(report)
    unknown = translate(lang, "conventions.report.unknown")

    def say(key: str, **values: Any) -> str:
        return translate(lang, key, values)

    return render(
        TEMPLATES,
        "partner_report.html",
        lang=lang,
        stylesheets=[DOCUMENT_CSS_URL] if served else [],
        inline_document_style=not served,
        report=report,
        partner_name=partner_name(report, lang),
        in_kind=[c for line in report.conventions for c in line.in_kind.items],
        scores=[s for line in report.conventions for s in line.deliverables],
        convention_title=lambda convention: _title(convention, lang),
        roles=lambda line: _roles(line, lang, unknown),
        status_word=lambda status: translate(lang, f"conventions.status.{status}"),
        kind_word=lambda kind: translate(lang, f"conventions.report.kind.{kind}"),
        contribution_convention=lambda c: references[c.convention_id],
        deliverable_convention=lambda d: references[d.convention_id],
        source=lambda line: _source(line, say),
        made=made,
    )


def _source(line: PartnerConvention, say: Callable[..., str]) -> str:
    """Where a convention's figures come from: who entered it (to a reader that may read
    it in full) and its source."""
    reference = line.convention.fields.reference
    if line.recorded_by is None:
        return say("conventions.partner_report.source_published", reference=reference)
    by = line.recorded_by
    return say("conventions.partner_report.source_convention", reference=reference, by=by)


def _physical_cells(done: PhysicalExecution, unknown: str) -> list[Any]:
    return [cell(percent(done), unknown), done.measured, done.unknown_actual, done.without_target]


def report_rows(report: PartnerReport, lang: str) -> list[list[Any]]:
    """The workbook's rows: label then figures; an unknown written as the word for it."""

    def say(key: str, **values: Any) -> str:
        return translate(lang, key, values)

    unknown = say("conventions.report.unknown")
    references = _references(report)
    lines = report.conventions
    name = partner_name(report, lang)
    rows: list[list[Any]] = [
        [say("conventions.partner_report.title", partner=name, year=report.year)],
        [say("conventions.partner_report.partner"), report.partner.id, name],
        [say("conventions.partner_report.seen")],
        [],
        [
            say("conventions.partner_report.money"),
            say("conventions.partner_report.convention"),
            say("conventions.report.status"),
            say("conventions.partner_report.roles"),
            say("conventions.report.committed"),
            say("conventions.report.disbursed"),
            say("conventions.report.execution"),
            say("conventions.report.unknown_amounts"),
        ],
        *(
            [
                line.convention.fields.reference,
                _title(line.convention, lang),
                say(f"conventions.status.{line.convention.status}"),
                _roles(line, lang, unknown),
                *money_cells(line.money, unknown),
            ]
            for line in lines
        ),
        [say("conventions.partner_report.total"), "", "", "", *money_cells(report.money, unknown)],
        [],
        [
            say("conventions.partner_report.in_kind"),
            say("conventions.partner_report.convention"),
            say("conventions.report.quantity"),
            say("conventions.report.valuation"),
            say("conventions.report.method"),
        ],
        *in_kind_rows(
            lang,
            say,
            [c for line in lines for c in line.in_kind.items],
            lambda c: references[c.convention_id],
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
            say("conventions.partner_report.deliverables"),
            say("conventions.partner_report.convention"),
            say("conventions.report.deadline"),
            say("conventions.report.target"),
            say("conventions.report.actual"),
            say("conventions.report.score"),
        ],
        *deliverable_rows(
            lang,
            say,
            [s for line in lines for s in line.deliverables],
            lambda d: references[d.convention_id],
        ),
        [],
        [
            say("conventions.partner_report.physical"),
            say("conventions.report.execution"),
            say("conventions.report.measured"),
            say("conventions.report.unknown_actual"),
            say("conventions.report.without_target"),
        ],
        *(
            [line.convention.fields.reference, *_physical_cells(line.physical, unknown)]
            for line in lines
        ),
        [say("conventions.partner_report.total"), *_physical_cells(report.physical, unknown)],
        [say("conventions.partner_report.overdue", day=report.as_of.isoformat()), report.overdue],
        [],
        *formula_rows(say, "partner"),
        [],
        [say("conventions.report.sources")],
        *([_source(line, say), line.convention.fields.source or unknown] for line in lines),
        [say("conventions.report.source_valuations")],
    ]
    return rows


def report_xlsx(report: PartnerReport, lang: str) -> bytes:
    """The report as an XLSX workbook, one sheet, right to left in Arabic."""
    return workbook(report_rows(report, lang), str(report.year), lang)
