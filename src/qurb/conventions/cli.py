"""`qurb conventions …`: list the conventions (by territory, partner, status), show one
in full, add one, import one from a TOML file with its parties, move its status (the
writes as the token's account, `conventions.manage` over every territory it covers)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from qurb.kernel.attribution import Attribution
from qurb.platform.cli import DbOption, FormatOption, open_session, out
from qurb.platform.output import OutputFormat, render, say

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from qurb.conventions.records import Convention
    from qurb.identity.scopes import Target
    from qurb.kernel.actor import Actor

# Entries made in this database, each convention naming where its facts come from
# (`source`): no published dataset.
OWN_ENTRIES = Attribution(frozenset())
COLUMNS = [
    "id",
    "reference",
    "title_fr",
    "kind",
    "status",
    "signature_on",
    "start_on",
    "end_on",
    "territories",
    "parties",
    "published",
]

conventions_app = typer.Typer(
    help="Partnership conventions: list, show, add, import, move a status.",
    no_args_is_help=True,
)


def _row(convention: Convention) -> dict[str, Any]:
    f = convention.fields
    return {
        "id": convention.id,
        "reference": f.reference,
        "title_fr": f.title_fr,
        "title_ar": f.title_ar,
        "object_fr": f.object_fr,
        "object_ar": f.object_ar,
        "kind": f.kind,
        "status": convention.status,
        "deliberation_number": f.deliberation_number,
        "deliberation_on": f.deliberation_on.iso(),
        "approval_required": f.approval_required,
        "approval_on": f.approval_on.iso(),
        "signature_on": f.signature_on.iso(),
        "signature_place": f.signature_place,
        "start_on": f.start_on.iso(),
        "end_on": f.end_on.iso(),
        "territories": list(f.territories),
        "parties": [p.partner_id for p in convention.parties],
        "published": f.published,
        "source": f.source,
        "version": convention.version,
    }


@conventions_app.command("list")
def conventions_list(
    territory: Annotated[
        str | None,
        typer.Option("--territory", "-t", help="Territory: HCP code or FR/AR name."),
    ] = None,
    partner: Annotated[
        str | None, typer.Option(help="A partner among the parties (its id).")
    ] = None,
    status: Annotated[str | None, typer.Option(help="Only the conventions at this status.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """The conventions covering a territory (or a place in it), by reference."""
    from qurb.conventions.listing import ConventionFilter, list_conventions

    with open_session(db) as session:
        found = list_conventions(
            session, ConventionFilter(territory, partner, status), lambda _t: True
        )
    rows = [_row(c) for c in found]
    title = say("cli.conventions.title", count=len(rows))
    render(rows, COLUMNS, fmt, title=title, sources=OWN_ENTRIES)


@conventions_app.command("show")
def conventions_show(
    convention: Annotated[str, typer.Argument(help="The convention's id or reference.")],
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """One convention in full: its fields, parties, articles, amendments, documents."""
    from dataclasses import asdict

    with open_session(db) as session:
        found = _find(session, convention)
    row = _row(found)
    parties = [
        {
            "partner_id": p.partner_id,
            "name_fr": p.partner_name_fr,
            "role": p.role,
            "signatories": [s.name for s in p.signatories],
            "contacts": [c.name for c in p.contacts],
        }
        for p in found.parties
    ]
    articles = [asdict(a) for a in found.articles]
    amendments = [
        {
            "number": a.number,
            "on": a.on.iso(),
            "end_on": a.end_on.iso() if a.end_on else None,
            "previous_end_on": a.previous_end_on.iso() if a.previous_end_on else None,
            "note": a.note,
        }
        for a in found.amendments
    ]
    documents = [{k: v for k, v in asdict(d).items() if k != "created_at"} for d in found.documents]
    if fmt is not OutputFormat.TABLE:
        parts = {
            "parties": parties,
            "articles": articles,
            "amendments": amendments,
            "documents": documents,
        }
        render([{**row, **parts}], [*row, *parts], fmt, sources=OWN_ENTRIES)
        return
    title = say("cli.conventions.one", reference=found.reference)
    render([{"field": k, "value": v} for k, v in row.items()], ["field", "value"], fmt, title=title)
    for key, rows in (
        ("cli.conventions.parties", parties),
        ("cli.conventions.articles", articles),
        ("cli.conventions.amendments", amendments),
        ("cli.conventions.documents", documents),
    ):
        if rows:
            render(rows, list(rows[0]), fmt, title=say(key))


def _find(session: Session, convention: str) -> Convention:
    from qurb.conventions.service import find_convention, get_convention

    text = convention.strip()
    return get_convention(session, int(text)) if text.isdigit() else find_convention(session, text)


def _manager(session: Session, targets: list[Target]) -> Actor:
    """The token's account acting with `conventions.manage` over every target."""
    from qurb.identity.cli_access import token_guard
    from qurb.identity.permissions import Permission

    guard = token_guard(session, Permission.CONVENTIONS_MANAGE)
    return [guard.over(t) for t in targets][-1]


def _said(convention: Convention, key: str) -> None:
    values = {"id": convention.id, "reference": convention.reference}
    out.print(escape(say(key, status=convention.status, **values)))


@conventions_app.command("add")
def conventions_add(
    reference: Annotated[str, typer.Option(help="Its reference (unique).")],
    title_fr: Annotated[str, typer.Option(help="Its title in French.")],
    territory: Annotated[
        list[str], typer.Option("--territory", "-t", help="A territory it covers (repeatable).")
    ],
    kind: Annotated[
        str, typer.Option(help="partnership, mutualisation, financing, caravans or other.")
    ] = "partnership",
    title_ar: Annotated[str | None, typer.Option(help="Its title in Arabic.")] = None,
    signature_on: Annotated[
        str | None,
        typer.Option(help="Signed on: YYYY-MM-DD, YYYY-MM, YYYY or --MM-DD (no year)."),
    ] = None,
    source: Annotated[str | None, typer.Option(help="Where its facts come from.")] = None,
    db: DbOption = None,
) -> None:
    """Add a convention, a draft (conventions.manage over its territories: the token's
    account; audited)."""
    from qurb.conventions.listing import convention_targets
    from qurb.conventions.schemas import ConventionBody
    from qurb.conventions.service import create_convention
    from qurb.territory.service import TerritoryIndex

    with open_session(db, write=True) as session:
        body = ConventionBody(
            reference=reference,
            title_fr=title_fr,
            title_ar=title_ar,
            kind=kind,
            signature_on=signature_on,
            territories=territory,
            source=source,
        )
        fields = body.fields()
        index = TerritoryIndex.from_session(session)
        actor = _manager(session, convention_targets(index, fields.territories))
        made = create_convention(session, actor, fields, index=index)
    _said(made, "cli.conventions.added")


@conventions_app.command("import")
def conventions_import(
    file: Annotated[Path, typer.Argument(help="A convention as TOML (see examples/conventions/).")],
    db: DbOption = None,
) -> None:
    """Import a convention from a TOML file, its missing partners created; all or nothing
    (conventions.manage over its territories: the token's account; audited)."""
    from qurb.conventions.imports import import_convention, read_convention_file
    from qurb.conventions.listing import convention_targets
    from qurb.territory.service import TerritoryIndex

    with open_session(db, write=True) as session:
        read = read_convention_file(file)
        fields = read.convention.fields()
        index = TerritoryIndex.from_session(session)
        actor = _manager(session, convention_targets(index, fields.territories))
        done = import_convention(session, actor, read, source=str(file), index=index)
    _said(done.convention, "cli.conventions.imported")
    for partner in done.partners_created:
        out.print(escape(say("cli.conventions.partner_created", id=partner)))


@conventions_app.command("status")
def conventions_status(
    convention: Annotated[str, typer.Argument(help="The convention's id or reference.")],
    status: Annotated[
        str,
        typer.Argument(help="draft, signed, approved, in_force, suspended, closed or terminated."),
    ],
    if_version: Annotated[
        int | None, typer.Option(help="Refuse if the convention changed since this version.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Move a convention's status ("in force" waits for a required approval;
    conventions.manage over its territories: the token's account; audited)."""
    from qurb.conventions.listing import targets_of
    from qurb.conventions.service import move_status
    from qurb.territory.service import TerritoryIndex

    with open_session(db, write=True) as session:
        found = _find(session, convention)
        actor = _manager(session, targets_of(TerritoryIndex.from_session(session), found))
        moved = move_status(session, actor, found.id, status, if_version=if_version)
    _said(moved, "cli.conventions.moved")


def _join_money() -> None:
    """A convention's money: its commands join this group (money_cli.py)."""
    from qurb.conventions.money_cli import money_app

    conventions_app.add_typer(money_app)


_join_money()


def _deliverables() -> None:
    from qurb.conventions.deliverable_cli import register

    register(conventions_app)


_deliverables()

# The steering committee's commands join the group (meetings, meeting, actions, rule,
# minutes), and a convention's workbook's, out and back in (workbook, import-workbook).
from qurb.conventions import committee_cli, workbook_cli  # noqa: E402, F401 - registers
