"""Plain text and Markdown: find the encoding, refuse binary files.

Office text files come as UTF-8 (with or without BOM), UTF-16 (Windows
"Unicode" Notepad), cp1258 (Windows Vietnamese, with combining tone marks)
or as 8-bit text typed with TCVN3/VNI fonts. The 8-bit cases cannot be told
apart by byte statistics, so each candidate is decoded and the one that
reads as the most well-formed Vietnamese wins. Legacy-font text is returned
as cp1252 characters; :mod:`ingest.pipeline` converts it to Unicode.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ingest.errors import IngestFileError
from ingest.legacy_encoding import ENCODINGS, convert_legacy, vietnamese_score
from ingest.loaders.base import DEFAULT_MAX_BYTES, RawDocument, read_checked_bytes, require_text, separator_row

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC = ((b"%PDF", "a PDF file"), (b"PK\x03\x04", "a ZIP/Office file"), (b"\xd0\xcf\x11\xe0", "an old Office file"))


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without BOM has NUL in every other byte for Latin/Vietnamese-heavy text."""
    even, odd = data[0::2], data[1::2]
    for zeros, codec in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros.count(0) > 0.3 * max(len(zeros), 1):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    return None


def _eight_bit(data: bytes) -> tuple[str, str]:
    """(text, encoding) for non-UTF text: cp1258 or a legacy font read as cp1252, whichever reads best."""
    candidates = [("cp1258", data.decode("cp1258", errors="replace"))]
    latin = data.decode("cp1252", errors="replace")
    candidates += [(enc, latin) for enc in ENCODINGS]
    best = max(candidates, key=lambda c: vietnamese_score(convert_legacy(c[1], c[0]) if c[0] in ENCODINGS else c[1])[0])
    return best[1], best[0]


def decode_bytes(path: Path, data: bytes) -> tuple[str, str]:
    """(text, encoding name); IngestFileError for binary content."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise IngestFileError(path, f"binary content ({what}) disguised as text; give it its real extension")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError as exc:
                raise IngestFileError(path, f"invalid {codec} text ({exc.reason})") from exc
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is None:
            raise IngestFileError(path, "binary file (contains NUL bytes), not text")
        return text, "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = _eight_bit(data)
    _check_word_spacing(path, text)
    return text, encoding


def _check_word_spacing(path: Path, text: str) -> None:
    """8-bit bytes decode to *something* in every code page; real text has spaces between words
    (Vietnamese: one per syllable), random bytes almost never do."""
    if len(text) >= 200 and sum(c.isspace() for c in text) < 0.03 * len(text):
        raise IngestFileError(path, "not readable text in any known encoding (binary data?); no text was indexed")


def _check_not_binary(path: Path, text: str) -> None:
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f\v")
    if controls > max(3, 0.01 * len(text)):
        raise IngestFileError(path, "binary file (control characters), not text")


_MD_RULES = (
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$", re.MULTILINE), r"\1"),  # "## 1. Kinh tế" → "1. Kinh tế"
    (re.compile(r"^([ \t]*)[*+][ \t]+", re.MULTILINE), r"\1- "),  # "* item" → "- item"
    (re.compile(r"\*\*(.+?)\*\*|__(.+?)__"), lambda m: m.group(1) or m.group(2)),  # bold markers
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),  # [text](url) → text
)


def strip_markdown(text: str) -> str:
    """Markdown markup is not content: keep the words, drop heading hashes, bold markers and link targets,
    so "## 1. Kinh tế" is seen as topic 1 like in any other format."""
    for pattern, repl in _MD_RULES:
        text = pattern.sub(repl, text)
    return text


_SEPARATOR_ROW = re.compile(r"^[ \t]*\|(?:[ \t]*:?-{3,}:?[ \t]*\|)+[ \t]*$", re.MULTILINE)


def canonical_separators(text: str) -> str:
    """ "|----|:-----|" under a table's header row is written "| --- | --- |", as the .docx and .pdf loaders write
    it: the line carries no words, and its dashes (hundreds in some files) should not fill a chunk."""
    return _SEPARATOR_ROW.sub(lambda m: separator_row(m.group(0).count("|") - 1), text)


def _markdown_title(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip() or None
    return None


def load(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> RawDocument:
    """Read a .txt/.md file into text, whatever its encoding."""
    data = read_checked_bytes(path, max_bytes)
    text, encoding = decode_bytes(path, data)
    _check_not_binary(path, text)
    text = require_text(path, text.replace("\r\n", "\n").replace("\r", "\n"), "file contains only whitespace")
    text = canonical_separators(text)
    title = None
    if path.suffix.lower() == ".md":
        title = _markdown_title(text)
        text = strip_markdown(text)
    # Form feeds mark page breaks in text saved from PDFs (pdftotext): keep the pages so
    # running headers and page numbers can be recognised and page numbers cited.
    pages = text.split("\f") if "\f" in text else None
    meta = {"format": path.suffix.lower().lstrip("."), "encoding": encoding}
    return RawDocument(text=text.replace("\f", "\n"), pages=pages, title=title, meta=meta)
