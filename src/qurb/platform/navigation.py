"""The places of the top bar's navigation, shared by every page on the base layout.

A capability adds its page with `add_place` when the app is put together (the map,
the caravans, the definitions, the audit trail now; conventions, reports and alerts
later), so the header is one list in one order on every page. A place that needs a
permission is written hidden and shown by the page's shell script (`/static/js/shell.js`)
once `/api/auth/me` says the reader holds it: the server still checks every request, the
link is only not offered to someone it would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    key: str  # what a page names as its `place` (aria-current="page" on its link)
    href: str
    words: str  # catalogue key of the link's text
    permission: str | None = None  # None: everyone, signed in or not
    order: int = 100  # lower first


_PLACES: dict[str, Place] = {}


def add_place(place: Place) -> Place:
    """Offer `place` in every page's header (again with the same key: replaced)."""
    _PLACES[place.key] = place
    return place


def places() -> list[Place]:
    """The header's places, in their order."""
    return sorted(_PLACES.values(), key=lambda p: (p.order, p.key))
