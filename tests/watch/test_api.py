"""The watch routes on a private copy of the national database, as an administrator:
data sets validated, a report refused, submitted, corrected, confirmed (then frozen),
listed, counted in the completeness of its province, and a file refused cell by cell."""

from __future__ import annotations

from datetime import date, timedelta

from tests.web_clients import TestClient

MISSOUR = "hosp-03.131.01.03-marche-verte"  # Hôpital provincial de Missour (HP)
BOULEMANE = "03.131"
WEEK = (date.today() - timedelta(days=14)).isocalendar()
PERIOD = f"{WEEK.year}W{WEEK.week}"


def _report(*values: tuple[str, str, object]) -> dict[str, object]:
    return {
        "dataset": "mdo",
        "facility": MISSOUR,
        "period": PERIOD,
        "values": [{"element": e, "disaggregation": d, "value": v} for e, d, v in values],
    }


def test_a_report_from_submission_to_confirmation(edit_client: TestClient) -> None:
    client = edit_client
    mdo = next(d for d in client.get("/api/datasets").json() if d["id"] == "mdo")
    assert (mdo["needs_validation"], mdo["validated"]) == (True, False)
    assert client.post("/api/datasets/mdo/validate").status_code == 200
    assert client.get("/api/datasets/mdo").json()["validated"] is True
    assert client.post("/api/datasets/mdo/validate").json()["code"] == "dataset_already_validated"

    refused = client.post(
        "/api/reports", json=_report(("cholera", "m|15+", 0), ("measles", "f|1-4", -2))
    )
    assert refused.status_code == 422
    assert [(p["field"], p["code"]) for p in refused.json()["detail"]] == [
        ("values[1].value", "count_negative")
    ]
    made = client.post(
        "/api/reports", json=_report(("cholera", "m|15+", 0), ("measles", "f|1-4", 2))
    )
    assert (made.status_code, made.headers["ETag"]) == (201, '"1"'), made.text
    first = made.json()
    assert (first["revision"], first["status"], first["zero"]) == (1, "submitted", False)
    again = client.post("/api/reports", json=_report(("cholera", "m|15+", 0)))
    assert [p["code"] for p in again.json()["detail"]] == ["report_exists"]

    corrected = client.post(
        f"/api/reports/{first['id']}/corrections",
        json={
            "values": [{"element": "measles", "disaggregation": "f|1-4", "value": 3}],
            "reason": "recount",
        },
        headers={"If-Match": '"1"'},
    )
    assert corrected.status_code == 201, corrected.text
    second = corrected.json()
    assert (second["revision"], second["reason"], second["values"][0]["value"]) == (2, "recount", 3)

    assert client.post(f"/api/reports/{second['id']}/confirm").status_code == 428
    confirmed = client.post(f"/api/reports/{second['id']}/confirm", headers={"If-Match": '"1"'})
    assert (confirmed.json()["status"], confirmed.json()["frozen"]) == ("confirmed", True)
    frozen = client.post(
        f"/api/reports/{second['id']}/corrections",
        json={
            "values": [{"element": "measles", "disaggregation": "f|1-4", "value": 4}],
            "reason": "late",
        },
        headers={"If-Match": "*"},
    )
    assert (frozen.status_code, frozen.json()["code"]) == (409, "report_frozen")

    listed = client.get(
        "/api/reports", params={"dataset": "mdo", "territory": BOULEMANE, "period": PERIOD}
    )
    assert [(r["id"], r["revision"]) for r in listed.json()] == [(second["id"], 2)]
    counted = client.get(
        "/api/completeness", params={"territory": BOULEMANE, "dataset": "mdo", "period": PERIOD}
    ).json()
    assert counted["territory"]["received"] == 1
    assert counted["territory"]["expected"] == len(counted["facilities"]) > 1
    assert MISSOUR not in counted["silent"]
    assert len(counted["silent"]) == counted["territory"]["expected"] - 1


def test_a_file_of_reports_is_refused_cell_by_cell(edit_client: TestClient) -> None:
    text = (
        "dataset,facility,period,element,disaggregation,value\n"
        f"mdo,{MISSOUR},{PERIOD},cholera,m|15+,1.5\n"
        f"mdo,{MISSOUR},{PERIOD},plague,x,1\n"
    )
    answer = edit_client.post("/api/reports/import", files={"file": ("semaine.csv", text.encode())})
    assert answer.status_code == 422, answer.text
    assert [(p["row"], p["code"]) for p in answer.json()["detail"]] == [
        (2, "count_fractional"),
        (3, "value_unknown_disaggregation"),
    ]
    assert edit_client.get("/api/reports", params={"dataset": "mdo"}).json() == []
