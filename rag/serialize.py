"""The one JSON form of a search hit and of a citation, shared by every front end.

The answer pipeline, the REST API, the web UI, the evaluation runner and
``troly search --json`` used to write these dictionaries by hand, and the
copies disagreed ("document" was the id in one and the title in another).
Here "document" is always the title and "doc_id" the id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any, Protocol

from ingest.model import Citation


class _ChunkLike(Protocol):
    chunk_id: str
    doc_id: str
    doc_title: str
    doc_type: str
    text: str
    start: int
    end: int
    topic: int | None
    topic_title: str
    section: str
    page: int | None


CITATION_KEYS = tuple(f.name for f in fields(Citation))
"""The citation's JSON keys: exactly the fields declared once on :class:`ingest.model.Citation`."""
_TEXT_DEFAULTS = ("topic_title", "section")
HIT_KEYS = (
    "chunk_id",
    "doc_id",
    "document",
    "doc_type",
    "topic",
    "topic_title",
    "section",
    "heading_path",
    "text",
    "start",
    "end",
    "page",
    "score",
    "dense_rank",
    "lexical_rank",
)


def citation_to_dict(citation: Citation, chunk: _ChunkLike | None = None) -> dict[str, Any]:
    """A citation as JSON; ``heading_path`` comes from the cited chunk when known, else the section."""
    out = {name: getattr(citation, name) for name in CITATION_KEYS}
    for name in _TEXT_DEFAULTS:
        out[name] = out[name] or ""
    heading = out["heading_path"] or (getattr(chunk, "heading_path", "") if chunk else "")
    out["heading_path"] = heading or out["section"]
    return out


def hit_to_dict(hit: Any) -> dict[str, Any]:
    """A retrieval hit (its chunk, score and the ranks that explain it) as JSON."""
    c = hit.chunk
    return {
        "chunk_id": c.chunk_id,
        "doc_id": c.doc_id,
        "document": c.doc_title,
        "doc_type": c.doc_type,
        "topic": c.topic,
        "topic_title": c.topic_title or "",
        "section": c.section or "",
        "heading_path": getattr(c, "heading_path", "") or c.section or "",
        "text": c.text,
        "start": c.start,
        "end": c.end,
        "page": c.page,
        "score": float(hit.score),
        "dense_rank": getattr(hit, "dense_rank", None),
        "lexical_rank": getattr(hit, "lexical_rank", None),
    }


def citations_with_chunks(citations: Sequence[Citation], hits: Sequence[Any]) -> list[dict[str, Any]]:
    """Every citation as JSON, with the span of the chunk it quotes (for a passage viewer)."""
    chunks = {h.chunk.chunk_id: h.chunk for h in hits}
    out = []
    for c in citations:
        chunk = chunks.get(c.chunk_id)
        item = citation_to_dict(c, chunk)
        item["chunk_start"] = chunk.start if chunk else None
        item["chunk_end"] = chunk.end if chunk else None
        out.append(item)
    return out
