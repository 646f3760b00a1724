"""The access, referral and distance answers kept encoded: the same bytes as the answer
computed afresh, a new answer as soon as the registry moves (whoever moved it), one answer
per set of parameters, 304 and gzip."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import FastAPI, Query
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from qurb.access.referral import compute_referrals
from qurb.access.schemas import (
    AccessRead,
    AccessSummaryRead,
    CommuneAccessRead,
    DistanceRead,
    DistanceSummaryRead,
    ReferralRead,
    ReferralsRead,
    Words,
    rows_as,
)
from qurb.access.service import (
    ESSP_SELECTOR,
    WHOLE_COMMUNE_NOTE,
    compute_access,
    compute_distance_access,
    distance_group_rows,
    group_rows,
)
from qurb.app.dataset import InitReport
from qurb.app.web import create_app
from qurb.platform.database import make_engine, make_sessionmaker
from qurb.platform.settings import Settings
from qurb.registry.points import FacilitySelector
from qurb.territory.service import TerritoryIndex
from qurb.territory.travel import commune_graph_model

IFRANE = "03.271"


def _afresh(database_url: str) -> FastAPI:
    """The three answers computed at every request from a new session, with no cache of
    any kind, and served as FastAPI serves a route's response model."""
    factory = make_sessionmaker(make_engine(database_url))
    app = FastAPI()

    def opened() -> tuple[Session, TerritoryIndex]:
        session = factory()
        return session, TerritoryIndex.from_session(session)

    @app.get("/api/access/{code}", response_model=AccessRead)
    def access(
        code: str,
        level: str | None = None,
        service: Annotated[list[str] | None, Query()] = None,
        thresholds: Annotated[list[float] | None, Query()] = None,
    ) -> AccessRead:
        session, index = opened()
        with session:
            territory = index.resolve(code)
            model = commune_graph_model(session)
            selector = FacilitySelector.from_options((level,) if level else (), (), service or ())
            report = compute_access(
                session, territory, selector, model, thresholds or [30, 60, 120], index
            )
            return AccessRead(
                territory=territory.code,
                offer=report.selector.describe(),
                model=report.model,
                measure=model.measure,
                thresholds_minutes=list(report.thresholds_minutes),
                summary=rows_as(AccessSummaryRead, group_rows(report)),
                communes=rows_as(CommuneAccessRead, report.rows),
            )

    @app.get("/api/access/{code}/referral", response_model=ReferralsRead)
    def referral(code: str, threshold: float = 60.0) -> ReferralsRead:
        session, index = opened()
        with session:
            territory = index.resolve(code)
            model = commune_graph_model(session)
            rows = compute_referrals(session, territory, model, threshold, index=index)
            return ReferralsRead(
                territory=territory.code,
                threshold_minutes=threshold,
                model=model.name,
                measure=model.measure,
                essp=rows_as(ReferralRead, rows),
            )

    @app.get("/api/access/{code}/distance", response_model=DistanceRead)
    def distance(code: str) -> DistanceRead:
        session, index = opened()
        with session:
            territory = index.resolve(code)
            model = commune_graph_model(session)
            report = compute_distance_access(session, territory, model, ESSP_SELECTOR, index=index)
            return DistanceRead(
                territory=territory.code,
                offer="ESSP",
                model=report.model,
                measure=report.measure,
                bands_km=list(report.bands_km),
                note=Words(**WHOLE_COMMUNE_NOTE),
                summary=rows_as(DistanceSummaryRead, distance_group_rows(report)),
                communes=rows_as(CommuneAccessRead, report.rows),
            )

    return app


QUERIES = [
    (f"/api/access/{IFRANE}", {}),
    (f"/api/access/{IFRANE}", {"level": "secondary"}),
    (f"/api/access/{IFRANE}", {"service": "delivery"}),
    (f"/api/access/{IFRANE}", {"thresholds": [45, 15]}),
    (f"/api/access/{IFRANE}", {"level": "primary", "thresholds": [7.5]}),
    ("/api/access/03.131", {"level": "secondary"}),
    (f"/api/access/{IFRANE}/referral", {}),
    (f"/api/access/{IFRANE}/referral", {"threshold": 90}),
    ("/api/access/03.131/referral", {"threshold": 30}),
    (f"/api/access/{IFRANE}/distance", {}),
    ("/api/access/03.131/distance", {}),
]

PLAIN = {"Accept-Encoding": "identity"}


@pytest.fixture(scope="module")
def afresh(national_db_file: tuple[Path, InitReport]) -> Iterator[TestClient]:
    with TestClient(_afresh(f"sqlite:///{national_db_file[0]}")) as client:
        yield client


def test_the_kept_answers_are_the_bytes_computed_afresh(
    read_client: TestClient, afresh: TestClient
) -> None:
    bodies = set()
    for path, params in QUERIES:
        for _ in range(2):  # computed, then kept
            kept = read_client.get(path, params=params, headers=PLAIN)
            assert kept.status_code == 200, kept.text
            expected = afresh.get(path, params=params, headers=PLAIN)
            assert expected.status_code == 200, expected.text
            assert kept.content == expected.content, (path, params)
        bodies.add(kept.content)
    # Every set of parameters has its own answer: none was served another's.
    assert len(bodies) == len(QUERIES)


def test_parameters_in_another_order_or_spelling_get_their_own_answer(
    read_client: TestClient,
) -> None:
    by_code = read_client.get(f"/api/access/{IFRANE}", params={"thresholds": [30]})
    by_name = read_client.get("/api/access/Ifrane", params={"thresholds": [30]})
    other = read_client.get(f"/api/access/{IFRANE}", params={"thresholds": [30, 60]})
    assert by_code.content == by_name.content and by_code.headers["etag"] == by_name.headers["etag"]
    assert other.headers["etag"] != by_code.headers["etag"]
    assert by_code.json()["thresholds_minutes"] == [30.0]
    assert other.json()["thresholds_minutes"] == [30.0, 60.0]


def test_an_etag_the_client_has_is_304_and_gzip_when_asked(read_client: TestClient) -> None:
    for path in (f"/api/access/{IFRANE}", f"/api/access/{IFRANE}/referral"):
        first = read_client.get(path, headers=PLAIN)
        etag = first.headers["etag"]
        assert (
            first.headers["cache-control"] == "no-cache" and "content-encoding" not in first.headers
        )
        again = read_client.get(path, headers={**PLAIN, "If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        stale = read_client.get(path, headers={**PLAIN, "If-None-Match": '"something-else"'})
        assert stale.status_code == 200 and stale.content == first.content
        with read_client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as packed:
            raw = b"".join(packed.iter_raw())
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.headers["vary"] == "Accept-Encoding" and packed.headers["etag"] == etag
        assert gzip.decompress(raw) == first.content and len(raw) < len(first.content) / 3


def test_a_facility_closed_elsewhere_moves_the_answer_at_the_next_request(
    edit_client: TestClient, scratch_db: str
) -> None:
    """App A keeps its answers; app B (another server on the same database, told nothing
    of A) closes the facility nearest to a commune, read with its ETag and closed with
    If-Match; A's next answers no longer send anyone there."""
    reader = create_app(Settings(database_url=scratch_db))
    with TestClient(reader) as a:
        access_path = f"/api/access/{IFRANE}"
        before = a.get(access_path, params={"level": "primary"}, headers=PLAIN)
        referral_before = a.get(f"{access_path}/referral", headers=PLAIN)
        distance_before = a.get(f"{access_path}/distance", headers=PLAIN)
        commune = before.json()["communes"][0]
        nearest = commune["facility_id"]
        assert nearest in {e["id"] for e in referral_before.json()["essp"]}
        kept = a.get(access_path, params={"level": "primary"}, headers=PLAIN)
        assert kept.headers["etag"] == before.headers["etag"]

        read = edit_client.get(f"/api/facilities/{nearest}")
        closed = edit_client.post(
            f"/api/facilities/{nearest}/close",
            json={"reason": "staff gone"},
            headers={"If-Match": read.headers["etag"]},
        )
        assert closed.status_code == 200, closed.text

        etag = before.headers["etag"]
        after = a.get(
            access_path, params={"level": "primary"}, headers={**PLAIN, "If-None-Match": etag}
        )
        assert after.status_code == 200 and after.headers["etag"] != etag
        moved = next(c for c in after.json()["communes"] if c["code"] == commune["code"])
        assert moved["facility_id"] not in (None, nearest)
        every = {c["facility_id"] for c in after.json()["communes"]}
        assert nearest not in every
        referral_after = a.get(f"{access_path}/referral", headers=PLAIN).json()
        assert nearest not in {e["id"] for e in referral_after["essp"]}
        assert len(referral_after["essp"]) == len(referral_before.json()["essp"]) - 1
        distance_after = a.get(f"{access_path}/distance", headers=PLAIN).json()
        assert nearest not in {c["facility_id"] for c in distance_after["communes"]}
        assert distance_after != distance_before.json()
        # The answer computed afresh on the database as it is now says the same.
        with TestClient(_afresh(scratch_db)) as fresh:
            expected = fresh.get(access_path, params={"level": "primary"}, headers=PLAIN)
            assert after.content == expected.content
