"""The caravan page's campaign form in a real headless Chromium, in French and in Arabic:

- a Boulemane campaign filled in from the form (territory searched by name, the base
  clicked on the map, staff and capacities, a commune excluded), planned as a job with a
  long time limit and cancelled while it runs (the form stays filled), then planned again
  with a short one and shown: the plan's page opens on the campaign as the API saved it;
- a campaign file (TOML) uploaded fills the form, nothing planned;
- reversed dates: the server's problem shown next to the last day's field.

Screenshots in test-artifacts/journeys/caravan-form-<phone|laptop>-<fr|ar>.png (the form
filled, before planning). Same server, browser and skip rules as test_e2e.py."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from qurb.kernel.i18n import translate
from tests.caravan_requests import BASE
from tests.environment import ARTIFACTS

SIZES = {"phone": (390, 844), "laptop": (1366, 768)}
FOLDER = ARTIFACTS / "journeys"
BOULEMANE = {"fr": "Boulemane", "ar": "بولمان"}
EXCLUDED = "03.131.05.03"  # a rural commune of Boulemane, never visited


def _open(page, lang: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(f"{page.base}/caravans?lang={lang}")
    expect(page.locator("body[data-ready='list']")).to_have_count(1, timeout=20_000)
    return expect


def _choose_boulemane(page, lang: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("#cv-territory-q", BOULEMANE[lang])
    page.locator("#cv-territory-list li[data-index='0']").click()
    page.locator("[data-chosen=territory]").get_by_text(BOULEMANE[lang]).wait_for()


def _fill(page, lang: str, start: date, end: date) -> None:  # type: ignore[no-untyped-def]
    page.fill("[data-path=name]", f"Caravane formulaire {lang}")
    _choose_boulemane(page, lang)
    page.locator(f"#cv-form-map path.cv-fac[data-id='{BASE}']").click()
    page.locator("[data-path='bases.0.name']").wait_for()
    page.fill("[data-path=start]", start.isoformat())
    page.fill("[data-path=end]", end.isoformat())


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_campaign_from_the_form_planned_cancelled_replanned(page, lang: str) -> None:  # type: ignore[no-untyped-def]
    expect = _open(page, lang)
    start = date.today() + timedelta(days=14)
    _fill(page, lang, start, start + timedelta(days=4))
    page.check("[data-specialty=paediatrics]")
    page.fill("[data-path='teams.0.staff.general_medicine']", "2")
    page.fill("[data-path='teams.0.staff.paediatrics']", "1")
    page.fill("[data-path='units.0.capacity.general_medicine']", "120")
    page.fill("[data-path='units.0.capacity.paediatrics']", "50")
    commune = httpx.get(f"{page.base}/api/territories/{EXCLUDED}").json()["territory"]
    name = commune[f"name_{lang}"]
    page.fill("#cv-force_out-q", name)
    page.locator("#cv-force_out-list li[data-index='0']").click()
    expect(page.locator("[data-field=force_out] .cv-chips")).to_contain_text(name)
    # A long computation, so that it is still running when cancelled.
    page.fill("[data-path='settings.time_limit_s']", "30")
    page.fill("[data-path='settings.no_improvement_iterations']", "0")
    FOLDER.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(FOLDER / f"caravan-form-{size}-{lang}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})

    before = httpx.get(f"{page.base}/api/caravans").json()
    page.click("[data-action=plan]")
    job = page.locator(".cv-job")
    expect(job).to_be_visible(timeout=10_000)
    expect(job).to_have_attribute("data-status", "running", timeout=20_000)
    scheduling = translate(lang, "caravan.job.phase.scheduling")
    # The communes' priorities come first: on a busy machine they take longer than 20 s.
    expect(page.locator("#cv-job-text")).to_contain_text(scheduling, timeout=120_000)
    page.click("[data-action=cancel-job]")
    message = page.locator(".cv-form-message")
    expect(message).to_have_text(translate(lang, "caravan.job.cancelled"), timeout=20_000)
    expect(job).to_be_hidden()
    # Nothing saved; the form kept as it was.
    assert httpx.get(f"{page.base}/api/caravans").json() == before
    assert page.input_value("[data-path=name]") == f"Caravane formulaire {lang}"
    assert page.input_value("[data-path='units.0.capacity.paediatrics']") == "50"

    # Planned again, quickly this time: the plan's page shows the campaign.
    page.fill("[data-path='settings.time_limit_s']", "2")
    page.fill("[data-path='settings.no_improvement_iterations']", "")
    page.click("[data-action=plan]")
    page.wait_for_url("**/caravans/cv-*", timeout=60_000)
    campaign_id = page.url.rstrip("/").split("/")[-1].split("?")[0]
    expect(page.locator(f"body[data-ready='{campaign_id}']")).to_have_count(1, timeout=20_000)
    saved = httpx.get(f"{page.base}/api/caravans/{campaign_id}").json()
    spec = saved["spec"]
    assert spec["territory"] == "03.131" and spec["force_out"] == [EXCLUDED]
    assert [(b["name"], b["facility"]) for b in spec["bases"]] == [(spec["units"][0]["base"], BASE)]
    assert spec["units"][0]["capacity"] == {"general_medicine": 120, "paediatrics": 50}
    assert EXCLUDED not in {s["code"] for d in saved["plan"]["days"] for s in d["stops"]}
    expect(page.locator("h2[data-field=name]")).to_have_text(f"Caravane formulaire {lang}")

    # A stop's notice, printed: the commune named in French and Arabic, the day and hours.
    stop = next(s for d in saved["plan"]["days"] for s in d["stops"])
    href = page.locator(f"#cv-links-section a[data-notice='{stop['code']}']").get_attribute("href")
    printed = page.context.new_page()
    printed.goto(f"{page.base}{href}")
    printed.emulate_media(media="print")
    text = printed.locator("body").inner_text()
    assert stop["name_fr"] in text and stop["name_ar"] in text
    printed.screenshot(path=str(FOLDER / f"caravan-notice-{lang}.png"), full_page=True)
    printed.close()


TOML = """name = "Caravane du fichier"
territory = "Boulemane"
start = {start}
end = {end}
rest_days = ["saturday", "sunday"]
specialties = ["general_medicine", "ophthalmology"]

[[partners]]
name = "Délégation provinciale de la santé de Boulemane"
role = "health directorate"

[[bases]]
name = "Hôpital provincial de Missour"
facility = "{base}"

[[teams]]
name = "Équipe A"
staff = {{ general_medicine = 2, ophthalmology = 1 }}

[[units]]
name = "Unité mobile 1"
base = "Hôpital provincial de Missour"
team = "Équipe A"
capacity = {{ general_medicine = 120, ophthalmology = 50 }}

[[units]]
name = "Unité mobile 2"
base = "Hôpital provincial de Missour"
team = "Équipe A"
capacity = {{ general_medicine = 100, ophthalmology = 40 }}

[weights]
rural_share = 2.0
"""


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_campaign_file_fills_the_form(page, lang: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    expect = _open(page, lang)
    start = date.today() + timedelta(days=30)
    path = tmp_path / "campagne.toml"
    path.write_text(
        TOML.format(start=start, end=start + timedelta(days=11), base=BASE), encoding="utf-8"
    )
    before = httpx.get(f"{page.base}/api/caravans").json()
    page.set_input_files("#cv-file", str(path))
    expect(page.locator("[data-path=name]")).to_have_value("Caravane du fichier", timeout=10_000)
    expect(page.locator("[data-chosen=territory]")).to_contain_text(BOULEMANE[lang])
    assert page.input_value("[data-path=start]") == start.isoformat()
    assert page.is_checked("[data-rest-weekday=saturday]")
    assert page.is_checked("[data-specialty=ophthalmology]")
    assert not page.is_checked("[data-specialty=paediatrics]")
    assert page.input_value("[data-path='bases.0.name']") == "Hôpital provincial de Missour"
    assert page.locator("[data-field^='units.'][class=cv-item]").count() == 2
    assert page.input_value("[data-path='units.1.capacity.ophthalmology']") == "40"
    assert page.input_value("[data-path='partners.0.role']") == "health directorate"
    # The weights, not shown by the form, are kept and said so; nothing is planned yet.
    expect(page.locator("[data-kept]")).to_contain_text("weights")
    expect(page.locator("#cv-form-map path.cv-fac-chosen")).to_have_count(1)
    assert httpx.get(f"{page.base}/api/caravans").json() == before
    # The form is kept across a language switch.
    other = "fr" if lang == "ar" else "ar"
    page.click(f"[data-lang={other}]")
    expect(page.locator("html")).to_have_attribute("lang", other)
    expect(page.locator("[data-path=name]")).to_have_value("Caravane du fichier")
    assert page.input_value("[data-path='units.1.capacity.ophthalmology']") == "40"

    # A broken file: refused beside the file's input, naming the file; the form unchanged.
    broken = tmp_path / "cassé.toml"
    broken.write_text('name = "Sans fin\nterritory = 03.131\n', encoding="utf-8")
    page.set_input_files("#cv-file", str(broken))
    problem = page.locator("[data-field=file] .cv-problem").first
    expect(problem).to_contain_text("cassé.toml", timeout=10_000)
    assert page.input_value("[data-path=name]") == "Caravane du fichier"


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_reversed_dates_are_shown_next_to_the_last_day(page, lang: str) -> None:  # type: ignore[no-untyped-def]
    expect = _open(page, lang)
    start = date.today() + timedelta(days=20)
    end = start - timedelta(days=2)
    _fill(page, lang, start, end)
    page.fill("[data-path='teams.0.staff.general_medicine']", "1")
    page.fill("[data-path='units.0.capacity.general_medicine']", "80")
    page.click("[data-action=plan]")
    problem = page.locator("[data-field=end] .cv-problem")
    reason = translate(lang, "reason.end_before_start", {"end": end, "start": start})
    expect(problem).to_have_text(reason, timeout=10_000)
    assert page.get_attribute("[data-path=end]", "aria-invalid") == "true"
    expect(page.locator("[data-field=start] .cv-problem")).to_have_count(0)
    expect(page.locator(".cv-job")).to_be_hidden()
