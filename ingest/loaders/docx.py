"""Word .docx: paragraphs, headings, numbered lists and tables, in document order.

python-docx gives paragraph text but not the *rendered* list numbers ("1.",
"a)", "II."), which Word computes at display time from numbering.xml. Those
numbers are exactly what the structure parser needs to find topics, so this
loader recomputes them: one counter per (list, level), deeper levels reset
when a higher level advances, formatted by the level's numFmt/lvlText.
Bullets become "- ". Table rows become one line each, "| a | b |" as in a text file.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from docx import Document as open_docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from ingest.errors import IngestFileError
from ingest.limits import check_zip
from ingest.loaders.base import (
    DEFAULT_MAX_BYTES,
    RawDocument,
    is_layout_table,
    pipe_row,
    read_checked_bytes,
    require_text,
    separator_row,
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0"
"""Compound-file header: an encrypted (password-protected) .docx or an old binary .doc."""


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                       (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):  # fmt: skip
        while n >= value:
            out, n = out + sym, n - value
    return out


def _format_number(n: int, fmt: str) -> str:
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    return str(n)


class Numbering:
    """Renders list labels the way Word displays them."""

    def __init__(self, document) -> None:
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}  # (numId, ilvl) -> (fmt, lvlText, start)
        self.counters: dict[str, list[int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {a.get(qn("w:abstractNumId")): a for a in root.findall(qn("w:abstractNum"))}
        for num in root.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            definition = abstract.get(ref.get(qn("w:val")) if ref is not None else None)
            if definition is None:
                continue
            for lvl in definition.findall(qn("w:lvl")):
                self.levels[(num.get(qn("w:numId")), int(lvl.get(qn("w:ilvl"), "0")))] = (
                    _val(lvl, "w:numFmt", "decimal"),
                    _val(lvl, "w:lvlText", ""),
                    int(_val(lvl, "w:start", "1")),
                )

    def label(self, num_id: str, ilvl: int) -> str:
        """Next label of list ``num_id`` at level ``ilvl`` ("" if the list is unknown)."""
        if (num_id, ilvl) not in self.levels:
            return ""
        fmt, text, start = self.levels[(num_id, ilvl)]
        if fmt == "bullet":
            return "-"
        counts = self.counters.setdefault(num_id, [0] * 9)
        counts[ilvl] = counts[ilvl] + 1 if counts[ilvl] else start
        for deeper in range(ilvl + 1, 9):
            counts[deeper] = 0
        for level in range(ilvl + 1):
            fmt_l, _, start_l = self.levels.get((num_id, level), ("decimal", "", 1))
            text = text.replace(f"%{level + 1}", _format_number(counts[level] or start_l, fmt_l))
        return text.strip()


def _val(element, tag: str, default: str) -> str:
    child = element.find(qn(tag))
    return child.get(qn("w:val"), default) if child is not None else default


def _num_pr(paragraph: Paragraph) -> tuple[str, int] | None:
    """(numId, level) from the paragraph itself or, failing that, from its style."""
    for ppr in (paragraph._p.pPr, _style_ppr(paragraph)):
        num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
        if num_pr is None:
            continue
        num_id = num_pr.find(qn("w:numId"))
        ilvl = num_pr.find(qn("w:ilvl"))
        if num_id is not None and num_id.get(qn("w:val")) != "0":
            return num_id.get(qn("w:val")), int(ilvl.get(qn("w:val"))) if ilvl is not None else 0
    return None


def _style_ppr(paragraph: Paragraph):
    try:
        style = paragraph.style
    except (KeyError, ValueError):
        return None
    return style.element.pPr if style is not None else None


def _paragraph_line(paragraph: Paragraph, numbering: Numbering) -> str:
    text = paragraph.text.strip()
    num = _num_pr(paragraph)
    if text and num:
        label = numbering.label(*num)
        if label:
            return f"{label} {text}"
    return text


def _layout_lines(table: Table) -> list[str]:
    """A layout table read as the page reads it: each cell's lines, left column then right column."""
    lines: list[str] = []
    for row in table.rows:
        for cell in row.cells:
            lines.extend(p.text.strip() for p in cell.paragraphs if p.text.strip())
    return lines


def _table_lines(table: Table) -> list[str]:
    """Rows as a text file writes them ("| TT | NHIỆM VỤ | … |", the header row underlined by "| --- |"), so a
    table reads the same from .txt, .docx and .pdf; a merged cell counts once (python-docx repeats it)."""
    if is_layout_table([["\n".join(p.text for p in c.paragraphs) for c in r.cells] for r in table.rows]):
        return _layout_lines(table)
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if previous is not None and cell._tc is previous:
                continue
            previous = cell._tc
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(cells)
    lines = [pipe_row(cells) for cells in rows]
    if lines:
        lines.insert(1, separator_row(len(rows[0])))
    return lines


def load(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> RawDocument:
    """Text of a .docx, one paragraph (or table row) per line."""
    data = read_checked_bytes(path, max_bytes)
    if data.startswith(OLE_MAGIC):
        raise IngestFileError(path, "password-protected .docx or old binary .doc; save it as an unprotected .docx")
    if not zipfile.is_zipfile(path):
        raise IngestFileError(path, "not a valid .docx (corrupt or not a Word file)")
    check_zip(path)  # bounded inflation before python-docx reads anything (zip bombs, deep XML)
    try:
        document = open_docx(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestFileError(path, f"not a valid .docx (corrupt: {type(exc).__name__})") from exc
    numbering = Numbering(document)
    lines: list[str] = []
    styled: list[tuple[str, int]] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(_paragraph_line(block, numbering))
            if (level := _heading_level(block)) and lines[-1]:
                styled.append((lines[-1], level))
        else:
            lines.extend(_table_lines(block))
    text = require_text(path, "\n".join(line for line in lines if line), "the document has no text")
    title = (document.core_properties.title or "").strip() or None
    meta = {"format": "docx", "page_headers": _page_headers(document), "styled_headings": styled}
    return RawDocument(text=text, title=title, meta=meta)


def _heading_level(paragraph: Paragraph) -> int:
    """1-9 for a paragraph in Word's "Heading N" style (the author's own outline), else 0."""
    try:
        name = paragraph.style.name if paragraph.style is not None else ""
    except (KeyError, ValueError):
        return 0
    match = re.match(r"^(?:Heading|heading)\s+(\d)$", name or "")
    return int(match.group(1)) if match else 0


def _page_headers(document) -> list[str]:
    """Text of the page headers (secrecy stamps such as "MẬT" are often placed there)."""
    lines: list[str] = []
    for section in document.sections:
        for part in (section.header, section.first_page_header):
            try:
                lines.extend(p.text.strip() for p in part.paragraphs if p.text.strip())
            except (KeyError, ValueError, AttributeError):
                continue
    return lines
