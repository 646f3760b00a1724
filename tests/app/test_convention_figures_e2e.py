"""A partner's and a territory's view of the conventions, in a real headless Chromium, in
French and in Arabic, on a phone and a laptop: the examples from the public record (Fès,
Rabat, Tanger) imported, the Fès council committing 1,000,000 MAD this year to its
convention with the CHU and owning a deliverable concerning a facility of the préfecture
(of test, added through the services).
From Fès's convention page, the council (a party) opens its view: the 1,000,000 MAD, the
convention linked, the yearly report's links in the page's language following the year
chosen; the convention's territory (the préfecture de Fès, 03.231) opens its view: the
conventions covering it, money per inhabitant with the rule that spread it, the facility
by its registry name linking to it on the map. An unknown
partner or territory shows the server's words. Screenshots in
test-artifacts/journeys/convention-{partner,territory}-*.png, named by size and language.
Same server, browser and skip rules as test_e2e.py."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from qurb.conventions.deliverable_model import DeliverableIn, IndicatorIn, Reference
from qurb.conventions.deliverable_service import create_deliverable
from qurb.conventions.imports import import_convention, read_convention_file
from qurb.conventions.money_model import ContributionIn
from qurb.conventions.money_service import add_contribution
from qurb.kernel.actor import Actor
from qurb.platform.database import make_engine, transaction
from qurb.registry._tables import FacilityRow
from tests.environment import ARTIFACTS

SIZES = {"phone": (390, 844), "laptop": (1366, 768)}
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "conventions"
FOLDER = ARTIFACTS / "journeys"
FES = "EXAMPLE-FES-COUNCIL-CHU"
FES_PREFECTURE = "03.231"
MILLION = re.compile(r"1\D?000\D?000")  # 1 000 000 (fr), 1.000.000 (ar-MA)
DELIVERED = {"fr": "0 livré(s) sur 1", "ar": "0 مُنجَز من 1"}
NO_PARTNER = {"fr": "Aucun partenaire", "ar": "لا يوجد شريك"}
NO_TERRITORY = {"fr": "aucun territoire", "ar": "لا يوجد تراب"}


def _imported(url: str) -> tuple[dict[str, int], str, str]:
    """Every example imported (reference → id), and the Fès council's money of this year
    and deliverable to its convention with the CHU: the council's partner id and the
    facility the deliverable concerns."""
    engine = make_engine(url)
    by = Actor.local("e2e")
    try:
        ids, council, facility = {}, "", ""
        for path in sorted(EXAMPLES.glob("*.toml")):
            with transaction(sessionmaker(engine)) as session:
                made = import_convention(session, by, read_convention_file(path)).convention
                ids[made.fields.reference] = made.id
                if made.fields.reference == FES:
                    council = made.parties[0].partner_id
                    money = ContributionIn(
                        council, "money", year=date.today().year, amount="1000000"
                    )
                    add_contribution(session, by, made.id, money)
                    facility = _a_facility(session)
                    scanner = DeliverableIn(
                        "Un scanner",
                        council,
                        IndicatorIn("count", target=1),
                        references=(Reference("facility", facility),),
                    )
                    create_deliverable(session, by, made.id, scanner)
        return ids, council, facility
    finally:
        engine.dispose()


def _a_facility(session: Session) -> str:
    query = select(FacilityRow.id).where(FacilityRow.province_code == FES_PREFECTURE)
    return str(session.scalars(query.order_by(FacilityRow.id).limit(1)).one())


def _fits(page: Any, width: int) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width + 1, f"the page is {wide}px wide in a {width}px window"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_partner_and_a_territory_from_a_convention_s_page(
    page: Any, scratch_db: str, lang: str, size: str
) -> None:
    from playwright.sync_api import expect

    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    FOLDER.mkdir(parents=True, exist_ok=True)
    ids, council, facility = _imported(scratch_db)
    year = date.today().year

    page.goto(f"{page.base}/conventions?id={ids[FES]}&lang={lang}")
    page.wait_for_selector(f"body[data-ready='{lang}'] .convention-facts")
    pdf = page.locator(".convention-report a[data-format='pdf']")
    expect(pdf).to_have_attribute(
        "href", f"/api/conventions/{ids[FES]}/report?year={year}&format=pdf&lang={lang}"
    )

    # The council, a party, opens its view: its money, the convention, the report.
    page.locator(f".conventions-parties a[href*='partner={council}']").click()
    page.wait_for_selector(f"body[data-ready='{lang}'] .partner-conventions")
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    expect(page.locator(".partner-name")).to_contain_text(council)
    row = page.locator(f".partner-conventions tr[data-id='{ids[FES]}']")
    expect(row).to_contain_text(MILLION)
    expect(page.locator(".figures-totals")).to_contain_text(MILLION)
    expect(row).to_contain_text(DELIVERED[lang])  # its one deliverable, not delivered
    report = f"/api/conventions/partners/{council}/report"
    pdf = page.locator(".convention-report a[data-format='pdf']")
    expect(pdf).to_have_attribute("href", f"{report}?year={year}&format=pdf&lang={lang}")
    page.screenshot(path=str(FOLDER / f"convention-partner-{size}-{lang}.png"), full_page=True)
    _fits(page, width)
    page.select_option(".convention-report select", str(year - 1))
    xlsx = page.locator(".convention-report a[data-format='xlsx']")
    expect(xlsx).to_have_attribute("href", f"{report}?year={year - 1}&format=xlsx&lang={lang}")
    row.locator("a").first.click()  # back to the convention's page

    # Its territory, by its census name, opens the territory's view.
    page.wait_for_selector(f"body[data-ready='{lang}'] .convention-facts")
    page.locator(f".convention-facts a[href*='territory={FES_PREFECTURE}']").click()
    page.wait_for_selector(f"body[data-ready='{lang}'] .territory-conventions")
    expect(page.locator(".territory-name")).to_contain_text(FES_PREFECTURE)
    expect(page.locator(f".territory-conventions tr[data-id='{ids[FES]}']")).to_contain_text(
        MILLION
    )
    expect(page.locator(".spread-rule")).to_contain_text("2024")
    funded = page.locator(".funded-objects li[data-kind='facility'] a").first
    expect(funded).to_have_attribute("href", f"/?f={facility}&lang={lang}")
    page.screenshot(path=str(FOLDER / f"convention-territory-{size}-{lang}.png"), full_page=True)
    _fits(page, width)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_an_unknown_partner_or_territory_says_so(page: Any, lang: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{page.base}/conventions?partner=no-such-partner&lang={lang}")
    page.wait_for_selector(f"body[data-ready='{lang}']")
    expect(page.locator(".conventions-error")).to_contain_text(NO_PARTNER[lang])
    page.goto(f"{page.base}/conventions?territory=99.999&lang={lang}")
    page.wait_for_selector(f"body[data-ready='{lang}']")
    expect(page.locator(".conventions-error")).to_contain_text(NO_TERRITORY[lang])


def test_anyone_opens_a_party_of_a_published_convention(
    anonymous_page: Any, scratch_db: str
) -> None:
    """A published convention's parties link to their view for anyone: the figures of the
    published conventions, the partner named as the convention names it."""
    from playwright.sync_api import expect

    page = anonymous_page
    ids, council, _ = _imported(scratch_db)
    page.goto(f"{page.base}/conventions?id={ids[FES]}&lang=fr")
    page.wait_for_selector("body[data-ready='fr'] .convention-facts")
    page.locator(f".conventions-parties a[href*='partner={council}']").click()
    page.wait_for_selector("body[data-ready='fr'] .partner-conventions")
    expect(page.locator(".partner-name")).to_contain_text("Conseil préfectoral de Fès")
    expect(page.locator(f".partner-conventions tr[data-id='{ids[FES]}']")).to_contain_text(MILLION)
