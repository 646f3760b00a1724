"""The signing-in API's shapes: requests and `*Read` responses."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from qurb.identity.accounts import Account, Grant
from qurb.identity.principal import Principal
from qurb.identity.token_service import DEFAULT_DAYS, MAX_DAYS, MAX_NAME_CHARS, TokenInfo

# A field longer than any valid one is refused before it is hashed or looked up.
MAX_FIELD_CHARS = 256


class SignInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=MAX_FIELD_CHARS)
    password: str = Field(min_length=1, max_length=MAX_FIELD_CHARS)


class PasswordChangeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current: str = Field(min_length=1, max_length=MAX_FIELD_CHARS)
    new: str = Field(min_length=1, max_length=MAX_FIELD_CHARS)


class TokenCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    days: int = Field(default=DEFAULT_DAYS, ge=1, le=MAX_DAYS)


class AccountRead(BaseModel):
    id: int
    username: str
    display_name: str
    email: str | None
    must_change_password: bool

    @classmethod
    def of(cls, account: Account) -> AccountRead:
        return cls(
            id=account.id,
            username=account.username,
            display_name=account.display_name,
            email=account.email,
            must_change_password=account.must_change_password,
        )


class GrantRead(BaseModel):
    id: int
    role: str
    scope: dict[str, list[str] | None]
    partner_id: str | None

    @classmethod
    def of(cls, grant: Grant) -> GrantRead:
        return cls(
            id=grant.id,
            role=grant.role.value,
            scope=grant.scope.to_json(),
            partner_id=grant.partner_id,
        )


class SignedIn(BaseModel):
    account: AccountRead
    csrf_token: str = Field(description="Send it as X-CSRF-Token with every write.")
    must_change_password: bool
    expires_at: datetime


class SignedOut(BaseModel):
    signed_out: bool = Field(description="False: there was no session to close.")


class MeRead(BaseModel):
    anonymous: bool
    account: AccountRead | None = None
    proof: str | None = Field(default=None, description="session or token")
    grants: list[GrantRead] = []
    permissions: list[str] = []
    csrf_token: str | None = Field(default=None, description="The session's, for its writes.")

    @classmethod
    def of(cls, principal: Principal) -> MeRead:
        if principal.account is None:
            return cls(anonymous=True)
        return cls(
            anonymous=False,
            account=AccountRead.of(principal.account),
            proof=None if principal.proof is None else principal.proof.value,
            grants=[GrantRead.of(g) for g in principal.grants],
            permissions=sorted(p.value for p in principal.permissions),
            csrf_token=principal.csrf_token,
        )


class TokenRead(BaseModel):
    id: int
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, info: TokenInfo) -> TokenRead:
        return cls(
            id=info.id,
            name=info.name,
            created_at=info.created_at,
            expires_at=info.expires_at,
            revoked_at=info.revoked_at,
            last_used_at=info.last_used_at,
        )


class TokenIssued(BaseModel):
    token: TokenRead
    secret: str = Field(description="The token itself: shown this once, never again.")
