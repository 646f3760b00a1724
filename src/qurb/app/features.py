"""The one registry of features: what each plugs into the app. A new capability adds one
line here, with its HTTP routers (in the order they are matched), its command-line
sub-apps, its tables (so that migrations see them) and the files of the figures it defines
(listed after the bundled catalogue, in this order).

Entries are named `"module:attribute"` and imported when asked for, so that a command
imports the command-line modules only (no web framework) and the web app the routers. A
command is declared with its one-line help, so that `qurb --help` lists every command
without importing any of them, and `qurb gaps` imports the norms' commands alone.
Static files and pages stay in `app/` (`static/`, `templates/`); the words, a command's
help among them (`cli.help.<command>`), are in the catalogues (`data/locales/`)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import APIRouter

    from qurb.kernel.definitions import FigureDefinition


@dataclass(frozen=True)
class Command:
    """A command of `qurb`: its name, the `"module:attribute"` of the Typer app that holds
    it, and its one-line help (the first paragraph of the command's own; a test checks that
    they agree). A group (`qurb caravan plan`) is that app under the name; otherwise the
    command is the app's command of that name, at the top level."""

    name: str
    app: str
    help: str
    group: bool = False


@dataclass(frozen=True)
class Feature:
    name: str
    routers: tuple[str, ...] = ()  # "module:attribute" of each APIRouter
    commands: tuple[Command, ...] = ()  # its commands, in the order `qurb --help` lists them
    tables: tuple[str, ...] = ()  # modules holding its SQLAlchemy tables
    definitions: tuple[str, ...] = ()  # "package:file" of its figure catalogues
    jobs: tuple[str, ...] = ()  # "module:attribute" of each time-based job (`qurb jobs run`)


FEATURES: tuple[Feature, ...] = (
    Feature(
        "platform",
        commands=(
            Command(
                "jobs",
                "qurb.app.jobs_cli:jobs_app",
                "Time-based work: run the registered jobs (from cron or a systemd timer), list "
                "them and their last runs.",
                group=True,
            ),
        ),
        tables=(
            "qurb.platform.tables",
            "qurb.platform.job_slots",
            "qurb.platform.background",
            "qurb.platform.jobs",
            "qurb.platform.alerts",
        ),
    ),
    Feature(
        "audit",
        commands=(
            Command(
                "audit",
                "qurb.audit.cli:audit_app",
                "The audit trail: check its hash chain and signed head, print the head, list it.",
                group=True,
            ),
        ),
        tables=("qurb.audit._tables",),
    ),
    Feature(
        "territory",
        ("qurb.territory.api:router", "qurb.territory.layers_api:router"),
        (
            Command(
                "territories",
                "qurb.territory.cli:cli",
                "List territories: regions by default; drill down with --within and --level.",
            ),
        ),
        ("qurb.territory._tables",),
    ),
    Feature(
        "identity",
        (
            "qurb.identity.auth_api:router",
            "qurb.identity.audit_api:router",
            "qurb.identity.alerts_api:router",
        ),
        (
            Command(
                "partners",
                "qurb.identity.partner_cli:partners_app",
                "Partners, the organisations that sign conventions: list, show, import, export.",
                group=True,
            ),
            Command(
                "users",
                "qurb.identity.account_cli:users_app",
                "Accounts and their grants: create, list, grant, revoke, disable, anonymise, "
                "reset a password.",
                group=True,
            ),
            Command(
                "login",
                "qurb.identity.login_cli:cli",
                "Sign in to a Qurb server and keep a personal API token for the command line.",
            ),
            Command(
                "logout",
                "qurb.identity.login_cli:cli",
                "Revoke the token `qurb login` kept, on its server, and forget it.",
            ),
        ),
        tables=("qurb.identity._partner_tables", "qurb.identity._account_tables"),
    ),
    Feature(
        "registry",
        (
            "qurb.registry.api:router",
            "qurb.registry.capacity_api:router",
            "qurb.registry.equipment_api:router",
            "qurb.registry.capacity_workbook_api:router",
            "qurb.registry.reference:router",
        ),
        (
            Command(
                "categories",
                "qurb.registry.cli:cli",
                "Facility categories, their level and the services they offer by definition.",
            ),
            Command(
                "services",
                "qurb.registry.cli:cli",
                "Service names: a facility offers its category's defaults, then its own lines "
                "(data/overrides/services.csv, `facilities update --add-service/"
                "--remove-service`).",
            ),
            Command(
                "facilities",
                "qurb.registry.cli:facilities_app",
                "The facility registry: list, add, update, close, reopen, import, history.",
                group=True,
            ),
            Command(
                "capacity",
                "qurb.registry.capacity_cli:capacity_app",
                "A facility's capacity: beds, staff, specialists, opening hours, with their "
                "sources.",
                group=True,
            ),
            Command(
                "equipment",
                "qurb.registry.capacity_cli:equipment_app",
                "Equipment held by facilities: list, add, change its status, history.",
                group=True,
            ),
        ),
        ("qurb.registry._tables",),
    ),
    Feature(
        "norms",
        ("qurb.norms.api:router", "qurb.norms.reference:router"),
        (
            Command(
                "territory",
                "qurb.norms.cli:cli",
                "One territory: census figures, demand drivers (RGPH 2024) and its public offer.",
            ),
            Command(
                "norms",
                "qurb.norms.cli:cli",
                "The norm sets available (bundled, plus *.toml files in $QURB_NORMS_DIR).",
            ),
            Command(
                "gaps",
                "qurb.norms.cli:cli",
                "Ranked gaps: facilities missing under a norm, or below a national average ratio.",
            ),
            Command(
                "needs",
                "qurb.norms.cli:cli",
                "Population, demand drivers, public supply and inhabitants per facility, per unit.",
            ),
        ),
    ),
    Feature(
        "access",
        ("qurb.access.api:router", "qurb.access.tables_api:router"),
        (
            Command(
                "access",
                "qurb.access.cli:access_app",
                "Travel time to care: nearest facility, population beyond 30/60/120 min, "
                "referral, catchments, 2SFCA. The bundled model is coarse (commune graph, no "
                "roads): build a road network with `qurb network build` and pass its folder "
                "as --model for road times.",
                group=True,
            ),
            Command(
                "network",
                "qurb.access.network_cli:network_app",
                "Road networks from OpenStreetMap: build one from a .osm.pbf, inspect, query it.",
                group=True,
            ),
        ),
    ),
    Feature(
        "conventions",
        (
            "qurb.conventions.api:router",
            "qurb.conventions.money_api:router",
            "qurb.conventions.deliverable_api:router",
            "qurb.conventions.committee_api:router",
            "qurb.conventions.views_api:router",
            "qurb.conventions.overview_api:router",
            "qurb.conventions.workbook_api:router",
        ),
        (
            Command(
                "conventions",
                "qurb.conventions.cli:conventions_app",
                "Partnership conventions: list, show, add, import, move a status.",
                group=True,
            ),
        ),
        (
            "qurb.conventions._tables",
            "qurb.conventions._money_tables",
            "qurb.conventions._deliverable_tables",
            "qurb.conventions._committee_tables",
        ),
        ("qurb.conventions:definitions.toml",),
        jobs=(
            "qurb.conventions.deliverable_job:job",
            "qurb.conventions.committee_jobs:job",
            "qurb.conventions.tranche_job:job",
        ),
    ),
    Feature(
        "siting",
        (
            "qurb.siting.api:router",
            "qurb.siting.what_if_api:router",
            "qurb.siting.projects_api:router",
        ),
        (
            Command(
                "site",
                "qurb.siting.cli:cli",
                "Where to add facilities to cover the most people within a travel time (or to "
                "cut the population-weighted travel time most), existing facilities kept.",
            ),
            Command(
                "scenarios",
                "qurb.siting.cli:scenarios_app",
                "Saved siting scenarios: list, show, compare, rename.",
                group=True,
            ),
            Command(
                "plan",
                "qurb.siting.projects_cli:plan_app",
                "The regional plan's projects: list, show, add, adopt a scenario, move a status.",
                group=True,
            ),
        ),
        ("qurb.siting._tables",),
    ),
    Feature(
        "caravans",
        (
            "qurb.caravans.jobs_api:router",
            "qurb.caravans.files_api:router",
            "qurb.caravans.api:router",
            "qurb.caravans.records_api:router",
            "qurb.app.caravan_pages:router",
            "qurb.app.roadsheet_pages:router",
        ),
        (
            Command(
                "caravan",
                "qurb.caravans.cli:caravan_app",
                "Mobile medical caravans: choose communes, schedule visits, record and report.",
                group=True,
            ),
        ),
        ("qurb.caravans._tables",),
        ("qurb.caravans:definitions.toml",),
    ),
    Feature(
        "sharing",
        routers=("qurb.sharing.api:router", "qurb.app.sharing_pages:router"),
        commands=(
            Command(
                "sharing",
                "qurb.sharing.cli:sharing_app",
                "Shared equipment and visiting specialists: resources, free slots, bookings, "
                "utilisation and the monthly reconciliation.",
                group=True,
            ),
        ),
        tables=("qurb.sharing._tables",),
        jobs=(
            "qurb.sharing.jobs:slots_job",
            "qurb.sharing.jobs:no_shows_job",
            "qurb.sharing.jobs:quota_release_job",
        ),
    ),
    Feature(
        "referrals",
        ("qurb.referrals.api:router",),
        (
            Command(
                "referrals",
                "qurb.referrals.cli:referrals_app",
                "Referrals along care pathways: list, show, send, move, counter-refer, import, "
                "measures, pathways.",
                group=True,
            ),
        ),
        ("qurb.referrals._tables",),
        jobs=("qurb.referrals.retention_job:job",),
    ),
    Feature(
        "watch",
        (
            "qurb.watch.api:router",
            "qurb.watch.figures_api:router",
            "qurb.watch.bulletin_api:router",
            "qurb.watch.signals_api:router",
            "qurb.watch.triage_api:router",
            "qurb.watch.signals_curve_api:router",
        ),
        (
            Command(
                "datasets",
                "qurb.watch.cli:datasets_app",
                "The data sets facilities report: list, show, validate.",
                group=True,
            ),
            Command(
                "reports",
                "qurb.watch.cli:reports_app",
                "Facilities' periodic reports: import, list, completeness and timeliness.",
                group=True,
            ),
            Command(
                "watch",
                "qurb.watch.figures_cli:watch_app",
                "Activity indicators with census denominators, the bulletin, and outbreak "
                "detection.",
                group=True,
            ),
        ),
        ("qurb.watch._tables",),
        ("qurb.watch:definitions.toml",),
        jobs=("qurb.watch.silent_job:job", "qurb.watch.signals_job:job"),
    ),
    Feature(
        "indicators",
        ("qurb.indicators.api:router", "qurb.indicators.map_api:router"),
        (
            Command(
                "map",
                "qurb.indicators.cli:map_app",
                "The map of a territory as a file: a printable PDF page.",
                group=True,
            ),
        ),
    ),
    Feature(
        "interop",
        ("qurb.interop.dhis2.api:router", "qurb.interop.iati_export.api:router"),
        (
            Command(
                "dhis2",
                "qurb.interop.dhis2.cli:dhis2_app",
                "The DHIS2 exchange: organisation units and data sets as metadata, reports as "
                "dataValueSets out and in.",
                group=True,
            ),
            Command(
                "iati",
                "qurb.interop.iati_export.cli:iati_app",
                "The conventions as IATI 2.03 activities (XML), for the aid-transparency registry.",
                group=True,
            ),
        ),
    ),
    Feature(
        "app",
        (
            "qurb.app.reference:router",
            "qurb.app.pages:router",
            "qurb.app.auth_pages:router",
            "qurb.app.audit_pages:router",
            "qurb.app.scenario_pages:router",
            "qurb.app.plan_pages:router",
            "qurb.app.report_pages:router",
            "qurb.app.signal_pages:router",
            "qurb.app.convention_pages:router",
            "qurb.app.referral_pages:router",
        ),
    ),
)


def resolve(name: str) -> Any:
    """The object named `"module:attribute"`, its module imported now."""
    module, _, attribute = name.partition(":")
    return getattr(importlib.import_module(module), attribute)


def routers() -> list[APIRouter]:
    return [resolve(name) for feature in FEATURES for name in feature.routers]


def commands() -> tuple[Command, ...]:
    """Every feature's commands, in the order of FEATURES."""
    return tuple(command for feature in FEATURES for command in feature.commands)


def register_jobs() -> None:
    """Add every feature's time-based jobs to the jobs' registry (`platform.jobs`)."""
    from qurb.platform.jobs import add_job

    for feature in FEATURES:
        for name in feature.jobs:
            add_job(resolve(name))


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
    from qurb.kernel.definitions import figure_definitions

    return figure_definitions(definition_files())
