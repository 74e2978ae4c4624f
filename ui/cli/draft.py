"""``troly draft``: talking points (dàn ý tham luận) for one topic, optionally as .docx."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rag.talking_points import TalkingPoints


def print_talking_points(tp: TalkingPoints) -> None:
    """Readable outline with numbered sources."""
    from rag.talking_points import LENGTHS, TONES

    subject = f"Chuyên đề {tp.topic}: {tp.topic_title}" if tp.topic else f"Chủ đề: {tp.topic_title}"
    typer.echo(f"THAM LUẬN – {subject}")
    typer.echo(f"Đơn vị: {tp.organisation}")
    typer.echo(f"Giọng văn: {TONES.get(tp.tone, tp.tone)} · Độ dài: {LENGTHS.get(tp.length, tp.length)}")
    if tp.organisations:
        typer.echo("Các TCCS được phân công: " + "; ".join(tp.organisations))
    if tp.warning:
        typer.echo(f"Lưu ý: {tp.warning}")
    if tp.is_draft:
        typer.echo("(Bản nháp – mỗi ý ghép từ câu của tài liệu, có trích dẫn; người viết rà soát trước khi dùng)")
    typer.echo(f"\nMở đầu: {tp.opening}")
    if tp.situation:
        typer.echo(f"\nI. Thực trạng: {tp.situation}")
    parts = ("II", "III") if tp.situation else ("I", "II")
    typer.echo(f"\n{parts[0]}. Nội dung tham luận:")
    for i, point in enumerate(tp.points, start=1):
        if point.heading:
            typer.echo(f"  {i}. {point.heading}")
            typer.echo(f"     {point.text}")
        else:
            typer.echo(f"  {i}. {point.text}")
        if point.context:
            typer.echo(f"     Thực trạng: {point.context}")
        for evidence in point.evidence:
            typer.echo(f"     {evidence.label}: {evidence.text}")
        if point.direction:
            typer.echo(f"     {point.direction}")
    typer.echo(f"\n{parts[1]}. Kết luận: {tp.closing}")
    typer.echo("\nNguồn:")
    for c in tp.citations:
        where = c.document + (f" – chuyên đề {c.topic}" if c.topic is not None else "")
        typer.echo(f"[{c.n}] {where} (ký tự {c.start}–{c.end}): “{' '.join(c.quote.split())}”")


def register(app: typer.Typer) -> None:
    @app.command("draft")
    def draft_cmd(
        ctx: typer.Context,
        topic: int | None = typer.Option(None, "--topic", "-t", help="Topic number in the topic guide."),
        about: str = typer.Option("", "--about", help="Any subject, e.g. 'thu ngân sách nhà nước năm 2026'."),
        org: str | None = typer.Option(None, "--org", help="Organisation that speaks (default: first assigned)."),
        points: int = typer.Option(5, "--points", "-n", min=1, max=12, help="Number of points (1–12)."),
        docx: Path | None = typer.Option(None, "--docx", help="Also write a .docx (administrative layout)."),
        tone: str = typer.Option(
            "trang_trong", "--tone", help="Tone: trang_trong (formal), ngan_gon (concise), de_xuat (proposals)."
        ),
        length: str = typer.Option(
            "vua", "--length", help="Per-point detail: ngan (the point alone), vua (+ 2 cited sentences), day_du (+ 3)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the outline as JSON."),
        superior: str = typer.Option(
            "", "--superior", help=".docx header: party committee above the organisation (e.g. 'Đảng bộ tỉnh …')."
        ),
        place: str = typer.Option("", "--place", help=".docx date line: place name (e.g. 'Khánh Hòa')."),
    ) -> None:
        """Draft talking points for an organisation on one topic, each point citing the indexed documents.

        Example: troly draft --topic 1 --org "Đảng bộ Sở Tài chính" --tone de_xuat --docx tham-luan.docx
        or, without a topic guide: troly draft --about "thu ngân sách nhà nước năm 2026" --org "Sở Tài chính"
        """
        from rag.answer import make_generator
        from rag.docx_export import has_control_chars, talking_points_to_docx
        from rag.talking_points import LENGTHS, TONES, check_choice, draft_about, draft_talking_points
        from ui.cli import settings_of
        from ui.cli.ask import open_index

        if (topic is None) == (not about.strip()):
            typer.echo(
                "Lỗi: hãy chọn đúng một trong hai: --topic (chuyên đề của gợi ý) hoặc --about (chủ đề bất kỳ).",
                err=True,
            )
            raise typer.Exit(2)
        for name, value in (("--org", org), ("--about", about), ("--superior", superior), ("--place", place)):
            if value and has_control_chars(value):
                typer.echo(f"Lỗi: {name} chứa ký tự điều khiển (không in được) – hãy gõ lại tên.", err=True)
                raise typer.Exit(2)
        try:  # before the index is opened: a typo should fail fast
            check_choice("--tone", tone, TONES)
            check_choice("--length", length, LENGTHS)
        except ValueError as exc:
            typer.echo(f"Lỗi: {exc}", err=True)
            raise typer.Exit(2) from exc
        settings = settings_of(ctx)
        index = open_index(settings)
        try:
            generator = make_generator(settings, None) if settings.generator == "openai" else None
            if topic is None:
                tp = draft_about(settings, index, about, org, points, generator=generator, tone=tone, length=length)
            else:
                tp = draft_talking_points(
                    settings, index, topic, org, points, generator=generator, tone=tone, length=length
                )
        except ValueError as exc:
            typer.echo(f"Lỗi: {exc}", err=True)
            raise typer.Exit(1) from exc
        if as_json:
            typer.echo(json.dumps(asdict(tp), ensure_ascii=False))
        else:
            print_talking_points(tp)
        if docx is not None:
            out = talking_points_to_docx(tp, docx, superior=superior, place=place)
            typer.echo(f"Đã ghi {out}", err=as_json)
