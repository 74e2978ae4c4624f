"""Export talking points as a .docx laid out like a Vietnamese administrative document.

Nghị định 30/2020/NĐ-CP (and the party's own Hướng dẫn 36-HD/VPTW for party
documents) fix the look officials expect: Times New Roman 13–14 pt, a header
block with the issuing body on the left and "ĐẢNG CỘNG SẢN VIỆT NAM" (party
documents) or the national motto on the right, a centred bold title, then
the body. A speech-writer can open the file and keep working in Word.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from docx import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from rag.talking_points import TONES

if TYPE_CHECKING:
    from docx.document import Document as DocxDoc
    from docx.text.paragraph import Paragraph

    from rag.talking_points import TalkingPoints

FONT = "Times New Roman"
BODY_PT = 14
PARTY_HEADER = "ĐẢNG CỘNG SẢN VIỆT NAM"
NATIONAL_MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


def _style(doc: DocxDoc) -> None:
    """Times New Roman 14 everywhere (East-Asian font slot too, or Word substitutes it for Vietnamese)."""
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    for section in doc.sections:
        section.top_margin, section.bottom_margin = Cm(2), Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(1.5)


def _line(par: Paragraph, text: str, bold: bool = False, italic: bool = False, size: int = BODY_PT) -> None:
    run = par.add_run(text)
    run.bold, run.italic = bold, italic
    run.font.size = Pt(size)
    run.font.name = FONT


def _centered(container: Any, lines: list[tuple[str, bool, bool, int]], reuse_first: bool = False) -> None:
    """Centred lines; a table cell already holds one empty paragraph, which ``reuse_first`` fills."""
    for i, (text, bold, italic, size) in enumerate(lines):
        par = container.paragraphs[0] if (i == 0 and reuse_first) else container.add_paragraph()
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        par.paragraph_format.space_after = Pt(0)
        _line(par, text, bold, italic, size)


def _header(doc: DocxDoc, tp: TalkingPoints, superior: str, style: str) -> None:
    """Two-column header: superior body and organisation (left), party header and national motto (right)."""
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    left_lines = [(superior.upper(), False, False, 13)] if superior else []
    left_lines += [(tp.organisation.upper(), True, False, 13), ("*", False, False, 13)]
    _centered(left, left_lines, True)
    today = date.today()
    right_lines = [(PARTY_HEADER, True, False, 14)] if style in ("party", "both") else []
    if style in ("state", "both"):
        right_lines += [(NATIONAL_MOTTO[0], True, False, 12), (NATIONAL_MOTTO[1], True, False, 13)]
    right_lines.append((f"ngày {today.day:02d} tháng {today.month:02d} năm {today.year}", False, True, 13))
    _centered(right, right_lines, True)


def _body_paragraph(doc: DocxDoc, text: str, bold: bool = False, italic: bool = False) -> Paragraph:
    par = doc.add_paragraph()
    par.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    par.paragraph_format.first_line_indent = Cm(1)
    par.paragraph_format.space_after = Pt(6)
    _line(par, text, bold, italic)
    return par


def talking_points_to_docx(
    tp: TalkingPoints, path: str | Path, superior: str = "", style: Literal["both", "party", "state"] = "both"
) -> Path:
    """Write ``tp`` to ``path`` (.docx) and return the path.

    ``superior`` is the body above the organisation, shown above its name in
    the header block (e.g. "Đảng ủy UBND tỉnh"); left out when empty.
    ``style`` picks the right-hand header: "party" (ĐẢNG CỘNG SẢN VIỆT NAM,
    party documents), "state" (the national motto, ND 30/2020) or "both".
    """
    doc = DocxDocument()
    _style(doc)
    _header(doc, tp, superior, style)
    doc.add_paragraph()
    _centered(
        doc,
        [
            ("THAM LUẬN", True, False, 14),
            (f"Chuyên đề {tp.topic}: {tp.topic_title}", True, False, 14),
            ("(Dàn ý – bản nháp)" if tp.is_draft else "", False, True, 13),
            (f"Giọng văn: {TONES.get(tp.tone, tp.tone)}", False, True, 13),
        ],
    )
    if tp.warning:
        _body_paragraph(doc, tp.warning, italic=True)
    if tp.is_draft:
        _body_paragraph(
            doc, "Ghi chú: các phần trong [ ] do người viết hoàn thiện; số trong [n] là nguồn trích dẫn.", italic=True
        )
    _body_paragraph(doc, tp.opening)
    if tp.situation:
        _body_paragraph(doc, "I. THỰC TRẠNG", bold=True)
        _body_paragraph(doc, tp.situation)
    _body_paragraph(doc, "II. NỘI DUNG THAM LUẬN", bold=True)
    for i, point in enumerate(tp.points, start=1):
        _body_paragraph(doc, f"{i}. {point.text}")
        if point.context:
            _body_paragraph(doc, f"Thực trạng: {point.context}")
        if point.direction:
            _body_paragraph(doc, point.direction, italic=True)
    _body_paragraph(doc, "III. KẾT LUẬN VÀ KIẾN NGHỊ", bold=True)
    _body_paragraph(doc, tp.closing)
    _body_paragraph(doc, "NGUỒN TRÍCH DẪN", bold=True)
    for c in tp.citations:
        where = c.document + (f", chuyên đề {c.topic}" if c.topic is not None else ", phần mở đầu")
        where += f", mục {c.section}" if c.section else ""
        quote = " ".join(c.quote.split())
        par = doc.add_paragraph()
        par.paragraph_format.space_after = Pt(3)
        _line(par, f"[{c.n}] {where}: “{quote}”", size=12)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out
