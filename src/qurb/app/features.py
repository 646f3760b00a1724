"""The one registry of features: what each plugs into the app. A new capability adds one
line here, with its HTTP routers (in the order they are matched), its command-line
sub-app, its tables (so that migrations see them) and the files of the figures it defines
(listed after the bundled catalogue, in this order).

Static files, pages and translations stay in `app/` (`static/`, `templates/`,
`static/js/i18n.js`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import typer
from fastapi import APIRouter

from qurb.access import api as access_api
from qurb.access import cli as access_cli
from qurb.access import network_cli
from qurb.app import caravan_pages, pages, reference
from qurb.caravans import _tables as caravan_tables
from qurb.caravans import api as caravans_api
from qurb.caravans import catalogue as caravan_catalogue
from qurb.caravans import cli as caravans_cli
from qurb.indicators import api as indicators_api
from qurb.kernel.definitions import FigureDefinition, figure_definitions
from qurb.norms import api as norms_api
from qurb.norms import cli as norms_cli
from qurb.norms import reference as norms_reference
from qurb.platform import tables as platform_tables
from qurb.registry import _tables as registry_tables
from qurb.registry import api as registry_api
from qurb.registry import cli as registry_cli
from qurb.registry import reference as registry_reference
from qurb.siting import _tables as siting_tables
from qurb.siting import api as siting_api
from qurb.siting import cli as siting_cli
from qurb.territory import _tables as territory_tables
from qurb.territory import api as territory_api
from qurb.territory import cli as territory_cli
from qurb.territory import layers_api


@dataclass(frozen=True)
class Feature:
    name: str
    routers: tuple[APIRouter, ...] = ()
    # (name, sub-app): a named group (`qurb caravan plan`), or None: top-level commands.
    commands: tuple[tuple[str | None, typer.Typer], ...] = ()
    tables: tuple[ModuleType, ...] = ()
    definitions: tuple[Path, ...] = ()  # catalogue files of the figures it defines


FEATURES: tuple[Feature, ...] = (
    Feature("platform", tables=(platform_tables,)),
    Feature(
        "territory",
        (territory_api.router, layers_api.router),
        ((None, territory_cli.cli),),
        (territory_tables,),
    ),
    Feature(
        "registry",
        (registry_api.router, registry_reference.router),
        ((None, registry_cli.cli), ("facilities", registry_cli.facilities_app)),
        (registry_tables,),
    ),
    Feature("norms", (norms_api.router, norms_reference.router), ((None, norms_cli.cli),)),
    Feature(
        "access",
        (access_api.router,),
        (("access", access_cli.access_app), ("network", network_cli.network_app)),
    ),
    Feature(
        "siting",
        (siting_api.router,),
        ((None, siting_cli.cli), ("scenarios", siting_cli.scenarios_app)),
        (siting_tables,),
    ),
    Feature(
        "caravans",
        (caravans_api.router, caravan_pages.router),
        (("caravan", caravans_cli.caravan_app),),
        (caravan_tables,),
        (caravan_catalogue.DEFINITIONS_FILE,),
    ),
    Feature("indicators", (indicators_api.router,)),
    Feature("app", (reference.router, pages.router)),
)


def routers() -> list[APIRouter]:
    return [router for feature in FEATURES for router in feature.routers]


def definition_files() -> tuple[Path, ...]:
    """Every feature's catalogue files, in the order of FEATURES."""
    return tuple(path for feature in FEATURES for path in feature.definitions)


def figures() -> tuple[FigureDefinition, ...]:
    """The whole catalogue: the bundled figures, then each feature's."""
    return figure_definitions(definition_files())
