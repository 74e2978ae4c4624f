"""What the answer pipeline and the talking-points drafter really call on their collaborators, as ``Protocol``s.

The pipeline, the drafter and the generators are handed their index,
retriever, generator and embedder (so tests pass real lightweight ones, and
the service passes a clearance-filtered view of the index). These protocols
name the few methods each caller uses, so mypy checks the seams without
tying them to one class: :class:`rag.index.Index` and
``service.views.ClearanceView`` are both a :class:`DocumentReader`; every
embedder of ``rag/embeddings.py`` is an :class:`Embedder`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from ingest.model import Chunk, Document, Topic
    from rag.hits import Hit, SearchFilters


class Embedder(Protocol):
    """Turns text into vectors (e5: queries and passages get different prefixes)."""

    def embed_query(self, text: str) -> list[float]: ...

    def embed_documents_array(self, texts: Sequence[str]) -> np.ndarray: ...


class IndexEmbedder(Embedder, Protocol):
    """An embedder an index stores vectors of: its model id and dimension are recorded and checked on open, and
    ingest sizes chunks by its tokens."""

    @property
    def model_id(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def count_tokens(self, text: str) -> int: ...


class Searcher(Protocol):
    """Top-k passages for a question under filters (``rag.retrieval.HybridRetriever``)."""

    def search(self, query: str, k: int | None = None, filters: SearchFilters | None = None) -> list[Hit]: ...


class Streamer(Protocol):
    """Writes cited text from a question and numbered passages (every ``rag.generators`` generator)."""

    name: str

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[str]: ...


class DocumentReader(Protocol):
    """What the drafter reads of an index: documents, topics and chunks (the index or a clearance view)."""

    def documents(self) -> list[Document]: ...

    def get_document(self, doc_id: str) -> Document | None: ...

    def topics(self) -> list[tuple[Document, Topic]]: ...

    def all_chunks(self) -> list[Chunk]: ...

    def get_chunks(self, ids: list[str]) -> list[Chunk]: ...


class IndexReader(DocumentReader, Protocol):
    """What the answer pipeline reads besides: each document's level and số/ký hiệu, from the summary table."""

    def document_levels(self) -> dict[str, str]: ...

    def document_numbers(self) -> dict[str, str]: ...

    def chunk_at(self, doc_id: str, offset: int) -> Chunk | None: ...
