"""``troly search``: ranked passages with scores and their source (or JSON for other tools)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from ui.cli.ingest import open_index_or_exit


def hit_to_json(hit) -> dict:
    """The stable JSON shape of one hit (other tools rely on these key names)."""
    c = hit.chunk
    return {
        "text": c.text,
        "document": c.doc_id,
        "document_title": c.doc_title,
        "doc_type": c.doc_type,
        "topic": c.topic,
        "topic_title": c.topic_title,
        "section": c.section,
        "score": round(hit.score, 6),
        "start": c.start,
        "end": c.end,
        "page": c.page,
        "chunk_id": c.chunk_id,
        "dense_rank": hit.dense_rank,
        "lexical_rank": hit.lexical_rank,
    }


def register(app: typer.Typer) -> None:
    @app.command("search")
    def search_cmd(
        ctx: typer.Context,
        query: str = typer.Argument(..., help="Question or keywords; tone marks optional."),
        topic: int | None = typer.Option(None, "--topic", "-t", help="Only passages of this topic number."),
        k: int | None = typer.Option(None, "--k", "-k", min=1, max=100, help="Passages to return (default TROLY_K)."),
        doc: str | None = typer.Option(None, "--doc", help="Only passages of this document id."),
        max_level: str = typer.Option("public", "--max-level", help="Highest classification to search."),
        as_json: bool = typer.Option(False, "--json", help="Print a JSON list (text, document, topic, ...)."),
    ) -> None:
        """Search the collection (hybrid dense + BM25).

        Example: troly search "giai ngan von dau tu cong" --k 3 --json
        """
        from ingest.model import CLASSIFICATION_LEVELS
        from rag.retrieval import HybridRetriever, SearchFilters
        from ui.cli import settings_of

        if max_level not in CLASSIFICATION_LEVELS:
            raise typer.BadParameter(f"--max-level must be one of {', '.join(CLASSIFICATION_LEVELS)}")
        settings = settings_of(ctx)
        index = open_index_or_exit(settings)
        retriever = HybridRetriever(index=index, settings=settings)
        hits = retriever.search(query, k=k, filters=SearchFilters(doc_id=doc, topic=topic, max_level=max_level))
        if as_json:
            typer.echo(json.dumps([hit_to_json(h) for h in hits], ensure_ascii=False, indent=2))
            return
        if not hits:
            typer.echo(
                "No passage found." if index.count() else "The collection is empty: run `troly ingest PATH` first."
            )
            return
        table = Table("#", "score", "source", "passage", show_lines=True)
        for i, h in enumerate(hits, start=1):
            c = h.chunk
            where = c.doc_title + (f"\nchuyên đề {c.topic}" if c.topic is not None else "")
            where += f"\n{c.section}" if c.section else ""
            where += f"\n[{c.start}:{c.end}]"
            table.add_row(str(i), f"{h.score:.4f}", where, c.text)
        Console().print(table)
