"""Allows `python -m monitor` as an alias of the `pulse` command."""

from monitor.cli.main import run

run()
