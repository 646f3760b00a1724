"""Norm files: the bundled ones load, and broken ones are refused with file/rule/field."""

from __future__ import annotations

from pathlib import Path

import pytest

from qurb.norms.model import (
    NormError,
    NormKind,
    PopulationBase,
    SupplyMeasure,
    norm_set_from_mapping,
)
from qurb.norms.norm_sets import (
    USER_NORMS_ENV,
    available_norm_sets,
    read_norm_file,
    resolve_norm_sets,
)

VALID = {
    "id": "test",
    "kind": "norm",
    "version": "1",
    "name_fr": "Test",
    "source": "hand-written for this test",
    "rule": [
        {
            "id": "dr",
            "label_fr": "1 DR pour 15 000",
            "categories": ["DR"],
            "population": "rural",
            "per_population": 15000,
        }
    ],
}


def test_bundled_norm_sets_load_with_their_sources() -> None:
    sets = available_norm_sets()
    assert set(sets) == {"maroc-rural-1987", "maroc-ratios-2023", "who-emonc-2009"}
    rural = sets["maroc-rural-1987"]
    assert [r.per_population for r in rural.rules] == [15000, 45000]
    assert all(r.population is PopulationBase.RURAL for r in rural.rules)
    emonc = sets["who-emonc-2009"]
    assert emonc.rules[0].facilities == 5 and emonc.rules[0].per_population == 500000
    assert sets["maroc-ratios-2023"].rules[1].supply is SupplyMeasure.BEDS
    assert all(s.source for s in sets.values())
    # The Santé en chiffres ratios are national averages, not norms.
    assert {k: s.kind for k, s in sets.items()} == {
        "maroc-rural-1987": NormKind.NORM,
        "maroc-ratios-2023": NormKind.REFERENCE_RATIO,
        "who-emonc-2009": NormKind.NORM,
    }


def test_rule_counts_by_category_family_and_service() -> None:
    sets = available_norm_sets()
    first_contact = sets["maroc-rural-1987"].rules[0]
    assert first_contact.counts("DR") and first_contact.counts("CSR-2")
    assert not first_contact.counts("CSU-1")
    emonc, cemonc = sets["who-emonc-2009"].rules
    assert emonc.counts("CSR-2") and emonc.counts("HP") and not emonc.counts("CSR-1")
    assert cemonc.counts("HR") and not cemonc.counts("CSR-2") and not cemonc.counts("HPr")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"population": "aliens"}, "field 'population' is 'aliens'"),
        ({"categories": ["XYZ"]}, "unknown value(s) XYZ"),
        ({"per_population": 0}, "must be > 0"),
        ({"per_population": "many"}, "field 'per_population' has the wrong type"),
        ({"categories": []}, "say which facilities count"),
        ({"scale": "planet"}, "field 'scale'"),
    ],
)
def test_broken_rule_is_refused_naming_the_field(change: dict[str, object], message: str) -> None:
    rule = {**VALID["rule"][0], **change}  # type: ignore[dict-item]
    with pytest.raises(NormError, match=r"my\.toml, rule 1") as caught:
        norm_set_from_mapping({**VALID, "rule": [rule]}, "my.toml")
    assert message in str(caught.value)


def test_user_norm_file_without_code(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        'id = "mine"\nkind = "norm"\nversion = "2"\nname_fr = "Mes normes"\nsource = "Délégation"\n'
        '[[rule]]\nid = "csu"\nlabel_fr = "1 CSU pour 20 000 urbains"\n'
        'categories = ["CSU-1", "CSU-2"]\n'
        'population = "urban"\nper_population = 20000\n',
        encoding="utf-8",
    )
    [norm_set] = resolve_norm_sets([str(path)])
    assert norm_set.id == "mine" and norm_set.rules[0].population is PopulationBase.URBAN


def test_invalid_toml_and_unknown_set(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("id = [", encoding="utf-8")
    with pytest.raises(NormError, match="not valid TOML"):
        read_norm_file(broken)
    with pytest.raises(NormError, match="unknown norm set 'nope'"):
        resolve_norm_sets(["nope"])


USER_FILE = (
    'id = "mine"\n{kind}version = "2"\nname_fr = "Mes normes"\nsource = "Délégation"\n'
    '[[rule]]\nid = "csu"\nlabel_fr = "1 CSU pour 20 000 urbains"\n'
    'categories = ["CSU-1", "CSU-2"]\npopulation = "urban"\nper_population = 20000\n'
)


def test_norm_set_without_kind_is_refused_naming_file_and_field() -> None:
    data = {k: v for k, v in VALID.items() if k != "kind"}
    with pytest.raises(NormError, match=r"^my\.toml: missing field 'kind'") as caught:
        norm_set_from_mapping(data, "my.toml")
    assert "norm, reference_ratio" in str(caught.value)


def test_norm_set_of_unknown_kind_is_refused_naming_file_and_field() -> None:
    with pytest.raises(NormError, match=r"^my\.toml: field 'kind' is 'average'") as caught:
        norm_set_from_mapping({**VALID, "kind": "average"}, "my.toml")
    assert "expected one of norm, reference_ratio" in str(caught.value)


@pytest.mark.parametrize(
    ("kind_line", "message"),
    [("", "missing field 'kind'"), ('kind = "target"\n', "field 'kind' is 'target'")],
)
def test_user_norm_file_without_a_valid_kind_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind_line: str, message: str
) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(USER_FILE.format(kind=kind_line), encoding="utf-8")
    with pytest.raises(NormError, match=message) as given:  # --norms path/to/mine.toml
        resolve_norm_sets([str(path)])
    assert str(path) in str(given.value)
    monkeypatch.setenv(USER_NORMS_ENV, str(tmp_path))  # a folder of the user's norm sets
    with pytest.raises(NormError, match=message) as found:
        available_norm_sets()
    assert str(path) in str(found.value)


def test_user_norm_file_may_be_a_reference_ratio(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(USER_FILE.format(kind='kind = "reference_ratio"\n'), encoding="utf-8")
    [norm_set] = resolve_norm_sets([str(path)])
    assert norm_set.kind is NormKind.REFERENCE_RATIO
