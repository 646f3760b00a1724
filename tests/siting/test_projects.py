"""The regional plan's projects on the small region of `tests/regions.py`, on SQLite and
PostgreSQL: the status machine, adoption of a saved scenario, what an opened project
changed in coverage (worked by hand: straight lines at 60 km/h, one minute per km,
reference points STEP_KM = 11.1195 km apart on one meridian)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from qurb.algo.travel import StraightLineModel
from qurb.audit import service as audit
from qurb.audit.service import EntryFilter
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Conflict, InputError, StaleVersion
from qurb.platform.database import transaction
from qurb.registry.capacity_model import EquipmentCreate, EquipmentStatus, EquipmentUpdate
from qurb.registry.equipment import add_equipment, update_equipment
from qurb.registry.service import FacilityCreate, close_facility, create_facilities
from qurb.siting.plan_coverage import coverage_changes, status_totals
from qurb.siting.project_model import ProjectSubject, StatusMoveRefused
from qurb.siting.projects import (
    ProjectCreate,
    ProjectMove,
    add_project,
    adopt_scenario,
    get_project,
    list_projects,
    move_project,
)
from qurb.siting.service import SitingRequest, run_siting, save_scenario
from qurb.territory.service import TerritoryIndex
from tests.regions import (
    AIT_LHOU,
    HP_TIZGUI,
    IMI,
    PROVINCE_CODE,
    REGION_CODE,
    TAFRAOUT,
    TIZGUI,
)

Factory = Callable[..., sessionmaker[Session]]
ONE_KM_A_MINUTE = StraightLineModel(speed_kph=60.0)
BY = Actor.local("planner")
CSR_AIT_LHOU = "ESSP-99.991.03.05-csr-ait-lhou"
HP_REQUEST = SitingRequest(
    PROVINCE_CODE, level=None, categories=("HP",), add=1, within_minutes=15.0, objective="time"
)


def _new_hp(lon: float = -7.0, lat: float = 31.32, commune: str = IMI) -> ProjectCreate:
    subject = ProjectSubject(lon=lon, lat=lat, category="HP")
    return ProjectCreate("new_facility", "HP d'Imi", commune, subject, 80_000_000.0, 1)


def _move(factory: sessionmaker[Session], project_id: int, status: str, **kw: object) -> object:
    with transaction(factory) as s:
        return move_project(s, BY, project_id, ProjectMove(status, **kw))  # type: ignore[arg-type]


def test_a_project_moves_forward_through_every_status(small_region_db: Factory) -> None:
    factory = small_region_db()
    upgrade = ProjectCreate(
        "upgrade_category",
        "CSR Aït Lhou en CSR-2 … HPr",
        PROVINCE_CODE,
        ProjectSubject(facility_id=CSR_AIT_LHOU, category="HPr"),
        None,
        2,
    )
    with transaction(factory) as s:
        project = add_project(s, BY, upgrade)
    assert (project.status, project.cost_amount_mad, project.version) == ("proposed", None, 1)
    today = clock.today()
    for n, status in enumerate(("adopted", "funded", "under_construction"), start=1):
        moved = _move(factory, project.id, status, note=f"step {n}")
        assert moved.status == status  # type: ignore[attr-defined]
    moved = _move(factory, project.id, "opened", facility_id=CSR_AIT_LHOU)
    with factory() as s:
        final = get_project(s, project.id)
        entries = audit.entries(s, EntryFilter(entity_kind="project", entity_id=str(project.id)))
    assert final.status == "opened" and final.opened_facility_id == CSR_AIT_LHOU
    assert [e.status for e in final.events] == [
        "proposed",
        "adopted",
        "funded",
        "under_construction",
        "opened",
    ]
    assert all(e.on == today and e.actor == "planner" for e in final.events)
    assert [e.note for e in final.events][1:4] == ["step 1", "step 2", "step 3"]
    assert final.version == 5
    # Every write audited in its transaction: the creation and the four moves.
    assert [e.action for e in entries] == ["project.create"] + ["project.move"] * 4
    assert entries[-1].before["status"] == "under_construction"  # type: ignore[index]
    assert entries[-1].after["status"] == "opened"  # type: ignore[index]


def test_a_status_never_moves_backwards_and_final_ones_stay(small_region_db: Factory) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        project = add_project(s, BY, _new_hp())
    _move(factory, project.id, "funded")  # a step skipped forward: allowed
    for back in ("proposed", "adopted", "funded"):
        with pytest.raises(StatusMoveRefused) as refused:
            _move(factory, project.id, back)
        assert refused.value.code == "project_status_backwards"
        assert isinstance(refused.value, Conflict)
    _move(factory, project.id, "dropped", note="Budget réaffecté")
    with pytest.raises(StatusMoveRefused) as refused:
        _move(factory, project.id, "under_construction")
    assert refused.value.code == "project_status_final"
    with factory() as s:
        final = get_project(s, project.id)
    assert (final.status, final.drop_reason) == ("dropped", "Budget réaffecté")
    assert [e.status for e in final.events] == ["proposed", "funded", "dropped"]


def test_opened_needs_what_the_project_became(small_region_db: Factory) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        project = add_project(s, BY, _new_hp())
    with pytest.raises(InputError) as refused:
        _move(factory, project.id, "opened")
    [error] = refused.value.errors
    assert (error.field, error.code) == ("facility_id", "project_opened_without_result")
    # A facility that does not exist, or outside the project's territory (Imi n'Ouzrou).
    with pytest.raises(InputError) as refused:
        _move(factory, project.id, "opened", facility_id="nowhere")
    assert refused.value.errors[0].code == "project_facility_unknown"
    with pytest.raises(InputError) as refused:
        _move(factory, project.id, "opened", facility_id=HP_TIZGUI)
    assert refused.value.errors[0].code == "project_facility_outside_territory"
    with factory() as s:
        assert get_project(s, project.id).status == "proposed"  # nothing written


def test_a_drop_needs_its_reason_and_a_move_no_future_day(small_region_db: Factory) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        project = add_project(s, BY, _new_hp())
    with pytest.raises(InputError) as refused:
        _move(factory, project.id, "dropped", note="  ")
    assert refused.value.errors[0].code == "project_drop_without_reason"
    tomorrow = clock.today() + timedelta(days=1)
    with pytest.raises(InputError) as refused:
        _move(factory, project.id, "adopted", on=tomorrow)
    assert refused.value.errors[0].code == "project_move_in_future"
    with pytest.raises(InputError) as refused:
        _move(factory, project.id, "adopted", on=date(2000, 1, 1))
    assert refused.value.errors[0].code == "project_move_before_last"
    with transaction(factory) as s, pytest.raises(StaleVersion):
        move_project(s, BY, project.id, ProjectMove("adopted"), if_version=7)


def test_bad_projects_are_refused_with_every_field_named(small_region_db: Factory) -> None:
    factory = small_region_db()
    bad = ProjectCreate(
        "new_facility",
        " ",
        IMI,
        ProjectSubject(lon=-7.0, lat=30.9, category="XYZ", facility_id=HP_TIZGUI),
        -5.0,
        9,
    )
    with transaction(factory) as s, pytest.raises(InputError) as refused:
        add_project(s, BY, bad)
    assert sorted((e.field, e.code) for e in refused.value.errors) == [
        ("cost_mad", "negative_project_cost"),
        ("facility_id", "project_field_not_for_kind"),
        ("priority", "bad_project_priority"),
        ("title", "bad_project_title"),
    ]
    # The fields pass: the registry then (a point in Ouled Amar is not in Imi n'Ouzrou).
    bad = ProjectCreate(
        "new_facility", "HP", IMI, ProjectSubject(lon=-7.0, lat=30.9, category="XYZ")
    )
    with transaction(factory) as s, pytest.raises(InputError) as refused:
        add_project(s, BY, bad)
    assert sorted((e.field, e.code) for e in refused.value.errors) == [
        ("category", "project_unknown_category"),
        ("lon", "project_point_outside_territory"),
    ]
    with transaction(factory) as s, pytest.raises(InputError) as refused:
        add_project(s, BY, ProjectCreate("clinic", "x", IMI))
    assert refused.value.errors[0].code == "unknown_project_kind"
    with transaction(factory) as s, pytest.raises(InputError) as refused:
        add_project(s, BY, ProjectCreate("new_service", "x", CERCLE, ProjectSubject()))
    assert refused.value.errors[0].code == "project_territory"
    with factory() as s:
        assert list_projects(s, TerritoryIndex.from_session(s), REGION_CODE) == []


CERCLE = "99.991.03"


def _adopted_hp(factory: sessionmaker[Session]) -> tuple[str, list[int]]:
    with factory() as s:
        scenario = run_siting(s, HP_REQUEST, ONE_KM_A_MINUTE)
    with transaction(factory) as s:
        saved = save_scenario(s, BY, "Un HP de plus", scenario)
    with transaction(factory) as s:
        projects = adopt_scenario(s, BY, saved.id)
    return saved.id, [p.id for p in projects]


def test_adopting_a_scenario_creates_its_projects_once(small_region_db: Factory) -> None:
    # The scenario puts its one HP at Tafraout n'Aït's reference point (−7.0, 31.2):
    # tests/siting/test_service_small_region.py works it out.
    factory = small_region_db()
    scenario_id, [project_id] = _adopted_hp(factory)
    with factory() as s:
        project = get_project(s, project_id)
    assert (project.kind, project.status, project.territory_code) == (
        "new_facility",
        "adopted",
        TAFRAOUT,
    )
    assert (project.lon, project.lat, project.category, project.level) == (-7.0, 31.2, "HP", None)
    assert (project.scenario_id, project.site_rank, project.cost_amount_mad) == (
        scenario_id,
        1,
        None,  # the run had no cost per site: unknown
    )
    assert [(e.status, e.note) for e in project.events] == [("adopted", f"scenario {scenario_id}")]
    with transaction(factory) as s, pytest.raises(Conflict) as refused:
        adopt_scenario(s, BY, scenario_id)
    assert refused.value.code == "scenario_already_adopted"


def test_an_opened_hospital_changes_coverage_as_worked_by_hand(small_region_db: Factory) -> None:
    """Within 15 min of an HP, by straight lines at one minute per km (a step 11.1 min):
    with the one HP at Tizgui, Tizgui (60,000, 0 min), Ouled Amar (24,000) and Aït Lhou
    (12,000, 11.1 min) are covered: 96,000 of 109,500 (87.7 %); Tafraout n'Aït (9,000,
    22.2 min) and Imi n'Ouzrou (4,500, 33.4 min) are not. The adopted HP opens at
    Tafraout's point: Tafraout 0 min, Imi 11.1 min, all 109,500 covered (100.0 %)."""
    factory = small_region_db()
    _, [project_id] = _adopted_hp(factory)
    opened = FacilityCreate(
        name="HP de Tafraout", category="HP", commune=TAFRAOUT, lon=-7.0, lat=31.2
    )
    with transaction(factory) as s:
        [hp_id] = create_facilities(s, BY, [(None, opened)])
    for status in ("funded", "under_construction"):
        _move(factory, project_id, status)
    _move(factory, project_id, "opened", facility_id=hp_id)
    with factory() as s:
        index = TerritoryIndex.from_session(s)
        projects = list_projects(s, index, REGION_CODE)
        [change] = coverage_changes(s, index, index.resolve(REGION_CODE), projects, ONE_KM_A_MINUTE)
    assert (change.categories, change.within_minutes, change.projects, change.facilities) == (
        ("HP",),
        15.0,
        (project_id,),
        (hp_id,),
    )
    assert (change.population, change.covered_without, change.covered_with) == (
        109_500,
        96_000,
        109_500,
    )
    assert (change.covered_without_pct, change.covered_with_pct, change.newly_covered) == (
        87.7,
        100.0,
        13_500,
    )
    totals = {
        t.status: (t.projects, t.cost_amount_mad, t.cost_unknown) for t in status_totals(projects)
    }
    assert totals["opened"] == (1, None, 1) and totals["proposed"] == (0, None, 0)


def test_projects_are_listed_within_a_territory(small_region_db: Factory) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        a = add_project(s, BY, _new_hp())
        b = add_project(
            s,
            BY,
            ProjectCreate(
                "new_service",
                "Maternité à Tizgui",
                TIZGUI,
                ProjectSubject(facility_id=HP_TIZGUI, service="delivery"),
                12_500_000.0,
                2,
            ),
        )
    with factory() as s:
        index = TerritoryIndex.from_session(s)
        assert [p.id for p in list_projects(s, index, REGION_CODE)] == [a.id, b.id]
        assert [p.id for p in list_projects(s, index, CERCLE)] == [a.id]
        assert [p.id for p in list_projects(s, index, AIT_LHOU)] == []
        totals = {t.status: t for t in status_totals(list_projects(s, index, PROVINCE_CODE))}
    assert (totals["proposed"].projects, totals["proposed"].cost_amount_mad) == (2, 92_500_000.0)


def test_new_equipment_opens_as_the_item_its_facility_holds(small_region_db: Factory) -> None:
    factory = small_region_db()
    scanner = ProjectCreate(
        "new_equipment",
        "Scanner de l'HP de Tizgui",
        PROVINCE_CODE,
        ProjectSubject(facility_id=HP_TIZGUI, equipment_kind="ct_scanner"),
        9_000_000.0,
        1,
    )
    with transaction(factory) as s:
        project = add_project(s, BY, scanner)
        here = add_equipment(s, BY, EquipmentCreate(HP_TIZGUI, "ct_scanner", "délégation"))
        elsewhere = add_equipment(s, BY, EquipmentCreate(CSR_AIT_LHOU, "ct_scanner", "délégation"))
        other = add_equipment(s, BY, EquipmentCreate(HP_TIZGUI, "ultrasound", "délégation"))
    with pytest.raises(InputError) as refused:
        _move(factory, project.id, "opened", facility_id=HP_TIZGUI)  # a facility: not for it
    assert refused.value.errors[0].field == "equipment_id"
    for item, code in (
        (999, "project_equipment_unknown"),
        (elsewhere.id, "project_equipment_elsewhere"),
        (other.id, "project_equipment_other_kind"),
    ):
        with pytest.raises(InputError) as refused:
            _move(factory, project.id, "opened", equipment_id=item)
        assert refused.value.errors[0].code == code
    opened = _move(factory, project.id, "opened", equipment_id=here.id)
    assert opened.opened_equipment_id == here.id  # type: ignore[attr-defined]
    with transaction(factory) as s, pytest.raises(InputError) as refused:
        add_project(
            s,
            BY,
            ProjectCreate(
                "new_equipment",
                "x",
                PROVINCE_CODE,
                ProjectSubject(facility_id=HP_TIZGUI, equipment_kind="teleporter"),
            ),
        )
    assert refused.value.errors[0].code == "project_unknown_equipment_kind"


def test_a_retired_item_or_one_another_project_became_is_refused(
    small_region_db: Factory,
) -> None:
    factory = small_region_db()

    def scanner() -> ProjectCreate:
        subject = ProjectSubject(facility_id=HP_TIZGUI, equipment_kind="ct_scanner")
        return ProjectCreate("new_equipment", "Scanner", PROVINCE_CODE, subject, None, 1)

    with transaction(factory) as s:
        first, second = add_project(s, BY, scanner()), add_project(s, BY, scanner())
        item = add_equipment(s, BY, EquipmentCreate(HP_TIZGUI, "ct_scanner", "délégation"))
        old = add_equipment(s, BY, EquipmentCreate(HP_TIZGUI, "ct_scanner", "délégation"))
        retire = EquipmentUpdate(status=EquipmentStatus.RETIRED, retired_on=clock.today())
        update_equipment(s, BY, old.id, retire)
    with pytest.raises(InputError) as refused:
        _move(factory, first.id, "opened", equipment_id=old.id)
    assert refused.value.errors[0].code == "project_equipment_retired"
    _move(factory, first.id, "opened", equipment_id=item.id)
    with pytest.raises(InputError) as refused:
        _move(factory, second.id, "opened", equipment_id=item.id)
    [error] = refused.value.errors
    assert (error.field, error.code) == ("equipment_id", "project_result_taken")
    with factory() as s:
        assert get_project(s, second.id).status == "proposed"  # nothing written


def test_a_closed_facility_or_one_another_project_became_is_refused(
    small_region_db: Factory,
) -> None:
    factory = small_region_db()
    with transaction(factory) as s:
        first, second = add_project(s, BY, _new_hp()), add_project(s, BY, _new_hp())
        made = FacilityCreate(name="HP d'Imi", category="HP", commune=IMI, lon=-7.0, lat=31.32)
        gone = FacilityCreate(name="HP fermé", category="HP", commune=IMI, lon=-7.0, lat=31.3)
        [hp_id, gone_id] = create_facilities(s, BY, [(None, made), (None, gone)])
        close_facility(s, BY, gone_id, "never opened")
    with pytest.raises(InputError) as refused:
        _move(factory, first.id, "opened", facility_id=gone_id)
    assert refused.value.errors[0].code == "project_facility_closed"
    _move(factory, first.id, "opened", facility_id=hp_id)
    with pytest.raises(InputError) as refused:
        _move(factory, second.id, "opened", facility_id=hp_id)
    [error] = refused.value.errors
    assert (error.field, error.code) == ("facility_id", "project_result_taken")
    # An upgrade opens in its own facility, which other projects may share.
    upgrade = ProjectCreate(
        "upgrade_category", "HP d'Imi en HR", IMI, ProjectSubject(facility_id=hp_id, category="HR")
    )
    with transaction(factory) as s:
        third = add_project(s, BY, upgrade)
    assert _move(factory, third.id, "opened", facility_id=hp_id).status == "opened"  # type: ignore[attr-defined]


def test_a_scenario_whose_site_lies_outside_its_territory_is_not_adopted(
    small_region_db: Factory,
) -> None:
    # The HP scenario's site stands in Tafraout n'Aït; a scenario over Imi n'Ouzrou alone
    # with that site would create a project the adopter may hold no grant over.
    factory = small_region_db()
    with factory() as s:
        scenario = run_siting(s, HP_REQUEST, ONE_KM_A_MINUTE)
    [site] = scenario.sites
    assert site.commune == TAFRAOUT
    elsewhere = scenario.model_copy(
        update={"territory": scenario.territory.model_copy(update={"code": IMI})}
    )
    with transaction(factory) as s:
        saved = save_scenario(s, BY, "Un HP hors de son territoire", elsewhere)
    with transaction(factory) as s, pytest.raises(InputError) as refused:
        adopt_scenario(s, BY, saved.id)
    [error] = refused.value.errors
    assert (error.field, error.code) == ("sites[1].commune", "project_site_outside_scenario")
    with factory() as s:
        assert list_projects(s, TerritoryIndex.from_session(s), REGION_CODE) == []
