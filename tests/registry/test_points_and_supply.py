"""What the registry hands other features: open facilities counted per commune and
category, their services, and their points — typed, and equal to the registry's listing."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.orm import Session

from qurb.registry.facility_services import facility_services
from qurb.registry.points import FacilityPoint, facility_points, read_open_points
from qurb.registry.service import FacilityFilter, get_facility, list_facilities
from qurb.registry.supply import count_open_facilities, count_open_offers
from qurb.territory.service import TerritoryIndex

IFRANE = "Ifrane"  # the province


def test_counts_are_the_listing_of_open_public_facilities(national_session: Session) -> None:
    index = TerritoryIndex.from_session(national_session)
    scope = index.scope(index.resolve(IFRANE))
    listed = list_facilities(national_session, FacilityFilter(territory=IFRANE), index)
    expected = Counter((f.commune_code, f.category) for f in listed)
    counts = count_open_facilities(national_session, scope)
    got: Counter[tuple[str, str]] = Counter()
    for line in counts:
        got[(line.commune_code, line.category)] += line.facilities
        assert 0 <= line.with_beds <= line.facilities
        assert 0 <= line.with_doctors <= line.facilities
    assert got == expected and sum(got.values()) == len(listed) > 0
    offers = count_open_offers(national_session, scope)
    assert sum(o.facilities for o in offers) == len(listed)
    by_offer = Counter((f.category, facility_services(f.category, f.services)) for f in listed)
    got_offers: Counter[tuple[str, frozenset[str]]] = Counter()
    for o in offers:
        got_offers[(o.category, o.services)] += o.facilities
    assert got_offers == by_offer
    every = count_open_facilities(national_session, scope, sector="all")
    assert sum(line.facilities for line in every) >= len(listed)


def test_open_essp_points_are_the_registry_s(national_session: Session) -> None:
    index = TerritoryIndex.from_session(national_session)
    points = read_open_points(national_session, index.scope(index.resolve(IFRANE)), "ESSP")
    listed = [
        f
        for f in list_facilities(national_session, FacilityFilter(territory=IFRANE), index)
        if f.family == "ESSP"
    ]
    assert {p.id for p in points} == {f.id for f in listed} and points
    assert all(isinstance(p, FacilityPoint) for p in points)
    assert [(p.commune_code, p.id) for p in points] == sorted(
        (p.commune_code, p.id) for p in points
    )
    where = facility_points(national_session, [points[0].id, "no-such-id"])
    row = get_facility(national_session, points[0].id)
    assert where == {row.id: (row.lon, row.lat)}
