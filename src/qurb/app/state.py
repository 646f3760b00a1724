"""Opening the app's state: connect, create and load a new database (as the CLI does),
and build the parts the features keep in memory."""

from __future__ import annotations

from qurb.app.dataset import init_database
from qurb.app.errors import problem_document
from qurb.app.schema import has_dataset
from qurb.caravans.caps import CampaignCaps
from qurb.indicators.service import INDICATORS
from qurb.platform.background import Background, ProblemDocuments
from qurb.platform.database import make_engine, make_sessionmaker
from qurb.platform.heavy import HeavyWork
from qurb.platform.settings import Settings
from qurb.platform.state import AppState
from qurb.territory.layers import DisplayLayers
from qurb.territory.service import TerritoryIndex


def open_state(settings: Settings) -> AppState:
    """Connect; a database without the dataset is created and loaded first (as the CLI)."""
    engine = make_engine(settings.database_url)
    if not has_dataset(engine):
        init_database(engine)
    factory = make_sessionmaker(engine)
    with factory() as session:
        index = TerritoryIndex.from_session(session)
    index.folded  # noqa: B018 - fold every name now, not on the first search
    state = AppState(settings, engine, factory)
    heavy = HeavyWork.of(settings, factory)
    # The caps are read once, at start: a bad setting stops the server, not each request.
    for part in (index, DisplayLayers(index), INDICATORS, heavy, CampaignCaps.from_env()):
        state.add(part)
    assert state.writer is not None
    state.add(Background(heavy, state.writer, factory, ProblemDocuments(problem_document)))
    return state
