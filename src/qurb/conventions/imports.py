"""A convention from a TOML file: its own fields (`[convention]`, dates in ISO 8601's
partial forms), its parties (`[[parties]]`: a partner found by its French name and kind,
created when missing, with its role, signatories and contacts), its articles
(`[[articles]]`) and the status it reached (`status`, moved to from a draft). All or
nothing: any problem, named with the file and field, and nothing is written.

```toml
status = "signed"
[convention]
reference = "FES-CP-CHU"
title_fr = "…"
signature_on = "--12-01"   # a day and month published without their year
territories = ["03.231"]
published = true
source = "…"               # where its facts come from
[[parties]]
name_fr = "Conseil préfectoral de Fès"
kind = "provincial_council"
territory = "03.231"
```
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from qurb.audit.service import signer_for
from qurb.conventions.model import ConventionStatus, PartyIn, refused, status_of
from qurb.conventions.records import Convention
from qurb.conventions.schemas import (
    MAX_PARTIES,
    MAX_PEOPLE,
    ArticleBody,
    ConventionBody,
    PersonBody,
)
from qurb.conventions.service import create_convention, move_status
from qurb.identity.partner_service import PartnerFilter, create_partners, list_partners
from qurb.identity.partners import PartnerCreate, PartnerKind
from qurb.kernel.actor import Actor
from qurb.kernel.errors import FieldError, InputError
from qurb.kernel.i18n import problem
from qurb.kernel.names import fold_name
from qurb.kernel.rows import validation_errors
from qurb.territory.service import TerritoryIndex

Model = TypeVar("Model", bound=BaseModel)

# The path from a draft to each status an imported convention may have reached.
PATHS: dict[ConventionStatus, tuple[ConventionStatus, ...]] = {
    ConventionStatus.DRAFT: (),
    ConventionStatus.SIGNED: (ConventionStatus.SIGNED,),
    ConventionStatus.APPROVED: (ConventionStatus.SIGNED, ConventionStatus.APPROVED),
    ConventionStatus.IN_FORCE: (ConventionStatus.SIGNED, ConventionStatus.IN_FORCE),
}


class PartySpec(BaseModel):
    """A party as the file names it: the partner (its id when known, else one made from
    its French name), its French and Arabic names (the Arabic one: the French when none
    was published), kind and territory; its role (none: not published)."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, max_length=80)
    name_fr: str = Field(max_length=200)
    name_ar: str | None = Field(default=None, max_length=200)
    kind: PartnerKind
    territory: str = Field(max_length=16)
    role: str | None = Field(default=None, max_length=24)
    signatories: list[PersonBody] = Field(default_factory=list, max_length=MAX_PEOPLE)
    contacts: list[PersonBody] = Field(default_factory=list, max_length=MAX_PEOPLE)


class ConventionFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str = ConventionStatus.DRAFT.value
    convention: ConventionBody
    parties: list[PartySpec] = Field(default_factory=list, max_length=MAX_PARTIES)
    articles: list[ArticleBody] = Field(default_factory=list, max_length=500)


@dataclass(frozen=True)
class Imported:
    convention: Convention
    partners_created: tuple[str, ...]


def read_toml(path: Path, model: type[Model]) -> Model:
    """A TOML file read as `model`, checked in shape (every bad field named with the
    file)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        found = problem("file", "convention_file", reason=str(error)[:200])
        raise refused([found], str(path)) from None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise refused(validation_errors(error), str(path)) from None


def read_convention_file(path: Path) -> ConventionFile:
    """The file's convention, checked in shape (every bad field named with the file)."""
    return read_toml(path, ConventionFile)


def _slug(name: str) -> str:
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in fold_name(name))
    return "-".join(words.split())[:80].strip("-") or "partner"


def _partners(
    session: Session, actor: Actor, specs: Sequence[PartySpec], source: str
) -> tuple[list[str], list[str]]:
    """Each party's partner id (found by French name and kind, else to create), and the
    ids created."""
    ids: list[str] = []
    new: list[tuple[int | None, PartnerCreate]] = []
    for n, spec in enumerate(specs):
        same = [
            p
            for p in list_partners(session, PartnerFilter(kind=spec.kind, active=None))
            if fold_name(p.name_fr) == fold_name(spec.name_fr)
        ]
        if same:
            ids.append(same[0].id)
            continue
        wanted = spec.id or _slug(spec.name_fr)
        try:
            payload = PartnerCreate.model_validate(
                {
                    "id": wanted,
                    "kind": spec.kind,
                    "name_fr": spec.name_fr,
                    "name_ar": spec.name_ar or spec.name_fr,
                    "territory_code": spec.territory,
                }
            )
        except ValidationError as error:
            problems = [
                FieldError(f"parties[{n}].{e.field}", e.reason, None, e.code, e.values)
                for e in validation_errors(error)
            ]
            raise refused(problems, source) from None
        new.append((n, payload))
        ids.append(wanted)
    if new:
        create_partners(
            session, actor, new, facility_exists=lambda _f: False, signer=signer_for(session)
        )
    return ids, [payload.id for _, payload in new]


def import_convention(
    session: Session,
    actor: Actor,
    file: ConventionFile,
    *,
    source: str = "",
    index: TerritoryIndex | None = None,
) -> Imported:
    """Write the file's convention, its missing partners first, then move it to the
    file's status; all in the caller's transaction (nothing written on any refusal)."""
    index = index or TerritoryIndex.from_session(session)
    try:
        fields = file.convention.fields()
        target = status_of(file.status)
        if target not in PATHS:
            choices = ", ".join(s.value for s in PATHS)
            found = problem("status", "convention_choice", value=repr(file.status), choices=choices)
            raise refused([found])
        ids, created = _partners(session, actor, file.parties, source)
        parties = [
            PartyIn(
                partner_id,
                spec.role,
                tuple(p.person() for p in spec.signatories),
                tuple(p.person() for p in spec.contacts),
            )
            for partner_id, spec in zip(ids, file.parties, strict=True)
        ]
        articles = [a.article() for a in file.articles]
        made = create_convention(session, actor, fields, parties, articles, index=index)
        for status in PATHS[target]:
            made = move_status(session, actor, made.id, status.value)
    except InputError as error:
        if error.source or not error.errors:
            raise
        raise refused(error.errors, source) from None
    return Imported(made, tuple(created))
