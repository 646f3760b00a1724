"""Every route declares who may call it: exactly one of `Public`, `AnyAccount`(`Stale`)
or `needs(permission)`; and the public routes are the issue's list, no more: the carte
sanitaire, census, gaps, access, caravan notices and visit dates, the pages, signing in.
Nothing from reports, referrals, caravan records, accounts or the audit trail is public,
and no heavy computation is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from qurb.app.features import routers
from qurb.app.web import create_app
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.platform.access import Access, Public, declarations
from qurb.platform.settings import Settings


def undeclared(routes: list[APIRoute]) -> list[str]:
    """The routes that declare no access, or more than one."""
    bad = []
    for route in routes:
        count = len(declarations(route.dependant))
        if count != 1:
            bad.append(f"{sorted(route.methods)} {route.path}: {count} declarations")
    return bad


def app_routes() -> list[APIRoute]:
    """Every route of the app: the features' routers and the app's own (/docs, /health)."""
    app = create_app(Settings(database_url="sqlite://"))
    own = [r for r in app.router.routes if isinstance(r, APIRoute)]
    return own + [r for router in routers() for r in router.routes if isinstance(r, APIRoute)]


def access_by_route() -> dict[str, Access]:
    table = {}
    for route in app_routes():
        [access] = declarations(route.dependant)
        for method in sorted(route.methods):
            # As the API's documents write it (`{id:int}` converts, `{id}` names it).
            table[f"{method} {route.path_format}"] = access
    return table


def test_every_route_declares_exactly_one_access() -> None:
    routes = app_routes()
    assert len(routes) > 50
    assert undeclared(routes) == []


def test_a_route_that_declares_nothing_or_twice_is_caught() -> None:
    router = APIRouter()

    @router.get("/forgot")
    def forgot() -> None: ...

    @router.get("/twice")
    def twice(_: Public, guard: Annotated[Guard, needs(Permission.AUDIT_READ)]) -> None: ...

    @router.get("/fine")
    def fine(_: Public) -> None: ...

    app = FastAPI()
    app.include_router(router)
    found = undeclared([r for r in router.routes if isinstance(r, APIRoute)])
    assert found == ["['GET'] /forgot: 0 declarations", "['GET'] /twice: 2 declarations"]


# The issue's public list: the carte sanitaire (facilities, categories, services),
# census and gaps (territories, needs, norms, indicators, layers, the map's PDF page),
# the data sets facilities report (what they ask, not what was reported),
# access (cached figures), caravan notices and visit dates (the campaigns, their plans,
# maps, calendars), the pages and what they read (definitions, config, licences), signing in;
# the same tree and data sets as DHIS2 metadata.
PUBLIC = {
    "GET /",
    "GET /docs",
    "GET /health",
    "GET /sheet/{code}",
    "GET /definitions",
    "GET /conventions",
    "GET /licences",
    "GET /sign-in",
    "GET /password",
    "GET /caravans",
    "GET /caravans/{campaign_id}",
    "GET /caravans/{campaign_id}/notice/{code}",
    "GET /api/config",
    "GET /api/definitions",
    "GET /api/territories",
    "GET /api/territories/{code}",
    "GET /api/territories/{code}/children",
    "GET /api/territories/{code}/needs",
    "GET /api/territories/{code}/gaps",
    "GET /api/territories/{code}/tables/{kind}",
    "GET /api/layers/{layer}",
    "GET /api/layers/towns",
    "GET /api/norms",
    "GET /api/datasets",
    "GET /api/datasets/{dataset_id}",
    "GET /api/indicators",
    "GET /api/indicators/{indicator_id}",
    "GET /api/maps/{code}.pdf",
    "GET /api/facilities",
    "GET /api/facilities/{facility_id}/capacity",
    "GET /api/capacity/measures",
    "GET /api/equipment",
    "GET /api/facilities.geojson",
    "GET /api/facilities/{facility_id}",
    "GET /api/categories",
    "GET /api/services",
    "GET /api/access/{code}",
    "GET /api/access/{code}/referral",
    "GET /api/access/{code}/distance",
    "GET /api/access/{code}/2sfca",
    "GET /api/access/{code}/catchments",
    "GET /api/caravans",
    "GET /api/caravans/vocabulary",
    "GET /api/caravans/{campaign_id}",
    "GET /api/caravans/{campaign_id}/routes.geojson",
    "GET /api/caravans/{campaign_id}/calendar.ics",
    "GET /api/caravans/{campaign_id}/plan.csv",
    "GET /api/caravans/{campaign_id}/records/template.csv",
    "GET /api/dhis2/metadata",
    # A published convention's summary (title, parties, dates, territories, object).
    "GET /api/conventions/published",
    "GET /api/conventions/published/{convention_id}",
    "GET /api/iati/activities.xml",
    "GET /api/conventions/partners/{partner_id}/figures",
    # A partner's yearly report: the conventions the asker sees, as its figures (above).
    "GET /api/conventions/partners/{partner_id}/report",
    "GET /api/conventions/territory-figures",
    "GET /api/conventions/layer",
    "POST /api/auth/sign-in",
    "POST /api/auth/sign-out",
    "GET /api/auth/me",
    # What the asker may do to one facility (like /api/auth/me: its own grants, over it).
    "GET /api/facilities/{facility_id}/rights",
}

# What needs a permission, by route: reading beyond the public, and every write.
NEEDS = {
    "GET /api/facilities/{facility_id}/history": Permission.REGISTRY_READ,
    "POST /api/facilities": Permission.REGISTRY_EDIT,
    "PATCH /api/facilities/{facility_id}": Permission.REGISTRY_EDIT,
    "PUT /api/facilities/{facility_id}/capacity": Permission.REGISTRY_EDIT,
    "GET /api/facilities/{facility_id}/capacity/history": Permission.REGISTRY_READ,
    "POST /api/equipment": Permission.REGISTRY_EDIT,
    "PATCH /api/equipment/{equipment_id}": Permission.REGISTRY_EDIT,
    "GET /api/equipment/{equipment_id}/history": Permission.REGISTRY_READ,
    "GET /api/capacity/template": Permission.REGISTRY_EDIT,
    "POST /api/capacity/import": Permission.REGISTRY_EDIT,
    "POST /api/facilities/{facility_id}/close": Permission.REGISTRY_EDIT,
    "POST /api/facilities/{facility_id}/reopen": Permission.REGISTRY_EDIT,
    "POST /api/access/what-if": Permission.PLAN_RUN,
    "POST /api/siting": Permission.PLAN_RUN,
    "POST /api/siting/candidates": Permission.PLAN_RUN,
    "GET /api/scenarios": Permission.SCENARIOS_READ,
    "GET /api/scenarios/compare": Permission.SCENARIOS_READ,
    "GET /api/scenarios/{scenario_id}": Permission.SCENARIOS_READ,
    "PATCH /api/scenarios/{scenario_id}": Permission.SCENARIOS_WRITE,
    "GET /api/plan": Permission.SCENARIOS_READ,
    "GET /api/plan/projects/{project_id}": Permission.SCENARIOS_READ,
    "POST /api/plan/projects": Permission.PROJECTS_MANAGE,
    "POST /api/plan/adopt": Permission.PROJECTS_MANAGE,
    "POST /api/plan/projects/{project_id}/status": Permission.PROJECTS_MANAGE,
    "POST /api/caravans": Permission.CARAVANS_PLAN,
    "POST /api/caravans/jobs": Permission.CARAVANS_PLAN,
    "POST /api/caravans/files": Permission.CARAVANS_PLAN,
    "GET /api/caravans/jobs/{job_id}": Permission.CARAVANS_PLAN,
    "POST /api/caravans/jobs/{job_id}/cancel": Permission.CARAVANS_PLAN,
    "POST /api/caravans/{campaign_id}/records": Permission.CARAVANS_RECORD,
    "POST /api/caravans/{campaign_id}/records/file": Permission.CARAVANS_RECORD,
    "GET /caravans/{campaign_id}/roadsheet": Permission.CARAVANS_READ,
    "GET /api/caravans/{campaign_id}/report": Permission.CARAVANS_READ,
    "GET /caravans/{campaign_id}/report": Permission.CARAVANS_READ,
    "GET /api/facilities/{facility_id}/referrals": Permission.CARAVANS_READ,
    # referrals: read over their origin or destination, handled by the side that acts
    # (the service checks which: referrals/service.py)
    "GET /api/referrals/pathways": Permission.REFERRALS_MEASURES,
    "GET /api/referrals": Permission.REFERRALS_READ,
    "POST /api/referrals": Permission.REFERRALS_HANDLE,
    "POST /api/referrals/tele-expertise": Permission.REFERRALS_HANDLE,
    "GET /api/referrals/measures": Permission.REFERRALS_MEASURES,
    "GET /api/referrals/flows.geojson": Permission.REFERRALS_MEASURES,
    "POST /api/referrals/import": Permission.REFERRALS_HANDLE,
    "GET /api/referrals/{referral_id}": Permission.REFERRALS_READ,
    "POST /api/referrals/{referral_id}/status": Permission.REFERRALS_HANDLE,
    "POST /api/referrals/{referral_id}/counter-referral": Permission.REFERRALS_HANDLE,
    "GET /api/referrals/{referral_id}/fiche": Permission.REFERRALS_READ,
    "GET /api/audit": Permission.AUDIT_READ,
    "GET /api/audit.csv": Permission.AUDIT_READ,
    "GET /audit": Permission.AUDIT_READ,
    "GET /scenarios": Permission.SCENARIOS_READ,
    "GET /scenarios/compare": Permission.SCENARIOS_READ,
    "POST /api/datasets/{dataset_id}/validate": Permission.WATCH_CONFIRM,
    "POST /api/reports": Permission.WATCH_REPORT,
    "GET /api/reports": Permission.REPORTS_READ,
    "POST /api/reports/{report_id}/confirm": Permission.WATCH_CONFIRM,
    "POST /api/reports/{report_id}/corrections": Permission.WATCH_REPORT,
    "POST /api/reports/import": Permission.WATCH_REPORT,
    "GET /api/completeness": Permission.REPORTS_READ,
    "GET /plan": Permission.SCENARIOS_READ,
    "GET /reports": Permission.REPORTS_READ,
    "GET /api/watch/indicators": Permission.REPORTS_READ,
    "GET /api/watch/trend": Permission.REPORTS_READ,
    "GET /api/watch/signals": Permission.REPORTS_READ,
    # shared resources: read by any role (a resource is shared to be found), managed by
    # resources.manage over its facility, booked with resources.book over the booker's
    "GET /api/sharing/resources": Permission.REGISTRY_READ,
    "POST /api/sharing/resources": Permission.RESOURCES_MANAGE,
    "GET /api/sharing/resources/{resource_id}": Permission.REGISTRY_READ,
    "PUT /api/sharing/resources/{resource_id}/availability": Permission.RESOURCES_MANAGE,
    "GET /api/sharing/slots": Permission.REGISTRY_READ,
    "POST /api/sharing/bookings": Permission.RESOURCES_BOOK,
    "GET /api/sharing/resources/{resource_id}/bookings": Permission.RESOURCES_MANAGE,
    "POST /api/sharing/bookings/{booking_id}/cancel": Permission.RESOURCES_BOOK,
    "POST /api/sharing/bookings/{booking_id}/reschedule": Permission.RESOURCES_BOOK,
    "POST /api/sharing/bookings/{booking_id}/approve": Permission.RESOURCES_MANAGE,
    "POST /api/sharing/bookings/{booking_id}/refuse": Permission.RESOURCES_MANAGE,
    "POST /api/sharing/bookings/{booking_id}/check-in": Permission.RESOURCES_MANAGE,
    "POST /api/sharing/resources/{resource_id}/downtime": Permission.RESOURCES_MANAGE,
    "POST /api/sharing/resources/{resource_id}/missions": Permission.RESOURCES_MANAGE,
    "GET /api/sharing/resources/{resource_id}/missions": Permission.REGISTRY_READ,
    "PUT /api/sharing/resources/{resource_id}/quotas": Permission.RESOURCES_MANAGE,
    "GET /api/sharing/resources/{resource_id}/quotas": Permission.REGISTRY_READ,
    "POST /api/sharing/resources/{resource_id}/waiting": Permission.RESOURCES_BOOK,
    "GET /api/sharing/resources/{resource_id}/waiting": Permission.RESOURCES_MANAGE,
    "DELETE /api/sharing/waiting/{waiting_id}": Permission.RESOURCES_BOOK,
    "GET /api/sharing/resources/{resource_id}/utilisation": Permission.REGISTRY_READ,
    "GET /api/sharing/resources/{resource_id}/reconciliation": Permission.REGISTRY_READ,
    # a signal's alert: read and noted by reports.read (the service lets through only
    # watch.triage over its territory, reports.read there, or an invitation)
    "GET /api/watch/signals/{signal_id}": Permission.REPORTS_READ,
    "POST /api/watch/signals/{signal_id}/notes": Permission.REPORTS_READ,
    "POST /api/watch/signals/{signal_id}/verification": Permission.WATCH_TRIAGE,
    "POST /api/watch/signals/{signal_id}/risk-assessment": Permission.WATCH_TRIAGE,
    "POST /api/watch/signals/{signal_id}/risk-characterisation": Permission.WATCH_TRIAGE,
    "POST /api/watch/signals/{signal_id}/outcome": Permission.WATCH_TRIAGE,
    "POST /api/watch/signals/{signal_id}/invitations": Permission.WATCH_TRIAGE,
    "GET /api/watch/signals.geojson": Permission.REPORTS_READ,
    "GET /api/watch/signals/{signal_id}/curve": Permission.REPORTS_READ,
    "GET /signals": Permission.REPORTS_READ,
    "GET /watch/bulletin": Permission.REPORTS_READ,
    "GET /watch/bulletin.pdf": Permission.REPORTS_READ,
    "GET /api/dhis2/dataValueSets": Permission.REPORTS_READ,
    "POST /api/dhis2/dataValueSets": Permission.WATCH_REPORT,
    "GET /api/conventions": Permission.CONVENTIONS_READ,
    "GET /api/conventions/{convention_id}": Permission.CONVENTIONS_READ,
    "GET /api/iati/conventions/{convention_id}": Permission.CONVENTIONS_READ,
    "GET /api/conventions/{convention_id}/documents/{document_id}": Permission.CONVENTIONS_READ,
    "GET /api/conventions/{convention_id}/report": Permission.CONVENTIONS_READ,
    "GET /api/conventions/{convention_id}/contributions": Permission.CONVENTIONS_READ,
    "POST /api/conventions/{convention_id}/contributions": Permission.CONVENTIONS_PARTY,
    "PUT /api/conventions/{convention_id}/contributions/{contribution_id}": (
        Permission.CONVENTIONS_PARTY
    ),
    "POST /api/conventions/{convention_id}/contributions/{contribution_id}/tranches": (
        Permission.CONVENTIONS_PARTY
    ),
    "PUT /api/conventions/{convention_id}/contributions/{contribution_id}/tranches/{tranche_id}": (
        Permission.CONVENTIONS_PARTY
    ),
    "GET /api/conventions/{convention_id}/disbursements": Permission.CONVENTIONS_READ,
    "POST /api/conventions/{convention_id}/disbursements": Permission.CONVENTIONS_PARTY,
    "PUT /api/conventions/{convention_id}/disbursements/{disbursement_id}": (
        Permission.CONVENTIONS_PARTY
    ),
    "GET /api/conventions/{convention_id}/execution/financial": Permission.CONVENTIONS_READ,
    "POST /api/conventions": Permission.CONVENTIONS_MANAGE,
    "PUT /api/conventions/{convention_id}": Permission.CONVENTIONS_MANAGE,
    "POST /api/conventions/{convention_id}/status": Permission.CONVENTIONS_MANAGE,
    "PUT /api/conventions/{convention_id}/parties": Permission.CONVENTIONS_MANAGE,
    "POST /api/conventions/{convention_id}/articles": Permission.CONVENTIONS_MANAGE,
    "POST /api/conventions/{convention_id}/amendments": Permission.CONVENTIONS_MANAGE,
    "POST /api/conventions/{convention_id}/documents": Permission.CONVENTIONS_MANAGE,
    "GET /api/conventions/{convention_id}/overview": Permission.CONVENTIONS_READ,
    "GET /api/conventions/{convention_id}/deliverables": Permission.CONVENTIONS_READ,
    "POST /api/conventions/{convention_id}/deliverables": Permission.CONVENTIONS_MANAGE,
    "PUT /api/conventions/{convention_id}/deliverables/{deliverable_id}": (
        Permission.CONVENTIONS_MANAGE
    ),
    "POST /api/conventions/{convention_id}/deliverables/{deliverable_id}/status": (
        Permission.CONVENTIONS_MANAGE
    ),
    "POST /api/conventions/{convention_id}/deliverables/{deliverable_id}/actuals": (
        Permission.CONVENTIONS_PARTY
    ),
    "POST /api/conventions/{convention_id}/deliverables/{deliverable_id}/documents": (
        Permission.CONVENTIONS_PARTY
    ),
    "GET /api/conventions/{convention_id}/execution/physical": Permission.CONVENTIONS_READ,
    "GET /api/conventions/{convention_id}/workbook": Permission.CONVENTIONS_READ,
    "POST /api/conventions/{convention_id}/workbook": Permission.CONVENTIONS_PARTY,
    "GET /api/conventions/{convention_id}/committee": Permission.COMMITTEE_SIT,
    "PUT /api/conventions/{convention_id}/committee/rule": Permission.CONVENTIONS_MANAGE,
    "POST /api/conventions/{convention_id}/committee/members": Permission.CONVENTIONS_MANAGE,
    "GET /api/conventions/{convention_id}/meetings": Permission.COMMITTEE_SIT,
    "POST /api/conventions/{convention_id}/meetings": Permission.CONVENTIONS_MANAGE,
    "GET /api/conventions/{convention_id}/meetings/{number}": Permission.COMMITTEE_SIT,
    "GET /api/conventions/{convention_id}/meetings/{number}/minutes": Permission.COMMITTEE_SIT,
    "GET /api/conventions/{convention_id}/actions": Permission.COMMITTEE_SIT,
    "POST /api/conventions/{convention_id}/actions/{action_id}/status": (
        Permission.CONVENTIONS_PARTY
    ),
    # shared resources' page: a clerk's own bookings (its manager's too, resources.book
    # being a manager's as well) and a resource's week, read by any role
    "GET /sharing": Permission.REGISTRY_READ,
    "GET /api/sharing/bookings": Permission.RESOURCES_BOOK,
    "GET /api/sharing/resources/{resource_id}/week": Permission.REGISTRY_READ,
    # the referrals' page: its measures for the committee, its list by referrals.read
    "GET /referrals": Permission.REFERRALS_MEASURES,
}

# One's own things: any signed-in account (changing one's password even before anything
# else, when it must be changed).
OWN = {
    "POST /api/auth/password",
    "GET /api/auth/tokens",
    "POST /api/auth/tokens",
    "DELETE /api/auth/tokens/{token_id}",
    "GET /api/alerts",
    "POST /api/alerts/{alert_id}/read",
}


def test_the_public_routes_are_the_issue_list_and_the_rest_needs_what_it_says() -> None:
    table = access_by_route()
    public = {route for route, access in table.items() if access.public}
    assert public == PUBLIC
    needs_table = {r: a.permission for r, a in table.items() if a.permission is not None}
    assert needs_table == NEEDS
    own = {r for r, a in table.items() if a.signed_in and a.permission is None}
    assert own == OWN
    stale = {r for r, a in table.items() if a.stale_password_ok}
    assert stale == {"POST /api/auth/password"}
    # Nothing that writes is public, but signing in and out.
    writes = {r for r in public if not r.startswith("GET ")}
    assert writes == {"POST /api/auth/sign-in", "POST /api/auth/sign-out"}
