"""The facility registry: query, add, update, close, reopen, re-categorise — with full
history. A closed facility is read-only until it is reopened.

Every write goes through `validate_*` (the same rules for the CLI, imports and the web
app) and is one transaction that also appends its audit entry (`qurb.audit`): who, when,
why, the facility before and after. The facility history is read from the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any
from uuid import uuid4

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from qurb.audit import service as audit
from qurb.audit.model import AuditEntry, AuditEvent
from qurb.identity.account_service import usernames
from qurb.kernel import clock
from qurb.kernel.actor import Actor, ActorKind
from qurb.kernel.errors import Conflict, FieldError, InputError, NotFound, StaleVersion
from qurb.kernel.i18n import problem
from qurb.kernel.ids import slug
from qurb.kernel.names import fold_name
from qurb.kernel.values import Count, Identifier, Name, Text
from qurb.registry._tables import FacilityRow
from qurb.registry.facility_services import (
    facility_services,
    known_services,
)
from qurb.registry.model import (
    Facility,
    FacilityChange,
    Sector,
    Status,
    categories,
    facility_snapshot,
)
from qurb.registry.offer import public_offer
from qurb.territory.model import TerritoryLevel, inside_morocco
from qurb.territory.service import TerritoryIndex, TerritoryNotFound, read_commune_boundaries

if TYPE_CHECKING:
    from qurb.algo.locator import CommuneLocator

# A point this far outside its commune's (simplified) boundary is still accepted: the
# boundary is simplified to ~50 m and facilities sit on commune edges. Beyond Morocco's
# communes by more than OUTSIDE_TOLERANCE_KM, a point is refused.
COMMUNE_TOLERANCE_KM = 2.0
OUTSIDE_TOLERANCE_KM = 5.0
COMMUNE_LEVELS = (TerritoryLevel.COMMUNE, TerritoryLevel.ARRONDISSEMENT)


class FacilityCreate(BaseModel):
    name: Name
    category: str
    commune: str = Field(description="HCP code or name of the commune (or arrondissement)")
    lon: float | None = None
    lat: float | None = None
    sector: Sector | None = None
    name_ar: Name | None = None
    beds: Count | None = None
    doctors: Count | None = None
    osm_id: Annotated[Text, Field(max_length=32)] | None = None
    id: Identifier | None = None


class FacilityUpdate(BaseModel):
    name: Name | None = None
    name_ar: Name | None = None
    category: str | None = None
    lon: float | None = None
    lat: float | None = None
    beds: Count | None = None
    doctors: Count | None = None
    add_services: list[str] | None = Field(
        default=None, description="services the facility now offers (names of `qurb services`)"
    )
    remove_services: list[str] | None = Field(
        default=None, description="services it no longer offers"
    )


def capacity_elsewhere(
    payload: FacilityCreate | FacilityUpdate, row: int | None = None
) -> list[FieldError]:
    """Beds and doctors are capacity: written with their source and date by the capacity
    service (PUT /api/facilities/{id}/capacity, `qurb capacity set`), never here."""
    return [
        problem(name, "capacity_through_capacity_service", row, field=name)
        for name in ("beds", "doctors")
        if getattr(payload, name) is not None
    ]


class RegistryError(InputError):
    """A registry write refused; nothing was written. Lists every problem found."""


@dataclass(frozen=True)
class FacilityFilter:
    territory: str | None = None
    categories: tuple[str, ...] = ()
    level: str | None = None
    sector: str | None = "public"  # private kept apart unless asked ('all' for both)
    status: str | None = "open"
    name: str | None = None


def _locator_from(session: Session) -> CommuneLocator:
    import shapely  # only writes need the boundaries: keep them out of start-up

    from qurb.algo.locator import CommuneLocator

    rows = read_commune_boundaries(session)
    return CommuneLocator(
        [code for code, _ in rows], [shapely.from_geojson(text) for _, text in rows]
    )


_LOCATORS: dict[str, CommuneLocator] = {}


def commune_locator(session: Session) -> CommuneLocator:
    """The commune boundaries as a point locator, built once per database."""
    key = str(session.get_bind().engine.url)
    if key not in _LOCATORS:
        _LOCATORS[key] = _locator_from(session)
    return _LOCATORS[key]


@dataclass
class Validator:
    """Checks facility payloads against the territory tree and the existing registry."""

    session: Session
    index: TerritoryIndex
    locator: CommuneLocator
    _keys: dict[tuple[str, str, str], str] = field(default_factory=dict)
    _ids: set[str] = field(default_factory=set)  # ids given in this batch

    @classmethod
    def for_session(cls, session: Session, index: TerritoryIndex | None = None) -> Validator:
        validator = cls(
            session, index or TerritoryIndex.from_session(session), commune_locator(session)
        )
        for fid, name, category, commune in session.execute(
            select(
                FacilityRow.id, FacilityRow.name, FacilityRow.category, FacilityRow.commune_code
            ).where(FacilityRow.status == "open")
        ):
            validator._keys[(fold_name(name), category, commune)] = fid
        return validator

    def check_create(
        self, payload: FacilityCreate, row: int | None = None
    ) -> tuple[dict[str, Any], list[FieldError]]:
        errors = capacity_elsewhere(payload, row)
        spec = categories().get(payload.category)
        if spec is None:
            choices = ", ".join(categories())
            value = repr(payload.category)
            errors.append(
                problem("category", "unknown_category", row, value=value, choices=choices)
            )
        commune_code = arrondissement_code = province_code = None
        try:
            unit = self.index.resolve(payload.commune, COMMUNE_LEVELS)
            if unit.level is TerritoryLevel.ARRONDISSEMENT:
                arrondissement_code, commune_code = unit.code, unit.parent_code
            elif unit.level is TerritoryLevel.COMMUNE:
                commune_code = unit.code
            else:
                values: dict[str, Any] = {
                    "value": repr(payload.commune),
                    "level": str(unit.level),
                    "code": unit.code,
                }
                errors.append(problem("commune", "not_a_commune", row, **values))
        except TerritoryNotFound as error:
            errors.append(FieldError.of("commune", error, row))
        if commune_code is not None:
            province_code = self.index.by_code[commune_code].parent_code
        lon, lat = payload.lon, payload.lat
        location_source, precision = "user", 25.0
        if (lon is None) != (lat is None):
            errors.append(problem("lon" if lon is None else "lat", "lon_lat_both_or_neither", row))
        elif lon is not None and lat is not None:
            located = (
                self.locator.locate(lon, lat, OUTSIDE_TOLERANCE_KM)
                if inside_morocco(lon, lat)
                else None
            )
            if located is None:
                errors.append(problem("lon/lat", "outside_morocco", row, lon=lon, lat=lat))
            elif commune_code is not None and not self.locator.contains(
                commune_code, lon, lat, COMMUNE_TOLERANCE_KM
            ):
                other = self.index.by_code[located.code]
                values = {
                    "lon": lon,
                    "lat": lat,
                    "name": other.name_fr,
                    "code": other.code,
                }
                errors.append(
                    problem("lon/lat", "in_another_commune", row, **values, commune=commune_code)
                )
        elif commune_code is not None:
            commune = self.index.by_code[commune_code]
            lon, lat = commune.ref_lon, commune.ref_lat
            location_source = "commune_reference"
            precision = round(((commune.area_km2 or 0.0) / 3.141592653589793) ** 0.5 * 1000.0, -1)
        if errors or spec is None or commune_code is None:
            return {}, errors
        key = (fold_name(payload.name), payload.category, commune_code)
        if key in self._keys:
            values = {"category": payload.category, "name": repr(payload.name)}
            values |= {"commune": commune_code, "id": self._keys[key]}
            errors.append(problem("name", "duplicate_facility", row, **values))
            return {}, errors
        sector = payload.sector or (Sector.PRIVATE if spec.family == "osm" else Sector.PUBLIC)
        facility_id = (
            # A random suffix: numbering by count would reuse the id of a closed facility.
            payload.id or f"user-{province_code}-{slug(payload.name)}-{uuid4().hex[:8]}"
        )
        if facility_id in self._ids:
            errors.append(problem("id", "id_twice", row, id=repr(facility_id)))
            return {}, errors
        self._ids.add(facility_id)
        self._keys[key] = facility_id
        return (
            {
                "id": facility_id,
                "name": payload.name.strip(),
                "name_ar": payload.name_ar,
                "category": payload.category,
                "family": spec.family,
                "level": spec.level.value,
                "sector": sector.value,
                "status": Status.OPEN.value,
                "province_code": province_code,
                "commune_code": commune_code,
                "arrondissement_code": arrondissement_code,
                "lon": lon,
                "lat": lat,
                "location_source": location_source,
                "location_precision_m": precision,
                "osm_id": payload.osm_id,
                "services": sorted(spec.services),
                "source": "user",
                "source_row": row,
                "link_method": None,
                "link_score": None,
                "moh_delegation": None,
                "moh_commune": None,
            },
            errors,
        )


def change_event(
    facility_id: str,
    action: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    reason: str | None,
) -> AuditEvent:
    """A registry write as the audit trail records it (the facility history is a view of
    the trail: `facility_history`)."""
    before = None if before is None else facility_snapshot(dict(before))
    after = None if after is None else facility_snapshot(dict(after))
    return AuditEvent(
        f"facility.{action}",
        "facility",
        facility_id,
        territory_code=(after or before or {}).get("commune_code"),
        before=before,
        after=after,
        reason=reason,
    )


def _as_dict(row: FacilityRow) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in FacilityRow.__table__.columns}


def _facility(row: FacilityRow) -> Facility:
    """The one place a registry record becomes the typed facility services return."""
    values = _as_dict(row)
    services = values["services"]
    return Facility(**{**values, "services": None if services is None else tuple(services)})


def _who(entry: AuditEntry, usernames: Mapping[int, str]) -> str:
    """How the history names an author: an account by its username (as it is now: an
    anonymised account's is `anonymised-<id>`); any other actor by its name (a name given
    before sign-in existed was moved in as `unverified:<name>`)."""
    if entry.actor_kind == ActorKind.ACCOUNT:
        return usernames.get(int(entry.actor), f"account {entry.actor}")
    return entry.actor


def _change(entry: AuditEntry, usernames: Mapping[int, str]) -> FacilityChange:
    return FacilityChange(
        id=entry.seq,
        facility_id=entry.entity_id,
        action=entry.action.removeprefix("facility."),
        changed_by=_who(entry, usernames),
        changed_at=entry.time,
        reason=entry.reason,
        before=None if entry.before is None else dict(entry.before),
        after=None if entry.after is None else dict(entry.after),
    )


def validate_facilities(
    session: Session, payloads: Iterable[tuple[int | None, FacilityCreate]]
) -> tuple[list[dict[str, Any]], list[FieldError]]:
    """Check payloads (also against each other: duplicates) without writing anything."""
    validator = Validator.for_session(session)
    accepted: list[dict[str, Any]] = []
    errors: list[FieldError] = []
    for row, payload in payloads:
        values, problems = validator.check_create(payload, row)
        errors.extend(problems)
        if not problems:
            accepted.append(values)
    return accepted, errors


def checked_facilities(
    session: Session, payloads: Iterable[tuple[int | None, FacilityCreate]], source: str = ""
) -> list[dict[str, Any]]:
    """The checked values of facilities to add; every problem at once, nothing written."""
    accepted, errors = validate_facilities(session, payloads)
    if errors:
        raise RegistryError(errors, source)
    return accepted


def create_facilities(
    session: Session,
    actor: Actor,
    payloads: Iterable[tuple[int | None, FacilityCreate]],
    reason: str | None = None,
    source: str = "",
) -> list[str]:
    """Add facilities, all or none: every payload is checked before anything is written."""
    accepted = checked_facilities(session, payloads, source)
    existing = set(
        session.scalars(
            select(FacilityRow.id).where(FacilityRow.id.in_([v["id"] for v in accepted]))
        )
    )
    clashes = [
        problem("id", "id_used", v["source_row"], id=repr(v["id"]))
        for v in accepted
        if v["id"] in existing
    ]
    if clashes:
        raise RegistryError(clashes, source)
    now = clock.now()
    events = []
    for values in accepted:
        if source:
            values["source"] = source
        session.add(FacilityRow(**values, updated_at=now))
        events.append(change_event(values["id"], "create", None, values, reason))
    session.flush()
    audit.record_many(session, actor, events)
    return [v["id"] for v in accepted]


# The version(s) a writer read (the CLI's --if-version; the ETags of an If-Match); None:
# the record as it is.
IfVersion = int | AbstractSet[int] | None


def _facility_row(
    session: Session, facility_id: str, *, if_version: IfVersion = None, lock: bool = False
) -> FacilityRow:
    """The facility's record. `lock` (a write): read again and locked until the write's
    commit (PostgreSQL; a SQLite write transaction holds the whole database), so that the
    history's "before" is the record as it is and no other write slips in between;
    `if_version`: the version the writer read, StaleVersion (409) if it is no longer."""
    row = session.get(
        FacilityRow, facility_id, with_for_update=lock or None, populate_existing=lock
    )
    if row is None:
        raise NotFound(errors=[problem("id", "no_facility", id=repr(facility_id))])
    wanted = {if_version} if isinstance(if_version, int) else if_version
    if wanted is not None and row.version not in wanted:
        raise StaleVersion("facility", facility_id, max(wanted, default=None), row.version)
    return row


def _editable_here(row: FacilityRow) -> None:
    """An OpenStreetMap point (a facility of the OpenStreetMap extract, outside the
    Ministry's lists: family and location both OpenStreetMap's) is OpenStreetMap's:
    corrected there, it comes back with the next data build; an edit here would be lost
    then, or contradict its source. Conflict (409) for any change, closing or reopening.
    (A Ministry facility located by OpenStreetMap, or a private one a user added, is ours.)"""
    if row.family == "osm" and row.location_source == "osm":
        raise Conflict(code="osm_point", values={"id": row.id, "osm_id": row.osm_id})


def get_facility(session: Session, facility_id: str) -> Facility:
    """The facility with this id; NotFound (a 404) if there is none."""
    return _facility(_facility_row(session, facility_id))


def update_facility(
    session: Session,
    actor: Actor,
    facility_id: str,
    update: FacilityUpdate,
    reason: str | None = None,
    *,
    if_version: IfVersion = None,
) -> Facility:
    """Change a facility's fields; a category change is recorded as 'recategorise'.
    Conflict for a closed facility: it is reopened first (`reopen_facility`); StaleVersion
    if `if_version` is not its version."""
    row = _facility_row(session, facility_id, if_version=if_version, lock=True)
    _editable_here(row)
    if row.status == Status.CLOSED.value:
        raise Conflict(code="facility_closed", values={"id": facility_id})
    before = _as_dict(row)
    changes = update.model_dump(exclude_unset=True)
    added = changes.pop("add_services", None) or []
    removed = changes.pop("remove_services", None) or []
    errors = capacity_elsewhere(update)
    services = set(facility_services(row.category, row.services))
    if "category" in changes:
        spec = categories().get(changes["category"])
        if spec is None:
            values = {"value": repr(changes["category"]), "choices": list(categories())}
            errors.append(problem("category", "unknown_category", **values))
        else:
            changes["family"], changes["level"] = spec.family, spec.level.value
            # The facility's own additions and removals outlive its change of category.
            old = categories()[row.category].services
            services = (set(spec.services) | (services - old)) - (old - services)
    errors += _service_errors(added, removed, services)
    if (added or removed or "category" in changes) and not errors:
        changes["services"] = sorted((services | set(added)) - set(removed))
    if ("lon" in changes) != ("lat" in changes):
        errors.append(problem("lon/lat", "lon_lat_both"))
    elif "lon" in changes and changes["lon"] is not None:
        locator = commune_locator(session)
        lon, lat = changes["lon"], changes["lat"]
        if not inside_morocco(lon, lat) or locator.locate(lon, lat, OUTSIDE_TOLERANCE_KM) is None:
            errors.append(problem("lon/lat", "outside_morocco_short", lon=lon, lat=lat))
        elif not locator.contains(row.commune_code, lon, lat, COMMUNE_TOLERANCE_KM):
            values = {"lon": lon, "lat": lat, "commune": row.commune_code}
            errors.append(problem("lon/lat", "not_in_its_commune", **values))
        else:
            changes["location_source"], changes["location_precision_m"] = "user", 25.0
    if errors:
        raise RegistryError(errors, facility_id)
    changes = {k: v for k, v in changes.items() if before.get(k) != v}
    if not changes:
        return _facility(row)
    for key, value in changes.items():
        setattr(row, key, value)
    now = clock.now()
    row.updated_at = now
    action = "recategorise" if "category" in changes else "update"
    session.flush()
    audit.record(session, actor, change_event(facility_id, action, before, _as_dict(row), reason))
    return _facility(row)


def _service_errors(added: list[str], removed: list[str], services: set[str]) -> list[FieldError]:
    errors = [
        problem(field, "unknown_service", value=repr(name), services=sorted(known_services()))
        for field, names in (("add_services", added), ("remove_services", removed))
        for name in names
        if name not in known_services()
    ]
    errors += [
        problem("remove_services", "not_its_service", name=repr(name))
        for name in removed
        if name in known_services() and name not in services
    ]
    both = sorted(set(added) & set(removed))
    if both:
        errors.append(problem("add_services", "added_and_removed", name=repr(both[0])))
    return errors


def close_facility(
    session: Session, actor: Actor, facility_id: str, reason: str, *, if_version: IfVersion = None
) -> Facility:
    """Close a facility: kept with its history, no longer counted, read-only until
    reopened. The reason is required (a reopening reads it)."""
    if not (reason or "").strip():
        raise RegistryError([problem("reason", "close_without_reason")], facility_id)
    row = _facility_row(session, facility_id, if_version=if_version, lock=True)
    _editable_here(row)
    if row.status == Status.CLOSED.value:
        raise RegistryError([problem("status", "already_closed", id=facility_id)])
    return _set_status(session, actor, row, Status.CLOSED, reason.strip())


def reopen_facility(
    session: Session, actor: Actor, facility_id: str, reason: str, *, if_version: IfVersion = None
) -> Facility:
    """Open a closed facility again; the reason is required. Conflict if it is open."""
    if not (reason or "").strip():
        raise RegistryError([problem("reason", "reopen_without_reason")], facility_id)
    row = _facility_row(session, facility_id, if_version=if_version, lock=True)
    _editable_here(row)
    if row.status != Status.CLOSED.value:
        values = {"id": facility_id, "status": row.status}
        raise Conflict(code="facility_not_closed", values=values)
    return _set_status(session, actor, row, Status.OPEN, reason.strip())


def _set_status(
    session: Session, actor: Actor, row: FacilityRow, status: Status, reason: str | None
) -> Facility:
    before = _as_dict(row)
    now = clock.now()
    row.status, row.updated_at = status.value, now
    action = "close" if status is Status.CLOSED else "reopen"
    session.flush()
    audit.record(session, actor, change_event(row.id, action, before, _as_dict(row), reason))
    return _facility(row)


def facility_history(session: Session, facility_id: str) -> list[FacilityChange]:
    """Every change to the facility, oldest first, as the audit trail holds them (changes
    made before sign-in existed name their author `unverified:<name>`); NotFound for an
    unknown id."""
    _facility_row(session, facility_id)
    trail = audit.entries(session, audit.EntryFilter(entity_kind="facility", entity_id=facility_id))
    ids = {int(e.actor) for e in trail if e.actor_kind == ActorKind.ACCOUNT}
    names = usernames(session, ids)
    return [_change(entry, names) for entry in trail]


def _facility_query(flt: FacilityFilter, index: TerritoryIndex | None) -> Select[FacilityRow]:
    """The registry query for a filter (all but the name match, done on folded names),
    in the listing order: commune, category, name. `index` is needed for a territory."""
    query = select(FacilityRow)
    if flt.territory:
        if index is None:
            raise ValueError("a territory filter needs the territory index")
        scope = index.scope(index.resolve(flt.territory))
        if scope.communes is not None:
            query = query.where(FacilityRow.commune_code.in_(scope.communes))
        if scope.arrondissements is not None:
            query = query.where(FacilityRow.arrondissement_code.in_(scope.arrondissements))
    if flt.categories:
        unknown = [c for c in flt.categories if c not in categories()]
        if unknown:
            values = {"value": repr(", ".join(unknown)), "choices": list(categories())}
            raise RegistryError([problem("category", "unknown_category", **values)])
        query = query.where(FacilityRow.category.in_(flt.categories))
    if flt.level:
        query = query.where(FacilityRow.level == flt.level)
    if flt.sector == "public":
        query = public_offer(query)
    elif flt.sector and flt.sector != "all":
        query = query.where(FacilityRow.sector == flt.sector)
    if flt.status and flt.status != "all":
        query = query.where(FacilityRow.status == flt.status)
    return query.order_by(FacilityRow.commune_code, FacilityRow.category, FacilityRow.name)


def list_facilities(
    session: Session, flt: FacilityFilter, index: TerritoryIndex | None = None
) -> list[Facility]:
    """The facilities of the filter, ordered by commune, category and name."""
    if flt.territory and index is None:
        index = TerritoryIndex.from_session(session)
    rows = session.scalars(_facility_query(flt, index))
    if flt.name:
        key = fold_name(flt.name)
        return [_facility(r) for r in rows if key in fold_name(r.name)]
    return [_facility(r) for r in rows]


def facility_page(
    session: Session, flt: FacilityFilter, index: TerritoryIndex, limit: int, offset: int = 0
) -> tuple[int, list[Facility]]:
    """The facilities `list_facilities` would return, counted, one page of them loaded:
    the database counts and pages, so a page of the national list stays cheap."""
    ordered = _facility_query(flt, index)
    if not flt.name:
        total = session.scalar(
            select(func.count()).select_from(
                ordered.order_by(None).with_only_columns(FacilityRow.id).subquery()
            )
        )
        page = session.scalars(ordered.limit(limit).offset(offset))
        return total or 0, [_facility(r) for r in page]
    key = fold_name(flt.name)
    named = ordered.with_only_columns(FacilityRow.id, FacilityRow.name)
    ids = [fid for fid, name in session.execute(named) if key in fold_name(name)]
    page_ids = ids[offset : offset + limit]
    if not page_ids:
        return len(ids), []
    found = session.scalars(select(FacilityRow).where(FacilityRow.id.in_(page_ids)))
    rows = {r.id: r for r in found}
    return len(ids), [_facility(rows[fid]) for fid in page_ids]
