"""The siting work a server hands to a worker process (`platform.heavy`): everything from
reading the territory to the solver's answer, so that the deadline covers all of it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from qurb.siting.model import Scenario
from qurb.siting.service import SitingRequest, run_siting
from qurb.territory.service import TerritoryIndex
from qurb.territory.travel import commune_graph_model


def site(session: Session, request: SitingRequest) -> Scenario:
    index = TerritoryIndex.from_session(session)
    return run_siting(session, request, commune_graph_model(session), index)
