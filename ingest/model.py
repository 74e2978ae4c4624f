"""The data that flows out of ingest and into rag: documents, topics, chunks.

These are plain dataclasses so that every later stage (index, retrieval,
answers, UI, evaluation) shares one vocabulary. Offsets always refer to
``Document.text`` – the *normalized* text – so a citation can be checked by
slicing: ``doc.text[chunk.start:chunk.end] == chunk.text``.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

CLASSIFICATION_LEVELS = ("public", "internal", "mat", "toi_mat", "tuyet_mat")
"""Ordered clearance levels: public < internal < Mật < Tối mật < Tuyệt mật."""


def level_rank(level: str) -> int:
    """Numeric rank of a classification level (unknown levels rank as the highest, to fail closed)."""
    try:
        return CLASSIFICATION_LEVELS.index(level)
    except ValueError:
        return len(CLASSIFICATION_LEVELS) - 1


def content_hash(text: str) -> str:
    """Stable short hash used for change detection and chunk ids."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class Topic:
    """One numbered topic of a topic guide (or a numbered part of any party document)."""

    number: int
    title: str
    start: int
    end: int
    fields: dict[str, str] = field(default_factory=dict)
    """Labelled fields, e.g. {"Thực trạng": "...", "Vấn đề thảo luận": "..."} (normalized text)."""
    field_spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    organisations: list[str] = field(default_factory=list)
    """Grassroots party organisations assigned to discuss the topic."""


@dataclass
class Document:
    """A normalized source document with its recovered structure."""

    doc_id: str
    title: str
    path: str
    doc_type: str
    """topic_guide | resolution | report | law | other"""
    text: str
    source_hash: str
    classification: str = "public"
    topics: list[Topic] = field(default_factory=list)
    page_starts: list[int] = field(default_factory=list)
    """Offsets in ``text`` where each PDF page starts (empty for non-paged formats)."""

    def page_at(self, offset: int) -> int | None:
        """1-based page number containing ``offset``, or None for non-paged documents."""
        if not self.page_starts:
            return None
        page = 0
        for i, start in enumerate(self.page_starts):
            if start <= offset:
                page = i
        return page + 1


@dataclass
class Chunk:
    """A citable passage: a run of whole sentences inside one topic/section."""

    chunk_id: str
    doc_id: str
    doc_title: str
    doc_type: str
    text: str
    start: int
    end: int
    topic: int | None = None
    topic_title: str = ""
    section: str = ""
    page: int | None = None
    classification: str = "public"
    organisations: list[str] = field(default_factory=list)
    segmented: str = ""
    """underthesea word_tokenize output joined by spaces, compounds joined with '_' (for BM25)."""
    hash: str = ""

    def to_metadata(self) -> dict[str, Any]:
        """Flat, Chroma-compatible metadata (no None, no lists)."""
        meta = asdict(self)
        meta.pop("text")
        meta["topic"] = -1 if self.topic is None else self.topic
        meta["page"] = -1 if self.page is None else self.page
        meta["organisations"] = " | ".join(self.organisations)
        return meta

    @classmethod
    def from_metadata(cls, text: str, meta: dict[str, Any]) -> Chunk:
        """Inverse of :meth:`to_metadata`."""
        data = dict(meta)
        data["topic"] = None if data.get("topic", -1) == -1 else int(data["topic"])
        data["page"] = None if data.get("page", -1) == -1 else int(data["page"])
        orgs = data.get("organisations") or ""
        data["organisations"] = [o for o in orgs.split(" | ") if o]
        known = {f for f in cls.__dataclass_fields__}
        return cls(text=text, **{k: v for k, v in data.items() if k in known})


@dataclass
class IngestError:
    """One file that could not be ingested, and why (shown one line each)."""

    path: str
    reason: str
