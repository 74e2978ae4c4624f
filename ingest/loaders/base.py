"""What every loader returns, plus the checks all loaders share.

A loader only turns bytes into raw text (per page when the format has
pages). Legacy-font decoding, reflow, normalization and structure happen
later in :mod:`ingest.pipeline`, so each loader stays small and the same
cleaning applies to every format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.errors import IngestFileError

LAYOUT_MARKERS = ("ĐẢNG CỘNG SẢN VIỆT NAM", "CỘNG HÒA XÃ HỘI", "CỘNG HOÀ XÃ HỘI", "Nơi nhận", "Số", "T/M", "TM.", "KT.")
"""Text that marks a two-column table as the letterhead or the signature block, not as data."""


def is_layout_table(rows: list[list[str]]) -> bool:
    """Offices put the letterhead (issuer | ĐẢNG CỘNG SẢN VIỆT NAM) and the signature (Nơi nhận | T/M …, name)
    in borderless two-column tables of one to three rows; ``rows`` holds each cell's text (lines joined by
    newlines). Such a table is read as lines, not as rows of data."""
    if not 1 <= len(rows) <= 3 or any(len(row) != 2 for row in rows):
        return False
    return any(line.strip().startswith(LAYOUT_MARKERS) for row in rows for cell in row for line in cell.splitlines())


DEFAULT_MAX_BYTES = 50 * 1024 * 1024
"""Files larger than this are refused (configurable per call)."""


@dataclass
class RawDocument:
    """Text straight out of a file, before any cleaning.

    ``pages`` is set for paged formats (PDF); then ``text`` is the pages
    joined with "\\n". ``meta`` carries format facts the pipeline may use,
    e.g. ``{"format": "pdf", "needs_reflow": True}``.
    """

    text: str
    pages: list[str] | None = None
    title: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def read_checked_bytes(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """File bytes after the checks every format needs: exists, not huge, not empty."""
    if not path.is_file():
        raise IngestFileError(path, "not a regular file")
    size = path.stat().st_size
    if size > max_bytes:
        raise IngestFileError(path, f"file is too large ({size / 1e6:.1f} MB > {max_bytes / 1e6:.1f} MB limit)")
    if size == 0:
        raise IngestFileError(path, "file is empty")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise IngestFileError(path, f"cannot read file ({exc.strerror or exc})") from exc


def require_text(path: Path, text: str, what: str = "no text found") -> str:
    """Refuse documents whose text is only whitespace (an empty document helps nobody)."""
    if not text.strip():
        raise IngestFileError(path, what)
    return text


def pipe_row(cells: list[str]) -> str:
    """A table row as text files write it: "| TT | NHIỆM VỤ | | Bộ Tài chính |" (empty cells kept, so every row
    of a table has as many cells as its header, whatever the format it came from)."""
    return " ".join(["|"] + [f"{' '.join(c.split())} |" if c.strip() else "|" for c in cells])


def separator_row(columns: int) -> str:
    """The Markdown line under a table's header row ("| --- | --- |"): the first row names the columns."""
    return "| " + " | ".join(["---"] * columns) + " |"
