"""`qurb access …`: travel time to care, population beyond thresholds, referral times,
catchments, 2SFCA, and fitting the bundled travel-time model to observed trips."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from qurb.kernel.attribution import MODEL_SOURCES, TERRITORY_SOURCES, Attribution
from qurb.platform.cli import DbOption, FormatOption, TerritoryOption, _session, err, out
from qurb.platform.output import OutputFormat, export_metadata, render

if TYPE_CHECKING:
    from qurb.access.service import AccessReport, FacilitySelector
    from qurb.algo.travel import Measure

# The analyses pull in SciPy and NumPy (half a second): imported inside the commands so
# that the rest of the CLI starts fast.
FITTABLE_NAMES = (
    "speed_kph.urban, speed_kph.rural, speed_kph.remote, detour_factor.urban, "
    "detour_factor.rural, detour_factor.remote, offroad_speed_kph"
)
REFERRAL_TIER_NAMES = "HPr, HP, HR, CHU"
# Access figures rest on the census, the commune polygons and the facilities' coordinates.
ACCESS_SOURCES = Attribution(MODEL_SOURCES)

access_app = typer.Typer(
    help="Travel time to care: nearest facility, population beyond 30/60/120 min, referral, "
    "catchments, 2SFCA. The bundled model is coarse (commune graph, no roads): build a road "
    "network with `qurb network build` and pass its folder as --model for road times.",
    no_args_is_help=True,
)

ModelOption = Annotated[
    str,
    typer.Option(
        "--model",
        "-m",
        help="commune-graph (bundled, coarse), straight-line, or a road-network folder.",
    ),
]
ParamsOption = Annotated[
    Path | None,
    typer.Option("--params", help="Commune-graph parameter file (default: the bundled one)."),
]
LevelOption = Annotated[
    list[str] | None,
    typer.Option("--level", "-l", help="Facility level: primary/secondary/tertiary (repeatable)."),
]
CategoryOption = Annotated[
    list[str] | None,
    typer.Option("--category", "-c", help="Facility category, e.g. CSR-2, HP (repeatable)."),
]
ServiceOption = Annotated[
    list[str] | None,
    typer.Option("--service", "-s", help="Required service, e.g. delivery (repeatable)."),
]
TierOption = Annotated[
    str | None,
    typer.Option(
        "--tier",
        help="Hospitals of one tier: general (what --level secondary means), specialty "
        "(oncology, psychiatry, children's… hospitals), maternity, or any (every hospital).",
    ),
]
ThresholdsOption = Annotated[
    str,
    typer.Option("--thresholds", help="Travel-time thresholds in minutes, comma-separated."),
]


def _selector(
    level: list[str] | None,
    category: list[str] | None,
    service: list[str] | None,
    tier: str | None = None,
) -> FacilitySelector:
    from qurb.access.service import FacilitySelector

    return FacilitySelector.from_options(level or (), category or (), service or (), tier)


def parse_thresholds(text: str) -> list[float]:
    from qurb.algo.accessibility import AccessError

    values = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            values.append(float(part))
        except ValueError:
            raise AccessError(f"--thresholds: {part!r} is not a number of minutes") from None
    return values


def measured(title: str, measure: Measure) -> str:
    """A table title followed by what its minutes and km measure (the model's words)."""
    return f"{title}\n[dim]{measure.en}[/]"


def _summary_table(report: AccessReport, title: str) -> None:
    from qurb.access.service import group_rows

    rows = group_rows(report)
    columns = ["code", "name", "origins", "population"]
    headers = {"origins": "communes" if report.kind == "commune" else "points"}
    for th in report.thresholds_minutes:
        columns += [f"beyond_{th:g}_min", f"share_beyond_{th:g}_min_pct"]
        headers[f"beyond_{th:g}_min"] = f">{th:g} min"
        headers[f"share_beyond_{th:g}_min_pct"] = "%"
    columns += ["mean_minutes", "max_minutes"]
    headers |= {"mean_minutes": "mean min", "max_minutes": "max min"}
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

    with _session(db) as session:
        selector = _selector(level, category, service, tier)
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
                f"Access to {selector.describe()} — {where}, model {report.model}",
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
            title=f"Farthest from care (first {len(shown)} of {len(rows)})",
            headers={"name_fr": "commune", "distance_km": "km", "commune_name": "commune"},
        )
        if report.model == "commune-graph":
            out.print(
                "[dim]commune-graph: a coarse model without roads (see `qurb access model`); "
                "a road network built with `qurb network build` replaces it.[/]"
            )
        return
    columns = list(rows[0]) if rows else ["code"]
    geometry = _geometry(rows) if fmt is OutputFormat.GEOJSON else None
    metadata = export_metadata(chosen, offer=selector.describe())
    render(rows, columns, fmt, geometry=geometry, metadata=metadata, sources=ACCESS_SOURCES)


def _geometry(rows: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
    from qurb.access.service import commune_polygons

    if rows and "lon" in rows[0]:
        return [{"type": "Point", "coordinates": [r["lon"], r["lat"]]} for r in rows]
    polygons = commune_polygons()
    return [polygons.get(r.get("code") or r.get("commune") or "") for r in rows]


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

    with _session(db) as session:
        index = TerritoryIndex.from_session(session)
        chosen = make_model(session, model, params)
        report = compute_access(
            session,
            index.resolve(territory),
            _selector(level, category, service, tier),
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
                f"Access to {report.selector.describe()} — {t.name_fr} ({t.code}), "
                f"model {report.model}",
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
        _selector(level, category, service) if (level or category or service) else ESSP_SELECTOR
    )
    with _session(db) as session:
        index = TerritoryIndex.from_session(session)
        chosen = make_model(session, model, params)
        report = compute_distance_access(
            session, index.resolve(territory), chosen, chosen_selector, index=index
        )
        polygons = display_polygons() if fmt is OutputFormat.GEOJSON and not communes else None
    offer = "ESSP" if chosen_selector == ESSP_SELECTOR else chosen_selector.describe()
    rows = report.rows if communes else distance_group_rows(report)
    if fmt is OutputFormat.TABLE:
        t = report.territory
        title = measured(
            f"Distance to the nearest {offer} — {t.name_fr} ({t.code}), model {report.model}",
            chosen.measure,
        )
        if communes:
            render(
                rows,
                ["code", "name_fr", "population", "facility", "category", "distance_km", "band"],
                fmt,
                title=title,
                headers={"name_fr": "commune", "distance_km": "km"},
            )
        else:
            headers = {"communes_population_unknown": "no census figure"}
            for key, label in zip(
                ("within_5_km", "5_to_10_km", "beyond_10_km"),
                ("≤5 km", "5–10 km", ">10 km"),
                strict=True,
            ):
                headers[f"population_{key}"] = label
                headers[f"share_{key}_pct"] = "%"
            render(rows, list(rows[0]), fmt, title=title, headers=headers)
        out.print(f"[dim]{WHOLE_COMMUNE_NOTE['en']}[/]")
        return
    metadata = export_metadata(
        chosen, offer=offer, bands_km=list(report.bands_km), note=WHOLE_COMMUNE_NOTE
    )
    if communes:
        geometry = _geometry(rows) if fmt is OutputFormat.GEOJSON else None
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
    with _session(db) as session:
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
        summary = ", ".join(f"{n} beyond {threshold:g} min of a {t}" for t, n in beyond.items())
        render(
            shown,
            ["name", "category", "commune_name", *[f"{t}_minutes" for t in tiers]],
            fmt,
            title=measured(
                f"Referral from {len(rows)} ESSP: {summary}"
                + (f" (first {len(shown)})" if len(shown) < len(listed) else ""),
                chosen.measure,
            ),
            headers={"commune_name": "commune", **{f"{t}_minutes": f"{t} min" for t in tiers}},
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


@access_app.command("catchments")
def access_catchments(
    territory: TerritoryOption = "MA",
    level: LevelOption = None,
    category: CategoryOption = None,
    service: ServiceOption = None,
    tier: TierOption = None,
    model: ModelOption = "commune-graph",
    params: ParamsOption = None,
    limit: Annotated[int, typer.Option(help="Rows shown in a table (0: all).")] = 30,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Each commune assigned to its nearest facility: catchment population per facility of
    the territory, against its beds where they are known."""
    from qurb.access.service import compute_catchment_rows
    from qurb.access.travel_models import make_model
    from qurb.territory.service import TerritoryIndex

    with _session(db) as session:
        index = TerritoryIndex.from_session(session)
        chosen = make_model(session, model, params)
        selector = _selector(level, category, service, tier)
        rows = compute_catchment_rows(session, index.resolve(territory), selector, chosen, index)
    rows.sort(key=lambda r: -r["catchment_population"])
    if fmt is OutputFormat.TABLE:
        shown = rows[:limit] if limit else rows
        render(
            shown,
            [
                "name",
                "category",
                "communes_served",
                "catchment_population",
                "beds",
                "population_per_bed",
            ],
            fmt,
            title=measured(
                f"Catchments of {len(rows)} facilities (largest first"
                + (f", first {len(shown)})" if len(shown) < len(rows) else ")"),
                chosen.measure,
            ),
            headers={"population_per_bed": "inh./bed", "catchment_population": "population"},
        )
        unknown = sum(r["beds"] is None for r in rows)
        if unknown:
            out.print(f"[dim]beds unknown for {unknown} of {len(rows)}: shown empty.[/]")
        return
    metadata = export_metadata(chosen, offer=selector.describe())
    render(rows, list(rows[0]) if rows else ["id"], fmt, metadata=metadata, sources=ACCESS_SOURCES)


class Decay(enum.StrEnum):
    STEP = "step"
    GAUSSIAN = "gaussian"


@access_app.command("2sfca")
def access_2sfca(
    territory: TerritoryOption = "MA",
    level: LevelOption = None,
    category: CategoryOption = None,
    service: ServiceOption = None,
    tier: TierOption = None,
    catchment: Annotated[
        float, typer.Option("--catchment", help="Catchment size in minutes.")
    ] = 60.0,
    decay: Annotated[Decay, typer.Option(help="Distance decay inside the catchment.")] = (
        Decay.STEP
    ),
    model: ModelOption = "commune-graph",
    params: ParamsOption = None,
    limit: Annotated[int, typer.Option(help="Rows shown in a table (0: all).")] = 30,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Two-step floating catchment accessibility index per commune (facilities per 10,000
    inhabitants within reach, shared with everyone else who can reach them)."""
    from qurb.access.service import compute_2sfca_rows
    from qurb.access.travel_models import make_model
    from qurb.territory.service import TerritoryIndex

    with _session(db) as session:
        index = TerritoryIndex.from_session(session)
        chosen = make_model(session, model, params)
        selector = _selector(level, category, service, tier)
        rows = compute_2sfca_rows(
            session,
            index.resolve(territory),
            selector,
            chosen,
            catchment,
            decay.value,
            index,
        )
    rows.sort(key=lambda r: r["index_per_10000"])
    if fmt is OutputFormat.TABLE:
        shown = rows[:limit] if limit else rows
        render(
            shown,
            ["code", "name_fr", "population", "facilities_within", "index_per_10000"],
            fmt,
            title=measured(
                f"2SFCA ({decay.value}, {catchment:g} min), lowest first"
                + (f" (first {len(shown)} of {len(rows)})" if len(shown) < len(rows) else ""),
                chosen.measure,
            ),
            headers={"name_fr": "commune", "index_per_10000": "per 10,000"},
        )
        return
    geometry = _geometry(rows) if fmt is OutputFormat.GEOJSON else None
    metadata = export_metadata(
        chosen, offer=selector.describe(), catchment_minutes=catchment, decay=decay.value
    )
    render(
        rows,
        list(rows[0]) if rows else ["code"],
        fmt,
        geometry=geometry,
        metadata=metadata,
        sources=ACCESS_SOURCES,
    )


@access_app.command("model")
def access_model(
    params: ParamsOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """The bundled commune-graph model: its parameters and the communes per terrain."""
    import numpy as np

    from qurb.algo.commune_graph_inputs import TERRAIN_NAMES
    from qurb.territory.travel import commune_graph_model, read_commune_graph_params

    with _session(db) as session:
        chosen = commune_graph_model(session, read_commune_graph_params(params))
    p = chosen.params
    rows = []
    for i, terrain in TERRAIN_NAMES.items():
        mask = chosen.terrain == i
        rows.append(
            {
                "terrain": terrain,
                "communes": int(mask.sum()),
                "population": int(chosen.inputs.population[mask].sum()),
                "speed_kph": p.speed_kph[i],
                "detour_factor": p.detour_factor[i],
                "median_access_minutes": round(float(np.median(chosen.access_minutes()[mask])), 1)
                if mask.any()
                else None,
            }
        )
    render(
        rows,
        list(rows[0]),
        fmt,
        title=measured(
            f"Commune-graph model ({params or 'bundled parameters'}): coarse, no roads; "
            f"off-road {p.offroad_speed_kph:g} km/h; transit edges across up to "
            f"{p.transit_hops} communes",
            chosen.measure,
        ),
        sources=Attribution(TERRITORY_SOURCES),  # census terrain classes and polygons
    )


@access_app.command("fit")
def access_fit(
    observed: Annotated[
        Path,
        typer.Argument(
            help="CSV of observed trips: origin (commune code), then dest_lon,dest_lat or "
            "dest_commune, then minutes and/or distance_km."
        ),
    ],
    params: ParamsOption = None,
    write: Annotated[
        Path | None, typer.Option("--write", help="Write the fitted parameters to this file.")
    ] = None,
    fit: Annotated[
        list[str] | None,
        typer.Option("--fit", help=f"Parameters to fit (default all): {FITTABLE_NAMES}."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Fit the commune-graph speeds and detour factors to observed travel times/distances,
    and report the error before and after."""
    from qurb.access.trips import read_observed_trips
    from qurb.algo.commune_graph import CommuneGraphModel
    from qurb.algo.commune_graph_fit import fit_commune_graph
    from qurb.territory.travel import (
        commune_graph_model,
        read_commune_graph_params,
        write_commune_graph_params,
    )

    with _session(db) as session:
        base = read_commune_graph_params(params)
        chosen: CommuneGraphModel = commune_graph_model(session, base)
        trips = read_observed_trips(observed, chosen)
        with err.status(f"Fitting {len(trips.origin_commune)} trips…"):
            result = fit_commune_graph(chosen.inputs, base, trips, fit)
    rows = [
        {
            "parameter": name,
            "before": round(result.values_before[name], 3),
            "after": round(result.values_after[name], 3),
            "fitted": name in result.fitted,
        }
        for name in result.values_before
    ]
    render(rows, ["parameter", "before", "after", "fitted"], OutputFormat.TABLE, title="Fit")
    errors = [
        {"": label, **{k: (None if v is None else round(v, 2)) for k, v in vars(e).items()}}
        for label, e in (("before", result.before), ("after", result.after))
    ]
    render(errors, list(errors[0]), OutputFormat.TABLE, title="Error on the observed trips")
    if result.uninformed:
        out.print(f"[yellow]not informed by the trips, left unchanged:[/] {result.uninformed}")
    if not result.converged:
        out.print(f"[yellow]the fit did not converge:[/] {result.message}")
    if write:
        write_commune_graph_params(
            result.params,
            write,
            f"Commune-graph parameters fitted by `qurb access fit {observed.name}` on "
            f"{len(trips.origin_commune)} trips.\nRMSE minutes before/after: "
            f"{result.before.rmse_minutes} / {result.after.rmse_minutes}.",
        )
        out.print(f"[green]wrote[/] {write}: use it with --params {write}")
