"""`python -m pipeline.cli`: the `wirewatch` command, for child processes and tests."""

from pipeline.cli.main import entry

entry()
