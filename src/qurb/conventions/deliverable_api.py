"""A convention's deliverables on the web: listed, with their actuals' history, by an
account holding `conventions.read` over the convention; added and moved along their
statuses, and amended, by the secretariat (`conventions.manage` over every territory it covers;
If-Match: the deliverable's version for a move); their actuals and evidence reported by
a party's users (`conventions.party`, acting for the owner party: another party's
deliverable is a 403) or the secretariat; a period's physical execution."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from qurb.conventions.acting import reporter
from qurb.conventions.api import ConventionId, Filter, ManageConventions, ReadConventions
from qurb.conventions.deliverable_amend import update_deliverable
from qurb.conventions.deliverable_schemas import (
    ActualBody,
    DeliverableAmendBody,
    DeliverableBody,
    DeliverableRead,
    DeliverableStatusBody,
    PhysicalRead,
)
from qurb.conventions.deliverable_service import (
    attach_evidence,
    create_deliverable,
    get_deliverable,
    list_deliverables,
    move_deliverable,
    physical_execution,
    report_actual,
)
from qurb.conventions.listing import targets_of
from qurb.conventions.records import Convention
from qurb.conventions.service import get_convention
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.kernel.actor import Actor
from qurb.platform.form_upload import upload_body, uploaded_file
from qurb.platform.http import IfMatch, SessionDep, StateDep, version_etag, wanted_versions
from qurb.platform.schemas import ERROR_RESPONSES, VERSIONED_WRITE_RESPONSES
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api/conventions", tags=["conventions"], responses=ERROR_RESPONSES)

DeliverableId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ReportDeliverables = Annotated[Guard, needs(Permission.CONVENTIONS_PARTY)]
Period = Annotated[str, Query(min_length=4, max_length=7, pattern=r"^\d{4}(-\d{2})?$")]


def _reader(guard: Guard, index: TerritoryIndex, convention: Convention) -> None:
    targets = targets_of(index, convention)
    if not any(guard.allows(t) for t in targets):
        guard.over(targets[0])


def _writer(guard: Guard, index: TerritoryIndex, convention: Convention) -> Actor:
    return [guard.over(t) for t in targets_of(index, convention)][-1]


def _answer(item: DeliverableRead, response: Response) -> DeliverableRead:
    response.headers["ETag"] = version_etag(item.version)
    return item


@router.get("/{convention_id}/deliverables", response_model=list[DeliverableRead])
def deliverables(
    convention_id: ConventionId, session: SessionDep, index: IndexDep, guard: ReadConventions
) -> list[DeliverableRead]:
    """A convention's deliverables with their indicator, the objects they concern, their
    actuals' history and their evidence, in the order they were added."""
    _reader(guard, index, get_convention(session, convention_id))
    return [DeliverableRead.of(d) for d in list_deliverables(session, convention_id)]


@router.post("/{convention_id}/deliverables", response_model=DeliverableRead, status_code=201)
def add(
    convention_id: ConventionId,
    body: DeliverableBody,
    state: StateDep,
    guard: ManageConventions,
    response: Response,
) -> DeliverableRead:
    """A new deliverable (planned): its owner one of the convention's parties, a known
    deadline within the convention's known start and end, the objects it concerns existing
    (a facility not closed); every bad field named (422), nothing written then."""
    index = state.part(TerritoryIndex)
    item = body.deliverable()
    with state.write() as session:
        actor = _writer(guard, index, get_convention(session, convention_id))
        made = create_deliverable(session, actor, convention_id, item, index=index)
        return _answer(DeliverableRead.of(made), response)


@router.put(
    "/{convention_id}/deliverables/{deliverable_id}",
    response_model=DeliverableRead,
    responses=VERSIONED_WRITE_RESPONSES,
)
def amend(
    convention_id: ConventionId,
    deliverable_id: DeliverableId,
    body: DeliverableAmendBody,
    state: StateDep,
    guard: ManageConventions,
    response: Response,
    if_match: IfMatch = None,
) -> DeliverableRead:
    """Replace a deliverable's fields (If-Match: its version), each changed field kept in
    its `changes` with the value it replaced and the amendment that made it. Once the
    convention is signed, its owner, deadline, weight, indicator kind and target change
    only with `amendment_number` (an amendment the convention holds); a delivered or
    dropped deliverable is final; after an actual was reported its owner and kind stay
    (422, every problem named, nothing written)."""
    index = state.part(TerritoryIndex)
    version = wanted_versions(if_match)
    item = body.deliverable()
    with state.write() as session:
        actor = _writer(guard, index, get_convention(session, convention_id))
        amended = update_deliverable(
            session,
            actor,
            convention_id,
            deliverable_id,
            item,
            amendment_number=body.amendment_number,
            if_version=version,
            index=index,
        )
        return _answer(DeliverableRead.of(amended), response)


@router.post(
    "/{convention_id}/deliverables/{deliverable_id}/status",
    response_model=DeliverableRead,
    responses=VERSIONED_WRITE_RESPONSES,
)
def status(
    convention_id: ConventionId,
    deliverable_id: DeliverableId,
    body: DeliverableStatusBody,
    state: StateDep,
    guard: ManageConventions,
    response: Response,
    if_match: IfMatch = None,
) -> DeliverableRead:
    """Move a deliverable along its statuses (If-Match: its version): planned → in
    progress → delivered; late from planned or in progress, and back to in progress;
    dropped from any open one; delivered and dropped are final (422 otherwise)."""
    index = state.part(TerritoryIndex)
    version = wanted_versions(if_match)
    with state.write() as session:
        actor = _writer(guard, index, get_convention(session, convention_id))
        moved = move_deliverable(
            session, actor, convention_id, deliverable_id, body.status, if_version=version
        )
        return _answer(DeliverableRead.of(moved), response)


@router.post(
    "/{convention_id}/deliverables/{deliverable_id}/actuals",
    response_model=DeliverableRead,
    status_code=201,
)
def actual(
    convention_id: ConventionId,
    deliverable_id: DeliverableId,
    body: ActualBody,
    state: StateDep,
    guard: ReportDeliverables,
    response: Response,
) -> DeliverableRead:
    """Report the indicator's actual for a period (a year or a year-month); a value not
    of the indicator's kind ("N/A" for a count) is named, 422. Every report is kept."""
    index = state.part(TerritoryIndex)
    with state.write() as session:
        convention = get_convention(session, convention_id)
        owner = get_deliverable(session, convention_id, deliverable_id).owner
        actor = reporter(guard, index, convention, owner)
        reported = report_actual(
            session, actor, convention_id, deliverable_id, body.period, body.value, body.note
        )
        return _answer(DeliverableRead.of(reported), response)


@router.post(
    "/{convention_id}/deliverables/{deliverable_id}/documents",
    response_model=DeliverableRead,
    status_code=201,
    openapi_extra=upload_body("a PDF, JPEG, PNG or XLSX document, at most 20 MB"),
)
async def evidence(
    convention_id: ConventionId,
    deliverable_id: DeliverableId,
    request: Request,
    state: StateDep,
    guard: ReportDeliverables,
    response: Response,
    kind: Filter = None,
) -> DeliverableRead:
    """Attach the form's part `file` as the deliverable's evidence: a convention
    document (its kind told by its content, at most 20 MB) tied to it; by the owner
    party's users or the secretariat (another party's user: 403, once the file is read,
    as a body is read before the other writes' checks)."""
    index = state.part(TerritoryIndex)

    def allowed() -> None:  # before the file is read: within the grants' scope
        with state.factory() as session:
            get_deliverable(session, convention_id, deliverable_id)
            _reader(guard, index, get_convention(session, convention_id))

    await run_in_threadpool(allowed)
    upload = await uploaded_file(request)

    def attach() -> DeliverableRead:
        with state.write() as session:
            convention = get_convention(session, convention_id)
            owner = get_deliverable(session, convention_id, deliverable_id).owner
            actor = reporter(guard, index, convention, owner)
            item = attach_evidence(
                session,
                actor,
                convention_id,
                deliverable_id,
                upload.name,
                upload.data,
                claimed=kind,
            )
            return _answer(DeliverableRead.of(item), response)

    return await run_in_threadpool(attach)


@router.get("/{convention_id}/execution/physical", response_model=PhysicalRead)
def physical(
    convention_id: ConventionId,
    period: Period,
    session: SessionDep,
    index: IndexDep,
    guard: ReadConventions,
) -> PhysicalRead:
    """The period's physical execution: the mean over the deliverables owed of
    min(actual ÷ target, 1) (yes/no 0 or 1; the convention's weights when every one has
    one), with how many are measured, have no known actual or no target, per deliverable."""
    _reader(guard, index, get_convention(session, convention_id))
    return PhysicalRead.of(physical_execution(session, convention_id, period))
