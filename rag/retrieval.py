"""Hybrid retrieval: Chroma (dense) + bm25s (lexical), fused by reciprocal rank.

Why both: the dense model catches paraphrases ("vốn chưa giải ngân hết"
for "tỷ lệ giải ngân chưa đạt"), BM25 catches the exact figures, names and
numbers officials ask about. RRF needs no score calibration between the two,
and each side's weight is a setting.

Filters (document, type, topic, section, organisation, classification) are
applied *before* ranking in both stores – Chroma gets a ``where`` clause (or
an id allow-list), bm25s a row mask – so a passage above the caller's
clearance can never take a slot, even at rank k+1.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from ingest.model import Chunk, level_rank
from rag.diacritics import fold, has_diacritics
from rag.index import FilterColumns, Index, LexicalSide
from rag.lexical import query_tokens
from rag.query_understanding import QueryIntent, understand
from rag.settings import Settings

Mode = Literal["hybrid", "dense", "lexical"]


class RerankerUnavailableError(RuntimeError):
    """The configured cross-encoder cannot be loaded from local disk."""


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


def normalize_query(query: str) -> str:
    """Same spelling rules as the documents (NFC, unified tone placement)."""
    try:
        from ingest.normalize import normalize_text
    except ImportError:  # ingest not installed in this checkout: NFC is the essential part
        return unicodedata.normalize("NFC", query).strip()
    return normalize_text(query).strip()


def row_mask(cols: FilterColumns, filters: SearchFilters) -> np.ndarray:
    """Boolean mask over the lexical rows that ``filters`` allow."""
    mask = cols.level <= level_rank(filters.max_level)
    if filters.doc_id is not None:
        mask &= cols.doc_id == filters.doc_id
    if filters.doc_type is not None:
        mask &= cols.doc_type == filters.doc_type
    if filters.topic is not None:
        mask &= cols.topic == filters.topic
    if filters.section is not None:
        mask &= cols.section == filters.section
    if filters.organisation:
        wanted = fold(filters.organisation)
        mask &= np.fromiter((wanted in o for o in cols.orgs), dtype=bool, count=len(cols.orgs))
    return mask


def chroma_where(filters: SearchFilters, max_level_present: int | None = None) -> dict[str, Any] | None:
    """The same filters as a Chroma ``where`` clause (organisation is handled by an id list).

    The clearance clause is left out when no stored chunk is above the caller's
    level (``max_level_present``): an always-true filter still makes Chroma
    pre-compute an allow-list of every id, which costs milliseconds at 100k chunks.
    """
    clauses: list[dict[str, Any]] = []
    rank = level_rank(filters.max_level)
    if max_level_present is None or max_level_present > rank:
        clauses.append({"level": {"$lte": rank}})
    for key in ("doc_id", "doc_type", "topic", "section"):
        value = getattr(filters, key)
        if value is not None:
            clauses.append({key: value})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def rrf_fuse(rankings: list[tuple[float, list[tuple[str, float]]]], rrf_k: int) -> dict[str, float]:
    """Weighted reciprocal rank fusion: sum of weight / (rrf_k + rank) over the rankings listing an id."""
    scores: dict[str, float] = {}
    for weight, ranking in rankings:
        for rank, (cid, _) in enumerate(ranking, start=1):
            scores[cid] = scores.get(cid, 0.0) + weight / (rrf_k + rank)
    return scores


class HybridRetriever(BaseRetriever):
    """LangChain retriever over an :class:`~rag.index.Index` (``mode`` selects one side for evaluation)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Any
    settings: Settings
    k: int | None = None
    filters: SearchFilters | None = None
    mode: Mode = "hybrid"
    restore: bool | None = None
    """Restore tone marks for the dense query; None → settings.restore_diacritics."""
    candidates: int = 50
    """Passages taken from each side before fusion."""
    _reranker: Any = PrivateAttr(default=None)
    _topics_cache: tuple[int, list[Any]] | None = PrivateAttr(default=None)

    # ---- public API ------------------------------------------------------------
    def rankings(
        self, query: str, n: int, filters: SearchFilters | None = None
    ) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
        """The dense and lexical candidate lists (id, score) before fusion – for evaluation and debugging."""
        query = normalize_query(query)
        side = self.index.side
        filters = filters or SearchFilters()
        mask = row_mask(side.columns, filters)
        if not query or not mask.any():
            return [], []
        return self._dense(query, n, filters, mask, side), self._lexical(query, n, mask, side)

    def restore_query(self, query: str) -> str:
        """The query with tone marks restored from the corpus vocabulary (unchanged if it has marks)."""
        query = normalize_query(query)
        if has_diacritics(query):
            return query
        return self.index.restorer.restore(query)

    def search(self, query: str, k: int | None = None, filters: SearchFilters | None = None) -> list[Hit]:
        """Top-k passages for ``query`` under ``filters`` (see module docstring for the pipeline)."""
        k = k or self.k or self.settings.k
        query = normalize_query(query)
        filters = filters or self.filters or SearchFilters()
        self.index.refresh()
        if not query or not self.index.lexical.ids:
            return []
        side = self.index.side  # one consistent generation for the whole search
        intent = self._intent(query)
        if filters.topic is None and intent.topic is not None and bool(np.any(side.columns.topic == intent.topic)):
            filters = replace(filters, topic=intent.topic)
        mask = row_mask(side.columns, filters)
        if not mask.any():
            return []
        n = max(self.candidates, 4 * k)
        dense = self._dense(query, n, filters, mask, side) if self.mode != "lexical" else []
        lexical = self._lexical(query, n, mask, side) if self.mode != "dense" else []
        scores = self._fuse(dense, lexical, intent)
        order = sorted(scores, key=lambda c: -scores[c])
        top = order[: max(k, 20) if self._use_reranker() else k]
        hits = self._hits(top, scores, dense, lexical)
        if self._use_reranker():
            hits = self._rerank(query, hits)
        return hits[:k]

    # ---- the two sides -------------------------------------------------------------
    def _dense(
        self, query: str, n: int, filters: SearchFilters, mask: np.ndarray, side: LexicalSide
    ) -> list[tuple[str, float]]:
        restore = self.settings.restore_diacritics if self.restore is None else self.restore
        text = self.restore_query(query) if restore else query
        vector = self.index.embeddings.embed_query(text)
        allowed = int(mask.sum())
        levels = side.columns.level
        kwargs: dict[str, Any] = {"where": chroma_where(filters, int(levels.max()) if len(levels) else None)}
        if filters.organisation:
            kwargs["ids"] = [side.lexical.ids[i] for i in np.flatnonzero(mask)]
        result = self.index.collection.query(
            query_embeddings=[vector], n_results=min(n, allowed), include=["distances"], **kwargs
        )
        return [(cid, 1.0 - float(d)) for cid, d in zip(result["ids"][0], result["distances"][0], strict=True)]

    def _lexical(self, query: str, n: int, mask: np.ndarray, side: LexicalSide) -> list[tuple[str, float]]:
        rows = side.lexical.top(query_tokens(query), n, mask)
        return [(side.lexical.ids[i], s) for i, s in rows]

    def _fuse(
        self, dense: list[tuple[str, float]], lexical: list[tuple[str, float]], intent: QueryIntent
    ) -> dict[str, float]:
        """Weighted RRF; topics assigned to an organisation named in the query get one extra top-rank vote."""
        s = self.settings
        scores = rrf_fuse([(s.dense_weight, dense), (s.lexical_weight, lexical)], s.rrf_k)
        if intent.boosted_topics:
            for chunk in self.index.get_chunks(list(scores)):
                if (chunk.doc_id, chunk.topic) in intent.boosted_topics:
                    scores[chunk.chunk_id] += max(s.dense_weight, s.lexical_weight) / (s.rrf_k + 1)
        return scores

    def _hits(
        self, ids: list[str], scores: dict[str, float], dense: list[tuple[str, float]], lexical: list[tuple[str, float]]
    ) -> list[Hit]:
        d_rank = {cid: (r, sc) for r, (cid, sc) in enumerate(dense, start=1)}
        l_rank = {cid: (r, sc) for r, (cid, sc) in enumerate(lexical, start=1)}
        hits = []
        for chunk in self.index.get_chunks(ids):
            d = d_rank.get(chunk.chunk_id, (None, None))
            lx = l_rank.get(chunk.chunk_id, (None, None))
            hits.append(Hit(chunk, scores[chunk.chunk_id], d[0], lx[0], d[1], lx[1]))
        return hits

    # ---- query understanding -----------------------------------------------------
    def _intent(self, query: str) -> QueryIntent:
        generation = self.index.lexical.generation
        if self._topics_cache is None or self._topics_cache[0] != generation:
            self._topics_cache = (generation, [(d, t) for d, t in self.index.topics() if t.organisations])
        return understand(query, self._topics_cache[1])

    # ---- optional cross-encoder ----------------------------------------------------
    def _use_reranker(self) -> bool:
        return bool(self.settings.reranker_model) and self.mode == "hybrid"

    def _rerank(self, query: str, hits: list[Hit]) -> list[Hit]:
        """Re-order by a local cross-encoder (loaded once, never downloaded)."""
        if self._reranker is None:
            from sentence_transformers import CrossEncoder

            try:
                self._reranker = CrossEncoder(self.settings.reranker_model, device="cpu", local_files_only=True)
            except Exception as exc:  # OSError / HF errors all mean "not on disk"
                raise RerankerUnavailableError(
                    f"Reranker model {self.settings.reranker_model!r} is not available offline "
                    f"({type(exc).__name__}); set TROLY_RERANKER_MODEL to a local cross-encoder directory "
                    "or leave it empty."
                ) from exc
        scores = self._reranker.predict([(query, h.chunk.text) for h in hits])
        for hit, score in zip(hits, scores, strict=True):
            hit.score = float(score)
        return sorted(hits, key=lambda h: -h.score)

    # ---- LangChain ---------------------------------------------------------------
    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        return [hit_to_langchain(h) for h in self.search(query)]


def hit_to_langchain(hit: Hit) -> LCDocument:
    """A LangChain document carrying the chunk's citation metadata and the scores."""
    meta = hit.chunk.to_metadata()
    meta.pop("segmented", None)
    meta.update(
        score=hit.score,
        dense_rank=hit.dense_rank,
        lexical_rank=hit.lexical_rank,
        dense_score=hit.dense_score,
        lexical_score=hit.lexical_score,
    )
    return LCDocument(page_content=hit.chunk.text, metadata=meta, id=hit.chunk.chunk_id)


def restore_query(index: Index, query: str) -> str:
    """Module-level helper: tone marks restored from ``index``'s vocabulary."""
    query = normalize_query(query)
    return query if has_diacritics(query) else index.restorer.restore(query)
