"""Benchmark: the access and referral endpoints under 10 concurrent clients, against a
bare Starlette route serving the same bytes (issue target: within 1.5× of it).

Measures, in one run, on a temporary copy of the national database:
  - Qurb: `create_app(settings)` under uvicorn in a subprocess. A first request of each
    URL (the computation, one client) is timed apart as "cold".
  - The peer: a bare Starlette route under the same uvicorn, in its own subprocess,
    answering each URL with the very same bytes as Qurb (fetched from it beforehand),
    gzipped once at start-up when the client takes gzip, as Qurb's cached bodies are —
    the floor for serving these answers over HTTP on this machine.
  For each endpoint — `/api/access/03` (a region), `/api/access/MA` (the country),
  `/api/access/03/referral`, and `/api/territories/03` for reference — 10 concurrent
  clients (httpx, asyncio, asking for gzip as a browser does) request that one URL for
  --seconds from Qurb, then from the peer, --rounds times, who goes first alternating:
  requests/s, latency p50/p95 over all the turns. Ratio = peer req/s ÷ Qurb req/s (1.0:
  as fast as the peer). The clients share the machine with the servers: on 2 cores they
  take part of the CPU.

Run:  .venv/bin/python benchmarks/access_load.py [--seconds 10] [--clients 10] [--rounds 2]
      [--db FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from qurb.app.dataset import init_database
from qurb.platform.database import make_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from web_load import start  # a server script in a subprocess, once it answers

URLS = {
    "access 03": "/api/access/03",
    "access MA": "/api/access/MA",
    "referral 03": "/api/access/03/referral",
    "territory 03": "/api/territories/03",
}

QURB_SERVER = """
import sys, uvicorn
from qurb.app.web import create_app
from qurb.platform.settings import Settings
app = create_app(Settings(database_url=sys.argv[1]))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="error")
"""

PEER_SERVER = """
import gzip, json, sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
plain = {k: v.encode() for k, v in json.load(open(sys.argv[1], encoding="utf-8")).items()}
packed = {k: gzip.compress(v, compresslevel=6, mtime=0) for k, v in plain.items()}
async def answer(request):
    key = request.url.path + ("?" + request.url.query if request.url.query else "")
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return Response(packed[key], media_type="application/json", headers=headers)
    return Response(plain[key], media_type="application/json")
app = Starlette(routes=[Route("/{path:path}", answer)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="error")
"""


async def hammer(base: str, url: str, seconds: float, clients: int) -> list[float]:
    timings: list[float] = []
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def one() -> None:
            while time.perf_counter() < stop:
                start_at = time.perf_counter()
                response = await client.get(url)
                response.raise_for_status()
                timings.append(time.perf_counter() - start_at)

        await asyncio.gather(*(one() for _ in range(clients)))
    return timings


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000.0


def run(who: str, base: str, url: str, args: argparse.Namespace) -> list[float]:
    timings = asyncio.run(hammer(base, url, args.seconds, args.clients))
    print(f"    {who:<5} {len(timings):>6} requests", flush=True)
    return timings


def figures(timings: list[float], seconds: float) -> tuple[float, float, float]:
    """req/s, p50 ms, p95 ms."""
    return len(timings) / seconds, percentile(timings, 0.5), percentile(timings, 0.95)


def cold_pass(base: str) -> dict[str, str]:
    """The first request of each URL (the computation), one client; the bodies."""
    bodies: dict[str, str] = {"/api/config": "{}"}
    print("Qurb, cold (first request of each URL, one client)")
    with httpx.Client(base_url=base, timeout=120) as client:
        for name, url in URLS.items():
            start_at = time.perf_counter()
            response = client.get(url, headers={"Accept-Encoding": "identity"})
            elapsed = (time.perf_counter() - start_at) * 1000
            response.raise_for_status()
            bodies[url] = response.text
            print(f"  {name:<14} {elapsed:>8.1f} ms, {len(response.content):,} bytes")
    return bodies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0, help="per endpoint and round")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2, help="Qurb and peer in turn, per URL")
    parser.add_argument("--db", type=Path, help="a loaded qurb.sqlite to copy (default: build)")
    args = parser.parse_args()
    loads = [os.getloadavg()[0]]
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
        peer: subprocess.Popen[bytes] | None = None
        try:
            bodies = cold_pass(base)
            bodies_file = Path(tmp) / "bodies.json"
            bodies_file.write_text(json.dumps(bodies), encoding="utf-8")
            peer, peer_base = start(PEER_SERVER, str(bodies_file))
            timings: dict[tuple[str, str], list[float]] = {}
            print(f"\n{args.clients} concurrent clients, {args.seconds:.0f} s a turn")
            for name, url in URLS.items():
                print(f"  {name}")
                for round_ in range(args.rounds):
                    # Alternate who goes first, so neither always meets the same load.
                    turns = [("Qurb", base), ("peer", peer_base)]
                    for who, at in turns if round_ % 2 == 0 else turns[::-1]:
                        timings.setdefault((name, who), []).extend(run(who, at, url, args))
                loads.append(os.getloadavg()[0])
        finally:
            for process in (qurb, peer):
                if process is not None:
                    process.terminate()
                    process.wait()
    seconds = args.seconds * args.rounds
    print(f"\nSame run, {args.rounds} turns of {args.seconds:.0f} s each (all requests pooled)")
    print(
        f"  {'endpoint':<14} {'Qurb req/s':>10} {'p50 ms':>7} {'p95 ms':>7}"
        f" {'peer req/s':>10} {'p50 ms':>7} {'p95 ms':>7} {'ratio':>6}"
    )
    worst = 0.0
    for name in URLS:
        ours, theirs = (
            figures(timings[name, "Qurb"], seconds),
            figures(timings[name, "peer"], seconds),
        )
        ratio = theirs[0] / ours[0]  # how many times the peer's rate
        if name != "territory 03":
            worst = max(worst, ratio)
        print(
            f"  {name:<14} {ours[0]:>10.1f} {ours[1]:>7.1f} {ours[2]:>7.1f}"
            f" {theirs[0]:>10.1f} {theirs[1]:>7.1f} {theirs[2]:>7.1f} {ratio:>5.2f}×"
        )
    verdict = "met" if worst <= 1.5 else "NOT met"
    print(
        "\nratio = peer req/s ÷ Qurb req/s. Target within 1.5× (access and referral): "
        f"{verdict}, worst {worst:.2f}×"
    )
    shown = ", ".join(f"{v:.1f}" for v in loads)
    print(
        f"load average (1 min) at start and after each endpoint: {shown} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
