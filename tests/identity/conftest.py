from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from qurb.audit.keys import load_or_create_key
from qurb.identity import passwords
from qurb.kernel import clock
from tests.identity.accounts_db import CHEAP, Clock, Db


@pytest.fixture
def db(
    small_region_db: Callable[..., sessionmaker[Session]],
    region_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Db:
    monkeypatch.setattr(passwords, "PARAMETERS", CHEAP)
    frozen = Clock()
    monkeypatch.setattr(clock, "now", frozen.now)
    factory = small_region_db()
    key = load_or_create_key(tmp_path / "audit.key")
    return Db(factory, key, region_engine.url.render_as_string(hide_password=False), frozen)
