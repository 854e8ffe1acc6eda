"""`python -m eden` runs the CLI (the same as the `eden` command, ending the same way)."""

from eden.cli import run

run()
