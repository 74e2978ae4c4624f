"""Regressions of issue 11.6 / 15.5: PDF text quality, header years, broken codes, .docx headings vs body."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.chunking import CLOSING_SECTION, chunk_document
from ingest.loaders import pdf as pdf_loader
from ingest.pipeline import ingest_files, load_document
from ingest.reflow import reflow_pages
from ingest.sentences import split_sentences
from ingest.text_quality import measure
from tests.renditions import chromium_available, write_docx_rendition, write_pdf_rendition

PLAN_LINES = [
    "ĐẢNG CỘNG SẢN VIỆT NAM",
    "ĐẢNG BỘ TỈNH",
    "Số 12-KH/TU",
    "Hà Nội, ngày 10 tháng 01 năm 2025",
    "KẾ HOẠCH",
    "thực hiện nhiệm vụ năm 2026",
    "Căn cứ Tờ trình số 12/TTr-BNV của Bộ Nội vụ về việc kiện toàn tổ chức bộ máy các cơ quan.",
    "I. MỤC ĐÍCH, YÊU CẦU",
    "Năm 2025, tỉnh đón nhiều cơ hội mới; kinh tế tăng trưởng 6,42%, thu ngân sách đạt 105% dự toán.",
    "II. NHIỆM VỤ",
    "Sở Tài chính chủ trì, phối hợp với Sở Xây dựng tham mưu phân bổ vốn đầu tư công trong năm 2026.",
    "Nơi nhận:",
    "- Ban Thường vụ Tỉnh ủy,",
    "- Lưu: VT, VPTU.",
    "T/M BAN THƯỜNG VỤ",
    "BÍ THƯ",
    "Nguyễn Văn An",
]


def glyph_spaced(text: str) -> str:
    """What pypdf returns when a font falls back: a space between the glyphs of every word ("ch ứ c")."""
    return re.sub(r"(?<=[^\W\d_])(?=[^\W\d_])", " ", text)


def test_year_alone_on_a_header_line_is_not_a_page_number():
    pages = ["ĐẢNG BỘ TỈNH\nHà Nội, ngày 10 tháng 01 năm\n2025\nKẾ HOẠCH\n1\n", "Nội dung trang hai.\n2\n"]
    text = reflow_pages(pages).text
    assert "Hà Nội, ngày 10 tháng 01 năm 2025" in text
    assert "\n1\n" not in text and not text.endswith("2")  # the real page numbers are still removed


def test_code_broken_after_its_hyphen_is_rejoined_without_space():
    pages = [
        "Căn cứ Tờ trình số 12/TTr-\nBNV ngày 5 tháng 3 năm 2025 của Bộ Nội vụ về việc kiện toàn tổ chức bộ máy.\n"
    ]
    assert reflow_pages(pages).text.startswith("Căn cứ Tờ trình số 12/TTr-BNV ngày 5 tháng 3 năm 2025")


def test_docx_heading_and_body_are_separate_units(tmp_path: Path):
    """Issue 15.5: "DỰ THẢO NGHỊ QUYẾT … NĂM 2026 Năm 2025, tỉnh đón …" was one sentence of an answer."""
    txt = tmp_path / "nq.txt"
    txt.write_text("\n".join(PLAN_LINES), encoding="utf-8")
    doc = load_document(write_docx_rendition(txt, tmp_path / "nq.docx"))
    units = split_sentences(doc.text)
    assert "I. MỤC ĐÍCH, YÊU CẦU" in units
    assert any(u.startswith("Năm 2025, tỉnh đón nhiều cơ hội mới") for u in units)
    assert "Nơi nhận:" in units and "- Lưu: VT, VPTU." in units and "Nguyễn Văn An" in units


def test_chunks_carry_heading_path_and_never_a_recipient_label(tmp_path: Path):
    path = tmp_path / "kh.txt"
    path.write_text("\n".join(PLAN_LINES), encoding="utf-8")
    doc = load_document(path)
    assert doc.meta.recipients == ["Ban Thường vụ Tỉnh ủy", "Lưu: VT, VPTU"]
    chunks = chunk_document(doc, lambda s: len(s.split()) + 2, chunk_tokens=40, overlap=0)
    task = next(c for c in chunks if "Sở Tài chính chủ trì" in c.text)
    assert task.heading_path == "II. NHIỆM VỤ"
    assert task.section == "II. NHIỆM VỤ"
    assert task.search_text.startswith(doc.title + " › II. NHIỆM VỤ\n")
    assert "ii" in task.segmented.split() or "nhiệm_vụ" in task.segmented.split()  # the path is indexed too
    assert {c.topic for c in chunks} == {None}
    assert "Lưu" not in {c.section for c in chunks}
    assert next(c for c in chunks if "Nguyễn Văn An" in c.text).section == CLOSING_SECTION
    assert [(a.body, a.role) for a in doc.assignments] == [("Sở Tài chính", "chu_tri"), ("Sở Xây dựng", "phoi_hop")]


def test_glyph_spaced_text_is_not_readable_and_real_text_is():
    real = " ".join(PLAN_LINES)
    assert measure(real * 3).readable
    broken = measure(glyph_spaced(real) * 3)
    assert not broken.readable
    assert broken.mean_letters < 2


@pytest.mark.skipif(not chromium_available(), reason="Chromium is not installed")
def test_glyph_spaced_pypdf_text_is_replaced_by_pdfium(tmp_path: Path):
    """pypdf's glyph-spaced pages (as a falling-back font gives them) are retried with PDFium on the real file."""
    txt = tmp_path / "kh.txt"
    txt.write_text("\n".join(PLAN_LINES * 3), encoding="utf-8")
    pdf = write_pdf_rendition(txt, tmp_path / "kh.pdf")
    reader = pdf_loader._open(pdf)
    pages = [glyph_spaced(p) for p in pdf_loader._page_texts(pdf, reader)]
    meta: dict[str, object] = {}
    fixed = pdf_loader._readable_pages(pdf, pages, meta)
    assert meta == {"extractor": "pdfium"}
    assert "Sở Tài chính chủ trì, phối hợp với Sở Xây dựng" in " ".join(" ".join(fixed).split())


@pytest.mark.skipif(not chromium_available(), reason="Chromium is not installed")
def test_pdf_whose_text_stays_unreadable_is_warned_about_by_name(tmp_path: Path):
    txt = tmp_path / "hong.txt"
    txt.write_text("\n".join(glyph_spaced(line) for line in PLAN_LINES * 3), encoding="utf-8")
    pdf = write_pdf_rendition(txt, tmp_path / "van-ban-loi-font.pdf")
    result = ingest_files([pdf], lambda s: len(s.split()) + 2)
    assert result.errors == []
    assert [w.path for w in result.warnings] == [str(pdf)]
    assert result.warnings[0].reason.startswith("low text quality:")


def test_docx_heading_styles_are_structure_even_without_numbers(tmp_path: Path):
    import docx

    document = docx.Document()
    document.add_paragraph("KẾ HOẠCH", style="Title")
    document.add_heading("Bối cảnh chung", level=1)
    document.add_paragraph("Năm 2025, tỉnh đón nhiều cơ hội mới.")
    document.add_heading("Mục đích", level=2)
    document.add_paragraph("Sở Tài chính chủ trì, phối hợp với Sở Xây dựng tham mưu phân bổ vốn đầu tư công.")
    document.save(str(tmp_path / "kh.docx"))
    doc = load_document(tmp_path / "kh.docx")
    assert [(h.title, h.level, h.path) for h in doc.headings] == [
        ("Bối cảnh chung", 1, "Bối cảnh chung"),
        ("Mục đích", 2, "Bối cảnh chung › Mục đích"),
    ]
    assert doc.assignments[0].heading_path == "Bối cảnh chung › Mục đích"
