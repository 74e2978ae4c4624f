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


def _audit(ctx: typer.Context, action: str, **extra: str) -> None:
    """A users change is a write like any other: one audit line under the operator's CLI identity."""
    from service.audit import AuditLog
    from ui.cli.identity import cli_user

    settings = settings_of(ctx)
    AuditLog.for_settings(settings).record(cli_user(settings, None).name, action, channel="cli", **extra)


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
        typer.echo(f"Lỗi: {exc}", err=True)
        raise typer.Exit(2) from exc
    _audit(ctx, "user_add", target=user.name, role=user.role, clearance=user.clearance)
    typer.echo(
        f"đã tạo {user.name} (vai trò {user.role}, độ mật {user.clearance}); khoá API (chỉ hiện một lần):", err=True
    )
    typer.echo(key)


@app.command("list")
def list_cmd(ctx: typer.Context) -> None:
    """List users (never their keys)."""
    users = _store(ctx).users()
    if not users:
        typer.echo("chưa có người dùng: máy chủ chạy ở chế độ mở, chỉ cho máy cục bộ (xem DEVELOPERS.md)")
        return
    for user in users:
        typer.echo(f"{user.name}\t{user.role}\t{user.clearance}\t{user.created}")


@app.command("remove")
def remove_cmd(ctx: typer.Context, name: str = typer.Argument(..., help="User to remove.")) -> None:
    """Remove a user; its API key stops working at once."""
    try:
        _store(ctx).remove(name)
    except AuthError as exc:
        typer.echo(f"Lỗi: {exc}", err=True)
        raise typer.Exit(2) from exc
    _audit(ctx, "user_remove", target=name)
    typer.echo(f"đã xoá người dùng {name}")
