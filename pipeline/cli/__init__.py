"""The `wirewatch` command: click commands in `main`, and the terminal side of the
longer ones (demo, eval, bench, the event table)."""

from pipeline.cli.main import entry, main

__all__ = ["entry", "main"]
