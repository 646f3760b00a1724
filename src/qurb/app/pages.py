"""The HTML pages: the map at `/`, a printable fact sheet at `/sheet/{code}`, the
definitions of every figure at `/definitions` and the data licences at `/licences`."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from markdown_it import MarkdownIt
from markupsafe import Markup

from qurb.data import LICENCES_FILE
from qurb.kernel.definitions import LANGUAGES, FigureKind
from qurb.kernel.names import MAX_NAME_CHARS
from qurb.platform.access import Public
from qurb.platform.http import SettingsDep, StateDep, TerritoryCodePath
from qurb.platform.navigation import Place, add_place
from qurb.platform.templating import render
from qurb.territory.service import TerritoryIndex

TEMPLATES = Path(__file__).resolve().parent / "templates"

router = APIRouter(include_in_schema=False)

# The header's places this module serves (the others: caravan_pages, audit_pages).
add_place(Place("map", "/", "nav.map", order=10))
add_place(Place("definitions", "/definitions", "nav.definitions", order=80))


NO_CACHE = {"Cache-Control": "no-cache"}
LEAFLET_CSS, LEAFLET_JS = "/static/vendor/leaflet/leaflet.css", "/static/vendor/leaflet/leaflet.js"
APP_CSS = "/static/css/app.css"
SITING_CSS = "/static/css/siting.css"  # the map's siting fold and the scenarios' pages


def html_page(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Template `name` (of app/templates, on the base layout) as a page."""
    return HTMLResponse(render(TEMPLATES, name, **context), status_code, headers=NO_CACHE)


def not_found_page(message: str, lang: str = "fr") -> HTMLResponse:
    """A 404 page saying `message` (already in `lang`), in `lang` and its direction."""
    return html_page("not_found.html", 404, title="Qurb", message=message, lang=lang)


def _page(name: str, config: dict[str, object], **context: Any) -> HTMLResponse:
    """A page whose script reads `config` from its JSON data block."""
    return html_page(name, config=config, **context)


@router.get("/", response_class=HTMLResponse)
def map_page(_: Public, settings: SettingsDep) -> HTMLResponse:
    return _page(
        "index.html",
        {
            "tileUrl": settings.tile_url,
            "tileAttribution": settings.tile_attribution,
        },
        title="Qurb — قرب — carte sanitaire",
        body_class="loading",
        topbar=True,
        place="map",
        stylesheets=[LEAFLET_CSS, APP_CSS, SITING_CSS],
        classic_scripts=[LEAFLET_JS],
        scripts=["/static/js/app.js"],
    )


@router.get("/sheet/{code}", response_class=HTMLResponse)
def fact_sheet(_: Public, code: TerritoryCodePath, state: StateDep) -> HTMLResponse:
    unit = state.part(TerritoryIndex).by_code.get(code)
    if unit is None:
        return not_found_page(f"Territoire inconnu / unknown territory: {code}")
    return _page(
        "sheet.html",
        {"code": unit.code},
        title="Qurb — fiche territoriale",
        body_class="sheet-page",
        stylesheets=[APP_CSS],
        scripts=["/static/js/sheet.js"],
    )


# The /definitions page is rendered on the server (it reads as a document, without
# scripts); its own few words are here, the figures' words are in the catalogue.
DEFINITIONS_PAGE: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Qurb — définitions des chiffres",
        "heading": "Définitions des chiffres",
        "intro": "Chaque chiffre que montrent la carte, la fiche territoriale et la ligne de "
        "commande : ce qu'il est, sa formule, sa source et sa date. Une estimation est "
        "calculée par une formule ou une hypothèse à partir de chiffres publiés ; elle est "
        "marquée d'un astérisque là où elle apparaît.",
        "figure": "Chiffre",
        "kind": "Nature",
        "definition": "Définition",
        "formula": "Formule",
        "source": "Source",
        "date": "Date",
        "back": "Retour à la carte",
        "group.census": "Recensement",
        "group.needs": "Besoins et offre",
        "group.gaps": "Écarts aux normes et aux moyennes nationales",
        "group.access": "Accessibilité",
        "group.caravan": "Caravanes médicales",
        "group.watch": "Rapports périodiques et indicateurs d'activité",
        "group.conventions": "Conventions de partenariat",
        "kind.census": "recensement",
        "kind.estimate": "estimation",
        "kind.registry": "registre",
        "kind.model": "modèle",
        "kind.norm": "norme",
    },
    "ar": {
        "title": "قرب — تعاريف الأرقام",
        "heading": "تعاريف الأرقام",
        "intro": "كل رقم تعرضه الخريطة والبطاقة الترابية وسطر الأوامر: ماهيته وصيغته ومصدره "
        "وتاريخه. التقدير يُحسب بصيغة أو فرضية انطلاقًا من أرقام منشورة؛ ويُعلَّم بنجمة "
        "حيثما ظهر.",
        "figure": "الرقم",
        "kind": "الطبيعة",
        "definition": "التعريف",
        "formula": "الصيغة",
        "source": "المصدر",
        "date": "التاريخ",
        "back": "العودة إلى الخريطة",
        "group.census": "الإحصاء",
        "group.needs": "الحاجيات والعرض",
        "group.gaps": "الفوارق مع المعايير ومع المعدلات الوطنية",
        "group.access": "إمكانية الوصول",
        "group.caravan": "القوافل الطبية",
        "group.watch": "التقارير الدورية ومؤشرات النشاط",
        "group.conventions": "اتفاقيات الشراكة",
        "kind.census": "إحصاء",
        "kind.estimate": "تقدير",
        "kind.registry": "سجل",
        "kind.model": "نموذج",
        "kind.norm": "معيار",
    },
    "en": {
        "title": "Qurb — definitions of the figures",
        "heading": "Definitions of the figures",
        "intro": "Every figure the map, the fact sheet and the command line show: what it is, "
        "its formula, its source and its date. An estimate is computed by a formula or an "
        "assumption from published figures; it is marked with an asterisk where it is shown.",
        "figure": "Figure",
        "kind": "Kind",
        "definition": "Definition",
        "formula": "Formula",
        "source": "Source",
        "date": "Date",
        "back": "Back to the map",
        "group.census": "Census",
        "group.needs": "Needs and offer",
        "group.gaps": "Gaps to norms and to national averages",
        "group.access": "Access",
        "group.caravan": "Medical caravans",
        "group.watch": "Periodic reports and activity indicators",
        "group.conventions": "Partnership conventions",
        "kind.census": "census",
        "kind.estimate": "estimate",
        "kind.registry": "registry",
        "kind.model": "model",
        "kind.norm": "norm",
    },
}
assert all(f"kind.{k.value}" in words for words in DEFINITIONS_PAGE.values() for k in FigureKind)


@router.get("/definitions", response_class=HTMLResponse)
def definitions_page(
    _: Public,
    lang: Annotated[str, Query(description="fr, ar or en", max_length=MAX_NAME_CHARS)] = "fr",
) -> HTMLResponse:
    language = lang if lang in LANGUAGES else "fr"
    words = DEFINITIONS_PAGE[language]
    from qurb.app.features import figures as catalogue  # features lists this router

    figures = list(catalogue())
    groups = list(dict.fromkeys(f.group for f in figures))
    return html_page(
        "definitions.html",
        lang=language,
        title=words["title"],
        body_class="definitions-page",
        stylesheets=[APP_CSS],
        words=words,
        languages=(("fr", "Français"), ("ar", "العربية"), ("en", "English")),
        groups=[(g, [f for f in figures if f.group == g]) for g in groups],
    )


def _scrolling_table_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    # Focusable: a table wider than the screen scrolls from the keyboard too.
    opening = '<div class="table-scroll" tabindex="0">'
    return opening + str(self.renderToken(tokens, idx, options, env))


def _scrolling_table_close(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    return "</table></div>\n"


@cache
def _licences_html() -> Markup:
    # markdown-it's "js-default" preset: tables on, raw HTML escaped, unsafe link schemes
    # (javascript:, data:) refused; the file is ours, but the page must stay inert.
    markdown = MarkdownIt("js-default")
    # A wide table scrolls in its own box: on a phone the page itself must not scroll sideways.
    markdown.add_render_rule("table_open", _scrolling_table_open)
    markdown.add_render_rule("table_close", _scrolling_table_close)
    return Markup(markdown.render(LICENCES_FILE.read_text(encoding="utf-8")))


@router.get("/licences", response_class=HTMLResponse)
def licences_page(_: Public) -> HTMLResponse:
    """DATA_LICENSES.md as shipped in the package, under FR/AR/EN headings."""
    return html_page(
        "licences.html",
        title="Qurb — licences des données",
        body_class="licences-page",
        topbar=True,
        stylesheets=[APP_CSS, "/static/css/licences.css"],
        scripts=["/static/js/licences.js"],
        licences=_licences_html(),
    )
