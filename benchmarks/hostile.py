"""Benchmark: a normal request while the server is under hostile load (issue figures: its
worst time under 1 s; peak memory of the server and of the CLI under 1 GB).

Measures, in one run, on a temporary copy of the national database:
  1. The peer: the normal requests (a territory's detail, a page of its facilities) sent
     one after another to a Qurb server in local mode (`create_app` under uvicorn, in a
     subprocess, default settings: one heavy worker, one heavy job at once) with nothing
     else running: median and worst.
  2. The same normal requests, same server, while other clients send, for --seconds:
     - long names: a 120 KB territory name in a path, a 100 KB query, a 100-character
       name that matches nothing (the worst fuzzy search allowed), a 120 KB name in a
       siting body;
     - the large campaign: the whole country, 400 units, two years (124 KB of JSON);
     - concurrent heavy requests: national sitings (+100 hospitals) and a region-wide
       campaign (Fès-Meknès, 20 units, 120 days), four clients at once: one runs in the
       worker, the others are told 503 + Retry-After;
     and the command line imports an XLSX bomb (2 million one-cell rows, 66 MB of XML
     deflated to a few hundred KB, built directly as a zip), with and without a declared
     dimension.
  Ratio = worst (and median) time under load / the peer's.
Peak memory: the high-water mark (VmHWM) of the server process and of its worker
processes, read from /proc before the server stops; of each CLI run, from its rusage.

Run:  .venv/bin/python benchmarks/hostile.py [--seconds 40] [--db FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from qurb.app.dataset import init_database
from qurb.app.schema import upgrade_if_behind
from qurb.platform.database import make_engine, make_sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accounts import account_headers

# The server as `qurb serve` runs it (asyncio loop, h11), with the loop in debug mode so
# that asyncio logs every step that holds it longer than 50 ms ("Executing … took").
SERVER = """
import asyncio, logging, sys, uvicorn
from qurb.app.web import create_app
from qurb.platform.settings import Settings
logging.basicConfig(level=logging.WARNING, format="%(name)s %(message)s")
app = create_app(Settings.from_env(database_url=sys.argv[1]))
config = uvicorn.Config(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="error")
loop = asyncio.new_event_loop()
loop.set_debug(True)
loop.slow_callback_duration = 0.05
loop.run_until_complete(uvicorn.Server(config).serve())
"""
NORMAL = ("/api/territories/03.131", "/api/facilities?territory=03.131&limit=50")
BASE = "hosp-03.131.01.03-marche-verte"  # Hôpital provincial de Missour
BOMB_ROWS = 2_000_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(db_url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("wb") as err:
        process = subprocess.Popen([sys.executable, "-c", SERVER, db_url, str(port)], stderr=err)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.terminate()
    raise SystemExit(f"the server did not start or is not healthy: see {log}")


def campaign(territory: str, units: int, days: int, time_limit_s: int) -> dict[str, Any]:
    start = date.today() + timedelta(days=30)
    unit = {"base": "Missour", "team": "A", "capacity": {"general_medicine": 120}}
    return {
        "name": "Charge",
        "territory": territory,
        "start": start.isoformat(),
        "end": (start + timedelta(days=days - 1)).isoformat(),
        "specialties": ["general_medicine"],
        "bases": [{"name": "Missour", "facility": BASE}],
        "teams": [{"name": "A", "staff": {"general_medicine": 2}}],
        "units": [{**unit, "name": f"Unité {i}"} for i in range(units)],
        "settings": {"time_limit_s": time_limit_s},
    }


def hostile_requests() -> list[tuple[str, str, dict[str, Any] | None]]:
    """(method, path, JSON body) of each kind of hostile request, sent round-robin; RAW:
    a GET written on the socket (httpx will not build a URL over 64 KB)."""
    big = "Fès " * 30_000  # 120 KB
    worst = ("Sidi Bou Othmane Ouled " * 5)[:100]  # at the limit, matches nothing
    large = campaign("Maroc", units=400, days=730, time_limit_s=1)
    return [
        ("RAW", "/api/access/" + big, None),
        ("RAW", "/api/territories?q=" + big, None),
        ("GET", "/api/territories?q=" + "x" * 60_000, None),
        ("GET", "/api/territories?q=" + worst, None),
        ("GET", "/api/access/" + worst, None),
        ("POST", "/api/siting", {"territory": big, "level": "secondary", "add": 3}),
        ("POST", "/api/caravans", large),
    ]


def raw_get(base: str, path: str) -> int:
    """A GET with any target, written on the socket; the status code answered."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as connection:
        target = path.encode()
        connection.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
        head = connection.recv(64)
    return int(head.split()[1]) if head.startswith(b"HTTP/") else 0


def heavy_requests() -> list[tuple[str, str, dict[str, Any] | None]]:
    siting = {"territory": "Maroc", "level": "secondary", "add": 100, "within_minutes": 30}
    region = campaign("Fès-Meknès", units=20, days=120, time_limit_s=60)
    return [("POST", "/api/siting", siting), ("POST", "/api/caravans", region)]


def client_loop(
    base: str,
    requests: list[tuple[str, str, dict[str, Any] | None]],
    stop: threading.Event,
    statuses: Counter[str],
    offset: int = 0,
) -> None:
    # The attackers hold an administrator's token ($QURB_TOKEN): they may ask for
    # everything, so their requests reach the checks and the work, not a 401.
    token = os.environ.get("QURB_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=base, timeout=300, headers=headers) as client:
        i = offset
        while not stop.is_set():
            method, path, body = requests[i % len(requests)]
            i += 1
            try:
                if method == "RAW":
                    statuses[f"GET {path[:30]}… → {raw_get(base, path)}"] += 1
                    continue
                answer = client.request(method, path, json=body)
                statuses[f"{method} {path[:30]}… → {answer.status_code}"] += 1
                if answer.status_code == 503 and "Retry-After" in answer.headers:
                    stop.wait(min(2.0, float(answer.headers["Retry-After"])))
            except (httpx.HTTPError, OSError) as error:
                statuses[f"{method} {path[:30]}… → {type(error).__name__}"] += 1


def normal_times(base: str, seconds: float | None, count: int | None) -> list[float]:
    times: list[float] = []
    end = time.monotonic() + (seconds or 0)
    with httpx.Client(base_url=base, timeout=60) as client:
        i = 0
        while (count is not None and i < count) or (seconds is not None and time.monotonic() < end):
            path = NORMAL[i % len(NORMAL)]
            i += 1
            start = time.perf_counter()
            answer = client.get(path)
            times.append(time.perf_counter() - start)
            if answer.status_code != 200:
                raise SystemExit(f"normal request {path} answered {answer.status_code}")
            time.sleep(0.05)
    return times


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def xlsx_bomb(path: Path, dimension: bool) -> Path:
    """Two million one-cell rows, written straight into the zip a block at a time."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
            'openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        bomb.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        bomb.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        bomb.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with bomb.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main">'
            )
            if dimension:
                sheet.write(f'<dimension ref="A1:A{BOMB_ROWS}"/>'.encode())
            sheet.write(b'<sheetData><row><c t="inlineStr"><is><t>name</t></is></c></row>')
            block = b'<row><c t="n"><v>1</v></c></row>' * 10_000
            for _ in range(BOMB_ROWS // 10_000):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    return path


def cli_import(db_url: str, path: Path) -> tuple[float, float, int, str]:
    """`qurb facilities import FILE`: seconds, peak memory (MB), exit code, last line."""
    qurb = Path(sys.executable).with_name("qurb")
    log = path.with_suffix(".log")
    start = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(qurb), "facilities", "import", str(path), "--db", db_url],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(process.pid, 0)  # its own rusage: its peak memory
    seconds = time.perf_counter() - start
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    code = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, code, (lines[-1] if lines else "")[:110]


def summary(label: str, times: list[float], peer: list[float] | None = None) -> str:
    median, worst = statistics.median(times), max(times)
    line = (
        f"  {label:<22} n={len(times):>4}  median {1000 * median:7.1f} ms"
        f"  worst {1000 * worst:7.1f} ms"
    )
    if peer:
        line += (
            f"  ratio median {median / statistics.median(peer):5.1f}×"
            f"  worst {worst / max(peer):5.1f}×"
        )
    return line


def attack(base: str, seconds: float) -> None:
    """The hostile clients (4 sending long names and the large campaign, 4 the heavy
    requests) for `seconds`; prints what they were answered, as JSON, last."""
    stop = threading.Event()
    statuses: Counter[str] = Counter()
    clients = [
        threading.Thread(target=client_loop, args=(base, hostile_requests(), stop, statuses, i))
        for i in range(4)
    ] + [
        threading.Thread(target=client_loop, args=(base, heavy_requests(), stop, statuses, i))
        for i in range(4)
    ]
    for thread in clients:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in clients:
        thread.join(timeout=300)
    print(json.dumps(statuses))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--db", help="a national SQLite file to copy (default: build one)")
    parser.add_argument("--attack", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.attack:
        attack(args.attack, args.seconds)
        return
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        db = work / "qurb.sqlite"
        if args.db:
            shutil.copyfile(args.db, db)
            engine = make_engine(f"sqlite:///{db}")
            upgrade_if_behind(engine)  # a copy made by an older Qurb
            engine.dispose()
        else:
            engine = make_engine(f"sqlite:///{db}")
            init_database(engine)
            engine.dispose()
        db_url = f"sqlite:///{db}"
        engine = make_engine(db_url)
        _, auth = account_headers(make_sessionmaker(engine), "attacker")
        engine.dispose()
        os.environ["QURB_TOKEN"] = auth["Authorization"].removeprefix("Bearer ")
        bombs = [xlsx_bomb(work / "bomb.xlsx", True), xlsx_bomb(work / "bomb-nodim.xlsx", False)]
        server_log = work / "server.log"
        server, base = start_server(db_url, server_log)
        try:
            normal_times(base, None, 10)  # warm the caches
            peer = normal_times(base, None, 200)
            # The hostile clients run in a process of their own: the normal request's time
            # is the server's, not this process's interpreter lock shared with them.
            attackers = subprocess.Popen(
                [sys.executable, __file__, "--attack", base, "--seconds", str(args.seconds + 5)],
                stdout=subprocess.PIPE,
            )
            time.sleep(2.0)
            cli_runs = []
            loaded: list[float] = []
            measuring = threading.Thread(
                target=lambda: loaded.extend(normal_times(base, args.seconds, None))
            )
            measuring.start()
            for bomb in bombs:
                cli_runs.append((bomb.name, bomb.stat().st_size, *cli_import(db_url, bomb)))
            measuring.join()
            output, _ = attackers.communicate(timeout=600)
            statuses = Counter(json.loads(output.decode().strip().splitlines()[-1]))
            workers = descendants(server.pid)
            server_mb = peak_mb(server.pid)
            worker_mb = [peak_mb(pid) for pid in workers]
        finally:
            server.terminate()
            server.wait(timeout=30)
        slow_lines = [line for line in server_log.read_text().splitlines() if " took " in line]
        slow = [
            float(m.group(1))
            for m in re.finditer(
                r"asyncio Executing .* took ([0-9.]+) seconds", server_log.read_text()
            )
        ]
    print(f"normal requests ({', '.join(NORMAL)}), one at a time, every 50 ms")
    print(summary("peer: no other load", peer))
    print(summary("under hostile load", loaded, peer))
    print(f"target: worst under 1 s → {'met' if max(loaded) < 1.0 else 'NOT met'}")
    longest = f", the longest {1000 * max(slow):.0f} ms" if slow else ""
    print(f"event-loop steps over 50 ms (asyncio debug): {len(slow)}{longest}")
    for line in slow_lines[:5]:
        print(f"  {line[:160]}")
    print("hostile answers during the run:")
    for key, count in sorted(statuses.items()):
        print(f"  {count:>5} × {key}")
    print("peak memory (VmHWM):")
    print(f"  server process           {server_mb:7.0f} MB")
    for pid, mb in zip(workers, worker_mb, strict=True):
        print(f"  its child {pid:<8}       {mb:7.0f} MB")
    total = server_mb + sum(worker_mb)
    print(f"  server and children      {total:7.0f} MB (sum of peaks: an upper bound)")
    for name, size, seconds, peak, code, last in cli_runs:
        print(
            f"  CLI import {name:<14} ({size / 1024:,.0f} KB): {peak:5.0f} MB, "
            f"{seconds:5.1f} s, exit {code}: {last}"
        )
    worst_cli = max(run[3] for run in cli_runs)
    print(
        f"target: under 1 GB → server {'met' if total < 1024 else 'NOT met'}, "
        f"CLI {'met' if worst_cli < 1024 else 'NOT met'}"
    )
    print(json.dumps({"peer_worst_ms": 1000 * max(peer), "loaded_worst_ms": 1000 * max(loaded)}))


if __name__ == "__main__":
    main()
