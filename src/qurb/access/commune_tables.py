"""A territory's per-commune tables, one per kind: needs, norm gaps, access to an offer
within a threshold, referral from each ESSP. Each is columns (key, label in the reader's
language, unit, number or text, the catalogue figure it shows) and rows of plain values,
with the sources it contains: the same figures the JSON routes answer, in the shape of a
table a planner sorts, downloads and hands on. Unknown stays None (an empty cell), never
0. A column whose figure is derived (an estimate, the travel-time model, a norm) says so
in its label, and its formula travels with it (`Column.figure`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from qurb.kernel.attribution import MODEL_SOURCES, TERRITORY_SOURCES, Attribution, DataSource
from qurb.kernel.definitions import FigureDefinition, FigureKind, figure_definitions
from qurb.kernel.errors import InputError
from qurb.kernel.i18n import translate
from qurb.registry.points import FacilitySelector

TABLE_KINDS = ("needs", "gaps", "access", "referral")
TableKind = Literal["needs", "gaps", "access", "referral"]
TABLE_FORMATS = ("json", "csv", "xlsx")
TABLE_LANGS = ("fr", "ar", "en")
# The offers of the access table: the level asked of `GET /api/access/{code}` (and its
# tier): `secondary` alone is a general hospital.
OFFERS: dict[str, tuple[str, str | None]] = {
    "primary": ("primary", None),
    "secondary": ("secondary", None),
    "tertiary": ("tertiary", None),
    "specialty": ("secondary", "specialty"),
}
DEFAULT_OFFER = "secondary"
DEFAULT_MINUTES = 60.0
MAX_MINUTES = 24 * 60.0
# The access table asks the panel's thresholds (its band column reads ≤30, 30–60, …) and
# the one chosen, so that it shares the panel's kept answer when the choice is one of them.
PANEL_THRESHOLDS = (30.0, 60.0, 120.0)
REFERRAL_TIERS = ("HPr", "HP", "HR", "CHU")

NEEDS_SOURCES = Attribution.of(TERRITORY_SOURCES, DataSource.MINISTRY)
GAPS_SOURCES = Attribution(MODEL_SOURCES)  # a bed line without a hospital names the nearest
ACCESS_SOURCES = Attribution(MODEL_SOURCES)

Number = Literal["number", "text"]


class TableParameterError(InputError):
    """A table asked with a kind, offer, threshold, format or language it does not have."""


def bad_parameter(name: str, value: object, allowed: str) -> TableParameterError:
    values = {"name": name, "value": str(value), "allowed": allowed}
    return TableParameterError(code="table_parameter", values=values)


def checked_choice(name: str, value: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise bad_parameter(name, value, ", ".join(choices))
    return value


def checked_minutes(value: float) -> float:
    if not 0 < value <= MAX_MINUTES:
        raise bad_parameter("minutes", f"{value:g}", f"> 0, ≤ {MAX_MINUTES:g}")
    return value


def offer_selector(offer: str) -> FacilitySelector:
    """The facilities `GET /api/access/{code}?level=…&tier=…` picks for the offer."""
    level, tier = OFFERS[checked_choice("offer", offer, tuple(OFFERS))]
    return FacilitySelector.from_options((level,), (), (), tier)


def access_thresholds(minutes: float) -> tuple[float, ...]:
    return tuple(sorted({*PANEL_THRESHOLDS, minutes}))


@dataclass(frozen=True)
class Column:
    key: str
    kind: Number
    unit: str = ""  # catalogue key of the unit's word (`table.unit.minutes`), or ""
    figure: str | None = None  # the catalogue figure it shows (its formula, source, date)
    label_key: str | None = None  # catalogue key of its label, when no figure names it


@dataclass(frozen=True)
class CommuneTable:
    kind: str
    territory: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    sources: Attribution
    query: str  # the JSON route whose figures the table shows
    params: Mapping[str, Any]


def _figures() -> dict[str, FigureDefinition]:
    return {f.id: f for f in figure_definitions()}


DERIVED_MARK = {
    FigureKind.ESTIMATE: "table.derived.estimate",
    FigureKind.MODEL: "table.derived.model",
    FigureKind.NORM: "table.derived.norm",
}


def column_label(column: Column, lang: str) -> str:
    """The column's heading in `lang`: its figure's name (marked when the figure is
    derived: an estimate, the model, a norm) or its catalogue label."""
    figure = _figures().get(column.figure) if column.figure else None
    if column.label_key or figure is None:
        base = translate(lang, column.label_key or f"table.column.{column.key}")
    else:
        base = figure.name[lang]
    mark = DERIVED_MARK.get(figure.kind) if figure else None
    return f"{base} ({translate(lang, mark)})" if mark else base


def column_unit(column: Column, lang: str) -> str:
    return translate(lang, column.unit) if column.unit else ""


def column_figures(columns: Iterable[Column]) -> list[tuple[Column, FigureDefinition]]:
    found = _figures()
    return [(c, found[c.figure]) for c in columns if c.figure and c.figure in found]


def _name(row: Mapping[str, Any], lang: str) -> str:
    if lang == "ar":
        return str(row.get("name_ar") or row.get("name_fr") or "")
    return str(row.get("name_fr") or row.get("name_ar") or "")


# ---------------------------------------------------------------------------- needs

_NEEDS_COUNTS = (
    ("children_0_4", "children_0_4"),
    ("women_15_49", "women_15_49"),
    ("people_60_plus", "people_60_plus"),
    ("births_per_year", "births_per_year"),
    ("primary_facilities", "primary_facilities"),
    ("secondary_facilities", "secondary_facilities"),
    ("tertiary_facilities", "tertiary_facilities"),
    ("essp", "essp"),
    ("inhabitants_per_essp", "inhabitants_per_essp"),
    ("health_centres", "health_centres"),
    ("inhabitants_per_health_centres", "inhabitants_per_health_centres"),
    ("csr", "csr"),
    ("csu", "csu"),
    ("dr", "dr"),
    ("hospitals", "hospitals"),
    ("general_hospitals", "general_hospitals"),
    ("inhabitants_per_general_hospital", "inhabitants_per_general_hospital"),
)


def needs_table(
    territory: str, rows: Sequence[Mapping[str, Any]], lang: str, query: str
) -> CommuneTable:
    """Per commune: population, the demand drivers the norms derive from it, the public
    offer and inhabitants per facility (the rows of `/api/territories/{code}/needs`)."""
    columns = (
        Column("code", "text", label_key="table.column.code"),
        Column("name", "text", label_key="table.column.name"),
        Column("population", "number", figure="population_2024"),
        Column("rural_pct", "number", "table.unit.pct", "rural_pct"),
        *(Column(key, "number", figure=figure) for key, figure in _NEEDS_COUNTS),
    )
    out = [
        {
            "code": r["code"],
            "name": _name(r, lang),
            **{c.key: r.get(c.key) for c in columns[2:]},
        }
        for r in rows
    ]
    return CommuneTable("needs", territory, columns, out, NEEDS_SOURCES, query, {})


# ----------------------------------------------------------------------------- gaps

_GAP_FIGURE = {"norm": "gap_missing", "reference_ratio": "gap_below_average"}


def gaps_table(
    territory: str,
    lines: Sequence[Mapping[str, Any]],
    norm_names: Mapping[str, Mapping[str, str]],
    lang: str,
    query: str,
) -> CommuneTable:
    """Per commune and norm rule (ranked as `/api/territories/{code}/gaps`): population
    the rule counts, existing (with, on bed and doctor lines, how much of the capacity is
    known), required, missing, inhabitants beyond, status, the line
    in words. A rule evaluated on larger units (a province's beds) has its lines at that
    level."""
    columns = (
        Column("code", "text", label_key="table.column.code"),
        Column("name", "text", label_key="table.column.name"),
        Column("norm_set", "text", label_key="table.column.norm_set"),
        Column("rule", "text", label_key="table.column.rule"),
        Column("population", "number", label_key="table.column.rule_population"),
        Column("supply", "number", figure="gap_supply"),
        Column("capacity_known", "text", label_key="table.column.capacity_known"),
        Column("required", "number", figure="gap_required"),
        Column("missing", "number", figure="gap_missing"),
        Column("unserved_population", "number", figure="gap_unserved_population"),
        Column(
            "nearest_hospital_minutes", "number", "table.unit.minutes", "nearest_hospital_minutes"
        ),
        Column("status", "text", label_key="table.column.status"),
        Column("gap", "text", label_key="table.column.gap"),
    )
    out = []
    for g in lines:
        status = str(g["status"])
        ratio = g["kind"] == "reference_ratio" and status in ("gap", "met")
        out.append(
            {
                "code": g["code"],
                "name": _name(g, lang),
                "norm_set": norm_names.get(str(g["norm_set"]), {}).get(lang, g["norm_set"]),
                "rule": g.get(f"label_{lang}") or g["label_fr"],
                "population": g.get("population"),
                "supply": g.get("supply"),
                # Bed and doctor lines: how much of the capacity is known, in words.
                "capacity_known": g.get(f"capacity_known_{lang}"),
                "required": g.get("required"),
                "missing": g.get("missing"),
                "unserved_population": g.get("unserved_population"),
                "nearest_hospital_minutes": g.get("nearest_hospital_minutes"),
                "status": translate(
                    lang, f"status.ratio.{status}" if ratio else f"status.{status}"
                ),
                "gap": g.get(f"gap_{lang}"),
            }
        )
    return CommuneTable("gaps", territory, columns, out, GAPS_SOURCES, query, {})


# --------------------------------------------------------------------------- access


def access_table(
    territory: str,
    communes: Sequence[Mapping[str, Any]],
    offer: str,
    minutes: float,
    lang: str,
    query: str,
    *,
    beyond_only: bool = False,
) -> CommuneTable:
    """Per commune: population, minutes and km to the nearest facility of the offer, that
    facility and its category, the time band, and whether the commune lies beyond the
    threshold (the `communes` of `GET /api/access/{code}`; an unreachable commune is
    beyond, with no minutes); `beyond_only`: the communes beyond it alone."""
    columns = (
        Column("code", "text", label_key="table.column.code"),
        Column("name", "text", label_key="table.column.name"),
        Column("population", "number", figure="population_2024"),
        Column("minutes", "number", "table.unit.minutes", "minutes_to_nearest"),
        Column("distance_km", "number", "table.unit.km", "distance_km"),
        Column("facility", "text", label_key="table.column.facility"),
        Column("category", "text", label_key="table.column.category"),
        Column("band", "text", "table.unit.minutes", label_key="table.column.band"),
        Column("beyond", "text", label_key="table.column.beyond"),
    )
    out = []
    for c in communes:
        time = c.get("minutes")
        beyond = time is None or time > minutes
        if beyond_only and not beyond:
            continue
        out.append(
            {
                "code": c["code"],
                "name": _name(c, lang),
                "population": c.get("population"),
                "minutes": time,
                "distance_km": c.get("distance_km"),
                "facility": c.get("facility"),
                "category": c.get("category"),
                "band": c.get("band"),
                "beyond": translate(lang, "table.yes" if beyond else "table.no"),
            }
        )
    params: dict[str, Any] = {"offer": offer, "minutes": minutes}
    if beyond_only:
        params["beyond"] = True
    return CommuneTable("access", territory, columns, out, ACCESS_SOURCES, query, params)


# ------------------------------------------------------------------------- referral


def referral_table(
    territory: str, essp: Sequence[Mapping[str, Any]], minutes: float, lang: str, query: str
) -> CommuneTable:
    """Per ESSP: its commune, and minutes and km to the nearest HPr, HP, HR and general
    CHU unit (the `essp` of `GET /api/access/{code}/referral`)."""
    columns: list[Column] = [
        Column("id", "text", label_key="table.column.id"),
        Column("name", "text", label_key="table.column.essp"),
        Column("category", "text", label_key="table.column.category"),
        Column("commune", "text", label_key="table.column.commune"),
    ]
    for tier in REFERRAL_TIERS:
        columns += [
            Column(
                f"{tier}_minutes",
                "number",
                "table.unit.minutes",
                "minutes_to_nearest",
                f"table.column.referral_minutes.{tier}",
            ),
            Column(
                f"{tier}_km",
                "number",
                "table.unit.km",
                "distance_km",
                f"table.column.referral_km.{tier}",
            ),
        ]
    columns.append(Column("beyond_any", "text", label_key="table.column.beyond_any"))
    out = [
        {
            "id": r["id"],
            "name": r["name"],
            "category": r["category"],
            "commune": r.get("commune_name"),
            **{
                f"{tier}_{what}": r.get(f"{tier}_{what}")
                for tier in REFERRAL_TIERS
                for what in ("minutes", "km")
            },
            "beyond_any": translate(lang, "table.yes" if r.get("beyond_any") else "table.no"),
        }
        for r in essp
    ]
    params = {"minutes": minutes}
    return CommuneTable("referral", territory, tuple(columns), out, ACCESS_SOURCES, query, params)


def catalogue_keys() -> tuple[str, ...]:
    """Every catalogue key the tables word at run time (labels, units, marks, kinds)."""
    columns = [
        *needs_table("", [], "en", "").columns,
        *gaps_table("", [], {}, "en", "").columns,
        *access_table("", [], DEFAULT_OFFER, DEFAULT_MINUTES, "en", "").columns,
        *referral_table("", [], DEFAULT_MINUTES, "en", "").columns,
    ]
    keys = {c.label_key for c in columns if c.label_key} | {c.unit for c in columns if c.unit}
    keys |= set(DERIVED_MARK.values()) | {"table.yes", "table.no"}
    keys |= {f"table.tab.{kind}" for kind in TABLE_KINDS}
    keys |= {f"table.figure_kind.{kind.value}" for kind in FigureKind}
    return tuple(sorted(keys))
