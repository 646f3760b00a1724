"""The territory's readers on the real data: commune origins, 2024 census lines and
commune boundaries, as typed results other features build on."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from qurb.territory.geography import read_census_lines_2024
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex, read_commune_boundaries, read_origins


def test_origins_are_the_communes_with_their_people(national_session: Session) -> None:
    index = TerritoryIndex.from_session(national_session)
    ifrane = index.resolve("Ifrane", [TerritoryLevel.PROVINCE])
    origins = read_origins(index, ifrane)
    communes = index.communes_within(ifrane)
    assert [c.code for c in origins.communes] == [c.code for c in communes]
    assert origins.points.commune == tuple(c.code for c in communes)
    assert list(origins.points.lon) == [c.ref_lon for c in communes]
    # The communes' people add up to the province's 2024 legal population.
    assert origins.population.sum() == ifrane.population_2024


def test_origins_of_an_arrondissement_are_its_commune(national_session: Session) -> None:
    index = TerritoryIndex.from_session(national_session)
    arrondissement = next(
        t for t in index.by_code.values() if t.level is TerritoryLevel.ARRONDISSEMENT
    )
    origins = read_origins(index, arrondissement)
    assert [c.code for c in origins.communes] == [arrondissement.parent_code]


def test_census_lines_of_2024_by_area_and_sex(national_session: Session) -> None:
    index = TerritoryIndex.from_session(national_session)
    fes = index.by_code["03.231.01.0"]
    lines = read_census_lines_2024(national_session, [fes.code, "no-such-code"])
    assert set(lines) == {fes.code}  # units without census lines are left out
    assert ("total", "all") in lines[fes.code]
    assert lines[fes.code][("total", "all")]["population_legal"] == fes.population_2024


def test_every_commune_has_one_boundary(national_session: Session) -> None:
    index = TerritoryIndex.from_session(national_session)
    boundaries = read_commune_boundaries(national_session)
    communes = {c.code for c in index.by_code.values() if c.level is TerritoryLevel.COMMUNE}
    assert {code for code, _ in boundaries} == communes
    assert len(boundaries) == len(communes)
    _, text = boundaries[0]
    assert json.loads(text)["type"] in ("Polygon", "MultiPolygon")
