"""The one registry of features: what each plugs into the app. A new capability adds one
line here, with its HTTP routers (in the order they are matched), its command-line
sub-apps, its tables (so that migrations see them) and the files of the figures it defines
(listed after the bundled catalogue, in this order).

Entries are named `"module:attribute"` and imported when asked for, so that a command
imports the command-line modules only (no web framework) and the web app the routers.
Static files, pages and translations stay in `app/` (`static/`, `templates/`,
`static/js/i18n.js`)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qurb.kernel.definitions import FigureDefinition, figure_definitions

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter


@dataclass(frozen=True)
class Feature:
    name: str
    routers: tuple[str, ...] = ()  # "module:attribute" of each APIRouter
    # (name, "module:attribute" of a Typer app): a named group (`qurb caravan plan`), or
    # None: its commands at the top level.
    commands: tuple[tuple[str | None, str], ...] = ()
    tables: tuple[str, ...] = ()  # modules holding its SQLAlchemy tables
    definitions: tuple[str, ...] = ()  # "package:file" of its figure catalogues


FEATURES: tuple[Feature, ...] = (
    Feature("platform", tables=("qurb.platform.tables", "qurb.platform.job_slots")),
    Feature(
        "territory",
        ("qurb.territory.api:router", "qurb.territory.layers_api:router"),
        ((None, "qurb.territory.cli:cli"),),
        ("qurb.territory._tables",),
    ),
    Feature(
        "registry",
        ("qurb.registry.api:router", "qurb.registry.reference:router"),
        ((None, "qurb.registry.cli:cli"), ("facilities", "qurb.registry.cli:facilities_app")),
        ("qurb.registry._tables",),
    ),
    Feature(
        "norms",
        ("qurb.norms.api:router", "qurb.norms.reference:router"),
        ((None, "qurb.norms.cli:cli"),),
    ),
    Feature(
        "access",
        ("qurb.access.api:router",),
        (
            ("access", "qurb.access.cli:access_app"),
            ("network", "qurb.access.network_cli:network_app"),
        ),
    ),
    Feature(
        "siting",
        ("qurb.siting.api:router",),
        ((None, "qurb.siting.cli:cli"), ("scenarios", "qurb.siting.cli:scenarios_app")),
        ("qurb.siting._tables",),
    ),
    Feature(
        "caravans",
        ("qurb.caravans.api:router", "qurb.app.caravan_pages:router"),
        (("caravan", "qurb.caravans.cli:caravan_app"),),
        ("qurb.caravans._tables",),
        ("qurb.caravans:definitions.toml",),
    ),
    Feature("indicators", ("qurb.indicators.api:router",)),
    Feature("app", ("qurb.app.reference:router", "qurb.app.pages:router")),
)


def _resolve(name: str) -> Any:
    module, _, attribute = name.partition(":")
    return getattr(importlib.import_module(module), attribute)


def routers() -> list[APIRouter]:
    return [_resolve(name) for feature in FEATURES for name in feature.routers]


def command_apps() -> list[tuple[str | None, typer.Typer]]:
    return [(group, _resolve(name)) for feature in FEATURES for group, name in feature.commands]


def import_tables() -> None:
    """Import every feature's tables, so that `Base.metadata` holds them all."""
    for feature in FEATURES:
        for module in feature.tables:
            importlib.import_module(module)


def definition_files() -> tuple[Path, ...]:
    """Every feature's catalogue files, in the order of FEATURES."""
    out: list[Path] = []
    for feature in FEATURES:
        for name in feature.definitions:
            package, _, filename = name.partition(":")
            out.append(Path(str(files(package) / filename)))
    return tuple(out)


def figures() -> tuple[FigureDefinition, ...]:
    """The whole catalogue: the bundled figures, then each feature's."""
    return figure_definitions(definition_files())
