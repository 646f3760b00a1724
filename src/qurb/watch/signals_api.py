"""The outbreak signals' route: the signals of a territory's units, read by reports.read
over the territory (as the watch indicators are)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from qurb.identity.grant_service import target_in
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.kernel.values import NO_NUL_PATTERN
from qurb.platform.http import SessionDep
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.territory.api import IndexDep
from qurb.watch.signals import Signal, list_signals
from qurb.watch.signals_model import SignalStatus
from qurb.watch.triage_model import TriageState

router = APIRouter(prefix="/api/watch", tags=["reports"], responses=ERROR_RESPONSES)

ReadReports = Annotated[Guard, needs(Permission.REPORTS_READ)]
# A signal in a path: an id of the table (a 32-bit integer on PostgreSQL: larger is a 422).
SignalId = Annotated[int, Path(ge=1, le=2**31 - 1, description="a signal's id")]


class OutbreakSignalRead(BaseModel):
    id: int
    dataset: str
    element: str
    unit_code: str
    level: str
    territory_code: str
    week: str
    method: str
    parameters: str
    observed: int | None
    expected: float | None
    upperbound: float | None
    alarm: bool
    status: str
    provisional: bool
    first_raised_at: datetime
    last_computed_at: datetime
    revised_at: datetime | None
    triage_state: TriageState
    version: int  # its ETag, for a triage step's If-Match

    @classmethod
    def of(cls, s: Signal) -> OutbreakSignalRead:
        return cls(**s.__dict__)


@router.get(
    "/signals",
    response_model=list[OutbreakSignalRead],
    summary="The outbreak signals of a territory's facilities, communes, provinces and "
    "regions: active or revised, the method and its figures, where their alert's triage "
    "stands, the latest week first",
)
def signals(
    session: SessionDep,
    index: IndexDep,
    guard: ReadReports,
    territory: Annotated[str, Query(max_length=64, pattern=NO_NUL_PATTERN)],
    status: SignalStatus | None = None,
    week: Annotated[str | None, Query(max_length=16, pattern=NO_NUL_PATTERN)] = None,
    triage_state: TriageState | None = None,
) -> list[OutbreakSignalRead]:
    unit = index.resolve(territory)
    guard.over(target_in(index, unit.code))
    found = list_signals(session, unit.code, status, week, index, triage_state)
    return [OutbreakSignalRead.of(s) for s in found]
