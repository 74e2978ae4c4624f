"""``troly docs``: list, remove and inspect ingested documents (outline, topics, assignments)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from ingest.model import LEVEL_NAMES, ROLE_LABELS
from ui.cli.identity import AS_HELP, cli_user
from ui.cli.ingest import open_index_or_exit

docs_app = typer.Typer(
    help="List or remove ingested documents; show their topics.\n\nExample: troly docs list",
    no_args_is_help=True,
)


@docs_app.command("list")
def list_cmd(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    as_name: str | None = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """List the documents of the collection (those the identity may see; audited).

    Example: troly docs list
    """
    service, user = _service_as(ctx, as_name)
    counts = service.index.document_chunk_counts()
    summaries = service.documents(user, channel="cli")  # the summary table: no document's text is read
    rows = [
        {
            "doc_id": d.doc_id,
            "title": d.title,
            "doc_type": d.doc_type,
            "classification": d.classification,
            "chunks": counts.get(d.doc_id, 0),
            "topics": d.topics,
            "path": d.path,
        }
        for d in sorted(summaries, key=lambda d: d.doc_id)
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("mã tài liệu", "tiêu đề", "loại", "độ mật", "số đoạn", "số chuyên đề", "tệp")
    kinds = {d.doc_id: d.kind_name for d in summaries}
    for r in rows:
        table.add_row(
            r["doc_id"], r["title"], kinds[r["doc_id"]], LEVEL_NAMES.get(r["classification"], r["classification"]),
            *(str(r[key]) for key in ("chunks", "topics", "path")),
        )  # fmt: skip
    Console().print(table)
    passages = sum(r["chunks"] for r in rows)
    typer.echo(f"{len(rows)} tài liệu, {passages} đoạn trong bộ sưu tập {service.settings.collection!r}")


def _service_as(ctx: typer.Context, as_name: str | None) -> tuple[Any, Any]:
    """The service over this collection and the CLI's identity (the operator, or ``--as`` a registered user)."""
    from service.troly import TrolyService
    from ui.cli import settings_of

    settings = settings_of(ctx)
    user = cli_user(settings, as_name)
    return TrolyService(settings, index=open_index_or_exit(settings)), user


@docs_app.command("remove")
def remove_cmd(
    ctx: typer.Context,
    doc_id: str = typer.Argument(..., help="Document id (see `troly docs list`)."),
    as_name: str | None = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Remove a document and its passages from both stores (through the service: audited, clearance-checked).

    Example: troly docs remove goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025
    """
    from service.troly import Forbidden, NotFound, TrolyService
    from ui.cli import settings_of

    settings = settings_of(ctx)
    user = cli_user(settings, as_name)
    index = open_index_or_exit(settings)
    service = TrolyService(settings, index=index)
    chunks = index.document_chunk_counts().get(doc_id, 0)
    try:
        service.delete(user, doc_id, channel="cli")
    except NotFound as exc:  # absent, or above the identity's clearance: the same answer, as in the API
        typer.echo(f"Lỗi: không có tài liệu {doc_id!r} trong bộ sưu tập {index.settings.collection!r}", err=True)
        raise typer.Exit(1) from exc
    except Forbidden as exc:
        typer.echo(f"Lỗi: người dùng {user.name!r} không được xoá tài liệu", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"đã xoá {doc_id} ({chunks} đoạn)")


@docs_app.command("topics")
def topics_cmd(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    as_name: str | None = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Show the numbered topics found in the documents and the organisations assigned to each.

    Example: troly docs topics
    """
    service, user = _service_as(ctx, as_name)
    rows = [
        {"doc_id": d.doc_id, "number": t.number, "title": t.title, "organisations": t.organisations}
        for d, t in service.topics(user, channel="cli")
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("tài liệu", "#", "chuyên đề", "đơn vị thảo luận", show_lines=True)
    for r in rows:
        table.add_row(r["doc_id"], str(r["number"]), r["title"], "\n".join(r["organisations"]))
    Console().print(table)


def cli_service(ctx: typer.Context, max_level: str) -> tuple[Any, Any]:
    """The clearance-aware service over this collection and the CLI's user (reader, clearance ``max_level``)."""
    from service.auth import AuthError, open_mode_user
    from service.troly import TrolyService
    from ui.cli import settings_of

    try:
        user = open_mode_user(role="reader", clearance=max_level)
    except AuthError as exc:
        typer.echo(f"Lỗi: {exc}", err=True)
        raise typer.Exit(2) from exc
    settings = settings_of(ctx)
    return TrolyService(settings, index=open_index_or_exit(settings)), user


MAX_LEVEL_HELP = "Highest classification you may see (public, internal, mat, toi_mat, tuyet_mat)."


@docs_app.command("show")
def show_cmd(
    ctx: typer.Context,
    doc_id: str = typer.Argument(..., help="Document id (see `troly docs list`)."),
    max_level: str = typer.Option("public", "--max-level", help=MAX_LEVEL_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (meta, headings, assignments)."),
) -> None:
    """Show what was recovered from a document: metadata, heading tree and assignments.

    Example: troly docs show ke-hoach-3260-kh-ddqh15_2025-01-10.txt
    """
    from service.troly import NotFound

    service, user = cli_service(ctx, max_level)
    try:
        doc = service.document(user, doc_id)
    except NotFound as exc:
        level = LEVEL_NAMES.get(max_level, max_level)
        typer.echo(f"Lỗi: không có tài liệu {doc_id!r} (hoặc tài liệu mật hơn mức “{level}”)", err=True)
        raise typer.Exit(1) from exc
    if as_json:
        data = {
            "doc_id": doc.doc_id,
            "title": doc.title,
            "doc_type": doc.doc_type,
            "meta": asdict(doc.meta),
            "headings": [asdict(h) for h in doc.headings],
            "assignments": [asdict(a) for a in doc.assignments],
        }
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    typer.echo("\n".join(outline_lines(doc)))


META_LABELS = (
    ("kind_label", "loại"), ("number", "số/ký hiệu"), ("issuer", "cơ quan ban hành"),
    ("parent_issuer", "cơ quan cấp trên"), ("layout", "thể thức"), ("place", "địa danh"), ("date", "ngày"),
    ("date_text", "ghi"), ("trich_yeu", "trích yếu"), ("signer_position", "chức vụ ký"), ("signer", "người ký"),
)  # fmt: skip


def outline_lines(doc: Any) -> list[str]:
    """The outline as text lines: metadata fields, indented headings, then assignments grouped by body."""
    level = LEVEL_NAMES.get(doc.classification, doc.classification)
    lines = [f"{doc.doc_id}  [{doc.kind_name}, {level}]", doc.title, ""]
    for key, label in META_LABELS:
        value = getattr(doc.meta, key)
        if value:
            lines.append(f"{label}: {value}")
    if doc.meta.recipients:
        lines.append("nơi nhận: " + "; ".join(doc.meta.recipients))
    lines += ["", f"Đề mục ({len(doc.headings)}):"]
    lines += [
        f"{'  ' * h.level}{h.label} {short(h.title, 90) if h.title != h.label else ''}".rstrip() for h in doc.headings
    ]
    lines += ["", f"Giao nhiệm vụ ({len(doc.assignments)}):"]
    lines += [assignment_line(a) for a in doc.assignments]
    return lines


def short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def assignment_line(a: Any) -> str:
    deadline = f" (hạn: {a.deadline})" if a.deadline else ""
    where = f"  [{a.heading_path}]" if a.heading_path else ""
    return f"  - {a.body} — {ROLE_LABELS.get(a.role, a.role)}{deadline}: {short(a.task, 120)}{where}"


@docs_app.command("assignments")
def assignments_cmd(
    ctx: typer.Context,
    body: str = typer.Option("", "--body", help="Only bodies whose name contains this (accents optional)."),
    max_level: str = typer.Option("public", "--max-level", help=MAX_LEVEL_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
) -> None:
    """List tasks assigned to bodies (who chairs, who coordinates, who discusses what), with their source.

    Example: troly docs assignments --body "Bộ Tài chính"
    """
    service, user = cli_service(ctx, max_level)
    found = service.assignments(user, body=body, channel="cli")
    if as_json:
        rows = [{"doc_id": d.doc_id, **asdict(a)} for d, a in found]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not found:
        who = f" cho {body!r}" if body else ""
        typer.echo(f"không có nhiệm vụ nào được giao{who} trong bộ sưu tập {service.settings.collection!r}")
        return
    current = None
    for doc, a in found:
        if doc.doc_id != current:
            current = doc.doc_id
            typer.echo(f"{doc.doc_id} — {short(doc.title, 100)}")
        typer.echo(assignment_line(a))
    typer.echo(f"{len(found)} nhiệm vụ được giao")


def register(app: typer.Typer) -> None:
    app.add_typer(docs_app, name="docs")
