"""`qurb access catchments | 2sfca | model | fit`: who each facility serves, the 2SFCA
index, the bundled commune-graph model and its fit to observed trips (registered on
`access_app` by `qurb.access.cli`)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from qurb.access.cli_options import (
    ACCESS_SOURCES,
    FITTABLE_NAMES,
    CategoryOption,
    LevelOption,
    ModelOption,
    ParamsOption,
    ServiceOption,
    Supply,
    TierOption,
    geometry_of,
    measured,
    selector_of,
)
from qurb.kernel.attribution import TERRITORY_SOURCES, Attribution
from qurb.kernel.i18n import cli_lang
from qurb.platform.cli import DbOption, FormatOption, TerritoryOption, err, open_session, out
from qurb.platform.output import OutputFormat, export_metadata, render, say

if TYPE_CHECKING:
    from qurb.access.weighted import SupplyKnown


def access_catchments(
    territory: TerritoryOption = "MA",
    level: LevelOption = None,
    category: CategoryOption = None,
    service: ServiceOption = None,
    tier: TierOption = None,
    supply: Annotated[
        Supply,
        typer.Option(
            help="Population per bed (facilities, beds) or per doctor (doctors), where known; "
            "with beds or doctors, how many are known is said."
        ),
    ] = Supply.FACILITIES,
    model: ModelOption = "commune-graph",
    params: ParamsOption = None,
    limit: Annotated[int, typer.Option(help="Rows shown in a table (0: all).")] = 30,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Each commune assigned to its nearest facility: catchment population per facility of
    the territory, against its beds where they are known."""
    from qurb.access.travel_models import make_model
    from qurb.access.weighted import compute_catchment_report
    from qurb.norms.model import SupplyMeasure
    from qurb.territory.service import TerritoryIndex

    with open_session(db) as session:
        index = TerritoryIndex.from_session(session)
        chosen = make_model(session, model, params)
        selector = selector_of(level, category, service, tier)
        report = compute_catchment_report(
            session,
            index.resolve(territory),
            selector,
            chosen,
            index,
            SupplyMeasure(supply.value),
        )
    rows = sorted(report.rows, key=lambda r: -r["catchment_population"])
    doctors = supply is Supply.DOCTORS
    capacity = "doctors" if doctors else "beds"
    if fmt is OutputFormat.TABLE:
        shown = rows[:limit] if limit else rows
        render(
            shown,
            [
                "name",
                "category",
                "communes_served",
                "catchment_population",
                capacity,
                "population_per_doctor" if doctors else "population_per_bed",
            ],
            fmt,
            title=measured(
                say("cli.access.catchments_title", count=len(rows))
                + (say("cli.first", count=len(shown)) if len(shown) < len(rows) else ""),
                chosen.measure,
            ),
            headers={
                "population_per_bed": say("cli.column.population_per_bed"),
                "catchment_population": say("cli.column.population"),
            },
        )
        unknown = sum(r[capacity] is None for r in rows)
        if report.known is not None:
            _say_known(report.known)
        elif unknown:
            beds = say("cli.access.beds_unknown", count=unknown, total=len(rows))
            out.print(f"[dim]{escape(beds)}[/]")
        return
    metadata = export_metadata(chosen, offer=selector.describe(), **_known_metadata(report.known))
    render(rows, list(rows[0]) if rows else ["id"], fmt, metadata=metadata, sources=ACCESS_SOURCES)


def _say_known(known: SupplyKnown) -> None:
    """Under a table weighted by beds or doctors: how many are known, how many left out."""
    from qurb.norms.service import capacity_known_text

    text = capacity_known_text(cli_lang(), known.measure, known.known, known.facilities) or ""
    left_out = say("cli.access.left_out", count=known.left_out)
    out.print(f"[dim]{escape(text)}; {escape(left_out)}[/]")


def _known_metadata(known: SupplyKnown | None) -> dict[str, Any]:
    """An export's record of the supply's known part (nothing with one per facility)."""
    if known is None:
        return {}
    return {
        "supply": known.measure,
        "facilities_concerned": known.facilities,
        "capacity_known_facilities": known.known,
        "facilities_left_out": known.left_out,
        "capacity_known_share": known.share,
    }


class Decay(enum.StrEnum):
    STEP = "step"
    GAUSSIAN = "gaussian"


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
    supply: Annotated[
        Supply,
        typer.Option(
            help="What each facility offers: one facility, or its beds or doctors where "
            "known (the others left out, and said)."
        ),
    ] = Supply.FACILITIES,
    model: ModelOption = "commune-graph",
    params: ParamsOption = None,
    limit: Annotated[int, typer.Option(help="Rows shown in a table (0: all).")] = 30,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Two-step floating catchment accessibility index per commune (facilities per 10,000
    inhabitants within reach, shared with everyone else who can reach them)."""
    from qurb.access.travel_models import make_model
    from qurb.access.weighted import compute_2sfca_report
    from qurb.norms.model import SupplyMeasure
    from qurb.territory.service import TerritoryIndex

    with open_session(db) as session:
        index = TerritoryIndex.from_session(session)
        chosen = make_model(session, model, params)
        selector = selector_of(level, category, service, tier)
        report = compute_2sfca_report(
            session,
            index.resolve(territory),
            selector,
            chosen,
            catchment,
            decay.value,
            index,
            SupplyMeasure(supply.value),
        )
    rows = sorted(report.rows, key=lambda r: r["index_per_10000"])
    if fmt is OutputFormat.TABLE:
        shown = rows[:limit] if limit else rows
        weighted = [] if report.known is None else ["known_within", f"{supply.value}_within"]
        render(
            shown,
            ["code", "name_fr", "population", "facilities_within", *weighted, "index_per_10000"],
            fmt,
            title=measured(
                say("cli.access.2sfca_title", decay=decay.value, minutes=f"{catchment:g}")
                + (say("cli.first", count=len(shown)) if len(shown) < len(rows) else ""),
                chosen.measure,
            ),
            headers={
                "name_fr": say("cli.column.commune"),
                "index_per_10000": say("cli.column.index_per_10000")
                if report.known is None
                else say(f"cli.access.index_per_10000.{supply.value}"),
            },
        )
        if report.known is not None:
            _say_known(report.known)
        return
    geometry = geometry_of(rows) if fmt is OutputFormat.GEOJSON else None
    metadata = export_metadata(
        chosen,
        offer=selector.describe(),
        catchment_minutes=catchment,
        decay=decay.value,
        **_known_metadata(report.known),
    )
    render(
        rows,
        list(rows[0]) if rows else ["code"],
        fmt,
        geometry=geometry,
        metadata=metadata,
        sources=ACCESS_SOURCES,
    )


def access_model(
    params: ParamsOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """The bundled commune-graph model: its parameters and the communes per terrain."""
    import numpy as np

    from qurb.algo.commune_graph_inputs import TERRAIN_NAMES
    from qurb.territory.travel import commune_graph_model, read_commune_graph_params

    with open_session(db) as session:
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
            say(
                "cli.access.model_title",
                params=str(params) if params else say("cli.access.bundled_parameters"),
                offroad=f"{p.offroad_speed_kph:g}",
                hops=p.transit_hops,
            ),
            chosen.measure,
        ),
        sources=Attribution(TERRITORY_SOURCES),  # census terrain classes and polygons
    )


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

    with open_session(db) as session:
        base = read_commune_graph_params(params)
        chosen: CommuneGraphModel = commune_graph_model(session, base)
        trips = read_observed_trips(observed, chosen)
        with err.status(say("cli.access.fitting", count=len(trips.origin_commune))):
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
    columns = ["parameter", "before", "after", "fitted"]
    render(rows, columns, OutputFormat.TABLE, title=say("cli.access.fit_title"))
    errors = [
        {"": say(label), **{k: (None if v is None else round(v, 2)) for k, v in vars(e).items()}}
        for label, e in (("cli.column.before", result.before), ("cli.column.after", result.after))
    ]
    render(errors, list(errors[0]), OutputFormat.TABLE, title=say("cli.access.fit_errors_title"))
    if result.uninformed:
        uninformed = escape(say("cli.access.fit_uninformed"))
        out.print(f"[yellow]{uninformed}[/] {result.uninformed}")
    if not result.converged:
        out.print(f"[yellow]{escape(say('cli.access.fit_not_converged'))}[/] {result.message}")
    if write:
        write_commune_graph_params(
            result.params,
            write,
            f"Commune-graph parameters fitted by `qurb access fit {observed.name}` on "
            f"{len(trips.origin_commune)} trips.\nRMSE minutes before/after: "
            f"{result.before.rmse_minutes} / {result.after.rmse_minutes}.",
        )
        out.print(f"[green]{escape(say('cli.access.fit_wrote', path=str(write)))}[/]")
