"""The signed-in account's alerts: `GET /api/alerts` (those its grants reach, newest
first, worded in the reader's language) and `POST /api/alerts/{id}/read` (its own read
mark, audited)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from qurb.identity.alert_service import ReadableAlert, alerts_for, mark_read
from qurb.identity.guard import AnyAccount
from qurb.kernel.i18n import negotiate, translate
from qurb.platform.http import StateDep
from qurb.platform.schemas import AUTH_RESPONSES, ERROR_RESPONSES
from qurb.territory.service import TerritoryIndex

router = APIRouter(
    prefix="/api/alerts", tags=["alerts"], responses={**ERROR_RESPONSES, **AUTH_RESPONSES}
)

AlertIdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="an alert's id")]


class AlertRead(BaseModel):
    id: int
    kind: str
    subject_kind: str
    subject_id: str
    territory_code: str | None
    message: str = Field(description="the alert's words in the reader's language")
    words_key: str = Field(description="the catalogue key of its words")
    words_values: dict[str, Any]
    raised_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, item: ReadableAlert, lang: str) -> AlertRead:
        alert = item.alert
        return cls(
            id=alert.id,
            kind=alert.kind,
            subject_kind=alert.subject_kind,
            subject_id=alert.subject_id,
            territory_code=alert.territory_code,
            message=translate(lang, alert.words_key, alert.words_values),
            words_key=alert.words_key,
            words_values=dict(alert.words_values),
            raised_at=alert.raised_at,
            read_at=item.read_at,
        )


def _lang(request: Request) -> str:
    return negotiate(request.headers.get("accept-language"))


@router.get("", response_model=list[AlertRead], summary="The signed-in account's alerts")
def list_alerts(guard: AnyAccount, state: StateDep, request: Request) -> list[AlertRead]:
    """Those naming the account, and those whose permission its grants hold over their
    territory; the newest 500, each with its read mark."""
    index = state.part(TerritoryIndex)
    lang = _lang(request)
    with state.factory() as session:
        return [AlertRead.of(a, lang) for a in alerts_for(session, guard.principal, index)]


@router.post("/{alert_id}/read", response_model=AlertRead, summary="Mark an alert read")
def read_alert(
    alert_id: AlertIdPath, guard: AnyAccount, state: StateDep, request: Request
) -> AlertRead:
    """The account's own read mark (marking again keeps the first); 404 for an alert the
    account does not see."""
    index = state.part(TerritoryIndex)
    with state.write() as session:
        item = mark_read(session, guard.actor, guard.principal, index, alert_id)
    return AlertRead.of(item, _lang(request))
