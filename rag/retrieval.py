"""Hybrid retrieval: Chroma (dense) + bm25s (lexical), fused linearly (or by reciprocal rank).

Why both: the dense model catches paraphrases ("vốn chưa giải ngân hết"
for "tỷ lệ giải ngân chưa đạt"), BM25 catches the exact figures, names and
numbers officials ask about. By default (``fusion="linear"``) each side's
scores are standardised over its own candidate list and added with the
dense side's ``dense_share``: a passage far ahead on one side keeps its lead,
which reciprocal-rank fusion (``fusion="rrf"``, no calibration, ranks only)
levels; on long documents this put the right document first more often
(README, Evaluation). The fused order is then scored RRF-style by rank so
the votes below move a passage as far under either fusion.

Two more votes join the fusion on real documents:

* document numbers named in the query ("Thông tư 01/2011/TT-BNV",
  "Nghị quyết 57", "3260-KH/ĐĐQH15") are matched exactly, as whole code
  tokens (:func:`ingest.normalize.fold_tokens`), against each candidate's
  text and each document's own number; passages that carry the code, and
  the best passages of the document it names, get a vote;
* a document whose evidence is spread over several matching passages gets a
  vote for its best passage, ranked by the sum of its passages' scores, so
  one long passage elsewhere that matches many words cannot crowd it out;
* a question about a header field ("Số hiệu … là gì?", "Ai ký …?") or a
  numbered heading ("Phần II … có tiêu đề là gì?") votes for the passage
  holding that field or heading line in the best-ranked documents: what it
  asks is named by the document's structure, not by words the passage
  shares (a signature block never says "ký").

Filters (document, type, topic, section, organisation, classification) are
applied *before* ranking in both stores – Chroma gets a ``where`` clause (or
an id allow-list), bm25s a row mask – so a passage above the caller's
clearance can never take a slot, even at rank k+1.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any, Literal

import numpy as np

from ingest.model import Document, level_rank, search_text
from rag.diacritics import fold, has_diacritics
from rag.document_numbers import CodeRef, query_codes
from rag.hits import Hit, SearchFilters
from rag.index import FilterColumns, Index, LexicalSide
from rag.lexical import folded_tokens, query_tokens, without_question_framing
from rag.query_understanding import QueryIntent, analyse, understand
from rag.settings import Settings

Mode = Literal["hybrid", "dense", "lexical"]


class RerankerUnavailableError(RuntimeError):
    """The configured cross-encoder cannot be loaded from local disk."""


# ---------------------------------------------------------------------------
# Votes added to the fused ranking (document numbers: rag/document_numbers.py)
# ---------------------------------------------------------------------------

CODE_VOTE = 1.0
"""RRF weight of the document-number vote, relative to the dense/lexical weights (their maximum times this)."""
DOCUMENT_VOTE = 0.5
"""RRF weight of the per-document vote (a document's best passage, ranked by its summed evidence)."""
DOCUMENT_EVIDENCE = 3
"""Passages whose fused scores add up to a document's evidence."""
CODE_CANDIDATES = 200
"""Passages the lexical side proposes for a document-number check (the check itself is exact)."""
STRUCTURE_VOTE = 2.0
"""RRF weight of the structure vote (the passage holding the header field or heading the question asks for):
twice a side's, because that passage is the answer's evidence whatever words it shares with the question."""
STRUCTURE_DOCUMENTS = 3
"""Best-ranked documents whose header field or heading is looked up for the structure vote."""


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


#: Up to this many passages outside the filters (most often: above the caller's clearance), a dense query asks
#: Chroma for that many more results and drops them itself instead of sending a where clause (measured with
#: chromadb 1.5 on 2 cores: 530 results from 20k passages 6 ms, a where clause keeping 98 % of them 55 ms).
POST_FILTER_MAX = 512


def allowed_only(result: Any, mask: np.ndarray, row_of: dict[str, int]) -> list[tuple[str, float]]:
    """(id, distance) of a Chroma query result, best first, for the passages ``mask`` allows (an id not in
    this generation's rows, committed since, is dropped too)."""
    pairs = zip(result["ids"][0], result["distances"][0], strict=True)
    return [(cid, distance) for cid, distance in pairs if (row := row_of.get(cid)) is not None and mask[row]]


def document_ranking(scores: dict[str, float], doc_of: dict[str, str], evidence: int = DOCUMENT_EVIDENCE) -> list[str]:
    """Each document's best passage, documents ordered by the summed scores of their ``evidence`` best passages
    (empty when all passages come from one document: there is nothing to rank)."""
    by_doc: dict[str, list[str]] = defaultdict(list)
    for cid in scores:
        if cid in doc_of:
            by_doc[doc_of[cid]].append(cid)
    if len(by_doc) < 2:
        return []
    best, total = {}, {}
    for doc_id, ids in by_doc.items():
        ids.sort(key=lambda c: -scores[c])
        best[doc_id] = ids[0]
        total[doc_id] = sum(scores[c] for c in ids[:evidence])
    return [best[d] for d in sorted(total, key=lambda d: -total[d])]


def structure_spans(
    question: str, fields: Sequence[str], heading: bool, docs: Sequence[Document]
) -> list[tuple[str, int, int]]:
    """(doc_id, start, end) of what a structural question asks for in ``docs`` (best-ranked first): the numbered
    heading's line ("Phần II … có tiêu đề là gì?"), then each header field asked ("số hiệu", "người ký") of the
    document the question picks (by its number or kind), then of the others — read as the structured answers
    read them (:mod:`rag.structured_answers`), so the passage retrieval puts first is the one the answer cites."""
    from rag.structured_answers import heading_facts, meta_fact, pick_document

    spans = [(f.doc.doc_id, f.start, f.end) for f in heading_facts(question, docs, list)] if heading else []
    for name in fields:
        picked = pick_document(question, docs, list, name)
        for doc in ([picked] if picked is not None else []) + [d for d in docs if d is not picked]:
            fact = meta_fact(name, doc, question)
            if fact is not None:
                spans.append((doc.doc_id, fact.start, fact.end))
    return spans


def learned_depth() -> int:
    from rag.rerank import DEPTH

    return DEPTH


def rrf_fuse(rankings: list[tuple[float, list[tuple[str, float]]]], rrf_k: int) -> dict[str, float]:
    """Weighted reciprocal rank fusion: sum of weight / (rrf_k + rank) over the rankings listing an id."""
    scores: dict[str, float] = {}
    for weight, ranking in rankings:
        for rank, (cid, _) in enumerate(ranking, start=1):
            scores[cid] = scores.get(cid, 0.0) + weight / (rrf_k + rank)
    return scores


def linear_fuse(
    dense: list[tuple[str, float]], lexical: list[tuple[str, float]], dense_share: float
) -> dict[str, float]:
    """Dense and lexical scores added after each is standardised over its own candidate list (a passage missing
    from a list gets that list's lowest score), ``dense_share`` : 1 - ``dense_share``, then scaled to 0–1 over the
    candidates. Unlike RRF it keeps how far apart the scores are: a passage far ahead on one side is not levelled
    with the next one. :func:`fused_scores` turns its order into the scores the retriever votes on."""

    def standard(ranking: list[tuple[str, float]]) -> tuple[dict[str, float], float]:
        if not ranking:
            return {}, 0.0
        values = np.array([score for _, score in ranking], dtype=np.float64)
        spread = float(values.std()) or 1.0
        z = (values - values.mean()) / spread
        return {cid: float(v) for (cid, _), v in zip(ranking, z, strict=True)}, float(z.min())

    (d, d_low), (lx, lx_low) = standard(dense), standard(lexical)
    fused = {cid: dense_share * d.get(cid, d_low) + (1.0 - dense_share) * lx.get(cid, lx_low) for cid in {**d, **lx}}
    if not fused:
        return fused
    low, high = min(fused.values()), max(fused.values())
    span = high - low or 1.0
    return {cid: (score - low) / span for cid, score in fused.items()}


def fused_scores(dense: list[tuple[str, float]], lexical: list[tuple[str, float]], s: Settings) -> dict[str, float]:
    """The two sides joined as ``s.fusion`` says. Linear fusion decides the order; the scores are then RRF's for that
    one ranking, so every vote added after (document number, organisation, structure, document) moves a passage as
    far as it does under RRF."""
    if s.fusion != "linear":
        return rrf_fuse([(s.dense_weight, dense), (s.lexical_weight, lexical)], s.rrf_k)
    share = s.dense_share if dense and lexical else (1.0 if dense else 0.0)
    fused = linear_fuse(dense, lexical, share)
    order = sorted(fused, key=lambda cid: (-fused[cid], cid))
    top = s.dense_weight + s.lexical_weight
    return {cid: top / (s.rrf_k + rank) for rank, cid in enumerate(order, start=1)}


_TIES = 4
"""Dense results asked for beyond the n kept, so passages tied at the cut are chosen by id, not by Chroma's order."""


class HybridRetriever:
    """Hybrid (dense + lexical) search over an :class:`~rag.index.Index` (``mode`` selects one side for evaluation).

    A plain class rather than a LangChain ``BaseRetriever``: importing ``langchain_core.retrievers`` costs about a
    second of every CLI start (its tracers pull in langsmith). :meth:`as_langchain` gives the LangChain retriever
    when a chain needs one.
    """

    def __init__(
        self,
        index: Any,
        settings: Settings,
        k: int | None = None,
        filters: SearchFilters | None = None,
        mode: Mode = "hybrid",
        restore: bool | None = None,
        candidates: int = 50,
        rerank: bool | None = None,
    ) -> None:
        self.index = index
        self.settings = settings
        self.k = k
        self.filters = filters
        self.mode: Mode = mode
        self.restore = restore
        """Restore tone marks for the dense query; None → settings.restore_diacritics."""
        self.candidates = candidates
        """Passages taken from each side before fusion."""
        self.rerank = rerank
        """Re-order the fused top by the learned model of rag/rerank.py; None → the shipped weights' default."""
        self._reranker: Any = None
        self._topics_cache: tuple[int, list[Any]] | None = None
        self._numbers_cache: tuple[int, dict[str, list[str]]] | None = None

    def as_langchain(self) -> Any:
        """This retriever behind LangChain's ``BaseRetriever`` interface (``invoke``, chains, callbacks)."""
        return _langchain_retriever(self)

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
        scores = self._fuse(dense, lexical, intent, side)
        if self.mode == "hybrid":
            self._vote_codes(query, scores, mask, side)
            self._vote_documents(scores, side)
            self._vote_structure(query, scores, mask, side)
        order = sorted(scores, key=lambda c: -scores[c])
        learned = self._learned_reranker()
        depth = max(k, 20) if self._use_reranker() else max(k, learned_depth()) if learned is not None else k
        hits = self._hits(order[:depth], scores, dense, lexical)
        if learned is not None:
            hits = learned.rerank(query, hits)
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
        excluded = len(mask) - allowed
        if filters.organisation is None and excluded <= POST_FILTER_MAX:
            # a where clause makes Chroma build an allow-list of every id it keeps (55 ms at 20k passages for a
            # clearance clause that drops 2 %); asking for the excluded passages' number more and dropping them
            # here costs a few ms and gives the same top n
            result = self.index.dense_query(
                query_embeddings=[vector], n_results=min(n + excluded + _TIES, len(mask)), include=["distances"]
            )
            pairs = allowed_only(result, mask, side.row_of)
        else:
            levels = side.columns.level
            kwargs: dict[str, Any] = {"where": chroma_where(filters, int(levels.max()) if len(levels) else None)}
            if filters.organisation:
                kwargs["ids"] = [side.lexical.ids[i] for i in np.flatnonzero(mask)]
            result = self.index.dense_query(
                query_embeddings=[vector], n_results=min(n + _TIES, allowed), include=["distances"], **kwargs
            )
            pairs = list(zip(result["ids"][0], result["distances"][0], strict=True))
        # equal distances (the same text twice) come back in any order: cut the list by distance, then id
        pairs = sorted(pairs, key=lambda pair: (float(pair[1]), pair[0]))[:n]
        return [(cid, 1.0 - float(distance)) for cid, distance in pairs]

    def _lexical(self, query: str, n: int, mask: np.ndarray, side: LexicalSide) -> list[tuple[str, float]]:
        rows = side.lexical.top(query_tokens(without_question_framing(query)), n, mask)
        return [(side.lexical.ids[i], s) for i, s in rows]

    def _fuse(
        self, dense: list[tuple[str, float]], lexical: list[tuple[str, float]], intent: QueryIntent, side: LexicalSide
    ) -> dict[str, float]:
        """Linear (or RRF) fusion; topics assigned to an organisation named in the query get one extra top-rank
        vote."""
        s = self.settings
        scores = fused_scores(dense, lexical, s)
        if intent.boosted_topics:
            columns, rows = side.columns, side.row_of
            for cid in [c for c in scores if c in rows]:
                if (columns.doc_id[rows[cid]], int(columns.topic[rows[cid]])) in intent.boosted_topics:
                    scores[cid] += max(s.dense_weight, s.lexical_weight) / (s.rrf_k + 1)
        return scores

    # ---- document numbers and documents --------------------------------------------
    def _vote_codes(self, query: str, scores: dict[str, float], mask: np.ndarray, side: LexicalSide) -> None:
        """One RRF vote, ranked, for passages carrying a document number the query names, and for the best
        passages of the document whose own number it is ("Ai ký Kế hoạch 3260?" → that plan's passages)."""
        refs = query_codes(query)
        if not refs:
            return
        from ingest.normalize import fold_tokens

        named_docs = self._documents_numbered(refs)
        probe = " ".join(r.code or f"{r.kind} {r.number}" for r in refs)
        rows = side.lexical.top(folded_tokens(probe), CODE_CANDIDATES, mask)
        pool = list(dict.fromkeys([side.lexical.ids[i] for i, _ in rows] + sorted(scores, key=lambda c: -scores[c])))
        carrying: list[str] = []
        of_named: list[str] = []
        for chunk in self.index.get_chunks(pool):
            tokens = fold_tokens(search_text(chunk))
            if any(r.found_in(tokens) for r in refs):
                carrying.append(chunk.chunk_id)
            elif chunk.doc_id in named_docs and chunk.chunk_id in scores:
                of_named.append(chunk.chunk_id)
        order = {cid: i for i, cid in enumerate(pool)}
        ranked = sorted(carrying, key=lambda c: (-scores.get(c, 0.0), order[c]))
        ranked += sorted(of_named, key=lambda c: -scores[c])
        self._add_votes(scores, ranked, CODE_VOTE)

    def _documents_numbered(self, refs: Sequence[CodeRef]) -> set[str]:
        """Ids of documents whose own number (header "Số …") is one of ``refs``."""
        from ingest.normalize import fold_tokens

        generation = self.index.lexical.generation
        if self._numbers_cache is None or self._numbers_cache[0] != generation:
            # read by SQLite: loading every document (its whole text) cost 60–80 MB at 100k chunks
            numbers = {d: fold_tokens(n) for d, n in self.index.document_numbers().items() if n}
            self._numbers_cache = (generation, numbers)
        return {d for d, tokens in self._numbers_cache[1].items() if any(r.found_in(tokens) for r in refs)}

    def _vote_documents(self, scores: dict[str, float], side: LexicalSide) -> None:
        """One RRF vote for each document's best passage, documents ranked by their summed evidence
        (the top :data:`DOCUMENT_EVIDENCE` passage scores), so spread-out evidence is not crowded out."""
        if DOCUMENT_VOTE <= 0 or not scores:
            return
        self._add_votes(scores, document_ranking(scores, _documents_of(scores, side), DOCUMENT_EVIDENCE), DOCUMENT_VOTE)

    def _vote_structure(self, query: str, scores: dict[str, float], mask: np.ndarray, side: LexicalSide) -> None:
        """One RRF vote for the passages holding the header fields or the numbered heading the question asks
        for, in the best-ranked documents (allowed passages only: the vote never brings in one the filters
        or the caller's clearance exclude)."""
        analysis = analyse(query)
        fields = analysis.ask.meta_fields
        if not fields and analysis.constraints.section is None:
            return
        doc_of = _documents_of(scores, side)
        doc_ids = list(dict.fromkeys(doc_of[c] for c in sorted(doc_of, key=lambda c: -scores[c])))
        docs = [d for d in (self.index.get_document(i) for i in doc_ids[:STRUCTURE_DOCUMENTS]) if d is not None]
        refs = query_codes(query)
        if fields and refs and not self._documents_numbered(refs) & {d.doc_id for d in docs}:
            # "Nghị quyết số 71/NQ-CP được ban hành ngày nào?" asks about a document these only mention: their own
            # header (date, signer) is not its answer, the sentence naming it is
            fields = ()
            if analysis.constraints.section is None:
                return
        ranked: list[str] = []
        for doc_id, start, end in structure_spans(query, fields, analysis.constraints.section is not None, docs):
            ranked += self._passages_at(doc_id, start, end)
        rows = side.row_of
        allowed = [cid for cid in dict.fromkeys(ranked) if cid in rows and mask[rows[cid]]]
        self._add_votes(scores, allowed, STRUCTURE_VOTE)

    def _passages_at(self, doc_id: str, start: int, end: int) -> list[str]:
        """Ids of ``doc_id``'s passages overlapping its text's [start, end) (the passage holding a header field
        or a heading line), found by the passages' stored offsets without loading the document's passages."""
        where = {"$and": [{"doc_id": doc_id}, {"start": {"$lt": end}}, {"end": {"$gt": start}}]}
        found = self.index.dense_get(where=where, include=["metadatas"])
        return [cid for _, cid in sorted(zip((m["start"] for m in found["metadatas"]), found["ids"], strict=True))]

    def _add_votes(self, scores: dict[str, float], ranked: Sequence[str], weight: float) -> None:
        s = self.settings
        w = weight * max(s.dense_weight, s.lexical_weight)
        for rank, cid in enumerate(ranked, start=1):
            scores[cid] = scores.get(cid, 0.0) + w / (s.rrf_k + rank)

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

    # ---- the learned second stage (rag/rerank.py) ------------------------------------
    def _learned_reranker(self) -> Any:
        """The shipped learning-to-rank model when this retriever uses it (hybrid mode; ``rerank`` None follows
        the weights file's own ``default``), else None."""
        if self.mode != "hybrid" or self.rerank is False:
            return None
        from rag.rerank import shipped

        model = shipped()
        return model if self.rerank or model.default else None

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


def _documents_of(chunk_ids: Iterable[str], side: LexicalSide) -> dict[str, str]:
    """Passage id → its document's id, read from the generation's filter columns (no passage is loaded: the
    votes of every search used to parse each candidate's text and metadata for its document id)."""
    rows, doc_id = side.row_of, side.columns.doc_id
    return {cid: doc_id[rows[cid]] for cid in chunk_ids if cid in rows}


def hit_to_langchain(hit: Hit) -> Any:
    """A LangChain document carrying the chunk's citation metadata and the scores."""
    from langchain_core.documents import Document as LCDocument

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


def _langchain_retriever(search: HybridRetriever) -> Any:
    """Wrap ``search`` in a LangChain ``BaseRetriever`` (imported only here, when asked for)."""
    from langchain_core.retrievers import BaseRetriever
    from pydantic import ConfigDict

    class TrolyRetriever(BaseRetriever):
        model_config = ConfigDict(arbitrary_types_allowed=True)
        hybrid: Any

        def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Any]:
            return [hit_to_langchain(h) for h in self.hybrid.search(query)]

    return TrolyRetriever(hybrid=search)


def restore_query(index: Index, query: str) -> str:
    """Module-level helper: tone marks restored from ``index``'s vocabulary."""
    query = normalize_query(query)
    return query if has_diacritics(query) else index.restorer.restore(query)
