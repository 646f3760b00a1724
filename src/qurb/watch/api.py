"""The periodic reports' routes: data sets (read by anyone; validated by watch.confirm over
the country), reports (submitted by watch.report over the facility, confirmed by
watch.confirm over its province, read by reports.read within the grants) and their
completeness."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from qurb.identity.grant_service import target_in
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.kernel.actor import Actor
from qurb.kernel.errors import NotFound
from qurb.kernel.values import NO_NUL_PATTERN
from qurb.platform.access import Public
from qurb.platform.files import InputFileError
from qurb.platform.form_upload import UploadedFile, read_upload, upload_body, uploaded_file
from qurb.platform.http import IdPath, IfMatch, SessionDep, StateDep, version_etag, wanted_versions
from qurb.platform.schemas import ERROR_RESPONSES, VERSIONED_WRITE_RESPONSES
from qurb.platform.state import AppState
from qurb.registry.service import FacilityFilter, get_facility, list_facilities
from qurb.registry.targets import facility_target
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex
from qurb.watch.completeness import compute_completeness
from qurb.watch.datasets import available_datasets, get_dataset
from qurb.watch.imports import COLUMNS, read_report_file
from qurb.watch.schemas import (
    CompletenessRead,
    DatasetRead,
    DatasetSummary,
    Imported,
    ReportCorrection,
    ReportCreate,
    ReportRead,
    ValidationRead,
    ValueIn,
)
from qurb.watch.service import (
    RawValue,
    ReportFilter,
    ReportInput,
    confirm_report,
    correct_report,
    dataset_validation,
    get_report,
    list_reports,
    submit_report,
    submit_reports,
    validate_dataset,
)

# A report's id, within what a database integer column holds everywhere.
ReportId = Annotated[int, Path(ge=1, le=2**31 - 1, description="a report's id")]

router = APIRouter(prefix="/api", tags=["reports"], responses=ERROR_RESPONSES)

ReadReports = Annotated[Guard, needs(Permission.REPORTS_READ)]
Report_ = Annotated[Guard, needs(Permission.WATCH_REPORT)]
Confirm = Annotated[Guard, needs(Permission.WATCH_CONFIRM)]
QueryText = Annotated[str | None, Query(max_length=64, pattern=NO_NUL_PATTERN)]
SUFFIXES = (".csv", ".xlsx")
NATION = "MA"


@router.get("/datasets", response_model=list[DatasetSummary], summary="The data sets reported")
def datasets(session: SessionDep, _: Public) -> list[DatasetSummary]:
    return [
        DatasetSummary.of(d, dataset_validation(session, d)) for d in available_datasets().values()
    ]


@router.get(
    "/datasets/{dataset_id}",
    response_model=DatasetRead,
    summary="One data set: its elements, their cells, what is unconfirmed and why",
)
def dataset(dataset_id: IdPath, session: SessionDep, _: Public) -> DatasetRead:
    found = get_dataset(dataset_id)
    return DatasetRead.full(found, dataset_validation(session, found))


@router.post(
    "/datasets/{dataset_id}/validate",
    response_model=ValidationRead,
    summary="Validate the data set's version (watch.confirm over the whole country)",
)
def validate(dataset_id: IdPath, state: StateDep, guard: Confirm) -> ValidationRead:
    with state.write() as session:
        actor = guard.over(target_in(state.part(TerritoryIndex), NATION))
        done = validate_dataset(session, actor, dataset_id)
        return ValidationRead(**done.__dict__)


def _raw(values: Sequence[ValueIn]) -> list[RawValue]:
    return [
        RawValue(v.element, v.disaggregation, v.value, f"values[{i}].value")
        for i, v in enumerate(values)
    ]


def _over_facility(
    guard: Guard, session: Session, index: TerritoryIndex, facility_id: str
) -> Actor:
    return guard.over(facility_target(session, index, get_facility(session, facility_id)))


def _over_province(guard: Guard, session: Session, index: TerritoryIndex, report_id: int) -> Actor:
    facility = get_facility(session, get_report(session, report_id).facility_id)
    return guard.over(target_in(index, facility.province_code))


def _answer(report: ReportRead, response: Response) -> ReportRead:
    response.headers["ETag"] = version_etag(report.version)
    return report


@router.post(
    "/reports",
    response_model=ReportRead,
    status_code=201,
    summary="Submit a facility's report for a period (watch.report over the facility)",
)
def submit(
    payload: ReportCreate, state: StateDep, response: Response, guard: Report_
) -> ReportRead:
    given = ReportInput(payload.dataset, payload.facility, payload.period, _raw(payload.values))
    with state.write() as session:
        actor = _over_facility(guard, session, state.part(TerritoryIndex), payload.facility)
        return _answer(ReportRead.of(submit_report(session, actor, given)), response)


@router.get(
    "/reports",
    response_model=list[ReportRead],
    summary="The current reports of a data set, territory and period, within the grants",
)
def reports(
    session: SessionDep,
    index: IndexDep,
    guard: ReadReports,
    dataset: QueryText = None,
    territory: QueryText = None,
    period: Annotated[str | None, Query(max_length=16, pattern=NO_NUL_PATTERN)] = None,
) -> list[ReportRead]:
    facilities = list_facilities(
        session, FacilityFilter(territory=territory or None, status=None), index
    )
    allowed = {f.id for f in facilities if guard.allows(facility_target(session, index, f))}
    found = list_reports(session, ReportFilter(dataset, period, sorted(allowed)))
    return [ReportRead.of(r) for r in found]


@router.post(
    "/reports/{report_id}/confirm",
    response_model=ReportRead,
    summary="Confirm a report (watch.confirm over its province; If-Match): it is frozen",
    responses=VERSIONED_WRITE_RESPONSES,
)
def confirm(
    report_id: ReportId,
    state: StateDep,
    response: Response,
    guard: Confirm,
    if_match: IfMatch = None,
) -> ReportRead:
    with state.write() as session:
        actor = _over_province(guard, session, state.part(TerritoryIndex), report_id)
        version = wanted_versions(if_match)
        return _answer(ReportRead.of(confirm_report(session, actor, report_id, version)), response)


@router.post(
    "/reports/{report_id}/corrections",
    response_model=ReportRead,
    status_code=201,
    summary="Correct a report (watch.report over the facility; If-Match): a new version, "
    "the earlier kept; refused once confirmed",
    responses=VERSIONED_WRITE_RESPONSES,
)
def correct(
    report_id: ReportId,
    payload: ReportCorrection,
    state: StateDep,
    response: Response,
    guard: Report_,
    if_match: IfMatch = None,
) -> ReportRead:
    with state.write() as session:
        index = state.part(TerritoryIndex)
        actor = _over_facility(guard, session, index, get_report(session, report_id).facility_id)
        version = wanted_versions(if_match)
        corrected = correct_report(
            session, actor, report_id, _raw(payload.values), payload.reason, version
        )
        return _answer(ReportRead.of(corrected), response)


def _import(state: AppState, guard: Guard, upload: UploadedFile) -> Imported:
    given = read_upload(upload, read_report_file, "reports")
    index = state.part(TerritoryIndex)
    with state.write() as session:
        actors = []
        for item in given:
            try:
                actors.append(_over_facility(guard, session, index, item.facility_id))
            except NotFound:
                actors.append(guard.actor)  # refused by the checks, with its row named
        done = submit_reports(session, actors, given, source=upload.name)
        return Imported(submitted=len(done), reports=[r.id for r in done])


@router.post(
    "/reports/import",
    response_model=Imported,
    summary="Submit reports from a CSV or XLSX file (watch.report over each facility): all or none",
    openapi_extra=upload_body(
        "the reports: a CSV or XLSX file, one cell a row (columns: " + ", ".join(COLUMNS) + ")"
    ),
)
async def import_file(request: Request, state: StateDep, guard: Report_) -> Imported:
    """The form's part `file`; its rows numbered as a spreadsheet shows them (the header is
    line 1). A refusal names every bad row and column and submits nothing."""
    upload = await uploaded_file(request)
    suffix = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if suffix not in SUFFIXES:
        values = {
            "path": upload.name,
            "suffix": suffix or upload.name,
            "supported": ", ".join(SUFFIXES),
        }
        raise InputFileError(code="unsupported_file_type", values=values)
    if not upload.data.strip():
        raise InputFileError(code="empty_file", values={"path": upload.name})
    return await run_in_threadpool(_import, state, guard, upload)


@router.get(
    "/completeness",
    response_model=CompletenessRead,
    summary="Completeness and timeliness of a data set's reports for a period: per facility, "
    "commune, province and region; the silent facilities",
)
def completeness(
    session: SessionDep,
    index: IndexDep,
    guard: ReadReports,
    territory: Annotated[str, Query(max_length=64, pattern=NO_NUL_PATTERN)],
    dataset: Annotated[str, Query(max_length=64, pattern=NO_NUL_PATTERN)],
    period: Annotated[str, Query(max_length=16, pattern=NO_NUL_PATTERN)],
) -> CompletenessRead:
    unit = index.resolve(territory)
    guard.over(target_in(index, unit.code))
    return CompletenessRead.of(compute_completeness(session, unit.code, dataset, period, index))
