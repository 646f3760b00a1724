"""The conventions' layer on the map page in a real headless Chromium, in French and in
Arabic, on a phone and a laptop: a test convention (published, 7 MAD committed for each
of Taounate's 2024 inhabitants) over the province; the map shows the norm gap, the reader
switches to the conventions' money per inhabitant and the province's communes are
coloured, 7 MAD each; a commune opened lists the convention (its reference, its title in
the reader's language, a link to its page) beside its norm gaps; switching back to the
norm gap keeps the commune shown. The legend says how the figure is spread.

Screenshots in test-artifacts/conventions-layer/, named by size and language. Same
server, browser and skip rules as test_e2e.py."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.orm import sessionmaker

from qurb.conventions.model import ConventionFields, PartyIn
from qurb.conventions.money_model import ContributionIn
from qurb.conventions.money_service import add_contribution
from qurb.conventions.service import create_convention
from qurb.kernel.actor import Actor
from qurb.platform.database import make_engine, transaction
from tests.accounts import add_partner
from tests.browser import open_map_controls
from tests.environment import ARTIFACTS

SIZES = {"phone": (390, 844), "laptop": (1366, 768)}
FOLDER = ARTIFACTS / "conventions-layer"
TAOUNATE = "03.531"
KARIA_BA_MOHAMED = "03.531.01.03"
REFERENCE = "TEST-LAYER-TAOUNATE"
TITLE = {"fr": "Convention d'essai de la couche", "ar": "اتفاقية اختبار الطبقة"}
PER_INHABITANT = 7  # MAD, by construction: the amount is 7 × the province's population
LAYER = "conventions_per_inhabitant"
LEGEND = {"fr": "Conventions : argent engagé par habitant", "ar": "الاتفاقيات: المال الملتزم به"}
SPREAD = {"fr": "au prorata de leur population", "ar": "بحسب عدد سكانها"}


def _convention(url: str, population: int) -> int:
    """The published test convention over Taounate's province, with its money."""
    engine = make_engine(url)
    by = Actor.local("e2e")
    try:
        factory = sessionmaker(engine)
        partner = add_partner(factory, "council-test-taounate", "provincial_council", TAOUNATE)
        with transaction(factory) as s:
            fields = ConventionFields(
                REFERENCE, TITLE["fr"], TITLE["ar"], territories=(TAOUNATE,), published=True
            )
            made = create_convention(s, by, fields, (PartyIn(partner, "financer"),)).id
            amount = str(PER_INHABITANT * population)
            add_contribution(s, by, made, ContributionIn(partner, "money", amount=amount))
        return made
    finally:
        engine.dispose()


def _map_in_view(page: Any) -> None:
    """The map's controls folded and its legend unfolded, as a person would to read the
    map once the layer is chosen (on a phone the controls cover it)."""
    controls = page.locator("#map-controls > .fold")
    if controls.count() and controls.get_attribute("aria-expanded") == "true":
        controls.click()
    legend = page.locator(".legend-box > .fold")
    if legend.count() and legend.get_attribute("aria-expanded") == "false":
        legend.click()


def _fill(page: Any, code: str) -> str | None:
    return page.locator(f"path[data-code='{code}']").first.get_attribute("fill")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_layer_switched_on_coloured_and_its_convention_listed(
    page: Any, scratch_db: str, lang: str, size: str
) -> None:
    from playwright.sync_api import expect

    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    FOLDER.mkdir(parents=True, exist_ok=True)
    province = httpx.get(f"{page.base}/api/territories/{TAOUNATE}", timeout=60).json()
    made = _convention(scratch_db, province["territory"]["population_2024"])
    values = httpx.get(
        f"{page.base}/api/indicators/{LAYER}",
        params={"level": "commune", "parent": TAOUNATE},
        timeout=60,
    ).json()["values"]
    known = [v for v in values if v["value"] is not None]
    assert known and {v["value"] for v in known} == {float(PER_INHABITANT)}

    # The norm gap first, then the conventions' layer chosen beside it.
    page.goto(f"{page.base}/?lang={lang}&t={TAOUNATE}&i=norm_gap")
    page.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=30_000)
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    open_map_controls(page)
    page.select_option("#indicator", LAYER)
    expect(page.locator("#legend h3")).to_contain_text(LEGEND[lang], timeout=30_000)
    expect(page.locator("#legend")).to_contain_text(SPREAD[lang])
    assert page.url.count(f"i={LAYER}") == 1 and f"t={TAOUNATE}" in page.url
    fill = _fill(page, KARIA_BA_MOHAMED)
    assert fill and fill.startswith("#"), fill  # a colour of the scale, not the hatch
    _map_in_view(page)
    page.screenshot(path=str(FOLDER / f"layer-{size}-{lang}.png"))

    # The commune opened: its panel lists the convention, the conventions first.
    page.locator(f"path[data-code='{KARIA_BA_MOHAMED}']").first.dispatch_event("click")
    page.wait_for_selector(f"body[data-ready='{KARIA_BA_MOHAMED}']", timeout=30_000)
    item = page.locator(f"#panel [data-section=conventions] li[data-convention='{REFERENCE}']")
    expect(item).to_contain_text(TITLE[lang], timeout=30_000)
    assert item.locator("a").get_attribute("href") == f"/conventions?id={made}&lang={lang}"
    money = page.locator("#panel [data-section=conventions] [data-field=committed_per_inhabitant]")
    expect(money).to_contain_text(str(PER_INHABITANT))
    sections = page.eval_on_selector_all(
        "#panel section[data-section]", "els => els.map((el) => el.dataset.section)"
    )
    assert sections.index("conventions") + 1 == sections.index("gaps"), sections
    item.scroll_into_view_if_needed()
    page.screenshot(path=str(FOLDER / f"panel-{size}-{lang}.png"))

    # Back to the norm gap: the same commune stays, its conventions after its gaps.
    open_map_controls(page)
    page.select_option("#indicator", "norm_gap")
    page.wait_for_function(
        "() => new URL(location.href).searchParams.get('i') === 'norm_gap'", timeout=30_000
    )
    expect(page.locator("#panel article.territory")).to_have_attribute(
        "data-code", KARIA_BA_MOHAMED
    )
    expect(item).to_be_visible()
    sections = page.eval_on_selector_all(
        "#panel section[data-section]", "els => els.map((el) => el.dataset.section)"
    )
    assert sections.index("gaps") + 1 == sections.index("conventions"), sections
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width + 1, f"the page is {wide}px wide in a {width}px window"
