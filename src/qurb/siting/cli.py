"""`qurb site …` (where to add facilities) and `qurb scenarios …` (saved runs)."""

from __future__ import annotations

import enum
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from qurb.access.cli_options import (
    ACCESS_SOURCES,
    CategoryOption,
    ModelOption,
    ParamsOption,
    ServiceOption,
)
from qurb.kernel.i18n import cli_lang
from qurb.platform.cli import DbOption, FormatOption, TerritoryOption, err, open_session, out
from qurb.platform.output import OutputFormat, render, say

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from qurb.kernel.actor import Actor

# Sites and coverage come from the travel-time model, as access figures do.
SITING_SOURCES = ACCESS_SOURCES

cli = typer.Typer()
scenarios_app = typer.Typer(
    help="Saved siting scenarios: list, show, compare, rename.", no_args_is_help=True
)


class ObjectiveChoice(enum.StrEnum):
    COVERAGE = "coverage"
    TIME = "time"


class MethodChoice(enum.StrEnum):
    AUTO = "auto"
    EXACT = "exact"
    HEURISTIC = "heuristic"


class LevelChoice(enum.StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    TERTIARY = "tertiary"


@cli.command("site")
def site_cmd(
    territory: TerritoryOption = "MA",
    level: Annotated[
        LevelChoice | None, typer.Option("--level", "-l", help="Level of the new facilities.")
    ] = None,
    category: CategoryOption = None,
    service: ServiceOption = None,
    tier: Annotated[
        str | None,
        typer.Option(
            "--tier",
            help="With --level secondary: general (default), specialty, maternity or any.",
        ),
    ] = None,
    add: Annotated[int | None, typer.Option("--add", "-k", help="How many sites to add.")] = None,
    budget: Annotated[
        float | None, typer.Option("--budget", help="Budget in MAD (instead of --add).")
    ] = None,
    site_cost: Annotated[
        float | None, typer.Option("--site-cost", help="Cost of one new site in MAD.")
    ] = None,
    within: Annotated[
        float, typer.Option("--within", help="Coverage threshold in minutes.")
    ] = 60.0,
    objective: Annotated[
        ObjectiveChoice,
        typer.Option(
            help="coverage: most people within --within (MCLP); time: lowest "
            "population-weighted travel time (p-median)."
        ),
    ] = ObjectiveChoice.COVERAGE,
    candidates: Annotated[
        Path | None,
        typer.Option("--candidates", help="Candidate sites (lon, lat, label, cost_mad)."),
    ] = None,
    method: Annotated[MethodChoice, typer.Option(help="Solver.")] = MethodChoice.AUTO,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds.")] = 60.0,
    seed: Annotated[int, typer.Option(help="Seed for ties and the heuristic.")] = 0,
    model: ModelOption = "commune-graph",
    params: ParamsOption = None,
    name: Annotated[str | None, typer.Option("--name", help="Scenario name.")] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Save the scenario.")] = True,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Where to add facilities to cover the most people within a travel time (or to cut
    the population-weighted travel time most), existing facilities kept."""
    from qurb.access.travel_models import make_model
    from qurb.siting.service import SitingRequest, run_siting, save_scenario

    if level is None and not category and not service:
        level = LevelChoice.PRIMARY
    request = SitingRequest(
        territory=territory,
        level=level.value if level else None,
        categories=tuple(category or ()),
        services=tuple(service or ()),
        tier=tier,
        add=add,
        budget_amount_mad=budget,
        site_cost_amount_mad=site_cost,
        within_minutes=within,
        objective=objective.value,
        candidates_file=str(candidates) if candidates else None,
        method=method.value,
        time_limit_s=time_limit,
        seed=seed,
        model=model,
    )
    if save:  # scenarios.write over the territory, checked before the solver runs
        with open_session(db, write=True) as session:  # a short write: the token's use
            _saver(session, territory)
    with open_session(db) as session:  # reads only: no lock held while it computes
        chosen_model = make_model(session, model, params)
        with err.status(say("cli.site.solving")):
            scenario = run_siting(session, request, chosen_model)
    scenario_id = None
    if save:  # a write of its own, after the solver: no lock held while it runs
        label = name or (
            f"{scenario.territory.name_fr}: +{len(scenario.sites)} "
            f"({objective.value}, {within:g} min)"
        )
        with open_session(db, write=True) as session:
            scenario_id = save_scenario(session, _saver(session, territory), label, scenario).id
    _print_scenario(scenario.document(), fmt, scenario_id)


def _saver(session: Session, territory: str) -> Actor:
    """The token's account, as the actor saving a scenario: plan.run and scenarios.write
    over the territory."""
    from qurb.identity.cli_access import token_guard
    from qurb.identity.grant_service import territory_target
    from qurb.identity.permissions import Permission
    from qurb.territory.service import TerritoryIndex

    index = TerritoryIndex.from_session(session)
    target = territory_target(index, territory)
    token_guard(session, Permission.PLAN_RUN).over(target)
    return token_guard(session, Permission.SCENARIOS_WRITE).over(target)


def _print_scenario(scenario: dict[str, Any], fmt: OutputFormat, scenario_id: str | None) -> None:
    sites = scenario["sites"]
    if fmt is OutputFormat.JSON:
        import json

        document = SITING_SOURCES.annotate({"id": scenario_id, **scenario})
        out.print_json(json.dumps(document, ensure_ascii=False))
        return
    if fmt is not OutputFormat.TABLE:
        geometry = [{"type": "Point", "coordinates": [s["lon"], s["lat"]]} for s in sites]
        metadata = {"model": scenario.get("model"), "measure": scenario.get("measure")}
        render(
            sites,
            ["rank", "label", "commune", "lon", "lat", "cost_mad"],
            fmt,
            geometry=geometry if fmt is OutputFormat.GEOJSON else None,
            metadata={k: v for k, v in metadata.items() if v is not None} or None,
            sources=SITING_SOURCES,
        )
        return
    summary, solver = scenario["summary"], scenario["solver"]
    # Scenarios saved before the model said what it measures have no `measure`.
    measure = scenario.get("measure")
    measure_line = f"\n[dim]{escape(measure[cli_lang()])}[/]" if measure else ""
    t = scenario["territory"]
    render(
        sites,
        ["rank", "label", "commune", "lon", "lat", "cost_mad"],
        fmt,
        title=say(
            "cli.site.title",
            name=t["name_fr"],
            code=t["code"],
            model=solver["model"],
            method=solver["method"],
            status=solver["status"],
            gap=f"{solver['gap']:.2%}",
            seconds=f"{solver['seconds']:.2f}",
        ),
    )
    render(
        scenario["groups"],
        ["code", "name_fr", "population", "covered_before_pct", "covered_after_pct"],
        fmt,
        title=say(
            "cli.site.coverage_title",
            minutes=f"{scenario['params']['within_minutes']:g}",
            before=summary["covered_before_pct"],
            after=summary["covered_after_pct"],
            people=f"{summary['newly_covered']:,}",
        )
        + measure_line,
        headers={
            "covered_before_pct": say("cli.site.column.before"),
            "covered_after_pct": say("cli.site.column.after"),
        },
    )
    if scenario_id:
        out.print(f"[green]{escape(say('cli.site.saved', id=scenario_id))}[/]")


@scenarios_app.command("list")
def scenarios_list(fmt: FormatOption = OutputFormat.TABLE, db: DbOption = None) -> None:
    """Saved scenarios, newest first."""
    from qurb.siting.service import compare_scenarios, list_scenarios

    with open_session(db) as session:
        rows = [asdict(line) for line in compare_scenarios(list_scenarios(session), cli_lang())]
    render(
        rows,
        [
            "id",
            "name",
            "kind",
            "visibility",
            "territory",
            "offer",
            "objective",
            "sites",
            "covered_before_pct",
            "covered_after_pct",
            "newly_covered",
        ],
        fmt,
        title=say("cli.scenarios.title", count=len(rows)),
        sources=SITING_SOURCES,
    )


@scenarios_app.command("show")
def scenarios_show(
    scenario_id: Annotated[str, typer.Argument(help="Scenario id.")],
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """One saved scenario: its sites and its coverage before and after."""
    from qurb.siting.service import get_scenario

    with open_session(db) as session:
        saved = get_scenario(session, scenario_id)
    _print_scenario(saved.scenario.document(), fmt, None)


@scenarios_app.command("compare")
def scenarios_compare(
    scenario_ids: Annotated[list[str], typer.Argument(help="Two or more scenario ids.")],
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Scenarios side by side: sites, coverage before/after, objective, solver gap."""
    from qurb.siting.service import compare_scenarios, get_scenario

    with open_session(db) as session:
        saved = [get_scenario(session, i) for i in scenario_ids]
        rows = [asdict(line) for line in compare_scenarios(saved, cli_lang())]
    title = say("cli.scenarios.compared")
    render(rows, list(rows[0]), fmt, title=title, sources=SITING_SOURCES)


@scenarios_app.command("rename")
def scenarios_rename(
    scenario_id: Annotated[str, typer.Argument(help="Scenario id.")],
    name: Annotated[str | None, typer.Argument(help="Its new name.")] = None,
    public: Annotated[
        bool | None,
        typer.Option(
            "--public/--partner",
            help="Seen by every account that reads scenarios there (--public), or by its "
            "partner's accounts only (--partner).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Rename a saved scenario and/or say who sees it (scenarios.write over its territory,
    for its partner: the token's account; audited)."""
    from qurb.identity.cli_access import token_guard
    from qurb.identity.permissions import Permission
    from qurb.siting.scenario_access import editor
    from qurb.siting.service import SitingError, get_scenario, update_scenario
    from qurb.territory.service import TerritoryIndex

    visibility = None if public is None else ("public" if public else "partner")
    with open_session(db, write=True) as session:
        if name is None and visibility is None:
            raise SitingError(code="rename_nothing_asked")
        guard = token_guard(session, Permission.SCENARIOS_WRITE)
        index = TerritoryIndex.from_session(session)
        actor = editor(guard, index, get_scenario(session, scenario_id))
        saved = update_scenario(session, actor, scenario_id, name=name, visibility=visibility)
    out.print(
        escape(
            say("cli.scenarios.renamed", id=saved.id, name=saved.name, visibility=saved.visibility)
        )
    )
