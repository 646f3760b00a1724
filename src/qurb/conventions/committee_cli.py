"""`qurb conventions meetings|meeting|actions|minutes|rule …`: a convention's steering
committee on the command line: its meetings and actions listed, a meeting recorded from a
TOML file (the API's body: `held_on`, `kind`, `place`, `source`, `[[attendance]]`,
`[[agenda]]`, `[[decisions]]`), its rule set, and a meeting's minutes written to a file
(HTML, or PDF for a name ending in .pdf) in French or Arabic. The writes as the token's
account, `conventions.manage` over every territory the convention covers; audited. The
yearly execution reports for the council: a convention's (`report`) and a partner's over
all its conventions (`partner-report`), as PDF, XLSX or HTML."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from qurb.conventions.cli import OWN_ENTRIES, _find, _manager, conventions_app
from qurb.platform.cli import DbOption, FormatOption, open_session, out
from qurb.platform.output import OutputFormat, render, say

if TYPE_CHECKING:
    from qurb.conventions.committee_model import Action, Meeting

ConventionArgument = Annotated[str, typer.Argument(help="The convention's id or reference.")]
MEETING_COLUMNS = [
    "number",
    "held_on",
    "kind",
    "place",
    "present",
    "quorum",
    "quorum_reached",
    "agenda",
    "decisions",
]
ACTION_COLUMNS = [
    "id",
    "meeting",
    "text",
    "owner",
    "deadline",
    "status",
    "done_on",
    "note",
]


def _meeting_row(meeting: Meeting) -> dict[str, Any]:
    return {
        "number": meeting.number,
        "held_on": meeting.held_on.isoformat(),
        "kind": meeting.kind,
        "place": meeting.place,
        "present": meeting.present,
        "quorum": meeting.quorum,
        "quorum_reached": meeting.quorum_reached,
        "agenda": len(meeting.agenda),
        "decisions": len(meeting.decisions),
    }


def _action_row(action: Action) -> dict[str, Any]:
    return {
        "id": action.id,
        "meeting": action.meeting_number,
        "text": action.text,
        "owner": action.owner_partner_id,
        "deadline": action.deadline.isoformat() if action.deadline else None,
        "status": action.status,
        "done_on": action.done_on.isoformat() if action.done_on else None,
        "note": action.note,
    }


@conventions_app.command("meetings")
def meetings_cmd(
    convention: ConventionArgument, fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None
) -> None:
    """A convention's steering committee meetings, by number, with their quorum."""
    from qurb.conventions.committee_service import get_rule, list_meetings

    with open_session(db) as session:
        found = _find(session, convention)
        rows = [_meeting_row(m) for m in list_meetings(session, found.id)]
        rule = get_rule(session, found.id)
    due = rule.next_due.isoformat() if rule.next_due else say("cli.committee.unknown")
    title = say("cli.committee.meetings", reference=found.reference, count=len(rows), due=due)
    render(rows, MEETING_COLUMNS, fmt, title=title, sources=OWN_ENTRIES)


@conventions_app.command("actions")
def actions_cmd(
    convention: ConventionArgument,
    status: Annotated[
        str | None, typer.Option(help="Only the actions at this status: open, done or dropped.")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """The actions a convention's steering committee decided, by deadline."""
    from qurb.conventions.committee_service import list_actions

    with open_session(db) as session:
        found = _find(session, convention)
        rows = [_action_row(a) for a in list_actions(session, found.id, status)]
    title = say("cli.committee.actions", reference=found.reference, count=len(rows))
    render(rows, ACTION_COLUMNS, fmt, title=title, sources=OWN_ENTRIES)


@conventions_app.command("meeting")
def meeting_cmd(
    convention: ConventionArgument,
    file: Annotated[Path, typer.Argument(help="The meeting as TOML (the API's body).")],
    db: DbOption = None,
) -> None:
    """Record a steering committee meeting from a TOML file, all or nothing
    (conventions.manage over its territories: the token's account; audited)."""
    from qurb.conventions.committee_schemas import MeetingBody
    from qurb.conventions.committee_service import record_meeting
    from qurb.conventions.imports import read_toml
    from qurb.conventions.listing import targets_of
    from qurb.territory.service import TerritoryIndex

    body = read_toml(file, MeetingBody)
    with open_session(db, write=True) as session:
        found = _find(session, convention)
        index = TerritoryIndex.from_session(session)
        actor = _manager(session, targets_of(index, found))
        made = record_meeting(session, actor, found.id, body.meeting(), index=index)
    key = {
        None: "cli.committee.recorded.unknown",
        True: "cli.committee.recorded.reached",
        False: "cli.committee.recorded.not_reached",
    }[made.quorum_reached]
    out.print(escape(say(key, reference=found.reference, number=made.number)))


@conventions_app.command("rule")
def rule_cmd(
    convention: ConventionArgument,
    meetings_per_year: Annotated[
        int | None, typer.Option(help="Meetings a year: 1, 2, 3, 4, 6 or 12.")
    ] = None,
    every_months: Annotated[
        int | None, typer.Option(help="A meeting every so many months.")
    ] = None,
    quorum: Annotated[
        int | None, typer.Option(help="Members present the quorum takes (unknown if not given).")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Where the rule comes from.")] = None,
    if_version: Annotated[
        int | None, typer.Option(help="Refuse if the rule changed since this version.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Set a convention's meeting rule and quorum (conventions.manage over its
    territories: the token's account; audited)."""
    from qurb.conventions.committee_model import RuleIn
    from qurb.conventions.committee_service import set_rule
    from qurb.conventions.listing import targets_of
    from qurb.territory.service import TerritoryIndex

    with open_session(db, write=True) as session:
        found = _find(session, convention)
        actor = _manager(session, targets_of(TerritoryIndex.from_session(session), found))
        wanted = RuleIn(meetings_per_year, every_months, quorum, source)
        done = set_rule(session, actor, found.id, wanted, if_version=if_version)
    due = done.next_due.isoformat() if done.next_due else say("cli.committee.unknown")
    out.print(escape(say("cli.committee.rule", reference=found.reference, due=due)))


@conventions_app.command("minutes")
def minutes_cmd(
    convention: ConventionArgument,
    number: Annotated[int, typer.Argument(help="The meeting's number.")],
    out_file: Annotated[
        Path, typer.Option("--out", help="The file to write: HTML, or PDF for a .pdf name.")
    ],
    lang: Annotated[str, typer.Option("--lang", help="fr or ar.")] = "fr",
    db: DbOption = None,
) -> None:
    """Write a meeting's minutes (procès-verbal), printable, in French or Arabic."""
    from qurb.conventions.minutes import LANGS, compute_minutes, minutes_html, render_pdf
    from qurb.kernel.clock import today
    from qurb.kernel.errors import InputError
    from qurb.kernel.i18n import problem

    with open_session(db) as session:  # its errors worded and mapped to exit codes
        if lang not in LANGS:
            reason = problem("--lang", "convention_choice", value=repr(lang), choices="fr, ar")
            raise InputError([reason])
        found = _find(session, convention)
        minutes = compute_minutes(session, found.id, number)
    page = minutes_html(minutes, lang, today())
    if out_file.suffix.lower() == ".pdf":
        out_file.write_bytes(render_pdf(page))
    else:
        out_file.write_text(page, encoding="utf-8")
    out.print(escape(say("cli.committee.minutes", number=number, path=str(out_file))))


@conventions_app.command("report")
def report_cmd(
    convention: ConventionArgument,
    year: Annotated[int, typer.Option("--year", help="The report's year.")],
    out_file: Annotated[
        Path, typer.Option("--out", help="The file to write: .pdf, .xlsx or .html.")
    ],
    lang: Annotated[str, typer.Option("--lang", help="fr, ar or en.")] = "fr",
    db: DbOption = None,
) -> None:
    """Write a convention's yearly execution report (PDF, XLSX or HTML)."""
    from qurb.conventions.execution_report import LANGS, compute_report, report_html, report_xlsx
    from qurb.conventions.minutes import render_pdf
    from qurb.kernel.clock import today
    from qurb.kernel.errors import InputError
    from qurb.kernel.i18n import problem

    suffix = out_file.suffix.lower()
    with open_session(db) as session:  # its errors worded and mapped to exit codes
        if lang not in LANGS:
            reason = problem("--lang", "convention_choice", value=repr(lang), choices="fr, ar, en")
            raise InputError([reason])
        if suffix not in (".pdf", ".xlsx", ".html"):
            choices = ".pdf, .xlsx, .html"
            raise InputError(
                [problem("--out", "convention_choice", value=repr(suffix), choices=choices)]
            )
        found = _find(session, convention)
        report = compute_report(session, found.id, year, today())
    if suffix == ".xlsx":
        out_file.write_bytes(report_xlsx(report, lang))
    elif suffix == ".pdf":
        out_file.write_bytes(render_pdf(report_html(report, lang, today())))
    else:
        out_file.write_text(report_html(report, lang, today()), encoding="utf-8")
    out.print(escape(say("cli.conventions.report", year=year, path=str(out_file))))


class DocumentFormat(enum.StrEnum):
    PDF = "pdf"
    XLSX = "xlsx"
    HTML = "html"


@conventions_app.command("partner-report")
def partner_report_cmd(
    partner: Annotated[str, typer.Argument(help="The partner's id.")],
    year: Annotated[int, typer.Option("--year", help="The report's year.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")],
    fmt: Annotated[
        DocumentFormat, typer.Option("--format", help="The file's format: pdf, xlsx or html.")
    ] = DocumentFormat.PDF,
    lang: Annotated[str, typer.Option("--lang", help="fr, ar or en.")] = "fr",
    db: DbOption = None,
) -> None:
    """Write a partner's yearly execution report over all its conventions (PDF, XLSX or HTML).

    Every convention the partner is a party to: the command line reads the whole database."""
    from qurb.conventions.minutes import render_pdf
    from qurb.conventions.money_model import FIRST_YEAR, LAST_YEAR
    from qurb.conventions.partner_report import (
        compute_partner_report,
        report_html,
        report_xlsx,
    )
    from qurb.conventions.report_parts import LANGS
    from qurb.kernel.clock import today
    from qurb.kernel.errors import InputError
    from qurb.kernel.i18n import problem

    with open_session(db) as session:  # its errors worded and mapped to exit codes
        if lang not in LANGS:
            reason = problem("--lang", "convention_choice", value=repr(lang), choices="fr, ar, en")
            raise InputError([reason])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            years = {"first": str(FIRST_YEAR), "last": str(LAST_YEAR)}  # no digit grouping
            raise InputError([problem("--year", "money_year", **years)])
        report = compute_partner_report(session, partner, year, today(), lambda _t: True)
    if fmt is DocumentFormat.XLSX:
        output.write_bytes(report_xlsx(report, lang))
    elif fmt is DocumentFormat.PDF:
        output.write_bytes(render_pdf(report_html(report, lang, today())))
    else:
        output.write_text(report_html(report, lang, today()), encoding="utf-8")
    words = {"partner": partner, "year": year, "path": str(output)}
    out.print(escape(say("cli.conventions.partner_report", **words)))
