"""`python -m qurb`: the `qurb` command line."""

from qurb.app.cli import app

app(prog_name="qurb")
