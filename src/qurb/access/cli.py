"""`qurb access …`: travel time to care, population beyond thresholds, distance bands and
referral times; catchments, 2SFCA, the model and its fit are in `cli_model`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from qurb.access.cli_model import access_2sfca, access_catchments, access_fit, access_model
from qurb.access.cli_options import (
    ACCESS_SOURCES,
    FITTABLE_NAMES,
    REFERRAL_TIER_NAMES,
    CategoryOption,
    LevelOption,
    ModelOption,
    ParamsOption,
    ServiceOption,
    ThresholdsOption,
    TierOption,
    geometry_of,
    measured,
    parse_thresholds,
    selector_of,
)
from qurb.kernel.i18n import cli_lang
from qurb.platform.cli import DbOption, FormatOption, TerritoryOption, open_session, out
from qurb.platform.output import OutputFormat, export_metadata, render, say

if TYPE_CHECKING:
    from qurb.access.service import AccessReport

# Other commands take the same options and export the same metadata.
__all__ = [
    "ACCESS_SOURCES",
    "FITTABLE_NAMES",
    "REFERRAL_TIER_NAMES",
    "CategoryOption",
    "ModelOption",
    "ParamsOption",
    "ServiceOption",
    "access_app",
    "export_metadata",
    "measured",
]

access_app = typer.Typer(
    help="Travel time to care: nearest facility, population beyond 30/60/120 min, referral, "
    "catchments, 2SFCA. The bundled model is coarse (commune graph, no roads): build a road "
    "network with `qurb network build` and pass its folder as --model for road times.",
    no_args_is_help=True,
)


def _commune_km_headers() -> dict[str, str]:
    commune = say("cli.column.commune")
    return {"name_fr": commune, "commune_name": commune, "distance_km": say("cli.column.km")}


def _summary_table(report: AccessReport, title: str) -> None:
    from qurb.access.service import group_rows

    rows = group_rows(report)
    columns = ["code", "name", "origins", "population"]
    origins = "cli.column.communes" if report.kind == "commune" else "cli.column.points"
    headers = {"origins": say(origins)}
    for th in report.thresholds_minutes:
        columns += [f"beyond_{th:g}_min", f"share_beyond_{th:g}_min_pct"]
        headers[f"beyond_{th:g}_min"] = say("cli.access.beyond_minutes", minutes=f"{th:g}")
        headers[f"share_beyond_{th:g}_min_pct"] = "%"
    columns += ["mean_minutes", "max_minutes"]
    headers |= {"mean_minutes": say("cli.column.mean_minutes")}
    headers |= {"max_minutes": say("cli.column.max_minutes")}
    render(rows, columns, OutputFormat.TABLE, title=title, headers=headers)


@access_app.command("nearest")
def access_nearest(
    territory: TerritoryOption = "MA",
    level: LevelOption = None,
    category: CategoryOption = None,
    service: ServiceOption = None,
    tier: TierOption = None,
    thresholds: ThresholdsOption = "30,60,120",
    model: ModelOption = "commune-graph",
    params: ParamsOption = None,
    points: Annotated[
        Path | None,
        typer.Option(
            "--points", help="Population points instead of communes: lon, lat, population, label."
        ),
    ] = None,
    limit: Annotated[int, typer.Option(help="Communes listed in a table (0: all).")] = 15,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Nearest facility and travel time for every commune (or population point), with the
    population beyond each threshold summed per territory."""
    from qurb.access.points import compute_point_access, read_population_points
    from qurb.access.service import compute_access
    from qurb.access.travel_models import make_model
    from qurb.territory.service import TerritoryIndex

    with open_session(db) as session:
        selector = selector_of(level, category, service, tier)
        chosen = make_model(session, model, params)
        index = TerritoryIndex.from_session(session)
        values = parse_thresholds(thresholds)
        if points is not None:
            located, population = read_population_points(points)
            report = compute_point_access(
                session, located, population, selector, chosen, values, index
            )
        else:
            report = compute_access(
                session, index.resolve(territory), selector, chosen, values, index
            )
    rows = report.rows
    if fmt is OutputFormat.TABLE:
        t = report.territory
        where = f"{t.name_fr} ({t.code})" if report.kind == "commune" else str(points)
        _summary_table(
            report,
            measured(
                say(
                    "cli.access.title",
                    offer=selector.describe(cli_lang()),
                    where=where,
                    model=report.model,
                ),
                chosen.measure,
            ),
        )
        slowest = sorted(rows, key=lambda r: -(r["minutes"] if r["minutes"] is not None else 1e9))
        shown = slowest[:limit] if limit else slowest
        columns = (
            ["code", "name_fr", "terrain", "population", "facility", "category", "minutes"]
            if report.kind == "commune"
            else ["label", "commune_name", "population", "facility", "category", "minutes"]
        )
        render(
            shown,
            [*columns, "distance_km", "band"],
            fmt,
            title=say("cli.access.farthest_title", shown=len(shown), total=len(rows)),
            headers=_commune_km_headers(),
        )
        if report.model == "commune-graph":
            out.print(f"[dim]{escape(say('cli.access.coarse_note'))}[/]")
        return
    columns = list(rows[0]) if rows else ["code"]
    geometry = geometry_of(rows) if fmt is OutputFormat.GEOJSON else None
    metadata = export_metadata(chosen, offer=selector.describe())
    render(rows, columns, fmt, geometry=geometry, metadata=metadata, sources=ACCESS_SOURCES)


@access_app.command("summary")
def access_summary(
    territory: TerritoryOption = "MA",
    level: LevelOption = None,
    category: CategoryOption = None,
    service: ServiceOption = None,
    tier: TierOption = None,
    thresholds: ThresholdsOption = "30,60,120",
    model: ModelOption = "commune-graph",
    params: ParamsOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Population beyond each threshold, per sub-territory (regions of Morocco, provinces
    of a region, cercles of a province) and in total."""
    from qurb.access.service import compute_access, display_polygons, group_rows
    from qurb.access.travel_models import make_model
    from qurb.territory.service import TerritoryIndex

    with open_session(db) as session:
        index = TerritoryIndex.from_session(session)
        chosen = make_model(session, model, params)
        report = compute_access(
            session,
            index.resolve(territory),
            selector_of(level, category, service, tier),
            chosen,
            parse_thresholds(thresholds),
            index,
        )
        polygons = None
        if fmt is OutputFormat.GEOJSON:
            polygons = display_polygons()
    if fmt is OutputFormat.TABLE:
        t = report.territory
        _summary_table(
            report,
            measured(
                say(
                    "cli.access.title",
                    offer=report.selector.describe(cli_lang()),
                    where=f"{t.name_fr} ({t.code})",
                    model=report.model,
                ),
                chosen.measure,
            ),
        )
        return
    rows = group_rows(report)
    geometry = [polygons.get(r["code"]) for r in rows] if polygons is not None else None
    metadata = export_metadata(chosen, offer=report.selector.describe())
    render(rows, list(rows[0]), fmt, geometry=geometry, metadata=metadata, sources=ACCESS_SOURCES)


@access_app.command("distance")
def access_distance(
    territory: TerritoryOption = "MA",
    level: LevelOption = None,
    category: CategoryOption = None,
    service: ServiceOption = None,
    model: ModelOption = "commune-graph",
    params: ParamsOption = None,
    communes: Annotated[
        bool,
        typer.Option(
            "--communes/--summary",
            help="List every commune (its nearest facility and km) instead of the summary.",
        ),
    ] = False,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """The Ministry's distance indicator: population within 5 km, 5–10 km and beyond
    10 km of the nearest ESSP (or of the facilities chosen), by the model's km including
    the legs inside the communes, per sub-territory and in total. A whole commune falls
    in one band."""
    from qurb.access.service import (
        ESSP_SELECTOR,
        WHOLE_COMMUNE_NOTE,
        compute_distance_access,
        display_polygons,
        distance_group_rows,
    )
    from qurb.access.travel_models import make_model
    from qurb.territory.service import TerritoryIndex

    chosen_selector = (
        selector_of(level, category, service) if (level or category or service) else ESSP_SELECTOR
    )
    with open_session(db) as session:
        index = TerritoryIndex.from_session(session)
        chosen = make_model(session, model, params)
        report = compute_distance_access(
            session, index.resolve(territory), chosen, chosen_selector, index=index
        )
        polygons = display_polygons() if fmt is OutputFormat.GEOJSON and not communes else None
    offer = "ESSP" if chosen_selector == ESSP_SELECTOR else chosen_selector.describe()
    rows = report.rows if communes else distance_group_rows(report)
    if fmt is OutputFormat.TABLE:
        if chosen_selector != ESSP_SELECTOR:
            offer = chosen_selector.describe(cli_lang())
        t = report.territory
        where = f"{t.name_fr} ({t.code})"
        title = measured(
            say("cli.access.distance_title", offer=offer, where=where, model=report.model),
            chosen.measure,
        )
        if communes:
            render(
                rows,
                ["code", "name_fr", "population", "facility", "category", "distance_km", "band"],
                fmt,
                title=title,
                headers=_commune_km_headers(),
            )
        else:
            headers = {"communes_population_unknown": say("cli.access.no_census_figure")}
            for key, label in zip(
                ("within_5_km", "5_to_10_km", "beyond_10_km"),
                ("≤5 km", "5–10 km", ">10 km"),
                strict=True,
            ):
                headers[f"population_{key}"] = label
                headers[f"share_{key}_pct"] = "%"
            render(rows, list(rows[0]), fmt, title=title, headers=headers)
        out.print(f"[dim]{escape(WHOLE_COMMUNE_NOTE[cli_lang()])}[/]")
        return
    metadata = export_metadata(
        chosen, offer=offer, bands_km=list(report.bands_km), note=WHOLE_COMMUNE_NOTE
    )
    if communes:
        geometry = geometry_of(rows) if fmt is OutputFormat.GEOJSON else None
    else:
        geometry = [polygons.get(r["code"]) for r in rows] if polygons is not None else None
    render(rows, list(rows[0]), fmt, geometry=geometry, metadata=metadata, sources=ACCESS_SOURCES)


@access_app.command("referral")
def access_referral(
    territory: TerritoryOption = "MA",
    threshold: Annotated[
        float, typer.Option("--threshold", help="Flag ESSP beyond this many minutes.")
    ] = 60.0,
    tier: Annotated[
        list[str] | None,
        typer.Option("--tier", help=f"Referral tiers (default all): {REFERRAL_TIER_NAMES}."),
    ] = None,
    only_beyond: Annotated[
        bool, typer.Option("--only-beyond/--all", help="List only ESSP beyond the threshold.")
    ] = False,
    model: ModelOption = "commune-graph",
    params: ParamsOption = None,
    limit: Annotated[int, typer.Option(help="Rows shown in a table (0: all).")] = 30,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """From each ESSP: time and km to the nearest HPr, HP, HR and CHU (AccessMod's
    referral analysis), flagging those beyond the threshold."""
    from qurb.access.referral import REFERRAL_TIERS, compute_referrals
    from qurb.access.travel_models import make_model
    from qurb.registry.points import facility_points
    from qurb.territory.service import TerritoryIndex

    tiers = tuple(tier or REFERRAL_TIERS)
    with open_session(db) as session:
        index = TerritoryIndex.from_session(session)
        chosen = make_model(session, model, params)
        rows = compute_referrals(
            session,
            index.resolve(territory),
            chosen,
            threshold,
            tiers,
            index,
        )
        if fmt is OutputFormat.GEOJSON:
            where = facility_points(session, [r["id"] for r in rows])
    listed = [r for r in rows if r["beyond_any"]] if only_beyond else rows
    columns = ["id", "name", "category", "commune_name"]
    for t in tiers:
        columns += [f"{t}_minutes", f"{t}_km", f"{t}_beyond"]
    columns.append("beyond_any")
    if fmt is OutputFormat.TABLE:
        shown = listed[:limit] if limit else listed
        beyond = {t: sum(r[f"{t}_beyond"] for r in rows) for t in tiers}
        summary = say("list.separator").join(
            say("cli.access.referral_beyond", count=n, minutes=f"{threshold:g}", tier=t)
            for t, n in beyond.items()
        )
        more = say("cli.first", count=len(shown)) if len(shown) < len(listed) else ""
        render(
            shown,
            ["name", "category", "commune_name", *[f"{t}_minutes" for t in tiers]],
            fmt,
            title=measured(
                say("cli.access.referral_title", count=len(rows), summary=summary) + more,
                chosen.measure,
            ),
            headers={
                "commune_name": say("cli.column.commune"),
                **{f"{t}_minutes": say("cli.access.tier_minutes", tier=t) for t in tiers},
            },
        )
        return
    all_columns = list(rows[0]) if rows else columns
    geometry = (
        [{"type": "Point", "coordinates": list(where[r["id"]])} for r in listed]
        if fmt is OutputFormat.GEOJSON
        else None
    )
    metadata = export_metadata(chosen, threshold_minutes=threshold)
    render(listed, all_columns, fmt, geometry=geometry, metadata=metadata, sources=ACCESS_SOURCES)


access_app.command("catchments")(access_catchments)
access_app.command("2sfca")(access_2sfca)
access_app.command("model")(access_model)
access_app.command("fit")(access_fit)
