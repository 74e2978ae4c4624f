"""Builders for ingest test fixtures: every file is generated here, nothing is downloaded.

Each builder writes into a directory the test owns (``tmp_path``) and
returns the path, so tests can combine them freely.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

DEJAVU_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)

RESOLUTION_LINES = [
    "DỰ THẢO NGHỊ QUYẾT",
    "Về nhiệm vụ trọng tâm năm 2026 của Đảng bộ tỉnh",
    "Hội nghị thống nhất các nhiệm vụ sau đây.",
    "I. ĐÁNH GIÁ KẾT QUẢ NĂM 2025",
    "- Thực trạng: Tăng trưởng kinh tế đạt 6,42%; giải ngân vốn đầu tư công đạt 75%.",
    "- Nguyên nhân: Phối hợp giữa sở, ngành và địa phương có lúc chưa nhịp nhàng.",
    "II. NHIỆM VỤ, GIẢI PHÁP NĂM 2026",
    "- Nhiệm vụ: Giải ngân 100% vốn đầu tư công; tăng trưởng 10%.",
    "- Giải pháp: Tháo gỡ “điểm nghẽn” về quy hoạch và đất đai, bảo đảm thủy lợi, trường học.",
    "- Đơn vị chuẩn bị: Đảng bộ Sở Tài chính, Đảng bộ Sở Xây dựng.",
]
"""A short draft resolution in Unicode; loaders must give exactly these lines back."""


def vietnamese_font() -> Path | None:
    """A TTF with Vietnamese glyphs (DejaVuSans from the system, else matplotlib's copy)."""
    for candidate in DEJAVU_CANDIDATES:
        if candidate.is_file():
            return candidate
    try:
        import matplotlib
    except ImportError:
        return None
    bundled = Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
    return bundled if bundled.is_file() else None


def write_docx(path: Path, lines: list[str] = RESOLUTION_LINES, numbered: bool = True) -> Path:
    """A .docx with a Title, a heading, auto-numbered topics ("List Number"), bullets and a table.

    Lines starting with "I."/"II." are written as Heading 1 text; the
    "- " field lines become "List Bullet" paragraphs (the loader must put
    the "- " back); the closing table lists the organisations.
    """
    import docx

    document = docx.Document()
    document.core_properties.title = "Dự thảo nghị quyết"
    document.add_paragraph(lines[0], style="Title")
    for line in lines[1:]:
        if line.startswith(("I.", "II.")):
            document.add_heading(line, level=1)
        elif line.startswith("- ") and numbered:
            document.add_paragraph(line[2:], style="List Bullet")
        else:
            document.add_paragraph(line)
    table = document.add_table(rows=2, cols=2)
    for (r, c), value in {(0, 0): "TT", (0, 1): "Đơn vị", (1, 0): "1", (1, 1): "Đảng bộ Sở Tài chính"}.items():
        table.cell(r, c).text = value
    document.save(str(path))
    return path


def write_numbered_docx(path: Path, topics: list[str]) -> Path:
    """A .docx whose topics are numbered only by Word's automatic numbering (no digits in the text)."""
    import docx

    document = docx.Document()
    document.add_paragraph("Gợi ý thảo luận")
    for title in topics:
        document.add_paragraph(title, style="List Number")
        document.add_paragraph("Thực trạng: nội dung của chuyên đề.", style="List Bullet")
    document.save(str(path))
    return path


def write_pdf(
    path: Path,
    paragraphs: list[str],
    width: int = 75,
    lines_per_page: int = 12,
    header: str = "ĐẢNG BỘ TỈNH - HỘI NGHỊ TỔNG KẾT",
) -> Path:
    """A PDF with a real text layer: paragraphs hard-wrapped at ``width`` characters, a running
    header and a page number on every page (the artefacts reflow must remove)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = vietnamese_font()
    assert font is not None, "no TTF font with Vietnamese glyphs found"
    pdfmetrics.registerFont(TTFont("VNSans", str(font)))
    lines = [line for par in paragraphs for line in textwrap.wrap(par, width=width, break_on_hyphens=False)]
    pdf = canvas.Canvas(str(path))
    for page_no, first in enumerate(range(0, len(lines), lines_per_page), start=1):
        pdf.setFont("VNSans", 10)
        pdf.drawString(50, 805, header)
        y = 770
        for line in lines[first : first + lines_per_page]:
            pdf.drawString(50, y, line)
            y -= 18
        pdf.drawString(290, 30, str(page_no))
        pdf.showPage()
    pdf.save()
    return path


def write_scanned_pdf(path: Path) -> Path:
    """A PDF with pages but no text layer (what a scanner produces: only graphics)."""
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    pdf.rect(50, 50, 400, 600, fill=1)
    pdf.showPage()
    pdf.save()
    return path


def write_encrypted_pdf(path: Path, source: Path, password: str = "mat-khau") -> Path:
    """``source`` re-saved with a user password (pypdf's own writer)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(str(source)).pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def write_corrupt_docx(path: Path) -> Path:
    """A ZIP-looking file that is cut off halfway: what a failed copy leaves behind."""
    path.write_bytes(b"PK\x03\x04" + b"\x14\x00\x06\x00" + b"garbage" * 20)
    return path


def write_binary_txt(path: Path) -> Path:
    """A .txt that is really binary (NUL bytes and control characters)."""
    path.write_bytes(bytes(range(256)) * 8)
    return path
