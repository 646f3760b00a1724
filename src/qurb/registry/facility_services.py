"""The services of each facility: its category's defaults, then reviewed per-facility lines.

A line of `data/overrides/services.csv` (`facility_id, service, action, reason, evidence`)
adds a service to one facility or removes one of its category's defaults, and says why and
on what evidence. The same lines, checked, are bundled as `facility_services.csv`.

The services also class a hospital (see `services.toml`): a *general hospital* carries
`general_hospital`; the *specialty tier* is a hospital without it that carries a specialty
class (oncology, children's hospital, ophthalmology/ENT, rheumatology, pneumology,
psychiatry); a maternity or mother-and-child hospital carries `maternity` and is neither.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from qurb.data import PACKAGE_DIR, read_toml
from qurb.kernel.errors import QurbError
from qurb.registry.model import categories

SERVICES_FILE = PACKAGE_DIR / "services.toml"
SERVICE_COLUMNS = ("facility_id", "service", "action", "reason", "evidence")
GENERAL_HOSPITAL = "general_hospital"
MATERNITY = "maternity"
SPECIALTY_CLASSES = (
    "oncology",
    "children_hospital",
    "ophthalmology_ent",
    "rheumatology",
    "pneumology",
    "psychiatry",
)


class ServiceAction(enum.StrEnum):
    ADD = "add"
    REMOVE = "remove"


class HospitalTier(enum.StrEnum):
    """Which hospitals "hospital" means: general (the default), specialty, or maternity."""

    GENERAL = "general"
    SPECIALTY = "specialty"
    MATERNITY = "maternity"


@dataclass(frozen=True)
class ServiceName:
    code: str
    name_fr: str
    name_ar: str
    name_en: str


@cache
def known_services() -> dict[str, ServiceName]:
    """Every service name, from `qurb/data/services.toml`."""
    return {
        code: ServiceName(code, spec["name_fr"], spec["name_ar"], spec["name_en"])
        for code, spec in read_toml(SERVICES_FILE).items()
    }


def unknown_service_message(service: str) -> str:
    return f"unknown service {service!r}; services are {', '.join(sorted(known_services()))}"


@dataclass(frozen=True)
class ServiceLine:
    facility_id: str
    service: str
    action: ServiceAction
    reason: str
    evidence: str


@dataclass(frozen=True)
class ServiceProblem:
    row: int  # line number in the file, the header being line 1
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.message}"


class ServicesFileError(QurbError):
    """A services file with bad lines: each is named by file, row and field; nothing loads."""

    def __init__(self, file: str, problems: list[ServiceProblem]) -> None:
        self.file = file
        self.problems = problems
        shown = "\n".join(f"  - {file}: {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{file}: {len(problems)} problem(s), nothing was loaded:\n{shown}{more}")


def parse_service_lines(
    rows: Iterable[Mapping[str, str | None]],
    file: str,
    category_of: Mapping[str, str] | None,
) -> list[ServiceLine]:
    """Check every line against the facilities (`category_of`: facility id → category) and
    the service names; return them all, or raise naming every bad row and field.

    With `category_of` None (the facilities are not built yet) only the lines' own form is
    checked: columns, service names, actions, duplicates, reason and evidence."""
    problems: list[ServiceProblem] = []
    lines: list[ServiceLine] = []
    seen: dict[tuple[str, str], int] = {}
    services = known_services()
    specs = categories()
    for number, raw in enumerate(rows, start=2):
        values = {k: (raw.get(k) or "").strip() for k in SERVICE_COLUMNS}
        bad = len(problems)
        extra = [k for k in raw if k not in SERVICE_COLUMNS]
        if extra:
            # csv.DictReader files cells beyond the header under None: an unquoted comma.
            name = extra[0] or "(cells beyond the last column)"
            problems.append(
                ServiceProblem(number, name, "not a column of the file (quote text with commas)")
            )
        for key in SERVICE_COLUMNS:
            if not values[key]:
                problems.append(ServiceProblem(number, key, "missing"))
        facility, service, action = values["facility_id"], values["service"], values["action"]
        if facility and category_of is not None and facility not in category_of:
            problems.append(ServiceProblem(number, "facility_id", f"unknown facility {facility!r}"))
        if service and service not in services:
            problems.append(ServiceProblem(number, "service", unknown_service_message(service)))
        if action and action not in ServiceAction.__members__.values():
            problems.append(
                ServiceProblem(number, "action", f"{action!r}: expected 'add' or 'remove'")
            )
        if facility and service:
            first = seen.setdefault((facility, service), number)
            if first != number:
                problems.append(
                    ServiceProblem(
                        number, "service", f"{service!r} for {facility} already on row {first}"
                    )
                )
        if len(problems) > bad:
            continue
        if category_of is None:
            lines.append(
                ServiceLine(
                    facility, service, ServiceAction(action), values["reason"], values["evidence"]
                )
            )
            continue
        defaults = specs[category_of[facility]].services
        if action == ServiceAction.ADD and service in defaults:
            problems.append(
                ServiceProblem(
                    number,
                    "service",
                    f"{service!r} is already a service of every {category_of[facility]}",
                )
            )
            continue
        if action == ServiceAction.REMOVE and service not in defaults:
            problems.append(
                ServiceProblem(
                    number,
                    "service",
                    f"{service!r} is not a service of {category_of[facility]}: nothing to remove",
                )
            )
            continue
        lines.append(
            ServiceLine(
                facility, service, ServiceAction(action), values["reason"], values["evidence"]
            )
        )
    if problems:
        raise ServicesFileError(file, problems)
    return lines


def apply_service_lines(category: str, lines: Iterable[ServiceLine]) -> list[str]:
    """A facility's services: its category's defaults, then its lines; sorted."""
    services = set(categories()[category].services)
    for line in lines:
        if line.action is ServiceAction.ADD:
            services.add(line.service)
        else:
            services.discard(line.service)
    return sorted(services)


def facility_services(category: str, services: Iterable[str] | None) -> frozenset[str]:
    """The services a registry row records; None (a row written before services were
    recorded per facility) stands for its category's defaults."""
    if services is None:
        return categories()[category].services
    return frozenset(services)


def hospital_tier(family: str, services: Iterable[str]) -> HospitalTier | None:
    """General, specialty or maternity, for a hospital; None for anything else."""
    if family != "hospital":
        return None
    held = set(services)
    if GENERAL_HOSPITAL in held:
        return HospitalTier.GENERAL
    if held & set(SPECIALTY_CLASSES):
        return HospitalTier.SPECIALTY
    if MATERNITY in held:
        return HospitalTier.MATERNITY
    return None
