"""Reports: submitted for a facility, a data set and a period, corrected as new versions,
confirmed by the province (which freezes them), listed; and the validation of a data set.

A report's values are checked all at once (every bad cell named, nothing written): counts
whole and not negative, no element or disaggregation the data set lacks, no element whose
total passes the population of the facility's catchment (the communes `access
catchments` assigns to it), a period of the data set's type that is over, a facility
whose category reports the data set, no second report for the same period (a change is a
correction), no change to a frozen one."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qurb.algo.travel import TravelTimeModel
from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Conflict, FieldError, InputError, NotFound, StaleVersion
from qurb.kernel.i18n import problem
from qurb.kernel.rows import too_many
from qurb.registry.model import Facility
from qurb.registry.service import get_facility
from qurb.watch._tables import DatasetValidationRow, ReportRow, ReportValueRow
from qurb.watch.datasets import get_dataset
from qurb.watch.model import (
    DataSet,
    Period,
    ReportStatus,
    Value,
    element_totals,
    parse_period,
    read_count,
    reportable,
)

# Facility id → population of the communes its catchment holds (a facility assigned no
# commune is absent: its count is not checked against a catchment of nobody).
Catchments = Callable[[Session], Mapping[str, int]]


def catchments_on(model: TravelTimeModel | None = None) -> Catchments:
    """Each facility's catchment population as `qurb access catchments` computes it
    (every commune of the country to its nearest facility, on `model`: the bundled
    commune graph by default)."""

    def populations(session: Session) -> dict[str, int]:
        from qurb.access.service import compute_catchment_rows
        from qurb.access.travel_models import make_model
        from qurb.registry.points import FacilitySelector
        from qurb.territory.service import TerritoryIndex

        index = TerritoryIndex.from_session(session)
        rows = compute_catchment_rows(
            session,
            index.resolve("MA"),
            FacilitySelector.from_options((), (), (), None),
            model or make_model(session),
            index,
        )
        return {r["id"]: r["catchment_population"] for r in rows if r["communes_served"]}

    return populations


catchment_populations = catchments_on()


@dataclass(frozen=True)
class RawValue:
    """A cell as given: its element, disaggregation and count, and where it was given
    (`field`, and `row` for a file) so a problem names it."""

    element: str
    disaggregation: str
    value: Any
    field: str
    row: int | None = None


@dataclass(frozen=True)
class ReportInput:
    dataset_id: str
    facility_id: str
    period: str
    values: Sequence[RawValue]
    row: int | None = None  # the file's first row of this report, for its problems


@dataclass(frozen=True)
class Report:
    id: int
    dataset_id: str
    dataset_version: str
    facility_id: str
    period: str
    revision: int
    current: bool
    status: ReportStatus
    received_at: datetime
    submitted_at: datetime
    submitted_by: str
    confirmed_at: datetime | None
    confirmed_by: str | None
    reason: str | None
    version: int
    values: tuple[Value, ...] = field(default=())

    @property
    def frozen(self) -> bool:
        return self.status is ReportStatus.CONFIRMED

    @property
    def zero(self) -> bool:
        """A zero report: every value given is 0 (not the same as no report)."""
        return all(v.value == 0 for v in self.values)


def _report(row: ReportRow, values: Sequence[ReportValueRow]) -> Report:
    return Report(
        id=row.id,
        dataset_id=row.dataset_id,
        dataset_version=row.dataset_version,
        facility_id=row.facility_id,
        period=row.period,
        revision=row.revision,
        current=row.current,
        status=ReportStatus(row.status),
        received_at=row.received_at,
        submitted_at=row.submitted_at,
        submitted_by=row.submitted_by,
        confirmed_at=row.confirmed_at,
        confirmed_by=row.confirmed_by,
        reason=row.reason,
        version=row.version,
        values=tuple(
            Value(v.element, v.disaggregation, v.value)
            for v in sorted(values, key=lambda v: (v.element, v.disaggregation))
        ),
    )


def _values_problems(
    dataset: DataSet, raw: Sequence[RawValue]
) -> tuple[list[Value], list[FieldError]]:
    values: list[Value] = []
    problems: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for cell in raw:
        if dataset.element(cell.element) is None:
            problems.append(
                problem(cell.field, "value_unknown_element", cell.row, element=repr(cell.element))
            )
            continue
        combos = dataset.combos[cell.element]
        if cell.disaggregation not in combos:
            values_ = {"element": cell.element, "disaggregation": repr(cell.disaggregation)}
            values_["allowed"] = ", ".join(c or '""' for c in combos)
            problems.append(
                problem(cell.field, "value_unknown_disaggregation", cell.row, **values_)
            )
            continue
        key = (cell.element, cell.disaggregation)
        if key in seen:
            problems.append(
                problem(cell.field, "value_twice", cell.row, element=cell.element, cell=key[1])
            )
            continue
        seen.add(key)
        count, code = read_count(cell.value)
        if code is not None or count is None:
            problems.append(
                problem(cell.field, code or "count_not_number", cell.row, got=cell.value)
            )
            continue
        values.append(Value(cell.element, cell.disaggregation, count))
    return values, problems


def _catchment_problems(
    facility: Facility, values: Sequence[Value], raw: Sequence[RawValue], population: int | None
) -> list[FieldError]:
    if population is None:
        return []
    problems = []
    for element, total in element_totals(values).items():
        if total > population:
            first = next(c for c in raw if c.element == element)
            problems.append(
                problem(
                    first.field,
                    "count_above_catchment",
                    first.row,
                    element=element,
                    count=total,
                    population=population,
                    facility=facility.name,
                )
            )
    return problems


@dataclass(frozen=True)
class Checked:
    dataset: DataSet
    facility: Facility
    period: Period
    values: tuple[Value, ...]


def check_report(
    session: Session,
    given: ReportInput,
    catchments: Mapping[str, int],
    today: date | None = None,
) -> tuple[Checked | None, list[FieldError]]:
    """The report checked, or every problem found in it (each naming its cell)."""
    try:
        facility = get_facility(session, given.facility_id)
    except NotFound:
        return None, [problem("facility", "no_facility", given.row, id=repr(given.facility_id))]
    return check_facility_report(facility, given, catchments, today)


def check_facility_report(
    facility: Facility,
    given: ReportInput,
    catchments: Mapping[str, int],
    today: date | None = None,
) -> tuple[Checked | None, list[FieldError]]:
    """`check_report` for a facility already read (many reports checked at once)."""
    dataset = get_dataset(given.dataset_id)
    problems: list[FieldError] = []
    if not dataset.reported_by(facility.category):
        problems.append(
            problem(
                "facility",
                "facility_not_reporting",
                given.row,
                facility=facility.name,
                category=facility.category,
                dataset=dataset.id,
            )
        )
    period: Period | None = None
    try:
        period = parse_period(given.period, dataset.period)
        reportable(period, today or clock.today())
    except InputError as error:
        problems.append(problem("period", error.code, given.row, **error.values))
    values, value_problems = _values_problems(dataset, given.values)
    problems += value_problems
    if not given.values:
        problems.append(problem("values", "report_empty", given.row))
    problems += _catchment_problems(facility, values, given.values, catchments.get(facility.id))
    if problems or period is None:
        return None, problems
    return Checked(dataset, facility, period, tuple(values)), []


def _current(session: Session, dataset_id: str, facility_id: str, period: str) -> ReportRow | None:
    return session.scalars(
        select(ReportRow).where(
            ReportRow.dataset_id == dataset_id,
            ReportRow.facility_id == facility_id,
            ReportRow.period == period,
            ReportRow.current == true(),
        )
    ).first()


def _event(
    action: str, report: Report, facility: Facility | None, reason: str | None = None
) -> AuditEvent:
    territory = facility.commune_code if facility else None
    after = {
        "dataset": report.dataset_id,
        "dataset_version": report.dataset_version,
        "facility": report.facility_id,
        "period": report.period,
        "revision": report.revision,
        "status": report.status.value,
        "values": [[v.element, v.disaggregation, v.value] for v in report.values],
    }
    return AuditEvent(action, "report", str(report.id), territory, None, after, reason)


def _insert(
    session: Session,
    actor: Actor,
    checked: Checked,
    revision: int,
    received_at: datetime | None,
    reason: str | None,
) -> Report:
    moment = clock.now()
    row = ReportRow(
        dataset_id=checked.dataset.id,
        dataset_version=checked.dataset.version,
        facility_id=checked.facility.id,
        period=checked.period.code,
        revision=revision,
        current=True,
        status=ReportStatus.SUBMITTED.value,
        received_at=received_at or moment,
        submitted_at=moment,
        submitted_by=str(actor),
        reason=reason,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # another writer's report for the same period came first
        raise Conflict(code="report_exists", values={"period": checked.period.code}) from None
    cells = [
        ReportValueRow(
            report_id=row.id, element=v.element, disaggregation=v.disaggregation, value=v.value
        )
        for v in checked.values
    ]
    session.add_all(cells)
    session.flush()
    return _report(row, cells)


def _refuse_duplicate(session: Session, checked: Checked, row: int | None) -> None:
    existing = _current(session, checked.dataset.id, checked.facility.id, checked.period.code)
    if existing is not None:
        raise InputError(
            [
                problem(
                    "period",
                    "report_exists",
                    row,
                    facility=checked.facility.name,
                    period=checked.period.code,
                    id=existing.id,
                )
            ]
        )


def submit_reports(
    session: Session,
    actor: Actor | Sequence[Actor],
    given: Sequence[ReportInput],
    catchments: Catchments = catchment_populations,
    source: str = "",
) -> list[Report]:
    """Reports submitted all or none: every problem of every report found first. `actor`
    is one for all, or one per report (each report's facility checked by its grant)."""
    populations = catchments(session)
    checked: list[Checked] = []
    problems: list[FieldError] = []
    keys: set[tuple[str, str, str]] = set()
    for item in given:
        one, found = check_report(session, item, populations)
        problems += found
        if one is None:
            continue
        key = (one.dataset.id, one.facility.id, one.period.code)
        try:
            if key in keys:
                raise InputError([problem("period", "report_twice", item.row, period=key[2])])
            _refuse_duplicate(session, one, item.row)
        except InputError as error:
            problems += error.errors
            continue
        keys.add(key)
        checked.append(one)
    if problems:
        raise too_many(problems, source)
    actors = [actor] * len(checked) if isinstance(actor, Actor) else list(actor)
    reports = []
    for who, one in zip(actors, checked, strict=True):
        report = _insert(session, who, one, 1, None, None)
        audit.record(session, who, _event("report.submit", report, one.facility))
        reports.append(report)
    rerun_signals(session, actors[0] if actors else None, reports)
    return reports


def rerun_signals(session: Session, actor: Actor | None, reports: Sequence[Report]) -> None:
    """Outbreak detection rerun for the weeks and units the reports touch, in their
    transaction (watch.signals); the first report's actor stands for a batch's changes of
    signal status."""
    if actor is None or not reports:
        return
    from qurb.watch.signals import after_reports

    touched = {(r.dataset_id, r.facility_id, r.period) for r in reports}
    after_reports(session, actor, sorted(touched), clock.now())


def submit_report(
    session: Session,
    actor: Actor,
    given: ReportInput,
    catchments: Catchments = catchment_populations,
) -> Report:
    """One report submitted (its first version)."""
    return submit_reports(session, actor, [given], catchments)[0]


IfVersion = int | frozenset[int] | None  # the version(s) the writer read (If-Match)


def _locked(session: Session, report_id: int, if_version: IfVersion) -> ReportRow:
    row = session.get(ReportRow, report_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound(code="no_report", values={"id": report_id})
    wanted = {if_version} if isinstance(if_version, int) else if_version
    if wanted is not None and row.version not in wanted:
        raise StaleVersion("report", str(report_id), max(wanted, default=None), row.version)
    if row.status == ReportStatus.CONFIRMED.value:
        raise Conflict(code="report_frozen", values={"id": report_id, "period": row.period})
    if not row.current:
        raise Conflict(code="report_superseded", values={"id": report_id})
    return row


def correct_report(
    session: Session,
    actor: Actor,
    report_id: int,
    values: Sequence[RawValue],
    reason: str,
    if_version: IfVersion = None,
    catchments: Catchments = catchment_populations,
) -> Report:
    """A correction: a new version of the report with these values, the earlier kept
    (no longer current); refused for a frozen (confirmed) report."""
    row = _locked(session, report_id, if_version)
    given = ReportInput(row.dataset_id, row.facility_id, row.period, values)
    checked, problems = check_report(session, given, catchments(session))
    if problems or checked is None:
        raise InputError(errors=problems)
    row.current = False
    session.flush()
    report = _insert(session, actor, checked, row.revision + 1, row.received_at, reason)
    audit.record(session, actor, _event("report.correct", report, checked.facility, reason))
    rerun_signals(session, actor, [report])
    return report


def confirm_report(
    session: Session, actor: Actor, report_id: int, if_version: IfVersion = None
) -> Report:
    """The province confirms the report: it is frozen from now on."""
    row = _locked(session, report_id, if_version)
    row.status = ReportStatus.CONFIRMED.value
    row.confirmed_at = clock.now()
    row.confirmed_by = str(actor)
    session.flush()
    report = get_report(session, report_id)
    facility = get_facility(session, row.facility_id)
    audit.record(session, actor, _event("report.confirm", report, facility))
    rerun_signals(session, actor, [report])
    return report


def get_report(session: Session, report_id: int) -> Report:
    row = session.get(ReportRow, report_id)
    if row is None:
        raise NotFound(code="no_report", values={"id": report_id})
    cells = session.scalars(select(ReportValueRow).where(ReportValueRow.report_id == row.id))
    return _report(row, list(cells))


def report_facility(session: Session, report_id: int) -> Facility:
    return get_facility(session, get_report(session, report_id).facility_id)


@dataclass(frozen=True)
class ReportFilter:
    dataset: str | None = None
    period: str | None = None
    facilities: Sequence[str] | None = None  # None: every facility
    current_only: bool = True


def list_reports(session: Session, flt: ReportFilter) -> list[Report]:
    """The reports of the filter (current versions unless asked), by period and facility."""
    query = select(ReportRow)
    if flt.dataset:
        query = query.where(ReportRow.dataset_id == flt.dataset)
    if flt.period:
        period = flt.period
        if flt.dataset:
            period = parse_period(flt.period, get_dataset(flt.dataset).period).code
        query = query.where(ReportRow.period == period)
    if flt.facilities is not None:
        query = query.where(ReportRow.facility_id.in_(list(flt.facilities)))
    if flt.current_only:
        query = query.where(ReportRow.current == true())
    rows = list(
        session.scalars(query.order_by(ReportRow.period, ReportRow.facility_id, ReportRow.revision))
    )
    cells: dict[int, list[ReportValueRow]] = {r.id: [] for r in rows}
    if rows:
        for cell in session.scalars(
            select(ReportValueRow).where(ReportValueRow.report_id.in_(list(cells)))
        ):
            cells[cell.report_id].append(cell)
    return [_report(r, cells[r.id]) for r in rows]


@dataclass(frozen=True)
class Validation:
    dataset_id: str
    dataset_version: str
    validated_at: datetime
    validated_by: str


def dataset_validation(session: Session, dataset: DataSet) -> Validation | None:
    row = session.get(DatasetValidationRow, (dataset.id, dataset.version))
    if row is None:
        return None
    return Validation(row.dataset_id, row.dataset_version, row.validated_at, row.validated_by)


def validate_dataset(session: Session, actor: Actor, dataset_id: str) -> Validation:
    """The data set's current version validated (by a user holding watch.confirm over the
    whole country: the caller checks the grant): it no longer shows "to be validated"."""
    dataset = get_dataset(dataset_id)
    if not dataset.needs_validation:
        raise Conflict(code="dataset_needs_no_validation", values={"dataset": dataset.id})
    if dataset_validation(session, dataset) is not None:
        values = {"dataset": dataset.id, "version": dataset.version}
        raise Conflict(code="dataset_already_validated", values=values)
    row = DatasetValidationRow(
        dataset_id=dataset.id,
        dataset_version=dataset.version,
        validated_at=clock.now(),
        validated_by=str(actor),
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        values = {"dataset": dataset.id, "version": dataset.version}
        raise Conflict(code="dataset_already_validated", values=values) from None
    after = {"dataset": dataset.id, "version": dataset.version}
    audit.record(
        session, actor, AuditEvent("dataset.validate", "dataset", dataset.id, None, None, after)
    )
    return Validation(dataset.id, dataset.version, row.validated_at, row.validated_by)
