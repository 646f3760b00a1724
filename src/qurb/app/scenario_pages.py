"""The saved scenarios' pages: `/scenarios`, those the account may see (its partner's and
the public ones) to reopen on the map, rename, share or keep to the partner, and tick two
or three to compare; `/scenarios/compare?ids=a,b[,c]`, side by side with a map of the
communes whose coverage differs. Only an account holding `scenarios.read` opens them (the
anonymous reader is sent to sign in); their scripts (`static/js/scenarios.js`,
`static/js/compare.js`) read `/api/scenarios`, which shows each reader what it may see."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from qurb.app.auth_pages import LangQuery
from qurb.app.pages import APP_CSS, SITING_CSS, html_page
from qurb.kernel.i18n import negotiate, translate
from qurb.platform.navigation import Place, add_place
from qurb.siting.api import ReadScenarios

router = APIRouter(include_in_schema=False)
add_place(Place("scenarios", "/scenarios", "nav.scenarios", permission="scenarios.read", order=30))


def _scenario_page(request: Request, lang: str | None, template: str, words: str) -> HTMLResponse:
    chosen = lang or negotiate(request.headers.get("accept-language"), default="fr")
    return html_page(
        template,
        lang=chosen,
        title=f"Qurb — {translate(chosen, words)}",
        body_class="scenarios",
        topbar=True,
        place="scenarios",
        config={"lang": chosen},
        stylesheets=[APP_CSS, SITING_CSS],
        scripts=[f"/static/js/{template.removesuffix('.html')}.js"],
    )


@router.get("/scenarios", response_class=HTMLResponse)
def scenarios_page(_: ReadScenarios, request: Request, lang: LangQuery = None) -> HTMLResponse:
    return _scenario_page(request, lang, "scenarios.html", "scenarios.title")


@router.get("/scenarios/compare", response_class=HTMLResponse)
def compare_page(_: ReadScenarios, request: Request, lang: LangQuery = None) -> HTMLResponse:
    return _scenario_page(request, lang, "compare.html", "compare.title")
