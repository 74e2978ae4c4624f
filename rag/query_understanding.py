"""What a conference question says about *where* to look.

People ask "chuyên đề 3 bàn về gì?", "vấn đề 2", "nhóm vấn đề 4", or name an
organisation ("Sở Tài chính thảo luận nội dung nào?"). Topic numbers become a
topic filter; an organisation becomes a boost for the topics assigned to it.
Both are matched on the folded text so unaccented questions work too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ingest.model import Document, Topic
from rag.diacritics import fold, syllables

_TOPIC_REF = re.compile(r"\b(?:nhom van de|chuyen de|van de|chu de|nhom)\s+(?:so\s+)?(\d{1,2})\b")
_ORG_PREFIXES = ("dang bo co so", "dang bo", "chi bo", "dang uy", "to chuc co so dang")


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
    for prefix in _ORG_PREFIXES:
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
