"""Benchmark: the whole API fuzzed on the bundled national data (issue figure: no request
brings a 5xx or an answer its schema does not describe).

Measures, in one run, on a fresh national database (SQLite; PostgreSQL too with
--postgres URL, in a schema of its own that is dropped and made again):
  1. the fuzzing run, twice: asked by nobody, then by an administrator (a personal token;
     the token's own revocation left out of that run, else it goes on as nobody); each as
     `st run --checks all` would: schemathesis over every operation of
     `/openapi.json`, every phase (examples, coverage, fuzzing, stateful sequences), every
     check, --examples per operation, fixed --seed; the app in-process (ASGI). Prints per
     operation the cases sent, the 5xx answers and the schema violations (an answer whose
     status, content type, headers or body the schema does not describe), the other check
     failures, and the totals;
  2. the peer: as many requests as the run sent, all one plain valid GET
     (`/api/territories/{code}` for a province), through the same in-process client, no
     generation and no checks. Ratio = run / peer: what generating and checking the cases
     costs beyond answering as many requests.
The test suite runs the same checks on the small region (tests/app/test_api_fuzz.py:
25 examples per operation, a fixed seed, SQLite and PostgreSQL).

Run:  .venv/bin/python benchmarks/api_fuzz.py [--examples 100] [--seed 1]
          [--postgres postgresql+psycopg://user:pass@host/db]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.engine import events, from_schema
from schemathesis.python import asgi
from sqlalchemy import make_url, text

from qurb.app.dataset import init_database
from qurb.app.web import create_app
from qurb.platform.database import make_engine
from qurb.platform.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accounts import account_headers

PG_SCHEMA = "qurb_api_fuzz"
# The same checks as tests/app/test_api_fuzz.py: all of them, positive_data_acceptance told
# that a 422 naming the field is this API's answer to a value that breaks a rule no JSON
# schema can state (an unknown commune, a date in the past, a facility already closed).
POSITIVE_DATA_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
# If-Match (the version a write read) missing is 428 Precondition Required (RFC 6585).
MISSING_HEADER_STATUSES = ["400", "401", "403", "406", "415", "422", "428"]
SCHEMA_CHECKS = frozenset(
    {
        "response_schema_conformance",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
    }
)
PEER_PATH = "/api/territories/03.231"  # Fès (préfecture), a valid GET of moderate size


@dataclass
class Tally:
    cases: int = 0
    server_errors: int = 0
    schema_violations: int = 0
    other_failures: int = 0
    failures: list[str] = field(default_factory=list)


def fuzz_config(seed: int, examples: int, headers: dict[str, str]) -> schemathesis.Config:
    config = schemathesis.Config.from_dict(
        {
            "seed": seed,
            "headers": headers,
            # Hypothesis's one timed health check: a slow machine must not fail the run.
            "suppress-health-check": ["too_slow"],
            "generation": {"max-examples": examples, "deterministic": True},
            "checks": {
                "positive_data_acceptance": {"expected-statuses": POSITIVE_DATA_STATUSES},
                "missing_required_header": {"expected-statuses": MISSING_HEADER_STATUSES},
            },
        }
    )
    config.projects.override.checks.update(included_check_names=["all"])
    return config


def fuzz(
    app: Any, seed: int, examples: int, headers: dict[str, str]
) -> tuple[dict[str, Tally], float]:
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", app, config=fuzz_config(seed, examples, headers)
    )
    if headers:
        # Signed in, the run would revoke its own token and go on as nobody: revoking
        # tokens is fuzzed by the run of nobody.
        schema = schema.exclude(method="DELETE", path="/api/auth/tokens/{token_id}")
    tallies: dict[str, Tally] = {}
    start = time.perf_counter()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            record(tallies.setdefault(event.recorder.label, Tally()), event.recorder)
        elif isinstance(event, events.NonFatalError):
            tally = tallies.setdefault(event.label, Tally())
            tally.other_failures += 1
            tally.failures.append(f"error: {event.info.title}: {event.value}")
        elif isinstance(event, events.FatalError):
            raise SystemExit(f"the run stopped: {event.exception!r}")
    return tallies, time.perf_counter() - start


def record(tally: Tally, recorder: Any) -> None:
    tally.cases += len(recorder.cases)
    for case_id, interaction in recorder.interactions.items():
        if interaction.response is not None and interaction.response.status_code >= 500:
            tally.server_errors += 1
            tally.failures.append(f"{interaction.response.status_code}: {case_id}")
    for checks in recorder.checks.values():
        for check in checks:
            if check.status != "failure" or check.failure_info is None:
                continue
            if check.name in SCHEMA_CHECKS:
                tally.schema_violations += 1
            elif check.name != "not_a_server_error":  # counted above, once per answer
                tally.other_failures += 1
            tally.failures.append(f"{check.name}: {check.failure_info.code_sample}")


def peer(app: Any, requests: int) -> float:
    with asgi.get_client(app) as client:
        assert client.get(PEER_PATH).status_code == 200
        start = time.perf_counter()
        for _ in range(requests):
            client.get(PEER_PATH)
        return time.perf_counter() - start


def measure(name: str, url: str, seed: int, examples: int) -> None:
    engine = make_engine(url)
    start = time.perf_counter()
    init_database(engine)
    engine.dispose()
    print(f"\n{name}: national database loaded in {time.perf_counter() - start:.1f} s")
    app = create_app(Settings(database_url=url))
    try:
        for who, headers in (
            ("nobody signed in", {}),
            ("an administrator (a token)", account_headers(app.state.qurb.factory, "fuzzer")[1]),
        ):
            print(f"  asked by {who}:")
            run(app, seed, examples, headers)
    finally:
        app.state.qurb.close()


def run(app: Any, seed: int, examples: int, headers: dict[str, str]) -> None:
    """One fuzzing run with `headers`, its tallies per operation, and the peer."""
    tallies, seconds = fuzz(app, seed, examples, headers)
    total = Tally()
    print(f"  {'operation':<52} {'cases':>6} {'5xx':>5} {'schema':>7} {'other':>6}")
    for label in sorted(tallies):
        t = tallies[label]
        print(
            f"  {label:<52} {t.cases:>6} {t.server_errors:>5} "
            f"{t.schema_violations:>7} {t.other_failures:>6}"
        )
        total.cases += t.cases
        total.server_errors += t.server_errors
        total.schema_violations += t.schema_violations
        total.other_failures += t.other_failures
    print(
        f"  {'total (' + str(len(tallies)) + ' operations and sequences)':<52} "
        f"{total.cases:>6} {total.server_errors:>5} {total.schema_violations:>7} "
        f"{total.other_failures:>6}"
    )
    peer_seconds = peer(app, total.cases)
    per_case = 1000 * seconds / max(total.cases, 1)
    print(
        f"  fuzzing run {seconds:.1f} s ({per_case:.1f} ms a case); "
        f"peer, {total.cases} x GET {PEER_PATH}: {peer_seconds:.1f} s "
        f"({1000 * peer_seconds / max(total.cases, 1):.2f} ms a request); "
        f"ratio {seconds / peer_seconds:.1f}x"
    )
    for label in sorted(tallies):
        for line in sorted(set(tallies[label].failures))[:5]:
            print(f"  ! {label}: {line}")


def postgres_url(raw: str) -> str:
    engine = make_engine(raw)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    engine.dispose()
    url = make_url(raw).update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"})
    return url.render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=100, help="at most, per operation")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default=os.environ.get("QURB_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    print(
        f"schemathesis {schemathesis.__version__}, --checks all, seed {args.seed}, "
        f"at most {args.examples} examples per operation"
    )
    with tempfile.TemporaryDirectory() as folder:
        sqlite = f"sqlite:///{Path(folder) / 'qurb.sqlite'}"
        measure("SQLite", sqlite, args.seed, args.examples)
    if args.postgres:
        measure("PostgreSQL", postgres_url(args.postgres), args.seed, args.examples)


if __name__ == "__main__":
    main()
