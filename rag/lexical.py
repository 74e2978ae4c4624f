"""BM25 over Vietnamese word-segmented text plus its diacritic-free fold.

Each passage is indexed as two token streams in one bm25s index:

* the underthesea words ("giải_ngân", "vốn", "đầu_tư") – precise when the
  user typed tone marks;
* folded syllables and folded syllable bigrams ("~giai", "~giai_ngan") –
  these do not depend on word segmentation, which is unreliable on
  unaccented text, so a query typed without marks still matches.

A query with marks uses both streams; a query without marks only the folded
one (its words would be wrong anyway). The index is saved to a fresh
directory and switched in by atomically replacing a pointer file, so a crash
while saving leaves the previous index readable.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import shutil
import uuid
from pathlib import Path

import bm25s
import numpy as np

from rag.diacritics import fold, has_diacritics, syllables

_WORDISH = re.compile(r"\w", re.UNICODE)
FOLD_PREFIX = "~"
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG by default
POINTER = "lexical.current"


def segment(text: str) -> str:
    """Word-segmented lowercase text with compounds joined by '_' (same function ingest uses for chunks)."""
    from ingest.segment import segment_words

    return segment_words(text)


def word_tokens(segmented: str) -> list[str]:
    """Lowercase word tokens of a segmented text, punctuation dropped."""
    return [w for w in segmented.lower().split() if _WORDISH.search(w)]


def folded_tokens(text: str) -> list[str]:
    """Folded syllables and adjacent-syllable bigrams, prefixed so they never collide with words."""
    sylls = [fold(s) for s in syllables(text)]
    pairs = [f"{a}_{b}" for a, b in itertools.pairwise(sylls)]
    return [FOLD_PREFIX + t for t in sylls + pairs]


def document_tokens(text: str, segmented: str) -> list[str]:
    """Everything a passage is indexed under."""
    return word_tokens(segmented) + folded_tokens(text)


def query_tokens(query: str, segmented: str | None = None) -> list[str]:
    """Tokens of a query: words only when it carries tone marks, folded forms always."""
    folded = folded_tokens(query)
    if not has_diacritics(query):
        return folded
    return word_tokens(segmented if segmented is not None else segment(query)) + folded


class LexicalIndex:
    """A bm25s index whose rows are chunk ids, in a fixed order shared with the filter columns."""

    def __init__(self, ids: list[str], bm25: bm25s.BM25 | None, generation: int, path: Path | None = None) -> None:
        self.ids = ids
        self.bm25 = bm25
        self.generation = generation
        self.path = path
        """Directory it was saved to / loaded from (side files such as the restorer live there)."""

    @classmethod
    def build(cls, ids: list[str], token_ids: list[list[int]], vocab: dict[str, int], generation: int) -> LexicalIndex:
        """Index rows given as token-id lists over ``vocab`` (token → 0..n-1)."""
        if not ids:
            return cls([], None, generation)
        bm25 = bm25s.BM25()
        bm25.index((token_ids, dict(vocab)), show_progress=False)
        return cls(list(ids), bm25, generation)

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every row (0 for rows sharing no token with the query)."""
        if self.bm25 is None:
            return np.zeros(0, dtype=np.float32)
        vocab = self.bm25.vocab_dict
        token_ids = [vocab[t] for t in tokens if t in vocab]
        if not token_ids:
            return np.zeros(len(self.ids), dtype=np.float32)
        return self.bm25.get_scores_from_ids(token_ids)

    def top(self, tokens: list[str], n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best ``n`` (row, score) pairs among rows allowed by ``mask``, matching rows only."""
        scores = self.scores(tokens)
        if scores.size == 0:
            return []
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        matching = np.flatnonzero(scores > 0)
        if matching.size > n:
            part = np.argpartition(-scores[matching], n - 1)[:n]
            matching = matching[part]
        order = matching[np.argsort(-scores[matching], kind="stable")]
        return [(int(i), float(scores[i])) for i in order]

    # ---- persistence -------------------------------------------------------------
    def save(self, base: Path) -> None:
        """Write into a new directory, then atomically repoint; old directories are removed after."""
        base.mkdir(parents=True, exist_ok=True)
        name = f"lexical-{self.generation}-{uuid.uuid4().hex[:8]}"
        target = base / name
        target.mkdir()
        if self.bm25 is not None:
            self.bm25.save(str(target), show_progress=False)
        (target / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")
        (target / "generation").write_text(str(self.generation), encoding="utf-8")
        self.path = target
        tmp = base / (POINTER + ".tmp")
        tmp.write_text(name, encoding="utf-8")
        os.replace(tmp, base / POINTER)
        for old in base.glob("lexical-*"):
            if old.name != name:
                shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, base: Path) -> LexicalIndex | None:
        """The current saved index, or None when there is none (or it is unreadable)."""
        pointer = base / POINTER
        if not pointer.exists():
            return None
        target = base / pointer.read_text(encoding="utf-8").strip()
        try:
            ids = json.loads((target / "ids.json").read_text(encoding="utf-8"))
            generation = int((target / "generation").read_text(encoding="utf-8"))
            bm25 = bm25s.BM25.load(str(target), show_progress=False) if ids else None
        except (OSError, ValueError):
            return None
        return cls(ids, bm25, generation, target)
