"""Follow-up questions in a conversation, rewritten into standalone questions before they are answered.

Officials talk to the chat as to a colleague: after "Chuyên đề 2 do những đơn vị nào chuẩn bị thảo luận?" comes
"còn chuyên đề 3 thì sao?", after an answer about a task comes "cơ quan nào chủ trì việc đó?", after a list
comes "nói rõ hơn ý thứ hai". Answered alone, such a question retrieves the wrong passages (or only a title).
:func:`rewrite_followup` makes it standalone from the conversation so far, with plain rules (no model, well under
a millisecond), and the rewritten question is answered — and refused — like any other; the user sees it under
the answer. A question that already stands alone is returned unchanged, and an empty history changes nothing,
so a new conversation starts clean.

Three kinds of follow-up are recognised:

* **substitution** — "còn X thì sao?", "thế còn X?", "X thì sao?": X (a topic, part, article, year or body)
  takes the place of the same kind of thing in the previous question, or is added to it;
* **reference** — "việc đó", "nhiệm vụ này", "chuyên đề đó", "văn bản đó" … is replaced by what the previous
  question was about (its words without the asking words), or by the topic/document it named;
* **ordinal** — "ý thứ hai", "điểm 3", "nội dung thứ nhất" names a sentence of the previous answer: that
  sentence becomes the question.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingest.normalize import fold

MAX_REFERENT_WORDS = 16
"""What "việc đó" stands for is cut to this many words: enough to retrieve the passage, short enough to read."""
REFUSAL = "tai lieu hien co khong chua"
"""Folded start of the answer's refusal: a refused turn gives nothing to refer to."""
ORDINALS = {"nhat": 1, "mot": 1, "hai": 2, "ba": 3, "tu": 4, "bon": 4, "nam": 5, "sau": 6, "bay": 7}
_ENTITY = (
    ("topic", re.compile(r"\bchuyên đề\s+(?:số\s+)?(\d+|[IVX]+)\b", re.I)),
    ("part", re.compile(r"\b(?:phần|mục|chương|điều|khoản|phụ lục)\s+(?:thứ\s+)?[\dIVXLC]+\b", re.I)),
    ("year", re.compile(r"\b(?:năm\s+)?20\d\d\b", re.I)),
    (
        "body",
        re.compile(
            r"\b(?:Đảng bộ|Đảng ủy|Chi bộ|Sở|Bộ|Ban|Ủy ban|UBND|Văn phòng|Tổ đảng|Hội đồng|Cục|Thanh tra|Công an)"
            r"(?:\s+(?!(?:chủ|phối|nhiệm|được|giao|có|thực|là|do|chuẩn|gì|nào|thì|trong|về|với|năm)\b)[\w&,]+){1,14}"
        ),
    ),
)
_SUBSTITUTE = re.compile(
    r"^(?:(?:vậy|thế|và)\s+)?(?:còn\s+)(?P<x>.+?)(?:\s+thì\s+(?:sao|thế nào|như thế nào|ra sao))?\s*\??$"
    r"|^(?P<y>.+?)\s+thì\s+(?:sao|thế nào|như thế nào|ra sao)\s*\??$",
    re.I,
)
_REFERENCE = re.compile(
    r"\b(?P<noun>việc|nhiệm vụ|nội dung|vấn đề|điều|chỉ tiêu|mục tiêu|giải pháp|văn bản|kế hoạch|báo cáo|"
    r"chuyên đề|đơn vị|cơ quan|tổ chức)\s+(?:này|đó|ấy|trên|nói trên)\b",
    re.I,
)
_ORDINAL = re.compile(
    r"\b(?:ý|điểm|nội dung|câu|phần)\s+(?:thứ\s+)?(?P<n>\d{1,2}|nhất|một|hai|ba|tư|bốn|năm|sáu|bảy)\b", re.I
)
_ASKING = re.compile(
    r"\b(?:là gì|là những gì|gì|nào|bao nhiêu|ai|như thế nào|thế nào|ra sao|ở đâu|khi nào|bao giờ|có không|"
    r"không|chưa|hãy|cho biết|cho tôi biết|những|các)\b|[?]",
    re.I,
)
_DOCUMENT = re.compile(
    r"\b(?:Kế hoạch|Nghị quyết|Kết luận|Quyết định|Quy định|Báo cáo|Chỉ thị|Luật|Nghị định|Thông tư)"
    r"\s+(?:số\s+)?[\w/.\-]*\d[\w/.\-]*",
)


@dataclass
class Rewrite:
    question: str
    """As the user typed it."""
    standalone: str
    """What is answered: the question itself, or its standalone rewrite."""
    kind: str = ""
    """"" (already standalone) | substitution | reference | ordinal"""

    @property
    def changed(self) -> bool:
        return bool(self.kind) and self.standalone != self.question


def _asked(turn: Mapping[str, Any]) -> str:
    """What a previous turn really asked: its rewrite when it had one."""
    return str(turn.get("standalone") or turn.get("question") or "").strip()


def _kind_of(phrase: str) -> str | None:
    for kind, pattern in _ENTITY:
        match = pattern.search(phrase)
        if match and match.end() - match.start() >= len(phrase.strip(" ?")) * 0.6:
            return kind
    return None


def _substitute(question: str, previous: str) -> str | None:
    match = _SUBSTITUTE.match(question.strip())
    if not match:
        return None
    new = (match.group("x") or match.group("y") or "").strip(" ?,")
    kind = _kind_of(new)
    if not new or kind is None:
        return None
    pattern = dict(_ENTITY)[kind]
    old = pattern.search(previous)
    if old is None:
        return f"{previous.rstrip(' ?')} – {new}?"
    replaced = previous[: old.start()] + new + previous[old.end() :]
    if old.start() == 0:
        replaced = replaced[:1].upper() + replaced[1:]
    return replaced


def _core(previous: str) -> str:
    """The previous question without its asking words: what it was about."""
    core = _ASKING.sub(" ", previous)
    core = re.sub(r"\b(?:do|được|có|đã)\s*$", "", " ".join(core.split())).strip(" ,.")
    return core


def _reference(question: str, previous: str, answer: str) -> str | None:
    match = _REFERENCE.search(question)
    if not match:
        return None
    noun = fold(match.group("noun"))
    if noun == "chuyen de":
        topic = dict(_ENTITY)["topic"].search(previous)
        referent = topic.group(0) if topic else None
    elif noun in {"van ban", "ke hoach", "bao cao"}:
        doc = _DOCUMENT.search(previous) or _DOCUMENT.search(answer)
        referent = doc.group(0) if doc else None
    else:
        items = _sentences(answer) if answer and not fold(answer).startswith(REFUSAL) else []
        referent = _lower_first(items[0]) if items else _core(previous)
        referent = " ".join(referent.rstrip(".;").split()[:MAX_REFERENT_WORDS])
        referent = f"{match.group('noun')} {referent}" if not fold(referent).startswith(noun) else referent
        doc = _DOCUMENT.search(previous)
        if doc and not _DOCUMENT.search(question):  # keep the document in focus
            referent += f" theo {doc.group(0)}"
    if not referent:
        return None
    return question[: match.start()] + referent + question[match.end() :]


def _lower_first(text: str) -> str:
    """ "Chủ trì thẩm tra …" inside a question reads "chủ trì thẩm tra …" (an acronym keeps its capitals)."""
    first = text.split(" ", 1)[0]
    return text if first.isupper() else text[:1].lower() + text[1:]


def _sentences(answer: str) -> list[str]:
    """The previous answer's sentences or list items, without their [n] markers."""
    clean = re.sub(r"\s*\[\d{1,3}\]", "", answer)
    parts = re.split(r"(?<=[.!?;])\s+|\n+|(?:^|\s)[-–•]\s+", clean)
    return [p.strip(" -–•") for p in parts if len(p.strip(" -–•").split()) >= 3]


def _ordinal(question: str, answer: str) -> str | None:
    match = _ORDINAL.search(question)
    if not match or not answer:
        return None
    raw = fold(match.group("n"))
    n = int(raw) if raw.isdigit() else ORDINALS.get(raw)
    items = _sentences(answer)
    if n is None or not 1 <= n <= len(items):
        return None
    return items[n - 1].rstrip(".;")


def rewrite_followup(question: str, history: Sequence[Mapping[str, Any]] = ()) -> Rewrite:
    """``question`` made standalone from ``history`` (earlier turns, oldest first: "question", and when known
    "standalone" — what was really asked — and "answer")."""
    question = " ".join(question.split())
    previous_turn = next((t for t in reversed(history) if _asked(t)), None)
    if previous_turn is None:
        return Rewrite(question, question)
    previous, answer = _asked(previous_turn), str(previous_turn.get("answer") or "")
    for kind, candidate in (
        ("ordinal", lambda: _ordinal(question, answer)),
        ("substitution", lambda: _substitute(question, previous)),
        ("reference", lambda: _reference(question, previous, answer)),
    ):
        standalone = candidate()
        if standalone:
            return Rewrite(question, " ".join(standalone.split()), kind)
    return Rewrite(question, question)
