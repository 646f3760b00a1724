"""The conventions as IATI 2.03 activity XML: every published convention's activity for
anyone (what the published summary says, as IATI has it), one convention's for an account
that may read it in full. What the file leaves out because it is unknown is counted in the
`X-IATI-Left-Out` header (budgets, transactions, participants)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from qurb.conventions.listing import targets_of
from qurb.conventions.service import get_convention
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.interop.iati_export.service import IatiFile, convention_iati, published_iati
from qurb.platform.access import Public
from qurb.platform.downloads import content_disposition
from qurb.platform.http import SessionDep
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.territory.api import IndexDep

router = APIRouter(prefix="/api/iati", tags=["iati"], responses=ERROR_RESPONSES)

ConventionId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ReadConventions = Annotated[Guard, needs(Permission.CONVENTIONS_READ)]
# An example given, so that the API's docs show it rather than build an XML sample of a
# bare string (Swagger UI stops drawing the page on that).
XML: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "application/xml": {
                "schema": {"type": "string"},
                "example": '<iati-activities version="2.03">…</iati-activities>',
            }
        }
    }
}


def _xml(found: IatiFile, name: str) -> Response:
    left = found.left_out
    return Response(
        found.xml,
        media_type="application/xml",
        headers={
            "Content-Disposition": content_disposition(name),
            "X-IATI-Left-Out": (
                f"budgets={left.budgets}; transactions={left.transactions}; "
                f"participants={left.participants}"
            ),
        },
    )


@router.get(
    "/activities.xml",
    response_class=Response,
    responses=XML,
    summary="Every published convention as an IATI 2.03 activity (public)",
)
def published_activities(_: Public, session: SessionDep, index: IndexDep) -> Response:
    return _xml(published_iati(session, index), "qurb-iati-activities.xml")


@router.get(
    "/conventions/{convention_id}",
    response_class=Response,
    responses=XML,
    summary="One convention as an IATI 2.03 activity (conventions.read over it)",
)
def convention_activity(
    convention_id: ConventionId, session: SessionDep, index: IndexDep, guard: ReadConventions
) -> Response:
    found = get_convention(session, convention_id)
    targets = targets_of(index, found)
    if not any(guard.allows(t) for t in targets):
        guard.over(targets[0])  # 403 over the first
    return _xml(convention_iati(session, index, convention_id), f"iati-{convention_id}.xml")
