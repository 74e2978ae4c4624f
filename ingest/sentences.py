"""THE sentence splitter: sentences inside paragraphs, layout lines as units of their own.

Office documents mix prose with layout: the letterhead, the title, "Căn cứ …" lines, headings, the Nơi nhận
list, the signature block and table rows. Gluing them ("ĐẢNG ỦY CHÍNH PHỦ VĂN PHÒNG Số 402-CV/VPĐU …") makes
700-character "sentences" that outrank real ones, so every line that is layout is its own unit, and only
paragraphs of prose go through underthesea's ``sent_tokenize``. Spans are offsets into the given text, stripped
of surrounding whitespace, and never cross a line break. Chunking, answers, citations, talking points and eval all
split with this module.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from ingest.underthesea_tools import sent_tokenize

LABEL_ONLY = re.compile(
    r"^(?:[-–—•*+]\s*)?(?:(?:Điều|ĐIỀU|Chương|CHƯƠNG|Mục|MỤC|Phần|PHẦN|Khoản|Điểm)\s+[\dIVXLC]+[.:]?"
    r"|[IVXLC]{1,6}[.\-–)/]|\d{1,3}(?:\.\d{1,3})*[.)]|[a-zđ][.)]|\(\d{1,3}\)|\([ivx]{1,5}\))$"
)
"""A piece that is only a list/heading label ("1.", "Điều 1.", "II-", "a)", "(3)"): it belongs to what follows."""

_TABLE_ROW = re.compile(r"^\|.*\||\s\|\s")
_HEADING_START = re.compile(
    r"^(?:(?:Điều|ĐIỀU|Chương|CHƯƠNG|Mục|MỤC|Phần|PHẦN|Phụ lục|PHỤ LỤC|Chuyên đề|CHUYÊN ĐỀ)\s+[\dIVXLC]+\b"
    r"|[IVXLC]{1,6}\s*[.\-–/]\s|[A-Z]\.\s|\d{1,2}(?:\.\d{1,2})*\.?\s|[a-zđ]\)\s)"
)
_LAYOUT_START = re.compile(
    r"^(?:Căn cứ|Xét đề nghị|Theo đề nghị|Nơi nhận|Kính gửi|Số\s*:?\s*[\d\-]|V/v|T/M|TM\.|KT\.|K/T|TL\.|TUQ\.|Q\.|"
    r"\(Đã ký\)|\(Dấu|\(Kèm theo|\(Ký|Trân trọng)",
    re.IGNORECASE,
)
SHORT_LINE = 90
"""A line this short with no sentence end inside is a header, heading or signature line, never split further."""
_INNER_END = re.compile(r"[.?!…][\"”’)]*\s+\S")


def is_layout_line(line: str) -> bool:
    """True for lines that are units by themselves: table rows, header/signature/Nơi nhận/"Căn cứ" lines,
    upper-case lines, and short heading lines ("II- KẾT QUẢ THỰC HIỆN", "Điều 3. Tổ chức thực hiện")."""
    line = line.strip()
    if not line:
        return False
    if _TABLE_ROW.search(line) or _LAYOUT_START.match(line) or _is_upper(line):
        return True
    if len(line) <= SHORT_LINE and not _INNER_END.search(line):
        return True
    return bool(_HEADING_START.match(line)) and len(line) <= 2 * SHORT_LINE and not _INNER_END.search(line)


def _is_upper(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.85 * len(letters)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences and layout lines of ``text[start:end]``, in order, stripped."""
    if start == 0 and end is None:
        return list(_whole_text_spans(text))  # a passage is split again by every step that answers from it
    return _spans(text, start, len(text) if end is None else end)


@functools.lru_cache(maxsize=1 << 12)
def _whole_text_spans(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(_spans(text, 0, len(text)))


def _spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        body = line.group(0)
        if not body.strip():
            continue
        base = start + line.start()
        if is_layout_line(body):
            lead = len(body) - len(body.lstrip())
            spans.append((base + lead, base + len(body.rstrip())))
            continue
        spans.extend((base + s, base + e) for s, e in _prose_spans(body))
    return spans


def _prose_spans(body: str) -> list[tuple[int, int]]:
    """underthesea sentences of one paragraph, located in it; label-only pieces joined to the next sentence."""
    found: list[tuple[int, int]] = []
    cursor = 0
    for sentence in sent_tokenize(body):
        located = _locate(body, sentence, cursor)
        if located is None:
            continue
        found.append(located)
        cursor = located[1]
    tail = body[cursor:].strip()
    if tail:  # anything the tokenizer dropped still belongs to the text
        s = body.index(tail, cursor)
        found.append((s, s + len(tail)))
    merged: list[tuple[int, int]] = []
    pending: int | None = None
    for s, e in found:
        if pending is not None:
            s, pending = pending, None
        if LABEL_ONLY.match(body[s:e].strip()):
            pending = s
            continue
        merged.append((s, e))
    if pending is not None:
        merged.append((pending, len(body.rstrip())))
    return merged


def _locate(body: str, sentence: str, cursor: int) -> tuple[int, int] | None:
    """Where ``sentence`` occurs in ``body`` at or after ``cursor`` (tolerating changed whitespace)."""
    words = sentence.split()
    if not words:
        return None
    idx = body.find(sentence, cursor)
    if idx >= 0:
        return idx, idx + len(sentence)
    match = re.compile(r"\s*".join(re.escape(w) for w in words)).search(body, cursor)
    return (match.start(), match.end()) if match else None


def split_sentences(text: str) -> list[str]:
    """The sentences and layout lines of ``text`` as strings (see :func:`sentence_spans`)."""
    return [text[s:e] for s, e in sentence_spans(text)]


def paragraph_lead(text: str, spans: Sequence[tuple[int, int]], start: int) -> str:
    """The first sentence of the paragraph (line) a later sentence of it starts at ``start``, else "": in "- (2) Nhiệm
    vụ: Hướng dẫn chính quyền số: Đã ban hành … . Hiện nay, Bộ KH&CN đang thí điểm tại TP.Hồ Chí Minh …" the second
    sentence is about the task the first one names."""
    line_start = text.rfind("\n", 0, start) + 1
    if line_start >= start:
        return ""
    first = next(((s, e) for s, e in spans if s >= line_start), None)
    return text[first[0] : first[1]] if first is not None and first[0] < start else ""


NUMBER_LABEL = re.compile(r"^\s*(?:[-–•+*]\s*)?(?:\d{1,3}(?:\.\d{1,3})*[.)\-–]|[IVXLC]{1,6}[.\-–)]|\(\d{1,3}\))\s+")
"""A numbered list or heading label ("1.", "2.1.", "II-", "(3)", the older laws' "2-"): it numbers the document's
item, so it is neither a figure the sentence states nor part of the sentence an answer quotes."""
LIST_ITEM = re.compile(
    r"\s*(?:(?P<dash>[-–—•*+])|\(?(?:(?P<number>\d{1,3})|(?P<letter>[a-zđ])|[ivxIVX]{1,5})[.)]|\(\w{1,4}\)"
    r"|(?P<older>\d{1,3})-)\s"
)
"""The marker a list item opens with: a dash or bullet, "1.", "a)", "(2)", "iv.", and the older laws' "1-" (the
named groups tell the kinds apart; a single letter is a letter item, so "i)" follows "h)")."""


def item_lead(text: str, spans: Sequence[tuple[int, int]], start: int) -> str:
    """:func:`paragraph_lead` when the paragraph is a list item ("- Ví dụ mục 2: Xây dựng chính sách PPP … .
    Đề xuất: Điều chỉnh thời hạn …", "a) …", "(2) …"), else "": an item's opening names what all of it is about;
    a prose paragraph's first sentence does not bound what its later sentences say."""
    line_start = text.rfind("\n", 0, start) + 1
    return paragraph_lead(text, spans, start) if LIST_ITEM.match(text, line_start) else ""


def list_opening(text: str, start: int) -> str:
    """The line that opens the list an item at ``start`` belongs to ("Người tiếp công dân có trách nhiệm:" for
    "2- Hướng dẫn công dân …"; "2. Đoàn giám sát có những nhiệm vụ, quyền hạn sau đây:" for "b) Thông báo …"), else
    "": read back over the list's earlier items to the nearest line ending with a colon. A line that is not an item
    and does not end with one means the sentence is not in a list that opens in this text; an item of the same kind
    ending with one opens a list of its own ("1. … sau đây:" › "a) …" before "2. …")."""
    return _read_back(text, start) or ""


def _item_kind(match: re.Match[str]) -> str:
    """ "dash", "number", "letter" or "other" (a Roman numeral, "(iv)"): what marks a list item (a
    :data:`LIST_ITEM` match), so siblings are told from sub-items."""
    if match.group("dash"):
        return "dash"
    if match.group("number") or match.group("older"):
        return "number"
    return "letter" if match.group("letter") else "other"


def item_kind(line: str) -> str:
    """What marks ``line`` as a list item ("dash", "number", "letter", "other"), or "" when it is not one: the
    items under one opening share a kind ("- …", "- …"; "1. …", "2. …")."""
    match = LIST_ITEM.match(line)
    return "" if match is None else _item_kind(match)


def _read_back(text: str, start: int) -> str | None:
    """:func:`list_opening`, or None when the list runs back to the start of ``text`` without its opening line (a
    passage cut inside a list: the opening is in the document before it)."""
    line_start = text.rfind("\n", 0, start) + 1
    first = LIST_ITEM.match(text, line_start)
    if first is None:
        return ""
    kind = _item_kind(first)
    end = line_start - 1
    while end > 0:
        begin = text.rfind("\n", 0, end) + 1
        line = text[begin:end].strip()
        end = begin - 1
        if not line:
            continue
        item = LIST_ITEM.match(line)
        if line.endswith(":"):
            return "" if item is not None and _item_kind(item) == kind else line
        if item is None:
            return ""
    return None


def opens_before(text: str, start: int) -> bool:
    """Whether the sentence at ``start`` is in a list that runs back to the start of ``text`` with no opening line
    in it: a passage cut inside a list, whose opening the document has before the passage."""
    return _read_back(text, start) is None


def with_item_lead(heading: str, text: str, spans: Sequence[tuple[int, int]], start: int, opening: str = "") -> str:
    """``heading`` (a sentence's heading path), then the line opening its list (:func:`list_opening`) and its list
    item's opening (:func:`item_lead`) when the sentence is in one: where names the sentence leaves unsaid are
    read. ``opening`` is the opening line the document has before ``text`` when ``text`` starts inside a list
    (:func:`opens_before`); it counts for the sentences of that list."""
    found = _read_back(text, start)
    parts = [heading, opening if found is None else found, item_lead(text, spans, start)]
    return "\n".join(p for p in parts if p)
