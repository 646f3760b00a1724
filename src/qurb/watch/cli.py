"""`qurb datasets list | show | validate` and `qurb reports import | list | completeness`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from qurb.kernel.attribution import Attribution, DataSource
from qurb.kernel.errors import QurbError
from qurb.kernel.i18n import cli_lang, data_label
from qurb.platform.cli import (
    DbOption,
    FormatOption,
    TerritoryOption,
    exit_code_for,
    fail,
    open_session,
    out,
    worded,
)
from qurb.platform.database import default_url
from qurb.platform.output import OutputFormat, render, say
from qurb.watch.datasets import available_datasets, get_dataset

datasets_app = typer.Typer(
    help="The data sets facilities report: list, show, validate.", no_args_is_help=True
)
reports_app = typer.Typer(
    help="Facilities' periodic reports: import, list, completeness and timeliness.",
    no_args_is_help=True,
)

DatasetOption = Annotated[
    str, typer.Option("--dataset", help="Data set id (see `qurb datasets list`).")
]
PeriodOption = Annotated[
    str, typer.Option("--period", help="Period: 2026W5 (a week) or 2026-01 (a month).")
]
SOURCES = Attribution.of(DataSource.MINISTRY)  # each data set's own reference: `source`


@contextmanager
def _said() -> Iterator[None]:
    """An error met before any database is opened (a data set, a file), in the command
    line's words."""
    try:
        yield
    except QurbError as error:
        raise fail(worded(error), error.hint, exit_code_for(error)) from None


def _validated(needs: bool, validation: Any) -> str:
    if not needs:
        return say("cli.datasets.no_validation")
    if validation is None:
        return say("cli.datasets.to_validate")
    return say("cli.datasets.validated", by=validation.validated_by)


@datasets_app.command("list")
def list_cmd(fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None) -> None:
    """The data sets (bundled, plus *.toml files in $QURB_DATASETS_DIR) and whether each
    is validated."""
    from qurb.watch.service import dataset_validation

    lang = cli_lang()
    with open_session(db) as session:
        rows = [
            {
                "id": d.id,
                "version": d.version,
                "name": data_label(d, lang) if fmt is OutputFormat.TABLE else d.name_fr,
                "period": d.period.value,
                "due_days": d.due_days,
                "elements": len(d.elements),
                "unconfirmed": sum(not e.confirmed for e in d.elements),
                "validation": _validated(d.needs_validation, dataset_validation(session, d)),
                "source": d.source,
            }
            for d in available_datasets().values()
        ]
    columns = ["id", "version", "name", "period", "due_days", "elements", "unconfirmed"]
    render(
        rows,
        [*columns, "validation"]
        if fmt is OutputFormat.TABLE
        else [*columns, "validation", "source"],
        fmt,
        title=say("cli.datasets.title"),
        sources=SOURCES,
    )


@datasets_app.command("show")
def show_cmd(
    dataset_id: Annotated[str, typer.Argument(help="Data set id (see `qurb datasets list`).")],
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """One data set's elements: their cells, the immediate ones, what is unconfirmed and
    why."""
    with _said():
        dataset = get_dataset(dataset_id)
    lang = cli_lang()
    rows = [
        {
            "code": e.code,
            "name": data_label(e, lang) if fmt is OutputFormat.TABLE else e.name_fr,
            "group": e.group,
            "cells": len(dataset.combos[e.code]),
            "confirmed": e.confirmed,
            "immediate": e.immediate,
            "alert_threshold": e.alert_threshold,
            "why": " ".join(x for x in (e.why, e.delay_why) if x) or None,
        }
        for e in dataset.elements
    ]
    columns = ["code", "name", "group", "cells", "confirmed", "immediate", "alert_threshold"]
    render(
        rows,
        columns if fmt is OutputFormat.TABLE else [*columns, "why"],
        fmt,
        title=say(
            "cli.datasets.show_title", name=data_label(dataset, lang), version=dataset.version
        ),
        sources=SOURCES,
    )
    if fmt is OutputFormat.TABLE:
        out.print(say("cli.datasets.source", source=dataset.source), markup=False)


@datasets_app.command("validate")
def validate_cmd(
    dataset_id: Annotated[str, typer.Argument(help="Data set id (see `qurb datasets list`).")],
    db: DbOption = None,
) -> None:
    """Validate a data set's version (watch.confirm over the whole country, as the token's
    account): it no longer shows "to be validated by the DELM"."""
    from qurb.identity.cli_access import token_guard
    from qurb.identity.grant_service import target_in
    from qurb.identity.permissions import Permission
    from qurb.territory.service import TerritoryIndex
    from qurb.watch.service import validate_dataset

    with open_session(db or default_url(), write=True) as session:
        guard = token_guard(session, Permission.WATCH_CONFIRM)
        actor = guard.over(target_in(TerritoryIndex.from_session(session), "MA"))
        done = validate_dataset(session, actor, dataset_id)
    out.print(say("cli.datasets.done", dataset=done.dataset_id, version=done.dataset_version))


@reports_app.command("import")
def import_cmd(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV or XLSX: dataset, facility, period, element, disaggregation, value."
        ),
    ],
    db: DbOption = None,
) -> None:
    """Submit reports from a file (watch.report over each facility, as the token's
    account), all or nothing: every bad cell is named by its row and column."""
    from qurb.identity.cli_access import token_guard
    from qurb.identity.permissions import Permission
    from qurb.kernel.errors import NotFound
    from qurb.registry.service import get_facility
    from qurb.registry.targets import facility_target
    from qurb.territory.service import TerritoryIndex
    from qurb.watch.imports import import_reports, read_report_file

    with _said():
        given = read_report_file(file)
    with open_session(db or default_url(), write=True) as session:
        guard = token_guard(session, Permission.WATCH_REPORT)
        index = TerritoryIndex.from_session(session)
        actors = []
        for item in given:
            try:
                facility = get_facility(session, item.facility_id)
            except NotFound:
                actors.append(guard.actor)  # refused by the checks, its row named
                continue
            actors.append(guard.over(facility_target(session, index, facility)))
        done = import_reports(session, actors, given, file.name)
    out.print(say("cli.reports.imported", count=len(done)))


@reports_app.command("list")
def reports_list_cmd(
    dataset: DatasetOption,
    period: PeriodOption,
    territory: TerritoryOption = "MA",
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """The current reports of a data set for a period in a territory, one row a cell."""
    from qurb.registry.service import FacilityFilter, list_facilities
    from qurb.territory.service import TerritoryIndex
    from qurb.watch.service import ReportFilter, list_reports

    with open_session(db) as session:
        index = TerritoryIndex.from_session(session)
        unit = index.resolve(territory)
        ids = [
            f.id for f in list_facilities(session, FacilityFilter(unit.code, status=None), index)
        ]
        reports = list_reports(session, ReportFilter(dataset, period, ids))
    rows = [
        {
            "report": r.id,
            "facility_id": r.facility_id,
            "period": r.period,
            "revision": r.revision,
            "status": r.status.value,
            "element": v.element,
            "disaggregation": v.disaggregation,
            "value": v.value,
        }
        for r in reports
        for v in r.values
    ]
    render(
        rows,
        [
            "report",
            "facility_id",
            "period",
            "revision",
            "status",
            "element",
            "disaggregation",
            "value",
        ],
        fmt,
        title=say("cli.reports.title", count=len(reports)),
        sources=Attribution.of(),  # entries made in this database
    )


@reports_app.command("completeness")
def completeness_cmd(
    dataset: DatasetOption,
    period: PeriodOption,
    territory: TerritoryOption = "MA",
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Completeness and timeliness per commune, province and region: expected, received,
    on time; then the silent facilities."""
    from qurb.watch.completeness import compute_completeness

    with open_session(db) as session:
        result = compute_completeness(session, territory, dataset, period)
    rows = [
        {
            **u.__dict__,
            "completeness_pct": u.completeness_pct,
            "timeliness_pct": u.timeliness_pct,
        }
        for u in (result.territory, *(u for u in result.units if u.code != result.territory.code))
    ]
    columns = ["code", "name_fr", "level", "expected", "received", "on_time"]
    columns += ["completeness_pct", "timeliness_pct"]
    render(
        rows,
        columns,
        fmt,
        title=say(
            "cli.reports.completeness_title",
            dataset=result.dataset_id,
            period=result.period,
            due=result.due.isoformat(),
        ),
        sources=SOURCES,
        metadata={
            "dataset": result.dataset_id,
            "period": result.period,
            "due": result.due.isoformat(),
        }
        if fmt is not OutputFormat.TABLE
        else None,
    )
    if fmt is OutputFormat.TABLE:
        silent = [f"{f.name} ({f.category}, {f.facility_id})" for f in result.silent]
        out.print(say("cli.reports.silent", count=len(silent)), markup=False)
        for line in silent:
            out.print(f"  {line}", markup=False)
