"""What the visits gave: consultations, screenings, medicines and referrals recorded
against the plan's visits, all rows or none."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.caravans._tables import CaravanRecordRow, CaravanStopRow
from qurb.caravans.catalogue import screenings
from qurb.caravans.store import get_campaign, spec_list
from qurb.caravans.visit_record import RECORD_COLUMNS, RecordContext, VisitRecordRow
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import FieldError, InputError, Say
from qurb.kernel.i18n import problem
from qurb.kernel.rows import too_many, validate_rows
from qurb.kernel.values import is_identifier
from qurb.platform.files import read_records
from qurb.referrals.service import from_caravan_records
from qurb.registry.lookups import facility_briefs
from qurb.territory.lookups import unit_briefs


class RecordError(InputError):
    """A visit record that is refused: every bad row and field named (`errors`), nothing
    written. The message lists the problems as `<source>: row N: field: reason` lines."""

    worded = True
    code = "not_recorded"

    def __init__(
        self,
        message: str,
        errors: Sequence[FieldError] = (),
        source: str = "",
        problems: Sequence[tuple[str, FieldError]] = (),
    ) -> None:
        super().__init__(message, source)
        self._errors = tuple(errors)
        self.problems = tuple(problems)

    @classmethod
    def of(cls, problems: Sequence[tuple[str, FieldError]], source: str) -> RecordError:
        lines = "\n".join(f"  - {text}" for text, _ in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        return cls(
            f"{len(problems)} problem(s), nothing was recorded:\n{lines}{more}",
            too_many([error for _, error in problems], source).errors,
            source,
            problems,
        )

    def rendered(self, say: Say) -> str:
        """The message in the reader's language: each coded problem's line worded by the
        catalogue (`record.line.*`), the others as written."""
        if not self.problems:
            return str(self)
        lines = "\n".join(f"  - {self._line(text, e, say)}" for text, e in self.problems[:50])
        if len(self.problems) > 50:
            lines += "\n  " + say("error.more", {"count": len(self.problems) - 50})
        return say("error.not_recorded", {"count": len(self.problems), "lines": lines})

    def _line(self, text: str, error: FieldError, say: Say) -> str:
        if not error.code:
            return text
        values = {"source": self.source, "row": error.row, "field": error.field}
        if error.row is None:  # a problem of the whole batch, or of one stop's totals
            values |= {"reason": error.rendered(say), **error.values}
            if "stop" in error.values:
                return say("error.stop_field", values)
            return say("error.source_field", values)
        kind = "row_field" if error.field else "row"
        return say(f"record.line.{kind}", {**values, "reason": error.rendered(say)})


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
    facility (registry id receiving a referral), service (asked of that facility).

    Records are added, never changed: no version is asked. The campaign is locked for the
    write, so that two batches at once are checked one after the other (the same batch
    twice is refused; totals are checked against what the other added)."""
    campaign = get_campaign(session, campaign_id, lock=True)
    stops = {
        s.number: s
        for s in session.scalars(
            select(CaravanStopRow).where(CaravanStopRow.campaign_id == campaign_id)
        )
    }
    # Only ids are looked up: any other text is reported by its row, never sent to SQL.
    named = {str(values.get("facility") or "").strip() for _, values in rows}
    named = {n for n in named if is_identifier(n)}
    context = RecordContext(
        campaign_id,
        {number: stop.visit_date for number, stop in stops.items()},
        frozenset(str(s) for s in spec_list(campaign.spec, "specialties")),
        today,
        frozenset(facility_briefs(session, named)),
        frozenset(screenings()),
    )
    problems: list[tuple[str, FieldError]] = []  # (line of the message, the problem)

    def check(line: int, row: VisitRecordRow) -> list[FieldError]:
        found = row.problems(context)
        problems.extend(
            (
                f"{source}: row {line}: {e.field}: {e.reason}"
                if e.field
                else f"{source}: row {line}: {e.reason}",
                FieldError(e.field, e.reason, line, e.code, e.values),
            )
            for e in found
        )
        return found

    accepted: list[tuple[CaravanStopRow, dict[str, Any]]] = []
    try:
        valid = validate_rows(VisitRecordRow, rows, source, check)
    except InputError as error:
        problems = problems or [(f"{source}: {e}", e) for e in error.errors]
    else:
        accepted = [(stops[row.value.stop_number or 0], row.value.values()) for row in valid]
    if not problems:
        problems += _impossible_totals(session, stops, accepted, source)
    batch = _batch_key(accepted)
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
            when = f"{earlier.recorded_at:%Y-%m-%d %H:%M}"
            again = problem("rows", "already_recorded", when=when, by=earlier.recorded_by)
            problems.append((f"{source}: {again.reason}", again))
    if problems:
        raise RecordError.of(problems, source)
    if not accepted:
        empty = problem("rows", "no_record_row", columns=list(RECORD_COLUMNS))
        raise RecordError.of([(f"{source}: {empty.reason}", empty)], source)
    now = clock.now()
    written: list[tuple[CaravanStopRow, CaravanRecordRow]] = []
    for stop, values in accepted:
        record = CaravanRecordRow(
            stop_id=stop.id,
            recorded_at=now,
            recorded_by=actor.name,
            batch_sha256=batch,
            **values,
        )
        session.add(record)
        written.append((stop, record))
    session.flush()
    _send_referrals(session, actor, written)
    audit.record(
        session,
        actor,
        AuditEvent(
            "campaign.record",
            "campaign",
            campaign_id,
            after={
                "rows": len(accepted),
                "visits": sorted({stop.number for stop, _ in accepted}),
                "batch_sha256": batch,
                "source": source,
            },
        ),
    )
    return len(accepted)


def _send_referrals(
    session: Session, actor: Actor, written: Sequence[tuple[CaravanStopRow, CaravanRecordRow]]
) -> None:
    """Each referral count recorded becomes that many referrals from its stop (the
    patient's commune the stop's), in the same transaction: `qurb.referrals`."""
    by_stop: dict[int, tuple[CaravanStopRow, list[CaravanRecordRow]]] = {}
    for stop, record in written:
        if record.kind == "referral":
            by_stop.setdefault(stop.id, (stop, []))[1].append(record)
    for stop, records in by_stop.values():
        from_caravan_records(session, actor, stop.id, stop.commune_code, records)


def _batch_key(accepted: Sequence[tuple[CaravanStopRow, dict[str, Any]]]) -> str:
    return batch_key({"stop": stop.number, **values} for stop, values in accepted)


def batch_key(rows: Iterable[Mapping[str, Any]]) -> str:
    """SHA-256 of a batch as it is stored (the visit number and the record's columns:
    trimmed text, whole counts), in sorted order: the same facts recorded twice are refused
    however they are written (`" 10"`, `10`, `10.0`; columns or rows in another order)."""
    canonical = json.dumps(
        sorted(json.dumps(dict(row), sort_keys=True, ensure_ascii=False) for row in rows),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _impossible_totals(
    session: Session,
    stops: dict[int, CaravanStopRow],
    accepted: Sequence[tuple[CaravanStopRow, dict[str, Any]]],
    source: str,
) -> list[tuple[str, FieldError]]:
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
    problems: list[tuple[str, FieldError]] = []

    def impossible(found: FieldError) -> None:
        where = f"stop {found.values['stop']} ({found.values['label']})"
        problems.append((f"{source}: {where}: count: {found.reason}", found))

    for stop in stops.values():
        inhabitants = population.get(stop.commune_code)
        for kind in ("consultation", "screening", "referral"):
            n = people[(stop.id, kind)]
            if inhabitants is not None and n > inhabitants:
                where = {"stop": stop.number, "label": stop.label}
                values = {**where, "count": n, "inhabitants": inhabitants}
                # reason.more_than_inhabitants.consultation, .screening, .referral
                impossible(problem("count", f"more_than_inhabitants.{kind}", None, **values))
        for (stop_id, kind, item), n in by_specialty.items():
            if stop_id != stop.id or kind != "referral":
                continue
            seen = by_specialty.get((stop.id, "consultation", item), 0)
            if n > seen:
                values = {"stop": stop.number, "label": stop.label, "count": n}
                values |= {"item": item, "seen": seen}
                impossible(problem("count", "referrals_over_consultations", None, **values))
    return problems
