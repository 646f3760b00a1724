"""What the visits gave: consultations, screenings, medicines and referrals recorded
against the plan's visits, all rows or none."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.caravans._tables import CaravanRecordRow, CaravanStopRow
from qurb.caravans.model import (
    AGE_BAND_CODES,
    AGE_ONLY,
    COUNT_MAX,
    RECORD_KINDS,
    SEX_ONLY,
    SEXES,
    TEXT_MAX,
)
from qurb.caravans.store import get_campaign, spec_list
from qurb.kernel.actor import Actor
from qurb.kernel.errors import QurbError
from qurb.platform.files import read_records
from qurb.registry.lookups import facility_exists
from qurb.territory.lookups import unit_briefs


class RecordError(QurbError):
    """A visit record that is refused: every bad row and field named, nothing written."""


RECORD_COLUMNS = ("stop", "kind", "item", "sex", "age_band", "count", "facility", "service")


def read_record_file(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Rows of a record file (CSV, XLSX or JSON): (line number, values by column)."""
    out = []
    for record in read_records(path):
        values = {str(k).strip().lower(): v for k, v in record.values.items() if k}
        out.append((record.number, values))
    return out


def record_visits(
    session: Session,
    actor: Actor,
    campaign_id: str,
    rows: Sequence[tuple[int, dict[str, Any]]],
    today: date,
    source: str = "record",
) -> int:
    """Add what the visits gave; every problem reported at once and nothing added if any.

    Columns: stop (the plan's visit number), kind (consultation, screening, medicine,
    referral), item (the specialty for consultations and referrals; the screening or the
    medicine otherwise), sex (F/M), age_band (0-4, 5-14, 15-49, 50-59, 60+), count,
    facility (registry id receiving a referral), service (asked of that facility)."""
    campaign = get_campaign(session, campaign_id)
    stops = {
        s.number: s
        for s in session.scalars(
            select(CaravanStopRow).where(CaravanStopRow.campaign_id == campaign_id)
        )
    }
    campaign_specialties = {str(s) for s in spec_list(campaign.spec, "specialties")}
    problems: list[str] = []
    accepted: list[tuple[CaravanStopRow, dict[str, Any]]] = []
    for line, values in rows:
        where = f"{source}: row {line}"
        unknown = sorted(set(values) - set(RECORD_COLUMNS))
        if unknown:
            problems.append(f"{where}: unknown column(s) {', '.join(unknown)}")
            continue
        bad: list[str] = []
        stop = None
        try:
            stop_number = int(str(values.get("stop", "")).strip())
            stop = stops.get(stop_number)
            if stop is None:
                bad.append(f"stop: no visit number {stop_number} in {campaign_id}")
            elif stop.visit_date > today:
                bad.append(
                    f"stop: visit {stop_number} is planned for {stop.visit_date}, after today"
                )
        except ValueError:
            bad.append(f"stop: {values.get('stop')!r} is not a visit number")
        kind = str(values.get("kind") or "").strip().lower()
        if kind not in RECORD_KINDS:
            bad.append(f"kind: {kind!r} is not one of {', '.join(RECORD_KINDS)}")
        item = str(values.get("item") or "").strip()
        if not item:
            bad.append("item: missing (a specialty, a screening or a medicine)")
        elif kind in ("consultation", "referral") and item not in campaign_specialties:
            bad.append(f"item: {item!r} is not a specialty of this campaign")
        sex = str(values.get("sex") or "").strip().upper() or None
        if sex is not None and sex not in SEXES:
            bad.append(f"sex: {values.get('sex')!r} is not F or M")
        band = str(values.get("age_band") or "").strip() or None
        if band is not None and band not in AGE_BAND_CODES:
            bad.append(f"age_band: {band!r} is not one of {', '.join(AGE_BAND_CODES)}")
        raw_count = values.get("count")
        count = None
        try:
            number = float(str(raw_count).replace(",", "."))
            if number != int(number):
                bad.append(f"count: {raw_count!r} is not a whole number")
            elif number < 0:
                bad.append(f"count: {raw_count!r} is negative")
            elif number > COUNT_MAX:
                bad.append(f"count: {raw_count!r} is too large")
            else:
                count = int(number)
        except (TypeError, ValueError, OverflowError):  # OverflowError: "inf"
            bad.append(f"count: {raw_count!r} is not a number")
        consult = kind in ("consultation", "referral")
        if consult and item in SEX_ONLY and sex is not None and sex != SEX_ONLY[item]:
            bad.append(f"sex: {item} consultations are for sex {SEX_ONLY[item]}, not {sex}")
        if consult and item in AGE_ONLY and band is not None and band not in AGE_ONLY[item]:
            bad.append(f"age_band: {item} is for ages {', '.join(AGE_ONLY[item])}, not {band}")
        facility = str(values.get("facility") or "").strip() or None
        service = str(values.get("service") or "").strip() or None
        for name, text in (("item", item), ("service", service or "")):
            if len(text) > TEXT_MAX:
                bad.append(f"{name}: longer than {TEXT_MAX} characters")
        if kind == "referral":
            if facility is None:
                bad.append("facility: a referral names the receiving facility (registry id)")
            elif not facility_exists(session, facility):
                bad.append(f"facility: no facility with id {facility!r}")
        elif facility is not None or service is not None:
            bad.append("facility/service: only referrals name a receiving facility")
        if bad or stop is None or count is None:
            problems += [f"{where}: {b}" for b in bad]
            continue
        accepted.append(
            (
                stop,
                {
                    "kind": kind,
                    "item": item,
                    "sex": sex,
                    "age_band": band,
                    "count": count,
                    "facility_id": facility,
                    "service": service,
                },
            )
        )
    if not problems:
        problems += _impossible_totals(session, stops, accepted, source)
    batch = _batch_key(rows)
    if not problems:
        earlier = session.execute(
            select(CaravanRecordRow.recorded_at, CaravanRecordRow.recorded_by)
            .join(CaravanStopRow, CaravanStopRow.id == CaravanRecordRow.stop_id)
            .where(
                CaravanStopRow.campaign_id == campaign_id,
                CaravanRecordRow.batch_sha256 == batch,
            )
            .limit(1)
        ).first()
        if earlier is not None:
            problems.append(
                f"{source}: these rows were already recorded on "
                f"{earlier.recorded_at:%Y-%m-%d %H:%M} by {earlier.recorded_by}; recording "
                "them again would count them twice"
            )
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise RecordError(f"{len(problems)} problem(s), nothing was recorded:\n{lines}{more}")
    if not accepted:
        raise RecordError(f"{source}: no record row (columns: {', '.join(RECORD_COLUMNS)})")
    now = datetime.now(UTC)
    for stop, values in accepted:
        session.add(
            CaravanRecordRow(
                stop_id=stop.id,
                recorded_at=now,
                recorded_by=actor.name,
                batch_sha256=batch,
                **values,
            )
        )
    session.flush()
    return len(accepted)


def _batch_key(rows: Sequence[tuple[int, dict[str, Any]]]) -> str:
    """SHA-256 of the rows (in a canonical form): the same file recorded twice is refused."""
    canonical = json.dumps(
        sorted(json.dumps(v, sort_keys=True, default=str) for _, v in rows), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _impossible_totals(
    session: Session,
    stops: dict[int, CaravanStopRow],
    accepted: Sequence[tuple[CaravanStopRow, dict[str, Any]]],
    source: str,
) -> list[str]:
    """Counts that no visit can have, with those recorded before: more people seen than
    the commune has inhabitants, or more referrals in a specialty than its consultations."""
    people: dict[tuple[int, str], int] = defaultdict(int)  # (stop id, kind) → people
    by_specialty: dict[tuple[int, str, str], int] = defaultdict(int)
    ids = [s.id for s in stops.values()]
    for stop_id, kind, item, total in session.execute(
        select(
            CaravanRecordRow.stop_id,
            CaravanRecordRow.kind,
            CaravanRecordRow.item,
            func.sum(CaravanRecordRow.count),
        )
        .where(CaravanRecordRow.stop_id.in_(ids))
        .group_by(CaravanRecordRow.stop_id, CaravanRecordRow.kind, CaravanRecordRow.item)
    ):
        people[(stop_id, kind)] += int(total)
        by_specialty[(stop_id, kind, item)] += int(total)
    for stop, values in accepted:
        people[(stop.id, values["kind"])] += values["count"]
        by_specialty[(stop.id, values["kind"], values["item"])] += values["count"]
    population = {
        code: unit.population_2024
        for code, unit in unit_briefs(session, {s.commune_code for s in stops.values()}).items()
    }
    problems = []
    for stop in stops.values():
        where = f"{source}: stop {stop.number} ({stop.label})"
        inhabitants = population.get(stop.commune_code)
        for kind in ("consultation", "screening", "referral"):
            n = people[(stop.id, kind)]
            if inhabitants is not None and n > inhabitants:
                problems.append(
                    f"{where}: count: {n:,} {kind}s exceed the commune's {inhabitants:,} "
                    "inhabitants"
                )
        for (stop_id, kind, item), n in by_specialty.items():
            if stop_id != stop.id or kind != "referral":
                continue
            seen = by_specialty.get((stop.id, "consultation", item), 0)
            if n > seen:
                problems.append(
                    f"{where}: count: {n} {item} referrals for {seen} {item} consultations "
                    "is impossible"
                )
    return problems
