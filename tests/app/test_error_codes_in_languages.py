"""The errors given their codes read in French, Arabic and English with their values
filled in, numbers written by CLDR for the reader: a clash with what is stored, a siting
request, a caravan cap, the server's own refusals, a bad norm file (on the command line)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from qurb.app.cli import app as cli_app
from qurb.app.web import create_app
from qurb.kernel.errors import Conflict
from qurb.kernel.i18n import say_in
from qurb.platform.settings import Settings
from tests.accounts import add_account, as_someone
from tests.versions import read_at
from tests.web_clients import TestClient

LANGS = ("fr", "ar", "en")
NNBSP = "\u202f"  # CLDR's group separator in French (fr_MA)
BOULEMANE = "03.131"


def _said(client: TestClient, method: str, url: str, **kw: Any) -> dict[str, Any]:
    """The same request in each language: {lang: response}."""
    headers = kw.pop("headers", {})
    return {
        lang: client.request(method, url, headers={**headers, "Accept-Language": lang}, **kw)
        for lang in LANGS
    }


def test_numbers_and_lists_are_written_for_the_reader() -> None:
    values = {"path": "x.csv", "rows": 100000, "setting": "QURB_MAX_ROWS"}
    rows = {lang: say_in(lang)("error.too_many_rows", values) for lang in LANGS}
    assert rows["en"].startswith("x.csv: more than 100,000 rows, the limit per file")
    assert rows["fr"].startswith(f"x.csv : plus de 100{NNBSP}000 lignes, la limite par fichier")
    assert rows["ar"].startswith("x.csv: أكثر من 100.000 سطر")
    # Coordinates stay as a GPS writes them; a list takes the language's comma.
    place = {"field": "bases[0]", "name": "B", "lon": -4.5, "lat": 33.25}
    assert say_in("fr")("error.place_outside_morocco", place) == (
        "bases[0] (B) : (-4.5, 33.25) est hors du Maroc"
    )
    level = {"value": "'x'", "levels": ["primary", "secondary"]}
    assert say_in("ar")("error.unknown_level", level).endswith("primary، secondary")
    # An error raised with a code and no message reads as the English catalogue.
    clash = Conflict(code="facility_closed", values={"id": "essp-1"})
    assert str(clash).startswith("facility essp-1 is closed; reopen it first")


def test_the_servers_refusals_read_in_three_languages(read_client: TestClient) -> None:
    host = _said(read_client, "GET", "/api/facilities", headers={"Host": "evil.example"})
    assert {r.status_code for r in host.values()} == {400}
    assert host["fr"].json() == {
        "error": "hôte inconnu : ce serveur ne répond pas à ce nom",
        "code": "unknown_host",
        "detail": [],
    }
    assert host["ar"].json()["error"] == "مضيف غير معروف: هذا الخادم لا يستجيب لهذا الاسم"
    assert host["en"].json()["error"] == "unknown host: this server does not answer to that name"
    origin = _said(
        read_client, "POST", "/api/facilities", json={}, headers={"Origin": "https://evil.example"}
    )
    assert {r.status_code for r in origin.values()} == {403}
    assert {r.json()["code"] for r in origin.values()} == {"foreign_origin"}
    assert origin["fr"].json()["error"].startswith("interdit : une modification doit venir")
    big = _said(read_client, "POST", "/api/facilities", content=b"x" * 300_000)
    assert {r.status_code for r in big.values()} == {413}
    assert {r.json()["code"] for r in big.values()} == {"body_too_large"}
    limit = 256 * 1024  # the default of max_request_bytes
    assert big["en"].json()["error"] == (
        f"request body too large: the limit is {limit:,} bytes; nothing was written"
    )
    assert big["fr"].json()["error"] == (
        f"corps de la requête trop volumineux : la limite est de 262{NNBSP}144 octets ; "
        "rien n'a été écrit"
    )
    assert big["ar"].json()["error"] == "متن الطلب كبير جدًا: الحد هو 262.144 بايت؛ لم يُكتب شيء"


def test_a_conflict_reads_in_three_languages(edit_client: TestClient) -> None:
    fid = "hosp-03.131.01.03-marche-verte"  # Hôpital provincial de Missour
    closed = edit_client.post(
        f"/api/facilities/{fid}/close",
        headers=read_at(edit_client, fid),
        json={"reason": "travaux"},
    )
    assert closed.status_code == 200, closed.text
    at = read_at(edit_client, fid)
    said = _said(edit_client, "PATCH", f"/api/facilities/{fid}", json={"name_ar": "5"}, headers=at)
    assert {r.status_code for r in said.values()} == {409}
    assert {r.json()["code"] for r in said.values()} == {"facility_closed"}
    reopen = f"`qurb facilities reopen {fid} --reason …`"
    assert said["en"].json()["error"] == f"facility {fid} is closed; reopen it first ({reopen})"
    assert said["fr"].json()["error"] == (
        f"l'établissement {fid} est fermé ; rouvrez-le d'abord ({reopen})"
    )
    assert said["ar"].json()["error"] == f"المؤسسة {fid} مغلقة؛ أعِد فتحها أولًا ({reopen})"
    again = edit_client.post(
        f"/api/facilities/{fid}/reopen",
        headers=read_at(edit_client, fid),
        json={"reason": "fin des travaux"},
    )
    assert again.status_code == 200, again.text
    at = read_at(edit_client, fid)
    twice = _said(
        edit_client, "POST", f"/api/facilities/{fid}/reopen", json={"reason": "x"}, headers=at
    )
    assert {r.json()["code"] for r in twice.values()} == {"facility_not_closed"}
    assert twice["fr"].json()["error"].startswith(f"l'établissement {fid} n'est pas fermé")


def test_a_siting_request_reads_in_three_languages(edit_client: TestClient) -> None:
    body = {"territory": BOULEMANE, "level": "secondary", "add": 90}
    said = _said(edit_client, "POST", "/api/siting", json=body)
    assert {r.status_code for r in said.values()} == {422}
    assert {r.json()["code"] for r in said.values()} == {"too_few_candidates"}
    error = {lang: r.json()["error"] for lang, r in said.items()}
    english = "19 candidate site(s) for 90: only 19 commune(s) of Boulemane have no facility of"
    assert error["en"].startswith(english)
    french = "19 site(s) candidat(s) pour 90 : seules 19 commune(s) de Boulemane n'ont aucun"
    assert error["fr"].startswith(french)
    arabic = "المواقع المرشحة (19) لا تكفي للعدد المطلوب (90): عدد جماعات Boulemane الخالية"
    assert error["ar"].startswith(arabic)


@pytest.fixture
def capped_client(scratch_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """A local-mode app that plans campaigns of at most 3 communes and 2 days."""
    monkeypatch.setenv("QURB_MAX_CAMPAIGN_COMMUNES", "3")
    monkeypatch.setenv("QURB_MAX_CAMPAIGN_DAYS", "2")
    app = create_app(Settings(database_url=scratch_db))
    tester = add_account(app.state.qurb.factory, "tester")
    with TestClient(app, raise_server_exceptions=False) as client:
        yield as_someone(client, tester)


def test_a_caravan_cap_reads_in_three_languages(capped_client: TestClient) -> None:
    from tests.caravan_requests import campaign

    said = _said(capped_client, "POST", "/api/caravans", json=campaign(date(2035, 6, 4)))
    assert {r.status_code for r in said.values()} == {422}
    answers = {lang: r.json() for lang, r in said.items()}
    assert {a["code"] for a in answers.values()} == {"invalid_campaign"}
    for answer in answers.values():
        assert [d["code"] for d in answer["detail"]] == ["too_many_days", "too_many_rural_communes"]
    days, communes = (d["reason"] for d in answers["en"]["detail"])
    assert days == (
        "the campaign lasts 5 days, more than this server plans at once "
        "(2, setting QURB_MAX_CAMPAIGN_DAYS); plan it period by period"
    )
    count = communes.split()[0]
    assert count.isdigit() and int(count) > 3
    assert communes.startswith(f"{count} rural communes to choose among")
    fr_days, fr_communes = (d["reason"] for d in answers["fr"]["detail"])
    assert fr_days == (
        "la campagne dure 5 jours, plus que ce que ce serveur planifie en une fois "
        "(2, réglage QURB_MAX_CAMPAIGN_DAYS) ; planifiez-la période par période"
    )
    assert fr_communes.startswith(f"{count} communes rurales parmi lesquelles choisir")
    ar_days, ar_communes = (d["reason"] for d in answers["ar"]["detail"])
    assert ar_days.startswith(
        "مدة الحملة (عدد الأيام: 5) تتجاوز ما يخططه هذا الخادم دفعة واحدة (2،"
    )
    assert ar_communes.startswith(f"عدد الجماعات القروية المتاحة للاختيار ({count})")
    assert answers["fr"]["error"].startswith("campaign : 2 problèmes :\n  - end: la campagne dure")


def test_a_bad_norm_file_reads_in_the_command_lines_language(
    scratch_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QURB_LANG", "en")  # --lang sets it: put back after the test
    path = tmp_path / "mine.toml"
    path.write_text(
        'id = "mine"\nversion = "2"\nname_fr = "Mes normes"\nsource = "Délégation"\n'
        '[[rule]]\nid = "dr"\nlabel_fr = "1 DR"\ncategories = ["DR", "XYZ"]\n'
        'population = "rural"\nper_population = 15000\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    args = ["gaps", "-t", "Ifrane", "--norms", str(path), "--db", scratch_db]
    said = {}
    for lang in LANGS:
        result = runner.invoke(cli_app, ["--lang", lang, *args])
        assert result.exit_code == 2, result.output
        said[lang] = " ".join(result.output.split())
    where = f"{path}, rule 1 ('dr')"
    assert f"{where}: field 'categories' has unknown value(s) XYZ; known: " in said["en"]
    assert f"{where} : le champ « categories » contient des valeurs inconnues : XYZ" in said["fr"]
    assert f"{where}: يتضمن الحقل 'categories' قيمًا غير معروفة: XYZ؛ القيم المعروفة: " in said["ar"]
    assert "Traceback" not in said["ar"]


def test_versions_refused_read_in_three_languages(edit_client: TestClient) -> None:
    """A change without If-Match (428) and one naming a version the facility has moved
    past (409, with the version now as the ETag), in the reader's language."""
    fid = "hosp-03.131.01.03-marche-verte"
    url = f"/api/facilities/{fid}"
    bare = _said(edit_client, "PATCH", url, json={"name_ar": "5"})
    assert {(r.status_code, r.json()["code"]) for r in bare.values()} == {
        (428, "if_match_required")
    }
    assert bare["fr"].json()["error"].startswith("indiquez la version lue : envoyez l'en-tête")
    assert bare["ar"].json()["error"].startswith("حدّد النسخة التي قرأتها")
    old = read_at(edit_client, fid)
    assert edit_client.patch(url, json={"name_ar": "6"}, headers=old).status_code == 200
    now = edit_client.get(url).headers["etag"]
    stale = _said(edit_client, "PATCH", url, json={"name_ar": "7"}, headers=old)
    assert {(r.status_code, r.headers["etag"]) for r in stale.values()} == {(409, now)}
    given, current = old["If-Match"].strip('"'), now.strip('"')
    assert stale["en"].json()["error"] == (
        f"{fid} has changed since version {given}: it is at version {current} now; nothing "
        "was written. Read it again, then make your change"
    )
    assert stale["fr"].json()["error"].startswith(f"{fid} a changé depuis la version {given}")
    assert stale["ar"].json()["error"].startswith(f"تغيّر {fid} منذ النسخة {given}")
    assert edit_client.get(url).json()["name_ar"] == "6"
