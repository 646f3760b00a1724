from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from qurb.kernel.names import fold_name


def test_latin_names_fold_accents_case_and_punctuation() -> None:
    assert fold_name("Fès-Meknès") == fold_name("  FES - MEKNES ") == "fes meknes"
    assert fold_name("Béni Mellal-Khénifra") == "beni mellal khenifra"


def test_arabic_names_fold_letter_variants_and_diacritics() -> None:
    assert fold_name("فَاس - مكناس") == fold_name("فاس-مكناس")
    assert fold_name("أيت قمرة") == fold_name("آيت قمرة") == fold_name("ايت قمرة")
    assert fold_name("طنجة") == fold_name("طنجه")


@given(st.text())
def test_folding_is_idempotent(text: str) -> None:
    assert fold_name(fold_name(text)) == fold_name(text)
