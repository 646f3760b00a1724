"""A form's file (multipart/form-data): the body cap lets it reach an input file's limit
on a route that reads one, while other bodies keep the request limit; `uploaded_file`
gives the part `file` with its own name, or refuses a form without one."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from qurb.app.errors import install_error_handlers
from qurb.platform.files import FileLimits
from qurb.platform.form_upload import form_body_limit, upload_body, upload_paths, uploaded_file
from qurb.platform.limits import BodySizeLimit

REQUEST_LIMIT = 4 * 1024  # bytes: a JSON body's cap in this app
LIMITS = FileLimits(max_file_mb=1)


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/upload", openapi_extra=upload_body("any file"))
    async def upload(request: Request) -> dict[str, object]:
        got = await uploaded_file(request, limits=LIMITS)
        return {"name": got.name, "size": len(got.data)}

    @app.post("/json")
    async def plain(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    app.add_middleware(
        BodySizeLimit,
        max_bytes=REQUEST_LIMIT,
        upload_bytes=form_body_limit(LIMITS),
        is_upload=upload_paths(app.routes),
    )
    return app


def test_a_form_file_may_be_larger_than_a_request_body() -> None:
    client = TestClient(_app())
    data = b"x" * (200 * 1024)  # 200 KB: fifty times the JSON cap, a fifth of the file's
    sent = client.post("/upload", files={"file": ("C:\\Users\\amina\\sites.csv", data)})
    assert sent.status_code == 200, sent.text
    assert sent.json() == {"name": "sites.csv", "size": len(data)}  # its own name only
    plain = client.post("/json", content=data, headers={"Content-Type": "application/json"})
    assert plain.status_code == 413 and plain.json()["code"] == "body_too_large"
    # A form sent where no file is read keeps the request's cap.
    form = client.post("/json", files={"file": ("sites.csv", data)})
    assert form.status_code == 413 and form.json()["code"] == "body_too_large"


def test_a_form_file_over_the_file_limit_is_refused() -> None:
    client = TestClient(_app())
    data = b"x" * (LIMITS.max_file_mb * 1024 * 1024 + 128 * 1024)
    sent = client.post("/upload", files={"file": ("big.csv", data)})
    assert sent.status_code == 413 and sent.json()["code"] == "body_too_large"


def test_a_form_without_its_file_part_is_refused_naming_it() -> None:
    client = TestClient(_app())
    other = client.post("/upload", files={"other": ("x.csv", b"a,b\n")})
    assert other.status_code == 422 and other.json()["code"] == "upload_without_file"
    assert "file" in other.json()["error"]
    bare = client.post("/upload", content=b"a,b\n", headers={"Content-Type": "text/csv"})
    assert bare.status_code == 422 and bare.json()["code"] == "upload_without_file"
