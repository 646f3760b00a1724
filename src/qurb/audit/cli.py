"""`qurb audit verify` (is the chain intact, its head signed by the server's key),
`qurb audit head` (the signed head, to keep a copy elsewhere) and `qurb audit entries`
(the entries, filtered, as a table, CSV or JSON: whoever can read the database file reads
them all; over HTTP, an account reads those its grants cover)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape

from qurb.audit import service
from qurb.audit.keys import key_path, read_key
from qurb.kernel.attribution import Attribution
from qurb.platform.cli import DbOption, FormatOption, err, fail, open_session, out
from qurb.platform.database import database_url
from qurb.platform.output import OutputFormat, render, say

OWN_ENTRIES = Attribution(frozenset())  # written in this database, no published source
ENTRY_COLUMNS = [
    "seq", "time", "actor", "actor_kind", "partner_id", "grant_id", "action",
    "entity_kind", "entity_id", "territory_code", "reason", "request_id", "before", "after",
    "hash",
]  # fmt: skip
TABLE_COLUMNS = ["seq", "time", "actor", "action", "entity_kind", "entity_id", "reason"]

audit_app = typer.Typer(
    help="The audit trail: check its hash chain and signed head, print the head, list it.",
    no_args_is_help=True,
)

KeptOption = Annotated[
    str | None,
    typer.Option(
        "--kept",
        help="SEQ:HASH of a head kept elsewhere (from `qurb audit head`): the chain must "
        "still hold that entry with that hash.",
    ),
]


def _kept(value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    seq, _, hash_ = value.strip().partition(":")
    if not seq.isdigit() or len(hash_) != 64:
        raise fail(say("cli.audit.bad_kept", value=repr(value)))
    return int(seq), hash_.lower()


@audit_app.command("verify")
def verify_cmd(db: DbOption = None, kept: KeptOption = None) -> None:
    """Check the audit chain: every entry's hash, the links between them, and the head's
    signature by the server's key ($QURB_AUDIT_KEY_FILE, else beside a SQLite database
    file, else ~/.config/qurb/audit.key). Exit 0 if intact, 2 naming each problem."""
    url = database_url(db)
    expected = _kept(kept)
    with open_session(url) as session:
        head = service.head(session)
        total = service.count(session)
        if head.signature is None and total == 0:
            out.print(say("cli.audit.empty"))
            return
        key = read_key(key_path(url))
        problems = service.verify(session, key.public_key, kept=expected)
    if problems:
        for problem in problems:
            entry = say("cli.audit.entry", seq=problem.seq)
            err.print(f"[bold red]{escape(entry)}[/] {escape(problem.message)}")
        raise typer.Exit(code=2)
    out.print(escape(say("cli.audit.intact", count=total, key=head.key_id)))


@audit_app.command("head")
def head_cmd(db: DbOption = None) -> None:
    """Print the chain's signed head (SEQ:HASH, key, signature): keep a copy elsewhere,
    and give it to `qurb audit verify --kept` later to show that no tail was cut."""
    with open_session(db) as session:
        head = service.head(session)
    out.print(f"{head.seq}:{head.hash}", highlight=False)
    out.print(say("cli.audit.key", key=head.key_id or "-"), highlight=False)
    signature = say("cli.audit.signature", signature=head.signature or "-")
    out.print(signature, highlight=False, soft_wrap=True)


@audit_app.command("entries")
def entries_cmd(
    entity_kind: Annotated[
        str | None, typer.Option("--entity-kind", help="facility, campaign, scenario…")
    ] = None,
    entity_id: Annotated[str | None, typer.Option("--entity-id", help="The entity's id.")] = None,
    actor: Annotated[str | None, typer.Option(help="Who did it, as recorded.")] = None,
    since: Annotated[
        datetime | None, typer.Option(help="From this moment (ISO 8601, UTC if no zone).")
    ] = None,
    until: Annotated[datetime | None, typer.Option(help="Before this moment.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """The audit trail's entries, oldest first, filtered: for inspections, as CSV or
    JSON (before and after as JSON), or as a table."""
    where = service.EntryFilter(entity_kind, entity_id, actor, None, _utc(since), _utc(until), None)
    with open_session(db) as session:
        rows = [_row(entry) for entry in service.stream(session, where)]
    columns = TABLE_COLUMNS if fmt is OutputFormat.TABLE else ENTRY_COLUMNS
    render(rows, columns, fmt, title=say("cli.audit.entries", count=len(rows)), sources=OWN_ENTRIES)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.utcoffset() is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _row(entry: service.AuditEntry) -> dict[str, object]:
    row: dict[str, object] = {column: getattr(entry, column) for column in ENTRY_COLUMNS}
    row["time"] = entry.time.isoformat(timespec="seconds")
    for column in ("before", "after"):
        value = row[column]
        row[column] = (
            None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
        )
    return row
