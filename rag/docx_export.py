"""Export talking points as a .docx laid out like a party document (Hướng dẫn 36-HD/VPTW).

A tham luận is written by a party organisation, so the file follows the
party's own presentation rules rather than the state's (Nghị định 30/2020):
A4, left margin 30 mm, right 15 mm, top and bottom 20 mm; on the left the
superior party committee ("ĐẢNG BỘ TỈNH …"), the organisation in bold and a
"*"; on the right "ĐẢNG CỘNG SẢN VIỆT NAM" alone (never the state motto) and
the place–date line; then the type ("THAM LUẬN"), the title, the body, and
the Nơi nhận / signature blocks. The draft is marked "DỰ THẢO" in the page
header, so every page carries it, and pages are numbered.

Text from documents and from request parameters may hold characters XML
forbids (a stray U+001F in an organisation name); :func:`xml_safe` removes
them before anything reaches python-docx, which would otherwise raise.
"""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

if TYPE_CHECKING:
    from docx.document import Document as DocxDoc
    from docx.text.paragraph import Paragraph

    from rag.talking_points import TalkingPoints

FONT = "Times New Roman"
BODY_PT = 14
PARTY_HEADER = "ĐẢNG CỘNG SẢN VIỆT NAM"
DRAFT_MARK = "DỰ THẢO"
DOC_TYPE = "THAM LUẬN"
UNKNOWN_SUPERIOR = "ĐẢNG BỘ ……"
UNKNOWN_PLACE = "……"
# Hướng dẫn 36-HD/VPTW: top/bottom 20–25 mm, left 30–35 mm, right 15–20 mm; we take the lower bounds.
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
A4_MM = (210, 297)

# XML 1.0 allows tab, newline, carriage return and everything from U+0020 except surrogates and U+FFFE/U+FFFF.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters python-docx refuses ("All strings must be XML compatible"), NFC."""
    return unicodedata.normalize("NFC", _XML_FORBIDDEN.sub("", text or ""))


def has_control_chars(text: str) -> bool:
    """True when ``text`` holds a character :func:`xml_safe` would drop (lets the CLI refuse it instead)."""
    return bool(_XML_FORBIDDEN.search(text or ""))


def _style(doc: DocxDoc) -> None:
    """Times New Roman 14 everywhere (East-Asian font slot too, or Word substitutes it for Vietnamese); A4."""
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    for section in doc.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(A4_MM[0]), Mm(A4_MM[1])
        section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
        section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
        section.header_distance, section.footer_distance = Mm(10), Mm(10)


def _run(par: Paragraph, text: str, bold: bool = False, italic: bool = False, size: int = BODY_PT) -> Any:
    run = par.add_run(xml_safe(text))
    run.bold, run.italic = bold, italic
    run.font.size = Pt(size)
    run.font.name = FONT
    return run


def _centered(container: Any, lines: list[tuple[str, bool, bool, int]], reuse_first: bool = False) -> None:
    """Centred lines; a table cell already holds one empty paragraph, which ``reuse_first`` fills."""
    for i, (text, bold, italic, size) in enumerate(lines):
        par = container.paragraphs[0] if (i == 0 and reuse_first) else container.add_paragraph()
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        par.paragraph_format.space_after = Pt(0)
        _run(par, text, bold, italic, size)


def _field(par: Paragraph, instruction: str) -> None:
    """A Word field (PAGE) – Word and LibreOffice compute its value when the page is laid out."""
    run = par.add_run()
    run.font.name, run.font.size = FONT, Pt(13)
    begin, sep, end = (OxmlElement("w:fldChar") for _ in range(3))
    for el, kind in ((begin, "begin"), (sep, "separate"), (end, "end")):
        el.set(qn("w:fldCharType"), kind)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    shown = OxmlElement("w:t")
    shown.text = "1"
    for el in (begin, instr, sep, shown, end):
        run._r.append(el)


def _page_header_footer(doc: DocxDoc) -> None:
    """ "DỰ THẢO" at the top right of every page; the page number centred at the bottom."""
    section = doc.sections[0]
    section.different_first_page_header_footer = False
    head = section.header.paragraphs[0]
    head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(head, DRAFT_MARK, bold=True, size=13)
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(foot, "PAGE")


def date_line(place: str, when: date) -> str:
    """ "Hà Nội, ngày 05 tháng 01 năm 2026" – the place–date line of an administrative document."""
    return f"{place or UNKNOWN_PLACE}, ngày {when.day:02d} tháng {when.month:02d} năm {when.year}"


def _header(doc: DocxDoc, organisation: str, superior: str, place: str, when: date) -> None:
    """Two-column header: superior committee, organisation and "*" (left); party header and date (right)."""
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    left, right = table.rows[0].cells
    left.width, right.width = Cm(7.5), Cm(9)
    _centered(
        left,
        [
            ((superior or UNKNOWN_SUPERIOR).upper(), False, False, 14),
            (organisation.upper(), True, False, 14),
            ("*", False, False, 14),
        ],
        True,
    )
    _centered(right, [(PARTY_HEADER, True, False, 15)], True)
    right.paragraphs[0].runs[0].underline = True
    par = right.add_paragraph()
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    par.paragraph_format.space_before = Pt(6)
    _run(par, date_line(place, when), italic=True, size=13)


def _body_paragraph(doc: DocxDoc, text: str, bold: bool = False, italic: bool = False) -> Paragraph:
    par = doc.add_paragraph()
    par.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    par.paragraph_format.first_line_indent = Cm(1)
    par.paragraph_format.space_after = Pt(6)
    _run(par, text, bold, italic)
    return par


def _signature(doc: DocxDoc, organisation: str) -> None:
    """Nơi nhận (left, 12 pt) and the signature block (right) as placeholders for the speaker's office."""
    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    left, right = table.rows[0].cells
    left.width, right.width = Cm(8), Cm(8.5)
    first = left.paragraphs[0]
    _run(first, "Nơi nhận:", bold=True, italic=True, size=12)
    for line in ("- Ban Tổ chức hội nghị,", "- Lưu Văn phòng."):
        _run(left.add_paragraph(), line, size=12)
    _centered(
        right,
        [
            (f"T/M {organisation.upper()}", True, False, 14),
            ("[Chức vụ]", True, False, 14),
            ("", False, False, 14),
            ("", False, False, 14),
            ("[Họ và tên]", True, False, 14),
        ],
        True,
    )


def _sources(doc: DocxDoc, tp: TalkingPoints) -> None:
    """The cited passages, so a reader can check each [n] without the tool."""
    if not tp.citations:
        return
    _body_paragraph(doc, "NGUỒN TRÍCH DẪN", bold=True)
    for c in tp.citations:
        where = c.document + (f", chuyên đề {c.topic}" if c.topic is not None else "")
        where += f", mục {c.section}" if c.section else ""
        par = doc.add_paragraph()
        par.paragraph_format.space_after = Pt(3)
        _run(par, f"[{c.n}] {where}: “{' '.join(c.quote.split())}”", size=12)


def _properties(doc: DocxDoc, tp: TalkingPoints, organisation: str, title: str) -> None:
    """Title, author = the organisation (python-docx's template would say "python-docx")."""
    props = doc.core_properties
    props.title = xml_safe(title)
    props.author = props.last_modified_by = xml_safe(organisation)
    props.subject = xml_safe(f"Tham luận chuyên đề {tp.topic}" if tp.topic else f"Tham luận: {tp.topic_title}")
    props.comments = ""
    props.keywords = "tham luận; dự thảo"
    props.category = DOC_TYPE


def build_docx(tp: TalkingPoints, superior: str = "", place: str = "", when: date | None = None) -> DocxDoc:
    """The python-docx document for ``tp`` (see the module docstring for the layout)."""
    when = when or date.today()
    organisation = xml_safe(tp.organisation) or "[Tên tổ chức đảng]"
    superior = xml_safe(superior or getattr(tp, "superior", "") or "")
    place = xml_safe(place or getattr(tp, "place", "") or "")
    subject = f"Chuyên đề {tp.topic}: {tp.topic_title}" if tp.topic else f"Về {tp.topic_title}"
    title = " ".join(xml_safe(subject).split())
    doc = DocxDocument()
    _style(doc)
    _page_header_footer(doc)
    _header(doc, organisation, superior, place, when)
    doc.add_paragraph()
    _centered(doc, [(DOC_TYPE, True, False, 15), (title, True, False, 14), ("-----", False, False, 14)])
    _body_paragraph(doc, tp.opening)
    parts = iter(("I", "II", "III"))
    if tp.situation:
        _body_paragraph(doc, f"{next(parts)}. THỰC TRẠNG", bold=True)
        _body_paragraph(doc, tp.situation)
    _body_paragraph(doc, f"{next(parts)}. NỘI DUNG THAM LUẬN", bold=True)
    for i, point in enumerate(tp.points, start=1):
        heading = getattr(point, "heading", "")
        if heading:
            _body_paragraph(doc, f"{i}. {heading}", bold=True)
            _body_paragraph(doc, point.text)
        else:
            _body_paragraph(doc, f"{i}. {point.text}")
        if point.context:
            _body_paragraph(doc, point.context)
        for evidence in getattr(point, "evidence", []):
            _body_paragraph(doc, f"{evidence.label}: {evidence.text}")
        if point.direction:
            _body_paragraph(doc, point.direction, italic=True)
    _body_paragraph(doc, f"{next(parts)}. KẾT LUẬN VÀ KIẾN NGHỊ", bold=True)
    _body_paragraph(doc, tp.closing)
    doc.add_paragraph()
    _signature(doc, organisation)
    _sources(doc, tp)
    _properties(doc, tp, organisation, f"{DOC_TYPE} – {title}")
    return doc


def talking_points_docx_bytes(
    tp: TalkingPoints, superior: str = "", place: str = "", when: date | None = None
) -> bytes:
    """The .docx as bytes – for serving a download without writing a file anywhere."""
    buffer = io.BytesIO()
    build_docx(tp, superior, place, when).save(buffer)
    return buffer.getvalue()


def talking_points_to_docx(
    tp: TalkingPoints, path: str | Path, superior: str = "", place: str = "", when: date | None = None
) -> Path:
    """Write ``tp`` to ``path`` (.docx) and return the path.

    ``superior`` is the party committee above the organisation (e.g. "Đảng bộ
    tỉnh Khánh Hòa"); ``place`` the place of the date line; both default to
    what the talking points carry, then to dotted placeholders.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(talking_points_docx_bytes(tp, superior, place, when))
    return out


def comparison_docx_bytes(
    comparison: Any, organisation: str = "", superior: str = "", place: str = "", when: date | None = None
) -> bytes:
    """A "bảng so sánh" of two draft versions (rag.compare.Comparison) in the party layout of the talking points:
    the same header, margins and fonts, then one table — Nội dung dự thảo lần trước | Nội dung dự thảo này |
    Ghi chú — with a row per section path and a row per change, its header repeated on every page."""
    doc = DocxDocument()
    _style(doc)
    foot = doc.sections[0].footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(foot, "PAGE")
    organisation = xml_safe(organisation) or "[Cơ quan soạn thảo]"
    _header(doc, organisation, xml_safe(superior), xml_safe(place), when or date.today())
    doc.add_paragraph()
    files = f"Dự thảo lần trước: {comparison.old_name} – Dự thảo này: {comparison.new_name}"
    _centered(
        doc,
        [
            ("BẢNG SO SÁNH", True, False, 15),
            (" ".join(xml_safe(comparison.new_title).split()), True, False, 14),
            (" ".join(xml_safe(files).split()), False, True, 13),
            ("-----", False, False, 14),
        ],
    )
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    table.autofit = False
    widths = (Cm(6.5), Cm(6.5), Cm(3.5))
    for cell, text, width in zip(
        table.rows[0].cells, ("Nội dung dự thảo lần trước", "Nội dung dự thảo này", "Ghi chú"), widths, strict=True
    ):
        cell.width = width
        _centered(cell, [(text, True, False, 12)], True)
    head_props = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    head_props.append(repeat)
    section = None
    for change in comparison.changes:
        if change.section != section:
            section = change.section
            row = table.add_row().cells
            merged = row[0].merge(row[2])
            _run(merged.paragraphs[0], section or "(Toàn văn bản)", bold=True, italic=True, size=12)
        cells = table.add_row().cells
        for cell, side, width in zip(cells[:2], (change.old, change.new), widths, strict=False):
            cell.width = width
            _run(cell.paragraphs[0], (side.text if side is not None and side.text else "(không có)"), size=12)
        cells[2].width = widths[2]
        _run(cells[2].paragraphs[0], change.remark(), italic=True, size=12)
    if not comparison.changes:
        row = table.add_row().cells
        _run(row[0].merge(row[2]).paragraphs[0], "Không có thay đổi về nội dung.", italic=True, size=12)
    props = doc.core_properties
    props.title = xml_safe(f"Bảng so sánh – {comparison.new_name}")
    props.author = props.last_modified_by = organisation
    props.subject, props.keywords, props.category, props.comments = "Bảng so sánh dự thảo", "so sánh; dự thảo", "", ""
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
