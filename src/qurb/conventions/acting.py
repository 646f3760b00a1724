"""Who acts on a convention, as its faces (routes, commands, the workbook's import) decide
it from an account's grants: the secretariat (`conventions.manage` over every territory it
covers) or a party's user acting for its own partner (`conventions.party`). Shared by the
faces, importing none of them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from qurb.conventions.listing import targets_of
from qurb.conventions.records import Convention
from qurb.identity.accounts import Grant
from qurb.identity.guard import Guard
from qurb.identity.permissions import Permission
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Forbidden
from qurb.platform.access import Access
from qurb.territory.service import TerritoryIndex

MANAGE = Access(Permission.CONVENTIONS_MANAGE, signed_in=True)


def party_actor(
    guard: Guard, index: TerritoryIndex, convention: Convention, partners: Iterable[str]
) -> Actor:
    """The actor writing the money of `partners` (parties of the convention): the
    secretariat (`conventions.manage` over every target of the convention) writes any
    party's; otherwise a `conventions.party` grant over the convention acting for each
    of them (403 `convention_not_your_party` for another party's; `outside_scope` for
    an account whose grants do not reach the convention)."""
    targets = targets_of(index, convention)
    manager = Guard(guard.principal, MANAGE)
    if all(manager.allows(t) for t in targets):
        return [manager.over(t) for t in targets][-1]
    grants = [g for t in targets for g in guard.grants_over(t)]
    if not grants:
        guard.over(targets[0])  # refused: outside the account's scopes
    actor = guard.actor
    for partner in partners:
        grant = next((g for g in grants if g.partner_id == partner), None)
        if grant is None:
            raise Forbidden(code="convention_not_your_party", values={"partner": partner})
        actor = replace(guard.actor, grant=str(grant.id), partner=grant.partner_id)
    return actor


def reporter(guard: Guard, index: TerritoryIndex, convention: Convention, owner: str) -> Actor:
    """The actor reporting on a deliverable `owner` keeps: acting for that partner, or the
    secretariat (`conventions.manage` over the convention too); else 403."""
    targets = targets_of(index, convention)
    allowed = [t for t in targets if guard.allows(t)]
    if not allowed:
        guard.over(targets[0])  # 403: outside every grant's scope
    target = allowed[0]
    mine = next((g for g in guard.grants_over(target) if g.partner_id == owner), None)
    if mine is not None:
        return replace(guard.actor, grant=str(mine.id), partner=mine.partner_id)
    if all(Permission.CONVENTIONS_MANAGE in guard.principal.permissions_over(t) for t in targets):
        return replace(guard.over(target), partner=None)
    raise Forbidden(code="deliverable_not_yours", values={"id": convention.id, "owner": owner})


def party_grants(guard: Guard, index: TerritoryIndex, convention: Convention) -> list[Grant]:
    """The grants holding `conventions.party` over the convention (403 without one)."""
    targets = targets_of(index, convention)
    grants = [g for t in targets for g in guard.grants_over(t)]
    if not grants:
        guard.over(targets[0])  # 403 outside the grants' scopes
    return grants


def action_actor(guard: Guard, grants: list[Grant], owner: str) -> tuple[Actor, str | None]:
    """Who marks the action: one of the secretariat's grants (party None), or a grant
    acting for its owner party (that party); 403 `committee_action_not_yours` else."""
    for grant in grants:
        if Permission.CONVENTIONS_MANAGE in grant.permissions:
            return replace(guard.actor, grant=str(grant.id), partner=grant.partner_id), None
    for grant in grants:
        if grant.partner_id == owner:
            return replace(guard.actor, grant=str(grant.id), partner=owner), owner
    party = grants[0].partner_id or "-"
    raise Forbidden(code="committee_action_not_yours", values={"owner": owner, "party": party})


@dataclass(frozen=True)
class GuardAuthority:
    """Who writes each row of a workbook: the checks the single edits' routes make."""

    guard: Guard
    index: TerritoryIndex
    convention: Convention

    def manager(self) -> Actor:
        manager = Guard(self.guard.principal, MANAGE)
        return [manager.over(t) for t in targets_of(self.index, self.convention)][-1]

    def for_money(self, partners: Sequence[str]) -> Actor:
        return party_actor(self.guard, self.index, self.convention, partners)

    def reporter(self, owner: str) -> Actor:
        return reporter(self.guard, self.index, self.convention, owner)

    def for_action(self, owner: str) -> tuple[Actor, str | None]:
        grants = party_grants(self.guard, self.index, self.convention)
        return action_actor(self.guard, grants, owner)
