"""`qurb watch indicators | bulletin`: the activity indicators of a data set for a period,
and the bulletin of a region or a province as PDF (or HTML)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from qurb.kernel.attribution import Attribution, DataSource
from qurb.kernel.clock import today
from qurb.kernel.i18n import cli_lang
from qurb.platform.cli import DbOption, FormatOption, TerritoryOption, open_session
from qurb.platform.output import OutputFormat, render, say
from qurb.territory.model import TerritoryLevel
from qurb.watch.detect_cli import detect_cmd
from qurb.watch.signals_cli import signals_cmd
from qurb.watch.triage_cli import alert_cmd, triage_cmd

watch_app = typer.Typer(
    help="Activity indicators with census denominators, the bulletin, and outbreak detection.",
    no_args_is_help=True,
)

SOURCES = Attribution.of(DataSource.MINISTRY, DataSource.HCP)
COLUMNS = [
    "indicator", "element", "code", "name_fr", "level", "numerator", "denominator", "value",
    "expected", "received", "completeness_pct", "caravan", "value_with_caravan", "note",
]  # fmt: skip
PrevalenceOption = Annotated[
    Path | None,
    typer.Option(
        "--prevalence",
        help="TOML file of expected prevalences, each with its source "
        "(default: prevalence.toml in $QURB_DATASETS_DIR, if any).",
    ),
]


def _prevalence(path: Path | None) -> dict[str, Any]:
    from qurb.watch.datasets import configured_prevalence, read_prevalence_file

    return read_prevalence_file(path) if path else configured_prevalence()


watch_app.command("detect")(detect_cmd)
watch_app.command("signals")(signals_cmd)
watch_app.command("triage")(triage_cmd)
watch_app.command("alert")(alert_cmd)


@watch_app.command("indicators")
def indicators_cmd(
    dataset: Annotated[
        str, typer.Option("--dataset", help="Data set id (see `qurb datasets list`).")
    ],
    period: Annotated[
        str, typer.Option("--period", help="Period: 2026W5 (a week) or 2026-01 (a month).")
    ],
    territory: TerritoryOption = "MA",
    level: Annotated[
        TerritoryLevel, typer.Option("--level", help="commune, province or region.")
    ] = TerritoryLevel.COMMUNE,
    indicator: Annotated[
        str | None, typer.Option("--indicator", help="Only this indicator (e.g. anc1_coverage).")
    ] = None,
    prevalence: PrevalenceOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """A data set's indicators for a period, per unit, each beside the completeness of the
    reports it is counted from; the caravans' records on their own columns."""
    from qurb.territory.cli import reference_point
    from qurb.territory.service import TerritoryIndex
    from qurb.watch.figures import dataset_indicators

    known = _prevalence(prevalence)
    with open_session(db) as session:
        index = TerritoryIndex.from_session(session)
        found = dataset_indicators(session, territory, dataset, period, level, known, index)
    rows: list[dict[str, Any]] = []
    points = []
    for f in found:
        if indicator not in (None, f.indicator):
            continue
        for u in (f.territory, *(u for u in f.units if u.code != f.territory.code)):
            rows.append(
                {
                    **u.__dict__,
                    "indicator": f.indicator,
                    "element": f.element,
                    "completeness_pct": u.completeness_pct,
                }
            )
            points.append(reference_point(index.by_code[u.code]))
    estimates = sorted({f.indicator for f in found if f.denominator_estimate})
    render(
        rows,
        COLUMNS,
        fmt,
        title=say("cli.watch.indicators_title", dataset=dataset, period=period),
        geometry=points if fmt is OutputFormat.GEOJSON else None,
        sources=SOURCES,
        metadata=None
        if fmt is OutputFormat.TABLE
        else {
            "dataset": dataset,
            "period": period,
            "estimated_denominators": ", ".join(estimates),
            "sources": "; ".join(dict.fromkeys(s for f in found for s in f.sources)),
        },
    )


@watch_app.command("bulletin")
def bulletin_cmd(
    territory: Annotated[
        str, typer.Option("--territory", "-t", help="A region or a province: HCP code or name.")
    ],
    period: Annotated[
        str,
        typer.Option("--period", help="A week (2026W45: weekly) or a month (2026-11: monthly)."),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The file to write (.pdf or .html).")
    ],
    lang: Annotated[
        str | None, typer.Option("--lang", help="fr, ar or en (default: the command line's).")
    ] = None,
    prevalence: PrevalenceOption = None,
    db: DbOption = None,
) -> None:
    """The bulletin of a region or a province: completeness, the main counts and
    indicators, the trends; PDF, or HTML when the file ends in .html."""
    from qurb.watch.bulletin import bulletin_html, compute_bulletin, render_pdf

    chosen = cli_lang(lang)
    known = _prevalence(prevalence)
    with open_session(db) as session:
        bulletin = compute_bulletin(session, territory, period, chosen, known)
    page = bulletin_html(bulletin, chosen, today())
    data = page.encode("utf-8") if output.suffix.lower() == ".html" else render_pdf(page)
    output.write_bytes(data)
    typer.echo(say("cli.watch.bulletin_written", path=str(output), bytes=len(data)))
