"""Names, codes and ids have a length budget: a text over it is refused before any
matching, by the index and by every route that takes one."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy.orm import Session

from qurb.kernel.names import MAX_NAME_CHARS
from qurb.kernel.values import TERRITORY_CODE_PATTERN
from qurb.territory.service import TerritoryIndex, TerritoryNotFound

HUGE = "Fès " * 30_000  # 120,000 characters
LONG = "Fes " * 7_500  # 30,000: as long as a URL may be


def test_the_index_refuses_an_over_long_name_at_once(national_session: Session) -> None:
    index = TerritoryIndex.from_session(national_session)
    for lookup in (index.resolve, index.search, index.suggest):
        with pytest.raises(TerritoryNotFound, match=f"over the limit of {MAX_NAME_CHARS}"):
            lookup(HUGE)  # type: ignore[operator]
    # At the limit, the usual answers.
    assert index.resolve(" " * 95 + "Fès").code == "03.231"
    assert index.search("x" * MAX_NAME_CHARS) == []


def test_no_territory_name_or_code_is_longer_than_the_limit(national_session: Session) -> None:
    index = TerritoryIndex.from_session(national_session)
    longest = max(
        len(text) for t in index.by_code.values() for text in (t.code, t.name_fr, t.name_ar)
    )
    assert longest <= MAX_NAME_CHARS


def test_every_territory_code_follows_the_pattern_paths_are_checked_against(
    national_session: Session,
) -> None:
    index = TerritoryIndex.from_session(national_session)
    code = re.compile(TERRITORY_CODE_PATTERN)
    assert len(index.by_code) > 1800
    assert [c for c in index.by_code if not code.match(c)] == []
    for wrong in ("ma", "3", "03.23", "03.231.8", "03.231.81.031", "03.231 ", "Fès", "03,231"):
        assert not code.match(wrong), wrong


def test_an_over_long_name_in_a_request_is_a_422(read_client: Any) -> None:
    for path, params in [
        ("/api/territories", {"q": LONG}),
        ("/api/territories", {"parent": LONG}),
        (f"/api/territories/{LONG}/children", {}),
        ("/api/facilities", {"territory": LONG}),
        ("/api/facilities", {"name": LONG}),
        (f"/sheet/{LONG}", {}),
    ]:
        response = read_client.get(path, params=params)
        assert response.status_code == 422, path
        assert str(MAX_NAME_CHARS) in response.text, path


def _unbounded(schema: dict[str, Any]) -> bool:
    """A text (or list of texts) schema with no length limit, pattern or closed choice.

    A date or a moment is not free text: its format bounds it (pydantic refuses a long one
    at its first wrong character)."""
    if "anyOf" in schema:
        return any(_unbounded(option) for option in schema["anyOf"])
    if schema.get("type") == "array":
        return _unbounded(schema.get("items", {}))
    if schema.get("type") != "string":
        return False
    if schema.get("format") in {"date", "date-time"}:
        return False
    return not ({"maxLength", "pattern", "enum"} & set(schema))


def test_every_text_parameter_of_a_route_has_a_length_limit(read_client: Any) -> None:
    unbounded = [
        f"{method.upper()} {path} {parameter['name']}"
        for path, operations in read_client.app.openapi()["paths"].items()
        for method, operation in operations.items()
        for parameter in operation.get("parameters", [])
        if _unbounded(parameter["schema"])
    ]
    assert unbounded == []
