"""Partners over the real territory tree, on SQLite and PostgreSQL: an empty database with
the app's schema and every HCP territory of the bundled data (no facility, no census),
a server key, and a few real public bodies tied to their real territories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.schema import migrate
from qurb.audit import service as audit
from qurb.audit.keys import ServerKey, load_or_create_key
from qurb.audit.model import AuditEntry
from qurb.audit.service import EntryFilter
from qurb.data import read_bundled_csv
from qurb.identity._partner_tables import PartnerContactRow, PartnerRow
from qurb.identity.partners import PartnerCreate
from qurb.platform.database import make_sessionmaker, transaction
from qurb.territory._tables import TerritoryRow
from qurb.territory.model import TerritoryLevel

# Real registry ids (bundled facilities.csv): the CHU of Fès's Hôpital des spécialités
# (an HIR unit) and the regional hospital Al Ghassani, both in Fès.
CHU_FES_UNIT = "hosp-03.231.01.05-hopital-des-specialites"
AL_GHASSANI = "hosp-03.231.01.01-al-ghassani"
KNOWN_FACILITIES = frozenset({CHU_FES_UNIT, AL_GHASSANI})


def known_facility(facility_id: str) -> bool:
    return facility_id in KNOWN_FACILITIES


def _int(text: str) -> int | None:
    return int(text) if text else None


def write_territories(engine: Engine) -> sessionmaker[Session]:
    """Migrate an empty database and write every bundled territory, parents first."""
    migrate(engine)
    rows = [
        {
            "code": t["code"],
            "level": t["level"],
            "parent_code": t["parent_code"] or None,
            "cercle_code": t["cercle_code"] or None,
            "name_fr": t["name_fr"],
            "name_ar": t["name_ar"],
            "kind": t["kind"],
            "population_2024": _int(t["population_2024"]),
            "households_2024": _int(t["households_2024"]),
            "population_2014": _int(t["population_2014"]),
        }
        for t in read_bundled_csv("territories.csv")
    ]
    rows.sort(key=lambda r: TerritoryLevel(r["level"]).depth)
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        session.execute(insert(TerritoryRow), rows)
    return factory


def server_key(tmp_path: Path) -> ServerKey:
    return load_or_create_key(tmp_path / "audit.key")


def partner(**values: Any) -> PartnerCreate:
    return PartnerCreate.model_validate(values)


CHU_FES = dict(
    id="chu-hassan-ii-fes",
    kind="chu",
    name_fr="Centre hospitalier universitaire Hassan II de Fès",
    name_ar="المركز الاستشفائي الجامعي الحسن الثاني بفاس",
    territory_code="03",  # the region Fès-Meknès
    facility_id=CHU_FES_UNIT,
    contacts=[
        {
            "name": "Secrétariat de la direction",
            "function": "Direction",
            "phone": "+212 500 000 000",
        },
        {"name": "Service de la coopération", "email": "cooperation@example.ma"},
    ],
)
DRS_FES_MEKNES = dict(
    id="drs-fes-meknes",
    kind="drs",
    name_fr="Direction régionale de la santé Fès-Meknès",
    name_ar="المديرية الجهوية للصحة بجهة فاس مكناس",
    territory_code="03",
)
COMMUNE_SIDI_HARAZEM = dict(
    id="commune-sidi-harazem",
    kind="commune",
    name_fr="Commune de Sidi Harazem",
    name_ar="جماعة سيدي حرازم",
    territory_code="03.231.81.05",  # rural commune of the prefecture of Fès
)
COUNCIL_CASABLANCA = dict(
    id="conseil-prefectoral-casablanca",
    kind="provincial_council",
    name_fr="Conseil préfectoral de Casablanca",
    name_ar="مجلس عمالة الدار البيضاء",
    territory_code="06.141",  # the prefecture of Casablanca
)
DELEGATION_AIN_CHOCK = dict(
    id="delegation-ain-chock",
    kind="delegation",
    name_fr="Délégation de la santé de la préfecture d'arrondissements Aïn-Chock",
    name_ar="مندوبية الصحة بعمالة مقاطعات عين الشق",
    territory_code="06.141.01.40",  # a préfecture d'arrondissements of Casablanca
)
COUNCIL_MAARIF = dict(
    id="conseil-arrondissement-maarif",
    kind="other",
    name_fr="Conseil de l'arrondissement Maârif",
    name_ar="مجلس مقاطعة المعاريف",
    territory_code="06.141.01.03",  # the arrondissement of Maârif (Casablanca-Anfa)
)
EVERY_PARTNER = (
    CHU_FES,
    DRS_FES_MEKNES,
    COMMUNE_SIDI_HARAZEM,
    COUNCIL_CASABLANCA,
    DELEGATION_AIN_CHOCK,
    COUNCIL_MAARIF,
)


def partner_entries(session: Session) -> list[AuditEntry]:
    return audit.entries(session, EntryFilter(entity_kind="partner"))


def counts(factory: sessionmaker[Session]) -> tuple[int, int, int]:
    """(partners, contacts, audit entries) stored."""
    with transaction(factory) as session:
        return (
            session.scalar(select(func.count()).select_from(PartnerRow)) or 0,
            session.scalar(select(func.count()).select_from(PartnerContactRow)) or 0,
            audit.count(session),
        )
