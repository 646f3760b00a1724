"""A convention's money on the web (under /api/conventions, beside api.py's routes): its
contributions with their tranches, its disbursements and expenditures, read by an
account holding `conventions.read` over it; its financial execution. Written by the
secretariat (`conventions.manage` over every territory the convention covers) for any
party, or by a party's user (`conventions.party` over it, its grant acting for that
party) for its own party only: another party's is a 403. Edits take If-Match."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlalchemy.orm import Session

from qurb.conventions.acting import party_actor
from qurb.conventions.listing import targets_of
from qurb.conventions.money_execution import financial_execution
from qurb.conventions.money_schemas import (
    ContributionBody,
    ContributionRead,
    ContributionUpdateBody,
    DisbursementBody,
    DisbursementRead,
    ExecutionRead,
    TrancheBody,
    TrancheRead,
)
from qurb.conventions.money_service import (
    add_contribution,
    add_disbursement,
    add_tranche,
    get_contribution,
    get_disbursement,
    list_contributions,
    list_disbursements,
    update_contribution,
    update_disbursement,
    update_tranche,
)
from qurb.conventions.records import Convention
from qurb.conventions.service import get_convention
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.kernel.actor import Actor
from qurb.platform.http import IfMatch, SessionDep, StateDep, version_etag, wanted_versions
from qurb.platform.schemas import ERROR_RESPONSES, VERSIONED_WRITE_RESPONSES
from qurb.platform.state import AppState
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api/conventions", tags=["conventions"], responses=ERROR_RESPONSES)

ConventionId = Annotated[int, Path(ge=1, le=2**31 - 1)]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ReadConventions = Annotated[Guard, needs(Permission.CONVENTIONS_READ)]
ReportMoney = Annotated[Guard, needs(Permission.CONVENTIONS_PARTY)]


def _reader(guard: Guard, index: TerritoryIndex, convention: Convention) -> None:
    targets = targets_of(index, convention)
    if not any(guard.allows(t) for t in targets):
        guard.over(targets[0])


Owners = Callable[[Session], list[str]]


@contextmanager
def _as_party(
    state: AppState, guard: Guard, convention_id: int, owners: Owners
) -> Iterator[tuple[Session, Actor]]:
    """A write by the convention's secretariat or by the user of a party among `owners`
    (read in the write's transaction): its session and the actor it is written as."""
    index = state.part(TerritoryIndex)
    with state.write() as session:
        convention = get_convention(session, convention_id)
        yield session, party_actor(guard, index, convention, owners(session))


def _given(partners: list[str]) -> Owners:
    return lambda _session: partners


def _contributor(convention_id: int, contribution_id: int) -> Owners:
    """The party of a contribution (whose tranches are its own)."""
    return lambda session: [
        get_contribution(session, convention_id, contribution_id).values.partner_id
    ]


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = version_etag(version)


@router.get("/{convention_id}/contributions", response_model=list[ContributionRead])
def contributions(
    convention_id: ConventionId, session: SessionDep, index: IndexDep, guard: ReadConventions
) -> list[ContributionRead]:
    """The convention's contributions, by party and year: each with its tranches, the
    history of its amounts and, when co-funded, its share of the item."""
    _reader(guard, index, get_convention(session, convention_id))
    return [ContributionRead.of(c) for c in list_contributions(session, convention_id)]


@router.post("/{convention_id}/contributions", response_model=ContributionRead, status_code=201)
def contribute(
    convention_id: ConventionId,
    body: ContributionBody,
    state: StateDep,
    guard: ReportMoney,
    response: Response,
) -> ContributionRead:
    """Add a party's contribution (money or in kind): every bad field named (422),
    nothing written then."""
    owners = _given([body.partner_id])
    with _as_party(state, guard, convention_id, owners) as (session, actor):
        made = add_contribution(session, actor, convention_id, body.contribution())
        _etag(response, made.version)
        return ContributionRead.of(made)


@router.put(
    "/{convention_id}/contributions/{contribution_id}",
    response_model=ContributionRead,
    responses=VERSIONED_WRITE_RESPONSES,
)
def edit_contribution(
    convention_id: ConventionId,
    contribution_id: RowId,
    body: ContributionUpdateBody,
    state: StateDep,
    guard: ReportMoney,
    response: Response,
    if_match: IfMatch = None,
) -> ContributionRead:
    """Replace a contribution's fields (If-Match: its version); each change of an amount
    kept with the value it replaced and the `amendment_number` that changed it."""
    version = wanted_versions(if_match)

    def owners(session: Session) -> list[str]:  # the contribution's party, before and after
        old = get_contribution(session, convention_id, contribution_id)
        return [old.values.partner_id, body.partner_id]

    with _as_party(state, guard, convention_id, owners) as (session, actor):
        changed = update_contribution(
            session,
            actor,
            convention_id,
            contribution_id,
            body.contribution(),
            amendment_number=body.amendment_number,
            if_version=version,
        )
        _etag(response, changed.version)
        return ContributionRead.of(changed)


@router.post(
    "/{convention_id}/contributions/{contribution_id}/tranches",
    response_model=TrancheRead,
    status_code=201,
)
def tranche(
    convention_id: ConventionId,
    contribution_id: RowId,
    body: TrancheBody,
    state: StateDep,
    guard: ReportMoney,
    response: Response,
) -> TrancheRead:
    """Plan a tranche of a money contribution (a partial due date, an amount, a
    condition)."""
    planned = body.tranche()
    owners = _contributor(convention_id, contribution_id)
    with _as_party(state, guard, convention_id, owners) as (session, actor):
        made = add_tranche(session, actor, convention_id, contribution_id, planned)
        _etag(response, made.version)
        return TrancheRead.of(made)


@router.put(
    "/{convention_id}/contributions/{contribution_id}/tranches/{tranche_id}",
    response_model=TrancheRead,
    responses=VERSIONED_WRITE_RESPONSES,
)
def edit_tranche(
    convention_id: ConventionId,
    contribution_id: RowId,
    tranche_id: RowId,
    body: TrancheBody,
    state: StateDep,
    guard: ReportMoney,
    response: Response,
    if_match: IfMatch = None,
) -> TrancheRead:
    """Replace a tranche (If-Match: its version)."""
    version = wanted_versions(if_match)
    planned = body.tranche()
    owners = _contributor(convention_id, contribution_id)
    with _as_party(state, guard, convention_id, owners) as (session, actor):
        changed = update_tranche(
            session,
            actor,
            convention_id,
            contribution_id,
            tranche_id,
            planned,
            if_version=version,
        )
        _etag(response, changed.version)
        return TrancheRead.of(changed)


@router.get("/{convention_id}/disbursements", response_model=list[DisbursementRead])
def disbursements(
    convention_id: ConventionId, session: SessionDep, index: IndexDep, guard: ReadConventions
) -> list[DisbursementRead]:
    """The convention's disbursements and expenditures, by date (unknown last)."""
    _reader(guard, index, get_convention(session, convention_id))
    return [DisbursementRead.of(d) for d in list_disbursements(session, convention_id)]


@router.post("/{convention_id}/disbursements", response_model=DisbursementRead, status_code=201)
def disburse(
    convention_id: ConventionId,
    body: DisbursementBody,
    state: StateDep,
    guard: ReportMoney,
    response: Response,
) -> DisbursementRead:
    """Record a disbursement or expenditure; refused (422, each problem named) beyond
    the payer's current commitment, outside the convention's known dates, from or to a
    party that is not the convention's, or with a negative or non-numeric amount."""
    owners = _given([body.from_partner_id])
    with _as_party(state, guard, convention_id, owners) as (session, actor):
        made = add_disbursement(session, actor, convention_id, body.disbursement())
        _etag(response, made.version)
        return DisbursementRead.of(made)


@router.put(
    "/{convention_id}/disbursements/{disbursement_id}",
    response_model=DisbursementRead,
    responses=VERSIONED_WRITE_RESPONSES,
)
def edit_disbursement(
    convention_id: ConventionId,
    disbursement_id: RowId,
    body: DisbursementBody,
    state: StateDep,
    guard: ReportMoney,
    response: Response,
    if_match: IfMatch = None,
) -> DisbursementRead:
    """Replace a disbursement or expenditure (If-Match: its version)."""
    version = wanted_versions(if_match)

    def owners(session: Session) -> list[str]:  # the payer, before and after
        old = get_disbursement(session, convention_id, disbursement_id)
        return [old.from_partner_id, body.from_partner_id]

    with _as_party(state, guard, convention_id, owners) as (session, actor):
        changed = update_disbursement(
            session, actor, convention_id, disbursement_id, body.disbursement(), if_version=version
        )
        _etag(response, changed.version)
        return DisbursementRead.of(changed)


@router.get("/{convention_id}/execution/financial", response_model=ExecutionRead)
def execution(
    convention_id: ConventionId, session: SessionDep, index: IndexDep, guard: ReadConventions
) -> ExecutionRead:
    """Financial execution: known disbursed ÷ known committed money for the convention,
    each party, each year and each party's year, unknown amounts counted apart (never
    0); in kind apart at its stated valuations; expenditures apart."""
    _reader(guard, index, get_convention(session, convention_id))
    return ExecutionRead.of(financial_execution(session, convention_id))
