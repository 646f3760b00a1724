"""The definitions catalogue: every figure Qurb shows, what it is, its formula, source, date.

The catalogue is data: `qurb/data/definitions.toml`, then the files a feature brings along,
given by whoever asks (`figure_definitions(extra)`: the composition root passes every
feature's files, a feature its own). This module gives it a type and checks it, so that the
`/definitions` page, `GET /api/definitions` and `qurb definitions` list the same figures,
and a figure derived by a formula says so wherever it is shown.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from qurb.data import DEFINITIONS_FILE, read_toml

LANGUAGES = ("fr", "ar", "en")


class FigureKind(enum.StrEnum):
    """How far a figure can be trusted: published, derived, counted, modelled, normed."""

    CENSUS = "census"  # published by HCP (or an exact ratio of HCP figures)
    ESTIMATE = "estimate"  # derived by a formula or an assumption
    REGISTRY = "registry"  # counted in the facility registry
    MODEL = "model"  # computed by the travel-time model or an optimiser
    NORM = "norm"  # computed against a norm set (a norm or a national average ratio)


class DefinitionError(ValueError):
    """A catalogue that cannot be used; the message names the file, entry and field."""


@dataclass(frozen=True)
class FigureDefinition:
    id: str
    group: str  # where the figure is shown: census, needs, gaps, access, …
    kind: FigureKind
    name: Mapping[str, str]  # language → name
    definition: Mapping[str, str]  # language → definition
    formula: str
    source: str
    date: str
    fields: tuple[str, ...] = ()  # API fields carrying it: "<GET path>#<dotted path>"

    @property
    def is_estimate(self) -> bool:
        return self.kind is FigureKind.ESTIMATE


def _text(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DefinitionError(f"{where}: field '{key}' is missing or empty")
    return value.strip()


def definitions_from_mapping(data: Mapping[str, Any], origin: str) -> list[FigureDefinition]:
    """Check a parsed catalogue and build its entries; `origin` names the file in errors."""
    entries = data.get("figure")
    if not isinstance(entries, list) or not entries:
        raise DefinitionError(f"{origin}: the catalogue needs at least one [[figure]]")
    out: list[FigureDefinition] = []
    seen: set[str] = set()
    for number, raw in enumerate(entries, start=1):
        where = f"{origin}, figure {number}"
        figure_id = _text(raw, "id", where)
        where = f"{origin}, figure {number} ('{figure_id}')"
        if figure_id in seen:
            raise DefinitionError(f"{where}: duplicate id")
        seen.add(figure_id)
        try:
            kind = FigureKind(raw.get("kind"))
        except ValueError:
            allowed = ", ".join(k.value for k in FigureKind)
            raise DefinitionError(
                f"{where}: field 'kind' is {raw.get('kind')!r}; expected one of {allowed}"
            ) from None
        fields = raw.get("fields", [])
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise DefinitionError(f"{where}: field 'fields' must be a list of strings")
        out.append(
            FigureDefinition(
                id=figure_id,
                group=_text(raw, "group", where),
                kind=kind,
                name={lang: _text(raw, f"name_{lang}", where) for lang in LANGUAGES},
                definition={lang: _text(raw, f"definition_{lang}", where) for lang in LANGUAGES},
                formula=_text(raw, "formula", where),
                source=_text(raw, "source", where),
                date=_text(raw, "date", where),
                fields=tuple(fields),
            )
        )
    return out


def read_definitions(path: Path) -> list[FigureDefinition]:
    return definitions_from_mapping(read_toml(path), str(path))


def figure_definitions(extra: Iterable[Path] = ()) -> tuple[FigureDefinition, ...]:
    """The catalogue: the bundled file, then the `extra` files in the order given, each in
    its file's order (the same files give the same catalogue, read once)."""
    return _catalogue(tuple(dict.fromkeys(extra)))


@cache
def _catalogue(extra: tuple[Path, ...]) -> tuple[FigureDefinition, ...]:
    out: list[FigureDefinition] = []
    seen: set[str] = set()
    for path in (DEFINITIONS_FILE, *(p for p in extra if p != DEFINITIONS_FILE)):
        for figure in read_definitions(path):
            if figure.id in seen:
                raise DefinitionError(f"{path}: figure '{figure.id}' is defined twice")
            seen.add(figure.id)
            out.append(figure)
    return tuple(out)


def figure_definition(figure_id: str, extra: Iterable[Path] = ()) -> FigureDefinition:
    for figure in figure_definitions(extra):
        if figure.id == figure_id:
            return figure
    raise KeyError(figure_id)


def estimate_formulas(columns: Iterable[str], extra: Iterable[Path] = ()) -> dict[str, str]:
    """column → formula, for the columns that are estimates in the catalogue (in order)."""
    estimates = {f.id: f.formula for f in figure_definitions(extra) if f.is_estimate}
    return {c: estimates[c] for c in columns if c in estimates}
