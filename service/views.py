"""What code outside the service sees of the index: a clearance-filtered, read-only view.

Its own module because both sides use it: the service in the serving process, and a worker process
(service/workers.py) that drafts talking points over its own read-only index.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ingest.model import Chunk, Document, Topic, level_rank


def accepts(func: Callable[..., Any], name: str) -> bool:
    """True if ``func`` takes a keyword argument ``name`` (lets us use optional features of rag/ safely)."""
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


class ClearanceView:
    """A read-only view of an index that holds only what one clearance level may see.

    Code that walks the whole index (the talking-points drafter reads every
    topic and chunk) gets this view instead of the index, so classified
    material is filtered out before that code ever looks at it.
    """

    def __init__(self, index: Any, max_level: str, topics_of: str | None = None) -> None:
        self._index = index
        self._rank = level_rank(max_level)
        self._topics_of = topics_of
        """When set, only this guide's topics are offered; documents and chunks stay the whole visible index."""
        self.settings = index.settings
        self.embeddings = index.embeddings

    def _ok(self, level: str) -> bool:
        return level_rank(level) <= self._rank

    def _doc_ok(self, doc: Document) -> bool:
        return self._ok(doc.classification)

    def documents(self) -> list[Document]:
        return [d for d in self._index.documents() if self._doc_ok(d)]

    def get_document(self, doc_id: str) -> Document | None:
        doc = self._index.get_document(doc_id)
        return doc if doc is not None and self._doc_ok(doc) else None

    def topics(self) -> list[tuple[Document, Topic]]:
        return [
            (d, t)
            for d, t in self._index.topics()
            if self._doc_ok(d) and (self._topics_of is None or d.doc_id == self._topics_of)
        ]

    def all_chunks(self) -> list[Chunk]:
        visible = {d for d, level in self._index.document_levels().items() if self._ok(level)}
        return [c for c in self._index.all_chunks() if c.doc_id in visible and self._ok(c.classification)]

    def get_chunks(self, ids: list[str]) -> list[Chunk]:
        visible = {d for d, level in self._index.document_levels().items() if self._ok(level)}
        return [c for c in self._index.get_chunks(ids) if c.doc_id in visible and self._ok(c.classification)]
