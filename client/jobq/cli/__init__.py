"""The `jobq` command line (Typer + Rich); `main` is the console script."""

from jobq.cli.app import app, main

__all__ = ["app", "main"]
