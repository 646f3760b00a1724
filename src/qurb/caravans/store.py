"""A planned campaign kept: its spec, its plan and one row per planned visit."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.caravans._tables import CaravanCampaignRow, CaravanStopRow
from qurb.caravans.model import CampaignNotFound, CampaignSpec
from qurb.caravans.plan import CampaignPlan
from qurb.caravans.summaries import CampaignSummary, StoredCampaign
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.ids import slug
from qurb.territory.lookups import unit_briefs


def save_campaign(session: Session, actor: Actor, spec: CampaignSpec, plan: CampaignPlan) -> str:
    """Store the campaign, its plan and one row per planned visit; returns its id."""
    campaign_id = f"cv-{slug(spec.name, 24, 'campaign')}-{uuid.uuid4().hex[:6]}"
    session.add(
        CaravanCampaignRow(
            id=campaign_id,
            name=spec.name,
            territory_code=plan.campaign.territory.code,
            start_date=spec.start,
            end_date=spec.end,
            spec=spec.model_dump(mode="json"),
            plan=plan.stored_json(),
            created_at=clock.now(),
            created_by=actor.name,
        )
    )
    session.flush()
    for stop in plan.stops:
        session.add(
            CaravanStopRow(
                campaign_id=campaign_id,
                number=stop.number,
                commune_code=stop.code,
                label=stop.label,
                visit_date=stop.date,
                unit=stop.unit,
                team=stop.team,
                arrival=stop.start,
                departure=stop.departure,
                expected=dict(stop.expected),
            )
        )
    session.flush()
    audit.record(
        session,
        actor,
        AuditEvent(
            "campaign.create",
            "campaign",
            campaign_id,
            territory_code=plan.campaign.territory.code,
            after={
                "name": spec.name,
                "spec": spec.model_dump(mode="json"),
                "visits": len(plan.stops),
            },
        ),
    )
    return campaign_id


def list_campaigns(session: Session) -> list[CampaignSummary]:
    rows = session.scalars(
        select(CaravanCampaignRow).order_by(CaravanCampaignRow.created_at.desc())
    ).all()
    territories = unit_briefs(session, {r.territory_code for r in rows})
    counts = dict(
        session.execute(
            select(CaravanStopRow.campaign_id, func.count()).group_by(CaravanStopRow.campaign_id)
        ).all()
    )
    return [
        CampaignSummary(
            id=r.id,
            name=r.name,
            territory=r.territory_code,
            territory_name_fr=territories[r.territory_code].name_fr,
            territory_name_ar=territories[r.territory_code].name_ar,
            start=r.start_date.isoformat(),
            end=r.end_date.isoformat(),
            visits=counts.get(r.id, 0),
            created_at=r.created_at.isoformat(timespec="seconds"),
            created_by=r.created_by,
        )
        for r in rows
        if r.territory_code in territories
    ]


def _row(session: Session, campaign_id: str, *, lock: bool = False) -> CaravanCampaignRow:
    row = session.get(
        CaravanCampaignRow, campaign_id, with_for_update=lock or None, populate_existing=lock
    )
    if row is None:
        known = [r.id for r in list_campaigns(session)[:5]]
        raise CampaignNotFound(
            f"no campaign {campaign_id!r}"
            + (f" (recent: {', '.join(known)})" if known else " (none saved yet)"),
            code="no_campaign_recent" if known else "no_campaign",
            values={"id": repr(campaign_id), "recent": ", ".join(known)},
        )
    return row


def get_campaign(session: Session, campaign_id: str, *, lock: bool = False) -> StoredCampaign:
    """A saved campaign (`CampaignNotFound` when there is none with this id). `lock` (a
    write to it): locked until the write's commit (PostgreSQL; a SQLite write transaction
    holds the whole database), so that writes to one campaign follow one another."""
    row = _row(session, campaign_id, lock=lock)
    return StoredCampaign(
        id=row.id,
        name=row.name,
        territory=row.territory_code,
        start=row.start_date,
        end=row.end_date,
        created_at=row.created_at,
        created_by=row.created_by,
        spec=dict(row.spec),
        plan=CampaignPlan.model_validate(row.plan),
    )


def spec_list(spec: dict[str, Any], key: str) -> list[object]:
    """A list of a stored spec (JSON), empty when it has none."""
    value = spec.get(key)
    return list(value) if isinstance(value, list) else []


def campaign_plan(session: Session, campaign_id: str) -> CampaignPlan:
    """The stored plan of a campaign (`CampaignNotFound` when there is no such campaign)."""
    return CampaignPlan.model_validate(_row(session, campaign_id).plan)
