"""The campaign form's bad inputs, refused by the server before anything is planned or
saved: each problem names the form's field and is worded in the reader's language (the
page shows it next to that field). Dates reversed, no unit, a base outside the campaign's
territory (a facility of another province, a point in another province) and a specialty
no unit brings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from qurb.app.web import create_app
from qurb.caravans.base_checks import base_territory_problems
from qurb.caravans.catalogue import parse_campaign, specialties
from qurb.platform.settings import Settings
from qurb.registry.service import commune_locator
from qurb.territory.service import TerritoryIndex
from tests.accounts import add_account, as_someone
from tests.caravan_requests import campaign
from tests.databases import NationalDatabase
from tests.web_clients import TestClient

IFRANE_HOSPITAL = "hosp-03.171.01.05-prince-my-hassan"  # Azrou, Ifrane province (03.171)
AZROU = (-5.37105, 33.69608)  # a point of Azrou, outside Boulemane


@pytest.fixture(scope="module")
def app(
    national_db: NationalDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FastAPI]:
    url = national_db.private_copy(tmp_path_factory.mktemp("caravan-form"))
    yield create_app(Settings(database_url=url))
    national_db.discard(url)


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield as_someone(client, add_account(app.state.qurb.factory, "planner"))


def _body(**changes: Any) -> dict[str, Any]:
    return campaign(date.today() + timedelta(days=14), **changes)


def _refused(client: TestClient, body: dict[str, Any], lang: str) -> dict[str, str]:
    """The refusal's problems, field → reason, in `lang`; nothing saved."""
    before = client.get("/api/caravans").json()
    response = client.post("/api/caravans", json=body, headers={"Accept-Language": lang})
    assert response.status_code == 422, response.text
    assert client.get("/api/caravans").json() == before
    return {item["field"]: item["reason"] for item in response.json()["detail"]}


def test_dates_reversed_name_the_end(client: TestClient) -> None:
    start = date.today() + timedelta(days=20)
    body = _body()
    body.update(start=start.isoformat(), end=(start - timedelta(days=3)).isoformat())
    fr = _refused(client, body, "fr")
    assert fr == {"end": f"{start - timedelta(days=3)} est avant le début {start}"}
    ar = _refused(client, body, "ar")
    assert ar == {"end": f"{start - timedelta(days=3)} قبل البداية {start}"}


def test_no_unit_names_the_units(client: TestClient) -> None:
    body = _body(units=[])
    assert _refused(client, body, "fr") == {"units": "une campagne a au moins une unité mobile"}
    assert _refused(client, body, "ar") == {"units": "للحملة وحدة متنقلة واحدة على الأقل"}
    assert _refused(client, body, "en") == {"units": "a campaign has at least one mobile unit"}


def test_a_facility_base_of_another_province_is_outside_the_territory(
    client: TestClient,
) -> None:
    body = _body()
    body["bases"][0]["facility"] = IFRANE_HOSPITAL
    fr = _refused(client, body, "fr")
    assert list(fr) == ["bases[0].facility"]
    reason = fr["bases[0].facility"]
    assert reason.startswith("la base « Hôpital provincial de Missour » est dans la commune ")
    assert reason.endswith(", hors du territoire de la campagne (Boulemane)")
    ar = _refused(client, body, "ar")["bases[0].facility"]
    assert "خارج تراب الحملة (بولمان)" in ar


def test_a_point_base_in_another_province_is_outside_the_territory(client: TestClient) -> None:
    lon, lat = AZROU
    body = _body(bases=[{"name": "Hôpital provincial de Missour", "lon": lon, "lat": lat}])
    fr = _refused(client, body, "fr")
    assert list(fr) == ["bases[0]"]
    assert "hors du territoire de la campagne (Boulemane)" in fr["bases[0]"]


def test_a_base_inside_the_territory_is_no_problem(app: FastAPI) -> None:
    spec = parse_campaign(_body())
    with app.state.qurb.factory() as session:
        index = TerritoryIndex.from_session(session)
        assert base_territory_problems(session, spec, index, commune_locator(session)) == []
        outside = parse_campaign(
            _body(bases=[{"name": "Hôpital provincial de Missour", "facility": IFRANE_HOSPITAL}])
        )
        problems = base_territory_problems(session, outside, index, commune_locator(session))
        assert [p.code for p in problems] == ["base_outside_territory"]
        assert problems[0].values["territory"]["fr"] == "Boulemane"


def test_a_specialty_no_unit_brings_names_the_specialties(client: TestClient) -> None:
    body = _body(specialties=["general_medicine", "paediatrics", "ophthalmology"])
    fr = _refused(client, body, "fr")
    assert fr == {
        "specialties": "aucune équipe ni unité n'a de capacité pour la spécialité requise "
        "Ophtalmologie"
    }
    ar = _refused(client, body, "ar")
    assert ar == {"specialties": "لا فريق ولا وحدة لديهما سعة للتخصص المطلوب طب العيون"}


def test_the_vocabulary_names_the_specialties_in_three_languages(client: TestClient) -> None:
    words = client.get("/api/caravans/vocabulary").json()["specialties"]
    assert [s["code"] for s in words] == list(specialties())
    ophthalmology = next(s for s in words if s["code"] == "ophthalmology")
    assert ophthalmology == {
        "code": "ophthalmology",
        "label_fr": "Ophtalmologie",
        "label_ar": "طب العيون",
        "label_en": "Ophthalmology",
    }


def test_a_cercle_s_campaign_may_start_from_its_province(app: FastAPI) -> None:
    """The provincial hospital in the town of Missour (a municipality, 03.131.01.03) is
    outside the rural cercle of Missour (03.131.05) but in its province: the usual base of
    the cercle's caravan. Azrou's is in another province."""
    inside = parse_campaign(_body(territory="03.131.05"))
    bases = [{"name": "Hôpital provincial de Missour", "facility": IFRANE_HOSPITAL}]
    outside = parse_campaign(_body(territory="03.131.05", bases=bases))
    with app.state.qurb.factory() as session:
        index = TerritoryIndex.from_session(session)
        locate = commune_locator(session)
        assert base_territory_problems(session, inside, index, locate) == []
        problems = base_territory_problems(session, outside, index, locate)
    assert [(p.code, p.values["territory"]["fr"]) for p in problems] == [
        ("base_outside_province", "Boulemane")
    ]
    assert str(problems[0]).endswith("outside the campaign's province (Boulemane)")
