"""The conventions seen from a partner and from a territory, on the small region of
`tests/regions.py` (SQLite and PostgreSQL), worked by hand: a convention covering the
province (109,500 inhabitants) with 1,000,000 MAD committed by the council, 60,000 MAD of
CHU staff in kind and 250,000 MAD disbursed; a published one covering Tizgui (60,000
inhabitants) with 200,000 MAD and one amount unknown. Money per inhabitant is spread by
population; an unknown amount is counted, never 0; anyone sees the published ones' figures,
a reader the rest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.web import create_app
from qurb.conventions.deliverable_model import DeliverableIn, IndicatorIn
from qurb.conventions.deliverable_service import create_deliverable
from qurb.conventions.model import ConventionFields, PartyIn
from qurb.conventions.money_model import ContributionIn, DisbursementIn
from qurb.conventions.money_service import add_contribution, add_disbursement
from qurb.conventions.partial_dates import PartialDate
from qurb.conventions.service import create_convention, get_convention, update_convention
from qurb.identity.permissions import Role
from qurb.kernel.actor import Actor
from qurb.platform.database import transaction
from qurb.platform.settings import Settings
from qurb.territory.service import TerritoryIndex
from tests.accounts import add_account, add_partner
from tests.regions import OULED_AMAR, PROVINCE_CODE, REGION_CODE, TIZGUI
from tests.web_clients import TestClient

Factory = Callable[..., sessionmaker[Session]]
BY = Actor.local("secretariat")
COUNCIL, CHU = "council-99991", "chu-99"


def _world(factory: sessionmaker[Session]) -> tuple[int, int]:
    add_partner(factory, COUNCIL, "provincial_council", PROVINCE_CODE)
    add_partner(factory, CHU, "chu", REGION_CODE)
    parties = (PartyIn(COUNCIL, "financer"), PartyIn(CHU, "implementer"))
    with transaction(factory) as s:
        province = create_convention(
            s,
            BY,
            ConventionFields("CP-PROVINCE", "Province", territories=(PROVINCE_CODE,)),
            parties,
        ).id
        money = add_contribution(
            s, BY, province, ContributionIn(COUNCIL, "money", year=2026, amount="1000000")
        )
        add_contribution(
            s,
            BY,
            province,
            ContributionIn(
                CHU,
                "staff",
                quantity="20",
                unit="days",
                profession="doctor",
                valuation="60000",
                valuation_method="pay scale",
            ),
        )
        add_disbursement(s, BY, province, DisbursementIn(money.id, COUNCIL, amount="250000"))
        create_deliverable(
            s,
            BY,
            province,
            DeliverableIn(
                "Deux échographes",
                CHU,
                IndicatorIn("count", target=2),
                deadline=PartialDate(2026, 1, None),  # January 2026: past, not delivered
            ),
        )
        tizgui = create_convention(
            s, BY, ConventionFields("CP-TIZGUI", "Tizgui", territories=(TIZGUI,)), parties[:1]
        ).id
        add_contribution(s, BY, tizgui, ContributionIn(COUNCIL, "money", amount="200000"))
        add_contribution(s, BY, tizgui, ContributionIn(COUNCIL, "money"))  # amount unknown
        published = replace(get_convention(s, tizgui).fields, published=True)
        update_convention(s, BY, tizgui, published)
    return province, tizgui


def test_a_partner_and_a_territory_seen_by_a_reader_and_by_anyone(
    small_region_db: Factory, region_engine: Engine
) -> None:
    factory = small_region_db()
    province, tizgui = _world(factory)
    with factory() as s:
        index = TerritoryIndex.from_session(s)
        assert index.by_code[PROVINCE_CODE].population_2024 == 109_500
        assert index.by_code[TIZGUI].population_2024 == 60_000
    app = create_app(Settings(database_url=region_engine.url.render_as_string(False)))
    reader = add_account(app.state.qurb.factory, "reader", Role.CONVENTION_SECRETARIAT)
    with TestClient(app, raise_server_exceptions=False) as client:
        council = client.get(f"/api/conventions/partners/{COUNCIL}/figures", headers=reader.headers)
        assert council.status_code == 200, council.text
        body = council.json()
        assert [c["reference"] for c in body["conventions"]] == ["CP-PROVINCE", "CP-TIZGUI"]
        assert body["totals"]["committed_mad"] == "1200000.00"
        assert body["totals"]["unknown_commitments"] == 1
        assert body["totals"]["disbursed_mad"] == "250000.00"
        assert body["conventions"][0]["totals"]["financial_ratio"] == "0.2500"
        assert body["name_fr"] == COUNCIL  # named: the reader sees it as a party already
        nobody = client.get("/api/conventions/partners/no-such-partner/figures")
        assert (nobody.status_code, nobody.json()["code"]) == (404, "partner_not_found")
        chu = client.get(f"/api/conventions/partners/{CHU}/figures", headers=reader.headers).json()
        assert chu["totals"]["in_kind_mad"] == "60000.00"
        assert chu["deliveries"] == {"total": 1, "delivered": 0, "overdue": 1}
        # Anyone: the published convention only.
        public = client.get(f"/api/conventions/partners/{COUNCIL}/figures").json()
        assert [c["reference"] for c in public["conventions"]] == ["CP-TIZGUI"]
        assert public["totals"]["committed_mad"] == "200000.00"

        # Tizgui: 60,000 of the province's 109,500 inhabitants, and all of its own.
        place = client.get(
            f"/api/conventions/territory-figures?territory={TIZGUI}", headers=reader.headers
        ).json()
        shares = {c["reference"]: Decimal(c["share"]) for c in place["conventions"]}
        assert shares == {"CP-PROVINCE": Decimal("0.547945"), "CP-TIZGUI": Decimal(1)}
        # 1,000,000 × 60,000 / 109,500 + 200,000 = 747,945.21; ÷ 60,000 = 12.47 MAD each.
        assert place["attributed"]["committed_mad"] == "747945.21"
        assert place["committed_per_inhabitant"] == "12.47"
        # 60,000 × 60,000 / 109,500 = 32,876.71; ÷ 60,000 = 0.55 MAD each.
        assert place["in_kind_per_inhabitant"] == "0.55"
        assert place["attributed"]["unknown_commitments"] == 1
        assert "2024 census population" in place["rule"]

        layer = client.get(
            f"/api/conventions/layer?territory={PROVINCE_CODE}", headers=reader.headers
        ).json()
        units = {u["code"]: u for u in layer["units"]}
        assert len(units) == 5  # the province's communes
        assert units[TIZGUI]["conventions"] == 2
        assert units[TIZGUI]["committed_per_inhabitant"] == "12.47"
        # Ouled Amar: the province's convention alone, 1,000,000 / 109,500 = 9.13 MAD each.
        assert units[OULED_AMAR]["conventions"] == 1
        assert units[OULED_AMAR]["committed_per_inhabitant"] == "9.13"
        anyone = client.get(f"/api/conventions/layer?territory={PROVINCE_CODE}").json()
        seen = {u["code"]: u["conventions"] for u in anyone["units"]}
        assert seen[TIZGUI] == 1 and seen[OULED_AMAR] == 0
        unknown = client.get("/api/conventions/layer?territory=nowhere-at-all")
        assert unknown.status_code == 404

        # The published summary's figures: committed by kind (one amount unknown), the
        # financial execution (nothing disbursed of the known 200,000: 0), no deliverable
        # measured this year (none owed): unknown, not 0.
        figures = client.get(f"/api/conventions/published/{tizgui}").json()["figures"]
        assert figures["by_kind"] == [{"kind": "money", "known_mad": "200000.00", "unknown": 1}]
        assert (figures["committed_mad"], figures["financial_ratio"]) == ("200000.00", "0.0000")
        assert (figures["physical_ratio"], figures["measured"]) == (None, 0)
        listed = client.get("/api/conventions/published").json()
        assert [c["figures"]["committed_mad"] for c in listed] == ["200000.00"]
    assert province and tizgui
