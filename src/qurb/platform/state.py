"""What one web app holds for its lifetime: settings, the engine, a result cache, and the
parts each feature keeps in memory (the territory index, display layers, indicators),
filed by their type so that this package names none of them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from qurb.platform.cache import ResultCache
from qurb.platform.database import make_sessionmaker, transaction
from qurb.platform.settings import Settings

Part = TypeVar("Part")


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    parts: dict[type, Any] = field(default_factory=dict)
    results: ResultCache = field(default_factory=ResultCache)
    # Sessions for writes (see `platform.database.WRITE_OPTION`); None: made from `engine`.
    writer: sessionmaker[Session] | None = None

    def __post_init__(self) -> None:
        if self.writer is None:
            self.writer = make_sessionmaker(self.engine, write=True)

    def part(self, kind: type[Part]) -> Part:
        """The feature part of this type the composition root put in (KeyError if none)."""
        return cast(Part, self.parts[kind])

    def add(self, part: object) -> None:
        self.parts[type(part)] = part

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write: all of it committed, or nothing. No lock in this process: SQLite takes
        its write lock at BEGIN, PostgreSQL locks the rows the write reads for update, and
        every editable row carries a version its update checks."""
        assert self.writer is not None
        with transaction(self.writer) as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
