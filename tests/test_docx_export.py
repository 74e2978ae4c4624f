"""The talking-points .docx, read back with python-docx: party layout (Hướng dẫn 36-HD/VPTW), no internals,
control characters never reaching python-docx (issue 14.3, 15.2)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from docx import Document as DocxDocument

from rag.answer import Citation
from rag.docx_export import talking_points_docx_bytes, talking_points_to_docx, xml_safe
from rag.talking_points import Point, TalkingPoints

ORG = "Đảng bộ Sở Tài chính"


def sample(org: str = ORG, points: int = 3) -> TalkingPoints:
    cite = Citation(
        n=1,
        chunk_id="guide:0001",
        document="Gợi ý chuyên đề thảo luận",
        doc_id="guide",
        topic=1,
        topic_title="Giải ngân vốn đầu tư công",
        section="Thực trạng",
        quote="Tỷ lệ giải ngân vốn đầu tư công năm 2025 đạt 75%.",
        start=10,
        end=60,
    )
    return TalkingPoints(
        topic=1,
        topic_title="Giải ngân vốn đầu tư công",
        organisation=org,
        opening="Thay mặt Đảng bộ Sở Tài chính, tôi xin phát biểu tham luận.",
        situation="Tỷ lệ giải ngân vốn đầu tư công năm 2025 đạt 75% [1].",
        points=[Point(f"Ý thứ {i} về giải ngân [1].", [cite], direction="[Đề xuất]") for i in range(1, points + 1)],
        closing="Xin trân trọng cảm ơn!",
        citations=[cite],
        tone="de_xuat",
    )


def mm(length) -> float:
    """Word stores lengths in twips: compare millimetres to 0.1 mm."""
    return round(length.mm, 1)


def all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for cell in table._cells:
            parts += [p.text for p in cell.paragraphs]
    return "\n".join(parts)


def test_docx_follows_the_party_layout(tmp_path: Path) -> None:
    path = talking_points_to_docx(
        sample(), tmp_path / "tl.docx", superior="Đảng bộ tỉnh Khánh Hòa", place="Khánh Hòa", when=date(2026, 1, 5)
    )
    doc = DocxDocument(str(path))
    section = doc.sections[0]
    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)  # A4, not US Letter
    assert (mm(section.left_margin), mm(section.right_margin)) == (30, 15)
    assert (mm(section.top_margin), mm(section.bottom_margin)) == (20, 20)

    left, right = doc.tables[0].rows[0].cells
    assert [p.text for p in left.paragraphs] == ["ĐẢNG BỘ TỈNH KHÁNH HÒA", "ĐẢNG BỘ SỞ TÀI CHÍNH", "*"]
    assert [p.text for p in right.paragraphs] == ["ĐẢNG CỘNG SẢN VIỆT NAM", "Khánh Hòa, ngày 05 tháng 01 năm 2026"]

    body = [p.text for p in doc.paragraphs]
    assert "THAM LUẬN" in body
    assert "Chuyên đề 1: Giải ngân vốn đầu tư công" in body
    text = all_text(doc)
    assert "Nơi nhận:" in text
    assert "T/M ĐẢNG BỘ SỞ TÀI CHÍNH" in text
    assert "Ý thứ 3 về giải ngân [1]." in text

    assert section.header.paragraphs[0].text == "DỰ THẢO"
    assert not section.different_first_page_header_footer  # the same header, so every page is marked
    footer_xml = section.footer._element.xml
    assert "PAGE" in footer_xml and "fldChar" in footer_xml

    props = doc.core_properties
    assert props.author == ORG
    assert props.last_modified_by == ORG
    assert props.title == "THAM LUẬN – Chuyên đề 1: Giải ngân vốn đầu tư công"


def test_docx_prints_nothing_internal_nor_the_state_motto() -> None:
    import io

    doc = DocxDocument(io.BytesIO(talking_points_docx_bytes(sample())))
    text = all_text(doc)
    assert "Giọng văn" not in text
    assert "Nhấn mạnh đề xuất" not in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" not in text
    assert "Độc lập - Tự do - Hạnh phúc" not in text
    assert "python-docx" not in (doc.core_properties.author + doc.core_properties.comments)
    left = doc.tables[0].rows[0].cells[0]
    assert left.paragraphs[0].text == "ĐẢNG BỘ ……"  # superior unknown: a placeholder, not a guess
    right = doc.tables[0].rows[0].cells[1]
    assert right.paragraphs[1].text.startswith("……, ngày ")


def test_control_character_in_organisation_does_not_crash_docx() -> None:
    """Regression for issue 15.2: organisation=%1F made python-docx raise "All strings must be XML compatible"."""
    import io

    data = talking_points_docx_bytes(sample(org="Đảng bộ\x1f Sở\x00 Tài chính\x0b"))
    doc = DocxDocument(io.BytesIO(data))
    assert doc.core_properties.author == "Đảng bộ Sở Tài chính"
    assert doc.tables[0].rows[0].cells[0].paragraphs[1].text == "ĐẢNG BỘ SỞ TÀI CHÍNH"


def test_xml_safe_keeps_vietnamese_and_newlines() -> None:
    assert xml_safe("Hòa\x1f bình\n\tđộc lập\ud800") == "Hòa bình\n\tđộc lập"


def test_draft_cli_refuses_a_control_character_in_one_line(tmp_path: Path) -> None:
    """Regression for issue 15.2: `troly draft --org $'Đảng bộ\\x1f' --docx x.docx` printed a traceback."""
    from typer.testing import CliRunner

    from ui.cli import app

    result = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path / "data"), "draft", "--topic", "1", "--org", "Đảng bộ\x1f", "--docx", "x.docx"]
    )
    assert result.exit_code == 2
    assert "Lỗi: --org chứa ký tự điều khiển" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "x.docx").exists()


def test_a_draft_on_any_subject_is_titled_by_it_and_each_point_heads_its_position() -> None:
    tp = sample()
    tp.topic, tp.topic_title, tp.about = 0, "thu ngân sách nhà nước năm 2026", "thu ngân sách nhà nước năm 2026"
    tp.points[0].heading = "Cơ cấu thu, chi và khung cân đối ngân sách"
    doc = DocxDocument(io.BytesIO(talking_points_docx_bytes(tp)))
    texts = [p.text for p in doc.paragraphs]
    assert "Về thu ngân sách nhà nước năm 2026" in texts and not any("Chuyên đề 0" in t for t in texts)
    heading = next(p for p in doc.paragraphs if p.text == "1. Cơ cấu thu, chi và khung cân đối ngân sách")
    assert all(run.bold for run in heading.runs)
    assert texts[texts.index(heading.text) + 1] == tp.points[0].text


def test_parts_are_numbered_in_order_when_there_is_no_situation() -> None:
    tp = sample()
    tp.situation = ""
    texts = [p.text for p in DocxDocument(io.BytesIO(talking_points_docx_bytes(tp))).paragraphs]
    assert "I. NỘI DUNG THAM LUẬN" in texts and "II. KẾT LUẬN VÀ KIẾN NGHỊ" in texts
    assert not any(t.startswith("III.") for t in texts)
