"""A file sent by a web form (`multipart/form-data`), read with the standard library's
MIME parser: the part named `field`, its file name and its bytes, the request's body
bounded by the input files' limit (`FileLimits.max_file_mb`, QURB_MAX_FILE_MB)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage as Message
from email.parser import BytesParser
from pathlib import Path, PurePath
from typing import Any, TypeVar

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import BaseRoute

from qurb.platform.files import MAX_FILE_MB_ENV, FileLimits, InputFileError

_MB = 1 << 20
T = TypeVar("T")
# Room for the form's own lines (boundaries, headers of each part) beside the file.
_FORM_OVERHEAD = 64 * 1024


def upload_body(description: str, field: str = "file") -> dict[str, Any]:
    """The OpenAPI request body of a route reading a form's file (`openapi_extra`): the
    route reads the body itself (`uploaded_file`), so FastAPI cannot describe it."""
    part = {"type": "string", "format": "binary", "description": description}
    schema = {"type": "object", "required": [field], "properties": {field: part}}
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": schema}},
        }
    }


@dataclass(frozen=True)
class UploadedFile:
    name: str  # the file's own name (no folder), as the user's machine gave it
    data: bytes

    @property
    def suffix(self) -> str:
        return PurePath(self.name).suffix.lower()


def form_body_limit(limits: FileLimits) -> int:
    """The most a form carrying one input file may weigh (bytes): the file's limit and
    the form's own lines."""
    return limits.max_file_mb * _MB + _FORM_OVERHEAD


async def _body(request: Request, limits: FileLimits) -> bytes:
    limit = form_body_limit(limits)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            values = {
                "path": "file",
                "size": f"> {limits.max_file_mb}",
                "limit": limits.max_file_mb,
                "setting": MAX_FILE_MB_ENV,
            }
            raise InputFileError(code="file_too_large", values=values)
        chunks.append(chunk)
    return b"".join(chunks)


def _own_name(filename: str) -> str:
    """The file's own name: its last part, without control characters, 200 characters at
    most ("upload" when nothing is left)."""
    name = PurePath(filename.replace("\\", "/")).name
    name = "".join(c for c in name if c.isprintable())[:200].strip()
    return name if name.strip(".") else "upload"


async def uploaded_file(
    request: Request, field: str = "file", limits: FileLimits | None = None
) -> UploadedFile:
    """The file of the form's part `field`; 422 `upload_without_file` without one."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise InputFileError(code="upload_without_file", values={"field": field})
    body = await _body(request, limits or FileLimits.from_env())
    head = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
    # Parsed in a worker thread: a large form takes a while, the event loop goes on.
    found = await run_in_threadpool(_found, head + body, field)
    if found is None:
        raise InputFileError(code="upload_without_file", values={"field": field})
    return found


def _found(form: bytes, field: str) -> UploadedFile | None:
    try:
        return _part(BytesParser(policy=policy.HTTP).parsebytes(form), field)
    except (ValueError, TypeError, LookupError, AttributeError):  # a form broken beyond use
        return None


def _part(message: Message, field: str) -> UploadedFile | None:
    if not message.is_multipart():
        return None
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") != field:
            continue
        filename = part.get_filename()
        data = part.get_payload(decode=True)
        if filename is not None and isinstance(data, bytes):
            return UploadedFile(_own_name(filename), data)
    return None


def upload_paths(routes: Iterable[BaseRoute]) -> Callable[[str], bool]:
    """Does a path lead to one of `routes` that reads a form's file (its OpenAPI body is
    a form, `upload_body`)?"""
    patterns = [
        route.path_regex
        for route in routes
        if isinstance(route, APIRoute) and _reads_a_form(route.openapi_extra)
    ]
    return lambda path: any(p.match(path) for p in patterns)


def _reads_a_form(extra: dict[str, Any] | None) -> bool:
    content = (extra or {}).get("requestBody", {}).get("content", {})
    return "multipart/form-data" in content


def read_upload(upload: UploadedFile, read: Callable[[Path], T], stem: str = "upload") -> T:
    """The file read by `read` from a private temporary copy named `stem` and the file's
    own suffix (a plain one; none otherwise: never a name from the client), its errors
    naming the file as the user sent it, never the server's copy."""
    suffix = upload.suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", upload.suffix) else ""
    with tempfile.TemporaryDirectory(prefix="qurb-upload-") as folder:
        path = Path(folder) / f"{stem}{suffix}"
        path.write_bytes(upload.data)
        try:
            return read(path)
        except InputFileError as error:
            if error.code and "path" in error.values:
                values = {**error.values, "path": upload.name}
                raise InputFileError(code=error.code, values=values) from None
            raise
