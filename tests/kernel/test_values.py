"""The checks of `qurb.kernel.values`, and the bundled ids they must accept."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from qurb.data import read_bundled_csv
from qurb.kernel.values import Count, Identifier, Name, is_identifier, mixed_script_token


class Sample(BaseModel):
    name: Name | None = None
    beds: Count | None = None
    id: Identifier | None = None


def test_every_bundled_id_is_an_identifier() -> None:
    ids = [r["facility_id"] for r in read_bundled_csv("facilities.csv")]
    ids += [
        f"osm-{r['osm_type']}-{r['osm_id']}" for r in read_bundled_csv("private_facilities.csv")
    ]
    assert len(ids) > 10_000
    assert [i for i in ids if not is_identifier(i)] == []
    # the shapes of generated ids: a user's facility, a campaign, a scenario
    for generated in ("user-04.421-csr-tizgui-0a1b2c3d", "cv-campagne-ete-1a2b3c", "0123abcd4567"):
        assert is_identifier(generated)


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("H\u043epital", "H\u043epital"),  # Cyrillic о
        ("\u0391lpha", "\u0391lpha"),  # Greek Α
        ("Hôpital مستشفى", None),  # Latin and Arabic words side by side
        ("مستشفىCHU", None),  # Arabic and Latin in one word: not confusable
        ("Больница Hôpital", None),  # whole words of each script
    ],
)
def test_mixed_script_tokens(text: str, token: str | None) -> None:
    assert mixed_script_token(text) == token


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": " \t "}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"name": "x" * 301}, "name"),
        ({"name": "CSR \u2067Nord\u2069"}, "name"),
        ({"beds": -1}, "beds"),
        ({"beds": 5001}, "beds"),
        ({"id": "A-1"}, "id"),
        ({"id": "-a"}, "id"),
        ({"id": "a\n"}, "id"),
    ],
)
def test_refused(values: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate(values)
    assert [e["loc"] for e in caught.value.errors()] == [(field,)]


def test_kept() -> None:
    sample = Sample(name=" مستشفى \u200fCHU\u200f ", beds=5000, id="a.b-9")
    assert (sample.name, sample.beds, sample.id) == ("مستشفى \u200fCHU\u200f", 5000, "a.b-9")
