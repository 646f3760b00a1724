"""A referral's rules, pure: its statuses and the moves between them, its pseudonymous
reference, and the values a referral carries (age bands and sex as the caravans' visit
records write them, urgency).

A referral: sent → accepted | refused (a reason required) | redirected (to another
destination: a new referral, its `parent_id` the old one, which stays redirected);
accepted → booked; booked → seen | no_show, or back to accepted (its booking cancelled or
displaced); seen → counter_referred → closed; seen → closed; no_show → closed;
refused → closed. A tele-expertise request: sent → answered (the advice given: a transfer
avoided) | converted (it becomes a referral: a new one with `parent_id`) → closed.
Any other move is refused, `referral_status_order`, naming the from and the to."""

from __future__ import annotations

import base64
import enum
import secrets

from qurb.kernel.errors import Conflict


class Kind(enum.StrEnum):
    REFERRAL = "referral"
    TELE_EXPERTISE = "tele_expertise"


class Status(enum.StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    REDIRECTED = "redirected"
    BOOKED = "booked"
    SEEN = "seen"
    NO_SHOW = "no_show"
    COUNTER_REFERRED = "counter_referred"
    ANSWERED = "answered"
    CONVERTED = "converted"
    CLOSED = "closed"


class Urgency(enum.StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENCY = "emergency"


S = Status
MOVES: dict[Kind, dict[Status, frozenset[Status]]] = {
    Kind.REFERRAL: {
        S.SENT: frozenset({S.ACCEPTED, S.REFUSED, S.REDIRECTED}),
        S.ACCEPTED: frozenset({S.BOOKED}),
        S.BOOKED: frozenset({S.SEEN, S.NO_SHOW, S.ACCEPTED}),
        S.SEEN: frozenset({S.COUNTER_REFERRED, S.CLOSED}),
        S.COUNTER_REFERRED: frozenset({S.CLOSED}),
        S.NO_SHOW: frozenset({S.CLOSED}),
        S.REFUSED: frozenset({S.CLOSED}),
    },
    Kind.TELE_EXPERTISE: {
        S.SENT: frozenset({S.ANSWERED, S.CONVERTED}),
        S.ANSWERED: frozenset({S.CLOSED}),
        S.CONVERTED: frozenset({S.CLOSED}),
    },
}
# The moves taken by the receiving side (the destination's clerks); the others (sending,
# closing a counter-referred one on its receipt) by the origin's.
RECEIVING = frozenset(
    {S.ACCEPTED, S.REFUSED, S.REDIRECTED, S.BOOKED, S.SEEN, S.NO_SHOW, S.COUNTER_REFERRED}
    | {S.ANSWERED, S.CONVERTED}
)
NEEDS_REASON = frozenset({S.REFUSED, S.REDIRECTED})

# As the caravans' visit records write them (caravans/model.py, AGE_BAND_CODES, SEXES):
# a referral from a caravan stop keeps its record's band and sex as they are.
AGE_BANDS = ("0-4", "5-14", "15-49", "50-59", "60+")
SEXES = ("F", "M")
TEXT_MAX = 2000  # characters of a reason or an answer
REFERENCE_PREFIX = "R-"
REFERENCE_CHARS = 12  # base32 characters: 60 random bits


class ReferralStatusOrder(Conflict):
    """A move the referral's rules do not allow from where it stands."""

    code = "referral_status_order"


def check_move(kind: Kind, current: Status, target: Status) -> None:
    """Nothing if `current → target` is a move of `kind`; else ReferralStatusOrder."""
    if target not in MOVES[kind].get(current, frozenset()):
        allowed = sorted(MOVES[kind].get(current, frozenset()))
        raise ReferralStatusOrder(
            code="referral_status_order",
            values={"from": current.value, "to": target.value, "allowed": allowed or ["—"]},
        )


def allowed_moves(kind: Kind, current: Status) -> list[str]:
    return sorted(MOVES[kind].get(current, frozenset()))


def new_reference() -> str:
    """A pseudonymous reference: 60 random bits from `secrets`, base32, nothing derived
    from the person (the sending facility writes it beside its own record)."""
    raw = base64.b32encode(secrets.token_bytes(8)).decode("ascii")
    return REFERENCE_PREFIX + raw[:REFERENCE_CHARS]


def is_reference(text: str) -> bool:
    body = text[len(REFERENCE_PREFIX) :]
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    return (
        text.startswith(REFERENCE_PREFIX) and len(body) == REFERENCE_CHARS and set(body) <= alphabet
    )
