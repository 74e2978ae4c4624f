"""``troly docs``: list, remove and inspect the topics of ingested documents."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from ui.cli.ingest import open_index_or_exit

docs_app = typer.Typer(
    help="List or remove ingested documents; show their topics.\n\nExample: troly docs list",
    no_args_is_help=True,
)


@docs_app.command("list")
def list_cmd(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the documents of the collection.

    Example: troly docs list
    """
    from ui.cli import settings_of

    index = open_index_or_exit(settings_of(ctx))
    counts = index.document_chunk_counts()
    rows = [
        {
            "doc_id": d.doc_id,
            "title": d.title,
            "doc_type": d.doc_type,
            "classification": d.classification,
            "chunks": counts.get(d.doc_id, 0),
            "topics": len(d.topics),
            "path": d.path,
        }
        for d in index.documents()
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("doc_id", "title", "type", "level", "chunks", "topics", "path")
    for r in rows:
        table.add_row(
            *(str(r[key]) for key in ("doc_id", "title", "doc_type", "classification", "chunks", "topics", "path"))
        )
    Console().print(table)
    typer.echo(f"{len(rows)} document(s), {index.count()} chunk(s) in collection {index.settings.collection!r}")


@docs_app.command("remove")
def remove_cmd(
    ctx: typer.Context, doc_id: str = typer.Argument(..., help="Document id (see `troly docs list`).")
) -> None:
    """Remove a document and its passages from both stores.

    Example: troly docs remove goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025
    """
    from ui.cli import settings_of

    index = open_index_or_exit(settings_of(ctx))
    if index.get_document(doc_id) is None:
        typer.echo(f"error: no document {doc_id!r} in collection {index.settings.collection!r}", err=True)
        raise typer.Exit(1)
    removed = index.delete_document(doc_id)
    typer.echo(f"removed {doc_id} ({removed} chunk(s))")


@docs_app.command("topics")
def topics_cmd(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show the numbered topics found in the documents and the organisations assigned to each.

    Example: troly docs topics
    """
    from ui.cli import settings_of

    index = open_index_or_exit(settings_of(ctx))
    rows = [
        {"doc_id": d.doc_id, "number": t.number, "title": t.title, "organisations": t.organisations}
        for d, t in index.topics()
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("document", "#", "title", "organisations", show_lines=True)
    for r in rows:
        table.add_row(r["doc_id"], str(r["number"]), r["title"], "\n".join(r["organisations"]))
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(docs_app, name="docs")
