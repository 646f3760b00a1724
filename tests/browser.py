"""The browser fixtures: a live server on a private copy of the national database, and a
Chromium page, signed in as `e2e` (an administrator), that may ask nothing of the internet
and must raise no JavaScript error (`anonymous_page`: the same, signed in as nobody)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from qurb.app.web import create_app
from qurb.platform.settings import Settings
from tests.accounts import PASSWORD, add_account
from tests.environment import ARTIFACTS, unavailable

E2E_USER = "e2e"
# The e2e account's token by server, for the calls a test makes beside the page.
TOKEN_HEADERS: dict[str, dict[str, str]] = {}

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None and Path("/usr/bin/chromium").exists():
        path = "/usr/bin/chromium"
    if path is None:
        unavailable("no Chromium found (apt-get install chromium): the browser tests need it")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The browser tests run on SQLite alone: their live server is on the SQLite copy of
    the national database (or of the small region), never the PostgreSQL one. The routes
    they drive run on PostgreSQL in the web tests (TestClient); a second pass in Chromium
    would double the slowest tests of the suite for no route more."""

    def on_postgres_in_chromium(item: pytest.Item) -> bool:
        names = getattr(item, "fixturenames", ())
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "server" in names and params.get("national_db") == "postgres":
            return True
        # the pages' tests on the small region: a browser on its own live server
        return "browser" in names and params.get("region_engine") == "postgres"

    on_postgres = {item for item in items if on_postgres_in_chromium(item)}
    if on_postgres:
        config.hook.pytest_deselected(items=list(on_postgres))
        items[:] = [item for item in items if item not in on_postgres]


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app served by uvicorn in a thread of this process (its clock is the test's) on
    a free port: its address; stopped on leaving."""
    import uvicorn

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (the system's), or the test skipped saying what is missing."""
    try:
        import playwright.sync_api as playwright
    except ImportError:
        unavailable(
            "Playwright is not installed (pip install -e '.[dev]'): the browser tests need it"
        )
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def signed_in_tab(
    browser: Any,
    server: str,
    username: str,
    errors: list[str],
    *,
    viewport: tuple[int, int] = (1366, 900),
    bypass_csp: bool = False,
) -> Any:
    """A tab signed in as `username` (the tests' password), offline but for the server;
    its JavaScript errors, what the Content-Security-Policy refused and any request for
    the internet kept in `errors`. `bypass_csp`: axe may be injected."""
    width, height = viewport
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="fr-FR", bypass_csp=bypass_csp
    )

    def guard(route: Any) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            errors.append(f"asked the internet for {route.request.url}")
            route.abort()

    context.route("**/*", guard)
    answer = context.request.post(
        f"{server}/api/auth/sign-in", data={"username": username, "password": PASSWORD}
    )
    assert answer.ok, answer.text()
    tab = context.new_page()
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and "Content Security" in m.text else None
        ),
    )
    return tab


@pytest.fixture
def server(scratch_db: str) -> Iterator[str]:
    app = create_app(Settings(database_url=scratch_db))
    e2e = add_account(app.state.qurb.factory, E2E_USER)
    with serving(app) as url:
        TOKEN_HEADERS[url] = e2e.headers
        yield url


@pytest.fixture
def page(server: str) -> Iterator[object]:
    yield from _page(server, signed_in=True)


@pytest.fixture
def anonymous_page(server: str) -> Iterator[object]:
    yield from _page(server, signed_in=False)


@pytest.fixture
def csp_free_page(server: str) -> Iterator[object]:
    """The signed-in page in a context that ignores the Content-Security-Policy, so that a
    test may inject a script of its own (axe-core); the server's policy is unchanged."""
    yield from _page(server, signed_in=True, bypass_csp=True)


def _page(server: str, *, signed_in: bool, bypass_csp: bool = False) -> Iterator[object]:
    try:
        import playwright.sync_api as playwright
    except ImportError:
        unavailable(
            "Playwright is not installed (pip install -e '.[dev]'): the browser tests need it"
        )
    executable = _chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1400, "height": 900}, locale="fr-FR", bypass_csp=bypass_csp
        )
        # Offline: a request for anything but the test server is a failure of the page.
        outside: list[str] = []

        def guard(route) -> None:  # type: ignore[no-untyped-def]
            if route.request.url.startswith(server):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        if signed_in:  # the session cookie, as the sign-in page gets it
            answer = context.request.post(
                f"{server}/api/auth/sign-in", data={"username": E2E_USER, "password": PASSWORD}
            )
            assert answer.ok, answer.text()
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        # What the Content-Security-Policy refused (an inline script, style or handler) is
        # only told on the console: it is an error of the page too.
        tab.on(
            "console",
            lambda m: (
                errors.append(m.text)
                if m.type == "error" and "Content Security Policy" in m.text
                else None
            ),
        )
        tab.base = server  # type: ignore[attr-defined]
        tab.auth = TOKEN_HEADERS[server]  # type: ignore[attr-defined]
        yield tab
        browser.close()
        assert not outside, f"the page asked the internet for {outside}"
        assert not errors, f"JavaScript errors: {errors}"


def open_map_controls(page) -> None:  # type: ignore[no-untyped-def]
    """Unfold the map's controls when they are folded (on a phone they start folded), as a
    person would before choosing an indicator or a layer."""
    fold = page.locator("#map-controls > .fold")
    if fold.count() and fold.get_attribute("aria-expanded") == "false":
        fold.click()
