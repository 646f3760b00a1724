"""Candidate sites for a siting run: by default the reference points of the territory's
communes with no facility of the offer, or a user's list (lon, lat, optional label and
cost_mad) from a file (CSV, XLSX, JSON) or given inline (the web's `candidates`). File
rows and inline rows go through one checker: every row read as a `CandidateRow`, inside
Morocco and in a commune; every bad row reported, none kept."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field, ValidationError, model_validator
from sqlalchemy.orm import Session

from qurb.algo.travel import Points
from qurb.kernel.errors import FieldError, InputError, Say, listed
from qurb.kernel.i18n import problem
from qurb.kernel.rows import too_many, validation_errors
from qurb.platform.files import InputFileError, Number, OptionalNumber, OptionalText, read_records
from qurb.platform.form_upload import UploadedFile, read_upload
from qurb.registry.points import FacilitySelector, read_destinations
from qurb.territory.model import Territory, inside_morocco
from qurb.territory.service import TerritoryIndex

# The most candidate sites given inline (the web's `candidates`).
MAX_INLINE_CANDIDATES = 500

Locate = Callable[[float, float], str | None]


class CandidateRowsError(InputError):
    """Candidate rows refused: every problem with its row (or `candidates[N]`) and field,
    the message naming the file (or `candidates`) in the reader's language."""

    worded = True

    def rendered(self, say: Say) -> str:
        return listed(self.errors, say, self.source)


@dataclass(frozen=True)
class Candidates:
    labels: list[str]
    communes: list[str | None]
    points: Points
    cost_amount_mad: np.ndarray | None
    # The labels in Arabic where the site is a commune's reference point (its Arabic
    # name); None for sites from a file, whose label is the user's own words.
    labels_ar: list[str | None] | None = None

    def label_ar(self, j: int) -> str | None:
        return self.labels_ar[j] if self.labels_ar is not None else None

    def rows(self) -> list[dict[str, Any]]:
        """As the web shows them: lon, lat, label, cost_mad (or None), commune."""
        return [
            {
                "lon": float(self.points.lon[j]),
                "lat": float(self.points.lat[j]),
                "label": self.labels[j],
                "cost_mad": _cost(self.cost_amount_mad, j),
                "commune": self.communes[j],
            }
            for j in range(len(self.labels))
        ]


def _cost(costs: np.ndarray | None, j: int) -> float | None:
    return None if costs is None or not np.isfinite(costs[j]) else float(costs[j])


def default_candidates(
    session: Session, index: TerritoryIndex, territory: Territory, selector: FacilitySelector
) -> Candidates:
    """Reference points of the territory's communes with no open public facility that
    passes `selector` (on the commune graph a second one at the same reference point
    would change nothing)."""
    served = set(read_destinations(session, selector).communes)
    communes = [
        c
        for c in index.communes_within(territory)
        if c.code not in served and c.ref_lon is not None and c.ref_lat is not None
    ]
    return Candidates(
        [c.name_fr for c in communes],
        [c.code for c in communes],
        Points(
            np.array([c.ref_lon for c in communes], float),
            np.array([c.ref_lat for c in communes], float),
            tuple(c.code for c in communes),
            is_population=False,
        ),
        None,
        [c.name_ar or None for c in communes],
    )


class CandidateRow(BaseModel):
    """One row of a user's candidate sites (column names in any case)."""

    lon: Number
    lat: Number
    label: OptionalText = None
    name: OptionalText = None
    cost_mad: OptionalNumber = Field(default=None, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _lower_keys(cls, values: Any) -> Any:
        if isinstance(values, dict):
            return {str(k).strip().lower(): v for k, v in values.items() if k}
        return values


def _placed(number: int, row: CandidateRow, locate: Locate) -> str | FieldError:
    """The commune the row's point lies in, or the problem with it."""
    if not inside_morocco(row.lon, row.lat):
        return problem("lon/lat", "outside_morocco_short", number, lon=row.lon, lat=row.lat)
    commune = locate(row.lon, row.lat)
    if commune is None:
        return problem("lon/lat", "in_no_commune", number)
    return commune


def check_candidates(
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    source: str,
    locate: Locate,
    *,
    inline: bool = False,
) -> Candidates:
    """Every row checked (its values, then where it lies); the candidates, or one
    `InputError` naming every bad row: by row number and column for a file, as
    `candidates[N].<field>` for rows given inline (N from 0)."""
    good: list[tuple[int, CandidateRow, str]] = []
    problems: list[FieldError] = []
    for number, values in rows:
        found: list[FieldError]
        try:
            value = CandidateRow.model_validate(dict(values))
        except ValidationError as error:
            found = validation_errors(error, number)
        else:
            placed = _placed(number, value, locate)
            if isinstance(placed, str):
                good.append((number, value, placed))
                continue
            found = [placed]
        if inline:
            found = [replace(p, field=f"candidates[{number}].{p.field}", row=None) for p in found]
        problems.extend(found)
    if problems:
        raise CandidateRowsError(errors=too_many(problems, source).errors, source=source)
    if not good:
        raise InputFileError(code="no_candidate_site", values={"path": source})
    labels = [str(r.label or r.name or f"row {n}") for n, r, _ in good]
    chosen = [commune for _, _, commune in good]
    costs = np.array([np.nan if r.cost_mad is None else r.cost_mad for _, r, _ in good])
    return Candidates(
        labels,
        list(chosen),
        Points(
            np.array([r.lon for _, r, _ in good]),
            np.array([r.lat for _, r, _ in good]),
            tuple(chosen),
            tuple(labels),
            False,
        ),
        None if np.isnan(costs).all() else costs,
    )


def read_candidates(path: Path, locate: Locate, name: str | None = None) -> Candidates:
    """A user's candidate sites from a file (CSV, XLSX, JSON): all rows or none. `name`:
    the file's name as the user knows it (an upload's), else its path."""
    source = name or str(path)
    return check_candidates(((r.number, r.values) for r in read_records(path)), source, locate)


def session_locator(session: Session) -> Locate:
    """The commune a point lies in (1 km of tolerance at a border), by code."""
    from qurb.registry.service import commune_locator

    locator = commune_locator(session)

    def locate(lon: float, lat: float) -> str | None:
        hit = locator.locate(lon, lat, tolerance_km=1.0)
        return hit.code if hit else None

    return locate


def read_uploaded_candidates(upload: UploadedFile, locate: Locate) -> Candidates:
    """A candidate file sent from the web, read as the command line's, its errors naming
    the file by its own name."""
    return read_upload(
        upload, lambda path: read_candidates(path, locate, name=upload.name), "candidates"
    )
