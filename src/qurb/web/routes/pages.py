"""The HTML pages: the map at `/`, a printable fact sheet at `/sheet/{code}` and the data
licences at `/licences`."""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from markdown_it import MarkdownIt

from qurb.data import LICENCES_FILE
from qurb.web.deps import SettingsDep, StateDep

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

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
def fact_sheet(code: str, state: StateDep) -> HTMLResponse:
    unit = state.index.by_code.get(code)
    if unit is None:
        message = html.escape(f"Territoire inconnu / unknown territory: {code}")
        return HTMLResponse(f"<!doctype html><meta charset=utf-8><p>{message}</p>", status_code=404)
    return _page("sheet.html", {"code": unit.code})


@cache
def _licences_html() -> str:
    # markdown-it's "js-default" preset: tables on, raw HTML escaped, unsafe link schemes
    # (javascript:, data:) refused; the file is ours, but the page must stay inert.
    text = LICENCES_FILE.read_text(encoding="utf-8")
    return MarkdownIt("js-default").render(text)


@router.get("/licences", response_class=HTMLResponse)
def licences_page() -> HTMLResponse:
    """DATA_LICENSES.md as shipped in the package, under FR/AR/EN headings."""
    return HTMLResponse(
        _template("licences.html").replace("__QURB_LICENCES__", _licences_html()),
        headers={"Cache-Control": "no-cache"},
    )
