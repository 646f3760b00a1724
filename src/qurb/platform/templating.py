"""Pages from templates: one Jinja2 environment per set of template folders, always with
the platform's base layout (`templates/base.html`) and its printable-document style
(`static/document.css`) behind them.

Autoescaping is on for every `.html` template: a name, a label or a message is escaped
where it is written; the page's configuration goes in a JSON data block
(`<script type="application/json" id="qurb-config">`, through Jinja's `tojson`, which
escapes `<`, `>`, `&` and `'`) that the page's static script reads: the Content Security
Policy allows no inline script.

Words come from the catalogues (`kernel.i18n`): `t("key", name=value)` in a template is
the message in the page's language (its `lang`; `lang="ar"` names another), each value
escaped unless it is markup already (a `{% set %}` block); `date(day)` writes a day with
CLDR's names (`ar_MA`: the Moroccan month names), `number(n)` groups digits as the
language does.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape

from qurb.kernel.i18n import PLACEHOLDER, long_date, message, number
from qurb.platform.navigation import places

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
    env.globals.update(t=_t, date=_date, number=_number, places=places)
    return env


def _lang(context: Context, lang: str | None) -> str:
    page = context.resolve_or_missing("lang")
    return lang or (str(page) if isinstance(page, str) else "fr")


@pass_context
def _t(context: Context, key: str, /, lang: str | None = None, **values: Any) -> Markup:
    """The catalogue's message, escaped, its values escaped into it."""
    text = str(escape(message(_lang(context, lang), key, values)))
    return Markup(PLACEHOLDER.sub(lambda m: str(escape(values.get(m.group(1), ""))), text))


@pass_context
def _date(context: Context, day: date | str, /, lang: str | None = None, long: bool = True) -> str:
    """A day (a date or its ISO text) with CLDR's names: with its weekday, or `d MMMM y`."""
    value = date.fromisoformat(day) if isinstance(day, str) else day
    return long_date(value, _lang(context, lang), "EEEE d MMMM y" if long else "d MMMM y")


@pass_context
def _number(context: Context, value: float, /, lang: str | None = None) -> str:
    return number(value, _lang(context, lang))


def render(folder: Path, name: str, **context: Any) -> str:
    """Template `name` of `folder` filled with `context`."""
    return environment(folder).get_template(name).render(**context)
