"""axe-core on every page, in French and in Arabic, at a phone's size and a laptop's: no
serious or critical violation of WCAG 2.0 and 2.1 A/AA or of axe's best practices (axe's
default rules; WCAG 2.2's target size, off by default, is not asked). axe
(tests/vendor/axe-core, MPL-2.0) is injected into the pages of a browser context that
ignores the Content-Security-Policy, in this test alone: the server's policy stays strict
(checked here too). Each page's full report (every violation, whatever its impact) is
saved as JSON beside its screenshot under test-artifacts/axe/.

Same server, browser and skip rules as test_e2e.py."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx

from tests.caravan_requests import campaign
from tests.environment import ARTIFACTS, REPO

AXE = REPO / "tests" / "vendor" / "axe-core" / "axe.min.js"
SIZES = {"phone": (390, 844), "laptop": (1366, 768)}
IFRANE = "03.271"
TAOUNATE = "03.531"
BOULEMANE = "03.131"
BLOCKING = {"serious", "critical"}


def _run_axe(page) -> dict:  # type: ignore[no-untyped-def]
    """axe's results on the page as it stands (axe injected once per document)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result: dict = page.evaluate(
        """async () => await axe.run(document, {
             resultTypes: ["violations"],
             runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                             "best-practice"]},
           })"""
    )
    return result


def test_axe_finds_no_serious_or_critical_violation_on_any_page(csp_free_page) -> None:  # type: ignore[no-untyped-def]
    page = csp_free_page
    # The server's own policy is as strict as ever: no inline script, no script elsewhere.
    policy = httpx.get(f"{page.base}/", timeout=30).headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy, policy

    body = campaign(date.today() + timedelta(days=14))
    response = httpx.post(
        f"{page.base}/api/caravans", json=body, params={"seed": 1}, headers=page.auth, timeout=120
    )
    assert response.status_code == 200, response.text
    plan = response.json()
    cid = plan["id"]
    commune = plan["days"][0]["stops"][0]["code"]
    # Two saved siting scenarios, to compare side by side.
    sited = [
        httpx.post(
            f"{page.base}/api/siting",
            json={"territory": "Taounate", "level": "secondary", "add": add},
            headers=page.auth,
            timeout=120,
        ).json()["id"]
        for add in (2, 3)
    ]
    # A signal with its curve on the signals' page: one case of cholera (notified on a
    # single case) at Missour's hospital (Boulemane) last week.
    week = (date.today() - timedelta(days=7)).isocalendar()
    report = {
        "dataset": "mdo",
        "facility": "hosp-03.131.01.03-marche-verte",
        "period": f"{week.year}W{week.week}",
        "values": [{"element": "cholera", "disaggregation": "m|15+", "value": 1}],
    }
    sent = httpx.post(f"{page.base}/api/reports", json=report, headers=page.auth, timeout=120)
    assert sent.status_code == 201, sent.text
    # name → (path, fragment, what says the page is ready)
    pages = {
        "map": ("/", "", "body[data-ready='MA']"),
        "province": ("/", f"#{TAOUNATE}", f"body[data-ready='{TAOUNATE}']"),
        "facility": ("/", f"#{TAOUNATE}", f"body[data-ready='{TAOUNATE}']"),
        "caravans": ("/caravans", "", "body[data-ready='list']"),
        "caravan": (f"/caravans/{cid}", "", "#cv-map path.cv-area"),
        "sheet": (f"/sheet/{IFRANE}", "", f"body[data-ready='{IFRANE}']"),
        "definitions": ("/definitions", "", "tr[data-figure-id]"),
        "licences": ("/licences", "", "body[data-ready]"),
        "notice": (f"/caravans/{cid}/notice/{commune}", "", "section[lang=ar]"),
        "report": (f"/caravans/{cid}/report", "", "h1"),
        "roadsheet": (f"/caravans/{cid}/roadsheet", "", "main.roadsheet"),
        "scenarios": ("/scenarios", "", "body[data-ready]"),
        "compare": (f"/scenarios/compare?ids={','.join(sited)}", "", "body[data-ready]"),
        "audit": ("/audit", "", "body[data-ready]"),
        "plan": (f"/plan?t={TAOUNATE}", "", "body[data-ready]"),
        "reports": (
            f"/reports?t={TAOUNATE}&d=mother-child",
            "",
            "body[data-ready] .reports-facilities",
        ),
        "signals": (f"/signals?t={BOULEMANE}", "", "body[data-ready] #signal-curve svg"),
        "sign-in": ("/sign-in", "", "form input[type=password]"),
        "sharing": ("/sharing", "", "body[data-ready]"),
        "referrals": ("/referrals", "", "body[data-ready] .referrals-filter"),
        "referral-measures": (
            f"/referrals?view=measures&t={BOULEMANE}",
            "",
            "body[data-ready] .referral-rates",
        ),
    }
    folder = ARTIFACTS / "axe"
    folder.mkdir(parents=True, exist_ok=True)
    blocking: list[str] = []
    checked = 0
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        for language in ("fr", "ar"):
            for name, (path, fragment, ready) in pages.items():
                joint = "&" if "?" in path else "?"
                page.goto(f"{page.base}{path}{joint}lang={language}{fragment}")
                page.wait_for_selector(ready, timeout=20_000)
                if name == "facility":  # a facility's panel, opened from the province's list
                    page.click("#panel [data-section='facilities'] button[data-open]")
                    page.wait_for_selector("#panel article.facility", timeout=20_000)
                if name in {"map", "province"}:  # the access figures fill in after the rest
                    page.wait_for_selector("#panel table.access", timeout=20_000)
                result = _run_axe(page)
                checked += 1
                stem = f"{name}-{language}-{size}"
                (folder / f"{stem}.json").write_text(
                    json.dumps(
                        {"url": result["url"], "axe": result["testEngine"]["version"]}
                        | {"violations": result["violations"]},
                        ensure_ascii=False,
                        indent=2,
                    ),
                    encoding="utf-8",
                )
                page.screenshot(path=str(folder / f"{stem}.png"))
                for violation in result["violations"]:
                    if violation["impact"] in BLOCKING:
                        targets = [n["target"] for n in violation["nodes"]][:5]
                        blocking.append(
                            f"{stem}: [{violation['impact']}] {violation['id']} "
                            f"({violation['help']}) at {targets}"
                        )
    assert checked == len(SIZES) * 2 * len(pages)
    # The harness sees a violation where there is one: an unlabelled field is critical.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<input id=axe-probe>')")
    probe = page.evaluate("async () => await axe.run({include: ['#axe-probe']})")
    assert {(v["id"], v["impact"]) for v in probe["violations"]} >= {("label", "critical")}
    assert not blocking, "\n".join(blocking)
