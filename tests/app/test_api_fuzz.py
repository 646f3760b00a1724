"""The whole API fuzzed by schemathesis, as `st run --checks all` would: every operation
of `/openapi.json`, every phase (the schema's examples, coverage, fuzzing, stateful
sequences), every check, on the small region on SQLite and on PostgreSQL, asked by nobody
and by an administrator. A fixed seed
and at most 25 examples per operation keep it the same run every time; the full run is
`benchmarks/api_fuzz.py`. Any 5xx, any answer its schema does not describe, any check
that fails is listed with the curl line that reproduces it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis.engine import events, from_schema
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.web import create_app
from qurb.platform.settings import Settings
from tests.accounts import add_account

SEED = 20261205
MAX_EXAMPLES = 25
REQUEST_TIMEOUT_S = 300  # seconds
# Every check is on. One is told what this API answers by design: a request its schema
# describes may still be refused with a 422 naming the field when the value breaks a rule
# no JSON schema can state (a commune or norm set that does not exist, a campaign dated in
# the past, a name mixing Latin and Cyrillic look-alikes, a facility already closed).
# 5xx stays allowed here only because `not_a_server_error` fails every one of them.
POSITIVE_DATA_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
# A required header missing is refused with the default statuses, and If-Match (the
# version a write read) with 428 Precondition Required, as RFC 6585 has it.
MISSING_HEADER_STATUSES = ["400", "401", "403", "406", "415", "422", "428"]
# A request its schema forbids is refused with the default statuses, or with 413 when it is
# also larger than the server's body cap (the cap answers before the route reads a byte).
NEGATIVE_DATA_STATUSES = [
    *("400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"),
    "5xx",
]


def fuzz_config(
    seed: int, max_examples: int, headers: dict[str, str] | None = None
) -> schemathesis.Config:
    config = schemathesis.Config.from_dict(
        {
            "seed": seed,
            "headers": headers or {},
            # Hypothesis's one timed health check: a slow machine must not fail the run.
            "suppress-health-check": ["too_slow"],
            # Nor the client's read timeout (10 s by default): no test here times the
            # server, and a busy machine once took longer for one answer of the run.
            "request-timeout": REQUEST_TIMEOUT_S,
            "generation": {"max-examples": max_examples, "deterministic": True},
            "checks": {
                "positive_data_acceptance": {"expected-statuses": POSITIVE_DATA_STATUSES},
                "missing_required_header": {"expected-statuses": MISSING_HEADER_STATUSES},
                "negative_data_rejection": {"expected-statuses": NEGATIVE_DATA_STATUSES},
            },
        }
    )
    config.projects.override.checks.update(included_check_names=["all"])
    return config


def run_fuzz(
    app: Any, seed: int, max_examples: int, headers: dict[str, str] | None = None
) -> tuple[dict[str, int], list[str]]:
    """Cases per operation, and every failure: `operation · check · status · curl`;
    `headers` sent with every request (an account's token: the run signed in)."""
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", app, config=fuzz_config(seed, max_examples, headers)
    )
    if headers:
        # Signed in, the run would revoke its own token (its id is 1 on a new database)
        # and go on as nobody: revoking tokens is fuzzed by the run of nobody.
        schema = schema.exclude(method="DELETE", path="/api/auth/tokens/{token_id}")
    cases: dict[str, int] = {}
    failures: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            cases[recorder.label] = cases.get(recorder.label, 0) + len(recorder.cases)
            for case_id, checks in recorder.checks.items():
                interaction = recorder.interactions.get(case_id)
                status = (
                    interaction.response.status_code
                    if interaction and interaction.response
                    else None
                )
                for check in checks:
                    if check.status == "failure" and check.failure_info is not None:
                        info = check.failure_info
                        failures.append(
                            f"{recorder.label} · {check.name} · {status} · "
                            f"{info.failure.title}\n    {info.code_sample}"
                        )
        elif isinstance(event, events.NonFatalError):
            failures.append(f"{event.label} · error · {event.info.title}: {event.value}")
        elif isinstance(event, events.FatalError):
            failures.append(f"fatal: {event.exception!r}")
    return cases, failures


@pytest.fixture
def app(
    small_region_db: Callable[..., sessionmaker[Session]], region_engine: Engine
) -> Iterator[Any]:
    small_region_db()
    url = region_engine.url.render_as_string(hide_password=False)
    application = create_app(Settings(database_url=url))
    yield application
    application.state.qurb.close()


@pytest.mark.parametrize("signed_in", [False, True], ids=["nobody", "administrator"])
def test_every_operation_passes_every_check(app: Any, signed_in: bool) -> None:
    """Nobody signed in meets 401s past the public routes; an administrator (a token)
    reaches every operation's own checks, writes included."""
    headers = add_account(app.state.qurb.factory, "fuzzer").headers if signed_in else None
    cases, failures = run_fuzz(app, SEED, MAX_EXAMPLES, headers)
    operations = {
        f"{method.upper()} {path}"
        for path, item in app.openapi()["paths"].items()
        for method in item
    }
    skipped = {"DELETE /api/auth/tokens/{token_id}"} if signed_in else set()
    assert operations - set(cases) == skipped  # every operation was called
    assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(sorted(set(failures)))
