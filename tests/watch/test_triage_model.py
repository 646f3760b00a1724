"""The triage's pure rules: WHO's risk matrix, and every move from every position an
alert can reach, allowed or refused with its code."""

from __future__ import annotations

import pytest

from qurb.watch.triage_model import (
    START,
    TEXT_CHARS,
    Consequences,
    Likelihood,
    Outcome,
    Position,
    RiskLevel,
    Stage,
    Step,
    TriageInputError,
    TriageOutOfOrder,
    TriageState,
    Verification,
    after,
    check_move,
    check_text,
    compute_risk,
    position_of,
    reopens,
)


@pytest.mark.parametrize(
    ("likelihood", "consequences", "level"),
    [
        # cells of WHO (2012) figure 5, read from its colours
        (Likelihood.VERY_UNLIKELY, Consequences.MINIMAL, RiskLevel.LOW),
        (Likelihood.VERY_UNLIKELY, Consequences.MODERATE, RiskLevel.LOW),
        (Likelihood.VERY_UNLIKELY, Consequences.SEVERE, RiskLevel.HIGH),
        (Likelihood.UNLIKELY, Consequences.MINOR, RiskLevel.LOW),
        (Likelihood.LIKELY, Consequences.MODERATE, RiskLevel.HIGH),
        (Likelihood.HIGHLY_LIKELY, Consequences.MAJOR, RiskLevel.VERY_HIGH),
        (Likelihood.ALMOST_CERTAIN, Consequences.MINIMAL, RiskLevel.MODERATE),
        (Likelihood.ALMOST_CERTAIN, Consequences.SEVERE, RiskLevel.VERY_HIGH),
    ],
)
def test_the_risk_matrix_cells(
    likelihood: Likelihood, consequences: Consequences, level: RiskLevel
) -> None:
    assert compute_risk(likelihood, consequences) is level


def test_the_risk_never_drops_as_likelihood_or_consequences_rise() -> None:
    order = list(RiskLevel)
    for i, likelihood in enumerate(Likelihood):
        for j, consequences in enumerate(Consequences):
            here = order.index(compute_risk(likelihood, consequences))
            if i + 1 < len(Likelihood):
                assert order.index(compute_risk(list(Likelihood)[i + 1], consequences)) >= here
            if j + 1 < len(Consequences):
                assert order.index(compute_risk(likelihood, list(Consequences)[j + 1])) >= here


def _after(*steps: Step) -> Position:
    return position_of(list(steps))


VERIFY_ASSESS = Step(Stage.VERIFICATION, Verification.START_RISK_ASSESSMENT)
ASSESSED = Step(Stage.RISK_ASSESSMENT)
CHARACTERISED = Step(Stage.RISK_CHARACTERISATION)
# Every position an alert reaches, by the steps that lead there, and the one decision
# stage it allows.
REACHED = {
    "new": ((), Stage.VERIFICATION, TriageState.OPEN),
    "monitored": (
        (Step(Stage.VERIFICATION, Verification.MONITOR),),
        Stage.VERIFICATION,
        TriageState.MONITORING,
    ),
    "to_assess": ((VERIFY_ASSESS,), Stage.RISK_ASSESSMENT, TriageState.OPEN),
    "to_characterise": ((VERIFY_ASSESS, ASSESSED), Stage.RISK_CHARACTERISATION, TriageState.OPEN),
    "to_conclude": (
        (VERIFY_ASSESS, ASSESSED, CHARACTERISED),
        Stage.OUTCOME,
        TriageState.OPEN,
    ),
    "discarded": ((Step(Stage.VERIFICATION, Verification.DISCARD),), None, TriageState.CLOSED),
    "concluded": (
        (VERIFY_ASSESS, ASSESSED, CHARACTERISED, Step(Stage.OUTCOME, Outcome.MONITOR)),
        None,
        TriageState.CLOSED,
    ),
    "reopened": (
        (Step(Stage.VERIFICATION, Verification.DISCARD), Step(Stage.REOPENED)),
        Stage.VERIFICATION,
        TriageState.OPEN,
    ),
}
DECISIONS = [Stage.VERIFICATION, Stage.RISK_ASSESSMENT, Stage.RISK_CHARACTERISATION, Stage.OUTCOME]


@pytest.mark.parametrize("name", sorted(REACHED))
def test_each_position_allows_its_next_stage_and_notes_only(name: str) -> None:
    steps, expected, state = REACHED[name]
    position = _after(*steps)
    assert position == Position(state, expected)
    check_move(position, Stage.NOTE)  # a note, whatever the state
    for stage in DECISIONS:
        if stage is expected:
            check_move(position, stage)
            continue
        with pytest.raises(TriageOutOfOrder) as refused:
            check_move(position, stage)
        assert refused.value.code == "triage_out_of_order"
        assert refused.value.values["stage"] == stage.value
        assert refused.value.values["state"] == state.value


def test_only_a_closed_alert_reopens() -> None:
    for name, (steps, _, state) in REACHED.items():
        position = _after(*steps)
        assert reopens(state) is (state is TriageState.CLOSED), name
        if state is TriageState.CLOSED:
            check_move(position, Stage.REOPENED)
            assert after(position, Step(Stage.REOPENED)) == START
        else:
            with pytest.raises(TriageOutOfOrder):
                check_move(position, Stage.REOPENED)


def test_each_outcome_closes_and_a_note_moves_nothing() -> None:
    before = _after(VERIFY_ASSESS, ASSESSED, CHARACTERISED)
    for outcome in Outcome:
        assert after(before, Step(Stage.OUTCOME, outcome)) == Position(TriageState.CLOSED, None)
    assert after(before, Step(Stage.NOTE)) == before


def test_texts_are_bounded_and_required_where_needed() -> None:
    assert check_text("note", "  vu  ") == "vu"
    assert check_text("note", "   ") is None
    assert check_text("hazard", "ا" * TEXT_CHARS) == "ا" * TEXT_CHARS
    with pytest.raises(TriageInputError) as long:
        check_text("hazard", "x" * (TEXT_CHARS + 1))
    assert (long.value.code, long.value.values["length"]) == ("triage_text_too_long", 4001)
    with pytest.raises(TriageInputError) as missing:
        check_text("note", " ", required=True)
    assert missing.value.code == "triage_text_required"
