"""``troly ingest``: placeholder until its issue lands (see issues)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest_cmd() -> None:
        """Not implemented yet."""
        typer.echo("troly ingest is not implemented yet", err=True)
        raise typer.Exit(2)
