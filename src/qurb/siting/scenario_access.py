"""Who may see and change a saved scenario.

A scenario is saved for the partner its saver acted for (none: the Ministry's own
accounts, or a local actor) and is seen by:

- an account holding the permission over Morocco as a whole for no partner (the
  Ministry's own accounts, the administrators): all;
- otherwise an account whose grant holding the permission covers the scenario's
  territory (and its partner, for a grant restricted to partners), when the scenario is
  public or that grant acts for the scenario's partner (none for none). A partner's
  grant over the whole country is one of that partner's: it sees no other partner's.

A scenario outside every such grant's territory is refused as any object outside the
account's scope (403 `outside_scope`). One inside it but of another partner and not
public is refused with 403 `scenario_not_visible` naming it, rather than answered as not
found: its id (12 random hexadecimal digits) cannot be guessed, and whoever holds a link
to it learns that it exists but is kept by its partner, not that it was deleted.
Changing one (`scenarios.write`) follows the same rule with "public" left out: only its
partner's accounts and the administrators rename it or say who sees it."""

from __future__ import annotations

from dataclasses import replace

from qurb.identity.accounts import Grant
from qurb.identity.grant_service import target_in
from qurb.identity.guard import Guard
from qurb.identity.scopes import Target
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Forbidden
from qurb.siting.service import SavedScenario
from qurb.territory.service import TerritoryIndex


def scenario_target(index: TerritoryIndex, saved: SavedScenario) -> Target:
    partners = (saved.partner_id,) if saved.partner_id else ()
    return target_in(index, saved.scenario.territory.code, partners=partners)


def _grant_for(
    guard: Guard, index: TerritoryIndex, saved: SavedScenario, *, public_ok: bool
) -> Grant | None:
    """The grant that lets the account at the scenario (None: none does); raises
    `outside_scope` when no grant covers its territory at all."""
    target = scenario_target(index, saved)
    kept = guard.grant_for_partner(target_in(index, "MA"), target, saved.partner_id)
    if kept is not None:
        return kept
    over = guard.grants_over(target)
    if not over:
        guard.over(target)  # raises outside_scope
    return over[0] if public_ok and saved.visibility == "public" else None


def visible(guard: Guard, index: TerritoryIndex, saved: SavedScenario) -> bool:
    """May the account see the scenario? (For lists: no error.)"""
    try:
        return _grant_for(guard, index, saved, public_ok=True) is not None
    except Forbidden:
        return False


def not_visible(saved: SavedScenario) -> Forbidden:
    return Forbidden(
        f"scenario {saved.id!r} is kept by its partner: this account may not see it",
        code="scenario_not_visible",
        values={"id": repr(saved.id)},
    )


def check_visible(guard: Guard, index: TerritoryIndex, saved: SavedScenario) -> None:
    """403 when the account may not see the scenario (`outside_scope` outside its
    grants' territory, `scenario_not_visible` for another partner's)."""
    if _grant_for(guard, index, saved, public_ok=True) is None:
        raise not_visible(saved)


def editor(guard: Guard, index: TerritoryIndex, saved: SavedScenario) -> Actor:
    """The actor changing the scenario (`scenarios.write`): its partner's account or an
    administrator; 403 otherwise."""
    grant = _grant_for(guard, index, saved, public_ok=False)
    if grant is None:
        raise Forbidden(
            f"scenario {saved.id!r} is another partner's: only its partner's accounts change it",
            code="scenario_of_another_partner",
            values={"id": repr(saved.id)},
        )
    return replace(guard.actor, grant=str(grant.id), partner=grant.partner_id)
