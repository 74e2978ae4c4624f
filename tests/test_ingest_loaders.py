"""Every loader gives back exactly the Unicode text its fixture was written from."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from fixtures_ingest import RESOLUTION_LINES, vietnamese_font, write_docx, write_numbered_docx, write_pdf

from ingest.loaders import docx as docx_loader
from ingest.loaders import html as html_loader
from ingest.loaders import text as text_loader
from ingest.normalize import normalize_text, split_tone
from ingest.pipeline import load_document

TABLE_LINES = ["| TT | Đơn vị |", "| --- | --- |", "| 1 | Đảng bộ Sở Tài chính |"]  # rows as a text file writes them


def test_docx_paragraphs_headings_bullets_table(tmp_path: Path):
    raw = docx_loader.load(write_docx(tmp_path / "nq.docx"))
    assert raw.text.split("\n") == RESOLUTION_LINES + TABLE_LINES
    assert raw.title == "Dự thảo nghị quyết"


def test_docx_document_structure(tmp_path: Path):
    doc = load_document(write_docx(tmp_path / "nq.docx"))
    assert doc.text == "\n".join(RESOLUTION_LINES + TABLE_LINES)
    assert doc.doc_type == "resolution"
    assert doc.title == "DỰ THẢO NGHỊ QUYẾT Về nhiệm vụ trọng tâm năm 2026 của Đảng bộ tỉnh"
    assert [(h.label, h.title) for h in doc.headings] == [
        ("I.", "ĐÁNH GIÁ KẾT QUẢ NĂM 2025"),
        ("II.", "NHIỆM VỤ, GIẢI PHÁP NĂM 2026"),
    ]
    assert doc.topics == []  # topics (chuyên đề) belong to topic guides only
    assert [(a.body, a.role, a.heading_path) for a in doc.assignments] == [
        ("Đảng bộ Sở Tài chính", "thuc_hien", "II. NHIỆM VỤ, GIẢI PHÁP NĂM 2026"),
        ("Đảng bộ Sở Xây dựng", "thuc_hien", "II. NHIỆM VỤ, GIẢI PHÁP NĂM 2026"),
    ]


def test_docx_automatic_numbering_is_rendered(tmp_path: Path):
    path = write_numbered_docx(tmp_path / "goi-y.docx", ["Kinh tế", "Xã hội", "Quốc phòng"])
    doc = load_document(path)
    assert doc.text.split("\n")[:3] == ["Gợi ý thảo luận", "1. Kinh tế", "- Thực trạng: nội dung của chuyên đề."]
    assert [(t.number, t.title) for t in doc.topics] == [(1, "Kinh tế"), (2, "Xã hội"), (3, "Quốc phòng")]


def test_docx_old_tone_placement_is_normalized(tmp_path: Path):
    path = write_docx(tmp_path / "old.docx", ["Công tác thuỷ lợi và hoà giải ở cơ sở"], numbered=False)
    assert load_document(path).text.split("\n")[0] == "Công tác thủy lợi và hòa giải ở cơ sở"


PDF_PARAGRAPHS = [
    "1. Giải quyết “điểm nghẽn” trong giải ngân vốn đầu tư công và tăng trưởng kinh tế",
    "- Thực trạng: Tỷ lệ giải ngân chưa đạt 100%; trưởng kinh tế năm 2025 đạt 6,42%, chưa đạt mục tiêu "
    "Nghị quyết đề ra (7,5%).",
    "- Vấn đề thảo luận: Phân tích nguyên nhân tỷ lệ giải ngân vốn đầu tư công chỉ đạt 75% (nếu tính cả vốn "
    "bổ sung muộn). Giải pháp cụ thể nào để xử lý vấn đề chồng lấn giữa quy hoạch xây dựng, quy hoạch sử dụng "
    "đất với quy hoạch thăm dò, khai thác khoáng sản (bô-xít, titan)? Cơ chế phối hợp giữa sở, ngành với các "
    "địa phương đang tắc ở đâu?",
    "- Các TCCS Đảng chuẩn bị thảo luận: Đảng bộ Sở Tài chính, Đảng bộ Sở Nông nghiệp và Môi trường, Đảng bộ "
    "Ban quản lý dự án 1,2,3; Đảng bộ Thống kê tỉnh.",
    "2. Vận hành mô hình chính quyền 2 cấp và nâng cao hiệu quả phối hợp sau sáp nhập",
    "- Thực trạng: Năm 2025 là năm đầu tiên vận hành mô hình mới, việc phối hợp giữa các sở, ngành và địa "
    "phương có lúc chưa nhịp nhàng. Sau khi bỏ cấp huyện, khối lượng công việc dồn về cấp xã và các sở rất "
    "lớn, xuất hiện tình trạng đùn đẩy hoặc chậm trễ ở một số nhiệm vụ.",
    "- Các TCCS Đảng chuẩn bị thảo luận: Đảng bộ Sở Nội vụ, Đảng bộ Văn phòng UBND tỉnh.",
]


@pytest.fixture
def pdf_path(tmp_path: Path) -> Path:
    if vietnamese_font() is None:
        pytest.skip("no TTF font with Vietnamese glyphs (DejaVuSans) on this machine")
    return write_pdf(tmp_path / "goi-y.pdf", PDF_PARAGRAPHS, lines_per_page=6)


def test_pdf_text_layer_comes_back_identical(pdf_path: Path):
    doc = load_document(pdf_path)
    assert doc.text == normalize_text("\n".join(PDF_PARAGRAPHS))
    assert "ĐẢNG BỘ TỈNH - HỘI NGHỊ" not in doc.text  # running header gone
    assert [t.organisations for t in doc.topics] == [
        ["Đảng bộ Sở Tài chính", "Đảng bộ Sở Nông nghiệp và Môi trường", "Đảng bộ Ban quản lý dự án 1,2,3",
         "Đảng bộ Thống kê tỉnh"],
        ["Đảng bộ Sở Nội vụ", "Đảng bộ Văn phòng UBND tỉnh"],
    ]  # fmt: skip


def test_pdf_page_starts(pdf_path: Path):
    doc = load_document(pdf_path)
    assert len(doc.page_starts) >= 3
    assert doc.page_starts == sorted(doc.page_starts)
    assert doc.page_at(0) == 1
    assert doc.page_at(len(doc.text) - 1) == len(doc.page_starts)


def test_html_blocks_lists_and_title(tmp_path: Path):
    path = tmp_path / "trang.html"
    path.write_text(
        "<html><head><title>Gợi ý thảo luận</title><style>p{color:red}</style></head><body>"
        "<nav>Trang chủ</nav><h1>GỢI Ý THẢO LUẬN</h1><p>1. Kinh tế</p><ul><li>Thực trạng: tăng trưởng 6,42%.</li>"
        "</ul><p>2. Xã hội</p><script>var x = 1;</script></body></html>",
        encoding="utf-8",
    )
    raw = html_loader.load(path)
    assert raw.title == "Gợi ý thảo luận"
    assert raw.text.split("\n") == ["GỢI Ý THẢO LUẬN", "1. Kinh tế", "- Thực trạng: tăng trưởng 6,42%.", "2. Xã hội"]
    assert [t.title for t in load_document(path).topics] == ["Kinh tế", "Xã hội"]


def test_html_tables_are_pipe_rows_and_the_letterhead_stays_lines(tmp_path: Path):
    path = tmp_path / "kh.html"
    path.write_text(
        "<html><body><table><tr><td>ĐẢNG ĐOÀN QUỐC HỘI<br>Số 3260-KH/ĐĐQH15</td><td>ĐẢNG CỘNG SẢN VIỆT NAM</td></tr>"
        "</table><p>KẾ HOẠCH</p><table><tr><th>TT</th><th>Cơ quan thực hiện</th><th>Tiến độ</th></tr>"
        "<tr><td>25.</td><td>Bộ Công an</td><td></td></tr></table></body></html>",
        encoding="utf-8",
    )
    assert html_loader.load(path).text.split("\n") == [
        "ĐẢNG ĐOÀN QUỐC HỘI",
        "Số 3260-KH/ĐĐQH15",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "KẾ HOẠCH",
        "| TT | Cơ quan thực hiện | Tiến độ |",
        "| 25. | Bộ Công an | |",
    ]


def to_cp1258(text: str) -> bytes:
    """Windows-1258 the way Vietnamese Windows writes it: base letters plus combining tone marks."""
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            base, tone = split_tone(char)
            out += base.encode("cp1258") + tone.encode("cp1258")
    return out


SOURCE = "Đảng bộ Sở Nông nghiệp và Môi trường; “Bình dân học vụ số”; thủy lợi.\nDòng thứ hai."


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (SOURCE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + SOURCE.encode("utf-8"), "utf-8-sig"),
        (SOURCE.encode("utf-16"), "utf-16"),
        (SOURCE.encode("utf-16-le"), "utf-16"),
        (to_cp1258(SOURCE), "cp1258"),
    ],
)
def test_text_encodings(tmp_path: Path, encoded: bytes, encoding: str):
    path = tmp_path / "van-ban.txt"
    path.write_bytes(encoded.replace(b"\n", b"\r\n") if encoding == "utf-8" else encoded)
    raw = text_loader.load(path)
    assert raw.meta["encoding"] == encoding
    assert normalize_text(raw.text) == SOURCE


def test_secrecy_stamp_in_pdf_running_header_is_kept_as_classification(tmp_path: Path):
    if vietnamese_font() is None:
        pytest.skip("no TTF font with Vietnamese glyphs (DejaVuSans) on this machine")
    path = write_pdf(tmp_path / "mat.pdf", PDF_PARAGRAPHS, lines_per_page=6, header="MẬT")
    doc = load_document(path)
    assert "MẬT" not in doc.text.split("\n")
    assert doc.classification == "mat"


def test_secrecy_stamp_in_docx_page_header(tmp_path: Path):
    import docx

    path = write_docx(tmp_path / "nq.docx")
    document = docx.Document(str(path))
    document.sections[0].header.paragraphs[0].text = "TỐI MẬT"
    document.save(str(path))
    doc = load_document(path)
    assert doc.classification == "toi_mat"
    assert doc.text == "\n".join(RESOLUTION_LINES + TABLE_LINES)
    assert load_document(write_docx(tmp_path / "public.docx")).classification == "public"


def test_markdown_markup_is_dropped(tmp_path: Path):
    path = tmp_path / "goi-y.md"
    path.write_text(
        "# Gợi ý thảo luận\n\n## 1. Kinh tế\n\n* **Thực trạng:** tăng trưởng 6,42%.\n\n"
        "## 2. Xã hội\n\n+ Xem [kế hoạch](http://example.org/kh.pdf) của tỉnh.\n",
        encoding="utf-8",
    )
    doc = load_document(path)
    assert doc.text.split("\n") == [
        "Gợi ý thảo luận",
        "1. Kinh tế",
        "- Thực trạng: tăng trưởng 6,42%.",
        "2. Xã hội",
        "- Xem kế hoạch của tỉnh.",
    ]
    assert doc.title == "Gợi ý thảo luận"
    assert doc.topics[0].fields == {"Thực trạng": "tăng trưởng 6,42%."}


def write_ruled_table_pdf(path: Path, rows: list[list[str]], widths: list[int]) -> Path:
    """A PDF drawn like an office table (reportlab, not Chromium): a title line, then a grid of stroked lines
    with one text line per cell."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("VNSans", str(vietnamese_font())))
    pdf = canvas.Canvas(str(path))
    pdf.setFont("VNSans", 10)
    pdf.drawString(50, 780, "PHỤ LỤC: DANH MỤC NHIỆM VỤ")
    xs = [50]
    for width in widths:
        xs.append(xs[-1] + width)
    top = 760
    for r, cells in enumerate(rows):
        y = top - 20 * r
        pdf.line(xs[0], y, xs[-1], y)
        for c, text in enumerate(cells):
            pdf.drawString(xs[c] + 3, y - 14, text)
    bottom = top - 20 * len(rows)
    pdf.line(xs[0], bottom, xs[-1], bottom)
    for x in xs:
        pdf.line(x, top, x, bottom)
    pdf.showPage()
    pdf.save()
    return path


def test_pdf_ruled_table_comes_back_as_pipe_rows(tmp_path: Path):
    """Read in content order a PDF table is one cell per line; its ruling lines give the rows back."""
    if vietnamese_font() is None:
        pytest.skip("no TTF font with Vietnamese glyphs (DejaVuSans) on this machine")
    rows = [["TT", "Nhiệm vụ", "Cơ quan thực hiện", "Tiến độ"]]
    rows += [
        [f"{n}.", f"Nhiệm vụ số {n}", "Bộ Tài chính" if n % 2 else "Bộ Công an", "Quý II/2025"] for n in range(1, 31)
    ]
    path = write_ruled_table_pdf(tmp_path / "bang.pdf", rows, [30, 150, 140, 80])
    lines = load_document(path).text.split("\n")
    assert lines[0] == "PHỤ LỤC: DANH MỤC NHIỆM VỤ"
    assert lines[1:4] == [
        "| TT | Nhiệm vụ | Cơ quan thực hiện | Tiến độ |",
        "| --- | --- | --- | --- |",
        "| 1. | Nhiệm vụ số 1 | Bộ Tài chính | Quý II/2025 |",
    ]
    assert lines[-1] == "| 30. | Nhiệm vụ số 30 | Bộ Công an | Quý II/2025 |"
    assert len(lines) == 1 + 2 + 30
