"""`qurb db backup` and `qurb db restore`: a backup of the database while the server runs,
and its restore into an empty database, checked once restored (its schema revision is one
this Qurb knows; its audit chain is intact and its head signed by the server's key).

The server's audit key is never put in a backup (`qurb.audit.keys`): the backup says where
it is, to be kept safe apart; a restored database is checked with the key of its place
(`QURB_AUDIT_KEY_FILE`, else beside a SQLite file, else ~/.config/qurb/audit.key)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from qurb.app.schema import MIGRATIONS_DIR, SCHEMA_REVISION
from qurb.audit import service as audit
from qurb.audit.keys import key_path, read_key
from qurb.kernel.errors import InputError, QurbError
from qurb.platform import backup as backups
from qurb.platform.cli import DbOption, err, exit_code_for, fail, out, worded
from qurb.platform.database import database_url, make_engine, make_sessionmaker
from qurb.platform.output import say

REVISION_LINE = re.compile(r"""^revision\s*=\s*["']([^"']+)["']""", re.MULTILINE)


def known_revisions() -> frozenset[str]:
    """Every schema revision this Qurb's migrations know."""
    versions = (MIGRATIONS_DIR / "versions").glob("*.py")
    found = (REVISION_LINE.search(path.read_text(encoding="utf-8")) for path in versions)
    return frozenset(match.group(1) for match in found if match)


def backup_cmd(
    file: Annotated[Path, typer.Argument(help="The backup file to write.")],
    db: DbOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write over the file if it exists already.")
    ] = False,
) -> None:
    """Back up the database while it is in use (SQLite: its backup API; PostgreSQL:
    pg_dump --format=custom). The audit key is not put in it: keep it safe apart."""
    url = database_url(db)
    try:
        with err.status(say("cli.db.backing_up", database=backups.shown(url))):
            written = backups.backup(url, file, force=force)
    except QurbError as error:
        raise fail(worded(error), error.hint, exit_code_for(error)) from None
    size = f"{written.size_bytes:,}"
    out.print(escape(say("cli.db.backup_written", path=str(written.path), size=size)))
    err.print(f"[yellow]{escape(say('cli.db.key_apart', key=str(key_path(url))))}[/]")


def restore_cmd(
    file: Annotated[
        Path,
        typer.Argument(help="A backup written by `qurb db backup` (or pg_dump --format=custom)."),
    ],
    db: DbOption = None,
) -> None:
    """Restore a backup into an empty database (one that holds any table is refused), then
    check its schema revision and its audit chain."""
    url = database_url(db)
    try:
        revision = _revision_of(url, file)
        with err.status(say("cli.db.restoring", path=str(file), database=backups.shown(url))):
            backups.restore(url, file)
    except QurbError as error:
        raise fail(worded(error), error.hint, exit_code_for(error)) from None
    database = backups.shown(url)
    restored = say("cli.db.restored", path=str(file), database=database, revision=revision)
    out.print(f"[green]{escape(restored)}[/]")
    if revision != SCHEMA_REVISION:
        older = say("cli.db.restored_older", revision=revision, current=SCHEMA_REVISION)
        err.print(f"[yellow]{escape(older)}[/]")
        return
    _verify(url)


def _revision_of(url: str, file: Path) -> str:
    """The schema revision the backup holds: refused if it holds none, or one this Qurb
    does not know (made by a newer Qurb)."""
    revision = backups.backup_revision(url, file)
    if revision is None:
        raise InputError(code="backup_not_qurb", values={"path": str(file)})
    if revision not in known_revisions():
        values = {"path": str(file), "revision": revision, "current": SCHEMA_REVISION}
        raise InputError(code="backup_newer", values=values)
    return revision


def _verify(url: str) -> None:
    """Check the restored audit chain as `qurb audit verify` does; exit 2 if it fails."""
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            head, total = audit.head(session), audit.count(session)
            if head.signature is None and total == 0:
                out.print(escape(say("cli.audit.empty")))
                return
            key = read_key(key_path(url))
            problems = audit.verify(session, key.public_key)
    except QurbError as error:
        err.print(escape(say("cli.db.audit_unchecked")))
        raise fail(worded(error), error.hint, exit_code_for(error)) from None
    finally:
        engine.dispose()
    if problems:
        for problem in problems:
            entry = say("cli.audit.entry", seq=problem.seq)
            err.print(f"[bold red]{escape(entry)}[/] {escape(problem.message)}")
        raise fail(say("cli.db.audit_broken"))
    out.print(escape(say("cli.audit.intact", count=total, key=head.key_id)))
