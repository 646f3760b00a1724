"""Finding territories by HCP code or by French/Arabic name, and walking the tree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.data import read_bundled_csv
from qurb.kernel.errors import NotFound
from qurb.kernel.names import MAX_NAME_CHARS, fold_name
from qurb.territory._tables import CommuneGeometryRow, TerritoryRow
from qurb.territory.model import Territory, TerritoryLevel

if TYPE_CHECKING:  # NumPy is loaded by the travel-time analyses, not by every lookup
    import numpy as np

    from qurb.algo.travel import Points

# Casablanca's 8 préfectures d'arrondissements: provinces in HCP's list, inside the prefecture
# of Casablanca, with no commune of their own; left out when units are counted by province.
PREFECTURE_OF_ARRONDISSEMENTS = "prefecture_of_arrondissements"

# Usual names of the units (English and other spellings, from GeoNames), bundled.
ALIASES_FILE = "territory_aliases.csv"
# A search with a letter wrong, missing or extra still finds its unit: rapidfuzz's ratio on
# folded names ("taonate" ~ "taounate" 93, "ouejda" ~ "oujda" 91).
FUZZY_MIN_SCORE = 85.0


@dataclass(frozen=True)
class Scope:
    """Facility filter for a territory: commune codes, or arrondissement codes (None: all)."""

    communes: list[str] | None
    arrondissements: list[str] | None


class TerritoryNotFound(NotFound):
    """No territory, or several equally good ones, match what the user typed."""

    hint = (
        "Territories: HCP code (e.g. 03.231) or French/Arabic name; "
        "see `qurb territories --search TEXT`."
    )


def _within_budget(text: str, field: str) -> str:
    """`text` if a territory could bear it; over MAX_NAME_CHARS, refused before any matching
    (fuzzy matching costs by the character: a 120 KB name took seconds)."""
    if len(text) > MAX_NAME_CHARS:
        values = {"field": field, "length": len(text), "limit": MAX_NAME_CHARS}
        raise TerritoryNotFound(code="name_too_long", values=values)
    return text


def to_territory(row: Any) -> Territory:
    """A Territory from a `territories` row (ORM object or Core row)."""
    return Territory(
        code=row.code,
        level=TerritoryLevel(row.level),
        name_fr=row.name_fr,
        name_ar=row.name_ar,
        parent_code=row.parent_code,
        kind=row.kind,
        population_2024=row.population_2024,
        households_2024=row.households_2024,
        population_2014=row.population_2014,
        cercle_code=row.cercle_code,
        area_km2=row.area_km2,
        ref_lon=row.ref_lon,
        ref_lat=row.ref_lat,
    )


def growth_2014_2024_pct(unit: Territory) -> float | None:
    """Change of the legal population from the 2014 census to the 2024 one, in % of 2014
    (2 decimals); None when either census figure is unknown or 2014 is zero."""
    if unit.population_2024 is None or not unit.population_2014:
        return None
    return round(100.0 * (unit.population_2024 / unit.population_2014 - 1.0), 2)


def density_per_km2(unit: Territory) -> float | None:
    """2024 legal population per km² of the unit's surface (1 decimal); None when either
    is unknown or the surface is zero."""
    if unit.population_2024 is None or not unit.area_km2:
        return None
    return round(unit.population_2024 / unit.area_km2, 1)


@dataclass(frozen=True)
class NameMatch:
    """A unit found for what the user typed, and how: `name` (its own name or code),
    `alias` (a usual name: 'Fez' for Fès) or `close` (a name spelt nearly so: 'Taonate').
    `matched` is the alias or the close name found, None for its own name."""

    territory: Territory
    how: str = "name"
    matched: str | None = None


@dataclass(frozen=True)
class TerritoryIndex:
    """All territories in memory (1,853 rows): lookups without a query per step."""

    by_code: dict[str, Territory]
    _folded: dict[str, tuple[str, str]] = field(default_factory=dict)
    _ancestors: dict[str, list[Territory]] = field(default_factory=dict)
    # folded alias -> {code: alias as written}; from the bundled file on first use
    _aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    # folded own name or alias -> {code: name as written}, for close matches
    _spellings: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def aliases(self) -> dict[str, dict[str, str]]:
        """Folded usual name -> {code: the name as written} (territory_aliases.csv)."""
        if not self._aliases:
            for row in read_bundled_csv(ALIASES_FILE):
                if row["code"] in self.by_code:
                    key = fold_name(row["alias"])
                    self._aliases.setdefault(key, {}).setdefault(row["code"], row["alias"])
        return self._aliases

    @property
    def spellings(self) -> dict[str, dict[str, str]]:
        """Every folded name a unit answers to (own names, then aliases) -> {code: name}."""
        if not self._spellings:
            for code, keys in self.folded.items():
                unit = self.by_code[code]
                for key, name in zip(keys, (unit.name_fr, unit.name_ar), strict=True):
                    if key:
                        self._spellings.setdefault(key, {}).setdefault(code, name)
            for key, named in self.aliases.items():
                for code, alias in named.items():
                    self._spellings.setdefault(key, {}).setdefault(code, alias)
        return self._spellings

    def close_names(self, key: str) -> list[str]:
        """The folded names within FUZZY_MIN_SCORE of `key` (folded), best first."""
        from rapidfuzz import fuzz, process

        found = process.extract(
            key, list(self.spellings), scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_SCORE, limit=10
        )
        return [name for name, _, _ in found]

    @property
    def folded(self) -> dict[str, tuple[str, str]]:
        """code → folded (French, Arabic) names; computed on first use (~80 ms)."""
        if not self._folded:
            for code, t in self.by_code.items():
                self._folded[code] = (fold_name(t.name_fr), fold_name(t.name_ar))
        return self._folded

    @classmethod
    def from_session(cls, session: Session) -> TerritoryIndex:
        # Core rows, not ORM objects: three times faster for the 1,853 units.
        rows = session.execute(select(TerritoryRow.__table__)).all()
        return cls({r.code: to_territory(r) for r in rows})

    def resolve(self, query: str, levels: Sequence[TerritoryLevel] = ()) -> Territory:
        """A territory from its HCP code or its French/Arabic name (accents optional); see
        `resolve_match`."""
        return self.resolve_match(query, levels).territory

    def resolve_match(self, query: str, levels: Sequence[TerritoryLevel] = ()) -> NameMatch:
        """A territory from its HCP code, its French/Arabic name (accents optional) or a
        usual name ('Fez', 'Marrakesh'), and how it was found.

        An exact code wins, then the unit's own names, then its usual names. Among name
        matches (of `levels`, when given) the largest unit wins ('Fès' is the prefecture,
        not the commune); two at that level are ambiguous. A name with a typo ('Taonate')
        is not guessed at here, where a command would act on the guess: the error names
        the close units ('did you mean'), and `find` lists them.
        """
        text = _within_budget(query, "territory").strip()
        if text in self.by_code:
            return NameMatch(self.by_code[text])
        allowed = [t for t in self.by_code.values() if not levels or t.level in levels]
        matches = [t for t in allowed if text in (t.name_fr, t.name_ar)]
        how, found_as = "name", {}
        if not matches:  # no name written exactly so: compare folded names
            key = fold_name(text)
            if not key:
                raise TerritoryNotFound("empty territory name", code="empty_territory_name")
            matches = [t for t in allowed if key in self.folded[t.code]]
            if not matches:
                codes = {t.code for t in allowed}
                found_as = {c: a for c, a in self.aliases.get(key, {}).items() if c in codes}
                how = "alias"
                matches = [self.by_code[code] for code in found_as]
        if not matches:
            close = self.suggest(text)
            hint = f"; did you mean: {', '.join(close)}?" if close else ""
            raise TerritoryNotFound(
                f"no territory named or coded {query!r}{hint}",
                code="no_territory_named_close" if close else "no_territory_named",
                values={"query": repr(query), "close": ", ".join(close)},
            )
        best_depth = min(t.level.depth for t in matches)
        best = [t for t in matches if t.level.depth == best_depth]
        if len(best) > 1:
            listed = ", ".join(f"{t.name_fr} ({t.level}, {t.code})" for t in best)
            raise TerritoryNotFound(
                f"{query!r} is ambiguous: {listed}; give the HCP code",
                code="ambiguous_territory",
                values={"query": repr(query), "listed": listed},
            )
        unit = best[0]
        return NameMatch(unit, how, found_as.get(unit.code))

    def suggest(self, text: str, limit: int = 5) -> list[str]:
        from rapidfuzz import fuzz, process

        _within_budget(text, "territory")
        choices = {code: names[0] for code, names in self.folded.items()}
        found = process.extract(fold_name(text), choices, scorer=fuzz.WRatio, limit=limit)
        return [f"{self.by_code[code].name_fr} ({code})" for _, score, code in found if score >= 70]

    def children(self, code: str) -> list[Territory]:
        return sorted(
            (t for t in self.by_code.values() if t.parent_code == code), key=lambda t: t.code
        )

    def prefecture_of_arrondissements(self, code: str) -> Territory | None:
        """The préfecture d'arrondissements of a Casablanca arrondissement (06.141.01.51 is in
        06.141.01.50: HCP numbers the arrondissements of each within its tens)."""
        unit = self.by_code[code]
        if unit.level is not TerritoryLevel.ARRONDISSEMENT:
            return None
        candidate = self.by_code.get(code[:-1] + "0")
        if candidate is not None and candidate.kind == PREFECTURE_OF_ARRONDISSEMENTS:
            return candidate
        return None

    def ancestors(self, code: str) -> list[Territory]:
        """Parents from the nearest up to the country: cercles for rural communes and
        préfectures d'arrondissements for Casablanca's arrondissements come in too."""
        cached = self._ancestors.get(code)
        if cached is not None:
            return cached
        out: list[Territory] = []
        current = self.by_code[code]
        if current.cercle_code:
            out.append(self.by_code[current.cercle_code])
        prefecture = self.prefecture_of_arrondissements(code)
        if prefecture is not None:
            out.append(prefecture)
        while current.parent_code:
            current = self.by_code[current.parent_code]
            out.append(current)
        self._ancestors[code] = out
        return out

    def is_within(self, code: str, ancestor: str) -> bool:
        return code == ancestor or any(a.code == ancestor for a in self.ancestors(code))

    def units_within(self, territory: Territory, level: TerritoryLevel) -> list[Territory]:
        """The units of `level` inside `territory` (itself if it is of that level)."""
        if territory.level is level:
            return [territory]
        return sorted(
            (
                t
                for t in self.by_code.values()
                if t.level is level
                and t.kind != PREFECTURE_OF_ARRONDISSEMENTS
                and self.is_within(t.code, territory.code)
            ),
            key=lambda t: t.code,
        )

    def communes_within(self, territory: Territory) -> list[Territory]:
        if territory.level is TerritoryLevel.ARRONDISSEMENT:
            return [self.by_code[territory.parent_code or ""]]
        return self.units_within(territory, TerritoryLevel.COMMUNE)

    def scope(self, territory: Territory) -> Scope:
        """Which facilities lie in `territory`: by commune, or by arrondissement for an
        arrondissement or a préfecture d'arrondissements (they split one commune)."""
        if territory.level is TerritoryLevel.COUNTRY:
            return Scope(None, None)
        if territory.level is TerritoryLevel.ARRONDISSEMENT:
            return Scope(None, [territory.code])
        if territory.kind == PREFECTURE_OF_ARRONDISSEMENTS:
            units = self.units_within(territory, TerritoryLevel.ARRONDISSEMENT)
            return Scope(None, [u.code for u in units])
        return Scope([c.code for c in self.communes_within(territory)], None)

    def ancestor_at(self, code: str, level: TerritoryLevel) -> Territory | None:
        """The unit of `level` that holds `code` (a préfecture d'arrondissements is never
        the province of anything: the prefecture of Casablanca is)."""
        unit = self.by_code[code]
        if unit.level is level:
            return unit
        return next(
            (
                a
                for a in self.ancestors(code)
                if a.level is level and a.kind != PREFECTURE_OF_ARRONDISSEMENTS
            ),
            None,
        )

    def search(
        self, text: str, levels: Sequence[TerritoryLevel] = (), limit: int = 20
    ) -> list[Territory]:
        return [hit.territory for hit in self.find(text, levels, limit)]

    def find(
        self, text: str, levels: Sequence[TerritoryLevel] = (), limit: int = 20
    ) -> list[NameMatch]:
        """Units whose code starts with `text` or whose names (own, then usual) hold it once
        folded; failing any, those with a name close to it. Largest units first."""
        key = fold_name(_within_budget(text, "search"))
        hits = {
            t.code: NameMatch(t)
            for t in self.by_code.values()
            if (not levels or t.level in levels)
            and (
                t.code.startswith(text.strip()) or any(key in name for name in self.folded[t.code])
            )
        }
        if key:
            for alias_key, named in self.aliases.items():
                if key in alias_key:
                    for code, alias in named.items():
                        unit = self.by_code[code]
                        if code not in hits and (not levels or unit.level in levels):
                            hits[code] = NameMatch(unit, "alias", alias)
        if not hits and key:
            for name in self.close_names(key):
                for code, written in self.spellings[name].items():
                    unit = self.by_code[code]
                    if code not in hits and (not levels or unit.level in levels):
                        hits[code] = NameMatch(unit, "close", written)
        ordered = sorted(hits.values(), key=lambda h: (h.territory.level.depth, h.territory.code))
        return ordered[:limit]


def read_commune_boundaries(session: Session) -> list[tuple[str, str]]:
    """(code, GeoJSON geometry text) of every commune boundary."""
    rows = session.execute(select(CommuneGeometryRow.code, CommuneGeometryRow.geojson))
    return [(code, text) for code, text in rows]


@dataclass(frozen=True)
class Origins:
    """The communes of a territory as travel origins: their reference points standing for
    their 2024 population."""

    communes: list[Territory]
    population: np.ndarray
    points: Points


def read_origins(index: TerritoryIndex, territory: Territory) -> Origins:
    import numpy as np

    from qurb.algo.travel import Points

    communes = [
        c
        for c in index.communes_within(territory)
        if c.ref_lon is not None and c.ref_lat is not None
    ]
    return Origins(
        communes,
        np.array([c.population_2024 or 0 for c in communes], float),
        Points(
            np.array([c.ref_lon for c in communes], float),
            np.array([c.ref_lat for c in communes], float),
            tuple(c.code for c in communes),
        ),
    )
