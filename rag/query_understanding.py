"""What a conference question says about *where* to look.

People ask "chuyên đề 3 bàn về gì?", "vấn đề 2", "nhóm vấn đề 4", or name an
organisation ("Sở Tài chính thảo luận nội dung nào?"). Topic numbers become a
topic filter; an organisation becomes a boost for the topics assigned to it.
Both are matched on the folded text so unaccented questions work too.

:func:`asks_for` says *what* a question wants (a figure, a date, a body, a person,
a document number, a list of tasks, a header field): the one place where the
extractive generator, the refusal decision and the structured answers learn it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ingest import wordlists
from ingest.model import Document, Topic
from ingest.normalize import fold
from rag.diacritics import syllables

_TOPIC_REF = re.compile(r"\b(?:nhom van de|chuyen de|van de|chu de|nhom)\s+(?:so\s+)?(\d{1,2})\b")


@dataclass
class QueryIntent:
    """Structured hints found in a question."""

    topic: int | None = None
    boosted_topics: set[tuple[str, int]] = field(default_factory=set)
    """(doc_id, topic number) pairs whose topic assigns an organisation named in the query."""
    organisations: list[str] = field(default_factory=list)


def topic_number(query: str) -> int | None:
    """The topic number referred to ("chuyên đề 3", "van de 2", "nhóm vấn đề số 4"), if any."""
    match = _TOPIC_REF.search(fold(query))
    return int(match.group(1)) if match else None


def organisation_core(name: str) -> list[str]:
    """Folded syllables of an organisation name without its party prefix ("Đảng bộ Sở Nội vụ" → sở nội vụ)."""
    folded = " ".join(syllables(fold(name)))
    for prefix in wordlists.ORG_PREFIXES:
        if folded.startswith(prefix + " "):
            folded = folded[len(prefix) + 1 :]
            break
    return folded.split()


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def understand(query: str, topics: Iterable[tuple[Document, Topic]]) -> QueryIntent:
    """Topic reference and organisation boosts for ``query`` given the indexed topics."""
    intent = QueryIntent(topic=topic_number(query))
    words = syllables(fold(query))
    for doc, topic in topics:
        for org in topic.organisations:
            core = organisation_core(org)
            # Two syllables at least: "Sở" alone or a bare number would match everything.
            if len(core) >= 2 and _contains(words, core):
                intent.boosted_topics.add((doc.doc_id, topic.number))
                if org not in intent.organisations:
                    intent.organisations.append(org)
    return intent


def _any(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_DATE = _any(wordlists.ASKS_DATE)
_FIGURE = _any(p for p in wordlists.ASKS_FIGURE if p != r"\bmay\b")
_PERSON = _any(wordlists.ASKS_PERSON)
_NAME = _any(wordlists.ASKS_NAME)
_BODY = _any(wordlists.ASKS_BODY)
_CODE = _any(wordlists.ASKS_CODE)
_TASKS = _any(wordlists.ASKS_TASKS)
_META = {name: _any(patterns) for name, patterns in wordlists.ASKS_META.items()}
_MAY_ACCENTED = re.compile(r"(?<!\w)mấy(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Ask:
    """What a question wants back. ``wants`` ⊆ {figure, date, person, name, body, code, tasks}."""

    wants: frozenset[str] = frozenset()
    meta_field: str = ""
    """The DocumentMeta field asked for ("signer", "date", "number", "issuer", "place", "trich_yeu"), if any."""

    def __contains__(self, kind: object) -> bool:
        return kind in self.wants


def asks_for(question: str) -> Ask:
    """What ``question`` asks for, from its folded wording ("bao nhiêu" → figure, "ngày nào" → date, "Ai ký" →
    person + the signer field). Dates are not figures: "ngày nào" wants a date, which may be written in words."""
    folded = fold(question)
    wants: set[str] = set()
    if _DATE.search(folded):
        wants.add("date")
    accented = folded != question.lower()
    if _FIGURE.search(folded) or (
        _MAY_ACCENTED.search(question) if accented else re.search(r"(?<!\w)may(?!\w)", folded)
    ):
        wants.add("figure")
    if _PERSON.search(folded):
        wants.add("person")
    if _NAME.search(folded):
        wants.add("name")
    if _BODY.search(folded):
        wants.add("body")
    if _CODE.search(folded):
        wants.add("code")
    if _TASKS.search(folded):
        wants.add("tasks")
    meta = next((name for name, pattern in _META.items() if pattern.search(folded)), "")
    if meta == "issuer":
        wants.add("body")
    return Ask(frozenset(wants), meta)
