from qurb.kernel.ids import slug


def test_slug_folds_accents_and_joins_words_with_dashes() -> None:
    assert slug("Centre de Santé Aït M'hamed") == "centre-de-sante-ait-mhamed"
    assert slug("  CSR -- Tizgui (2) ") == "csr-tizgui-2"


def test_slug_is_cut_to_its_length_and_falls_back_when_nothing_is_left() -> None:
    assert slug("Campagne de printemps du Haut Atlas", 24) == "campagne-de-printemps-du"
    assert slug("مستوصف", fallback="campaign") == "campaign"
    assert slug("") == "x"
