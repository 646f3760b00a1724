"""Grants: giving an account a role over a scope, revoking it, and what an account's
grants let it do over a target.

The granting rule (DHIS2's): an account may grant or revoke a role over a scope only
through one of its own live grants that holds `partners.admin` or `accounts.admin`, whose
scope contains the scope granted (`scopes.contains`), and whose role holds every
permission of the role granted. So nobody gives more than they hold, nor beyond where
they hold it. A local actor (whoever can write the database file) is trusted, and
audited. A refused grant writes nothing, to the audit trail neither.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.audit.keys import ServerKey
from qurb.audit.model import AuditEvent
from qurb.identity._account_tables import AccountGrantRow, AccountRow
from qurb.identity.account_service import record
from qurb.identity.accounts import Account, Grant, actor_label
from qurb.identity.permissions import GRANTING, Permission, Role
from qurb.identity.principal import Principal, Proof
from qurb.identity.scopes import Scope, Target, contains
from qurb.kernel import clock
from qurb.kernel.actor import Actor, ActorKind
from qurb.kernel.errors import Conflict, Forbidden, InputError, NotFound
from qurb.territory.service import TerritoryIndex

Exists = Callable[[str], bool]


def _dump(values: frozenset[str] | None) -> str | None:
    return None if values is None else json.dumps(sorted(values), ensure_ascii=False)


def _load(text: str | None) -> frozenset[str] | None:
    return None if text is None else frozenset(json.loads(text))


def to_grant(row: AccountGrantRow) -> Grant:
    scope = Scope(
        territories=_load(row.territories),
        partners=_load(row.partners),
        facilities=_load(row.facilities),
        conventions=_load(row.conventions),
    )
    return Grant(
        id=row.id,
        account_id=row.account_id,
        role=Role(row.role),
        scope=scope,
        partner_id=row.partner_id,
        granted_by=row.granted_by,
        granted_at=row.granted_at,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
    )


def ancestors_in(index: TerritoryIndex) -> Callable[[str], list[str]]:
    """The codes above a territory, by the tree (cercles and préfectures
    d'arrondissements included)."""
    return lambda code: [t.code for t in index.ancestors(code)]


def target_in(
    index: TerritoryIndex,
    territory: str | None = None,
    *,
    partners: Iterable[str] = (),
    facility: str | None = None,
    convention: str | None = None,
) -> Target:
    """A target whose territory chain is read from the territory index."""
    chain: tuple[str, ...] = ()
    if territory is not None:
        chain = (territory, *(t.code for t in index.ancestors(territory)))
    return Target(chain, frozenset(partners), facility, convention)


def territory_target(index: TerritoryIndex, query: str) -> Target:
    """The target of work over a territory a request names (an HCP code or a name)."""
    return target_in(index, index.resolve(query).code)


# ----------------------------------------------------------------------------- reading


def live_grants(session: Session, account_id: int) -> list[Grant]:
    """The account's grants in force (none if it is disabled): one query. A request
    reads them once (`Principal.grants`) and asks for each target."""
    rows = session.scalars(
        select(AccountGrantRow)
        .join(AccountRow, AccountRow.id == AccountGrantRow.account_id)
        .where(
            AccountGrantRow.account_id == account_id,
            AccountGrantRow.revoked_at.is_(None),
            AccountRow.disabled.is_(False),
        )
        .order_by(AccountGrantRow.id)
    ).all()
    return [to_grant(r) for r in rows]


def principal_for(
    session: Session,
    account: Account,
    proof: Proof,
    session_hash: str | None = None,
    csrf_token: str | None = None,
) -> Principal:
    """Who asks, once the credential is checked: the account with its live grants, read
    once for the request or the command."""
    grants = tuple(live_grants(session, account.id))
    return Principal(account, grants, proof, session_hash, csrf_token)


def grants_of(session: Session, account_id: int) -> list[Grant]:
    """Every grant of the account, revoked ones included."""
    rows = session.scalars(
        select(AccountGrantRow)
        .where(AccountGrantRow.account_id == account_id)
        .order_by(AccountGrantRow.id)
    ).all()
    return [to_grant(r) for r in rows]


def permissions_for(session: Session, account_id: int, target: Target) -> frozenset[Permission]:
    """What the account may do over `target`: its live grants', as a request sees them."""
    return Principal(grants=tuple(live_grants(session, account_id))).permissions_over(target)


# ----------------------------------------------------------------------------- writing


def _granting_grant(
    session: Session, actor: Actor, role: Role, scope: Scope, index: TerritoryIndex
) -> Grant | None:
    """The actor's grant that allows giving (or taking back) `role` over `scope`; None
    for a trusted local actor; Forbidden when no grant of the actor allows it."""
    if actor.kind is not ActorKind.ACCOUNT:
        return None
    needed = Grant(0, 0, role, scope, None, "", clock.now(), None, None).permissions
    ancestors = ancestors_in(index)
    for held in live_grants(session, int(actor.name)):
        if (
            not held.permissions.isdisjoint(GRANTING)
            and needed <= held.permissions
            and contains(held.scope, scope, ancestors)
        ):
            return held
    raise Forbidden(
        f"account {actor.name} holds no grant that may give the role {role.value} over "
        "this scope (a granter needs partners.admin or accounts.admin, every permission "
        "of the role, and a scope that contains the one given)",
        code="grant_not_yours",
        values={"role": role.value},
    )


def _check_ids(
    scope: Scope,
    on_behalf_of: str | None,
    index: TerritoryIndex,
    partner_exists: Exists,
    facility_exists: Exists | None,
) -> None:
    unknown = sorted(c for c in scope.territories or () if c not in index.by_code)
    if unknown:
        raise NotFound(
            f"no territory coded {', '.join(unknown)}",
            code="grant_unknown_territory",
            values={"codes": ", ".join(unknown)},
        )
    partners = set(scope.partners or ()) | ({on_behalf_of} if on_behalf_of else set())
    missing = sorted(p for p in partners if not partner_exists(p))
    if missing:
        raise NotFound(
            f"no partner {', '.join(missing)}",
            code="grant_unknown_partner",
            values={"ids": ", ".join(missing)},
        )
    if facility_exists is not None:
        absent = sorted(f for f in scope.facilities or () if not facility_exists(f))
        if absent:
            raise NotFound(
                f"no facility {', '.join(absent)}",
                code="grant_unknown_facility",
                values={"ids": ", ".join(absent)},
            )


def grant(
    session: Session,
    actor: Actor,
    account_id: int,
    role: Role | str,
    scope: Scope,
    *,
    index: TerritoryIndex,
    partner_exists: Exists,
    signer: ServerKey,
    on_behalf_of: str | None = None,
    facility_exists: Exists | None = None,
) -> Grant:
    """Give `account_id` the role over the scope, on behalf of a partner (or none)."""
    try:
        role = Role(role)
    except ValueError:
        raise InputError(
            f"no role {str(role)[:40]!r}: one of {', '.join(Role)}",
            code="grant_unknown_role",
            values={"role": repr(str(role)[:40]), "roles": ", ".join(Role)},
        ) from None
    target = session.get(AccountRow, account_id, with_for_update=True, populate_existing=True)
    if target is None or target.anonymised:
        raise NotFound(
            f"no account {account_id}", code="grant_no_account", values={"id": account_id}
        )
    _check_ids(scope, on_behalf_of, index, partner_exists, facility_exists)
    used = _granting_grant(session, actor, role, scope, index)
    row = AccountGrantRow(
        account_id=account_id,
        role=role.value,
        territories=_dump(scope.territories),
        partners=_dump(scope.partners),
        facilities=_dump(scope.facilities),
        conventions=_dump(scope.conventions),
        partner_id=on_behalf_of,
        granted_by=actor_label(actor),
        granted_at=clock.now(),
    )
    session.add(row)
    session.flush()
    given = to_grant(row)
    only = sorted(scope.territories or ())
    territory = only[0] if len(only) == 1 else None
    record(
        session,
        actor,
        AuditEvent("grant.create", "grant", str(row.id), territory, after=given.public()),
        signer,
        grant=None if used is None else used.id,
    )
    return given


def revoke(
    session: Session, actor: Actor, grant_id: int, *, index: TerritoryIndex, signer: ServerKey
) -> Grant:
    """Take a grant back, by the same rule as giving it."""
    row = session.get(AccountGrantRow, grant_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound(f"no grant {grant_id}", code="grant_not_found", values={"id": grant_id})
    if row.revoked_at is not None:
        raise Conflict(
            f"grant {grant_id} is already revoked",
            code="grant_already_revoked",
            values={"id": grant_id},
        )
    before = to_grant(row)
    used = _granting_grant(session, actor, before.role, before.scope, index)
    row.revoked_at = clock.now()
    row.revoked_by = actor_label(actor)
    session.flush()
    record(
        session,
        actor,
        AuditEvent(
            "grant.revoke",
            "grant",
            str(row.id),
            before=before.public(),
            after=to_grant(row).public(),
        ),
        signer,
        grant=None if used is None else used.id,
    )
    return to_grant(row)


def partner_accounts(session: Session, partner_id: str, permission: Permission) -> list[int]:
    """The enabled accounts acting for a partner through a live grant holding
    `permission` (those a job's alert about the partner's own things goes to), by id."""
    rows = session.scalars(
        select(AccountGrantRow)
        .join(AccountRow, AccountRow.id == AccountGrantRow.account_id)
        .where(
            AccountGrantRow.partner_id == partner_id,
            AccountGrantRow.revoked_at.is_(None),
            AccountRow.disabled.is_(False),
        )
    ).all()
    return sorted({r.account_id for r in rows if permission in to_grant(r).permissions})


def accounts_holding(session: Session, permission: Permission, target: Target) -> list[int]:
    """The enabled accounts whose live grants hold `permission` over `target` (a facility's
    clerks, say, whether their grant names the facility or a territory holding it), by id."""
    rows = session.scalars(
        select(AccountGrantRow)
        .join(AccountRow, AccountRow.id == AccountGrantRow.account_id)
        .where(AccountGrantRow.revoked_at.is_(None), AccountRow.disabled.is_(False))
    ).all()
    grants: dict[int, list[Grant]] = {}
    for row in rows:
        grants.setdefault(row.account_id, []).append(to_grant(row))
    return sorted(
        account_id
        for account_id, held in grants.items()
        if permission in Principal(grants=tuple(held)).permissions_over(target)
    )
