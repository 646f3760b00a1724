"""On a network: only the server's own host names, writes only from its own pages, security
headers on every answer, no SQL or traceback in an error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import text

from qurb.app.dataset import InitReport
from qurb.app.schema import SCHEMA_REVISION
from qurb.app.web import create_app
from qurb.platform.settings import Settings
from tests.accounts import add_account, as_someone
from tests.web_clients import TestClient

NEW_FACILITY = {"name": "Douar Test", "category": "DR", "commune": "Ain Bida", "reason": "new"}


@pytest.fixture
def app(scratch_db: str) -> FastAPI:
    return create_app(Settings(database_url=scratch_db))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A script acting as `tester`, an administrator (a token: no cookie, no CSRF)."""
    tester = add_account(app.state.qurb.factory, "tester")
    with TestClient(app, raise_server_exceptions=False) as client:
        yield as_someone(client, tester)


def test_a_foreign_host_is_refused(client: TestClient) -> None:
    refused = client.get("/api/facilities", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    for host in ("localhost:8000", "127.0.0.1:8000", "[::1]:8000", "testserver"):
        assert client.get("/static/css/app.css", headers={"Host": host}).status_code == 200, host


# The host and origin checks come before any database: these apps run on SQLite alone.
def test_the_public_url_names_the_allowed_host(national_db_file: tuple[Path, InitReport]) -> None:
    settings = Settings(
        database_url=f"sqlite:///{national_db_file[0]}",
        public_url="https://carte.example.ma",
    )
    with TestClient(create_app(settings), base_url="https://carte.example.ma") as client:
        assert client.get("/static/css/app.css").status_code == 200
        assert client.get("/static/css/app.css", headers={"Host": "localhost"}).status_code == 400
        write = client.post(
            "/api/facilities", json=NEW_FACILITY, headers={"Origin": "http://carte.example.ma"}
        )
        assert write.status_code == 403  # not the same scheme: another origin


def test_a_public_url_is_checked() -> None:
    assert Settings(public_url="HTTPS://Carte.Example.ma/").public_url == "https://carte.example.ma"
    for wrong in ("carte.example.ma", "ftp://carte.example.ma", "https://x.ma/qurb", "https://"):
        with pytest.raises(ValidationError):
            Settings(public_url=wrong)


def test_behind_a_trusted_proxy_the_forwarded_host_counts(
    national_db_file: tuple[Path, InitReport], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{national_db_file[0]}",
        public_url="https://carte.example.ma",
    )
    proxied = {"Host": "127.0.0.1:8000", "X-Forwarded-Host": "carte.example.ma"}
    proxied |= {"X-Forwarded-Proto": "https"}
    with TestClient(create_app(settings)) as client:  # the test client is no trusted proxy
        assert client.get("/static/css/app.css", headers=proxied).status_code == 400
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    with TestClient(create_app(settings)) as client:
        assert client.get("/static/css/app.css", headers=proxied).status_code == 200
        other = {**proxied, "X-Forwarded-Host": "evil.example"}
        assert client.get("/static/css/app.css", headers=other).status_code == 400


def test_behind_a_trusted_proxy_the_client_address_is_the_one_it_saw(
    scratch_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sign-in throttle counts failures by address: behind the proxy, that is the
    last address of X-Forwarded-For (the one the proxy added; those before it, the client
    may have written), not the proxy's own for every client."""
    settings = Settings(database_url=scratch_db, public_url="https://carte.example.ma")
    proxied = {"Host": "carte.example.ma", "X-Forwarded-Proto": "https"}

    def failed_from(forwarded_for: str) -> str:
        # A name of its own each time: the throttle also counts failures by name.
        wrong = {"username": f"nobody-{forwarded_for[-6:]}", "password": "not the password"}
        headers = {**proxied, "X-Forwarded-For": forwarded_for}
        with TestClient(create_app(settings), base_url="https://carte.example.ma") as client:
            assert client.post("/api/auth/sign-in", json=wrong, headers=headers).status_code == 401
            with client.app.state.qurb.factory() as session:  # type: ignore[attr-defined]
                query = "SELECT address FROM sign_in_failures ORDER BY id DESC LIMIT 1"
                return str(session.execute(text(query)).scalar())

    assert failed_from("203.0.113.7") == "testclient"  # the test client is no trusted proxy
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    assert failed_from("10.0.0.1, 203.0.113.7") == "203.0.113.7"
    assert failed_from("2001:db8::1") == "2001:db8::1"
    assert failed_from("203.0.113.8:51234") == "203.0.113.8"  # with the client's port
    assert failed_from("[2001:db8::2]:443") == "2001:db8::2"
    assert failed_from("not an address") == "testclient"


def test_a_write_from_another_origin_is_forbidden(client: TestClient) -> None:
    refused = client.post(
        "/api/facilities", json=NEW_FACILITY, headers={"Origin": "https://evil.example"}
    )
    assert refused.status_code == 403
    assert "origin" in refused.json()["error"] and refused.json()["detail"] == []
    patched = client.patch("/api/facilities/1", json={"beds": 3}, headers={"Origin": "null"})
    assert patched.status_code == 403
    # The same origin, or a client that sends none (curl, scripts), may write.
    same = client.post(
        "/api/facilities", json=NEW_FACILITY, headers={"Origin": "http://testserver"}
    )
    assert same.status_code == 201, same.text
    plain = client.post("/api/facilities", json={**NEW_FACILITY, "name": "Douar Deux"})
    assert plain.status_code == 201, plain.text
    # Reading from anywhere is not a write.
    read = client.get("/api/facilities", headers={"Origin": "https://evil.example"})
    assert read.status_code == 200


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


@pytest.mark.parametrize(
    "path", ["/", "/api/facilities?limit=1", "/static/css/app.css", "/api/facilities/999999"]
)
def test_every_answer_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (200, 404)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "img-src 'self' data:;" in csp


def test_the_tile_host_is_allowed_for_images(national_db_file: tuple[Path, InitReport]) -> None:
    settings = Settings(
        database_url=f"sqlite:///{national_db_file[0]}",
        tile_url="https://tiles.example.org/{z}/{x}/{y}.png",
    )
    with TestClient(create_app(settings)) as client:
        csp = client.get("/").headers["content-security-policy"]
    assert "img-src 'self' data: https://tiles.example.org;" in csp


def test_a_refused_host_and_a_refused_body_carry_the_headers(client: TestClient) -> None:
    foreign = client.get("/", headers={"Host": "evil.example"})
    assert foreign.headers["x-frame-options"] == "DENY"
    big = client.post("/api/facilities", content=b"x" * 300_000)
    assert big.status_code == 413 and big.headers["x-content-type-options"] == "nosniff"


def test_a_refused_change_names_no_sql(app: FastAPI, client: TestClient) -> None:
    engine = app.state.qurb.engine

    @app.post("/test-duplicate")
    def duplicate() -> None:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO alembic_version VALUES (:v)"), {"v": SCHEMA_REVISION}
            )

    answer = client.post("/test-duplicate")
    assert answer.status_code == 409
    body = answer.text
    for word in ("INSERT", "alembic_version", SCHEMA_REVISION, "UNIQUE", "[SQL"):
        assert word not in body, word
    assert "nothing was written" in answer.json()["error"]


def test_an_unexpected_error_shows_no_traceback(app: FastAPI, client: TestClient) -> None:
    @app.get("/test-bug")
    def bug() -> None:
        raise RuntimeError("SELECT secret FROM somewhere")

    answer = client.get("/test-bug")
    assert answer.status_code == 500
    assert "secret" not in answer.text and "Traceback" not in answer.text
    assert answer.headers["x-content-type-options"] == "nosniff"
