"""Benchmark: the web API under 20 concurrent clients (issue figure: p95 under 100 ms for
territory and facility queries).

Measures, in one run, on a temporary copy of the national database:
  1. Qurb: `create_app(settings)` under uvicorn in a subprocess; 20 concurrent clients
     (httpx, asyncio) request territory details, searches, facility pages (JSON and
     GeoJSON) and display layers for --seconds; latency p50/p95/p99 and requests/s per
     endpoint. A first, untimed pass over every URL warms the caches; its own latencies
     are printed as "cold".
  2. The peer: a bare Starlette route under the same uvicorn, in its own subprocess,
     returning the very same JSON bytes (fetched from Qurb beforehand) from a dict — the
     floor for serving these answers over HTTP on this machine. Ratio = Qurb / peer.
The clients share the machine with the server: on 2 cores they take part of the CPU.

Run:  .venv/bin/python benchmarks/web_load.py [--seconds 10] [--clients 20] [--db FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import defaultdict
from pathlib import Path

import httpx

from qurb.app.dataset import init_database
from qurb.platform.database import make_engine

# Territory and facility queries (the target), and the large map payloads apart.
SCENARIOS = {
    "queries": ("territory detail", "territory search", "facility page"),
    "map data": ("facility geojson", "communes layer"),
}

QURB_SERVER = """
import sys, uvicorn
from qurb.app.web import create_app
from qurb.platform.settings import Settings
app = create_app(Settings(database_url=sys.argv[1]))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="error")
"""

PEER_SERVER = """
import json, sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
bodies = json.load(open(sys.argv[1], encoding="utf-8"))
async def answer(request):
    key = request.url.path + ("?" + request.url.query if request.url.query else "")
    return Response(bodies[key].encode(), media_type="application/json")
app = Starlette(routes=[Route("/{path:path}", answer)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="error")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(script: str, *args: str, quiet: bool = False) -> tuple[subprocess.Popen[bytes], str]:
    """The server `script` run with `args` and a free port, once it answers; `quiet`: its
    output (a request log) left out."""
    port = free_port()
    out = subprocess.DEVNULL if quiet else None
    command = [sys.executable, "-c", textwrap.dedent(script), *args, str(port)]
    process = subprocess.Popen(command, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/api/config", timeout=1).status_code < 500:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"server did not start: {script[:40]}")


def workload(base: str, seed: int = 0) -> dict[str, list[str]]:
    """URLs per endpoint: every region and province, 200 communes, real names."""
    regions = httpx.get(f"{base}/api/territories", params={"parent": "MA"}).json()["items"]
    units = [r["code"] for r in regions]
    provinces = httpx.get(
        f"{base}/api/territories", params={"level": "province", "limit": 500}
    ).json()["items"]
    communes = httpx.get(
        f"{base}/api/territories", params={"level": "commune", "limit": 500, "parent": "MA"}
    ).json()["items"]
    rng = random.Random(seed)
    picked = rng.sample(communes, min(200, len(communes)))
    province_codes = [p["code"] for p in provinces if p["code"].count(".") == 1]
    names = [c["name_fr"][:5] for c in picked[:40]] + [c["name_ar"][:4] for c in picked[40:60]]
    return {
        "territory detail": [
            f"/api/territories/{c}" for c in units + province_codes + [c["code"] for c in picked]
        ],
        "territory search": [str(httpx.URL("/api/territories", params={"q": n})) for n in names],
        "facility page": [
            f"/api/facilities?territory={p}&limit=50&offset={o}"
            for p in province_codes
            for o in (0, 50)
        ],
        "facility geojson": [
            f"/api/facilities.geojson?territory={c['code']}&sector=all&limit=500"
            for c in picked[:80]
        ],
        "communes layer": [f"/api/layers/communes?parent={p}" for p in province_codes],
    }


async def hammer(
    base: str, urls: list[tuple[str, str]], seconds: float, clients: int
) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = defaultdict(list)
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def one(worker: int) -> None:
            i = worker
            while time.perf_counter() < stop:
                name, url = urls[i % len(urls)]
                i += clients
                start = time.perf_counter()
                response = await client.get(url)
                response.raise_for_status()
                timings[name].append(time.perf_counter() - start)

        await asyncio.gather(*(one(w) for w in range(clients)))
    return timings


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000.0


def report(title: str, timings: dict[str, list[float]], seconds: float) -> dict[str, float]:
    print(f"\n{title}")
    print(f"  {'endpoint':<18} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8}")
    p95 = {}
    for name, values in timings.items():
        p95[name] = percentile(values, 0.95)
        print(
            f"  {name:<18} {len(values):>6} {percentile(values, 0.5):>8.1f} {p95[name]:>8.1f} "
            f"{percentile(values, 0.99):>8.1f} {len(values) / seconds:>8.1f}"
        )
    total = sum(len(v) for v in timings.values())
    print(f"  {'all':<18} {total:>6} {'':>8} {'':>8} {'':>8} {total / seconds:>8.1f}")
    return p95


def run_scenarios(
    who: str, base: str, urls: list[tuple[str, str]], args: argparse.Namespace
) -> dict[str, dict[str, float]]:
    out = {}
    for scenario, names in SCENARIOS.items():
        mix = [(n, u) for n, u in urls if n in names]
        timings = asyncio.run(hammer(base, mix, args.seconds, args.clients))
        title = f"{who} — {scenario}: {args.clients} concurrent clients, {args.seconds:.0f} s"
        out[scenario] = report(title, timings, args.seconds)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--db", type=Path, help="a loaded qurb.sqlite to copy (default: build)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "qurb.sqlite"
        if args.db:
            shutil.copyfile(args.db, path)
        else:
            print("loading the national dataset into a temporary database…")
            engine = make_engine(f"sqlite:///{path}")
            init_database(engine)
            engine.dispose()
        qurb, base = start(QURB_SERVER, f"sqlite:///{path}")
        try:
            plan = workload(base)
            urls = [(name, url) for name, group in plan.items() for url in group]
            random.Random(1).shuffle(urls)
            # Cold pass: every URL once, one client; also collects the peer's bodies.
            bodies: dict[str, str] = {"/api/config": "{}"}
            cold_timings: dict[str, list[float]] = defaultdict(list)
            with httpx.Client(base_url=base, timeout=60) as client:
                for name, url in urls:
                    start_at = time.perf_counter()
                    response = client.get(url, headers={"Accept-Encoding": "identity"})
                    cold_timings[name].append(time.perf_counter() - start_at)
                    response.raise_for_status()
                    bodies[url] = response.text
            cold_seconds = sum(sum(v) for v in cold_timings.values())
            report("Qurb, cold (first request of each URL, one client)", cold_timings, cold_seconds)
            qurb_p95 = run_scenarios("Qurb", base, urls, args)
        finally:
            qurb.terminate()
            qurb.wait()
        bodies_file = Path(tmp) / "bodies.json"
        bodies_file.write_text(json.dumps(bodies), encoding="utf-8")
        peer, peer_base = start(PEER_SERVER, str(bodies_file))
        try:
            peer_p95 = run_scenarios(
                "Peer (bare Starlette, same JSON bytes)", peer_base, urls, args
            )
        finally:
            peer.terminate()
            peer.wait()
    print("\nRatio Qurb / peer, p95 (same machine, same run):")
    for scenario in SCENARIOS:
        for name, value in qurb_p95[scenario].items():
            print(f"  {scenario:<8} {name:<18} {value / peer_p95[scenario][name]:>6.1f}×")
    worst = max(qurb_p95["queries"].values())
    verdict = "met" if worst < 100 else "NOT met"
    print(f"\nTarget p95 < 100 ms (territory and facility queries): {verdict}, {worst:.0f} ms")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
