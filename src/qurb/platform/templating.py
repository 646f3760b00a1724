"""Pages from templates: one Jinja2 environment per set of template folders, always with
the platform's base layout (`templates/base.html`) and its printable-document style
(`static/document.css`) behind them.

Autoescaping is on for every `.html` template: a name, a label or a message is escaped
where it is written; the page's configuration goes in a JSON data block
(`<script type="application/json" id="qurb-config">`, through Jinja's `tojson`, which
escapes `<`, `>`, `&` and `'`) that the page's static script reads: the Content Security
Policy allows no inline script.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

LAYOUT_TEMPLATES = Path(__file__).resolve().parent / "templates"
# Served at /static/layout/ by the web app; included inline in a document written to a file.
LAYOUT_STATIC = Path(__file__).resolve().parent / "static"
DOCUMENT_CSS_URL = "/static/layout/document.css"


@cache
def environment(*folders: Path) -> Environment:
    """The environment that finds templates in `folders` (in order), then the layout's."""
    env = Environment(
        loader=FileSystemLoader([*folders, LAYOUT_TEMPLATES, LAYOUT_STATIC]),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False}
    return env


def render(folder: Path, name: str, **context: Any) -> str:
    """Template `name` of `folder` filled with `context`."""
    return environment(folder).get_template(name).render(**context)
