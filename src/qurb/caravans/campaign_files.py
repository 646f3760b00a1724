"""A campaign file sent by the page (TOML, as `examples/caravan-boulemane.toml`, or the same
keys as JSON) read into a checked spec: every problem named with the file's name and the
field (a syntax error with its line and column), nothing kept."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date
from pathlib import PurePath
from typing import Any

from qurb.caravans.catalogue import check_campaign, parse_campaign
from qurb.caravans.model import CampaignError, CampaignSpec

# A campaign file is a few kilobytes; beyond a megabyte it is not one.
MAX_FILE_BYTES = 1024 * 1024
FIELD = "file"
# tomllib ends its messages with "(at line 3, column 7)".
TOML_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def read_campaign_bytes(name: str, data: bytes, today: date) -> CampaignSpec:
    """The spec of a campaign file, parsed and checked (`parse_campaign`, then
    `check_campaign` with `today`); CampaignError naming the file otherwise."""
    if len(data) > MAX_FILE_BYTES:
        values = {"file": name, "size": len(data), "limit": MAX_FILE_BYTES}
        raise CampaignError(code="campaign_file_too_large", values=values)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        values = {"file": name, "byte": error.start + 1}
        raise CampaignError(code="campaign_file_encoding", values=values) from None
    content = _json(name, text) if _is_json(name, text) else _toml(name, text)
    if not isinstance(content, dict):
        raise CampaignError(code="campaign_file_not_object", values={"file": name})
    spec = parse_campaign(content, name)
    check_campaign(spec, today, name)
    return spec


def _is_json(name: str, text: str) -> bool:
    suffix = PurePath(name).suffix.lower()
    if suffix in (".json", ".toml"):
        return suffix == ".json"
    return text.lstrip().startswith(("{", "["))


def _json(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        values = {"file": name, "line": error.lineno, "column": error.colno, "detail": error.msg}
        raise CampaignError(code="campaign_file_json", values=values) from None
    except RecursionError:  # nested deeper than the reader goes: no campaign is
        raise CampaignError(code="campaign_file_too_deep", values={"file": name}) from None


def _toml(name: str, text: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        where = TOML_WHERE.search(message)
        line, column = (int(where.group(1)), int(where.group(2))) if where else (0, 0)
        detail = TOML_WHERE.sub("", message)
        values = {"file": name, "line": line, "column": column, "detail": detail}
        raise CampaignError(code="campaign_file_toml", values=values) from None
    except RecursionError:
        raise CampaignError(code="campaign_file_too_deep", values={"file": name}) from None
