"""Pydantic's complaints the catalogues word read, in English, exactly as pydantic wrote
them (so nothing changes for an English reader), and in French and Arabic otherwise."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qurb.kernel.i18n import translate
from qurb.kernel.rows import PYDANTIC_TYPES, validation_errors


class Kind(Enum):
    A = "a"
    B = "b"


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid")

    needed: int
    whole: int = 0
    fraction: int = 0
    number: float = 0
    flag: bool = False
    ge: Annotated[int, Field(ge=0)] = 0
    le: Annotated[int, Field(le=5)] = 0
    gt: Annotated[float, Field(gt=0)] = 1
    lt: Annotated[float, Field(lt=5)] = 1
    short: Annotated[str, Field(min_length=2)] = "xx"
    long: Annotated[str, Field(max_length=3)] = ""
    one: Annotated[str, Field(max_length=1)] = ""
    pattern: Annotated[str, Field(pattern="^[a-z]+$")] = "a"
    text: str = ""
    literal: Literal["x", "y"] = "x"
    kind: Kind = Kind.A


BAD = {
    "whole": "many", "fraction": 1.5, "number": "n", "flag": "perhaps", "ge": -1, "le": 9,
    "gt": 0, "lt": 9.5, "short": "a", "long": "abcd", "one": "ab", "pattern": "A1",
    "text": 5, "literal": "z", "kind": "c", "other": 1,
}  # fmt: skip


def _problems() -> list:  # type: ignore[type-arg]
    try:
        Row.model_validate(BAD)
    except ValidationError as error:
        return validation_errors(error, row=3)
    raise AssertionError("the row is valid")


def test_every_type_worded_is_met_and_reads_as_pydantic_in_english() -> None:
    problems = _problems()
    assert {p.code for p in problems} == {f"pydantic.{t}" for t in PYDANTIC_TYPES}
    for p in problems:
        assert p.rendered(lambda k, v: translate("en", k, v)) == p.reason, p.code


def test_they_read_in_french_and_arabic() -> None:
    said = {p.field: p for p in _problems()}
    fr = {f: p.rendered(lambda k, v: translate("fr", k, v)) for f, p in said.items()}
    ar = {f: p.rendered(lambda k, v: translate("ar", k, v)) for f, p in said.items()}
    assert fr["ge"] == "La valeur doit être supérieure ou égale à 0 (reçu -1)"
    assert fr["one"] == "Le texte doit avoir au plus 1 caractère (reçu 'ab')"
    assert fr["long"] == "Le texte doit avoir au plus 3 caractères (reçu 'abcd')"
    assert ar["needed"].startswith("حقل إلزامي")
    assert ar["le"] == "يجب أن تكون القيمة أصغر من 5 أو تساويه (القيمة المعطاة 9)"
