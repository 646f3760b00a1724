"""Scopes over the real territory tree: Casablanca's préfectures d'arrondissements by the
tree, not by code prefix; and, drawn at random, a scope contained in another covers
nothing the other does not."""

from __future__ import annotations

from collections import defaultdict
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qurb.identity.grant_service import ancestors_in, target_in
from qurb.identity.scopes import Scope, Target, contains, covers
from tests.identity.territory_tree import territory_index

INDEX = territory_index()
ANCESTORS = ancestors_in(INDEX)
CODES = sorted(INDEX.by_code)
SIDI_BERNOUSSI_PREFECTURE = "06.141.01.50"  # a préfecture d'arrondissements
SIDI_BERNOUSSI, SIDI_MOUMEN = "06.141.01.51", "06.141.01.53"  # its arrondissements
ANFA_PREFECTURE, ANFA = "06.141.01.00", "06.141.01.01"
CASABLANCA_COMMUNE, CASABLANCA_PREFECTURE = "06.141.01.0", "06.141"


def where(code: str, **more: object) -> Target:
    return target_in(INDEX, code, **more)  # type: ignore[arg-type]


def test_a_prefecture_of_arrondissements_covers_its_arrondissements_by_the_tree() -> None:
    # Its code is no prefix of theirs: "06.141.01.50" / "06.141.01.51".
    assert not SIDI_BERNOUSSI.startswith(SIDI_BERNOUSSI_PREFECTURE)
    scope = Scope(territories={SIDI_BERNOUSSI_PREFECTURE})
    assert covers(scope, where(SIDI_BERNOUSSI)) and covers(scope, where(SIDI_MOUMEN))
    assert covers(scope, where(SIDI_BERNOUSSI_PREFECTURE))
    assert not covers(scope, where(ANFA))  # in the préfecture of Anfa
    assert not covers(scope, where(CASABLANCA_COMMUNE))  # the whole commune is not in it
    assert not covers(scope, Target())  # no territory: not covered


def test_a_code_that_is_a_prefix_is_not_an_ancestor() -> None:
    # The commune of Casablanca's code is a prefix of the préfecture of Anfa's, which is
    # beside it under the prefecture of Casablanca, not inside it.
    assert ANFA_PREFECTURE.startswith(CASABLANCA_COMMUNE)
    commune = Scope(territories={CASABLANCA_COMMUNE})
    assert not covers(commune, where(ANFA_PREFECTURE))
    assert covers(commune, where(ANFA)) and covers(commune, where(SIDI_MOUMEN))
    assert not contains(commune, Scope(territories={ANFA_PREFECTURE}), ANCESTORS)
    assert contains(commune, Scope(territories={ANFA}), ANCESTORS)


def test_contains_on_casablanca() -> None:
    prefecture = Scope(territories={SIDI_BERNOUSSI_PREFECTURE})
    assert contains(prefecture, Scope(territories={SIDI_BERNOUSSI, SIDI_MOUMEN}), ANCESTORS)
    assert not contains(prefecture, Scope(territories={SIDI_BERNOUSSI, ANFA}), ANCESTORS)
    assert contains(Scope(territories={CASABLANCA_PREFECTURE}), prefecture, ANCESTORS)
    assert not contains(prefecture, Scope(territories={CASABLANCA_PREFECTURE}), ANCESTORS)
    assert not contains(prefecture, Scope(), ANCESTORS)  # everything is not within it
    assert contains(Scope(), prefecture, ANCESTORS)


def test_every_dimension_restricts_and_an_unset_one_does_not() -> None:
    scope = Scope(
        territories={"06"}, partners={"chu-ibn-rochd"}, facilities={"f-1"}, conventions={"c-9"}
    )
    full = where(
        SIDI_MOUMEN, partners={"chu-ibn-rochd", "drs-cs"}, facility="f-1", convention="c-9"
    )
    assert covers(scope, full)
    assert not covers(
        scope, where(SIDI_MOUMEN, partners={"drs-cs"}, facility="f-1", convention="c-9")
    )
    assert not covers(scope, where(SIDI_MOUMEN, partners={"chu-ibn-rochd"}, convention="c-9"))
    assert not covers(
        scope, where("03", partners={"chu-ibn-rochd"}, facility="f-1", convention="c-9")
    )
    assert covers(Scope(facilities={"f-1"}), Target(facility="f-1"))
    assert covers(Scope(), Target())


def test_a_restricted_dimension_names_something() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Scope(partners=frozenset())
    with pytest.raises(ValueError, match="not an id"):
        Scope(facilities={"x" * 101})
    assert Scope.from_json(Scope(territories={"06"}).to_json()) == Scope(territories={"06"})


# ------------------------------------------------------------------ drawn over the tree


@cache
def _within() -> dict[str, list[str]]:
    """code → every code inside it (itself included), by the tree."""
    out: dict[str, list[str]] = defaultdict(list)
    for code in CODES:
        for above in (code, *ANCESTORS(code)):
            out[above].append(code)
    return out


IDS = ("a", "b", "c", "d")


def _ids() -> st.SearchStrategy[frozenset[str] | None]:
    return st.none() | st.frozensets(st.sampled_from(IDS), min_size=1, max_size=3)


@st.composite
def nested(draw: st.DrawFn) -> tuple[Scope, Scope, Target]:
    """An outer scope, an inner one often within it, and a target often inside inner."""
    inner_codes = draw(st.none() | st.frozensets(st.sampled_from(CODES), min_size=1, max_size=3))
    if inner_codes is None or draw(st.booleans()):
        outer_codes = draw(
            st.none() | st.frozensets(st.sampled_from(CODES), min_size=1, max_size=3)
        )
    else:  # each inner code, or one of its ancestors
        outer_codes = frozenset(draw(st.sampled_from([c, *ANCESTORS(c)])) for c in inner_codes)
    inner = Scope(inner_codes, draw(_ids()), draw(_ids()), draw(_ids()))
    outer = Scope(outer_codes, draw(_ids()), draw(_ids()), draw(_ids()))
    if inner_codes and draw(st.booleans()):
        code = draw(st.sampled_from(_within()[draw(st.sampled_from(sorted(inner_codes)))]))
    else:
        code = draw(st.sampled_from(CODES))
    target = where(
        code,
        partners=draw(st.frozensets(st.sampled_from(IDS), max_size=2)),
        facility=draw(st.none() | st.sampled_from(IDS)),
        convention=draw(st.none() | st.sampled_from(IDS)),
    )
    return outer, inner, target


@settings(max_examples=400, deadline=None)
@given(nested())
def test_what_a_contained_scope_covers_its_container_covers(
    drawn: tuple[Scope, Scope, Target],
) -> None:
    outer, inner, target = drawn
    if contains(outer, inner, ANCESTORS) and covers(inner, target):
        assert covers(outer, target)
    assert contains(inner, inner, ANCESTORS)
    assert contains(Scope(), inner, ANCESTORS)
    assert contains(inner, Scope(), ANCESTORS) == inner.is_everything


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CODES), st.sampled_from(CODES))
def test_a_territory_scope_covers_its_subtree_and_nothing_else(scope_code: str, code: str) -> None:
    expected = code in _within()[scope_code]
    assert covers(Scope(territories={scope_code}), where(code)) == expected
    # The parent chain from the CSV's columns, walked by hand, agrees.
    chain, unit = {code}, INDEX.by_code[code]
    while unit.parent_code:
        unit = INDEX.by_code[unit.parent_code]
        chain.add(unit.code)
    by_parents = scope_code in chain
    assert by_parents <= expected  # cercles and préfectures d'arrondissements add to it


def test_seeded_nested_scopes_cover_what_they_hold() -> None:
    """A territory, one of its ancestors as the outer scope, a unit inside it as target:
    containment holds and both cover the target (seeded draws over the whole tree)."""
    for seed in range(200):
        outer, inner, target = _seeded(seed)
        assert contains(outer, inner, ANCESTORS) and covers(inner, target)
        assert covers(outer, target)


def _seeded(seed: int) -> tuple[Scope, Scope, Target]:
    import random

    rng = random.Random(seed)
    code = rng.choice(CODES)
    above = [code, *ANCESTORS(code)]
    inner = Scope(territories={code})
    outer = Scope(territories={rng.choice(above)})
    target = where(rng.choice(_within()[code]))
    return outer, inner, target
