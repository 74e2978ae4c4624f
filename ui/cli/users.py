"""``troly users``: create, list and remove API users (keys are shown once)."""

from __future__ import annotations

import typer

from service.auth import CLASSIFICATION_LEVELS, ROLES, AuthError, UserStore
from ui.cli import settings_of

app = typer.Typer(
    help="Manage API users: roles (reader, editor, admin), clearance levels and API keys.\n\n"
    "Example: troly users add lan --role editor --clearance mat",
    no_args_is_help=True,
)


def _store(ctx: typer.Context) -> UserStore:
    return UserStore.for_data_dir(settings_of(ctx).data_dir)


@app.command("add")
def add_cmd(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="User name (letters, digits, _.@-)."),
    role: str = typer.Option("reader", "--role", help=f"One of: {', '.join(ROLES)}."),
    clearance: str = typer.Option("public", "--clearance", help=f"One of: {', '.join(CLASSIFICATION_LEVELS)}."),
) -> None:
    """Add a user and print its API key once (only its hash is stored).

    Example: troly users add lan --role reader --clearance internal
    """
    try:
        user, key = _store(ctx).add(name, role=role, clearance=clearance)
    except AuthError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"created {user.name} (role {user.role}, clearance {user.clearance}); API key (shown once):", err=True)
    typer.echo(key)


@app.command("list")
def list_cmd(ctx: typer.Context) -> None:
    """List users (never their keys)."""
    users = _store(ctx).users()
    if not users:
        typer.echo("no users: the API runs in open mode on loopback only (see DEVELOPERS.md)")
        return
    for user in users:
        typer.echo(f"{user.name}\t{user.role}\t{user.clearance}\t{user.created}")


@app.command("remove")
def remove_cmd(ctx: typer.Context, name: str = typer.Argument(..., help="User to remove.")) -> None:
    """Remove a user; its API key stops working at once."""
    try:
        _store(ctx).remove(name)
    except AuthError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"removed {name}")
