"""``troly doctor``: check that Chroma, SQLite and the lexical index agree; ``--repair`` fixes them."""

from __future__ import annotations

import json

import typer

from ui.cli import settings_of


def register(app: typer.Typer) -> None:
    @app.command("doctor")
    def doctor_cmd(
        ctx: typer.Context,
        repair: bool = typer.Option(
            False,
            "--repair",
            help="Re-embed missing vectors, drop stray ones, rebuild the lexical index, and copy the vectors into a "
            "fresh Chroma collection when a search misses some of them.",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    ) -> None:
        """Check the collection's stores agree (ids and counts per document, generation, restorer) and that a
        search finds every vector (Chroma can lose some after heavy deletes; ~2 s per 20,000 vectors).

        Exit code 0 when they agree, 1 when something is wrong (each finding says how to repair it).

        Example: troly doctor && troly doctor --repair
        """
        from rag.embeddings import EmbeddingModelError
        from rag.index import Index, IndexModelMismatchError, IndexUnavailableError
        from rag.index_health import check
        from rag.index_health import repair as repair_index

        settings = settings_of(ctx)
        if not (settings.collection_dir / "index.sqlite3").is_file():
            typer.echo(f"error: no collection {settings.collection!r} under {settings.data_dir}", err=True)
            raise typer.Exit(1)
        try:
            index = Index.open(settings, repair=False)  # as found: opening normally would already repair some of it
        except (IndexModelMismatchError, IndexUnavailableError, EmbeddingModelError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from exc
        report = check(index)
        actions: list[str] = []
        if repair and not report.ok:
            actions = repair_index(index)
            report = check(index)
        if as_json:
            typer.echo(json.dumps({**report.to_dict(), "repaired": actions}, ensure_ascii=False, indent=2))
        else:
            _print(report, actions)
        index.close()
        if not report.ok:
            raise typer.Exit(1)


def _print(report: object, actions: list[str]) -> None:
    from rag.index_health import HealthReport

    assert isinstance(report, HealthReport)
    typer.echo(
        f"collection {report.collection!r}: generation {report.generation}, {report.documents} document(s), "
        f"{report.chunks} chunk row(s), {report.vectors} vector(s), {report.lexical_rows} lexical row(s) "
        f"(generation {report.lexical_generation})"
    )
    for action in actions:
        typer.echo(f"repaired: {action}")
    for finding in report.findings:
        typer.echo(f"problem: {finding.problem} → {finding.repair}")
    typer.echo("OK: Chroma, SQLite and the lexical index agree" if report.ok else f"{len(report.findings)} problem(s)")
