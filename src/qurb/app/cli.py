"""The `qurb` command line: the root group. It lists every command from its declaration
(the root's own below, the features' in `app.features`) and imports the module of a
command only when that command runs, so that `qurb --help` imports no feature and
`qurb gaps` the norms' commands alone.

Its help speaks the language of `--lang` (read first, before any command is built),
else $QURB_LANG, else $LANG: a command's one-line help is `cli.help.<command>` in the
catalogues (`cli.help.caravan.plan` for a group's command), an option's
`cli.help.<command>.<option>`, or `cli.help.option.<option>` for an option that every
command that has it words alike (`--db`, `--format`). The English the code declares is
the English catalogue's, word for word (a test checks it)."""

from __future__ import annotations

import difflib
import gc
import os
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup

from qurb.app.features import Command, commands, resolve
from qurb.kernel.i18n import cli_lang, has_key, translate

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Engine
    from sqlalchemy.orm import Session
    from typer import _click as click  # Typer's own Click, for the types

    from qurb.app.dataset import InitReport

# The composition root's own commands (`app.commands`), listed first.
ROOT_COMMANDS: tuple[Command, ...] = (
    Command(
        "serve",
        "qurb.app.commands:cli",
        "Serve the carte sanitaire: the map page at / and the HTTP API under /api (docs: /docs).",
    ),
    Command(
        "definitions",
        "qurb.app.commands:cli",
        "Every figure Qurb shows: its definition, formula, source and date, and its kind "
        "(census, estimate, registry, model or norm).",
    ),
    Command(
        "export",
        "qurb.app.commands:cli",
        "Export a whole table (for spreadsheets, GIS and other tools).",
    ),
    Command(
        "db",
        "qurb.app.commands:db_app",
        "The database: create it and load the bundled national dataset, back it up, restore it.",
        group=True,
    ),
    Command(
        "data",
        "qurb.app.commands:data_app",
        "The bundled dataset: rebuild it from its sources, check it.",
        group=True,
    ),
)


def declared_commands() -> tuple[Command, ...]:
    """Every command of `qurb`, in the order `qurb --help` lists them."""
    return ROOT_COMMANDS + commands()


def help_key(path: str) -> str:
    """The catalogue key of a command's one-line help (`caravan plan` → cli.help.caravan.plan)."""
    return "cli.help." + path.replace(" ", ".").replace("-", "_")


def option_keys(path: str, param: click.Parameter) -> tuple[str, str]:
    """The keys an option's help is looked up under: its command's own, then the shared one."""
    name = (param.name or "").replace("-", "_")
    return f"{help_key(path)}.{name}", f"cli.help.option.{name}"


def word_help(command: click.Command, path: str, lang: str, subcommands: bool = True) -> None:
    """Word a loaded command (and its options and sub-commands) in `lang`: its first
    paragraph from `cli.help.<path>`, each option's help from its key. The English the code
    declares is kept beside, so that a command loaded once can be worded again."""
    english = command.__dict__.setdefault("_english_help", command.help or "")
    first, _, rest = english.partition("\n\n")
    if has_key(help_key(path)):
        first = translate(lang, help_key(path))
    command.help = first + (f"\n\n{rest}" if rest else "")
    command.short_help = None
    for param in command.params:
        declared = param.__dict__.setdefault("_english_help", getattr(param, "help", None))
        key = next((k for k in option_keys(path, param) if has_key(k)), None)
        if declared and key:
            param.help = translate(lang, key)  # type: ignore[attr-defined]
    for name, sub in getattr(command, "commands", {}).items() if subcommands else ():
        word_help(sub, f"{path} {name}", lang)


def load_command(command: Command) -> click.Command:
    """The command itself, its module imported now: built by Typer as `add_typer` builds it
    in the root (a group under its name, else the app's command of that name)."""
    holder = typer.Typer(rich_markup_mode="rich")
    holder.add_typer(resolve(command.app), name=command.name if command.group else None)
    group = typer.main.get_group(holder)
    loaded = group.commands.get(command.name)
    if loaded is None:
        raise LookupError(f"{command.app} has no command {command.name!r}")
    return loaded


class LazyGroup(TyperGroup):
    """The root group: lists the declared commands with their one-line help while it
    prints its help, and loads a command when it is asked for one to run."""

    listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [c.name for c in declared_commands()]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        declared = next((c for c in declared_commands() if c.name == cmd_name), None)
        if declared is None:
            return None
        lang = cli_lang()
        if self.listing:  # a stand-in carrying the declared help: nothing imported
            key = help_key(cmd_name)
            return TyperCommand(
                cmd_name, help=translate(lang, key) if has_key(key) else declared.help
            )
        _install_database_preparer()
        self.commands[cmd_name] = load_command(declared)
        _resume_collecting()
        if declared.app.startswith("qurb.identity.partner_cli:"):
            _install_facility_lookup()
        word_help(self.commands[cmd_name], cmd_name, lang)
        return self.commands[cmd_name]

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except Exception as error:  # Typer suggests among the commands loaded so far only
            message = str(getattr(error, "message", ""))
            if self.suggest_commands and args and message.startswith("No such command"):
                matches = difflib.get_close_matches(args[0], self.list_commands(ctx))
                if matches and "Did you mean" not in message:
                    names = ", ".join(repr(m) for m in matches)
                    error.message = f"{message.rstrip('.')}. Did you mean {names}?"  # type: ignore[attr-defined]
            raise

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        word_help(self, "qurb", cli_lang(), subcommands=False)
        self.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing = False


app = typer.Typer(
    name="qurb",
    cls=LazyGroup,
    help="Qurb (قرب): the carte sanitaire of Morocco as data — territories, facilities, gaps.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)


def _use_lang(lang: str | None) -> str | None:
    """--lang is read first (an eager option, before `--help` and before any command is
    built) and kept in $QURB_LANG, which every later word reads."""
    if lang:
        os.environ["QURB_LANG"] = lang
    return lang


@app.callback()
def _root(
    lang: str | None = typer.Option(
        None,
        "--lang",
        help="Language of the messages: fr, ar or en (default: $QURB_LANG, $LANG, else en).",
        is_eager=True,
        callback=_use_lang,
    ),
) -> None:
    _use_lang(lang)


def loaded_words(report: InitReport) -> str:
    """What a first load put in the database, in the command line's language."""
    from qurb.platform.output import say

    return say(
        "cli.db.loaded",
        territories=f"{report.territories:,}",
        public=f"{report.facilities_public:,}",
        osm=f"{report.facilities_osm:,}",
    )


def _install_database_preparer() -> None:
    from qurb.platform.cli import set_engine_preparer

    set_engine_preparer(_prepare)


def _install_facility_lookup() -> None:
    """Partners name registry facilities; identity sits below the registry, so the
    composition root hands it the registry's lookup."""
    from qurb.identity.partner_cli import set_facility_lookup

    set_facility_lookup(_registry_lookup)


def _registry_lookup(session: Session) -> Callable[[str], bool]:
    from qurb.registry.lookups import facility_exists

    return lambda facility_id: facility_exists(session, facility_id)


def _prepare(engine: Engine) -> None:
    """A database without the dataset is created and loaded first; an older one upgraded."""
    from qurb.app.schema import SCHEMA_REVISION, prepare_database
    from qurb.platform.cli import err

    def load(engine: Engine) -> None:
        from qurb.app.dataset import init_database
        from qurb.platform.output import say

        with err.status(say("cli.db.first_run")):
            report = init_database(engine)
        err.print(f"[green]{escape(loaded_words(report))}[/]")

    def upgraded() -> None:
        from qurb.platform.output import say

        err.print(f"[green]{escape(say('cli.db.upgraded', revision=SCHEMA_REVISION))}[/]")

    prepare_database(engine, load, upgraded)


def main() -> None:
    """The `qurb` command. Garbage collection waits while the command's modules load: they
    make hundreds of thousands of objects that live as long as the process, and collecting
    among them is wasted work (about 0.1 s of a short command); once they are loaded they
    are frozen out of later collections, and collecting resumes for the command's work."""
    gc.disable()
    try:
        app(prog_name="qurb")
    finally:
        gc.enable()


def _resume_collecting() -> None:
    if not gc.isenabled():  # put off by `main`
        gc.freeze()
        gc.set_threshold(50_000, 20, 20)
        gc.enable()


if __name__ == "__main__":  # pragma: no cover
    main()
