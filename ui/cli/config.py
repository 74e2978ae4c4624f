"""``troly config``: print the effective settings (after env, troly.toml and options)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table


def register(app: typer.Typer) -> None:
    @app.command("config")
    def config_cmd(
        ctx: typer.Context,
        as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
        markdown: bool = typer.Option(False, "--markdown", help="Print the table as Markdown (used for the README)."),
    ) -> None:
        """Print the effective settings.

        Example: TROLY_K=8 troly config --json
        """
        from ui.cli import settings_of

        settings = settings_of(ctx)
        values = settings.model_dump(mode="json")
        if "llm_api_key" in values and values["llm_api_key"] not in ("", "none"):
            values["llm_api_key"] = "***"
        if as_json:
            typer.echo(json.dumps(values, ensure_ascii=False, indent=2))
            return
        if markdown:
            typer.echo("| setting | environment variable | value | meaning |\n|---|---|---|---|")
            for name, field in type(settings).model_fields.items():
                typer.echo(f"| `{name}` | `TROLY_{name.upper()}` | `{values[name]}` | {field.description or ''} |")
            return
        table = Table("setting", "env", "value", "meaning")
        for name, field in type(settings).model_fields.items():
            table.add_row(name, f"TROLY_{name.upper()}", str(values[name]), field.description or "")
        Console().print(table)
