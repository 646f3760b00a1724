"""Periodic reports' pure parts: data sets (what a facility reports, how often, by when),
their periods, and the rules a report's values follow. No I/O."""

from __future__ import annotations

import enum
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from qurb.kernel.errors import InputError


class DatasetError(InputError):
    """A data set file that cannot be used; the message names the file and the field."""

    hint = "See `qurb datasets list` for the available data sets."


class PeriodType(enum.StrEnum):
    ISO_WEEK = "iso_week"  # written as DHIS2 does: 2026W5
    MONTH = "month"  # written 2026-01


class ReportStatus(enum.StrEnum):
    """A report is submitted, then confirmed by the province; confirming freezes it (no
    correction afterwards: a frozen report is refused any change)."""

    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"


TOTAL = ""  # the disaggregation of an element reported without one
WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$")
MONTH = re.compile(r"^(\d{4})-?(\d{2})$")


@dataclass(frozen=True)
class Period:
    type: PeriodType
    code: str
    start: date
    end: date  # its last day

    def due(self, days: int) -> date:
        """The last day a report of this period is on time."""
        return self.end + timedelta(days=days)


def parse_period(text: str, period_type: PeriodType) -> Period:
    """A period of the given type from its code (`2026W5` or `2026-W05`; `2026-01` or
    `202601`), written back the one way (`2026W5`, `2026-01`)."""
    text = text.strip()
    values = {"period": text, "type": period_type.value}
    if period_type is PeriodType.ISO_WEEK:
        match = WEEK.match(text)
        if match:
            year, week = int(match[1]), int(match[2])
            try:
                start = date.fromisocalendar(year, week, 1)
            except ValueError:
                raise InputError(code="period_not_of_type", values=values) from None
            return Period(period_type, f"{year}W{week}", start, start + timedelta(days=6))
    else:
        match = MONTH.match(text)
        if match and 1 <= int(match[2]) <= 12:
            year, month = int(match[1]), int(match[2])
            start = date(year, month, 1)
            following = date(year + month // 12, month % 12 + 1, 1)
            return Period(period_type, f"{year}-{month:02d}", start, following - timedelta(1))
    raise InputError(code="period_not_of_type", values=values)


def reportable(period: Period, today: date) -> None:
    """A report covers a period that is over: one in the future or still running is
    refused."""
    values = {"period": period.code, "today": today.isoformat()}
    if period.start > today:
        raise InputError(code="period_in_future", values=values)
    if period.end >= today:
        raise InputError(code="period_not_over", values=values)


@dataclass(frozen=True)
class Option:
    code: str
    name_fr: str
    name_ar: str
    name_en: str


@dataclass(frozen=True)
class Disaggregation:
    id: str
    name_fr: str
    name_ar: str
    name_en: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class DataElement:
    code: str
    name_fr: str
    name_ar: str
    name_en: str
    group: str
    disaggregations: tuple[str, ...] = ()
    confirmed: bool = True  # confirmed from the data set's source itself
    why: str | None = None  # why it is not (confirmed = false)
    immediate: bool = False  # notified on a single case: alert threshold one case
    delay_confirmed: bool = True
    delay_why: str | None = None

    @property
    def alert_threshold(self) -> int | None:
        return 1 if self.immediate else None


@dataclass(frozen=True)
class CaravanFeed:
    """A caravan record item counted toward a data element, on a line of its own (never
    in the facilities' reports, so completeness is unaffected): `kind` (screening or
    consultation), `item` (a screening or specialty code of caravan.toml), the age bands
    it keeps (all when empty)."""

    kind: str
    item: str
    element: str
    age_bands: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataSet:
    id: str
    version: str
    name_fr: str
    name_ar: str
    name_en: str
    period: PeriodType
    due_days: int
    categories: tuple[str, ...]
    source: str
    elements: tuple[DataElement, ...]
    disaggregations: tuple[Disaggregation, ...] = ()
    due_days_confirmed: bool = True
    due_days_why: str | None = None
    needs_validation: bool = False  # shown "to be validated by the DELM" until validated
    notes: str = ""
    path: str = ""
    caravan: tuple[CaravanFeed, ...] = ()
    combos: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    def element(self, code: str) -> DataElement | None:
        return next((e for e in self.elements if e.code == code), None)

    def reported_by(self, category: str) -> bool:
        return category in self.categories


def combos_of(element: DataElement, axes: Mapping[str, Disaggregation]) -> tuple[str, ...]:
    """The cells of an element: one per combination of its disaggregations' options, in
    their order, written `f|1-4`; the total alone (`""`) for an element without any."""
    options = [[o.code for o in axes[a].options] for a in element.disaggregations]
    if not options:
        return (TOTAL,)
    return tuple("|".join(combo) for combo in itertools.product(*options))


def _text(data: Mapping[str, Any], name: str, path: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise DatasetError(code="dataset_field_missing", values={"path": path, "field": name})
    return value


def _labels(data: Mapping[str, Any], path: str) -> dict[str, str]:
    return {f"name_{lang}": _text(data, f"name_{lang}", path) for lang in ("fr", "ar", "en")}


def _disaggregation(data: Mapping[str, Any], path: str) -> Disaggregation:
    options = tuple(Option(_text(o, "code", path), **_labels(o, path)) for o in data["options"])
    return Disaggregation(_text(data, "id", path), **_labels(data, path), options=options)


def _element(data: Mapping[str, Any], axes: Mapping[str, Disaggregation], path: str) -> DataElement:
    code = _text(data, "code", path)
    for axis in data.get("disaggregations", []):
        if axis not in axes:
            values = {"path": path, "field": f"element {code}.disaggregations", "value": axis}
            raise DatasetError(code="dataset_unknown_disaggregation", values=values)
    element = DataElement(
        code,
        **_labels(data, path),
        group=_text(data, "group", path),
        disaggregations=tuple(data.get("disaggregations", ())),
        confirmed=bool(data.get("confirmed", True)),
        why=data.get("why"),
        immediate=bool(data.get("immediate", False)),
        delay_confirmed=bool(data.get("delay_confirmed", True)),
        delay_why=data.get("delay_why"),
    )
    for flag, reason in (("confirmed", "why"), ("delay_confirmed", "delay_why")):
        if not getattr(element, flag) and not getattr(element, reason):
            values = {"path": path, "field": f"element {code}.{reason}"}
            raise DatasetError(code="dataset_field_missing", values=values)
    return element


def _caravan_feed(data: Mapping[str, Any], codes: Sequence[str], path: str) -> CaravanFeed:
    feed = CaravanFeed(
        _text(data, "kind", path),
        _text(data, "item", path),
        _text(data, "element", path),
        tuple(data.get("age_bands", ())),
    )
    if feed.element not in codes or feed.kind not in ("screening", "consultation"):
        values = {"path": path, "field": "caravan", "value": f"{feed.kind} {feed.element}"}
        raise DatasetError(code="dataset_bad_value", values=values)
    return feed


def dataset_from_mapping(data: Mapping[str, Any], path: str = "") -> DataSet:
    """A data set from its TOML file's contents; every element unconfirmed names why."""
    try:
        period = PeriodType(str(data.get("period")))
    except ValueError:
        values = {"path": path, "field": "period", "value": repr(data.get("period"))}
        raise DatasetError(code="dataset_bad_value", values=values) from None
    due_days = data.get("due_days")
    if not isinstance(due_days, int) or isinstance(due_days, bool) or due_days < 0:
        values = {"path": path, "field": "due_days", "value": repr(due_days)}
        raise DatasetError(code="dataset_bad_value", values=values)
    axes = {d.id: d for d in (_disaggregation(x, path) for x in data.get("disaggregation", []))}
    elements = tuple(_element(e, axes, path) for e in data.get("element", []))
    codes = [e.code for e in elements]
    caravan = tuple(_caravan_feed(c, codes, path) for c in data.get("caravan", []))
    if not elements or len(set(codes)) != len(codes):
        values = {"path": path, "field": "element", "value": ", ".join(codes)}
        raise DatasetError(code="dataset_bad_value", values=values)
    return DataSet(
        id=_text(data, "id", path),
        version=_text(data, "version", path),
        **_labels(data, path),
        period=period,
        due_days=due_days,
        categories=tuple(data.get("categories", ())),
        source=_text(data, "source", path),
        elements=elements,
        disaggregations=tuple(axes.values()),
        due_days_confirmed=bool(data.get("due_days_confirmed", True)),
        due_days_why=data.get("due_days_why"),
        needs_validation=bool(data.get("needs_validation", False)),
        notes=str(data.get("notes", "")).strip(),
        path=path,
        caravan=caravan,
        combos={e.code: combos_of(e, axes) for e in elements},
    )


@dataclass(frozen=True)
class Value:
    """One cell of a report: a count of an element for one disaggregation."""

    element: str
    disaggregation: str
    value: int


def read_count(raw: Any) -> tuple[int | None, str | None]:
    """A count from what was given (an int, an integral float, digits), or the code of
    what is wrong with it: `count_negative`, `count_fractional`, `count_not_number`."""
    number: float | None = None
    if isinstance(raw, bool) or raw is None:
        number = None
    elif isinstance(raw, int | float):
        number = raw
    elif isinstance(raw, str):
        try:
            number = float(raw.strip().replace(",", "."))
        except ValueError:
            number = None
    if number is None or number != number or number in (float("inf"), float("-inf")):
        return None, "count_not_number"
    if number < 0:
        return None, "count_negative"
    if not float(number).is_integer():
        return None, "count_fractional"
    return int(number), None


def element_totals(values: Sequence[Value]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for v in values:
        totals[v.element] = totals.get(v.element, 0) + v.value
    return totals
