"""The audit chain, pure: a known entry hashes to a value computed here by hand with
hashlib; any chain of random events verifies clean; each kind of tampering is found and
named by its entry."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qurb.audit.keys import ServerKey
from qurb.audit.model import (
    GENESIS_HASH,
    AuditEntry,
    AuditEvent,
    AuditHead,
    canonical,
    compute_entry,
    verify_chain,
)
from qurb.kernel.actor import Actor

KEY = ServerKey.generate()


def _storable(value: str) -> bool:
    return bool(value.strip()) and "\x00" not in value


START = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)


def _chain(events: list[AuditEvent], key: ServerKey = KEY) -> tuple[list[AuditEntry], AuditHead]:
    out: list[AuditEntry] = []
    prev = GENESIS_HASH
    for i, event in enumerate(events, start=1):
        entry = compute_entry(i, START + timedelta(seconds=i), Actor.local("Amina"), event, prev)
        out.append(entry)
        prev = entry.hash
    head = key.sign_head(len(out), prev) if out else AuditHead(0, GENESIS_HASH, None, None)
    return out, head


def _events(n: int) -> list[AuditEvent]:
    return [
        AuditEvent(
            "facility.update", "facility", f"essp-{i}", "03.231.01.03", {"beds": i}, {"beds": i + 1}
        )
        for i in range(1, n + 1)
    ]


def _kinds(problems: list[Any]) -> list[tuple[int, str]]:
    return [(p.seq, p.kind) for p in problems]


def test_a_known_entry_hashes_to_the_value_worked_out_by_hand() -> None:
    event = AuditEvent(
        "facility.update",
        "facility",
        "essp-01",
        "03.231.01.03",
        before={"name": "CSR Aïn", "beds": 4},
        after={"name": "CSR Aïn", "beds": 6},
        reason="beds counted on 2026-12-01",
    )
    first = compute_entry(1, START, Actor.local("Amina"), event, GENESIS_HASH, request_id="req-1")
    text = (
        '{"action":"facility.update","actor":"Amina","actor_kind":"local",'
        '"after":{"beds":6,"name":"CSR Aïn"},"before":{"beds":4,"name":"CSR Aïn"},'
        '"entity_id":"essp-01","entity_kind":"facility","grant_id":null,"partner_id":null,'
        '"reason":"beds counted on 2026-12-01","request_id":"req-1","seq":1,'
        '"territory_code":"03.231.01.03",'
        '"time":"2026-12-05T20:00:00.000000+00:00"}'
    )
    assert canonical(first.content()) == text.encode("utf-8")
    assert first.hash == hashlib.sha256(("0" * 64 + text).encode("utf-8")).hexdigest()
    # The second entry chains on the first's hash; a time in another zone is the same moment.
    closing = AuditEvent("facility.close", "facility", "essp-01", None, {"open": True}, None)
    moment = datetime(2026, 12, 5, 22, 30, 0, 250, tzinfo=timezone(timedelta(hours=1)))
    second = compute_entry(2, moment, Actor.system(), closing, first.hash, partner="p-7")
    text_2 = (
        '{"action":"facility.close","actor":"qurb","actor_kind":"system","after":null,'
        '"before":{"open":true},"entity_id":"essp-01","entity_kind":"facility",'
        '"grant_id":null,"partner_id":"p-7","reason":null,"request_id":null,"seq":2,'
        '"territory_code":null,'
        '"time":"2026-12-05T21:30:00.000250+00:00"}'
    )
    assert second.prev_hash == first.hash
    assert second.hash == hashlib.sha256((first.hash + text_2).encode("utf-8")).hexdigest()


def test_an_event_refuses_what_json_cannot_hold() -> None:
    with pytest.raises(ValueError):
        AuditEvent("x.update", "x", "1", after={"value": float("nan")})
    with pytest.raises(ValueError):
        AuditEvent("", "x", "1")
    with pytest.raises(ValueError):  # PostgreSQL stores no NUL in a text column
        AuditEvent("x.update", "x", "a\x00b")
    # Inside before/after, JSON writes it as an escape.
    assert AuditEvent("x.update", "x", "1", after={"note": "a\x00b"}).after == {"note": "a\x00b"}
    with pytest.raises(ValueError):
        compute_entry(1, datetime(2026, 1, 1), Actor.local("a"), AuditEvent("a", "b", "c"), "")


def test_an_intact_chain_and_an_empty_one_verify_clean() -> None:
    entries, head = _chain(_events(5))
    assert verify_chain(entries, head, KEY.public_key) == []
    assert verify_chain([], AuditHead(0, GENESIS_HASH, None, None), KEY.public_key) == []


def test_each_kind_of_tampering_is_named_by_its_entry() -> None:
    entries, head = _chain(_events(6))
    altered = [*entries]
    altered[2] = dataclasses.replace(entries[2], after={"beds": 99})
    assert _kinds(verify_chain(altered, head, KEY.public_key)) == [(3, "altered")]

    deleted = [e for e in entries if e.seq != 3]
    assert _kinds(verify_chain(deleted, head, KEY.public_key)) == [(3, "missing")]

    # Entries 2 and 5 swapped, each keeping its place in the sequence.
    swapped = [*entries]
    swapped[1] = dataclasses.replace(entries[4], seq=2)
    swapped[4] = dataclasses.replace(entries[1], seq=5)
    found = _kinds(verify_chain(swapped, head, KEY.public_key))
    assert (2, "moved") in found and (5, "moved") in found
    assert {seq for seq, _ in found} <= {2, 3, 5, 6}

    truncated = entries[:4]
    assert _kinds(verify_chain(truncated, head, KEY.public_key)) == [(5, "truncated")]

    other = ServerKey.generate()
    assert _kinds(verify_chain(entries, other.sign_head(6, entries[-1].hash), KEY.public_key)) == [
        (6, "bad_signature")
    ]
    forged = dataclasses.replace(head, signature=other.sign_head(6, head.hash).signature)
    assert _kinds(verify_chain(entries, forged, KEY.public_key)) == [(6, "bad_signature")]

    unsigned_tail, _ = _chain(_events(7))
    assert _kinds(verify_chain(unsigned_tail, head, KEY.public_key)) == [(7, "after_head")]


def test_a_cut_tail_with_an_older_signed_head_put_back_needs_the_kept_head() -> None:
    """What the chain alone cannot show: cut to 4 entries with the head of entry 4 put
    back, it verifies; the head kept elsewhere (entry 6) shows the cut."""
    entries, head = _chain(_events(6))
    older = KEY.sign_head(4, entries[3].hash)
    assert verify_chain(entries[:4], older, KEY.public_key) == []
    assert _kinds(verify_chain(entries[:4], older, KEY.public_key, kept=(6, head.hash))) == [
        (6, "kept_head")
    ]
    assert verify_chain(entries, head, KEY.public_key, kept=(4, entries[3].hash)) == []


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
events = st.builds(
    AuditEvent,
    action=st.sampled_from(["facility.add", "facility.update", "facility.close", "grant.give"]),
    entity_kind=st.sampled_from(["facility", "grant", "account"]),
    entity_id=st.text(min_size=1, max_size=20).filter(_storable),
    territory_code=st.none() | st.sampled_from(["MA", "03", "03.231.01.03"]),
    before=st.none() | st.dictionaries(st.text(max_size=8), json_values, max_size=4),
    after=st.none() | st.dictionaries(st.text(max_size=8), json_values, max_size=4),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(events, max_size=12), st.data())
def test_random_chains_verify_clean_and_any_altered_entry_is_named(
    drawn: list[AuditEvent], data: st.DataObject
) -> None:
    entries, head = _chain(drawn)
    assert verify_chain(entries, head, KEY.public_key) == []
    if entries:
        i = data.draw(st.integers(0, len(entries) - 1))
        changed = [*entries]
        changed[i] = dataclasses.replace(entries[i], entity_id=entries[i].entity_id + "!")
        assert (i + 1, "altered") in _kinds(verify_chain(changed, head, KEY.public_key))
