"""The API says of each norm set and gap line whether it is a norm or a national average."""

from __future__ import annotations


def test_gap_lines_carry_their_norm_sets_kind(read_client) -> None:
    body = read_client.get("/api/territories/03.231/gaps").json()
    kinds = {s["id"]: s["kind"] for s in body["norm_sets"]}
    assert kinds == {
        "maroc-rural-1987": "norm",
        "maroc-ratios-2023": "reference_ratio",
        "who-emonc-2009": "norm",
    }
    assert all(line["kind"] == kinds[line["norm_set"]] for line in body["lines"])
    fes = next(
        line
        for line in body["lines"]
        if line["code"] == "03.231.01.0" and line["rule"] == "essp-per-12300"
    )
    assert fes["kind"] == "reference_ratio" and fes["missing"] == 61
    assert fes["unserved_population"] == 749_642
    norms = {s["id"]: s["kind"] for s in read_client.get("/api/norms").json()}
    assert norms == kinds
