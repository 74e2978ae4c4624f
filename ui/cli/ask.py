"""``troly ask``: a grounded answer with its citations, or a refusal.

``troly ask "…"`` prints the answer and its sources; ``--json`` prints one
JSON object; ``troly ask --json -`` answers one question per stdin line and
prints one JSON object per line (batch evaluation reads this).
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from rag.answer import Answer, AnswerPipeline
    from rag.settings import Settings


def open_index(settings: Settings) -> Any:
    """The configured collection's index; exits with a one-line message when it cannot be used."""
    from rag.index import Index

    try:
        index = Index.open(settings)
    except Exception as exc:  # model mismatch, unreadable store: one line, no traceback
        typer.echo(f"Lỗi: không mở được chỉ mục {settings.collection_dir}: {exc}", err=True)
        raise typer.Exit(1) from exc
    if index.count() == 0:
        typer.echo(
            f"Lỗi: bộ sưu tập '{settings.collection}' chưa có tài liệu – chạy `troly ingest corpus/` trước.", err=True
        )
        raise typer.Exit(1)
    return index


def open_pipeline(settings: Settings) -> AnswerPipeline:
    """Index + retriever + generator for the configured collection."""
    from rag.answer import AnswerPipeline

    index = open_index(settings)
    try:
        return AnswerPipeline(settings, index)
    except ValueError as exc:  # e.g. TROLY_GENERATOR=openai without TROLY_LLM_URL
        typer.echo(f"Lỗi cấu hình: {exc}", err=True)
        raise typer.Exit(1) from exc


def answer_json(answer: Answer) -> dict[str, Any]:
    """The CLI/API JSON shape: answer, refused, citations (document, topic, section, quote, start, end, …)."""
    data = answer.to_dict()
    data.pop("hits", None)
    return data


def print_answer(answer: Answer) -> None:
    """Human-readable answer and numbered sources."""
    typer.echo(answer.answer)
    if answer.notice:
        typer.echo(f"({answer.notice})", err=True)
    if answer.refused:
        typer.echo(f"(lý do: {answer.reason})", err=True)
        return
    typer.echo("\nNguồn:")
    for c in answer.citations:
        where = c.document + (f" – chuyên đề {c.topic}" if c.topic is not None else "")
        where += f" – {c.section}" if c.section else ""
        where += f" – trang {c.page}" if c.page else ""
        quote = " ".join(c.quote.split())
        typer.echo(f"[{c.n}] {where} (ký tự {c.start}–{c.end}): “{quote}”")


def stream_to_stderr(pipeline: AnswerPipeline, question: str, filters: Any, k: int | None) -> Answer:
    """Show an LLM's text on stderr as it arrives; the validated answer is then printed on stdout."""
    final: Answer | None = None
    for item in pipeline.ask_stream(question, filters=filters, k=k):
        if isinstance(item, str):
            typer.echo(item, nl=False, err=True)
        else:
            final = item
    typer.echo("\n(đã kiểm chứng trích dẫn:)", err=True)
    assert final is not None
    return final


def register(app: typer.Typer) -> None:
    @app.command("ask")
    def ask_cmd(
        ctx: typer.Context,
        question: str = typer.Argument(..., help='The question, or "-" to read one question per line from stdin.'),
        topic: int | None = typer.Option(None, "--topic", "-t", help="Only passages of this topic number."),
        k: int | None = typer.Option(None, "--k", "-k", min=1, max=100, help="Passages to retrieve (default TROLY_K)."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON (one object per question)."),
    ) -> None:
        """Answer a question from the ingested documents, citing the passages used.

        Example: troly ask "Tăng trưởng kinh tế năm 2025 đạt bao nhiêu?" --json
        """
        from rag.retrieval import SearchFilters
        from ui.cli import settings_of

        filters = SearchFilters(topic=topic) if topic is not None else None
        pipeline = open_pipeline(settings_of(ctx))
        questions = [line.strip() for line in sys.stdin] if question == "-" else [question]
        live = not as_json and pipeline.generator.name != "extractive"
        for q in questions:
            if not q:
                continue
            answer = stream_to_stderr(pipeline, q, filters, k) if live else pipeline.ask(q, filters=filters, k=k)
            if as_json:
                typer.echo(json.dumps(answer_json(answer), ensure_ascii=False))
            else:
                print_answer(answer)
                if len(questions) > 1:
                    typer.echo("")
