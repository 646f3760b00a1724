"""The conventions' money per inhabitant on the map's choropleth, on the small region of
`tests/regions.py` (the province: 109,500 inhabitants; Tizgui 60,000), worked by hand:
an unpublished convention over the province with 1,095,000 MAD committed (10 MAD per
inhabitant wherever it is spread by population) and CHU staff valued 219,000 MAD (2 MAD);
a published one over Tizgui with 300,000 MAD (5 MAD for each of its 60,000); a published
one over Imi n'Ouzrou whose one amount is unknown. A reader of conventions sees all
three, anyone (and a reader whose grant covers Tizgui alone) the published ones; an
unknown amount is unknown, never 0, and a unit no visible convention covers has no
figure. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.web import create_app
from qurb.conventions.model import ConventionFields, PartyIn
from qurb.conventions.money_model import ContributionIn
from qurb.conventions.money_service import add_contribution
from qurb.conventions.service import create_convention, get_convention, update_convention
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel.actor import Actor
from qurb.platform.database import transaction
from qurb.platform.settings import Settings
from tests.accounts import add_account, add_partner
from tests.regions import AIT_LHOU, IMI, OULED_AMAR, PROVINCE_CODE, REGION_CODE, TAFRAOUT, TIZGUI
from tests.web_clients import TestClient

Factory = Callable[..., sessionmaker[Session]]
BY = Actor.local("secretariat")
COUNCIL, CHU = "council-99991", "chu-99"
INDICATOR = "/api/indicators/conventions_per_inhabitant"


def _publish(s: Session, convention_id: int) -> None:
    update_convention(
        s, BY, convention_id, replace(get_convention(s, convention_id).fields, published=True)
    )


def _world(factory: sessionmaker[Session]) -> int:
    add_partner(factory, COUNCIL, "provincial_council", PROVINCE_CODE)
    add_partner(factory, CHU, "chu", REGION_CODE)
    parties = (PartyIn(COUNCIL, "financer"), PartyIn(CHU, "implementer"))
    with transaction(factory) as s:
        fields = ConventionFields("CP-PROVINCE", "Province", territories=(PROVINCE_CODE,))
        province = create_convention(s, BY, fields, parties).id
        add_contribution(s, BY, province, ContributionIn(COUNCIL, "money", amount="1095000"))
        staff = ContributionIn(
            CHU,
            "staff",
            quantity="20",
            unit="days",
            profession="doctor",
            valuation="219000",
            valuation_method="pay scale",
        )
        add_contribution(s, BY, province, staff)
        fields = ConventionFields("CP-TIZGUI", "Tizgui", territories=(TIZGUI,))
        tizgui = create_convention(s, BY, fields, parties[:1]).id
        add_contribution(s, BY, tizgui, ContributionIn(COUNCIL, "money", amount="300000"))
        _publish(s, tizgui)
        fields = ConventionFields("CP-IMI", "Imi", territories=(IMI,))
        imi = create_convention(s, BY, fields, parties[:1]).id
        add_contribution(s, BY, imi, ContributionIn(COUNCIL, "money"))  # amount unknown
        _publish(s, imi)
    return tizgui


def _values(client: TestClient, headers: dict[str, str] | None = None, **params: str) -> Any:
    query = {"level": "commune", "parent": PROVINCE_CODE, **params}
    answer = client.get(INDICATOR, params=query, headers=headers or {})
    assert answer.status_code == 200, answer.text
    return answer


def _by_code(body: Any) -> dict[str, tuple[float | None, str | None]]:
    return {v["code"]: (v["value"], v["note"]) for v in body["values"]}


def test_money_per_inhabitant_is_the_amount_over_the_population(
    small_region_db: Factory, region_engine: Engine
) -> None:
    factory = small_region_db()
    tizgui = _world(factory)
    app = create_app(Settings(database_url=region_engine.url.render_as_string(False)))
    reader = add_account(app.state.qurb.factory, "reader", Role.CONVENTION_SECRETARIAT)
    tizgui_reader = add_account(
        app.state.qurb.factory,
        "tizgui",
        Role.CONVENTION_SECRETARIAT,
        Scope(territories=frozenset({TIZGUI})),
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        listed = {i["id"]: i for i in client.get("/api/indicators").json()}
        shown = listed["conventions_per_inhabitant"]
        assert shown["unit"]["en"] == "MAD/inhabitant"
        assert "2024 census population" in shown["measure"]["en"]
        assert [c["value"] for c in shown["params"][0]["choices"]] == ["money", "in_kind"]

        seen = _values(client, reader.headers)
        assert seen.headers["cache-control"] == "private, no-cache"
        # 1,095,000 MAD over the province's 109,500 inhabitants: 10 MAD each wherever it
        # is spread; Tizgui has its own 300,000 ÷ 60,000 = 5 MAD more.
        assert _by_code(seen.json()) == {
            OULED_AMAR: (10.0, None),
            TIZGUI: (15.0, None),
            AIT_LHOU: (10.0, None),
            TAFRAOUT: (10.0, None),
            IMI: (10.0, None),
        }
        in_kind = _values(client, reader.headers, contribution="in_kind").json()
        assert {v for v, _ in _by_code(in_kind).values()} == {2.0}  # 219,000 ÷ 109,500
        assert in_kind["label"]["en"] == "Conventions: in kind per inhabitant"

        # The region's provinces: (1,095,000 + 300,000) ÷ 109,500 = 12.74 MAD each.
        provinces = client.get(
            INDICATOR, params={"level": "province", "parent": REGION_CODE}, headers=reader.headers
        ).json()
        assert _by_code(provinces) == {PROVINCE_CODE: (12.74, None)}

        # Anyone: the published conventions alone, kept apart from the reader's figures.
        anyone = _values(client)
        assert anyone.headers["cache-control"] == "no-cache"
        assert _by_code(anyone.json()) == {
            OULED_AMAR: (None, "no_convention"),
            TIZGUI: (5.0, None),
            AIT_LHOU: (None, "no_convention"),
            TAFRAOUT: (None, "no_convention"),
            IMI: (None, "unknown"),  # its one amount is unknown: not 0
        }
        # A reader whose grant covers Tizgui alone does not see the province's convention.
        assert _by_code(_values(client, tizgui_reader.headers).json()) == _by_code(anyone.json())
        tizgui_value = next(v for v in anyone.json()["values"] if v["code"] == TIZGUI)
        assert tizgui_value["class_index"] == 0
        # The map as a PDF page, as the reader sees it.
        pdf = client.get(
            f"/api/maps/{TIZGUI}.pdf",
            params={"indicator": "conventions_per_inhabitant", "lang": "ar"},
            headers=reader.headers,
        )
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    # A new amount is shown at once (the figure follows the contributions' audit head).
    with transaction(factory) as s:
        add_contribution(s, BY, tizgui, ContributionIn(COUNCIL, "money", amount="60000"))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert _by_code(_values(client).json())[TIZGUI] == (6.0, None)
