"""`qurb caravan …`: plan a mobile medical caravan campaign, record it, report on it."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.markup import escape

from qurb.access.cli_options import ModelOption, ParamsOption, measured
from qurb.kernel import clock
from qurb.kernel.attribution import Attribution, DataSource
from qurb.kernel.i18n import cli_lang, translate
from qurb.kernel.values import MAX_SEED
from qurb.platform.cli import DbOption, FormatOption, err, fail, open_session, out
from qurb.platform.output import OutputFormat, export_metadata, render, say

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from qurb.caravans.model import CampaignSpec
    from qurb.caravans.plan import CampaignPlan
    from qurb.kernel.actor import Actor

T = TypeVar("T")

caravan_app = typer.Typer(
    help="Mobile medical caravans: choose communes, schedule visits, record and report.",
    no_args_is_help=True,
)

# The priority table's headings of the parts (catalogue keys).
PART_HEADERS = {
    "beyond_threshold": "cli.caravan.part.beyond_threshold",
    "rural_share": "cli.caravan.part.rural_share",
    "paved_road_km": "cli.caravan.part.paved_road_km",
    "norm_gap": "cli.caravan.part.norm_gap",
    "children_0_4": "cli.caravan.part.children_0_4",
    "women_15_49": "cli.caravan.part.women_15_49",
    "people_60_plus": "cli.caravan.part.people_60_plus",
}

CampaignFile = Annotated[
    Path, typer.Argument(help="Campaign file (TOML; see examples/caravan-boulemane.toml).")
]
CampaignId = Annotated[str, typer.Argument(help="Campaign id (see `qurb caravan list`).")]
TodayOption = Annotated[
    str | None,
    typer.Option("--today", help="Date the campaign is checked against (default: today)."),
]


def _today(value: str | None) -> date:
    if value is None:
        return clock.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _read_campaign(path: Path) -> CampaignSpec:
    """The campaign file, or exit 2 naming every bad field."""
    from qurb.caravans.catalogue import read_campaign_file
    from qurb.caravans.model import CampaignError

    try:
        return read_campaign_file(path)
    except CampaignError as error:
        raise fail(str(error)) from None


def _with_progress(work: Callable[[], T], seconds: float, label: str) -> T:
    """Run `work` (a solve stopped by a time limit) with a bar that fills over its
    `seconds` on the error console, so piped output stays clean."""
    from concurrent.futures import ThreadPoolExecutor

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with (
        ThreadPoolExecutor(max_workers=1) as pool,
        Progress(*columns, console=err, transient=True) as progress,
    ):
        task = progress.add_task(f"{label} ({seconds:g} s)", total=seconds)
        future = pool.submit(work)
        start = time.monotonic()
        while not future.done():
            progress.update(task, completed=min(time.monotonic() - start, seconds))
            time.sleep(0.1)
        return future.result()


def _write_outputs(
    plan: CampaignPlan,
    campaign_id: str,
    ics: Path | None,
    geojson: Path | None,
    notices_dir: Path | None,
) -> None:
    from qurb.caravans.outputs import geojson_document, notices, plan_geojson, plan_ics

    if ics:
        ics.write_bytes(plan_ics(plan, campaign_id, lang=cli_lang()))
        events = len(plan.stops)
        err.print(escape(say("cli.caravan.wrote_ics", path=str(ics), count=events)))
    if geojson:
        geojson.write_text(
            json.dumps(geojson_document(plan_geojson(plan)), ensure_ascii=False), encoding="utf-8"
        )
        err.print(escape(say("cli.caravan.wrote_geojson", path=str(geojson))))
    if notices_dir:
        notices_dir.mkdir(parents=True, exist_ok=True)
        pages = notices(plan)
        for code, page in pages.items():
            (notices_dir / f"notice-{code}.html").write_text(page, encoding="utf-8")
        folder = f"{notices_dir}/"
        err.print(escape(say("cli.caravan.wrote_notices", count=len(pages), path=folder)))


def _print_plan(plan: CampaignPlan, fmt: OutputFormat, campaign_id: str | None) -> None:
    from qurb.caravans.outputs import (
        CARAVAN_SOURCES,
        day_by_day_rows,
        expected_metadata,
        geojson_document,
        plan_geojson,
        specialty_names,
    )

    if fmt is OutputFormat.JSON:
        document = CARAVAN_SOURCES.annotate({"id": campaign_id, **plan.stored_json()})
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        return
    if fmt is OutputFormat.GEOJSON:
        collection = geojson_document(plan_geojson(plan))
        sys.stdout.write(json.dumps(collection, ensure_ascii=False) + "\n")
        return
    rows = day_by_day_rows(plan)
    specialties = [s.code for s in plan.campaign.specialties]
    columns = [
        "date",
        "unit",
        "commune",
        "code",
        "arrival",
        "start",
        "departure",
        "visit",
        *[f"expected_{s}" for s in specialties],
    ]
    if fmt is OutputFormat.CSV:
        render(
            rows,
            ["number", *columns, "team", "place"],
            fmt,
            sources=CARAVAN_SOURCES,
            metadata=expected_metadata(columns),
        )
        return
    campaign = plan.campaign
    title = (
        f"{campaign.name} — {campaign.territory.name_fr}, "
        f"{campaign.start} → {campaign.end} ({campaign.mode})"
    )
    lang = cli_lang()
    known = specialty_names([s.code for s in campaign.specialties], lang)
    headers = {f"expected_{s.code}": s.label(lang) or known[s.code] for s in campaign.specialties}
    if all(r["arrival"] == r["start"] for r in rows):  # day trips: no waiting, one column
        columns.remove("arrival")
    render(rows, columns, fmt, title=title, headers=headers)
    if plan.dropped:
        render(
            [{**d.model_dump(mode="json"), "reason": _reason(d, lang)} for d in plan.dropped],
            ["code", "name_fr", "score", "reason"],
            fmt,
            title=say("cli.caravan.dropped_title"),
        )
    totals = plan.totals
    said = {
        "visits": totals.visits,
        "visited": totals.communes_visited,
        "candidates": totals.candidates,
        "population": f"{totals.population_of_visited_communes:,}",
        "km": f"{totals.distance_km:,.0f}",
        "seconds": plan.solver.runtime_s,
        "iterations": f"{plan.solver.iterations:,}",
    }
    out.print(escape(say("cli.caravan.plan_totals", **said)))
    if plan.unmet:
        out.print(f"[yellow]{escape(say('cli.caravan.unmet', count=len(plan.unmet)))}[/]")
    if campaign_id:
        out.print(escape(say("cli.caravan.saved", id=campaign_id)))


def _reason(dropped: Any, lang: str) -> str:
    """Why a commune was left out, in the language (`caravan.reason.<code>`)."""
    if dropped.reason_code is None:
        return str(dropped.reason)
    return translate(lang, f"caravan.reason.{dropped.reason_code}", dropped.reason_values or {})


@caravan_app.command("priority")
def priority_cmd(
    campaign: CampaignFile,
    model: ModelOption = "commune-graph",
    params: ParamsOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Score the candidate communes, every score explained by its parts."""
    from qurb.access.travel_models import make_model
    from qurb.caravans.scoring import compute_campaign_priority, priority_norm_kind
    from qurb.norms.model import NormKind

    spec = _read_campaign(campaign)
    with open_session(db) as session:
        chosen = make_model(session, model, params)
        report = compute_campaign_priority(session, spec, chosen)
    ratio = priority_norm_kind(spec) is NormKind.REFERENCE_RATIO
    names = {c.code: c for c in report.communes}
    rows = []
    for p in report.priorities:
        row: dict[str, Any] = {
            "rank": p.rank,
            "code": p.code,
            "commune": names[p.code].name_fr,
            "population": names[p.code].population_2024,
            "minutes_to_essp": report.minutes.get(p.code),
            "score": round(p.score, 3),
            "forced": "in"
            if p.code in report.forced_in
            else "out"
            if p.code in report.forced_out
            else "",
        }
        for part in p.parts:
            row[part.name] = None if part.value is None else round(part.value, 3)
            row[f"{part.name}_contribution"] = round(part.contribution, 3)
        for s, x in report.expected[p.code].items():
            row[f"expected_{s}"] = round(x)
        rows.append(row)
    parts = [part.name for part in report.priorities[0].parts] if report.priorities else []
    if fmt is OutputFormat.TABLE:
        # Three decimals: the table's default of one would flatten the scores.
        shown = [
            {
                **r,
                "score": f"{r['score']:.3f}",
                **{f"{p}_contribution": f"{r[f'{p}_contribution']:.3f}" for p in parts},
            }
            for r in rows
        ]
        columns = ["rank", "code", "commune", "population", "minutes_to_essp", "score"]
        if any(r["forced"] for r in rows):
            columns.append("forced")
        columns += [f"{p}_contribution" for p in parts]
        headers = {
            "minutes_to_essp": say("cli.caravan.column.minutes_to_essp"),
            **{f"{p}_contribution": say(key) for p, key in PART_HEADERS.items()},
        }
        if ratio:  # a national average: a distance from it, not people unserved
            headers["norm_gap_contribution"] = say("cli.caravan.part.below_average")
        render(
            shown,
            columns,
            fmt,
            title=measured(
                say("cli.caravan.priority_title", name=report.territory.name_fr),
                chosen.measure,
            ),
            headers=headers,
        )
        out.print(f"[dim]{escape(say('cli.caravan.parts_note'))}[/]")
        norm = spec.setting("norm")
        gap_note = "cli.caravan.gap_note_ratio" if ratio else "cli.caravan.gap_note_norm"
        out.print(f"[dim]{escape(say(gap_note, norm=norm))}[/]")
        return
    from qurb.caravans.outputs import CARAVAN_SOURCES, expected_metadata

    columns = list(rows[0]) if rows else []
    # The gap part keeps its column names (norm_gap, norm_gap_contribution) for the files
    # already written; `norm_kind` says what it is: under a reference_ratio (the default, a
    # national average) it is a distance from the average, not a shortfall.
    norm_kind = priority_norm_kind(spec).value
    rows = [{**r, "norm_kind": norm_kind} for r in rows]
    columns.append("norm_kind")
    norm = spec.setting("norm")
    metadata = export_metadata(
        chosen,
        minutes_to_essp="the model's minutes from the commune to the nearest ESSP",
        norm_gap=(
            f"share of the population beyond the national average ratio {norm}: a distance "
            "from a national average, not a shortfall (column name kept for compatibility)"
            if ratio
            else f"share of the population beyond the reach of the norm {norm}, unserved under it"
        ),
        **expected_metadata(columns),
    )
    render(rows, columns, fmt, sources=CARAVAN_SOURCES, metadata=metadata)


def _planner(session: Session, territory: str) -> Actor:
    """The token's account, as the actor saving a campaign (caravans.plan over its
    territory)."""
    from qurb.identity.cli_access import token_guard
    from qurb.identity.grant_service import territory_target
    from qurb.identity.permissions import Permission
    from qurb.territory.service import TerritoryIndex

    guard = token_guard(session, Permission.CARAVANS_PLAN)
    index = TerritoryIndex.from_session(session)
    return guard.over(territory_target(index, territory))


def _recorder(session: Session, campaign_id: str) -> Actor:
    """The token's account, as the actor recording visits (caravans.record over the
    campaign's territory)."""
    from qurb.caravans.store import get_campaign
    from qurb.identity.cli_access import token_guard
    from qurb.identity.grant_service import target_in
    from qurb.identity.permissions import Permission
    from qurb.territory.service import TerritoryIndex

    guard = token_guard(session, Permission.CARAVANS_RECORD)
    index = TerritoryIndex.from_session(session)
    return guard.over(target_in(index, get_campaign(session, campaign_id).territory))


@caravan_app.command("plan")
def plan_cmd(
    campaign: CampaignFile,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Solver seconds (default: settings).")
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(min=0, max=MAX_SEED, help="Solver seed (default: settings)."),
    ] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Save the campaign.")] = True,
    ics: Annotated[Path | None, typer.Option("--ics", help="Write an iCalendar file.")] = None,
    geojson: Annotated[
        Path | None, typer.Option("--geojson", help="Write the routes and stops as GeoJSON.")
    ] = None,
    notices_dir: Annotated[
        Path | None,
        typer.Option("--notices", help="Write one public notice (FR/AR HTML) per commune."),
    ] = None,
    model: ModelOption = "commune-graph",
    params: ParamsOption = None,
    today: TodayOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Choose the communes and schedule the visits (PyVRP, seeded, time-limited)."""
    from qurb.access.travel_models import make_model
    from qurb.caravans.service import prepare_campaign, schedule_campaign
    from qurb.caravans.store import save_campaign

    spec = _read_campaign(campaign)
    limit = time_limit if time_limit is not None else float(spec.setting("time_limit_s"))
    if save:  # caravans.plan over the territory, checked before the solver runs
        with open_session(db, write=True) as session:  # a short write: the token's use
            _planner(session, spec.territory)
    with open_session(db) as session:  # reads only: no lock held while it computes
        chosen = make_model(session, model, params)
        with err.status(say("cli.caravan.scoring")):
            setup = prepare_campaign(session, spec, chosen, _today(today))
    plan = _with_progress(
        lambda: schedule_campaign(setup, time_limit_s=limit, seed=seed),
        limit,
        say("cli.caravan.scheduling", count=len(setup.stops)),
    )
    campaign_id = None
    if save:  # a write of its own, after the solver: no lock held while it runs
        with open_session(db, write=True) as session:
            campaign_id = save_campaign(session, _planner(session, spec.territory), spec, plan)
    _write_outputs(plan, campaign_id or "unsaved", ics, geojson, notices_dir)
    _print_plan(plan, fmt, campaign_id)


@caravan_app.command("list")
def list_cmd(fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None) -> None:
    """Saved campaigns."""
    from qurb.caravans.store import list_campaigns

    with open_session(db) as session:
        rows = list_campaigns(session)
    render(
        [r.model_dump(mode="json") for r in rows],
        ["id", "name", "territory_name_fr", "start", "end", "visits", "created_at", "created_by"],
        fmt,
        title=say("cli.caravan.campaigns_title"),
        headers={"territory_name_fr": say("cli.column.territory")},
        sources=Attribution.of(DataSource.HCP),  # the campaigns' territories
    )


@caravan_app.command("show")
def show_cmd(
    campaign_id: CampaignId,
    ics: Annotated[Path | None, typer.Option("--ics", help="Write an iCalendar file.")] = None,
    geojson: Annotated[
        Path | None, typer.Option("--geojson", help="Write the routes and stops as GeoJSON.")
    ] = None,
    notices_dir: Annotated[
        Path | None, typer.Option("--notices", help="Write the public notices (FR/AR HTML).")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """A saved campaign's plan, day by day."""
    from qurb.caravans.store import campaign_plan

    with open_session(db) as session:
        plan = campaign_plan(session, campaign_id)
    _write_outputs(plan, campaign_id, ics, geojson, notices_dir)
    _print_plan(plan, fmt, None)


@caravan_app.command("record")
def record_cmd(
    campaign_id: CampaignId,
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV/XLSX/JSON with columns stop, kind (consultation|screening|medicine|"
            "referral), item, sex (F/M), age_band (0-4, 5-14, 15-49, 50-59, 60+), count, "
            "facility (referrals), service."
        ),
    ],
    today: TodayOption = None,
    db: DbOption = None,
) -> None:
    """Record what visits gave: all rows or none."""
    from qurb.caravans.records import read_record_file, record_visits

    with open_session(db, write=True) as session:
        rows = read_record_file(file)
        count = record_visits(
            session, _recorder(session, campaign_id), campaign_id, rows, _today(today), str(file)
        )
    out.print(f"[green]{escape(say('cli.caravan.recorded', count=count, id=campaign_id))}[/]")


@caravan_app.command("report")
def report_cmd(
    campaign_id: CampaignId,
    html_file: Annotated[
        Path | None, typer.Option("--html", help="Write the printable report page.")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Planned against done per visit, population reached, referrals by facility (the
    page written by --html in the language of --lang)."""
    from qurb.caravans.outputs import CARAVAN_SOURCES, report_html
    from qurb.caravans.report import campaign_report, unit_names
    from qurb.caravans.report_labels import labelled
    from qurb.kernel.i18n import number

    lang = cli_lang()
    with open_session(db) as session:
        report = campaign_report(session, campaign_id)
        names = unit_names(session, report, lang)
        shown = labelled(session, report, lang)
    if html_file:
        html_file.write_text(report_html(shown, lang, names=names), encoding="utf-8")
        err.print(f"[green]{escape(say('cli.caravan.wrote', path=str(html_file)))}[/]")
    if fmt is OutputFormat.JSON:
        document = CARAVAN_SOURCES.annotate(report.model_dump(mode="json"))
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        return
    columns = [
        "number",
        "date",
        "commune",
        "unit",
        "planned",
        "done",
        "screenings",
        "medicines",
        "referrals",
    ]
    render(
        [r.model_dump(mode="json") for r in report.stops],
        columns,
        fmt,
        title=f"{escape(report.campaign.name)}: {translate(lang, 'report.by_visit')}",
        sources=CARAVAN_SOURCES,
    )
    if fmt is OutputFormat.TABLE:
        t = report.totals
        said = [
            translate(
                lang,
                "report.visits_recorded",
                {"recorded": t.visits_recorded, "planned": t.visits_planned},
            ),
            translate(
                lang, "report.consultations", {"count": t.done, "planned": number(t.planned, lang)}
            ),
            translate(
                lang,
                "report.communes_reached",
                {
                    "count": t.communes_reached,
                    "population": number(t.population_of_communes_reached, lang),
                },
            ),
            translate(lang, "report.referrals", {"count": t.referrals}),
        ]
        out.print(escape(" · ".join(said)))
        if report.referrals:
            render(
                [r.model_dump(mode="json") for r in report.referrals],
                ["facility_id", "facility", "category", "specialty", "service", "referrals"],
                fmt,
                title=translate(lang, "report.by_facility"),
            )


@caravan_app.command("referrals")
def referrals_cmd(
    facility: Annotated[
        str | None, typer.Option("--facility", help="Receiving facility id.")
    ] = None,
    campaign: Annotated[str | None, typer.Option("--campaign", help="Campaign id.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Referrals issued by caravans, by receiving facility."""
    from qurb.caravans.report import referrals_by_facility

    with open_session(db) as session:
        rows = referrals_by_facility(session, campaign, facility)
    render(
        [r.model_dump(mode="json") for r in rows],
        [
            "facility_id",
            "facility",
            "category",
            "specialty",
            "service",
            "campaign_id",
            "referrals",
            "first_visit",
            "last_visit",
        ],
        fmt,
        title=say("cli.caravan.referrals_title"),
        sources=Attribution.of(DataSource.MINISTRY),  # the receiving facilities
    )
