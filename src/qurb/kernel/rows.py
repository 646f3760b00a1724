"""Row validation: one pydantic model per kind of input row, every row checked, every
problem kept with its row number and field, the first `MAX_REPORTED` reported with the
total. A reader hands over rows as `(number, values)` pairs (the number the user sees:
CSV line, sheet row, feature #) and gets typed rows back, or one `InputError`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from qurb.kernel.errors import FieldError, InputError
from qurb.kernel.i18n import problem

MAX_REPORTED = 50

RowModel = TypeVar("RowModel", bound=BaseModel)


def validation_errors(error: ValidationError, row: int | None = None) -> list[FieldError]:
    """Pydantic's complaints as field errors a person can act on: those the catalogues
    word (`reason.pydantic.<type>`) carry their code and values."""
    problems = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or "row"
        values = pydantic_values(item)
        if values is None:
            problems.append(FieldError(field, _reason(item), row))
        else:
            values["got"] = repr(item.get("input"))
            code = f"pydantic.{item['type']}"
            problems.append(FieldError(field, _reason(item), row, code, values))
    return problems


# The kinds of pydantic's complaints the catalogues word (the others keep pydantic's
# English): `reason.pydantic.<type>`, with the complaint's context as values.
PYDANTIC_TYPES = (
    "missing",
    "int_parsing",
    "int_from_float",
    "float_parsing",
    "bool_parsing",
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "string_too_short",
    "string_too_long",
    "string_pattern_mismatch",
    "string_type",
    "literal_error",
    "enum",
    "extra_forbidden",
)


def pydantic_values(item: Mapping[str, Any]) -> dict[str, Any] | None:
    """The values of a complaint the catalogues word (numbers as pydantic writes them; a
    length as `count`, for the plural), else None."""
    if item.get("type") not in PYDANTIC_TYPES:
        return None
    values = {k: _plain(v) for k, v in (item.get("ctx") or {}).items()}
    for length in ("min_length", "max_length"):
        if length in values:
            values["count"] = values[length]
    return values


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _reason(item: Mapping[str, Any]) -> str:
    return f"{item['msg']} (got {item.get('input')!r})"


@dataclass(frozen=True)
class Row(Generic[RowModel]):
    number: int
    value: RowModel


def validate_rows(
    model: type[RowModel],
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    source: str = "",
    check: Callable[[int, RowModel], Sequence[FieldError]] | None = None,
    context: Mapping[str, Any] | None = None,
) -> list[Row[RowModel]]:
    """Every row as `model`, or an `InputError` naming the first `MAX_REPORTED` problems
    (row, field, reason) and how many there were in all. `check` adds the problems a row
    model cannot see alone (a commune not found, a duplicate of an earlier row)."""
    good: list[Row[RowModel]] = []
    problems: list[FieldError] = []
    for number, values in rows:
        try:
            value = model.model_validate(dict(values), context=dict(context or {}))
        except ValidationError as error:
            problems.extend(validation_errors(error, number))
            continue
        if check is not None:
            found = check(number, value)
            if found:
                problems.extend(found)
                continue
        good.append(Row(number, value))
    if problems:
        raise too_many(problems, source)
    return good


def too_many(problems: Sequence[FieldError], source: str = "") -> InputError:
    """One error for a file's problems: the first `MAX_REPORTED` listed, with the total."""
    if len(problems) <= MAX_REPORTED:
        return InputError(problems, source)
    shown = list(problems[:MAX_REPORTED])
    more = len(problems) - MAX_REPORTED
    shown.append(problem("…", "more_problems", more=more, total=len(problems)))
    return InputError(shown, source)
