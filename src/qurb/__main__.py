"""`python -m qurb`: the `qurb` command line."""

from qurb.app.cli import main

main()
