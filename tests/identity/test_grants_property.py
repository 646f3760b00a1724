"""Nobody reads or writes a row outside their grants, lists included: a property test.

Hypothesis draws an account (a shipped role over a scope: one or two territories of the
national data, drawn near the object or anywhere, sometimes restricted to a facility or
two, sometimes everything), a route that reads or writes one object (a facility of the
national registry, a caravan campaign, a saved siting scenario) or a list (the saved
scenarios, the audit trail), and asks it over the web. The expected answer is worked out
here from first principles, not by the code that checks: the role must hold the route's
permission (else 403 `account_not_allowed`), and the object's territory, or one of the
territories above it by the tree read from the `territories` table's parent links
(cercles, and Casablanca's préfectures d'arrondissements by HCP's numbering, included;
never by code prefix), must be one the scope names, and the object one of the scope's
facilities when it names some (else 403 `outside_scope`). A list holds exactly the rows
that rule lets through: every saved scenario, a page of the audit trail after an entry
drawn at random (an entry with no territory only for a scope of everything).

The writes are harmless: a facility is closed then reopened (both allowed or both
refused), reopened while open (409 once allowed), patched with the beds it already has,
added to a commune (a new facility, in this private copy), or a consultation is recorded
for a campaign (planned ahead: refused for its date, past the check, nothing written).

What it catches (each tried by breaking the code, then restoring it): a scope check that
lets everything through (`scopes.covers` answering True), or that forgets the facility
restriction, fails on the first account it should refuse; one that reads territories by
code prefix (the country aside) fails on an account over the commune of Casablanca
(06.141.01.0) reading a facility of its arrondissement 06.141.01.11; a scenario list or an
audit trail that keeps every row fails on the first reader over one region.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from qurb.app.web import create_app
from qurb.identity import passwords
from qurb.identity.permissions import ROLE_PERMISSIONS, Permission, Role
from qurb.identity.scopes import Scope
from qurb.platform.settings import Settings
from tests.accounts import Someone, add_account
from tests.app.test_route_access import access_by_route
from tests.caravan_requests import campaign
from tests.databases import private_copy
from tests.versions import ANY_VERSION
from tests.web_clients import TestClient

# Two campaigns and three scenarios in different provinces, planned and run at the start.
NOUACEUR_BASE = "hosp-06.385.01.01-bouskoura"
SCENARIO_TERRITORIES = ("03.131", "01.573", "06.141")  # Boulemane, M'diq-Fnideq, Casablanca


@dataclass(frozen=True)
class Unit:
    code: str
    level: str
    kind: str
    parent: str | None
    cercle: str | None


class Tree:
    """The territory tree as the `territories` table holds it."""

    def __init__(self, units: dict[str, Unit]) -> None:
        self.units = units

    def chain(self, code: str) -> frozenset[str]:
        """`code` and every territory it lies within."""
        out: set[str] = set()
        unit: Unit | None = self.units[code]
        if unit is not None and unit.level == "arrondissement":
            # HCP numbers Casablanca's arrondissements within the tens of their préfecture
            # d'arrondissements (06.141.01.51 is in 06.141.01.50).
            prefecture = self.units.get(code[:-1] + "0")
            if prefecture is not None and prefecture.kind == "prefecture_of_arrondissements":
                out.add(prefecture.code)
        while unit is not None:
            out.add(unit.code)
            if unit.cercle is not None:
                out.add(unit.cercle)
            unit = self.units.get(unit.parent) if unit.parent else None
        return frozenset(out)

    def unprefixed(self, code: str) -> list[str]:
        """The territories `code` lies within whose codes are no prefix of it (the country
        aside)."""
        chain = self.chain(code)
        return sorted(
            c for c in chain if not code.startswith(c) and self.units[c].level != "country"
        )


@dataclass(frozen=True)
class Obj:
    """An object a route is about: its kind, id and territory (its facility id for a
    facility)."""

    kind: str  # facility, campaign, scenario
    id: str
    territory: str


@dataclass
class World:
    client: TestClient
    database: Path
    tree: Tree
    facilities: list[Obj]
    urban: list[Obj]  # the facilities within a territory whose code is no prefix of theirs
    beds: dict[str, int | None]
    communes: list[str]
    campaigns: list[Obj]
    scenarios: list[Obj]
    people: dict[tuple[Role, str], Someone] = field(default_factory=dict)
    factory: Any = None
    added: int = 0  # facilities asked to be added, for names of their own
    last_seq: int = 0  # the audit trail's last entry once the world is made

    def __repr__(self) -> str:
        return "World()"

    def sql(self, query: str, *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.database) as connection:
            return connection.execute(query, args).fetchall()

    def someone(self, role: Role, scope: Scope) -> Someone:
        key = (role, repr(scope.to_json()))
        if key not in self.people:
            name = f"prop-{len(self.people)}"
            self.people[key] = add_account(self.factory, name, role, scope)
        return self.people[key]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, national_db_file: Any) -> Iterator[World]:
    # SQLite alone: the examples read the audit trail with sqlite3; the permission matrix
    # (tests/app/test_permission_matrix.py) runs the same checks on both engines.
    copy = tmp_path_factory.mktemp("grants") / "qurb.sqlite"
    app = create_app(Settings(database_url=private_copy(national_db_file[0], copy)))
    factory = app.state.qurb.factory
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "PARAMETERS", passwords.Argon2Parameters(1, 64, 1))
        admin = add_account(factory, "admin-grants")
    with TestClient(app, raise_server_exceptions=False) as client:
        start = date.today() + timedelta(days=30)
        nouaceur = campaign(
            start,
            days=2,
            name="Caravane test Nouaceur",
            territory="06.385",
            communes="all",
            bases=[{"name": "Hôpital de Bouskoura", "facility": NOUACEUR_BASE}],
        )
        nouaceur["units"][0]["base"] = "Hôpital de Bouskoura"
        campaigns = []
        for body in (campaign(start, days=2), nouaceur):
            planned = client.post("/api/caravans", json=body, headers=admin.headers)
            assert planned.status_code == 200, planned.text
            campaigns.append(Obj("campaign", planned.json()["id"], body["territory"]))
        scenarios = []
        for territory in SCENARIO_TERRITORIES:
            sited = client.post(
                "/api/siting",
                json={"territory": territory, "level": "secondary", "add": 1},
                headers=admin.headers,
            )
            assert sited.status_code == 200, sited.text
            scenarios.append(Obj("scenario", sited.json()["id"], territory))
        with sqlite3.connect(copy) as connection:
            units = {
                row[0]: Unit(*row)
                for row in connection.execute(
                    "SELECT code, level, kind, parent_code, cercle_code FROM territories"
                )
            }
            rows = connection.execute(
                "SELECT id, COALESCE(arrondissement_code, commune_code), beds FROM facilities"
                # an OpenStreetMap point is edited on openstreetmap.org (409 for anyone)
                " WHERE status = 'open' AND NOT (family = 'osm' AND location_source = 'osm')"
                " ORDER BY id"
            ).fetchall()
            [[last_seq]] = connection.execute("SELECT MAX(seq) FROM audit_entries").fetchall()
        with_arrondissements = {u.parent for u in units.values() if u.level == "arrondissement"}
        communes = sorted(
            u.code
            for u in units.values()
            if u.level == "commune" and u.code not in with_arrondissements
        )
        yield World(
            client,
            copy,
            Tree(units),
            [Obj("facility", r[0], r[1]) for r in rows],
            [Obj("facility", r[0], r[1]) for r in rows if Tree(units).unprefixed(r[1])],
            {r[0]: r[2] for r in rows},
            communes,
            campaigns,
            scenarios,
            factory=factory,
            last_seq=last_seq,
        )


# ------------------------------------------------------------------------- the rule


def permission_of(route: str) -> Permission:
    permission = ACCESS[route].permission
    assert permission is not None
    return permission


def covered(tree: Tree, scope: Scope, territory: str | None, facility: str | None) -> bool:
    """Does `scope` reach an object in `territory` (that is `facility`, if one)?"""
    if scope.territories is not None:
        if territory is None or territory not in tree.units:
            return False
        if scope.territories.isdisjoint(tree.chain(territory)):
            return False
    # The scopes drawn here restrict no partner nor convention.
    return scope.facilities is None or facility in scope.facilities


# ------------------------------------------------------------------------- the routes

ACCESS = access_by_route()

# The routes about one object, by the object's kind (a new facility: its commune).
FACILITY_ROUTES = [
    "GET /api/facilities/{facility_id}/history",
    "GET /api/facilities/{facility_id}/referrals",
    "PATCH /api/facilities/{facility_id}",
    "POST /api/facilities/{facility_id}/reopen",
    "POST /api/facilities/{facility_id}/close",  # then reopened
    "POST /api/facilities",
]
CAMPAIGN_ROUTES = [
    "GET /api/caravans/{campaign_id}/report",
    "POST /api/caravans/{campaign_id}/records",
]
SCENARIO_ROUTES = ["GET /api/scenarios/{scenario_id}"]
LISTS = ["GET /api/scenarios", "GET /api/audit"]


@dataclass(frozen=True)
class Case:
    role: Role
    scope: Scope
    route: str
    obj: Obj | None  # None for a list
    after: int = 0  # the audit trail's page starts after this entry


def _near(tree: Tree, obj: Obj) -> st.SearchStrategy[str]:
    """A territory code: anywhere, or one of the object's own chain, or one above it whose
    code is no prefix of its, or one that shares a prefix with the object's territory
    without containing it."""
    anywhere = st.sampled_from(sorted(tree.units))
    chain = sorted(tree.chain(obj.territory))
    prefixes = sorted(
        c
        for c in tree.units
        if obj.territory.startswith(c[: max(2, len(c) - 1)]) and c not in chain
    )
    options = [anywhere, st.sampled_from(chain)]
    if unprefixed := tree.unprefixed(obj.territory):
        options.append(st.sampled_from(unprefixed))
    if prefixes:
        options.append(st.sampled_from(prefixes))
    return st.one_of(options)


@st.composite
def cases(draw: st.DrawFn, world: World) -> Case:
    singles = FACILITY_ROUTES + CAMPAIGN_ROUTES + SCENARIO_ROUTES
    route = draw(st.sampled_from(singles + LISTS * 2))
    obj: Obj | None = None
    if route in FACILITY_ROUTES:
        # Any facility, or (as often) one whose territory lies within a territory whose
        # code is no prefix of its own (Casablanca's arrondissements).
        obj = draw(st.one_of(st.sampled_from(world.facilities), st.sampled_from(world.urban)))
        if route == "POST /api/facilities":  # a new facility, in a commune
            obj = Obj("new", "", draw(st.sampled_from(world.communes)))
    elif route in CAMPAIGN_ROUTES:
        obj = draw(st.sampled_from(world.campaigns))
    elif route in SCENARIO_ROUTES:
        obj = draw(st.sampled_from(world.scenarios))
    # A list's scope is drawn near one of its rows: a scenario, or a facility (most of
    # the audit trail is the registry's making).
    anchor = obj
    if route == "GET /api/scenarios":
        anchor = draw(st.sampled_from(world.scenarios))
    elif route == "GET /api/audit":
        anchor = draw(st.sampled_from(world.facilities + world.scenarios))
    # Any role, or (twice as often) one holding the route's permission: few roles read
    # the audit trail, and a refusal for want of the permission says nothing of scopes.
    holders = [r for r in Role if permission_of(route) in ROLE_PERMISSIONS[r]]
    of_holders = st.sampled_from(holders)
    role = draw(st.one_of(st.sampled_from(list(Role)), of_holders, of_holders))
    after = draw(st.integers(0, world.last_seq)) if route == "GET /api/audit" else 0
    if draw(st.integers(0, 9)) == 0:
        return Case(role, Scope.everything(), route, obj, after)
    assert anchor is not None
    territories = draw(st.lists(_near(world.tree, anchor), min_size=1, max_size=2))
    facilities = None
    if draw(st.integers(0, 4)) == 0:
        pool = [world.facilities[0].id]
        if obj is not None and obj.kind == "facility":
            pool.append(obj.id)
        facilities = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2))
    return Case(role, Scope(territories=territories, facilities=facilities), route, obj, after)


def ask_one(world: World, case: Case, someone: Someone) -> list[Any]:
    """The answers to the route over the case's object (two for close, then reopen)."""
    obj = case.obj
    assert obj is not None
    method, path = case.route.split(" ", 1)
    url = (
        path.replace("{facility_id}", obj.id)
        .replace("{campaign_id}", obj.id)
        .replace("{scenario_id}", obj.id)
    )
    ask = world.client.request
    headers = {**someone.headers, **ANY_VERSION}  # writes over any version (not tested here)
    if case.route == "POST /api/facilities":
        world.added += 1
        name = f"Dispensaire propriété {world.added}"
        body = {"name": name, "category": "DR", "commune": obj.territory, "reason": "property"}
        return [ask(method, url, json=body, headers=headers)]
    if case.route == "PATCH /api/facilities/{facility_id}":
        # The beds it has: a change that changes nothing (a reason alone when none known).
        same: dict[str, Any] = {"reason": "property"}
        if world.beds[obj.id] is not None:
            same["beds"] = world.beds[obj.id]
        return [ask(method, url, json=same, headers=headers)]
    if case.route == "POST /api/facilities/{facility_id}/close":
        closed = ask(method, url, json={"reason": "property"}, headers=headers)
        reopen = url.replace("/close", "/reopen")
        return [closed, ask("POST", reopen, json={"reason": "property"}, headers=headers)]
    if case.route == "POST /api/facilities/{facility_id}/reopen":
        return [ask(method, url, json={"reason": "property"}, headers=headers)]
    if case.route == "POST /api/caravans/{campaign_id}/records":
        row = {"stop": 1, "kind": "consultation", "item": "general_medicine", "count": 1}
        return [ask(method, url, json={"rows": [row]}, headers=headers)]
    return [ask(method, url, headers=headers)]


# What an allowed call answers, past the check (200 when not named): the statuses, and
# the code of an error that can only come after the check.
ALLOWED: dict[str, tuple[int, str | None]] = {
    "POST /api/facilities": (201, None),
    "POST /api/facilities/{facility_id}/reopen": (409, "facility_not_closed"),
    # The campaigns are planned ahead: nothing is recorded before a visit's day.
    "POST /api/caravans/{campaign_id}/records": (422, "not_recorded"),
}


AUDIT_PAGE = 200


def audit_page(world: World, case: Case, someone: Someone) -> tuple[list[int], int | None]:
    """The seqs of one page of the audit trail after `case.after`, and its `next_after`."""
    query = f"/api/audit?limit={AUDIT_PAGE}&after={case.after}"
    answer = world.client.get(query, headers=someone.headers)
    assert answer.status_code == 200, answer.text
    page = answer.json()
    return [e["seq"] for e in page["entries"]], page["next_after"]


def check(world: World, case: Case) -> None:
    someone = world.someone(case.role, case.scope)
    holds = permission_of(case.route) in ROLE_PERMISSIONS[case.role]
    if case.obj is not None:
        answers = ask_one(world, case, someone)
        facility = case.obj.id if case.obj.kind == "facility" else None
        if not holds:
            expected = (403, "account_not_allowed")
        elif not covered(world.tree, case.scope, case.obj.territory, facility):
            expected = (403, "outside_scope")
        else:
            event("allowed")
            status, code = ALLOWED.get(case.route, (200, None))
            for answer in answers:
                assert answer.status_code == status, answer.text
                if code is not None:
                    assert answer.json()["code"] == code
            return
        event(expected[1])
        for answer in answers:
            assert (answer.status_code, answer.json().get("code")) == expected, answer.text
        return
    if not holds:
        event("account_not_allowed")
        answer = world.client.get(case.route.split(" ", 1)[1], headers=someone.headers)
        assert (answer.status_code, answer.json()["code"]) == (403, "account_not_allowed")
        return
    if case.route == "GET /api/scenarios":
        answer = world.client.get("/api/scenarios", headers=someone.headers)
        assert answer.status_code == 200, answer.text
        ids = {s["id"] for s in answer.json()}
        event(f"scenarios listed: {len(ids)}")
        saved = world.sql("SELECT id, territory_code FROM scenarios")
        expected_ids = {i for i, t in saved if covered(world.tree, case.scope, t, None)}
        assert ids == expected_ids
        return
    seen, next_after = audit_page(world, case, someone)
    entries = world.sql(
        "SELECT seq, territory_code, entity_kind, entity_id FROM audit_entries"
        " WHERE seq > ? ORDER BY seq",
        case.after,
    )
    visible = [
        seq
        for seq, territory, kind, entity in entries
        if case.scope.is_everything
        or covered(world.tree, case.scope, territory, entity if kind == "facility" else None)
    ]
    event(f"audit: {'everything' if case.scope.is_everything else 'some' if seen else 'none'}")
    assert seen == visible[:AUDIT_PAGE]
    assert next_after == (visible[AUDIT_PAGE - 1] if len(visible) > AUDIT_PAGE else None)


@pytest.fixture(scope="module")
def drawn(world: World) -> st.SearchStrategy[Case]:
    return cases(world)


@settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_nobody_reads_or_writes_outside_their_grants(
    world: World, drawn: st.SearchStrategy[Case], data: st.DataObject
) -> None:
    check(world, data.draw(drawn, label="case"))
