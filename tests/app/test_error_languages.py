"""The server's errors carry a code and read in the language of `Accept-Language` (English
when it names none of fr, ar, en); the command line's follow `--lang`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from qurb.app.cli import app
from qurb.kernel.errors import Unavailable
from qurb.kernel.i18n import cli_lang, negotiate, translate
from tests.web_clients import TestClient

FES = "03.231.81.03"  # the commune of Fès (a municipality)


def _in(client: TestClient, lang: str | None, method: str, url: str, **kw: Any) -> Any:
    headers = {"Accept-Language": lang} if lang else {}
    return client.request(method, url, headers=headers, **kw)


def test_accept_language_is_negotiated() -> None:
    assert negotiate(None) == "en" and negotiate("") == "en" and negotiate("de-DE") == "en"
    assert negotiate("ar-MA,ar;q=0.9,fr;q=0.8") == "ar"
    assert negotiate("de;q=1, fr;q=0.5, ar;q=0.7") == "ar"
    assert negotiate("fr-FR") == "fr" and negotiate("en-GB,fr;q=0.9") == "en"
    assert negotiate("ar;q=0, fr") == "fr"


def test_the_command_line_language() -> None:
    assert cli_lang("ar") == "ar"
    assert cli_lang(None) in ("fr", "ar", "en")


def test_a_404_reads_in_three_languages(read_client: TestClient) -> None:
    said = {
        lang: _in(read_client, lang, "GET", "/api/territories/99.999").json()
        for lang in ("fr", "ar", "en")
    }
    assert said["en"]["error"] == "no territory coded '99.999'"
    assert said["fr"]["error"] == "aucun territoire de code '99.999'"
    assert said["ar"]["error"] == "لا يوجد تراب بالرمز '99.999'"
    assert {s["code"] for s in said.values()} == {"no_territory"}
    # A path no route serves.
    nowhere = {lang: _in(read_client, lang, "GET", "/api/nowhere") for lang in ("fr", "ar")}
    assert nowhere["fr"].status_code == 404
    assert nowhere["fr"].json() == {"error": "Introuvable", "code": "not_found", "detail": []}
    assert nowhere["ar"].json()["error"] == "غير موجود"
    assert read_client.get("/api/nowhere").json()["error"] == "Not Found"


FR_SIGN_IN = "connectez-vous d'abord"
AR_SIGN_IN = "سجّل الدخول أولا"


def test_request_validation_and_signing_in_in_three_languages(read_client: TestClient) -> None:
    bad = _in(read_client, "fr", "GET", "/api/facilities", params={"limit": "many"})
    assert bad.status_code == 422
    assert bad.json()["error"] == "requête invalide : limit ; rien n'a été écrit"
    assert bad.json()["code"] == "invalid_request"
    assert bad.json()["detail"][0]["code"] == "int_parsing"
    assert bad.json()["detail"][0]["reason"] == (
        "La valeur doit être un nombre entier ; le texte ne se lit pas comme un entier "
        "(reçu 'many')"
    )
    forbidden = {
        lang: _in(read_client, lang, "POST", "/api/facilities/essp-x/close", json={})
        for lang in ("fr", "ar", "en")
    }
    assert {r.status_code for r in forbidden.values()} == {401}
    assert forbidden["fr"].json()["error"] == FR_SIGN_IN
    assert forbidden["ar"].json()["error"] == AR_SIGN_IN
    assert forbidden["en"].json()["error"] == "sign in first"
    assert {r.json()["code"] for r in forbidden.values()} == {"auth_required"}


def test_a_bad_facility_row_reads_in_three_languages(edit_client: TestClient) -> None:
    body = {"name": "Douar X", "category": "DR", "commune": FES, "lon": 2.35, "lat": 48.85}
    said = {
        lang: _in(edit_client, lang, "POST", "/api/facilities", json=body).json()
        for lang in ("fr", "ar", "en")
    }
    for answer in said.values():
        assert answer["code"] == "problems"
        assert [d["code"] for d in answer["detail"]] == ["outside_morocco"]
    assert said["en"]["detail"][0]["reason"] == (
        "(2.35, 48.85) is outside Morocco (lon, lat in WGS84 degrees)"
    )
    assert said["en"]["error"] == (
        "1 problem(s), nothing was written: field 'lon/lat': "
        "(2.35, 48.85) is outside Morocco (lon, lat in WGS84 degrees)"
    )
    assert said["fr"]["error"] == (
        "1 problème, rien n'a été écrit : champ « lon/lat » : "
        "(2.35, 48.85) est hors du Maroc (lon, lat en degrés WGS84)"
    )
    assert said["ar"]["detail"][0]["reason"] == (
        "(2.35، 48.85) خارج المغرب (lon، lat بدرجات WGS84)"
    )


def test_busy_reads_in_three_languages() -> None:
    busy = Unavailable("…", code="slots_taken", values={"slots": 2, "seconds": 7})
    words = {
        lang: busy.rendered(lambda k, v, lang=lang: translate(lang, k, v))
        for lang in ("fr", "ar", "en")
    }
    assert words["en"] == (
        "all 2 slot(s) for heavy work (siting, what-if, campaign planning) are taken; "
        "nothing was started: try again in 7 s"
    )
    assert words["fr"].startswith("les 2 places de calcul lourd") and "7 s" in words["fr"]
    assert "7 ث" in words["ar"]


@pytest.mark.usefixtures("cli_token")
def test_the_command_line_follows_lang(scratch_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QURB_LANG", "en")  # --lang sets it: put back after the test
    runner = CliRunner()
    args = ["facilities", "close", "essp-nope", "--reason", "x", "--db", scratch_db]
    french = runner.invoke(app, ["--lang", "fr", *args])
    assert french.exit_code == 2
    assert "aucun établissement d'identifiant 'essp-nope'" in french.output
    arabic = runner.invoke(app, ["--lang", "ar", *args])
    assert "لا توجد مؤسسة بالمعرّف 'essp-nope'" in arabic.output


@pytest.mark.usefixtures("cli_token")
def test_a_bad_import_row_reads_in_the_command_line_language(
    scratch_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    path = tmp_path / "new.csv"
    path.write_text(
        "name,category,commune,lon,lat\n"
        f"Douar A,DR,{FES},,\n"
        f"Douar B,DR,{FES},2.35,48.85\n"
        f"Douar C,XX,{FES},,\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    said = {}
    for lang in ("fr", "ar", "en"):
        result = runner.invoke(
            app, ["--lang", lang, "facilities", "import", str(path), "--db", scratch_db]
        )
        assert result.exit_code == 2, result.output
        said[lang] = " ".join(result.output.split())
    assert "2 problèmes, rien n'a été écrit" in said["fr"]
    assert "ligne 3, champ « lon/lat » : (2.35, 48.85) est hors du Maroc" in said["fr"]
    assert "ligne 4, champ « category » : catégorie inconnue 'XX'" in said["fr"]
    assert "مشكلتان (2)، لم يُكتب شيء" in said["ar"]
    assert "السطر 3، الحقل «lon/lat»: (2.35، 48.85) خارج المغرب" in said["ar"]
    assert "2 problem(s), nothing was written" in said["en"]
    assert "row 3, field 'lon/lat': (2.35, 48.85) is outside Morocco" in said["en"]


def test_an_unknown_territory_name_on_the_command_line(
    scratch_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")
    runner = CliRunner()
    args = ["gaps", "-t", "Nulle-Part-Du-Tout", "--db", scratch_db]
    french = runner.invoke(app, ["--lang", "fr", *args])
    assert french.exit_code == 2
    assert "aucun territoire de nom ou de code 'Nulle-Part-Du-Tout'" in french.output
    monkeypatch.setenv("LANG", "ar_MA.UTF-8")
    monkeypatch.delenv("QURB_LANG")
    arabic = runner.invoke(app, args)
    assert "لا يوجد تراب بالاسم أو الرمز 'Nulle-Part-Du-Tout'" in arabic.output


def test_an_impossible_campaign_reads_in_three_languages(edit_client: TestClient) -> None:
    from tests.caravan_requests import campaign

    body = campaign(date(2035, 6, 4))
    body["end"] = "2035-06-01"
    said = {
        lang: _in(edit_client, lang, "POST", "/api/caravans", json=body).json()
        for lang in ("fr", "ar", "en")
    }
    for answer in said.values():
        assert [d["code"] for d in answer["detail"]] == ["end_before_start"]
    assert (
        said["en"]["error"]
        == "campaign: 1 problem(s):\n  - end: 2035-06-01 is before start 2035-06-04"
    )
    assert said["fr"]["error"] == (
        "campaign : 1 problème :\n  - end: 2035-06-01 est avant le début 2035-06-04"
    )
    assert said["ar"]["detail"][0]["reason"] == "2035-06-01 قبل البداية 2035-06-04"


@pytest.mark.usefixtures("cli_token")
def test_a_file_that_cannot_be_read_in_three_languages(
    scratch_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import openpyxl

    monkeypatch.setenv("QURB_LANG", "en")
    book = openpyxl.Workbook()
    book.active.title = "ESSP"
    book.save(tmp_path / "centres.xlsx")
    runner = CliRunner()
    args = ["facilities", "import", str(tmp_path / "centres.xlsx"), "--sheet", "CSR"]
    said = {
        lang: " ".join(
            runner.invoke(app, ["--lang", lang, *args, "--db", scratch_db]).output.split()
        )
        for lang in ("fr", "ar", "en")
    }
    assert "aucune feuille nommée 'CSR' ; le classeur contient : ESSP" in said["fr"]
    assert "لا توجد ورقة باسم 'CSR'؛ يحتوي المصنف على: ESSP" in said["ar"]
    assert "no sheet named 'CSR'; the workbook has: ESSP" in said["en"]
    missing = runner.invoke(
        app, ["--lang", "fr", "facilities", "import", str(tmp_path / "x.csv"), "--db", scratch_db]
    )
    assert "x.csv : fichier introuvable" in " ".join(missing.output.split())


def test_other_404s_read_in_the_language_asked(
    read_client: TestClient, admin_client: TestClient
) -> None:
    layer = _in(read_client, "fr", "GET", "/api/layers/douars").json()
    assert layer["code"] == "no_layer"
    assert layer["error"].startswith("aucune couche 'douars' ; couches : ")
    scenario = _in(admin_client, "ar", "GET", "/api/scenarios/nope").json()
    assert scenario["error"] == "لا يوجد سيناريو 'nope': انظر `qurb scenarios list`"
    indicator = _in(read_client, "fr", "GET", "/api/indicators/population").json()
    assert indicator["error"].startswith("aucun indicateur 'population' ; indicateurs : ")
    assert admin_client.get("/api/scenarios/nope").json()["error"] == (
        "no scenario 'nope': see `qurb scenarios list`"
    )
