"""``troly search``: ranked passages with scores and their source (or JSON for other tools)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table


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
        from rag.serialize import hit_to_dict
        from ui.cli.docs import cli_service

        # Through the same clearance-aware service as the API and the UI (audited, channel "cli").
        service, user = cli_service(ctx, max_level)
        hits = service.search(user, query, k or service.settings.k, channel="cli", doc_id=doc, topic=topic)
        if as_json:
            typer.echo(json.dumps([hit_to_dict(h) for h in hits], ensure_ascii=False, indent=2))
            return
        if not hits:
            typer.echo(
                "Không tìm thấy đoạn nào."
                if service.index.count()
                else "Bộ sưu tập chưa có tài liệu: chạy `troly ingest ĐƯỜNG_DẪN` trước."
            )
            return
        table = Table("#", "điểm", "nguồn", "đoạn văn", show_lines=True)
        for i, h in enumerate(hits, start=1):
            c = h.chunk
            where = c.doc_title + (f"\nchuyên đề {c.topic}" if c.topic is not None else "")
            where += f"\n{c.section}" if c.section else ""
            where += f"\n[{c.start}:{c.end}]"
            table.add_row(str(i), f"{h.score:.4f}", where, c.text)
        Console().print(table)
