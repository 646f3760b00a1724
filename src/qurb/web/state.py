"""What one app holds for its lifetime: the engine, the territory index, cached layers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session, sessionmaker

from qurb.services.dataset import init_database
from qurb.services.territories import TerritoryIndex
from qurb.storage.database import make_engine, make_sessionmaker, transaction
from qurb.web.cache import ResultCache
from qurb.web.indicators import INDICATORS, IndicatorRegistry
from qurb.web.layers import DisplayLayers
from qurb.web.settings import Settings


@dataclass
class WebState:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    index: TerritoryIndex
    layers: DisplayLayers
    indicators: IndicatorRegistry = field(default_factory=lambda: INDICATORS)
    results: ResultCache = field(default_factory=ResultCache)
    # Single-user local mode: writes go one at a time (SQLite has one writer anyway).
    write_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, settings: Settings) -> WebState:
        """Connect; a database without the dataset is created and loaded first (as the CLI)."""
        engine = make_engine(settings.database_url)
        if not inspect(engine).has_table("dataset_meta"):
            init_database(engine)
        factory = make_sessionmaker(engine)
        with factory() as session:
            index = TerritoryIndex.from_session(session)
        index.folded  # noqa: B018 - fold every name now, not on the first search
        return cls(settings, engine, factory, index, DisplayLayers(index))

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One registry write: all of it committed, or nothing."""
        with self.write_lock, transaction(self.factory) as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
