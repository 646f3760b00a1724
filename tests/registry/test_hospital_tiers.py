"""General hospitals and the specialty tier on the national data; per-facility services in
access filters, referral and the registry; the nearest hospital of a province without one."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from qurb.access.referral import compute_referrals
from qurb.access.service import compute_access
from qurb.kernel.actor import Actor
from qurb.norms.gaps import GapStatus
from qurb.norms.norm_sets import resolve_norm_sets
from qurb.norms.service import compute_territory_gaps, nearest_hospital_text
from qurb.platform.database import transaction
from qurb.registry.points import FacilitySelector, read_destinations
from qurb.registry.service import (
    FacilityUpdate,
    RegistryError,
    facility_history,
    get_facility,
    update_facility,
)
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex
from qurb.territory.travel import commune_graph_model

INO_RABAT = "hosp-04.421.01.01-med-ben-abdellah"  # Institut National d'Oncologie
CHILDREN_CASABLANCA = "hosp-06.141.01.03-hopital-denfants"  # Hôpital d'Enfants, CHU Ibn Rochd
ONCOLOGY_FES = "hosp-03.231.01.05-hopital-doncologie"
IBN_SINA = "hosp-04.421.01.01-ibn-sina"
SPECIALTY_CATEGORIES = {"CRO", "CPU", "HPsyP", "HPsyR"}
HOSPITAL = FacilitySelector.from_options(("secondary",))  # what "hospital" means


def test_general_hospitals_of_2024(national_session: Session) -> None:
    general = read_destinations(national_session, HOSPITAL)
    # 75 HP + 43 HPr + 18 HR of the Ministry's 2024 list, and 8 of the 25 CHU units.
    assert Counter(general.categories) == {"HP": 75, "HPr": 43, "HR": 18, "HIR": 8}
    assert len(general) == 144
    specialty = read_destinations(national_session, FacilitySelector(tier="specialty"))
    assert Counter(specialty.categories) == {"HIR": 11, "CRO": 5, "CPU": 5, "HPsyP": 4, "HPsyR": 2}
    assert {INO_RABAT, CHILDREN_CASABLANCA, ONCOLOGY_FES} <= set(specialty.ids)


def test_an_oncology_centre_and_a_childrens_hospital_do_not_deliver(
    national_session: Session,
) -> None:
    delivery = set(
        read_destinations(national_session, FacilitySelector(services=("delivery",))).ids
    )
    emonc = set(
        read_destinations(national_session, FacilitySelector(services=("emonc_comprehensive",))).ids
    )
    for facility in (INO_RABAT, CHILDREN_CASABLANCA, ONCOLOGY_FES):
        assert facility not in delivery and facility not in emonc
    assert IBN_SINA in delivery
    # Maternities keep delivery and comprehensive EmONC but are no general hospital.
    assert "hosp-04.421.01.01-maternite-souissi" in emonc
    general = set(read_destinations(national_session, HOSPITAL).ids)
    assert "hosp-04.421.01.01-maternite-souissi" not in general


def test_no_one_has_a_specialty_hospital_for_nearest_hospital(national_session: Session) -> None:
    index = TerritoryIndex.from_session(national_session)
    model = commune_graph_model(national_session)
    morocco = index.resolve("MA")
    every = FacilitySelector.from_options(("secondary",), tier="any")
    before = compute_access(national_session, morocco, every, model, index=index)
    after = compute_access(national_session, morocco, HOSPITAL, model, index=index)

    def specialty_population(rows: list[dict[str, Any]]) -> int:
        return sum(int(r["population"]) for r in rows if r["category"] in SPECIALTY_CATEGORIES)

    # Read as "any secondary hospital", oncology and psychiatric hospitals were the nearest
    # hospital for 2.8 M people (2,826,958 on the bundled commune graph).
    assert specialty_population(before.rows) > 1_000_000
    assert specialty_population(after.rows) == 0
    nearest = {r["facility_id"] for r in after.rows}
    assert not nearest & {INO_RABAT, CHILDREN_CASABLANCA, ONCOLOGY_FES}
    assert after.total.population == before.total.population


def test_referral_to_the_chu_goes_to_its_general_units(national_session: Session) -> None:
    index = TerritoryIndex.from_session(national_session)
    rows = compute_referrals(
        national_session,
        index.resolve("Rabat"),
        commune_graph_model(national_session),
        tiers=("CHU",),
        index=index,
    )
    # Rabat's ESSP are referred to Ibn Sina, not to the oncology institute, the children's
    # hospital or the specialties hospital that stand beside it.
    assert rows and {r["CHU_facility"] for r in rows} == {"Ibn Sina"}


def test_services_are_edited_per_facility_with_history(
    scratch_factory: sessionmaker[Session],
) -> None:
    hospital = "hosp-03.231.01.01-al-ghassani"  # an HR of Fès
    with transaction(scratch_factory) as session:
        update_facility(
            session,
            Actor.local("amina"),
            hospital,
            FacilityUpdate(add_services=["oncology"], remove_services=["delivery"]),
            "maternity moved to the CHU",
        )
    with transaction(scratch_factory) as session:
        row = get_facility(session, hospital)
        assert row.services is not None
        assert "oncology" in row.services and "delivery" not in row.services
        assert "general_hospital" in row.services  # still a general hospital
        last = facility_history(session, hospital)[-1]
        assert last.changed_by == "amina" and last.action == "update"
        assert last.before is not None and last.after is not None
        before, after = last.before["services"], last.after["services"]
        assert isinstance(before, list) and isinstance(after, list)
        assert "delivery" in before and "delivery" not in after
        assert (
            hospital not in read_destinations(session, FacilitySelector(services=("delivery",))).ids
        )
        # A new category keeps the facility's own additions and removals.
        update_facility(session, Actor.local("amina"), hospital, FacilityUpdate(category="HP"))
        assert "oncology" in (row.services or []) and "delivery" not in (row.services or [])
        assert "emonc_comprehensive" in (row.services or [])


def test_bad_service_edits_are_refused(scratch_factory: sessionmaker[Session]) -> None:
    with transaction(scratch_factory) as session:
        for update, field in (
            (FacilityUpdate(add_services=["teleportation"]), "add_services"),
            (FacilityUpdate(remove_services=["psychiatry"]), "remove_services"),
            (
                FacilityUpdate(add_services=["imaging"], remove_services=["imaging"]),
                "add_services",
            ),
        ):
            try:
                update_facility(session, Actor.local("amina"), IBN_SINA, update)
            except RegistryError as error:
                assert [e.field for e in error.errors] == [field]
            else:
                raise AssertionError(f"{update} was accepted")
        assert "teleportation" not in (get_facility(session, IBN_SINA).services or [])


def test_moulay_yacoub_beds_name_the_nearest_general_hospital_in_fes(
    national_session: Session,
) -> None:
    index = TerritoryIndex.from_session(national_session)
    report = compute_territory_gaps(
        national_session,
        "Moulay Yacoub",
        resolve_norm_sets(["maroc-ratios-2023"]),
        TerritoryLevel.PROVINCE,
        index,
    )
    (beds,) = [g for g in report.lines if g.rule == "beds-per-1364"]
    assert beds.status is GapStatus.NO_HOSPITAL
    assert beds.missing is None  # no longer "160 beds missing"
    assert beds.nearest_hospital_id == "hosp-03.231.01.05-hopital-des-specialites"
    assert beds.nearest_hospital_commune_code is not None
    assert beds.nearest_hospital_commune_code.startswith("03.231.")  # the prefecture of Fès
    # Checked against the access analysis: the named hospital is the nearest general
    # hospital of the largest share of Moulay Yacoub's people, and the mean time to it is
    # at least the mean time to each commune's own nearest general hospital.
    access = compute_access(
        national_session,
        index.resolve("Moulay Yacoub"),
        HOSPITAL,
        commune_graph_model(national_session),
        index=index,
    )
    served: Counter[str] = Counter()
    for r in access.rows:
        served[r["facility_id"]] += r["population"]
    assert served.most_common(1)[0][0] == beds.nearest_hospital_id
    people = np.array([r["population"] for r in access.rows], float)
    minutes = np.array([r["minutes"] for r in access.rows], float)
    assert beds.nearest_hospital_minutes is not None and beds.nearest_hospital_distance_km
    assert beds.nearest_hospital_minutes >= (minutes * people).sum() / people.sum() - 0.1
    # Moulay Yacoub's communes lie 10 to 40 km from Fès (straight line).
    assert 10 < beds.nearest_hospital_distance_km < 60
    # The bundled commune-graph model's answer (population-weighted mean over the
    # province's communes): 43.9 min and 27.2 km.
    assert (beds.nearest_hospital_minutes, beds.nearest_hospital_distance_km) == (43.9, 27.2)
    words = nearest_hospital_text(beds)
    assert words is not None and "Hôpital des spécialités" in words["en"]
    assert "min" in words["fr"] and "دقيقة" in words["ar"] and "km" in words["en"]


def test_emonc_norm_counts_each_facilitys_own_services(national_session: Session) -> None:
    # Rabat's comprehensive EmONC: Ibn Sina, the Orangers and Souissi maternities and the
    # Moulay Youssef hospital; not the oncology institute, the children's hospital nor
    # the specialties hospital of the CHU Ibn Sina (7 when counted by category).
    report = compute_territory_gaps(
        national_session,
        "Rabat",
        resolve_norm_sets(["who-emonc-2009"]),
        TerritoryLevel.PROVINCE,
    )
    supply = {g.rule: g.supply for g in report.lines}
    assert supply == {"cemonc-1-per-500000": 4.0, "emonc-5-per-500000": 4.0}


def test_a_tier_asked_with_level_secondary_spans_the_chu(national_session: Session) -> None:
    both = FacilitySelector.from_options(("secondary",), tier="specialty")
    alone = FacilitySelector.from_options((), tier="specialty")
    assert (
        read_destinations(national_session, both).ids
        == read_destinations(national_session, alone).ids
    )
    assert FacilitySelector.from_options(("primary",)).tier is None


def test_inhabitants_per_general_hospital(national_session: Session) -> None:
    from qurb.norms.service import compute_needs_table

    _, _, rows = compute_needs_table(national_session, "Rabat", TerritoryLevel.PROVINCE)
    (rabat,) = rows
    # Seven public hospitals in the prefecture of Rabat, two of them general: Ibn Sina and
    # Moulay Youssef (the former hospital of Rabat).
    assert rabat["hospitals"] == 7 and rabat["general_hospitals"] == 2
    assert rabat["inhabitants_per_general_hospital"] == round(rabat["population"] / 2)
