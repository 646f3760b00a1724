"""An outbreak signal's triage as WHO's EWARS runs an alert: its stages, the decisions
each allows, the risk matrix, and where an alert stands after its steps. Pure: no I/O.

The stages, in order: verification (is the signal real? `discard`, `monitor`, or
`start_risk_assessment`), risk assessment (hazard, exposure, context: free text),
risk characterisation (likelihood × consequences → a risk level, WHO's matrix below),
outcome (`discard`, `monitor`, `respond`, with a note for a response). A note or an
invitation is no stage: it may be added whatever the state.

The alert's state: `open` while its triage goes on, `monitoring` while monitored after
its verification (verified again later), `closed` once discarded at verification or
given an outcome. A closed alert opens again only when its signal alarms again
(`signal.reactivate`): a `reopened` step, taken by the detection itself, starts a new
triage; the earlier steps stay."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qurb.kernel.errors import Conflict, InputError

TEXT_CHARS = 4000  # at most, each of an assessment's three texts and a note


class TriageState(enum.StrEnum):
    OPEN = "open"
    MONITORING = "monitoring"
    CLOSED = "closed"


class Stage(enum.StrEnum):
    VERIFICATION = "verification"
    RISK_ASSESSMENT = "risk_assessment"
    RISK_CHARACTERISATION = "risk_characterisation"
    OUTCOME = "outcome"
    NOTE = "note"  # anyone invited, or a triager: no move
    REOPENED = "reopened"  # the signal alarmed again after the alert was closed


class Verification(enum.StrEnum):
    DISCARD = "discard"
    MONITOR = "monitor"
    START_RISK_ASSESSMENT = "start_risk_assessment"


class Likelihood(enum.StrEnum):
    VERY_UNLIKELY = "very_unlikely"
    UNLIKELY = "unlikely"
    LIKELY = "likely"
    HIGHLY_LIKELY = "highly_likely"
    ALMOST_CERTAIN = "almost_certain"


class Consequences(enum.StrEnum):
    MINIMAL = "minimal"
    MINOR = "minor"
    MODERATE = "moderate"
    MAJOR = "major"
    SEVERE = "severe"


class RiskLevel(enum.StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    VERY_HIGH = "very_high"


class Outcome(enum.StrEnum):
    DISCARD = "discard"
    MONITOR = "monitor"
    RESPOND = "respond"


_L, _M, _H, _V = RiskLevel.LOW, RiskLevel.MODERATE, RiskLevel.HIGH, RiskLevel.VERY_HIGH
# WHO (2012), Rapid risk assessment of acute public health events, WHO/HSE/GAR/ARO/2012.1,
# figure 5 ("Risk matrix"): a row per likelihood, a column per consequence level, from
# minimal to severe. The figure is a coloured grid (green low, yellow moderate, orange
# high, red very high); the cells are its colours read as levels. Each level runs
# along the grid's anti-diagonals (a very unlikely event of moderate consequences is
# as low as an unlikely one of minor consequences).
RISK_MATRIX: Mapping[Likelihood, tuple[RiskLevel, ...]] = {
    Likelihood.ALMOST_CERTAIN: (_M, _H, _H, _V, _V),
    Likelihood.HIGHLY_LIKELY: (_M, _M, _H, _V, _V),
    Likelihood.LIKELY: (_L, _M, _H, _H, _V),
    Likelihood.UNLIKELY: (_L, _L, _M, _H, _H),
    Likelihood.VERY_UNLIKELY: (_L, _L, _L, _M, _H),
}


def compute_risk(likelihood: Likelihood, consequences: Consequences) -> RiskLevel:
    """The risk level of a likelihood and its consequences, by WHO's matrix."""
    return RISK_MATRIX[likelihood][list(Consequences).index(consequences)]


@dataclass(frozen=True)
class Step:
    """A step as the rules need it: its stage and what it decided (a verification's
    decision or an outcome; None for the others)."""

    stage: Stage
    decision: str | None = None


@dataclass(frozen=True)
class Position:
    """Where an alert stands: its state and the stage its triage expects next (None: a
    closed alert, which waits for its signal to alarm again)."""

    state: TriageState
    next: Stage | None


START = Position(TriageState.OPEN, Stage.VERIFICATION)


def after(position: Position, step: Step) -> Position:
    """The position after a step taken there (checked: `check_move`)."""
    if step.stage is Stage.NOTE:
        return position
    if step.stage is Stage.REOPENED:
        return START
    if step.stage is Stage.VERIFICATION:
        return {
            Verification.DISCARD: Position(TriageState.CLOSED, None),
            Verification.MONITOR: Position(TriageState.MONITORING, Stage.VERIFICATION),
            Verification.START_RISK_ASSESSMENT: Position(TriageState.OPEN, Stage.RISK_ASSESSMENT),
        }[Verification(step.decision or "")]
    if step.stage is Stage.RISK_ASSESSMENT:
        return Position(TriageState.OPEN, Stage.RISK_CHARACTERISATION)
    if step.stage is Stage.RISK_CHARACTERISATION:
        return Position(TriageState.OPEN, Stage.OUTCOME)
    return Position(TriageState.CLOSED, None)  # an outcome, whichever


def position_of(steps: Sequence[Step]) -> Position:
    """Where an alert stands after its steps, oldest first."""
    position = START
    for step in steps:
        position = after(position, step)
    return position


class TriageOutOfOrder(Conflict):
    """A step the alert's triage does not expect now (a stage skipped or taken twice, a
    closed alert decided on)."""


def check_move(position: Position, stage: Stage) -> None:
    """Refuse a decision the alert does not expect now (a note is always allowed; an
    alert reopens only through its signal)."""
    if stage is Stage.NOTE or (stage is Stage.REOPENED and position.state is TriageState.CLOSED):
        return
    if stage is not position.next:
        expected = position.next.value if position.next is not None else "-"
        raise TriageOutOfOrder(
            code="triage_out_of_order",
            values={"stage": stage.value, "state": position.state.value, "expected": expected},
        )


class TriageInputError(InputError):
    """A step's text refused (too long, or missing where it is needed)."""


def check_text(field: str, text: str | None, *, required: bool = False) -> str | None:
    """A step's free text, stripped (None for nothing); refused above TEXT_CHARS, or
    missing when required."""
    cleaned = (text or "").strip() or None
    if cleaned is None and required:
        raise TriageInputError(code="triage_text_required", values={"field": field})
    if cleaned is not None and len(cleaned) > TEXT_CHARS:
        raise TriageInputError(
            code="triage_text_too_long",
            values={"field": field, "limit": TEXT_CHARS, "length": len(cleaned)},
        )
    return cleaned


def reopens(state: TriageState) -> bool:
    """Does a signal that alarms again (`signal.reactivate`) reopen its alert? Only a
    closed one: an open or monitored alert goes on where it stands."""
    return state is TriageState.CLOSED
