"""``troly docs``: placeholder until its issue lands (see issues)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("docs")
    def docs_cmd() -> None:
        """Not implemented yet."""
        typer.echo("troly docs is not implemented yet", err=True)
        raise typer.Exit(2)
