"""A second stage over the fused top passages: a small learned ranking of features troly already computes.

Issue 24: the right document is almost always in the fused top 30, but often not first. No cross-encoder ships as a
package, so the re-scoring uses what retrieval knows of each candidate — both sides' scores and ranks, how much of
the question the document's title and the passage's heading path hold (fields weighted separately, BM25F-style),
a document number or a document kind the question names, the passage's place in its document, and how much of the
top is the same document — combined by a logistic regression fitted on the tune split of the long-document
development set (``eval/fit_rerank.py``) and shipped as ``rag/rerank.json``.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ingest.header import KINDS
from ingest.normalize import fold_tokens

log = logging.getLogger(__name__)

WEIGHTS = Path(__file__).with_name("rerank.json")
DEPTH = 30
"""Fused passages re-scored; the rest keep their fused order after them."""

FEATURES = (
    "fused",
    "fused_rank",
    "dense",
    "dense_rank",
    "lexical",
    "lexical_rank",
    "title",
    "heading",
    "code",
    "kind",
    "first",
    "document_share",
)
"""What each candidate is described by (see :func:`features`)."""


class RerankWeightsError(RuntimeError):
    """The weights file is missing or unreadable."""


@dataclass(frozen=True)
class Reranker:
    """Logistic-regression weights over standardised :data:`FEATURES`."""

    weights: dict[str, float]
    bias: float = 0.0
    mean: dict[str, float] = field(default_factory=dict)
    scale: dict[str, float] = field(default_factory=dict)
    trained: str = ""
    """How and on what the weights were fitted (written by the training command)."""
    default: bool = False
    """Whether retrieval uses the model unless told otherwise (set when it helped on the report split)."""

    def score(self, matrix: np.ndarray) -> np.ndarray:
        mean = np.array([self.mean.get(f, 0.0) for f in FEATURES])
        scale = np.array([self.scale.get(f, 1.0) or 1.0 for f in FEATURES])
        w = np.array([self.weights.get(f, 0.0) for f in FEATURES])
        return ((matrix - mean) / scale) @ w + self.bias

    def rerank(self, query: str, hits: Sequence[Any]) -> list[Any]:
        """``hits`` (fused order) with the first :data:`DEPTH` re-ordered by the model; scores left as fused."""
        head, tail = list(hits[:DEPTH]), list(hits[DEPTH:])
        if len(head) < 2:
            return list(hits)
        scores = self.score(features(query, head))
        order = sorted(range(len(head)), key=lambda i: (-scores[i], i))
        return [head[i] for i in order] + tail

    def to_json(self) -> str:
        data = {"features": list(FEATURES), "weights": self.weights, "bias": self.bias, "default": self.default}
        return json.dumps({**data, "mean": self.mean, "scale": self.scale, "trained": self.trained}, indent=1)


def load(path: Path = WEIGHTS) -> Reranker:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Reranker(
            data["weights"], data["bias"], data["mean"], data["scale"], data.get("trained", ""), data["default"]
        )
    except (OSError, ValueError, KeyError) as exc:
        raise RerankWeightsError(f"{path}: không đọc được trọng số xếp hạng lại ({type(exc).__name__})") from exc


@cache
def shipped() -> Reranker:
    return load(WEIGHTS)


_KIND_WORDS = {kind: words for words, kind in KINDS}


def _content(query: str) -> set[str]:
    """The query's folded words without its framing ("thế nào", "tôi"), document codes kept whole ("01/2011/tt-bnv":
    the framing is dropped from a lowercased query, where codes no longer hold together)."""
    from rag.lexical import without_question_framing

    kept = set(fold_tokens(without_question_framing(query)))
    return {t for t in fold_tokens(query) if t in kept or (re.search(r"\d", t) and re.search(r"[-/&.]", t))}


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[str, ...]:
    """Folded tokens of a title or heading path (the same few recur across the candidates of every question)."""
    return tuple(fold_tokens(text))


def _share(words: set[str], text: str) -> float:
    return len(words & set(_tokens(text))) / len(words) if words else 0.0


def _carries(ref: Any, chunk: Any) -> bool:
    """Whether the passage or its document title names the document number ``ref``; the passage is folded only
    when its raw text holds the number's digits (folding 30 passages per question cost 100+ ms)."""
    if ref.found_in(_tokens(chunk.doc_title)):
        return True
    digits = (ref.code or ref.number).split("-")[0].split("/")[0]
    return digits in chunk.text and ref.found_in(fold_tokens(chunk.text))


def features(query: str, hits: Sequence[Any]) -> np.ndarray:
    """One row of :data:`FEATURES` per hit (hits in fused order, each a ``rag.hits.Hit``).

    Scores are relative to the list's best (a question's BM25 scale says nothing about another's); ranks are
    reciprocal (0 when the side did not list the passage); title/heading are the shares of the question's
    content words the document title / the heading path hold; code = the passage or its title carries a document
    number the question names; kind = the title names the document kind the question names ("thông tư" with no
    number); document_share = the share of the top passages that are of this passage's document.
    """
    from rag.document_numbers import query_codes
    from rag.query_understanding import analyse

    words = _content(query)
    refs = query_codes(query)
    kind = analyse(query).constraints.kind
    kind_words = _KIND_WORDS.get(kind, "")
    best_fused = max(h.score for h in hits) or 1.0
    dense = [h.dense_score for h in hits if h.dense_score is not None]
    lexical = [h.lexical_score for h in hits if h.lexical_score is not None]
    best_dense, best_lexical = (max(dense) if dense else 0.0), (max(lexical) or 1.0) if lexical else 1.0
    docs = [h.chunk.doc_id for h in hits]
    rows = []
    for rank, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        title_tokens = _tokens(chunk.doc_title)
        carries = any(_carries(r, chunk) for r in refs)
        rows.append(
            [
                hit.score / best_fused,
                1.0 / rank,
                (hit.dense_score - best_dense) if hit.dense_score is not None else -0.2,
                1.0 / hit.dense_rank if hit.dense_rank else 0.0,
                (hit.lexical_score / best_lexical) if hit.lexical_score is not None else 0.0,
                1.0 / hit.lexical_rank if hit.lexical_rank else 0.0,
                _share(words, chunk.doc_title),
                _share(words, chunk.heading_path),
                float(carries),
                float(bool(kind_words) and " ".join(title_tokens[:4]).find(kind_words) >= 0),
                1.0 / (1.0 + math.log1p(max(chunk.start, 0) / 1000.0)),
                docs.count(chunk.doc_id) / len(docs),
            ]
        )
    return np.asarray(rows, dtype=np.float64)
