"""Benchmark: what checking permissions costs a request (issue figure: under 1 ms per
request, against the same requests with the permission dependency replaced by allow-all,
same run).

The requests are those an account makes most: a facility's history (`registry.read` over
the facility: its territory chain, the partners that are it), a saved scenario's list
(`scenarios.read`, each row filtered by the grants' scopes) and a public facility read.
The account is a registry editor of the region Fès-Meknès holding a second grant (a
viewer over Tanger-Tétouan-Al Hoceima), so that the check walks more than one grant. The
peer is the same app with every route's declared dependency overridden by one that lets
everything through (FastAPI's `dependency_overrides`): the token is still read and the
grants still loaded by the middleware, so the difference is the check alone. Rounds
alternate which goes first; one round warms up. Prints the median time per request of
each, their ratio and the difference per request in milliseconds.

On a private copy of the bundled national database (built by `qurb db init` in a
temporary folder).

Run:  .venv/bin/python benchmarks/permission_check.py [--requests 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute

from qurb.app.dataset import init_database
from qurb.app.features import routers
from qurb.app.web import create_app
from qurb.identity.dependencies import PrincipalDep
from qurb.identity.guard import Guard
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.platform.access import Access, declared_calls
from qurb.platform.database import make_engine, transaction
from qurb.platform.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accounts import account_headers, grant

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

FACILITY = "hosp-03.131.01.03-marche-verte"  # Hôpital provincial de Missour
PATHS = [f"/api/facilities/{FACILITY}/history", "/api/scenarios", f"/api/facilities/{FACILITY}"]


def _declared_calls() -> dict[Any, Access]:
    return {
        call: access
        for router in routers()
        for route in router.routes
        if isinstance(route, APIRoute)
        for call, access in declared_calls(route.dependant)
    }


def _allow_all(access: Access) -> Any:
    """A dependency that answers a guard letting everything through (the peer)."""

    class Everything(Guard):
        def allows(self, target: Any) -> bool:
            return True

        def over(self, target: Any) -> Any:
            return self.actor

    def allow(principal: PrincipalDep) -> Guard:
        return Everything(principal, access)

    return allow


def _time(client: TestClient, headers: dict[str, str], requests: int) -> float:
    """Seconds per request over `requests` requests, the paths in turn."""
    start = time.perf_counter()
    for i in range(requests):
        answer = client.get(PATHS[i % len(PATHS)], headers=headers)
        if answer.status_code != 200:
            raise SystemExit(f"{PATHS[i % len(PATHS)]}: {answer.status_code} {answer.text}")
    return (time.perf_counter() - start) / requests


def _check_alone_us(factory: Any, account_id: int, calls: int = 20_000) -> float:
    """Microseconds of the check itself, outside any request: the declaration's check and
    `over` the facility's target (its territory chain and partners read beforehand)."""
    from qurb.identity.account_service import get_account_by_id
    from qurb.identity.grant_service import principal_for
    from qurb.identity.guard import check
    from qurb.identity.permissions import Permission
    from qurb.identity.principal import Proof
    from qurb.registry.service import get_facility
    from qurb.registry.targets import facility_target
    from qurb.territory.service import TerritoryIndex

    with transaction(factory) as session:
        account = get_account_by_id(session, account_id)
        assert account is not None
        principal = principal_for(session, account, Proof.TOKEN)
        index = TerritoryIndex.from_session(session)
        target = facility_target(session, index, get_facility(session, FACILITY))
    access = Access(Permission.REGISTRY_READ, signed_in=True)
    start = time.perf_counter()
    for _ in range(calls):
        check(principal, access).over(target)
    return 1e6 * (time.perf_counter() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="qurb-bench-permissions-"))
    url = f"sqlite:///{folder / 'qurb.sqlite'}"
    engine = make_engine(url)
    init_database(engine)
    engine.dispose()
    checked = create_app(Settings(database_url=url))
    peer = create_app(Settings(database_url=url))
    factory = checked.state.qurb.factory
    editor_id, headers = account_headers(
        factory, "editor", Role.REGISTRY_EDITOR, Scope(territories=["03"])
    )
    with transaction(factory) as session:  # a second grant: a viewer of Tanger
        grant(session, editor_id, Role.VIEWER, Scope(territories=["01"]))
    for call, access in _declared_calls().items():
        peer.dependency_overrides[call] = _allow_all(access)
    checked_s: list[float] = []
    peer_s: list[float] = []
    with TestClient(checked) as a, TestClient(peer) as b:
        for round_ in range(args.rounds + 1):
            pair = [(a, checked_s), (b, peer_s)]
            for client, out in pair if round_ % 2 else reversed(pair):
                seconds = _time(client, headers, args.requests)
                if round_:
                    out.append(seconds)
    mine, theirs = statistics.median(checked_s), statistics.median(peer_s)
    print(f"requests per round: {args.requests} ({', '.join(PATHS)}), rounds: {args.rounds}")
    print(f"checked (Qurb's permission dependency): {mine * 1000:.3f} ms per request")
    print(f"peer (the same routes, dependency replaced by allow-all): {theirs * 1000:.3f} ms")
    print(f"ratio checked / allow-all: {mine / theirs:.3f}")
    print(f"cost of the check: {(mine - theirs) * 1000:.3f} ms per request (target < 1 ms)")
    alone = _check_alone_us(factory, editor_id)
    print(f"the check alone, outside a request: {alone:.1f} µs (two grants, one facility)")


if __name__ == "__main__":
    main()
