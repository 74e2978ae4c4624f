"""``troly ask``: placeholder until its issue lands (see issues)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("ask")
    def ask_cmd() -> None:
        """Not implemented yet."""
        typer.echo("troly ask is not implemented yet", err=True)
        raise typer.Exit(2)
