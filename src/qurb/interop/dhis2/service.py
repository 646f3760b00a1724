"""Reports out as DHIS2 `dataValueSets`, and `dataValueSets` in: every value resolved
by code (or UID), grouped into reports (one per data set, facility and period) and
written through the watch service, all or nothing.

A value is refused with its index in `dataValues`, its field, what was given and why: an
unknown data set, data element, category option combo or organisation unit, an
organisation unit that is a territory, a period not of the data set's type, a count that
is not a whole number of zero or more; then the watch's own checks of each report (a
period not over, a facility that does not report the data set, a count above its
catchment's population) and a frozen (confirmed) report. A value for a report that
exists changes it as a correction (a new, audited version) unless it holds that value
already; DHIS2's summary counts each value imported (new), updated or ignored (the
same)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from qurb.interop.dhis2.metadata import NATION, SOURCES, exported_facilities
from qurb.interop.dhis2.model import (
    DEFAULT_COC_UID,
    DEFAULT_CODE,
    Codebook,
    coc_code,
    coc_uid,
    combo_code,
    dhis2_period,
    uid,
)
from qurb.interop.dhis2.payload import DataValueIn, DataValueSetIn, IdScheme
from qurb.kernel.actor import Actor
from qurb.kernel.errors import FieldError, InputError
from qurb.kernel.i18n import problem
from qurb.kernel.rows import too_many
from qurb.registry.model import Facility
from qurb.territory.service import TerritoryIndex
from qurb.watch.batch import submit_checked
from qurb.watch.datasets import available_datasets, get_dataset
from qurb.watch.model import DataElement, DataSet, parse_period, read_count
from qurb.watch.service import (
    Catchments,
    Checked,
    RawValue,
    Report,
    ReportFilter,
    ReportInput,
    catchment_populations,
    check_facility_report,
    correct_report,
    list_reports,
)

CORRECTION_REASON = "dhis2:dataValueSets"  # the reason a correction by import records
ActorFor = Callable[[Facility], Actor]  # the importer, checked over one facility


def export_values(
    session: Session,
    dataset_id: str,
    period: str,
    facilities: Sequence[str],
    scheme: IdScheme = IdScheme.CODE,
) -> dict[str, Any]:
    """The current reports of a data set for a period, of these facilities, as a
    `dataValueSets` payload (identifiers by code or by UID)."""
    dataset = get_dataset(dataset_id)
    code = parse_period(period, dataset.period).code
    by_code = scheme is IdScheme.CODE
    values = []
    for report in list_reports(session, ReportFilter(dataset.id, code, facilities)):
        for v in report.values:
            element = dataset.element(v.element)
            combo = combo_code(element) if element else DEFAULT_CODE
            values.append(
                {
                    "dataElement": v.element if by_code else uid("de", v.element),
                    "period": dhis2_period(report.period, dataset.period),
                    "orgUnit": report.facility_id if by_code else uid("ou", report.facility_id),
                    "categoryOptionCombo": coc_code(combo, v.disaggregation)
                    if by_code
                    else coc_uid(combo, v.disaggregation),
                    "value": str(v.value),
                }
            )
    return {
        "qurb": {**SOURCES.members(), "idScheme": scheme.value, "reports": "current versions"},
        "dataSet": dataset.id if by_code else uid("ds", dataset.id),
        "period": dhis2_period(code, dataset.period),
        "dataValues": values,
    }


@dataclass(frozen=True)
class Counts:
    imported: int = 0
    updated: int = 0
    ignored: int = 0


@dataclass(frozen=True)
class ImportResult:
    counts: Counts
    submitted: tuple[int, ...]  # new reports
    corrected: tuple[int, ...]  # new versions of existing reports
    unchanged: tuple[int, ...]  # existing reports every value of which was the same
    values: int

    def summary(self) -> dict[str, Any]:
        """DHIS2's import summary, and Qurb's reports beside it."""
        return {
            "responseType": "ImportSummary",
            "status": "SUCCESS",
            "importCount": {**self.counts.__dict__, "deleted": 0},
            "conflicts": [],
            "qurb": {
                "values": self.values,
                "reports_submitted": list(self.submitted),
                "reports_corrected": list(self.corrected),
                "reports_unchanged": list(self.unchanged),
            },
        }


@dataclass
class _Group:
    """The values of one report: where each came from (its index) for its problems."""

    dataset: DataSet
    facility: str
    period: str
    values: list[RawValue] = field(default_factory=list)
    first: int = 0
    cells: set[tuple[str, str]] = field(default_factory=set)


@dataclass
class _Resolver:
    session: Session
    scheme: IdScheme
    codebook: Codebook
    facilities: Mapping[str, Facility]  # by code (id) and by UID
    territories: set[str]  # codes and UIDs of territories (not facilities)
    problems: list[FieldError] = field(default_factory=list)
    periods: dict[tuple[str, str], str] = field(default_factory=dict)

    def period(self, given: str, dataset: DataSet) -> str:
        """The period's code (read once per text and type)."""
        key = (given, dataset.period.value)
        if key not in self.periods:
            self.periods[key] = parse_period(given, dataset.period).code
        return self.periods[key]

    def fail(self, found: FieldError) -> None:
        self.problems.append(found)

    def known(self, key: str | None, table: Mapping[str, Any]) -> Any:
        if key is None:
            return None
        found = table.get(key)
        if found is None:
            return None
        uid_given = key != found_code(found)
        return found if uid_given == (self.scheme is IdScheme.UID) else None


def found_code(found: Any) -> str:
    """The Qurb code of what a lookup found (a data set, an element, a facility)."""
    if isinstance(found, tuple):
        return str(found[1].code)
    return str(found.id)


def _at(i: int, name: str) -> str:
    return f"dataValues[{i}].{name}"


def _element_of(
    r: _Resolver, i: int, v: DataValueIn, given_set: DataSet | None
) -> tuple[tuple[DataSet, DataElement] | None, str | None]:
    """The value's data set and element, and its cell, or None for each (problems kept)."""
    element = r.known(v.dataElement, r.codebook.elements)
    if element is None:
        r.fail(
            problem(_at(i, "dataElement"), "dhis2_unknown_element", None, value=repr(v.dataElement))
        )
        return None, None
    if given_set is not None and element[0].id != given_set.id:
        r.fail(
            problem(
                _at(i, "dataElement"),
                "dhis2_element_not_in_dataset",
                None,
                value=v.dataElement,
                dataset=given_set.id,
            )
        )
        return None, None
    combo = v.categoryOptionCombo or DEFAULT_CODE
    cell = r.codebook.cells.get((element[1].code, combo))
    if cell is None:
        r.fail(
            problem(
                _at(i, "categoryOptionCombo"),
                "dhis2_unknown_combo",
                None,
                value=repr(combo),
                element=element[1].code,
            )
        )
    return element, cell


def _facility_of(r: _Resolver, i: int, unit: str | None) -> Facility | None:
    facility = r.known(unit, r.facilities)
    if facility is None and unit in r.territories:
        r.fail(problem(_at(i, "orgUnit"), "dhis2_org_unit_territory", None, value=repr(unit)))
    elif facility is None:
        r.fail(
            problem(
                _at(i, "orgUnit"),
                "dhis2_unknown_org_unit",
                None,
                value=repr(unit),
                scheme=r.scheme.value,
            )
        )
    return facility


def _count_ok(r: _Resolver, i: int, value: Any) -> bool:
    _count, why = read_count(value)
    if why == "count_negative":
        r.fail(problem(_at(i, "value"), "dhis2_count_negative", None, value=repr(value)))
    elif why == "count_fractional":
        r.fail(problem(_at(i, "value"), "dhis2_count_fractional", None, value=repr(value)))
    elif why is not None:
        r.fail(problem(_at(i, "value"), "dhis2_count_not_number", None, value=repr(value)))
    return why is None


def _one(
    r: _Resolver, i: int, v: DataValueIn, top: DataValueSetIn, given_set: DataSet | None
) -> tuple[DataSet, str, str, str, str] | None:
    """The data set, element, cell, facility and period of value `i`, or None (its
    problems kept)."""
    element, cell = _element_of(r, i, v, given_set)
    attribute = v.attributeOptionCombo or top.attributeOptionCombo
    if attribute not in (None, DEFAULT_CODE, DEFAULT_COC_UID):
        r.fail(
            problem(
                _at(i, "attributeOptionCombo"),
                "dhis2_unknown_attribute_combo",
                None,
                value=repr(attribute),
            )
        )
    facility = _facility_of(r, i, v.orgUnit or top.orgUnit)
    given = v.period or top.period
    period = None
    if element is not None:
        try:
            period = r.period(given or "", element[0])
        except InputError as error:
            r.fail(
                problem(
                    _at(i, "period"),
                    "dhis2_bad_period",
                    None,
                    value=repr(given),
                    type=error.values["type"],
                )
            )
    counted = _count_ok(r, i, v.value)
    ok = attribute in (None, DEFAULT_CODE, DEFAULT_COC_UID) and counted
    if not ok or element is None or facility is None or cell is None or period is None:
        return None
    return element[0], element[1].code, cell, facility.id, period


def _groups(r: _Resolver, payload: DataValueSetIn) -> dict[tuple[str, str, str], _Group]:
    given_set = None
    if payload.dataSet is not None:
        given_set = r.known(payload.dataSet, r.codebook.datasets)
        if given_set is None:
            r.problems.append(
                problem("dataSet", "dhis2_unknown_dataset", None, value=repr(payload.dataSet))
            )
    groups: dict[tuple[str, str, str], _Group] = {}
    for i, v in enumerate(payload.dataValues):
        found = _one(r, i, v, payload, given_set)
        if found is None:
            continue
        dataset, element, cell, facility, period = found
        key = (dataset.id, facility, period)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(dataset, facility, period, first=i)
        if (element, cell) in group.cells:
            r.fail(problem(_at(i, "value"), "dhis2_value_twice", None, element=element, cell=cell))
            continue
        group.cells.add((element, cell))
        group.values.append(RawValue(element, cell, v.value, f"dataValues[{i}].value"))
    return groups


REPORT_FIELDS = {"facility": "orgUnit", "period": "period", "values": "value"}


def _named(group: _Group, found: Sequence[FieldError]) -> list[FieldError]:
    """The watch's problems of a report, each named by a value of the payload."""
    return [
        replace(p, field=f"dataValues[{group.first}].{REPORT_FIELDS[p.field]}")
        if p.field in REPORT_FIELDS
        else p
        for p in found
    ]


def _resolver(session: Session, scheme: IdScheme) -> _Resolver:
    index = TerritoryIndex.from_session(session)
    facilities: dict[str, Facility] = {}
    for f in exported_facilities(session, index, NATION):
        facilities[f.id] = facilities[uid("ou", f.id)] = f
    territories = {c for t in index.by_code for c in (t, uid("ou", t))}
    codebook = Codebook.of(available_datasets().values())
    return _Resolver(session, scheme, codebook, facilities, territories)


def import_values(
    session: Session,
    actor_for: ActorFor,
    payload: DataValueSetIn,
    scheme: IdScheme = IdScheme.CODE,
    catchments: Catchments = catchment_populations,
    source: str = "dataValueSets",
) -> ImportResult:
    """The payload's values written as reports, all or nothing (module docstring)."""
    r = _resolver(session, scheme)
    groups = _groups(r, payload)
    existing = _existing(session, groups)
    populations = catchments(session)
    fresh: list[tuple[Checked, Actor]] = []
    changes: list[tuple[Report, list[RawValue], Actor]] = []
    counts = {"imported": 0, "updated": 0, "ignored": 0}
    unchanged: list[int] = []
    for key, group in groups.items():
        report = existing.get(key)
        if report is None:
            given = ReportInput(group.dataset.id, group.facility, group.period, group.values)
            facility = r.facilities[group.facility]
            checked, found = check_facility_report(facility, given, populations)
            r.problems += _named(group, found)
            if checked is not None:
                fresh.append((checked, actor_for(checked.facility)))
                counts["imported"] += len(group.values)
            continue
        merged, tally = _merge(report, group)
        if tally["imported"] + tally["updated"] == 0:  # nothing changes: a frozen one too
            counts["ignored"] += tally["ignored"]
            unchanged.append(report.id)
            continue
        if report.frozen:
            r.problems.append(
                problem(
                    f"dataValues[{group.first}].orgUnit",
                    "dhis2_report_frozen",
                    None,
                    id=report.id,
                    facility=group.facility,
                    period=group.period,
                )
            )
            continue
        for name, n in tally.items():
            counts[name] += n
        facility = r.facilities[group.facility]
        given = ReportInput(group.dataset.id, group.facility, group.period, merged)
        _checked, found = check_facility_report(facility, given, populations)
        r.problems += _named(group, found)
        changes.append((report, merged, actor_for(facility)))
    if r.problems:
        raise too_many(r.problems, source)
    submitted = submit_checked(session, [a for _, a in fresh], [c for c, _ in fresh])
    corrected = [
        correct_report(
            session,
            actor,
            report.id,
            merged,
            CORRECTION_REASON,
            report.version,
            lambda _s: populations,
        )
        for report, merged, actor in changes
    ]
    return ImportResult(
        Counts(**counts),
        tuple(x.id for x in submitted),
        tuple(x.id for x in corrected),
        tuple(unchanged),
        len(payload.dataValues),
    )


def _existing(session: Session, groups: Mapping[tuple[str, str, str], _Group]) -> dict:
    found: dict[tuple[str, str, str], Report] = {}
    for dataset, period in {(k[0], k[2]) for k in groups}:
        facilities = sorted({k[1] for k in groups if (k[0], k[2]) == (dataset, period)})
        for report in list_reports(session, ReportFilter(dataset, period, facilities)):
            found[(dataset, report.facility_id, report.period)] = report
    return found


def _merge(report: Report, group: _Group) -> tuple[list[RawValue], dict[str, int]]:
    """The report's values with the group's over them, and how many of the group's are
    new, changed and the same."""
    before = {(v.element, v.disaggregation): v.value for v in report.values}
    tally = {"imported": 0, "updated": 0, "ignored": 0}
    given: dict[tuple[str, str], RawValue] = {}
    for raw in group.values:
        key = (raw.element, raw.disaggregation)
        count, _ = read_count(raw.value)
        if key not in before:
            tally["imported"] += 1
        elif before[key] != count:
            tally["updated"] += 1
        else:
            tally["ignored"] += 1
        given[key] = raw
    kept = [
        RawValue(e, d, value, f"report {report.id}")
        for (e, d), value in before.items()
        if (e, d) not in given
    ]
    return [*kept, *given.values()], tally
