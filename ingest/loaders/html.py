"""HTML pages (saved web pages, exported e-mails) via BeautifulSoup.

Scripts, styles and navigation are dropped; every block element ends a
line, so paragraphs, headings and list items stay on lines of their own and
list items keep a "- " marker the structure parser understands.
"""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from ingest.errors import IngestFileError
from ingest.loaders.base import (
    DEFAULT_MAX_BYTES,
    RawDocument,
    is_layout_table,
    pipe_row,
    read_checked_bytes,
    require_text,
)
from ingest.loaders.text import decode_bytes

_DROP = ("script", "style", "noscript", "template", "nav", "head", "svg", "iframe")
_BLOCKS = ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "br", "section", "article", "blockquote",
           "pre", "table", "ul", "ol", "header", "footer", "main", "dt", "dd")  # fmt: skip


def load(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> RawDocument:
    """Visible text of an HTML file, one block per line."""
    data = read_checked_bytes(path, max_bytes)
    text, _ = decode_bytes(path, data)
    soup = BeautifulSoup(text, "html.parser")
    title_tag = soup.find("title") or soup.find("h1")
    title = " ".join(title_tag.get_text(" ").split()) if title_tag else None
    for tag in soup.find_all(_DROP):
        tag.decompose()
    for item in soup.find_all("li"):
        item.insert(0, "- ")
    for table in soup.find_all("table"):
        _flatten_table(table)
    for block in soup.find_all(_BLOCKS):
        block.insert_before("\n")
        block.append("\n")
    lines = [" ".join(line.split()) for line in soup.get_text().splitlines()]
    body = "\n".join(line for line in lines if line)
    if not body.strip():
        raise IngestFileError(path, "the HTML page has no visible text")
    return RawDocument(text=require_text(path, body), title=title or None, meta={"format": "html"})


def _flatten_table(table) -> None:
    """A data table becomes one "| a | b |" line a row, as text files, .docx and .pdf give it; the letterhead and
    signature tables (two columns: issuer | ĐẢNG CỘNG SẢN VIỆT NAM, Nơi nhận | T/M …) keep each cell's lines."""
    rows = table.find_all("tr")
    cells = [list(row.find_all(["td", "th"], recursive=False)) for row in rows]
    if is_layout_table([[c.get_text("\n") for c in row] for row in cells]):
        for row in cells:
            for cell in row:
                cell.append("\n")
        return
    for row, row_cells in zip(rows, cells, strict=True):
        values = [" ".join(c.get_text(" ").split()) for c in row_cells]
        row.clear()
        row.append(pipe_row(values) if any(values) else "")
