"""The shipped roles hold what their work needs and no more, and the README's table is
the one the code prints."""

from __future__ import annotations

import re
from pathlib import Path

from qurb.identity.permissions import (
    GRANTING,
    ROLE_PERMISSIONS,
    Permission,
    Role,
    permission_table_markdown,
    permissions_of,
)
from qurb.kernel.i18n import LANGS, translate

README = Path(__file__).resolve().parents[2] / "README.md"
P = Permission


def test_thirteen_roles_each_reading_what_a_viewer_reads() -> None:
    assert len(Role) == 13 and set(ROLE_PERMISSIONS) == set(Role)
    for role in Role:
        assert permissions_of(Role.VIEWER) <= permissions_of(role), role


def test_known_answers_for_the_roles() -> None:
    assert permissions_of(Role.VIEWER) == {
        P.REGISTRY_READ,
        P.REPORTS_READ,
        P.CONVENTIONS_READ,
        P.SCENARIOS_READ,
    }
    planner = permissions_of(Role.PLANNER)
    assert {P.PLAN_RUN, P.SCENARIOS_WRITE} <= planner and P.REGISTRY_EDIT not in planner
    coordinator = permissions_of(Role.CARAVAN_COORDINATOR)
    assert {P.PLAN_RUN, P.CARAVANS_PLAN, P.CARAVANS_RECORD} <= coordinator
    assert P.SCENARIOS_WRITE not in coordinator
    assert P.WATCH_CONFIRM not in permissions_of(Role.WATCH_REPORTER)
    assert P.WATCH_CONFIRM in permissions_of(Role.WATCH_CONFIRMER)
    assert permissions_of(Role.ADMINISTRATOR) == frozenset(Permission)
    assert permissions_of(Role.PARTNER_ADMINISTRATOR) == frozenset(Permission) - {P.ACCOUNTS_ADMIN}
    # Only the two administrators may grant; nobody else can hand roles out.
    granting = {r for r in Role if not permissions_of(r).isdisjoint(GRANTING)}
    assert granting == {Role.PARTNER_ADMINISTRATOR, Role.ADMINISTRATOR}
    # The audit trail and the caravans' records are not for every reader.
    assert {r for r in Role if P.AUDIT_READ in permissions_of(r)} == granting
    assert P.CARAVANS_READ not in permissions_of(Role.VIEWER)


def test_every_role_has_a_label_in_every_language() -> None:
    labels = {lang: {translate(lang, f"account.role.{r.value}") for r in Role} for lang in LANGS}
    assert all(len(found) == 13 for found in labels.values())
    assert translate("fr", "account.role.planner") == "Planificateur"


def test_the_readme_table_is_the_one_the_code_prints() -> None:
    text = README.read_text(encoding="utf-8")
    table = permission_table_markdown()
    assert table in text
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) == len(Permission)
    planner_column = 2 + list(Role).index(Role.PLANNER)
    cells = {
        re.sub(r"[`| ]", "", row.split("|")[1]): row.split("|")[1 + planner_column].strip()
        for row in rows
    }
    assert cells["plan.run"] == "✓" and cells["registry.edit"] == ""
