"""The HTML pages: the map at `/`, a printable fact sheet at `/sheet/{code}`, the
definitions of every figure at `/definitions` and the data licences at `/licences`."""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from markdown_it import MarkdownIt

from qurb.data import LICENCES_FILE
from qurb.kernel.definitions import LANGUAGES, FigureDefinition, FigureKind
from qurb.kernel.names import MAX_NAME_CHARS
from qurb.platform.http import SettingsDep, StateDep, TerritoryCodePath
from qurb.territory.service import TerritoryIndex

TEMPLATES = Path(__file__).resolve().parent / "templates"

router = APIRouter(include_in_schema=False)


@cache
def _template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def _page(name: str, config: dict[str, object]) -> HTMLResponse:
    # The config goes in a JSON script block; "</" is escaped so it cannot close it.
    blob = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
    return HTMLResponse(
        _template(name).replace("__QURB_CONFIG__", blob),
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/", response_class=HTMLResponse)
def map_page(settings: SettingsDep) -> HTMLResponse:
    return _page(
        "index.html",
        {
            "localMode": settings.local_mode,
            "tileUrl": settings.tile_url,
            "tileAttribution": settings.tile_attribution,
            "defaultUser": settings.default_user,
        },
    )


@router.get("/sheet/{code}", response_class=HTMLResponse)
def fact_sheet(code: TerritoryCodePath, state: StateDep) -> HTMLResponse:
    unit = state.part(TerritoryIndex).by_code.get(code)
    if unit is None:
        message = html.escape(f"Territoire inconnu / unknown territory: {code}")
        return HTMLResponse(f"<!doctype html><meta charset=utf-8><p>{message}</p>", status_code=404)
    return _page("sheet.html", {"code": unit.code})


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
        "kind.census": "census",
        "kind.estimate": "estimate",
        "kind.registry": "registry",
        "kind.model": "model",
        "kind.norm": "norm",
    },
}
assert all(f"kind.{k.value}" in words for words in DEFINITIONS_PAGE.values() for k in FigureKind)


def _definition_row(f: FigureDefinition, language: str) -> str:
    words = DEFINITIONS_PAGE[language]
    esc = html.escape
    estimate = ' class="estimate"' if f.is_estimate else ""
    mark = " *" if f.is_estimate else ""
    return (
        f'<tr id="{esc(f.id)}" data-figure-id="{esc(f.id)}" data-kind="{f.kind.value}"{estimate}>'
        f'<th scope="row">{esc(f.name[language])}{mark} <code dir="ltr">{esc(f.id)}</code></th>'
        f"<td>{esc(words['kind.' + f.kind.value])}</td>"
        f"<td>{esc(f.definition[language])}</td>"
        f'<td class="formula" dir="ltr">{esc(f.formula)}</td>'
        f'<td dir="ltr">{esc(f.source)}</td><td dir="ltr">{esc(f.date)}</td></tr>'
    )


@router.get("/definitions", response_class=HTMLResponse)
def definitions_page(
    lang: Annotated[str, Query(description="fr, ar or en", max_length=MAX_NAME_CHARS)] = "fr",
) -> HTMLResponse:
    language = lang if lang in LANGUAGES else "fr"
    words = DEFINITIONS_PAGE[language]
    esc = html.escape
    switch = " · ".join(
        f'<a href="/definitions?lang={code}" hreflang="{code}" lang="{code}">{name}</a>'
        for code, name in (("fr", "Français"), ("ar", "العربية"), ("en", "English"))
    )
    head = (
        f"<tr><th>{esc(words['figure'])}</th><th>{esc(words['kind'])}</th>"
        f"<th>{esc(words['definition'])}</th><th>{esc(words['formula'])}</th>"
        f"<th>{esc(words['source'])}</th><th>{esc(words['date'])}</th></tr>"
    )
    from qurb.app.features import figures as catalogue  # features lists this router

    figures = list(catalogue())
    groups = list(dict.fromkeys(f.group for f in figures))
    sections = "".join(
        f'<section data-group="{esc(group)}"><h2>{esc(words.get("group." + group, group))}</h2>'
        f'<div class="table-scroll"><table><thead>{head}</thead><tbody>'
        f"{''.join(_definition_row(f, language) for f in figures if f.group == group)}"
        "</tbody></table></div></section>"
        for group in groups
    )
    body = (
        f'<p class="no-print"><a href="/?lang={language}">← {esc(words["back"])}</a> · {switch}</p>'
        f"<h1>{esc(words['heading'])}</h1><p>{esc(words['intro'])}</p>{sections}"
    )
    page = (
        _template("definitions.html")
        .replace("__LANG__", language)
        .replace("__DIR__", "rtl" if language == "ar" else "ltr")
        .replace("__TITLE__", esc(words["title"]))
        .replace("__BODY__", body)
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})


@cache
def _licences_html() -> str:
    # markdown-it's "js-default" preset: tables on, raw HTML escaped, unsafe link schemes
    # (javascript:, data:) refused; the file is ours, but the page must stay inert.
    text = LICENCES_FILE.read_text(encoding="utf-8")
    rendered = MarkdownIt("js-default").render(text)
    # A wide table scrolls in its own box: on a phone the page itself must not scroll sideways.
    return rendered.replace("<table>", '<div class="table-scroll"><table>').replace(
        "</table>", "</table></div>"
    )


@router.get("/licences", response_class=HTMLResponse)
def licences_page() -> HTMLResponse:
    """DATA_LICENSES.md as shipped in the package, under FR/AR/EN headings."""
    return HTMLResponse(
        _template("licences.html").replace("__QURB_LICENCES__", _licences_html()),
        headers={"Cache-Control": "no-cache"},
    )
