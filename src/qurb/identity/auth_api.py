"""Signing in and out, who am I, changing one's password, one's personal API tokens.

A browser signs in with its username and password and gets a session cookie (HttpOnly,
SameSite=Lax, Secure over https) and the session's CSRF token, which it sends as
`X-CSRF-Token` with every write; a script sends `Authorization: Bearer qurb_…` instead.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from qurb.audit.service import signer_for
from qurb.identity import account_service, token_service, web_sessions
from qurb.identity.auth_schemas import (
    AccountRead,
    MeRead,
    PasswordChangeRequest,
    SignedIn,
    SignedOut,
    SignInRequest,
    TokenCreateRequest,
    TokenIssued,
    TokenRead,
)
from qurb.identity.dependencies import PrincipalDep, session_policy
from qurb.identity.guard import AnyAccount, AnyAccountStale
from qurb.kernel.errors import NotFound
from qurb.platform.access import Public
from qurb.platform.auth import clear_session_cookie, set_session_cookie
from qurb.platform.http import StateDep
from qurb.platform.schemas import AUTH_RESPONSES, ERROR_RESPONSES

router = APIRouter(
    prefix="/api/auth", tags=["signing in"], responses={**ERROR_RESPONSES, **AUTH_RESPONSES}
)


TokenIdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="a token's id")]


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.post("/sign-in", response_model=SignedIn, summary="Sign in: a session cookie")
def sign_in(
    _: Public, payload: SignInRequest, request: Request, response: Response, state: StateDep
) -> SignedIn:
    """Checks the password (Argon2id); after 5 failures in 15 minutes for the username or
    the address, a growing wait (429 with Retry-After). A wrong password and an unknown
    username get the same answer (401 `account_sign_in_refused`)."""
    settings = state.settings
    policy = session_policy(settings)
    with state.write() as session:
        outcome = account_service.authenticate(
            session,
            payload.username,
            payload.password,
            _address(request),
            signer=signer_for(session),
        )
        opened = None
        if outcome.account is not None:
            opened = web_sessions.open_session(session, outcome.account.id, policy)
    account = outcome.raise_if_refused()  # the failure, recorded, is committed first
    assert opened is not None
    set_session_cookie(
        response,
        opened.secret,
        secure=settings.secure_cookies,
        max_age_s=int(policy.absolute.total_seconds()),
    )
    return SignedIn(
        account=AccountRead.of(account),
        csrf_token=opened.csrf_token,
        must_change_password=account.must_change_password,
        expires_at=opened.expires_at,
    )


@router.post("/sign-out", response_model=SignedOut, summary="Sign out: the session ends")
def sign_out(_: Public, principal: PrincipalDep, response: Response, state: StateDep) -> SignedOut:
    closed = False
    if principal.session_hash is not None:
        with state.write() as session:
            closed = web_sessions.close_session(session, principal.session_hash)
    clear_session_cookie(response, secure=state.settings.secure_cookies)
    return SignedOut(signed_out=closed)


@router.get("/me", response_model=MeRead, summary="Who asks: the account, its grants")
def me(_: Public, principal: PrincipalDep) -> MeRead:
    return MeRead.of(principal)


@router.post("/password", response_model=AccountRead, summary="Change one's password (signed in)")
def change_password(
    payload: PasswordChangeRequest, guard: AnyAccountStale, state: StateDep
) -> AccountRead:
    principal = guard.principal
    """The current password and a new one (12 to 256 characters, not holding the
    username); the account's other sessions end, this one stays."""
    assert principal.account is not None
    account_id = principal.account.id
    with state.write() as session:
        account_service.change_password(
            session,
            account_id,
            payload.current,
            payload.new,
            signer=signer_for(session),
            keep_session=principal.session_hash,
        )
        changed = account_service.get_account_by_id(session, account_id)
    assert changed is not None
    return AccountRead.of(changed)


@router.get("/tokens", response_model=list[TokenRead], summary="One's personal API tokens")
def list_tokens(guard: AnyAccount, state: StateDep) -> list[TokenRead]:
    principal = guard.principal
    assert principal.account is not None
    with state.factory() as session:
        return [TokenRead.of(t) for t in token_service.list_tokens(session, principal.account.id)]


@router.post(
    "/tokens",
    response_model=TokenIssued,
    status_code=201,
    summary="A new personal API token (its secret shown once)",
)
def create_token(payload: TokenCreateRequest, guard: AnyAccount, state: StateDep) -> TokenIssued:
    principal = guard.principal
    assert principal.account is not None and principal.actor is not None
    with state.write() as session:
        issued = token_service.create_token(
            session,
            principal.actor,
            principal.account.id,
            payload.name,
            days=payload.days,
            signer=signer_for(session),
        )
    return TokenIssued(token=TokenRead.of(issued.info), secret=issued.secret)


@router.delete("/tokens/{token_id}", response_model=TokenRead, summary="Revoke one's token")
def revoke_token(token_id: TokenIdPath, guard: AnyAccount, state: StateDep) -> TokenRead:
    principal = guard.principal
    assert principal.account is not None and principal.actor is not None
    with state.write() as session:
        own = {t.id for t in token_service.list_tokens(session, principal.account.id)}
        if token_id not in own:  # another's token is not named, whether or not it exists
            raise NotFound(f"no token {token_id}", code="token_not_found", values={"id": token_id})
        info = token_service.revoke_token(
            session, principal.actor, token_id, signer=signer_for(session)
        )
    return TokenRead.of(info)
