"""Deciding from the map in a real headless Chromium, in French and in Arabic:

- two new general hospitals sited in Taounate from the map's siting fold (Jbabra and El
  Bsabsa; the coverage within 60 min before and after as the API answers it), saved,
  reopened from its address, and compared on /scenarios/compare with a three-site one,
  the comparison's numbers equal to GET /api/scenarios/compare's;
- a what-if site placed by a click on the map, its coverage change shown (equal to the
  API's for the same site) before anything is saved;
- a candidate file with bad rows: every row named on the page, as the API names them;
- an anonymous reader sees a sign-in prompt in the fold's place.

Screenshots in test-artifacts/journeys/siting-*.png, named by journey, size and language.
Same server, browser and skip rules as test_e2e.py."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from qurb.audit.service import signer_for
from qurb.identity import partner_service
from qurb.identity.partners import PartnerCreate
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel.actor import Actor
from qurb.platform.database import make_engine, make_sessionmaker, transaction
from tests.accounts import PASSWORD, add_account
from tests.environment import ARTIFACTS

SIZES = {"phone": (390, 844), "laptop": (1366, 768)}
TAOUNATE = "03.531"
BOULEMANE = "03.131"
EL_BSABSA = "03.531.09.09"
FOLDER = ARTIFACTS / "journeys"


def _api(page: Any, method: str, path: str, **kwargs: Any) -> Any:
    answer = httpx.request(method, f"{page.base}{path}", headers=page.auth, timeout=60, **kwargs)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _open_fold(page: Any, code: str = TAOUNATE, lang: str = "fr") -> None:
    from playwright.sync_api import expect

    page.goto(f"{page.base}/?t={code}&lang={lang}")
    page.wait_for_selector(f"body[data-ready='{code}']", timeout=30_000)
    page.locator("#siting > summary").click()
    expect(page.locator("#siting form.siting-form")).to_be_visible(timeout=10_000)


def _site(page: Any, add: int, name: str) -> str:
    """Run the fold's siting for `add` general hospitals within 60 min, save it as `name`:
    the saved scenario's id (from the page's address)."""
    from playwright.sync_api import expect

    fold = page.locator("#siting")
    fold.locator("select[name=level]").select_option("secondary")
    fold.locator("select[name=tier]").select_option("general")
    fold.locator("input[name=within_minutes]").fill("60")
    fold.locator("input[name=add]").fill(str(add))
    fold.locator("button[data-action=run]").click()
    expect(page.locator("#map .site-mark")).to_have_count(add, timeout=60_000)
    fold.locator("input[name=scenario_name]").fill(name)
    fold.locator("button[data-action=save]").click()
    expect(fold.locator(".saved")).to_be_visible(timeout=60_000)
    page.wait_for_url(re.compile(r"scenario=\w+"))
    found = re.search(r"scenario=([\w-]+)", page.url)
    assert found is not None
    return found.group(1)


def _shown_coverage(scope: Any) -> tuple[float, float]:
    change = scope.locator(".coverage-summary .change")
    return float(change.get_attribute("data-before")), float(change.get_attribute("data-after"))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_two_general_hospitals_sited_in_taounate_saved_and_compared(
    page: Any, lang: str, size: str
) -> None:
    from playwright.sync_api import expect

    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    FOLDER.mkdir(parents=True, exist_ok=True)
    body = {
        "territory": TAOUNATE,
        "level": "secondary",
        "tier": "general",
        "add": 2,
        "within_minutes": 60,
        "save": False,
    }
    expected = _api(page, "POST", "/api/siting", json=body)

    _open_fold(page, lang=lang)
    two = _site(page, 2, "Deux hôpitaux généraux")
    fold = page.locator("#siting")
    # The sites by rank, as the API chose them, numbered on the map.
    labels = fold.locator(".siting-sites tbody th").all_inner_texts()
    # Each site is its commune's reference point, named in the page's language.
    names = {"fr": ["Jbabra", "El Bsabsa"], "ar": ["اجبابرة", "البسابسا"]}[lang]
    assert (
        labels == [s["label_ar" if lang == "ar" else "label"] for s in expected["sites"]] == names
    )
    # (Morocco's Arabic writes its numbers in Latin digits: ar-MA.)
    assert page.locator("#map .site-mark").all_inner_texts() == ["1", "2"]
    summary = expected["summary"]
    assert _shown_coverage(fold) == (summary["covered_before_pct"], summary["covered_after_pct"])
    assert (
        int(fold.locator(".coverage-summary .newly").get_attribute("data-value"))
        == summary["newly_covered"]
    )
    # Each site's newly covered people, as the API credits them.
    per_site = fold.locator(".siting-sites tbody td.site-newly")
    shown = [int(v) for v in per_site.evaluate_all("cells => cells.map(c => c.dataset.value)")]
    assert shown == [s["newly_covered"] for s in expected["sites"]]
    # Before and after per sub-territory, as the API's groups.
    rows = fold.locator(".coverage-groups tbody tr")
    assert rows.count() == len(expected["groups"])
    first = expected["groups"][0]
    cell = rows.nth(0).locator(".change")
    assert float(cell.get_attribute("data-after")) == first["covered_after_pct"]
    fold.scroll_into_view_if_needed()
    page.screenshot(path=str(FOLDER / f"siting-{size}-{lang}.png"))

    # The saved scenario reopens from its address, in a new page.
    again = page.context.new_page()
    again.set_viewport_size({"width": width, "height": height})
    again.goto(page.url)
    again.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=30_000)
    expect(again.locator("#map .site-mark")).to_have_count(2, timeout=30_000)
    assert _shown_coverage(again.locator("#siting")) == _shown_coverage(fold)
    # Its question too: two general hospitals within 60 min.
    assert again.locator("#siting input[name=add]").input_value() == "2"
    assert again.locator("#siting select[name=tier]").input_value() == "general"
    again.close()

    # A three-site scenario beside it, then both compared side by side.
    three = _site(page, 3, "Trois hôpitaux généraux")
    page.goto(f"{page.base}/scenarios?lang={lang}")
    page.wait_for_selector(f"#scenario-lines tr[data-id='{two}']", timeout=20_000)
    page.check(f"input[data-pick='{two}']")
    page.check(f"input[data-pick='{three}']")
    page.screenshot(path=str(FOLDER / f"siting-scenarios-{size}-{lang}.png"))
    page.click("#scenarios-compare")
    page.wait_for_selector(".compare-column", timeout=20_000)
    shown_ids = [c.get_attribute("data-id") for c in page.locator(".compare-column").all()]
    answer = _api(page, "GET", "/api/scenarios/compare", params={"ids": ",".join(shown_ids)})
    assert set(shown_ids) == {two, three}
    for column, line in zip(page.locator(".compare-column").all(), answer["lines"], strict=True):
        assert column.get_attribute("data-id") == line["id"]
        coverage = column.locator("[data-key=coverage]")
        assert float(coverage.get_attribute("data-before")) == line["covered_before_pct"]
        assert float(coverage.get_attribute("data-after")) == line["covered_after_pct"]
        newly = column.locator("[data-key=newly_covered]").get_attribute("data-value")
        assert int(newly) == line["newly_covered"]
        assert int(column.locator("[data-key=sites]").get_attribute("data-value")) == line["sites"]
    # The difference: the communes the API says differ, listed and mapped.
    listed = page.locator(".compare-differ tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.code)"
    )
    assert listed == answer["differ"] and listed
    expect(page.locator(".difference-map svg.still-map path")).not_to_have_count(0)
    for group in page.locator(".compare-groups tbody tr").all()[:3]:
        code = group.get_attribute("data-code")
        wanted = next(g for g in answer["groups"] if g["code"] == code)
        values = [
            float(v) if v else None
            for v in group.locator("td[data-scenario]").evaluate_all(
                "cells => cells.map(c => c.dataset.value)"
            )
        ]
        assert values == wanted["covered_after_pct"]
    page.screenshot(path=str(FOLDER / f"siting-compare-{size}-{lang}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_what_if_site_placed_by_a_click_shows_its_coverage_change(page: Any, lang: str) -> None:
    from playwright.sync_api import expect

    width, height = SIZES["laptop"]
    page.set_viewport_size({"width": width, "height": height})
    FOLDER.mkdir(parents=True, exist_ok=True)
    _open_fold(page, lang=lang)
    fold = page.locator("#siting")
    fold.locator("select[name=level]").select_option("secondary")
    fold.locator("select[name=tier]").select_option("general")
    fold.locator("input[name=mode][value=whatif]").check()
    fold.locator("button[data-action=place]").click()
    # A click inside El Bsabsa's shape (a facility's marker there lets it through).
    shape = page.locator(f"#map path[data-code='{EL_BSABSA}']")
    shape.scroll_into_view_if_needed()
    box = shape.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#map .whatif-mark")).to_have_count(1)
    assert f"t={TAOUNATE}" in page.url  # the click placed a site, it did not navigate
    placed = fold.locator(".whatif-sites li")
    lon, lat = float(placed.get_attribute("data-lon")), float(placed.get_attribute("data-lat"))
    fold.locator("button[data-action=run]").click()
    expect(fold.locator(".whatif-result")).to_be_visible(timeout=60_000)

    expected = _api(
        page,
        "POST",
        "/api/access/what-if",
        json={
            "territory": TAOUNATE,
            "level": "secondary",
            "tier": "general",
            "within_minutes": 60,
            "sites": [{"lon": lon, "lat": lat, "label": placed.locator("bdi").first.inner_text()}],
        },
    )
    assert expected["newly_covered"] > 0
    shown = fold.locator(".coverage-summary .newly").get_attribute("data-value")
    assert int(shown) == expected["newly_covered"]
    population = expected["population"]
    before, after = _shown_coverage(fold)
    assert before == pytest.approx(100 * expected["covered_before"] / population, abs=0.05)
    assert after == pytest.approx(100 * expected["covered_after"] / population, abs=0.05)
    changed = fold.locator(".whatif-changed tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.code)"
    )
    assert changed == [c["code"] for c in expected["communes_changed"]]
    assert EL_BSABSA in changed
    # Per sub-territory, before anything is saved.
    assert fold.locator(".coverage-groups tbody tr").count() == len(expected["groups"])
    assert _api(page, "GET", "/api/scenarios") == []  # nothing saved
    page.screenshot(path=str(FOLDER / f"siting-whatif-laptop-{lang}.png"))

    # Removed, the site leaves the map.
    fold.locator("button[data-action=remove-site]").click()
    expect(page.locator("#map .whatif-mark")).to_have_count(0)


def test_a_candidate_file_with_bad_rows_names_every_row(page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    candidates = tmp_path / "candidats.csv"
    candidates.write_text(
        "lon,lat,label,cost_mad\n"
        "-4.72625,34.3101,El Bsabsa,1000000\n"
        "-40.0,34.3,En mer,1000000\n"
        "abc,34.4,Sans longitude,1000000\n"
        "-5.01,34.46,Coût négatif,-5\n",
        encoding="utf-8",
    )
    with candidates.open("rb") as file:
        refused = httpx.post(
            f"{page.base}/api/siting/candidates",
            files={"file": ("candidats.csv", file, "text/csv")},
            headers=page.auth,
        )
    assert refused.status_code == 422, refused.text
    rows = sorted({d["row"] for d in refused.json()["detail"]})
    assert len(rows) == 3

    _open_fold(page)
    page.locator("#siting input[name=candidates]").set_input_files(str(candidates))
    problems = page.locator("#siting .candidates-state .errors li")
    expect(problems).to_have_count(len(refused.json()["detail"]), timeout=20_000)
    named = sorted(
        {int(r) for r in problems.evaluate_all("items => items.map(i => i.dataset.row)")}
    )
    assert named == rows
    assert "candidats.csv" in page.locator("#siting .candidates-state .errors").inner_text()


def test_a_candidate_file_is_what_the_siting_chooses_from(page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    candidates = tmp_path / "sites.csv"
    candidates.write_text(
        "lon,lat,label,cost_mad\n"
        "-4.72625,34.3101,Site El Bsabsa,30000000\n"
        "-4.6400,34.5370,Site Tissa,25000000\n",
        encoding="utf-8",
    )
    _open_fold(page)
    fold = page.locator("#siting")
    fold.locator("input[name=candidates]").set_input_files(str(candidates))
    expect(fold.locator(".candidates-read")).to_contain_text("sites.csv", timeout=20_000)
    fold.locator("input[name=add]").fill("1")
    fold.locator("button[data-action=run]").click()
    expect(page.locator("#map .site-mark")).to_have_count(1, timeout=60_000)
    (label,) = fold.locator(".siting-sites tbody th").all_inner_texts()
    assert label in {"Site El Bsabsa", "Site Tissa"}
    cost = fold.locator(".siting-sites tbody td.site-cost").inner_text()
    assert cost.replace("\u202f", " ").replace("\xa0", " ") in {"30 000 000", "25 000 000"}
    # A switch of language keeps the question (one site, the file) and the answer.
    page.click("[data-lang=ar]")
    expect(fold.locator("input[name=add]")).to_have_value("1")
    expect(fold.locator(".candidates-read")).to_contain_text("sites.csv")
    expect(page.locator("#map .site-mark")).to_have_count(1)


def test_an_anonymous_reader_sees_a_sign_in_prompt_in_the_fold(anonymous_page: Any) -> None:
    from playwright.sync_api import expect

    page = anonymous_page
    page.goto(f"{page.base}/?t={TAOUNATE}")
    page.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=30_000)
    page.locator("#siting > summary").click()
    expect(page.locator("#siting .sign-in-prompt a")).to_be_visible()
    assert page.locator("#siting form").count() == 0


AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"


def _axe_blocking(page: Any, stem: str) -> list[str]:
    """axe's serious and critical violations on the page as it stands (as
    test_axe_e2e.py runs it: WCAG 2.0/2.1 A and AA and axe's best practices)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => await axe.run(document, {
             resultTypes: ["violations"],
             runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                             "best-practice"]},
           })"""
    )
    return [
        f"{stem}: [{v['impact']}] {v['id']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def test_axe_finds_no_serious_violation_in_the_fold_and_the_scenarios_pages(
    csp_free_page: Any,
) -> None:
    from playwright.sync_api import expect

    page = csp_free_page
    blocking: list[str] = []
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        for lang in ("fr", "ar"):
            _open_fold(page, lang=lang)
            two = _site(page, 2, f"Deux {size} {lang}")
            blocking += _axe_blocking(page, f"fold-{size}-{lang}")
            page.locator("#siting input[name=mode][value=whatif]").check()
            page.locator("#siting select[name=whatif_commune]").select_option(EL_BSABSA)
            page.locator("#siting button[data-action=pick]").click()
            page.locator("#siting button[data-action=run]").click()
            expect(page.locator("#siting .whatif-result")).to_be_visible(timeout=60_000)
            blocking += _axe_blocking(page, f"whatif-{size}-{lang}")
            # The what-if saved too: a scenario of kind whatif beside the siting one.
            page.locator("#siting input[name=scenario_name]").fill(f"Et si {size} {lang}")
            page.locator("#siting button[data-action=save]").click()
            expect(page.locator("#siting .saved")).to_be_visible(timeout=60_000)
            page.goto(f"{page.base}/scenarios?lang={lang}")
            page.wait_for_selector(f"#scenario-lines tr[data-id='{two}']", timeout=20_000)
            blocking += _axe_blocking(page, f"scenarios-{size}-{lang}")
            ids = [r.get_attribute("data-id") for r in page.locator("#scenario-lines tr").all()]
            page.goto(f"{page.base}/scenarios/compare?ids={ids[0]},{ids[1]}&lang={lang}")
            page.wait_for_selector(".compare-column", timeout=20_000)
            blocking += _axe_blocking(page, f"compare-{size}-{lang}")
    assert not blocking, "\n".join(blocking)


def test_a_budget_with_a_cost_per_site_buys_what_it_can(page: Any) -> None:
    """100 M MAD at 40 M a site: two general hospitals, 80 M spent, as the API says."""
    from playwright.sync_api import expect

    body = {
        "territory": TAOUNATE,
        "level": "secondary",
        "tier": "general",
        "budget_amount_mad": 100_000_000,
        "site_cost_amount_mad": 40_000_000,
        "within_minutes": 60,
        "save": False,
    }
    expected = _api(page, "POST", "/api/siting", json=body)
    _open_fold(page)
    fold = page.locator("#siting")
    fold.locator("input[name=count][value=budget]").check()
    fold.locator("input[name=budget_amount_mad]").fill("100000000")
    fold.locator("input[name=site_cost_amount_mad]").fill("40000000")
    fold.locator("button[data-action=run]").click()
    expect(page.locator("#map .site-mark")).to_have_count(len(expected["sites"]), timeout=60_000)
    spent = fold.locator(".siting-sites .cost-total").get_attribute("data-value")
    assert float(spent) == expected["solver"]["cost_mad"] == 80_000_000
    labels = fold.locator(".siting-sites tbody th").all_inner_texts()
    assert labels == [s["label"] for s in expected["sites"]]


def test_a_budget_without_a_cost_is_refused_in_the_page_s_words(page: Any) -> None:
    from playwright.sync_api import expect

    _open_fold(page, lang="ar")
    fold = page.locator("#siting")
    fold.locator("input[name=count][value=budget]").check()
    fold.locator("input[name=budget_amount_mad]").fill("100000000")
    fold.locator("button[data-action=run]").click()
    expect(fold.locator(".siting-results .errors")).to_be_visible(timeout=30_000)
    assert page.locator("#map .site-mark").count() == 0
    refused = httpx.post(
        f"{page.base}/api/siting",
        json={"territory": TAOUNATE, "budget_amount_mad": 100_000_000, "save": False},
        headers={**page.auth, "Accept-Language": "ar"},
    )
    assert refused.status_code == 422
    assert fold.locator(".siting-results .errors .message").inner_text() == refused.json()["error"]


def _association_planner(database_url: str) -> str:
    """A planner of Fès-Meknès for an association (it sees its partner's scenarios and the
    public ones, not the Ministry's kept to themselves): its username."""
    factory = make_sessionmaker(make_engine(database_url))
    with transaction(factory) as session:
        payload = PartnerCreate.model_validate(
            {
                "id": "amal-fes",
                "kind": "association",
                "name_fr": "Amal Fès",
                "name_ar": "أمل فاس",
                "territory_code": "03",
            }
        )
        partner_service.create_partner(
            session,
            Actor.local("root"),
            payload,
            facility_exists=lambda _f: True,
            signer=signer_for(session),
        )
    add_account(factory, "amal", Role.PLANNER, Scope(territories=["03"]), partner="amal-fes")
    return "amal"


def _signed_in(page: Any, username: str, lang: str) -> Any:
    """A new page of the same browser, signed in as `username`."""
    width, height = SIZES["laptop"]
    context = page.context.browser.new_context(
        locale="fr-FR", viewport={"width": width, "height": height}
    )
    answer = context.request.post(
        f"{page.base}/api/auth/sign-in", data={"username": username, "password": PASSWORD}
    )
    assert answer.ok, answer.text()
    tab = context.new_page()
    tab.base = page.base
    return tab


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_renamed_made_public_and_a_hidden_one_refused_in_a_comparison(
    page: Any, scratch_db: str, lang: str
) -> None:
    """On /scenarios a scenario is renamed and made public (as the API then reads it); an
    association's planner compares it with one kept to its Ministry partner: the page says
    which it may not see, and shows no column."""
    from playwright.sync_api import expect

    body = {"territory": TAOUNATE, "level": "secondary", "within_minutes": 60, "save": True}
    kept = _api(page, "POST", "/api/siting", json={**body, "add": 2, "name": "Gardé"})
    shown = _api(page, "POST", "/api/siting", json={**body, "add": 3, "name": "Montré"})
    # The territories' names are held back until the new name is typed: the list drawn
    # again when they come keeps what was typed (it once put the old name back).
    held: list[Any] = []
    page.route("**/api/territories/*", lambda route: held.append(route))
    page.goto(f"{page.base}/scenarios?lang={lang}")
    row = page.locator(f"#scenario-lines tr[data-id='{shown['id']}']")
    row.locator("button[data-action=rename]").click()
    row.locator("input[data-name]").fill("Trois HP, Taounate")
    for _ in range(100):  # the held request reaches the test while the page is waited on
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the territories' names were asked"
    for route in held:
        route.continue_()
    page.unroute("**/api/territories/*")
    expect(row.locator("td").nth(3).locator("bdi")).to_have_count(1)  # drawn again, named
    expect(row.locator("input[data-name]")).to_have_value("Trois HP, Taounate")
    row.locator("button[data-action=rename-save]").click()
    expect(row.locator(".scenario-name")).to_have_text("Trois HP, Taounate")
    with page.expect_response(lambda r: r.request.method == "PATCH") as patched:
        row.locator("select[data-visibility]").select_option("public")
    assert patched.value.ok
    read = _api(page, "GET", f"/api/scenarios/{shown['id']}")
    assert (read["name"], read["visibility"]) == ("Trois HP, Taounate", "public")

    other = _signed_in(page, _association_planner(scratch_db), lang)
    other.goto(f"{page.base}/scenarios?lang={lang}")
    expect(other.locator("#scenario-lines tr")).to_have_count(1)  # the public one alone
    assert other.locator("#scenario-lines tr").get_attribute("data-id") == shown["id"]
    other.goto(f"{page.base}/scenarios/compare?ids={shown['id']},{kept['id']}&lang={lang}")
    error = other.locator(".compare-error")
    expect(error).to_be_visible(timeout=20_000)
    assert kept["id"] in error.inner_text()
    assert other.locator(".compare-column").count() == 0
    other.screenshot(path=str(FOLDER / f"siting-compare-refused-laptop-{lang}.png"))
    other.context.close()


def test_a_hostile_or_unknown_scenario_in_the_address_is_not_shown(page: Any) -> None:
    """The address's scenario is checked (letters, digits, dashes): a hostile one is
    dropped, never asked of the server nor written in the page; an unknown one is said."""
    from playwright.sync_api import expect

    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/scenarios" in r.url else None)
    hostile = "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"
    page.goto(f"{page.base}/?t={TAOUNATE}&scenario={hostile}")
    page.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=30_000)
    assert asked == []
    assert page.locator("#siting img").count() == 0

    page.goto(f"{page.base}/?t={TAOUNATE}&scenario=0123456789ab")
    page.wait_for_selector(f"body[data-ready='{TAOUNATE}']", timeout=30_000)
    expect(page.locator("#siting .siting-results .errors")).to_be_visible(timeout=20_000)
    assert asked and asked[-1].endswith("/api/scenarios/0123456789ab")
    assert page.locator("#map .site-mark").count() == 0


def test_a_what_if_site_outside_morocco_is_refused_and_named(page: Any) -> None:
    """A site placed in the Atlantic: the server's refusal, naming the site, in the fold;
    nothing is saved."""
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1366, "height": 768})
    _open_fold(page)  # in French the zoom buttons are at the top left, the controls right
    fold = page.locator("#siting")
    fold.locator("input[name=mode][value=whatif]").check()
    for _ in range(3):  # out to where the ocean shows, west of the country
        page.click("#map .leaflet-control-zoom-out")
        page.wait_for_timeout(400)
    fold.locator("button[data-action=place]").click()
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 90, box["y"] + 25)
    expect(page.locator("#map .whatif-mark")).to_have_count(1)
    lon = float(fold.locator(".whatif-sites li").get_attribute("data-lon"))
    assert lon < -9.9, lon  # west of the Moroccan coast at that latitude
    fold.locator("button[data-action=run]").click()
    problem = fold.locator(".siting-results .errors li")
    expect(problem).to_have_count(1, timeout=30_000)
    assert problem.get_attribute("data-field") == "sites[0]"
    assert fold.locator(".whatif-result").count() == 0
    assert _api(page, "GET", "/api/scenarios") == []


def test_scenarios_of_two_territories_draw_both_on_the_comparison_map(page: Any) -> None:
    """Taounate's and Boulemane's scenarios compared: the map draws the communes of both
    provinces (as the communes layers list them), not the first one's alone."""
    ids = []
    for territory in (TAOUNATE, BOULEMANE):
        body = {"territory": territory, "level": "secondary", "add": 1, "save": True}
        ids.append(_api(page, "POST", "/api/siting", json={**body, "name": territory})["id"])
    expected = set()
    for territory in (TAOUNATE, BOULEMANE):
        layer = _api(page, "GET", "/api/layers/communes", params={"parent": territory})
        expected |= {f["properties"]["code"] for f in layer["features"]}
    page.goto(f"{page.base}/scenarios/compare?ids={ids[0]},{ids[1]}&lang=fr")
    page.wait_for_selector(".difference-map svg path[data-code]", timeout=30_000)
    drawn = page.locator(".difference-map svg path[data-code]").evaluate_all(
        "(paths) => paths.map((p) => p.dataset.code)"
    )
    assert set(drawn) == expected
    assert any(code.startswith(BOULEMANE) for code in drawn)
