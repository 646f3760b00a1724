"""Waiting times along the pathways, counter-referral rates and flows, for a region (or a
province) and a range of sending dates.

Read with one query of the needed columns only (index `ix_referrals_region_sent`: the
destination's region, then the sending time), each moment as seconds since 1970 computed
by the database (SQLite's `julianday`, PostgreSQL's `extract(epoch …)`), then computed in
numpy. Waiting times are in days; the median and the 90th percentile are numpy's
`percentile` with its default method ("linear": Hyndman & Fan's type 7, the value at rank
1 + (n − 1)·p between the two nearest, linearly interpolated). A referral counts in an
interval when both its ends are stamped (a referral not yet seen is not in sent → seen)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import numpy as np
from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from qurb.kernel.errors import InputError
from qurb.kernel.i18n import problem
from qurb.referrals._tables import ReferralRow
from qurb.registry.lookups import facility_briefs
from qurb.territory.model import Territory, TerritoryLevel
from qurb.territory.service import TerritoryIndex

DAY_S = 86_400.0
# Each interval: (name, its start column, its end column).
INTERVALS = (
    ("sent_to_booked", "sent_at", "booked_at"),
    ("booked_to_seen", "booked_at", "seen_at"),
    ("seen_to_counter_referred", "seen_at", "counter_referred_at"),
    ("sent_to_seen", "sent_at", "seen_at"),
)
GROUPINGS = ("pathway", "service", "commune")


class MeasureError(InputError):
    """A measure asked of something that is not measured: the field named."""


@dataclass(frozen=True)
class Waiting:
    """One group's waiting time over one interval (days)."""

    group: str
    interval: str
    count: int
    median_days: float | None
    p90_days: float | None


@dataclass(frozen=True)
class CounterReferralRate:
    destination_facility_id: str
    service: str
    seen: int
    counter_referred: int
    rate: float | None  # counter_referred / seen


@dataclass(frozen=True)
class Key:
    """A text column factorised: each row's code (an index into `labels`)."""

    codes: np.ndarray
    labels: tuple[str, ...]

    @classmethod
    def of(cls, values: Sequence[str | None]) -> Key:
        # The distinct values in order of appearance, then each row's by a dict's own
        # lookup (a C call per row: 100,000 rows in a few milliseconds).
        lookup = {value: number for number, value in enumerate(dict.fromkeys(values))}
        codes = np.fromiter(map(lookup.__getitem__, values), np.int64, len(values))
        return cls(codes, tuple(value or "" for value in lookup))

    def take(self, keep: np.ndarray) -> Key:
        return Key(self.codes[keep], self.labels)


@dataclass(frozen=True)
class Columns:
    """The columns read: each text one factorised, each moment in seconds since 1970
    (NaN when unset)."""

    pathway: Key
    service: Key
    commune: Key
    destination: Key
    moments: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.service.codes)


def _seconds(session: Session, column: Any) -> ColumnElement[float]:
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(column) - 2440587.5) * DAY_S
    return cast(func.extract("epoch", column), Float)


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start, end] as UTC moments, the end day included."""
    if end < start:
        raise MeasureError(
            [problem("end", "referral_range_backwards", start=str(start), end=str(end))]
        )
    return datetime.combine(start, time(), UTC), datetime.combine(end, time.max, UTC)


def region_of(index: TerritoryIndex, territory: str) -> tuple[Territory, Territory]:
    """A region or a province and its region (measures are read by region), else refused
    `referral_not_a_region` on the field `territory`."""
    unit = index.by_code.get(territory)
    if unit is None or unit.level not in (TerritoryLevel.REGION, TerritoryLevel.PROVINCE):
        raise MeasureError([problem("territory", "referral_not_a_region", value=territory)])
    region = index.ancestor_at(territory, TerritoryLevel.REGION)
    assert region is not None
    return unit, region


def read_columns(
    session: Session, index: TerritoryIndex, territory: str, start: date, end: date
) -> Columns:
    """The referrals of a region (by its index) or a province (its region's, those whose
    patients live in it) sent from `start` to `end` (days, both included)."""
    unit, region = region_of(index, territory)
    first, last = day_bounds(start, end)
    names = sorted({c for _, a, b in INTERVALS for c in (a, b)})
    query = select(
        ReferralRow.pathway,
        ReferralRow.service,
        ReferralRow.commune_code,
        ReferralRow.destination_facility_id,
        *(_seconds(session, getattr(ReferralRow, n)).label(n) for n in names),
    ).where(
        ReferralRow.region_code == region.code,
        ReferralRow.sent_at >= first,
        ReferralRow.sent_at <= last,
        ReferralRow.kind == "referral",
    )
    # Core rows, not ORM objects: 100,000 rows are read as plain tuples.
    rows = session.connection().execute(query).all()
    table = list(zip(*rows, strict=True)) if rows else [()] * (4 + len(names))
    columns = Columns(
        Key.of(table[0]),
        Key.of(table[1]),
        Key.of(table[2]),
        Key.of(table[3]),
        {n: np.array(table[4 + i], dtype=float) for i, n in enumerate(names)},
    )
    if unit.level is TerritoryLevel.PROVINCE:
        inside = {c.code for c in index.communes_within(unit)}
        wanted = np.array([label in inside for label in columns.commune.labels], bool)
        columns = _take(columns, wanted[columns.commune.codes])
    return columns


def _take(columns: Columns, keep: np.ndarray) -> Columns:
    return Columns(
        columns.pathway.take(keep),
        columns.service.take(keep),
        columns.commune.take(keep),
        columns.destination.take(keep),
        {n: v[keep] for n, v in columns.moments.items()},
    )


def _stats(days: np.ndarray) -> tuple[int, float | None, float | None]:
    if days.size == 0:
        return 0, None, None
    median, p90 = np.percentile(days, [50.0, 90.0], method="linear")
    return int(days.size), round(float(median), 2), round(float(p90), 2)


def waiting_times(columns: Columns, by: str) -> list[Waiting]:
    """Per group (`pathway`, `service` or `commune` of residence; "" for no pathway) and
    interval: count, median and 90th percentile (days)."""
    if by not in GROUPINGS:
        raise MeasureError([problem("by", "referral_choice", value=by, choices=list(GROUPINGS))])
    key = {"pathway": columns.pathway, "service": columns.service, "commune": columns.commune}[by]
    if len(columns) == 0:
        return []
    order = np.argsort(key.codes, kind="stable")
    bounds = np.searchsorted(key.codes[order], np.arange(len(key.labels) + 1))
    out: list[Waiting] = []
    for name, a, b in INTERVALS:
        days = (columns.moments[b] - columns.moments[a]) / DAY_S
        for number, label in enumerate(key.labels):
            values = days[order[bounds[number] : bounds[number + 1]]]
            count, median, p90 = _stats(values[np.isfinite(values)])
            out.append(Waiting(label, name, count, median, p90))
    return sorted(out, key=lambda w: (w.group, [i[0] for i in INTERVALS].index(w.interval)))


def counter_referral_rates(columns: Columns) -> list[CounterReferralRate]:
    """Per receiving service (destination facility and service): referrals seen, those
    counter-referred, the rate."""
    if len(columns) == 0:
        return []
    width = len(columns.service.labels)
    pair = columns.destination.codes * width + columns.service.codes
    groups, inverse = np.unique(pair, return_inverse=True)
    seen = np.bincount(inverse, np.isfinite(columns.moments["seen_at"]), len(groups))
    back = np.bincount(inverse, np.isfinite(columns.moments["counter_referred_at"]), len(groups))
    out = []
    for key, s, c in zip(groups, seen, back, strict=True):
        facility = columns.destination.labels[int(key) // width]
        service = columns.service.labels[int(key) % width]
        rate = round(float(c / s), 4) if s else None
        out.append(CounterReferralRate(facility, service, int(s), int(c), rate))
    return out


def flows_geojson(session: Session, index: TerritoryIndex, columns: Columns) -> dict[str, Any]:
    """Flows as GeoJSON lines, from the patients' commune of residence (its reference
    point) to the destination facility, with the volume (referrals sent)."""
    if len(columns) == 0:
        return {"type": "FeatureCollection", "features": []}
    width = len(columns.destination.labels)
    pair = columns.commune.codes * width + columns.destination.codes
    groups, counts = np.unique(pair, return_counts=True)
    pairs = [
        (columns.commune.labels[int(g) // width], columns.destination.labels[int(g) % width])
        for g in groups
    ]
    briefs = facility_briefs(session, {f for _, f in pairs})
    features: list[dict[str, Any]] = []
    for (commune, facility), volume in zip(pairs, counts, strict=True):
        unit, brief = index.by_code.get(commune), briefs.get(facility)
        if unit is None or brief is None or unit.ref_lon is None or unit.ref_lat is None:
            continue
        start = [round(unit.ref_lon, 5), round(unit.ref_lat, 5)]
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [start, [round(brief.lon, 5), round(brief.lat, 5)]],
                },
                "properties": {
                    "commune": commune,
                    "commune_name": unit.name_fr,
                    "commune_name_ar": unit.name_ar,
                    "facility": facility,
                    "facility_name": brief.name,
                    "volume": int(volume),
                },
            }
        )
    features.sort(key=lambda f: (-int(f["properties"]["volume"]), f["properties"]["commune"]))
    return {"type": "FeatureCollection", "features": features}


def summary_counts(columns: Columns) -> dict[str, int]:
    """How many referrals the measures read, and how many reached each milestone."""
    return {
        "referrals": len(columns),
        **{
            n: int(np.isfinite(v).sum())
            for n, v in sorted(columns.moments.items())
            if n != "sent_at"
        },
    }


def as_rows(items: Sequence[Any]) -> list[dict[str, Any]]:
    return [dict(vars(i)) for i in items]
