"""``troly compare OLD NEW``: what changed between two versions of a draft (any supported format on either side)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rag.compare import Comparison


def print_comparison(result: Comparison) -> None:
    """Changes grouped by section; each one quotes both versions and says what changed."""
    from rag.compare import KIND_LABELS

    typer.echo(f"So sánh: {result.old_name} (dự thảo lần trước) → {result.new_name} (dự thảo này)")
    typer.echo(f"Văn bản: {result.new_title}")
    counts = result.counts()
    summary = ", ".join(f"{n} {KIND_LABELS[k].lower()}" for k, n in counts.items()) or "không có thay đổi về nội dung"
    typer.echo(
        f"{result.sections_old} mục ở bản trước, {result.sections_new} mục ở bản này, {result.paired} mục khớp nhau; "
        f"{len(result.changes)} thay đổi ({summary})."
    )
    section = None
    for n, change in enumerate(result.changes, start=1):
        if change.section != section:
            section = change.section
            typer.echo(f"\n== {section}")
        typer.echo(f"[{n}] {change.remark()}")
        if change.old is not None:
            where = f" ({change.old.path})" if change.old.path != section else ""
            typer.echo(f"    Trước{where}: “{_one_line(change.old.text) or '(không có)'}”")
        if change.new is not None:
            where = f" ({change.new.path})" if change.new.path != section else ""
            typer.echo(f"    Nay{where}: “{_one_line(change.new.text) or '(không có)'}”")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def register(app: typer.Typer) -> None:
    @app.command("compare")
    def compare_cmd(
        old: Path = typer.Argument(..., help="The earlier draft (.docx, .pdf, .txt, .md, .html)."),
        new: Path = typer.Argument(..., help="The later draft (any supported format)."),
        as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
        docx: Path | None = typer.Option(None, "--docx", help="Also write a 'bảng so sánh' .docx (party layout)."),
        organisation: str = typer.Option("", "--org", help=".docx header: the drafting body."),
        superior: str = typer.Option("", "--superior", help=".docx header: the party committee above it."),
        place: str = typer.Option("", "--place", help=".docx date line: place name."),
    ) -> None:
        """Compare two versions of a draft: sections renamed, moved, split or merged; sentences added, removed,
        changed, with changed figures, dates and bodies called out. Nothing is indexed.

        Example: troly compare du-thao-lan-1.docx du-thao-lan-2.pdf --docx bang-so-sanh.docx
        """
        from ingest.errors import IngestFileError, user_reason
        from rag.compare import compare_files
        from rag.docx_export import comparison_docx_bytes, has_control_chars

        for name, value in (("--org", organisation), ("--superior", superior), ("--place", place)):
            if value and has_control_chars(value):
                typer.echo(f"Lỗi: {name} chứa ký tự điều khiển (không in được) – hãy gõ lại.", err=True)
                raise typer.Exit(2)
        for path in (old, new):
            if not path.is_file():
                typer.echo(f"Lỗi: {path}: không có tệp này", err=True)
                raise typer.Exit(1)
        try:
            result = compare_files(old, new)
        except IngestFileError as exc:
            typer.echo(f"Lỗi: {exc.path}: {user_reason(exc.reason)}", err=True)
            raise typer.Exit(1) from exc
        if as_json:
            typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            print_comparison(result)
        if docx is not None:
            docx.parent.mkdir(parents=True, exist_ok=True)
            docx.write_bytes(comparison_docx_bytes(result, organisation, superior, place))
            typer.echo(f"Đã ghi {docx}", err=as_json)
