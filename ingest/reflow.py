"""Undo PDF layout: hard-wrapped lines back into paragraphs.

Text that went through a PDF comes out one *layout line* per line, often
with a blank line after every line, page numbers and running headers in
between, and words hyphenated at the margin. Chunking and citations need
paragraphs, so this module rebuilds them. Decisions are made line by line
from the line itself and its predecessor:

* a line starting with a list marker ("- ", "1.", "I.", "a)", "Chuyên đề 2")
  opens a paragraph when the previous line ends a sentence or is short;
* a line starting in lowercase (or with , ; ) %) continues the previous one;
* a previous line that ends a sentence (. ? ! : ;) and stops clearly short of
  the usual line width ends its paragraph; so does any short line followed
  by a capital, and an upper-case line next to a normal one (headings);
* everything else is a wrapped line and is joined with one space.

Blank lines are paragraph breaks only when they are not everywhere (when
almost every line is followed by one, they are an extraction artefact).
Quotes (“ ” ‘ ’) and all other characters are kept as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from ingest.normalize import is_vietnamese_syllable

LIST_MARKER = re.compile(
    r"^(?:[-–—•*+▪●○◦]\s|\d{1,2}(?:\.\d{1,2})*[.)]\s|[IVXLC]{1,6}[.)]\s|[a-zđ][.)]\s"
    r"|(?:Chuyên đề|CHUYÊN ĐỀ|Phần|PHẦN|Chương|CHƯƠNG|Mục|MỤC|Điều|ĐIỀU)\s+[\dIVXLC]+\b)"
)
PAGE_NUMBER = re.compile(r"^[-–—\s]*(?:(?:trang|page)\s*)?\d{1,4}(?:\s*/\s*\d{1,4})?[-–—\s]*$", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.?!:;…][\"”’»)\]]*$")
CONTINUATION_START = re.compile(r"^[,;:)\]%”’]")


@dataclass
class Reflowed:
    """Reflowed text and, for paged input, where each page starts in it."""

    text: str
    page_starts: list[int] = field(default_factory=list)
    removed_headers: list[str] = field(default_factory=list)
    """Running header/footer lines taken out (once each); a secrecy stamp may be among them."""


@dataclass
class _Line:
    text: str
    page: int
    blank_before: bool


def _percentile(values: list[int], q: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else 0


def _header_keys(pages: list[list[str]]) -> set[str]:
    """First/last lines that repeat on at least half the pages (digits ignored): running headers/footers."""
    if len(pages) < 3:
        return set()
    counts: dict[str, int] = {}
    for lines in pages:
        edges = {_key(line) for line in (lines[:1] + lines[-1:]) if line.strip()}
        for key in edges:
            counts[key] = counts.get(key, 0) + 1
    return {k for k, n in counts.items() if n >= max(2, len(pages) // 2) and k}


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split())).lower()


def _collect_lines(pages: list[str]) -> tuple[list[_Line], list[str]]:
    """Non-empty, stripped lines with their page, minus page numbers and running headers (also returned)."""
    split = [page.splitlines() for page in pages]
    headers = _header_keys([[ln for ln in lines if ln.strip()] for lines in split])
    removed: dict[str, None] = {}
    out: list[_Line] = []
    for page_no, lines in enumerate(split):
        blank = False  # a page break is not a blank line: paragraphs run on across pages
        skipped = False  # blank lines around a page number or running header are no paragraph break
        for raw in lines:
            line = " ".join(raw.split())  # "1.  Các thành viên" → "1. Các thành viên", as every format spaces it
            if not line:
                blank = blank or not skipped
                continue
            if PAGE_NUMBER.match(line) and not _is_year_of_date(out, line, len(pages)):
                skipped = True
                continue
            if _key(line) in headers:
                removed.setdefault(line)
                skipped = True
                continue
            out.append(_Line(line, page_no, blank))
            blank = skipped = False
    return out, list(removed)


def _is_year_of_date(lines: list[_Line], line: str, n_pages: int) -> bool:
    """ "2025" alone on a line after "Hà Nội, ngày 10 tháng 01 năm" is the year of the date, not a page number;
    so is any number far beyond the page count."""
    digits = line.strip(" -–—")
    if not digits.isdigit():
        return False
    after_nam = bool(lines) and re.search(r"\bnăm$", lines[-1].text.rstrip()) is not None
    return (after_nam and len(digits) == 4) or int(digits) > 2 * n_pages + 10


CODE_BREAK = re.compile(r"(?:\d|[A-ZĐ][\w&]*|/[\w&]+)-$")
"""A line ending inside a document code: "12/TTr-", "57-NQ-" (the code goes on, without a space, on the next line)."""
CODE_TAIL = re.compile(r"^[A-ZĐ\d][A-ZĐ\d&/.\-]*\b")


def _join_code(prev: str, nxt: str) -> str | None:
    """ "… Tờ trình số 12/TTr-" + "BNV ngày …" → "… 12/TTr-BNV ngày …" (no space inside a code)."""
    if CODE_BREAK.search(prev) and CODE_TAIL.match(nxt):
        return prev + nxt
    return None


def _dehyphenate(prev: str, nxt: str) -> str | None:
    """Joined text if ``prev`` ends with a word broken by a hyphen at the margin, else None."""
    match = re.search(r"([^\W\d_]+)[-\u00ad]$", prev)
    if not match or not nxt[:1].islower():
        return None
    head = match.group(1)
    letters = re.match(r"[^\W\d_]*", nxt)
    tail = letters.group(0) if letters else ""  # `*` always matches; the check is for the type
    soft = prev.endswith("\u00ad")
    # Vietnamese loanwords keep their hyphen ("bô-xít"); broken foreign words lose it.
    keep = not soft and is_vietnamese_syllable(head) and is_vietnamese_syllable(tail)
    return prev[:-1] + ("-" if keep else "") + nxt


def _is_upper(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) > 0.8 * len(letters)


LAYOUT_START = re.compile(
    r"^(?:Nơi nhận|Kính gửi|Căn cứ|T/M|TM\.|KT\.|TL\.|\(Đã ký\)|\(Kèm theo|Phụ lục|PHỤ LỤC|Trân trọng"
    r"|Số\s*:?\s*\d)"
)
"""Lines that always begin a unit of their own: Nơi nhận, signature, appendix, "Căn cứ" (never glued to prose)."""
HEADING_LABEL = re.compile(
    r"^(?:[A-Z]\.|[IVXLC]{1,6}\s*[.\-–/]|\d{1,2}(?:\.\d{1,2})*\.|Phụ lục|PHỤ LỤC|Chương|CHƯƠNG)\s*"
)


def _wrapped_heading(current: str, prev: str, nxt: str, width: int) -> bool:
    """An upper-case heading wrapped over lines ("B. GÓP Ý KIẾN … DỰ THẢO BÁO" / "CÁO CỦA VĂN PHÒNG …"): the
    paragraph opens with a heading label, every line is upper case and the broken line is not short."""
    if not (HEADING_LABEL.match(current) and _is_upper(current) and _is_upper(nxt)):
        return False
    if LIST_MARKER.match(nxt) or HEADING_LABEL.match(nxt):
        return False  # the next heading ("I- CÔNG TÁC …") begins its own line
    return len(prev) >= 0.35 * width and not SENTENCE_END.search(prev)


def _starts_paragraph(prev: str, nxt: str, width: int) -> bool:
    ends_sentence = bool(SENTENCE_END.search(prev))
    short = len(prev) < 0.8 * width
    if LAYOUT_START.match(nxt):
        return True
    if LIST_MARKER.match(nxt):
        return ends_sentence or short or prev.endswith((",", ";"))  # "- Như trên," / "- Lưu: VT" are list items
    if nxt[:1].islower() or CONTINUATION_START.match(nxt):
        return False
    if ends_sentence and short:
        return True
    if ends_sentence and len(nxt) < 0.5 * width and not SENTENCE_END.search(nxt):
        return True  # a short unpunctuated line after a full stop is a name or heading ("Nguyễn Văn An")
    if _is_upper(prev) != _is_upper(nxt):  # an upper-case heading next to body text
        return True
    return len(prev) < 0.6 * width and nxt[:1].isupper()


def is_hard_wrapped(text: str) -> bool:
    """True when the text looks like layout lines (PDF/e-mail) rather than one paragraph per line."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) < 4 or _percentile([len(ln) for ln in lines], 0.9) > 160:
        return False
    continued = sum(1 for a, b in pairwise(lines) if b[:1].islower() and not SENTENCE_END.search(a))
    return continued >= 0.2 * (len(lines) - 1)


def reflow_pages(pages: list[str], blank_breaks: bool = False) -> Reflowed:
    """Rebuild paragraphs (one per line in the result) across pages; record each page's start offset.

    ``blank_breaks``: the blank lines were put at paragraph gaps measured on the page (see
    :mod:`ingest.loaders.pdf_layout`), so each one ends a paragraph however many there are."""
    lines, removed = _collect_lines(pages)
    if not lines:
        return Reflowed("", [0] * len(pages), removed)
    width = _percentile([len(ln.text) for ln in lines], 0.9)
    blanks_meaningful = blank_breaks or sum(ln.blank_before for ln in lines[1:]) < 0.6 * max(len(lines) - 1, 1)
    paragraphs: list[str] = [lines[0].text]
    first_offset: dict[int, int] = {lines[0].page: 0}
    done = 0  # length of text in finished paragraphs, including their "\n"
    for prev, line in pairwise(lines):
        current = paragraphs[-1]
        code = _join_code(current, line.text)
        if code is not None:
            first_offset.setdefault(line.page, done + len(code) - len(line.text))
            paragraphs[-1] = code
            continue
        if _wrapped_heading(current, prev.text, line.text, width):
            first_offset.setdefault(line.page, done + len(current) + 1)
            paragraphs[-1] = current + " " + line.text
            continue
        if (blanks_meaningful and line.blank_before) or _starts_paragraph(prev.text, line.text, width):
            done += len(current) + 1
            paragraphs.append(line.text)
            first_offset.setdefault(line.page, done)
            continue
        joined = _dehyphenate(current, line.text)
        if joined is None:
            joined = current + " " + line.text
        first_offset.setdefault(line.page, done + len(joined) - len(line.text))
        paragraphs[-1] = joined
    text = "\n".join(paragraphs)
    return Reflowed(text, _page_starts(first_offset, len(pages), len(text)), removed)


def _page_starts(first_offset: dict[int, int], n_pages: int, end: int) -> list[int]:
    """Start offset of every page; a page without text starts where the next text does."""
    starts = [end] * n_pages
    nxt = end
    for page in range(n_pages - 1, -1, -1):
        nxt = first_offset.get(page, nxt)
        starts[page] = nxt
    return starts


def reflow(text: str) -> str:
    """Paragraphs of a single hard-wrapped text (see module doc)."""
    return reflow_pages([text]).text


def tidy_lines(text: str) -> str:
    """For text that is not hard-wrapped: drop empty lines, strip line ends and collapse runs of spaces inside
    a line ("GIÁM SÁT  VÀ" → "GIÁM SÁT VÀ"; a PDF or a Word paragraph never shows two), nothing else."""
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
