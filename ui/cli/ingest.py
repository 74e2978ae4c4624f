"""``troly ingest``: files → chunks → index, with a live progress bar and a one-screen summary.

Files that cannot be read are skipped with one line each in Vietnamese (never a
traceback; the developer's English reason goes to the log); the exit code is 0 as
long as at least one file made it in, so a folder with one broken PDF still ingests.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ui.cli.identity import AS_HELP, cli_user

log = logging.getLogger(__name__)


class RateColumn(ProgressColumn):
    """Items per second of a task, in the task's own unit (files/s, chunks/s)."""

    def render(self, task: Task) -> Text:
        unit = task.fields.get("unit", "mục")
        elapsed = task.finished_time if task.finished else task.elapsed
        if not elapsed or not task.completed:
            return Text(f"– {unit}/s")
        return Text(f"{task.completed / elapsed:.1f} {unit}/s")


def open_index_or_exit(settings: Any) -> Any:
    """Open the collection's index, turning known failures into a one-line error and exit code 1."""
    from rag.embeddings import EmbeddingModelError
    from rag.index import Index, IndexModelMismatchError, IndexUnavailableError

    try:
        return Index.open(settings)
    except (IndexModelMismatchError, IndexUnavailableError, EmbeddingModelError) as exc:
        typer.echo(f"Lỗi: không mở được chỉ mục {settings.collection_dir}: {exc}", err=True)
        raise typer.Exit(1) from exc


def _progress_callback(progress: Progress, task_id: Any) -> Any:
    """Adapter for ingest.pipeline's on_progress(Progress(path, done, total, chunks, error))."""

    def on_progress(p: Any) -> None:
        progress.update(task_id, completed=p.done, total=p.total, description=f"tệp ({Path(p.path).name[:30]})")

    return on_progress


def _count_skipped(index: Any, unchanged: list[str], stats: Any) -> None:
    """Files skipped by fingerprint never reached upsert: count them (and their chunks) as unchanged."""
    counts = index.document_chunk_counts()
    stats.documents_unchanged += len(unchanged)
    stats.chunks_unchanged += sum(counts.get(doc_id, 0) for doc_id in unchanged)


def _summary(indexed: Any, skipped: int, removed: list[str], seconds: float) -> Table:
    result, stats = indexed.result, indexed.stats
    table = Table("", "số lượng / chi tiết", title="troly ingest – kết quả", show_header=False)
    # One file may hold several documents (a công văn with its attached draft report): count files by path;
    # the documents are those indexed (a file above the identity's clearance is not among them).
    files_ok = len({doc.path for doc in indexed.documents}) + len(result.unchanged)
    table.add_row("tệp đã nạp", str(files_ok))
    table.add_row("tệp bị bỏ qua", str(skipped))
    table.add_row(
        "tài liệu thêm / cập nhật / không đổi",
        f"{stats.documents_added} / {stats.documents_updated} / {stats.documents_unchanged}",
    )
    table.add_row(
        "đoạn thêm / xoá / không đổi",
        f"{stats.chunks_added} / {stats.chunks_removed} / {stats.chunks_unchanged}",
    )
    if removed:
        table.add_row("tài liệu đã gỡ (--prune)", ", ".join(removed))
    table.add_row("thời gian (giây)", f"{seconds:.1f}".replace(".", ","))
    return table


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest_cmd(
        ctx: typer.Context,
        paths: list[Path] = typer.Argument(..., help="Files or folders (.txt .md .docx .pdf .html)."),
        prune: bool = typer.Option(False, "--prune", help="Remove indexed documents whose file is no longer given."),
        chunk_tokens: int | None = typer.Option(None, "--chunk-tokens", min=32, max=512, help="Target chunk size."),
        classification: str = typer.Option(
            "public", "--classification", help="Lowest classification of these files (a file stamped higher keeps it)."
        ),
        as_name: str | None = typer.Option(None, "--as", help=AS_HELP),
    ) -> None:
        """Read documents, split them into passages and index them (unchanged files cost nothing).

        Goes through the service like an upload: audited (channel "cli"), and a file stamped above the identity's
        clearance is refused. Example: troly ingest corpus/ --prune
        """
        from ingest.errors import user_reason
        from ingest.pipeline import discover_files
        from service.auth import AuthError, validate_clearance
        from service.troly import TrolyService
        from ui.cli import settings_of

        settings = settings_of(ctx)
        try:
            classification = validate_clearance(classification)
        except AuthError as exc:
            typer.echo(f"Lỗi: --classification: {exc}", err=True)
            raise typer.Exit(2) from exc
        user = cli_user(settings, as_name)
        if not user.can("editor"):
            typer.echo(f"Lỗi: người dùng {user.name!r} (vai trò {user.role}) không được nạp tài liệu", err=True)
            raise typer.Exit(2)
        missing = [p for p in paths if not p.exists()]
        if missing:
            typer.echo(f"Lỗi: {missing[0]}: không có tệp hay thư mục này", err=True)
            raise typer.Exit(1)
        started = time.perf_counter()
        index = open_index_or_exit(settings)
        service = TrolyService(settings, index=index)
        console = Console(stderr=True)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, RateColumn(), TimeElapsedColumn(), console=console) as bar:
            files = discover_files(paths)
            f_task = bar.add_task("tệp", total=len(files), unit="tệp")
            c_task = bar.add_task("đoạn", total=None, unit="đoạn")

            def on_index(stage: str, done: int, total: int) -> None:
                if stage == "embed":
                    bar.update(c_task, completed=done, total=total)

            # Each document's passages are embedded (into the cache) while the next file is read.
            report = service.ingest_paths(
                user,
                list(paths),
                classification,
                on_progress=on_index,
                chunk_tokens=chunk_tokens,
                known=index.source_hashes(),
                on_file=_progress_callback(bar, f_task),
                embed_ahead=True,
            )
            result, stats = report.indexed.result, report.indexed.stats
            bar.update(f_task, completed=len(files), description="tệp")
            _count_skipped(index, result.unchanged, stats)
            bar.update(c_task, completed=bar.tasks[c_task].total or 0)
        removed = index.prune(files) if prune else []
        if removed:
            service.audit.record(user.name, "delete", channel="cli", doc_ids=removed, reason="prune")
        Console().print(_summary(report.indexed, len(report.errors), removed, time.perf_counter() - started))
        for err in report.errors:  # plain lines: never wrapped or cut, easy to grep (refused levels included)
            log.info("skipped %s: %s", err.path, err.reason)
            typer.echo(f"bỏ qua {err.path}: {user_reason(err.reason)}")
        for warn in result.warnings:
            log.info("warning %s: %s", warn.path, warn.reason)
            typer.echo(f"cảnh báo {warn.path}: {user_reason(warn.reason)}")
        if not report.indexed.documents and not result.unchanged:
            typer.echo("Lỗi: không nạp được tệp nào", err=True)
            raise typer.Exit(1)
