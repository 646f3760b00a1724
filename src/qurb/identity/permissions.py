"""What a user may do: fine-grained permissions, and the shipped roles as named sets of
them. Pure: no I/O.

A grant gives one role over a scope (`qurb.identity.scopes`); the routes and commands ask
for one permission each. The roles are cumulative where a person's work is: every role
reads what a signed-in viewer reads, and the administrator holds every permission. A
partner administrator holds every permission but the server-wide administration of
accounts, so that, by the granting rule (a user grants only a role whose permissions they
all hold, over a scope within their own), they can give their staff any role but the
administrator's, within their own scope.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class Permission(enum.StrEnum):
    """One thing a user may do over a scope. The description says what it opens."""

    description: str

    def __new__(cls, value: str, description: str) -> Permission:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member

    # Reading beyond what the public sees
    REGISTRY_READ = "registry.read", "read the registry with its history and entered capacity"
    REPORTS_READ = "reports.read", "read the periodic reports, their completeness and bulletins"
    CONVENTIONS_READ = "conventions.read", "read conventions in full (beyond published summaries)"
    CARAVANS_READ = "caravans.read", "read caravan records (consultations, referrals)"
    REFERRALS_READ = "referrals.read", "read referrals and their waiting times"
    REFERRALS_MEASURES = (
        "referrals.measures",
        "read waiting times, counter-referral rates and flows (never a referral itself)",
    )
    SCENARIOS_READ = "scenarios.read", "read saved siting scenarios"
    AUDIT_READ = "audit.read", "read and export the audit trail"
    # Registry and the regional plan
    REGISTRY_EDIT = "registry.edit", "edit facilities, capacity, staff and equipment"
    PLAN_RUN = "plan.run", "run heavy analyses: access, siting, what-if"
    SCENARIOS_WRITE = "scenarios.write", "save siting scenarios"
    PROJECTS_MANAGE = "projects.manage", "manage the regional plan's projects"
    # Caravans
    CARAVANS_PLAN = "caravans.plan", "plan caravan campaigns and their visits"
    CARAVANS_RECORD = "caravans.record", "record what a caravan's visits did"
    # Conventions and their steering committees
    CONVENTIONS_MANAGE = "conventions.manage", "manage conventions, amendments and meetings"
    CONVENTIONS_PARTY = "conventions.party", "report a party's contributions and deliverables"
    COMMITTEE_SIT = "committee.sit", "sit on a steering committee: attend, vote, follow actions"
    # Periodic reports and alerts
    WATCH_REPORT = "watch.report", "submit a facility's periodic reports"
    WATCH_CONFIRM = "watch.confirm", "confirm or return reports; validate data sets"
    WATCH_TRIAGE = "watch.triage", "triage outbreak alerts"
    # Shared resources and referrals
    RESOURCES_MANAGE = "resources.manage", "manage shared resources, availability and quotas"
    RESOURCES_BOOK = "resources.book", "book slots of shared resources"
    REFERRALS_HANDLE = "referrals.handle", "send, accept and counter-refer referrals"
    # Administration
    PARTNERS_ADMIN = "partners.admin", "manage partners and grant roles to their staff"
    ACCOUNTS_ADMIN = "accounts.admin", "create, disable, anonymise accounts; reset passwords"


P = Permission


class Role(enum.StrEnum):
    """The shipped roles; their labels are `account.role.<value>` in the catalogues."""

    VIEWER = "viewer"
    REGISTRY_EDITOR = "registry_editor"
    PLANNER = "planner"
    CARAVAN_COORDINATOR = "caravan_coordinator"
    CONVENTION_SECRETARIAT = "convention_secretariat"
    CONVENTION_PARTY = "convention_party"
    COMMITTEE_MEMBER = "committee_member"
    WATCH_REPORTER = "watch_reporter"
    WATCH_CONFIRMER = "watch_confirmer"
    REFERRAL_CLERK = "referral_clerk"
    RESOURCE_MANAGER = "resource_manager"
    PARTNER_ADMINISTRATOR = "partner_administrator"
    ADMINISTRATOR = "administrator"


VIEWER = frozenset({P.REGISTRY_READ, P.REPORTS_READ, P.CONVENTIONS_READ, P.SCENARIOS_READ})
REGISTRY_EDITOR = VIEWER | {P.REGISTRY_EDIT}
PLANNER = VIEWER | {P.PLAN_RUN, P.SCENARIOS_WRITE, P.PROJECTS_MANAGE}
CARAVAN_COORDINATOR = VIEWER | {P.PLAN_RUN, P.CARAVANS_READ, P.CARAVANS_PLAN, P.CARAVANS_RECORD}
CONVENTION_SECRETARIAT = VIEWER | {P.CONVENTIONS_MANAGE, P.CONVENTIONS_PARTY, P.COMMITTEE_SIT}
CONVENTION_PARTY = VIEWER | {P.CONVENTIONS_PARTY}
COMMITTEE_MEMBER = VIEWER | {P.COMMITTEE_SIT, P.REFERRALS_MEASURES}
WATCH_REPORTER = VIEWER | {P.WATCH_REPORT}
WATCH_CONFIRMER = VIEWER | {P.WATCH_REPORT, P.WATCH_CONFIRM, P.WATCH_TRIAGE}
REFERRAL_CLERK = VIEWER | {
    P.REFERRALS_READ, P.REFERRALS_MEASURES, P.REFERRALS_HANDLE, P.RESOURCES_BOOK,
}  # fmt: skip
RESOURCE_MANAGER = VIEWER | {P.RESOURCES_MANAGE, P.RESOURCES_BOOK, P.REFERRALS_MEASURES}
ADMINISTRATOR = frozenset(Permission)
PARTNER_ADMINISTRATOR = ADMINISTRATOR - {P.ACCOUNTS_ADMIN}

ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.VIEWER: VIEWER,
    Role.REGISTRY_EDITOR: REGISTRY_EDITOR,
    Role.PLANNER: PLANNER,
    Role.CARAVAN_COORDINATOR: CARAVAN_COORDINATOR,
    Role.CONVENTION_SECRETARIAT: CONVENTION_SECRETARIAT,
    Role.CONVENTION_PARTY: CONVENTION_PARTY,
    Role.COMMITTEE_MEMBER: COMMITTEE_MEMBER,
    Role.WATCH_REPORTER: WATCH_REPORTER,
    Role.WATCH_CONFIRMER: WATCH_CONFIRMER,
    Role.REFERRAL_CLERK: REFERRAL_CLERK,
    Role.RESOURCE_MANAGER: RESOURCE_MANAGER,
    Role.PARTNER_ADMINISTRATOR: PARTNER_ADMINISTRATOR,
    Role.ADMINISTRATOR: ADMINISTRATOR,
}

# The permissions that let a grant's holder grant and revoke roles (within its scope).
GRANTING = frozenset({P.PARTNERS_ADMIN, P.ACCOUNTS_ADMIN})


def permissions_of(role: Role) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[role]


def permission_table_markdown() -> str:
    """The permission table as Markdown: one row per permission, one column per role, ✓
    where the role holds it (the README's "Roles and permissions" table)."""
    roles = list(Role)
    header = "| Permission | What it opens | " + " | ".join(r.value for r in roles) + " |"
    rule = "|---|---|" + "|".join(":-:" for _ in roles) + "|"
    lines = [header, rule]
    for permission in Permission:
        marks = " | ".join("✓" if permission in ROLE_PERMISSIONS[r] else "" for r in roles)
        lines.append(f"| `{permission.value}` | {permission.description} | {marks} |")
    return "\n".join(lines) + "\n"
