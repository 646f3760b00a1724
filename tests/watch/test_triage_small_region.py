"""A signal's alert triage on the small region: CSU Ouled Amar's typhoid spike of week
2026W48 (20 cases after 1 or 2 a week) alarms at the facility and its commune
(tests/watch/test_signals_small_region.py works it out); the facility's signal is
triaged by a confirmer of the province, step by step, each step audited in its own
transaction; who may not decide is refused and writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.audit import service as audit
from qurb.identity.accounts import account_actor
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Forbidden, StaleVersion
from qurb.platform.alerts import AlertRow
from qurb.platform.database import transaction
from qurb.watch import triage_service as triage
from qurb.watch._tables import SignalRow, TriageStepRow
from qurb.watch.service import RawValue, correct_report
from qurb.watch.triage_model import (
    Consequences,
    Likelihood,
    Outcome,
    TriageOutOfOrder,
    Verification,
)
from tests.accounts import add_account
from tests.regions import OULED_AMAR, PROVINCE_CODE, TIZGUI
from tests.watch_reports import (
    CATCHMENTS,
    CSU_OULED_AMAR,
    PROVINCE,
    Clock,
    Factory,
    moment,
    typhoid_spike,
)

__all__ = ["moment"]


class Region:
    def __init__(self, db: sessionmaker[Session]) -> None:
        self.db = db
        self.report = typhoid_spike(db, CSU_OULED_AMAR)
        with transaction(db) as s:
            rows = s.scalars(select(SignalRow).order_by(SignalRow.level)).all()
            self.commune, self.facility = ((r.id, r.level) for r in rows)
        assert (self.commune[1], self.facility[1]) == ("commune", "facility")
        province = Scope(territories=[PROVINCE_CODE])
        other = Scope(territories=[TIZGUI])  # the other commune with facilities
        self.confirmer = add_account(db, "confirmer", Role.WATCH_CONFIRMER, province)
        self.reporter = add_account(db, "reporter", Role.WATCH_REPORTER, province)
        self.elsewhere = add_account(db, "elsewhere", Role.WATCH_CONFIRMER, other)
        self.guest = add_account(db, "guest", Role.VIEWER, other)

    def actor(self, who: str) -> Actor:
        return account_actor(getattr(self, who).account_id)

    def counts(self) -> tuple[int, int]:
        """(audit entries, triage steps) kept."""
        with transaction(self.db) as s:
            steps = s.scalar(select(func.count()).select_from(TriageStepRow)) or 0
            return audit.count(s), steps


@pytest.fixture
def region(small_region_db: Factory, moment: Clock) -> Region:
    return Region(small_region_db())


def _actions(db: sessionmaker[Session], signal_id: int) -> list[str]:
    with transaction(db) as s:
        where = audit.EntryFilter(entity_kind="signal", entity_id=str(signal_id))
        return [e.action for e in audit.entries(s, where)]


def test_a_signal_triaged_from_its_verification_to_a_response(region: Region) -> None:
    signal, by = region.facility[0], region.actor("confirmer")
    with transaction(region.db) as s:
        alert = triage.get_alert(s, by, signal)
    assert (alert.signal.triage_state, alert.next_stage, alert.steps) == (
        "open",
        "verification",
        (),
    )
    assert [(r.id, r.period, r.facility_id) for r in alert.reports] == [
        (region.report, "2026W48", CSU_OULED_AMAR)
    ]
    start = alert.signal.version
    with transaction(region.db) as s:
        done = triage.verify(s, by, signal, Verification.START_RISK_ASSESSMENT, None, {start})
    assert (done.signal.triage_state, done.next_stage) == ("open", "risk_assessment")
    assert done.signal.version == start + 1  # a step moves the version on, the state kept
    with transaction(region.db) as s:
        done = triage.assess(s, by, signal, "Fièvre typhoïde", "Eau du puits", "Souk hebdo")
        done = triage.characterise(s, by, signal, Likelihood.LIKELY, Consequences.MAJOR)
    assert done.steps[-1].risk_level == "high"
    with transaction(region.db) as s:
        done = triage.close(s, by, signal, Outcome.RESPOND, "Chloration et enquête")
    assert (done.signal.triage_state, done.next_stage) == ("closed", None)
    assert [(s.stage, s.decision) for s in done.steps] == [
        ("verification", "start_risk_assessment"),
        ("risk_assessment", None),
        ("risk_characterisation", None),
        ("outcome", "respond"),
    ]
    assert {s.actor for s in done.steps} == {str(region.confirmer.account_id)}
    assert _actions(region.db, signal) == [
        "signal.raise",
        "signal.verify",
        "signal.assess",
        "signal.characterise",
        "signal.close",
    ]
    # the commune's signal is untouched: its own alert
    with transaction(region.db) as s:
        assert triage.get_alert(s, by, region.commune[0]).signal.triage_state == "open"


def test_out_of_order_steps_and_stale_versions_are_refused(region: Region) -> None:
    signal, by = region.facility[0], region.actor("confirmer")
    with pytest.raises(TriageOutOfOrder), transaction(region.db) as s:
        triage.characterise(s, by, signal, Likelihood.LIKELY, Consequences.MINOR)
    with pytest.raises(TriageOutOfOrder), transaction(region.db) as s:
        triage.close(s, by, signal, Outcome.DISCARD)
    with transaction(region.db) as s:
        done = triage.verify(s, by, signal, Verification.MONITOR)
    assert (done.signal.triage_state, done.next_stage) == ("monitoring", "verification")
    with pytest.raises(StaleVersion), transaction(region.db) as s:
        triage.verify(s, by, signal, Verification.DISCARD, None, {done.signal.version - 1})
    with transaction(region.db) as s:
        closed = triage.verify(s, by, signal, Verification.DISCARD, "Doublon", None)
    assert closed.signal.triage_state == "closed"
    with pytest.raises(TriageOutOfOrder), transaction(region.db) as s:
        triage.verify(s, by, signal, Verification.START_RISK_ASSESSMENT)
    assert _actions(region.db, signal) == ["signal.raise", "signal.verify", "signal.close"]


@pytest.mark.parametrize("who", ["reporter", "elsewhere", "guest"])
def test_who_may_not_decide_is_refused_and_writes_nothing(region: Region, who: str) -> None:
    before = region.counts()
    with pytest.raises(Forbidden) as refused, transaction(region.db) as s:
        triage.verify(s, region.actor(who), region.facility[0], Verification.DISCARD)
    assert (refused.value.code, refused.value.values) == (
        "outside_scope",
        {"needed": "watch.triage"},
    )
    with pytest.raises(Forbidden), transaction(region.db) as s:
        triage.invite(s, region.actor(who), region.facility[0], "guest")
    assert region.counts() == before


def test_an_invited_account_reads_and_notes_but_does_not_decide(region: Region) -> None:
    signal, guest = region.facility[0], region.actor("guest")
    with pytest.raises(Forbidden), transaction(region.db) as s:
        triage.get_alert(s, guest, signal)  # a viewer of Tizgui: not of Ouled Amar
    with pytest.raises(Forbidden), transaction(region.db) as s:
        triage.add_note(s, guest, signal, "Vu au marché")
    with transaction(region.db) as s:
        invited = triage.invite(s, region.actor("confirmer"), signal, "guest")
    assert [(i.username, i.invited_by) for i in invited.invitations] == [
        ("guest", str(region.confirmer.account_id))
    ]
    with transaction(region.db) as s:
        alerts = s.scalars(select(AlertRow).where(AlertRow.kind == "watch.triage")).all()
        assert [(a.account_id, a.words_key, a.subject_id) for a in alerts] == [
            (region.guest.account_id, "alert.watch_triage_invitation", str(signal))
        ]
    with transaction(region.db) as s:
        noted = triage.add_note(s, guest, signal, "  Vu au marché  ")
    assert [(x.stage, x.note) for x in noted.steps] == [("note", "Vu au marché")]
    assert noted.signal.triage_state == "open"  # a note moves nothing
    before = region.counts()
    with pytest.raises(Forbidden), transaction(region.db) as s:
        triage.verify(s, guest, signal, Verification.DISCARD)
    assert region.counts() == before
    assert _actions(region.db, signal) == ["signal.raise", "signal.invite", "signal.note"]


def test_a_step_and_its_audit_entry_are_one_transaction(region: Region) -> None:
    """A step whose transaction fails after it leaves neither the step nor its entry."""
    before = region.counts()
    with pytest.raises(RuntimeError), transaction(region.db) as s:
        triage.verify(s, region.actor("confirmer"), region.facility[0], Verification.MONITOR)
        assert (audit.count(s), s.scalar(select(func.count()).select_from(TriageStepRow))) == (
            before[0] + 1,
            before[1] + 1,
        )
        raise RuntimeError("the rest of the write failed")
    assert region.counts() == before


def test_a_closed_alert_reopens_when_its_signal_alarms_again(region: Region) -> None:
    signal, by = region.facility[0], region.actor("confirmer")
    with transaction(region.db) as s:
        triage.verify(s, by, signal, Verification.DISCARD, "Erreur de saisie")
    typhoid = "typhoid"
    with transaction(region.db) as s:  # corrected down: the signal revised, still closed
        lower = [RawValue(typhoid, "m|15+", 2, "values[0].value")]
        again = correct_report(s, PROVINCE, region.report, lower, "saisie", catchments=CATCHMENTS)
    with transaction(region.db) as s:
        assert triage.get_alert(s, by, signal).signal.triage_state == "closed"
        higher = [RawValue(typhoid, "m|15+", 20, "values[0].value")]
        correct_report(s, PROVINCE, again.id, higher, "bien 20", catchments=CATCHMENTS)
    with transaction(region.db) as s:
        alert = triage.get_alert(s, by, signal)
    assert (alert.signal.status, alert.signal.triage_state) == ("active", "open")
    assert [x.stage for x in alert.steps] == ["verification", "reopened"]
    assert alert.next_stage == "verification"
    assert _actions(region.db, signal) == [
        "signal.raise",
        "signal.close",
        "signal.revise",
        "signal.reactivate",
    ]
    # the commune's alert was never closed: its reactivation leaves it as it was
    with transaction(region.db) as s:
        commune = triage.get_alert(s, by, region.commune[0])
    assert (commune.signal.triage_state, commune.steps) == ("open", ())
    assert commune.signal.unit_code == OULED_AMAR
