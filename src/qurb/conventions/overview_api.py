"""What a convention's page shows a reader in full, in one body (`GET
/api/conventions/{id}/overview`): the convention, its deliverables, a period's physical
execution and the financial execution, as their own routes answer them.

Kept in memory, encoded, until the next write: the key holds the audit trail's last seq
(every write appends its entry in its own transaction, whichever process made it, so a
body is never older than the last write) and the day (what "today" decides). The reader's
right is checked on every request, on the convention's territories and parties alone;
the body is the same for every reader allowed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from qurb.conventions.api import ConventionId, ReadConventions, _reader
from qurb.conventions.deliverable_schemas import DeliverableRead, PhysicalRead
from qurb.conventions.deliverable_service import list_deliverables, physical_execution
from qurb.conventions.kept_api import kept_response
from qurb.conventions.money_execution import financial_execution
from qurb.conventions.money_schemas import ExecutionRead
from qurb.conventions.records import Convention
from qurb.conventions.schemas import ConventionRead
from qurb.conventions.service import ConventionNotFound, get_convention, light_conventions
from qurb.kernel import clock
from qurb.platform.http import StateDep
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.territory.api import IndexDep

router = APIRouter(prefix="/api/conventions", tags=["conventions"], responses=ERROR_RESPONSES)

Period = Annotated[
    str | None,
    Query(
        min_length=4,
        max_length=7,
        pattern=r"^\d{4}(-\d{2})?$",
        description="The physical execution's period (a year or a year-month); none: this year",
    ),
]


class OverviewRead(BaseModel):
    """A convention in full, its deliverables, the period's physical execution and the
    financial execution: what `GET /api/conventions/{id}`, `…/deliverables`,
    `…/execution/physical?period=` and `…/execution/financial` answer."""

    convention: ConventionRead
    deliverables: list[DeliverableRead]
    physical: PhysicalRead
    financial: ExecutionRead


def overview_body(session: Session, convention_id: int, period: str) -> OverviewRead:
    return OverviewRead(
        convention=ConventionRead.of(get_convention(session, convention_id)),
        deliverables=[DeliverableRead.of(d) for d in list_deliverables(session, convention_id)],
        physical=PhysicalRead.of(physical_execution(session, convention_id, period)),
        financial=ExecutionRead.of(financial_execution(session, convention_id)),
    )


@router.get(
    "/{convention_id:int}/overview",
    response_model=OverviewRead,
    summary="A convention's page in one body: the convention, deliverables, physical and "
    "financial execution",
)
async def overview(
    convention_id: ConventionId,
    request: Request,
    state: StateDep,
    index: IndexDep,
    guard: ReadConventions,
    period: Period = None,
) -> Response:
    """The four bodies a convention's page reads, for a reader in full (403 outside its
    grants; 404 for no such convention); ETag: a body already held is a 304."""
    today = clock.now().date()
    asked = period or str(today.year)

    def allowed(light: list[Convention]) -> None:
        if not light:
            raise ConventionNotFound(code="no_convention", values={"id": convention_id})
        _reader(guard, index, light[0])

    def check(session: Session, head: int) -> None:
        allowed(
            state.results.get_or_compute(
                ("conventions.light", convention_id, head),
                lambda: light_conventions(session, [convention_id]),
            )
        )  # its territories and parties, what the reader's right is checked on

    def check_kept(head: int) -> bool:
        light = state.results.peek(("conventions.light", convention_id, head))
        if light is None:
            return False
        allowed(light)
        return True

    return await kept_response(
        request,
        state,
        ("conventions.overview", convention_id, asked),
        lambda session: overview_body(session, convention_id, asked),
        today,
        check,
        check_kept,
    )
