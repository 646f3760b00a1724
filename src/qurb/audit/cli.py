"""`qurb audit verify` (is the chain intact, its head signed by the server's key) and
`qurb audit head` (the signed head, to keep a copy elsewhere)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from qurb.audit import service
from qurb.audit.keys import key_path, read_key
from qurb.platform.cli import DbOption, err, fail, open_session, out
from qurb.platform.database import default_url
from qurb.platform.output import say

audit_app = typer.Typer(
    help="The audit trail: check its hash chain and signed head, print the head.",
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
    url = db or default_url()
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
