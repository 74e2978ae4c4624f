"""Make .docx and .pdf renditions of a plain-text office document, laid out as offices lay them out.

Real party and state documents arrive as Word files (letterhead and signature in two-column borderless tables,
heading styles, tables) and as PDFs printed from them. Tests of every format start from the same shared .txt, so
these builders turn a .txt into both: :func:`write_docx_rendition` (python-docx) and :func:`write_pdf_rendition`
(an HTML rendition printed by headless Chromium). The layout is read from the text with simple rules of this
module (never with troly's own parser, so a parser bug cannot hide in its own input).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
)

_KINDS = (
    "KẾ HOẠCH", "BÁO CÁO", "DỰ THẢO", "NGHỊ QUYẾT", "KẾT LUẬN", "CHỈ THỊ", "CHƯƠNG TRÌNH", "QUYẾT ĐỊNH", "TỜ TRÌNH",
    "HƯỚNG DẪN", "THÔNG BÁO", "LUẬT", "BỘ LUẬT", "NGHỊ ĐỊNH", "THÔNG TƯ", "CÔNG VĂN", "GỢI Ý",
)  # fmt: skip
_RIGHT_HEADER = re.compile(r"^(?:ĐẢNG CỘNG SẢN VIỆT NAM|CỘNG HO[ÀÁ] XÃ HỘI|Độc lập|[\w\s]+, ngày|\*+$|-{3,}$)")
_H1 = re.compile(
    r"^(?:[A-Z]\.\s|[IVXLC]{1,6}\s*[.\-–/]\s|Chương\s+[\dIVXLC]+|CHƯƠNG\s|Phần\s+[\dIVXLC]+|PHẦN\s|Phụ lục)"
)
_H2 = re.compile(r"^(?:\d{1,2}\.\s+\S|Điều\s+\d+\.?\s|Mục\s+\d+)")
_H3 = re.compile(r"^(?:\d{1,2}\.\d{1,2}\.?\s|[a-zđ]\)\s)")
_SIGNATURE = re.compile(r"^(?:T/M|TM\.|KT\.|TL\.|\(Đã ký\)|\(Dấu|BÍ THƯ|PHÓ BÍ THƯ|CHÁNH VĂN PHÒNG|CHỦ TỊCH)")


@dataclass
class Layout:
    """A text cut into the parts an office lays out differently."""

    left_header: list[str] = field(default_factory=list)
    right_header: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)


_ITEM = re.compile(r"^(?:[-+•]\s|\d{1,2}(?:\.\d{1,2})*[.)]\s|[a-zđ]\)\s|[IVXLC]{1,6}\s*[.\-–/]\s|Điều\s|Chương\s)")


def unwrap(lines: list[str]) -> list[str]:
    """A text saved with its printed line breaks ("… và dự thảo Nghị quyết" / "cho năm 2026 …", every line under
    90 characters) back to one line per paragraph, as its author typed it in Word: a line goes on the previous
    one unless that one ends a sentence or the line starts a list item."""
    if len(lines) < 20 or sorted(len(ln) for ln in lines)[int(len(lines) * 0.9)] > 90:
        return lines  # already one paragraph per line
    out: list[str] = []
    for line in lines:
        ends = bool(out) and re.search(r"[.:;?!…][\"”’)]*$", out[-1]) is not None
        ends = ends and not (out[-1].endswith(":") and line.startswith("“"))  # "… năm 2026:" / "“Kỷ cương …”"
        if out and not ends and not _ITEM.match(line) and (line[:1].islower() or len(out[-1]) > 60):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return out


def read_layout(text: str) -> Layout:
    """Header (until the document-kind title), body, Nơi nhận and signature (after the last "Nơi nhận")."""
    lines = unwrap([ln.strip() for ln in text.splitlines() if ln.strip()])
    layout = Layout()
    title_at = next((i for i, ln in enumerate(lines[:25]) if ln.upper().startswith(_KINDS) and ln.isupper()), None)
    if title_at is None:
        title_at = next((i for i, ln in enumerate(lines[:25]) if ln.startswith(_KINDS)), 0)
    for line in lines[:title_at]:
        (layout.right_header if _RIGHT_HEADER.match(line) else layout.left_header).append(line)
    rest = lines[title_at:]
    tail_at = max((i for i, ln in enumerate(rest) if ln.startswith("Nơi nhận")), default=None)
    if tail_at is None or len(rest) - tail_at > 40:
        layout.body = rest
        return layout
    layout.body = rest[:tail_at]
    for line in rest[tail_at:]:
        is_signature = _SIGNATURE.match(line) or (layout.signature and not line.startswith("-"))
        (layout.signature if is_signature else layout.recipients).append(line)
    return layout


def _heading_level(line: str) -> int:
    if len(line) > 200:
        return 0
    if _H1.match(line):
        return 1
    if _H2.match(line) and len(line) <= 160:
        return 2
    if _H3.match(line) and len(line) <= 120:
        return 3
    return 0


def _table_cells(line: str) -> list[str] | None:
    """Cells of "| a | b |" (outer pipes are borders), of "a | b" (a web copy's row) and of "| a | b" (an empty
    first cell kept, as the shared budget tables write it)."""
    if not line.startswith("|") and " | " not in line:
        return None
    row = line.strip()
    if row.startswith("|") and row.endswith("|") and len(row) > 1:
        row = row[1:-1]
    cells = [c.strip() for c in row.split("|")]
    if all(re.fullmatch(r":?-+:?", c) for c in cells if c):
        return []  # Markdown separator row
    return cells


def _blocks(body: list[str]) -> list[tuple[str, object]]:
    """("title"|"h1"|"h2"|"h3"|"p", text) and ("table", rows), in order."""
    out: list[tuple[str, object]] = []
    for i, line in enumerate(body):
        cells = _table_cells(line)
        if cells is not None:
            if cells:
                if out and out[-1][0] == "table":
                    out[-1][1].append(cells)  # type: ignore[union-attr]
                else:
                    out.append(("table", [cells]))
            continue
        if i == 0 and line.upper().startswith(_KINDS):  # a topic guide opens with prose, not a title
            out.append(("title", line))
            continue
        level = _heading_level(line)
        out.append((f"h{level}" if level else "p", line))
    return out


def write_docx_rendition(txt: Path, out: Path) -> Path:
    """A .docx of ``txt``: letterhead and signature as two-column borderless tables, Heading 1-3 styles,
    Markdown tables as Word tables, everything else a body paragraph."""
    import docx

    layout = read_layout(txt.read_text(encoding="utf-8"))
    document = docx.Document()
    if layout.left_header or layout.right_header:
        _two_columns(document, layout.left_header, layout.right_header)
    for kind, value in _blocks(layout.body):
        if kind == "table":
            rows = value  # type: ignore[assignment]
            width = max(len(r) for r in rows)
            table = document.add_table(rows=len(rows), cols=width)
            table.style = "Table Grid"
            for r, cells in enumerate(rows):
                if 0 < len(cells) < width:
                    # a short row is a header over merged columns ("Năm hiện hành 2025" over "Kế hoạch | Ước thực
                    # hiện"): its last cell spans the rest, as Word writes it, instead of empty cells after it
                    table.cell(r, len(cells) - 1).merge(table.cell(r, width - 1))
                for c, cell in enumerate(cells):
                    table.cell(r, c).text = cell
        elif kind == "title":
            document.add_paragraph(str(value), style="Title")
        elif kind.startswith("h"):
            document.add_heading(str(value), level=int(kind[1]))
        else:
            document.add_paragraph(str(value))
    if layout.recipients or layout.signature:
        _two_columns(document, layout.recipients, layout.signature)
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))
    return out


def _two_columns(document, left: list[str], right: list[str]) -> None:
    table = document.add_table(rows=1, cols=2)
    for cell, lines in zip(table.rows[0].cells, (left, right), strict=True):
        cell.text = lines[0] if lines else ""
        for line in lines[1:]:
            cell.add_paragraph(line)


def html_rendition(txt: Path) -> str:
    """The same layout as HTML (header and signature tables, h1-h3, tables), for printing to PDF."""
    layout = read_layout(txt.read_text(encoding="utf-8"))
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        "body{font-family:'DejaVu Serif','Liberation Serif',serif;font-size:12pt;margin:2cm}"
        "table.grid{border-collapse:collapse}table.grid td{border:1px solid #000;padding:2px;font-size:9pt}"
        "td{vertical-align:top}.two td{width:50%;text-align:center}"
        "</style></head><body>"
    ]
    if layout.left_header or layout.right_header:
        parts.append(_html_columns(layout.left_header, layout.right_header))
    for kind, value in _blocks(layout.body):
        if kind == "table":
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                for r in value  # type: ignore[union-attr]
            )
            parts.append(f"<table class='grid'>{rows}</table>")
        elif kind == "title":
            parts.append(f"<h1 style='text-align:center'>{html.escape(str(value))}</h1>")
        elif kind.startswith("h"):
            parts.append(f"<h{int(kind[1]) + 1}>{html.escape(str(value))}</h{int(kind[1]) + 1}>")
        else:
            parts.append(f"<p>{html.escape(str(value))}</p>")
    if layout.recipients or layout.signature:
        parts.append(_html_columns(layout.recipients, layout.signature))
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_columns(left: list[str], right: list[str]) -> str:
    cols = ("<br>".join(html.escape(x) for x in side) for side in (left, right))
    return "<table class='two' style='width:100%'><tr>" + "".join(f"<td>{c}</td>" for c in cols) + "</tr></table>"


def chromium_available() -> bool:
    """Whether headless Chromium is installed (the PDF renditions need it)."""
    return Path(CHROMIUM).is_file() or shutil.which("chromium") is not None


def write_pdf_rendition(txt: Path, out: Path, timeout: float = 120) -> Path:
    """A .pdf of ``txt`` printed by headless Chromium from :func:`html_rendition` (no network, no profile)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    page = out.with_suffix(".html")
    page.write_text(html_rendition(txt), encoding="utf-8")
    profile = out.parent / f".chromium-{out.stem}"
    cmd = [
        CHROMIUM,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        "--no-pdf-header-footer",
        f"--print-to-pdf={out}",
        page.resolve().as_uri(),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)
    shutil.rmtree(profile, ignore_errors=True)
    if not out.is_file() or out.stat().st_size == 0:
        raise RuntimeError(f"Chromium did not print {out}")
    return out


def rendition(source: Path, fmt: str, folder: Path) -> Path:
    """``source`` itself for "txt", else its .docx/.pdf rendition in ``folder`` (made once, reused after)."""
    if fmt == "txt":
        return source
    out = folder / f"{source.stem}.{fmt}"
    if out.exists():
        return out
    if fmt == "docx":
        return write_docx_rendition(source, out)
    if fmt == "pdf":
        return write_pdf_rendition(source, out)
    raise ValueError(f"unknown rendition {fmt!r}")
