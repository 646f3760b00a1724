"""The campaign planning a server hands to a worker process (`platform.heavy`): scores,
travel times and the schedule, so that the deadline covers all of it."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from qurb.caravans.model import CampaignSpec
from qurb.caravans.plan import CampaignPlan
from qurb.caravans.service import plan_campaign, prepare_campaign, schedule_campaign
from qurb.platform.background import set_phase
from qurb.territory.service import TerritoryIndex
from qurb.territory.travel import commune_graph_model


def plan(
    session: Session, spec: CampaignSpec, today: date, time_limit_s: float, seed: int | None
) -> CampaignPlan:
    index = TerritoryIndex.from_session(session)
    return plan_campaign(
        session,
        spec,
        commune_graph_model(session),
        today,
        index=index,
        time_limit_s=time_limit_s,
        seed=seed,
    )


def plan_in_background(
    session: Session,
    job_id: str,
    spec: CampaignSpec,
    today: date,
    time_limit_s: float,
    seed: int | None,
) -> CampaignPlan:
    """`plan` for a background job, its phase written as it goes: `preparing` (scores,
    attendance, travel times), then `scheduling` (the solver)."""
    set_phase(session, job_id, "preparing")
    index = TerritoryIndex.from_session(session)
    setup = prepare_campaign(session, spec, commune_graph_model(session), today, index=index)
    set_phase(session, job_id, "scheduling")
    return schedule_campaign(setup, time_limit_s=time_limit_s, seed=seed)
