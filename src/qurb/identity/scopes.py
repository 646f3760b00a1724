"""Over what a grant holds: a scope, and whether it covers a target or contains another
scope. Pure: no I/O.

A scope restricts any of four dimensions: territory subtrees (territory codes), partners
(ids), facilities (ids), conventions (ids). A dimension left unset (None) is unrestricted;
a scope with all four unset covers everything (only an administrator's grant has one).
A restricted dimension holds at least one value: an empty set would cover nothing, and is
refused.

A territory subtree is found through the territory tree's ancestor chain, never by code
prefix: Casablanca's préfectures d'arrondissements (06.141.01.50 Sidi Bernoussi) are not
prefixes of their arrondissements (06.141.01.51), and the commune of Casablanca
(06.141.01.0) is a prefix of a préfecture d'arrondissements (06.141.01.00) that is not in
it. The caller passes the chain (`qurb.territory.service.TerritoryIndex.ancestors`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

DIMENSIONS = ("territories", "partners", "facilities", "conventions")
MAX_VALUES = 200  # values per dimension of one scope
MAX_VALUE_CHARS = 100


def _frozen(values: Iterable[str] | None, name: str) -> frozenset[str] | None:
    if values is None:
        return None
    out = frozenset(v.strip() for v in values)
    if not out:
        raise ValueError(f"a scope's {name}, when restricted, name at least one value")
    if len(out) > MAX_VALUES:
        raise ValueError(f"a scope's {name}: at most {MAX_VALUES} values, got {len(out)}")
    for value in out:
        if not value or len(value) > MAX_VALUE_CHARS or "\x00" in value:
            raise ValueError(f"a scope's {name}: {value[:MAX_VALUE_CHARS]!r} is not an id")
    return out


@dataclass(frozen=True)
class Scope:
    """Territory subtrees, partners, facilities, conventions; None: unrestricted."""

    territories: frozenset[str] | None = None
    partners: frozenset[str] | None = None
    facilities: frozenset[str] | None = None
    conventions: frozenset[str] | None = None

    def __post_init__(self) -> None:
        for name in DIMENSIONS:
            object.__setattr__(self, name, _frozen(getattr(self, name), name))

    @classmethod
    def everything(cls) -> Scope:
        return cls()

    @property
    def is_everything(self) -> bool:
        return all(getattr(self, name) is None for name in DIMENSIONS)

    def to_json(self) -> dict[str, list[str] | None]:
        """Each dimension as a sorted list, or None (unrestricted)."""
        out: dict[str, list[str] | None] = {}
        for name in DIMENSIONS:
            values = getattr(self, name)
            out[name] = None if values is None else sorted(values)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Sequence[str] | None]) -> Scope:
        return cls(**{name: data.get(name) for name in DIMENSIONS})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Target:
    """What a request reads or writes: its territory and that territory's ancestors
    (nearest first; empty when it has no territory), the partners it belongs to, the
    facility and the convention it is about (None when it is about none)."""

    territory_chain: tuple[str, ...] = ()
    partners: frozenset[str] = frozenset()
    facility: str | None = None
    convention: str | None = None


def covers(scope: Scope, target: Target) -> bool:
    """True if `scope` covers `target`: on every dimension the scope restricts, the target
    has a value within it (a territory restriction covers a target whose territory or an
    ancestor of it is named; a target with no value there is not covered)."""
    if scope.territories is not None and scope.territories.isdisjoint(target.territory_chain):
        return False
    if scope.partners is not None and scope.partners.isdisjoint(target.partners):
        return False
    if scope.facilities is not None and target.facility not in scope.facilities:
        return False
    return scope.conventions is None or target.convention in scope.conventions


Ancestors = Callable[[str], Sequence[str]]


def contains(outer: Scope, inner: Scope, ancestors: Ancestors) -> bool:
    """True if `inner` lies within `outer` on every dimension `outer` restricts: a
    dimension `outer` restricts must be restricted in `inner` too, each inner territory
    being one of outer's or inside one (by `ancestors(code)`, the codes above it), each
    inner partner, facility and convention one of outer's. What anything `inner` covers,
    `outer` covers too (the granting rule relies on it)."""
    if outer.territories is not None:
        if inner.territories is None:
            return False
        for code in inner.territories:
            if code not in outer.territories and outer.territories.isdisjoint(ancestors(code)):
                return False
    for name in ("partners", "facilities", "conventions"):
        restricted: frozenset[str] | None = getattr(outer, name)
        if restricted is None:
            continue
        within: frozenset[str] | None = getattr(inner, name)
        if within is None or not within <= restricted:
            return False
    return True
