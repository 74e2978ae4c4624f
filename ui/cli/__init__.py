"""The ``troly`` command line: one small module per verb group (see ui/cli/*.py).

The root callback builds the :class:`~rag.settings.Settings` once from the
global options and the environment and stores it on the Typer context; every
command takes it from there, so nothing deeper reads the environment.
"""

from __future__ import annotations

from pathlib import Path

from rag.offline import enforce_offline

enforce_offline()

import typer  # noqa: E402

from rag.settings import Settings  # noqa: E402

app = typer.Typer(
    name="troly",
    help="Trợ lý văn kiện – offline assistant for Vietnamese party-work documents.\n\n"
    'Example: troly ingest corpus/ && troly ask "Tăng trưởng kinh tế năm 2025 đạt bao nhiêu?"',
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Data directory (env TROLY_DATA_DIR, default ./data)."
    ),
    collection: str | None = typer.Option(None, "--collection", "-c", help="Collection name (env TROLY_COLLECTION)."),
) -> None:
    """Build the settings once; commands read them from ``ctx.obj``."""
    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if collection is not None:
        overrides["collection"] = collection
    try:
        ctx.obj = Settings(**overrides)  # type: ignore[arg-type]
    except Exception as exc:  # pydantic ValidationError: show it as a usage error, not a traceback
        raise typer.BadParameter(str(exc)) from exc


def settings_of(ctx: typer.Context) -> Settings:
    """The settings built by :func:`root` (walks up to the root context)."""
    root_ctx = ctx.find_root()
    assert isinstance(root_ctx.obj, Settings)
    return root_ctx.obj


def _register() -> None:
    # Imported here so each verb group stays in its own module (like simonw/llm).
    from ui.cli import ask, bench, config, docs, doctor, draft, evaluate, ingest, search, serve, users

    for module in (ingest, search, ask, draft, serve, docs, config, doctor):
        module.register(app)
    from ui.cli import compare, figures

    compare.register(app)
    figures.register(app)
    app.add_typer(evaluate.app, name="eval")
    app.add_typer(bench.app, name="bench")
    app.add_typer(users.app, name="users")


_register()


def main() -> None:
    """Console-script entry point."""
    app()
