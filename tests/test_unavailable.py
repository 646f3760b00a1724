"""What a test does when its PostgreSQL server or browser cannot be had."""

from __future__ import annotations

import pytest

from tests.environment import in_ci, unavailable


def test_outside_ci_a_missing_server_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert not in_ci()
    with pytest.raises(pytest.skip.Exception, match="no Chromium found"):
        unavailable("no Chromium found")


@pytest.mark.parametrize("value", ["true", "True", "1"])
def test_under_ci_a_missing_server_fails(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    assert in_ci()
    with pytest.raises(pytest.fail.Exception, match="CI=true and QURB_TEST_POSTGRES_URL"):
        unavailable("QURB_TEST_POSTGRES_URL is not set")


def test_ci_false_is_not_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "false")
    assert not in_ci()
