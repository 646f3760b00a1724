"""A quick command line: `qurb --help` lists every command from its declaration without
importing any feature, a cheap command imports what it uses and nothing heavy, and every
command listed still loads and shows its own help (no timing here: see
benchmarks/startup.py)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qurb.app.cli import app, declared_commands, help_key, load_command, option_keys
from qurb.app.dataset import InitReport
from qurb.app.features import Command
from qurb.kernel.i18n import catalogue, has_key

# Never for --help nor a cheap command: the solvers and the dialect of another database.
HEAVY = ("scipy", "highspy", "pyvrp", "sqlalchemy.dialects.postgresql")

# Runs the `qurb` entry point in a fresh interpreter and writes the names of every module
# imported, at exit, to the file named by QURB_MODULES_OUT.
_RUN_AND_LIST_MODULES = (
    "import atexit, os, sys\n"
    "def _list():\n"
    "    with open(os.environ['QURB_MODULES_OUT'], 'w', encoding='utf-8') as f:\n"
    "        f.write('\\n'.join(sorted(sys.modules)))\n"
    "atexit.register(_list)\n"
    "from qurb.app.cli import app\n"
    "app(sys.argv[1:], prog_name='qurb')\n"
)

runner = CliRunner()


def _qurb(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    listing = tmp_path / "modules.txt"
    result = subprocess.run(
        [sys.executable, "-c", _RUN_AND_LIST_MODULES, *args],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "COLUMNS": "200",
            "NO_COLOR": "1",
            "QURB_MODULES_OUT": str(listing),
            # The child finds qurb as this process does (an install, or PYTHONPATH=src).
            "PYTHONPATH": ":".join(p for p in sys.path if p),
        },
        timeout=600,
    )
    return result, set(listing.read_text(encoding="utf-8").split())


def _loaded(modules: set[str], *names: str) -> list[str]:
    return [n for n in names if n in modules or any(m.startswith(n + ".") for m in modules)]


def test_help_lists_every_command_and_imports_no_feature(tmp_path: Path) -> None:
    result, modules = _qurb(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    for command in declared_commands():
        assert f"│ {command.name} " in result.stdout, command.name
    text = " ".join(result.stdout.replace("│", " ").split())
    assert "Ranked gaps: facilities missing under a norm" in text
    assert _loaded(modules, *HEAVY) == []
    # Nor the database layer, NumPy, the web framework or any feature's module.
    assert _loaded(modules, "sqlalchemy", "numpy", "fastapi", "starlette") == []
    # The help's words are read from the catalogues' JSON: no CLDR library for them.
    assert _loaded(modules, "babel") == []
    features = (
        "territory",
        "identity",
        "registry",
        "norms",
        "access",
        "siting",
        "caravans",
        "indicators",
    )
    assert _loaded(modules, *(f"qurb.{name}" for name in features)) == []
    assert "qurb.app.cli" in modules  # the listing was taken from the run itself


# SQLite on purpose below: what a command imports includes its database's dialect.
def test_gaps_of_a_province_imports_nothing_heavy(
    national_db_file: tuple[Path, InitReport], tmp_path: Path
) -> None:
    db = f"sqlite:///{national_db_file[0]}"
    result, modules = _qurb(tmp_path, "gaps", "-t", "Ifrane", "-f", "csv", "--db", db)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(line for line in io.StringIO(result.stdout) if line[0] != "#"))
    # Azrou: 57,657 inhabitants, 3 ESSP against 4.7 at the national average.
    (azrou,) = [r for r in rows if r["code"] == "03.271.01.01"]
    assert azrou["rule"] == "essp-per-12300" and azrou["missing"] == "2"
    assert _loaded(modules, *HEAVY) == []
    # No unit of Ifrane lacks a hospital: no travel-time model, so no NumPy either.
    assert _loaded(modules, "numpy", "fastapi", "qurb.access", "qurb.siting") == []
    assert "sqlalchemy.dialects.sqlite" in modules  # the dialect in use is loaded


def test_a_command_that_needs_the_model_loads_it_without_scipy_nor_another_dialect(
    national_db_file: tuple[Path, InitReport], tmp_path: Path
) -> None:
    # Moulay Yacoub has no hospital: its bed line names the nearest one by the
    # commune-graph model (NumPy), searched without SciPy in a command. The check above
    # can see NumPy.
    db = f"sqlite:///{national_db_file[0]}"
    result, modules = _qurb(tmp_path, "gaps", "-t", "Moulay Yacoub", "-f", "csv", "--db", db)
    assert result.returncode == 0, result.stderr
    assert "hosp-03.231.01.05-hopital-des-specialites" in result.stdout
    assert _loaded(modules, "numpy", "qurb.algo.commune_graph") == [
        "numpy",
        "qurb.algo.commune_graph",
    ]
    assert _loaded(modules, *HEAVY) == []


def test_listing_saved_scenarios_loads_no_solver(
    national_db_file: tuple[Path, InitReport], tmp_path: Path
) -> None:
    db = f"sqlite:///{national_db_file[0]}"
    result, modules = _qurb(tmp_path, "scenarios", "list", "-f", "csv", "--db", db)
    assert result.returncode == 0, result.stderr
    assert "id,name,kind,visibility,territory,offer,objective," in result.stdout
    assert _loaded(modules, "highspy", "pyvrp", "sqlalchemy.dialects.postgresql") == []
    assert "qurb.siting.service" in modules


@pytest.mark.parametrize("command", declared_commands(), ids=lambda c: c.name)
def test_every_listed_command_loads_and_shows_its_own_help(command: Command) -> None:
    result = runner.invoke(app, [command.name, "--help"], prog_name="qurb", env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"Usage: qurb {command.name} [OPTIONS]" in result.output
    # The declared one-line help is the first paragraph of the command's own.
    loaded = load_command(command)
    first_paragraph = (loaded.help or "").split("\n\n")[0]
    assert " ".join(first_paragraph.split()) == " ".join(command.help.split())
    assert " ".join(command.help.split()) in " ".join(result.output.split())


def test_an_unknown_command_is_refused_with_the_close_names() -> None:
    result = runner.invoke(app, ["gap"], prog_name="qurb", env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "No such command 'gap'" in result.output and "'gaps'" in result.output


def _walk(command: object, path: str) -> list[tuple[str, object]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += _walk(sub, f"{path} {name}")
    return found


@pytest.mark.parametrize("command", declared_commands(), ids=lambda c: c.name)
def test_every_help_is_in_the_catalogues_and_its_english_is_the_code_s(command: Command) -> None:
    english = catalogue("en")
    for path, loaded in _walk(load_command(command), command.name):
        declared = " ".join((getattr(loaded, "help", "") or "").split("\n\n")[0].split())
        assert english[help_key(path)] == declared, path
        for param in getattr(loaded, "params", []):
            if getattr(param, "help", None):
                key = next((k for k in option_keys(path, param) if has_key(k)), None)
                assert key is not None, (path, param.name)
                assert english[key] == param.help, (path, param.name)  # type: ignore[attr-defined]


def test_help_in_arabic_and_french(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QURB_LANG", "en")  # --lang keeps its choice there: put back after
    env = {"COLUMNS": "200"}
    arabic = runner.invoke(app, ["--lang", "ar", "gaps", "--help"], prog_name="qurb", env=env)
    assert arabic.exit_code == 0, arabic.output
    text = " ".join(arabic.output.replace("│", " ").split())
    assert "الخصاص مرتبًا: المؤسسات الناقصة بالنسبة لمعيار، أو دون نسبة متوسطة وطنية." in text
    assert "عرض الأسطر التي بها خصاص فقط." in text  # --only-gaps
    assert "Ranked gaps" not in text
    french = runner.invoke(app, ["--lang", "fr", "--help"], prog_name="qurb", env=env)
    text = " ".join(french.output.replace("│", " ").split())
    assert "Écarts classés : établissements manquants au regard d'une norme" in text
    assert "Langue des messages : fr, ar ou en" in text
    # The same command loaded once speaks English again when asked in English.
    english = runner.invoke(app, ["--lang", "en", "gaps", "--help"], prog_name="qurb", env=env)
    assert "Ranked gaps: facilities missing under a norm" in english.output


def test_collecting_resumes_once_the_command_is_loaded() -> None:
    """`main` puts garbage collection off while a command's modules load; loading the
    command freezes what they made and collects again (rarely: 50,000 new objects)."""
    import gc

    from qurb.app.cli import _resume_collecting

    before = gc.get_threshold()
    gc.disable()
    try:
        _resume_collecting()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == 50_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        gc.enable()
    _resume_collecting()  # collecting was on: nothing changes
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before
