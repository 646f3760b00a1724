"""Who asks a request, for the routes: `PrincipalDep` (an account with its grants in
force, or anonymous), found once per request by the app's `platform.auth.Authentication`
middleware. A route declares who may call it with `qurb.identity.guard`."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from qurb.identity.principal import ANONYMOUS, Principal
from qurb.identity.web_sessions import SessionPolicy
from qurb.platform.auth import resolved
from qurb.platform.settings import Settings


def session_policy(settings: Settings) -> SessionPolicy:
    return SessionPolicy(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_hours),
    )


async def current_principal(request: Request) -> Principal:
    found = resolved(request).principal
    return found if isinstance(found, Principal) else ANONYMOUS


PrincipalDep = Annotated[Principal, Depends(current_principal)]
