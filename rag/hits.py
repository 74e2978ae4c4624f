"""What a search is restricted by (:class:`SearchFilters`, the caller's clearance among them) and what it returns
(:class:`Hit`): shared by the retriever (rag/retrieval.py), the protocols the answer stage reads through
(rag/protocols.py) and the learned second stage (rag/rerank.py), none of which need import another for them."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.model import Chunk


@dataclass
class SearchFilters:
    """Restrictions applied before ranking; ``max_level`` is the caller's clearance (fails closed)."""

    doc_id: str | None = None
    doc_type: str | None = None
    topic: int | None = None
    section: str | None = None
    organisation: str | None = None
    max_level: str = "public"


@dataclass
class Hit:
    """One ranked passage with where its score came from."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    dense_score: float | None = None
    lexical_score: float | None = None
    opening: str = ""
    """The line opening the list the passage starts inside, when the document has it before the passage
    (``ingest.sentences.opens_before``): "Ủy ban nhân dân cấp tỉnh có trách nhiệm:" for "2. Bảo đảm kinh phí …"."""
