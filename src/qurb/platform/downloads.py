"""The Content-Disposition of a file the API serves, whatever letters its name holds.

HTTP header values are Latin-1 (RFC 9110): a name taken from the data (a convention's
Arabic reference, a partner's Arabic name) is sent as RFC 6266's `filename*` in UTF-8,
percent-encoded, beside a plain `filename` of ASCII letters for the clients that read only
that one (its other characters become "-")."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import quote

Disposition = Literal["attachment", "inline"]


def ascii_name(name: str) -> str:
    """`name` with every run of characters that are not ASCII letters, digits or "-_."
    replaced by one "-" (the whole name is in `filename*`); "download" when nothing is
    left."""
    kept = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in name)
    return re.sub("-+", "-", kept).strip("-") or "download"


def content_disposition(name: str, disposition: Disposition = "attachment") -> str:
    """The header's value for a file called `name`."""
    fallback = ascii_name(name)
    if fallback == name:
        return f'{disposition}; filename="{name}"'
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
