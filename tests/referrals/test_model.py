"""The referral's status machine and its pseudonymous reference, pure."""

from __future__ import annotations

import pytest

from qurb.referrals.model import (
    MOVES,
    Kind,
    ReferralStatusOrder,
    Status,
    allowed_moves,
    check_move,
    is_reference,
    new_reference,
)
from qurb.referrals.pathways import pathways

S = Status
# Every move the issue lists, and nothing else.
REFERRAL_MOVES = {
    (S.SENT, S.ACCEPTED), (S.SENT, S.REFUSED), (S.SENT, S.REDIRECTED),
    (S.ACCEPTED, S.BOOKED),
    (S.BOOKED, S.SEEN), (S.BOOKED, S.NO_SHOW), (S.BOOKED, S.ACCEPTED),
    (S.SEEN, S.COUNTER_REFERRED), (S.SEEN, S.CLOSED),
    (S.COUNTER_REFERRED, S.CLOSED), (S.NO_SHOW, S.CLOSED), (S.REFUSED, S.CLOSED),
}  # fmt: skip
TELE_MOVES = {
    (S.SENT, S.ANSWERED), (S.SENT, S.CONVERTED), (S.ANSWERED, S.CLOSED), (S.CONVERTED, S.CLOSED),
}  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "moves"), [(Kind.REFERRAL, REFERRAL_MOVES), (Kind.TELE_EXPERTISE, TELE_MOVES)]
)
def test_exactly_the_listed_moves_are_allowed(
    kind: Kind, moves: set[tuple[Status, Status]]
) -> None:
    allowed = set()
    for current in Status:
        for target in Status:
            try:
                check_move(kind, current, target)
            except ReferralStatusOrder:
                continue
            allowed.add((current, target))
    assert allowed == moves
    assert {(a, b) for a, targets in MOVES[kind].items() for b in targets} == moves


def test_an_out_of_order_move_names_from_and_to() -> None:
    with pytest.raises(ReferralStatusOrder) as caught:
        check_move(Kind.REFERRAL, S.SENT, S.SEEN)
    assert caught.value.code == "referral_status_order"
    assert caught.value.values == {
        "from": "sent",
        "to": "seen",
        "allowed": ["accepted", "redirected", "refused"],
    }
    with pytest.raises(ReferralStatusOrder) as closed:
        check_move(Kind.REFERRAL, S.CLOSED, S.SENT)
    assert closed.value.values["allowed"] == ["—"]
    assert allowed_moves(Kind.REFERRAL, S.SEEN) == ["closed", "counter_referred"]


def test_a_reference_is_random_base32_and_prefixed() -> None:
    drawn = {new_reference() for _ in range(2000)}
    assert len(drawn) == 2000  # 60 random bits: no clash in 2,000 draws
    assert all(is_reference(r) and len(r) == 14 for r in drawn)
    assert not is_reference("R-0000000000001")  # 0 and 1 are not base32 letters


def test_the_bundled_pathways_name_known_services_in_order() -> None:
    found = pathways()
    pregnancy = [lv.service for lv in found["high_risk_pregnancy"].levels]
    assert pregnancy == ["prenatal_care", "emonc_comprehensive", "university_care"]
    retinopathy = [lv.service for lv in found["diabetic_retinopathy"].levels]
    assert retinopathy == ["chronic_disease_followup", "ophthalmology_ent"]
    assert all(p.working_choice and p.source for p in found.values())
    assert found["high_risk_pregnancy"].name("ar") == "الحمل المعرض للخطر"
