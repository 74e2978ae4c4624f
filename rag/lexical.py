"""BM25 over Vietnamese word-segmented text plus its diacritic-free fold, updatable one document at a time.

Each passage is indexed as two token streams:

* the underthesea words ("giải_ngân", "vốn", "đầu_tư") – precise when the
  user typed tone marks;
* folded syllables and folded syllable bigrams ("~giai", "~giai_ngan") –
  these do not depend on word segmentation, which is unreliable on
  unaccented text, so a query typed without marks still matches.

A query with marks uses both streams; a query without marks only the folded
one (its words would be wrong anyway).

Incremental updates. A *main* index (raw term frequencies of every row,
saved to an immutable directory) plus a small *delta* (rows added since)
and *dead* main rows (deleted since) answer exactly like one index over the
live rows: BM25's IDF and average length depend on the whole collection, so
nothing collection-wide is precomputed. Scores are computed at query time
from raw term frequencies with the collection statistics of the live rows
(N, document frequency = live main postings + delta postings, total length),
using the formula of bm25s' default "lucene" variant. This is why the main
stores term frequencies and not bm25s' precomputed score matrix: those
scores bake in the N, df and average length of the moment they were built,
and adding one document changes all three. A test checks the scores against
a real ``bm25s.BM25`` built over the same rows.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import secrets
import shutil
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ingest.normalize import spell_out
from rag.diacritics import fold, has_diacritics, syllables

log = logging.getLogger(__name__)

_WORDISH = re.compile(r"\w", re.UNICODE)
FOLD_PREFIX = "~"
POINTER = "lexical.current"
K1 = 1.5
"""BM25 k1 and b: bm25s' defaults, kept so rankings stay those of the previous bm25s-backed index."""
B = 0.75


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


CONVERSATIONAL = (
    *["có được không", "được không", "hay không", "phải không", "thì sao", "ra sao", "như thế nào", "thế nào"],
    *["bao nhiêu", "bao lâu", "là gì", "chúng tôi", "tôi", "mình", "ạ", "nhé", "vậy", "gì", "đâu", "mấy"],
)
"""How people frame a question ("Tôi có được … không?", "Trường hợp … thì sao?", "… bao lâu?"), with tone marks,
longest first. Official texts never say "tôi" or "thì sao", so BM25 gave these rare words a high weight and ranked
any passage quoting a citizen's letter first; they say what is asked, never what it is about."""
_CONVERSATIONAL = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, CONVERSATIONAL)) + r")(?!\w)")
_TRAILING_NOT = re.compile(r"(?<!\w)(?:không|chưa)\s*\??\s*$")


def without_question_framing(query: str) -> str:
    """The query without its conversational framing (only when it carries tone marks: unmarked "toi" may be "tới",
    "dau" may be "đầu"); the query itself if nothing would be left."""
    if not has_diacritics(query):
        return query
    lowered = _TRAILING_NOT.sub(" ", query.lower())  # "… có được nghỉ không?": the final "không" only asks
    kept = " ".join(_CONVERSATIONAL.sub(" ", lowered).split())
    return kept if _WORDISH.search(kept) else query


def query_tokens(query: str, segmented: str | None = None) -> list[str]:
    """Tokens of a query: words only when it carries tone marks, folded forms always, and the folded words of the
    acronyms it writes ("UBND" also searches "ủy ban nhân dân": a document writes the name out at least once)."""
    folded = folded_tokens(query)
    written = spell_out(query)
    if written != query:
        folded += [t for t in folded_tokens(written) if t not in folded]
    if not has_diacritics(query):
        return folded
    return word_tokens(segmented if segmented is not None else segment(query)) + folded


class Postings:
    """Raw term frequencies by token (rows sorted within each token), and every row's length in tokens."""

    def __init__(
        self, vocab: dict[str, int], indptr: np.ndarray, rows: np.ndarray, tf: np.ndarray, lengths: np.ndarray
    ) -> None:
        self.vocab = vocab
        self.indptr = indptr
        self.rows = rows
        self.tf = tf
        self.lengths = lengths

    @classmethod
    def build(cls, token_lists: Iterable[Sequence[str]]) -> Postings:
        """Count each row's tokens; cost is linear in the number of tokens."""
        vocab: dict[str, int] = {}
        tok_parts: list[np.ndarray] = []
        tf_parts: list[np.ndarray] = []
        row_parts: list[np.ndarray] = []
        lengths: list[int] = []
        for row, tokens in enumerate(token_lists):
            counts = Counter(vocab.setdefault(t, len(vocab)) for t in tokens)
            lengths.append(len(tokens))
            tok_parts.append(np.fromiter(counts.keys(), dtype=np.int32, count=len(counts)))
            tf = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
            tf_parts.append(np.minimum(tf, np.iinfo(np.uint16).max).astype(np.uint16))
            row_parts.append(np.full(len(counts), row, dtype=np.int32))
        if not lengths:
            empty = np.zeros(0, dtype=np.int32)
            return cls({}, np.zeros(1, dtype=np.int64), empty, np.zeros(0, dtype=np.uint16), empty)
        tok = np.concatenate(tok_parts)
        order = np.argsort(tok, kind="stable")  # stable: rows stay ascending within a token
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(tok, minlength=len(vocab)), out=indptr[1:])
        return cls(
            vocab,
            indptr,
            np.concatenate(row_parts)[order],
            np.concatenate(tf_parts)[order],
            np.asarray(lengths, dtype=np.int32),
        )

    @property
    def n_rows(self) -> int:
        return len(self.lengths)

    def postings(self, token: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(rows, term frequencies) of ``token``, or None when no row has it."""
        tid = self.vocab.get(token)
        if tid is None:
            return None
        lo, hi = self.indptr[tid], self.indptr[tid + 1]
        return self.rows[lo:hi], self.tf[lo:hi]

    def save(self, target: Path) -> None:
        for name in ("indptr", "rows", "tf", "lengths"):
            np.save(target / f"{name}.npy", getattr(self, name))
        vocab = sorted(self.vocab, key=self.vocab.__getitem__)
        (target / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, target: Path) -> Postings:
        """Map the saved arrays read-only instead of reading them: a search touches the postings of its
        tokens only, so at 100k chunks about half of the 150 MB never enters memory, and the pages that
        do are the kernel's to drop again (eval/reports/bench_memory.md). A main directory is never
        rewritten in place, so the mapping stays valid (even after a compaction removes the directory)."""
        arrays = {n: np.load(target / f"{n}.npy", mmap_mode="r") for n in ("indptr", "rows", "tf")}
        arrays["lengths"] = np.load(target / "lengths.npy")
        vocab = json.loads((target / "vocab.json").read_text(encoding="utf-8"))
        return cls({t: i for i, t in enumerate(vocab)}, **arrays)


class LexicalIndex:
    """The searchable rows of one generation: live main rows (in main order), then delta rows.

    Row ``i`` of :meth:`scores` and :meth:`top` is ``ids[i]``; the index's
    filter columns use the same order.
    """

    def __init__(
        self,
        ids: list[str],
        generation: int,
        main: Postings | None = None,
        alive: np.ndarray | None = None,
        delta: Postings | None = None,
        path: Path | None = None,
    ) -> None:
        self.ids = ids
        self.generation = generation
        self.path = path
        """Directory of the main index (side files such as the restorer live there)."""
        self._main = main
        self._delta = delta
        n_main = main.n_rows if main is not None else 0
        self._alive = alive if alive is not None else np.ones(n_main, dtype=bool)
        self._live_rows = np.flatnonzero(self._alive)
        self._has_dead = len(self._live_rows) != len(self._alive)
        self._tfc_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._tfc_cached = 0
        self._cache_lock = threading.Lock()
        n_delta = delta.n_rows if delta is not None else 0
        assert len(ids) == len(self._live_rows) + n_delta, "ids must list the live main rows, then the delta rows"
        total = float(main.lengths[self._alive].sum()) if main is not None else 0.0
        total += float(delta.lengths.sum()) if delta is not None else 0.0
        self._n = len(ids)
        avg_len = total / self._n if self._n else 1.0
        # The length part of BM25's tf normaliser, per row, for this generation's average length.
        self._norm_main = K1 * (1.0 - B + B * main.lengths / avg_len) if main is not None else np.zeros(0)
        self._norm_delta = K1 * (1.0 - B + B * delta.lengths / avg_len) if delta is not None else np.zeros(0)

    @classmethod
    def build(cls, ids: list[str], token_lists: Iterable[Sequence[str]], generation: int) -> LexicalIndex:
        """One main over all rows (what a full rebuild, and a compaction, produce)."""
        return cls(list(ids), generation, Postings.build(token_lists))

    @property
    def main(self) -> Postings | None:
        return self._main

    @property
    def delta_rows(self) -> int:
        """Rows added since the main was built plus main rows deleted since (what compaction folds in)."""
        dead = int(len(self._alive) - len(self._live_rows))
        return (self._delta.n_rows if self._delta is not None else 0) + dead

    def with_delta(self, ids: list[str], generation: int, alive: np.ndarray, delta: Postings | None) -> LexicalIndex:
        """The same main with other dead rows and delta (``ids`` = live main ids, then delta ids)."""
        return LexicalIndex(ids, generation, self._main, alive, delta, self.path)

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every row (0 for rows sharing no token with the query).

        A token repeated in the query counts that many times, as in bm25s.
        """
        if not self._n:
            return np.zeros(0, dtype=np.float64)
        main_scores = np.zeros(len(self._alive), dtype=np.float64)
        delta_scores = np.zeros(self._delta.n_rows if self._delta is not None else 0, dtype=np.float64)
        for token, times in Counter(tokens).items():
            main_rows, main_tfc = self._main_tfc(token)
            found_delta = self._delta.postings(token) if self._delta is not None else None
            df = len(main_rows) + (len(found_delta[0]) if found_delta else 0)
            if df == 0:
                continue
            # bm25s "lucene": idf = ln(1 + (N - df + 0.5) / (df + 0.5)), tfc = tf / (tf + k1 (1 - b + b |d| / avg)).
            idf = np.log(1.0 + (self._n - df + 0.5) / (df + 0.5)) * times
            main_scores[main_rows] += idf * main_tfc
            if found_delta:
                rows, tf = found_delta
                delta_scores[rows] += idf * _tfc(tf, self._norm_delta[rows])
        if not self._has_dead and not len(delta_scores):
            return main_scores
        return np.concatenate([main_scores[self._live_rows] if self._has_dead else main_scores, delta_scores])

    def _main_tfc(self, token: str) -> tuple[np.ndarray, np.ndarray]:
        """Live main rows having ``token`` and their tf component, cached per generation (bounded)."""
        cached = self._tfc_cache.get(token)
        if cached is not None:
            return cached
        found = self._main.postings(token) if self._main is not None else None
        if found is None:
            return _EMPTY_ROWS, _EMPTY_TFC
        rows, tf = found
        if self._has_dead:  # only rows still alive count towards the document frequency
            keep = self._alive[rows]
            rows, tf = rows[keep], tf[keep]
        value = (rows, _tfc(tf, self._norm_main[rows]))
        with self._cache_lock:  # searches of several threads share this generation's cache
            if self._tfc_cached + len(rows) > _TFC_CACHE_ENTRIES:
                self._tfc_cache.clear()
                self._tfc_cached = 0
            self._tfc_cache[token] = value
            self._tfc_cached += len(rows)
        return value

    def top(self, tokens: list[str], n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best ``n`` (row, score) pairs among rows allowed by ``mask``, matching rows only.

        Equal scores are ordered by chunk id, so the order does not depend on
        whether a row sits in the main or the delta.
        """
        scores = self.scores(tokens)
        if scores.size == 0 or n <= 0:
            return []
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        matching = np.flatnonzero(scores > 0)
        if matching.size > n:
            cut = np.partition(-scores[matching], n - 1)[n - 1]
            matching = matching[-scores[matching] <= cut]  # keeps every row tied at the cut
        order = sorted(matching.tolist(), key=lambda i: (-scores[i], self.ids[i]))[:n]
        return [(i, float(scores[i])) for i in order]

    # ---- persistence of the main -------------------------------------------------
    def save(self, base: Path, side_files: dict[str, str] | None = None) -> str:
        """Write the main into a new directory, then atomically repoint to it; returns the directory name.

        Everything a reader needs (``side_files`` such as the diacritic
        restorer included) is in the directory before the pointer names it.
        Names carry the pid and a random part, so concurrent writers never
        share a temp file or a directory. The previous main is kept (a reader
        in another process may be loading it right now); older ones are removed.
        """
        assert self._main is not None and self._delta is None and bool(self._alive.all()), "only a full main is saved"
        base.mkdir(parents=True, exist_ok=True)
        unique = f"{os.getpid()}-{secrets.token_hex(4)}"
        name = f"lexical-{self.generation}-{unique}"
        target = base / name
        target.mkdir()
        self._main.save(target)
        (target / "ids.json").write_text(json.dumps(self.ids, ensure_ascii=False), encoding="utf-8")
        for file_name, content in (side_files or {}).items():
            (target / file_name).write_text(content, encoding="utf-8")
        (target / "generation").write_text(str(self.generation), encoding="utf-8")  # written last: marks it complete
        previous = read_pointer(base)
        tmp = base / f"{POINTER}.{unique}.tmp"
        tmp.write_text(name, encoding="utf-8")
        os.replace(tmp, base / POINTER)
        self.path = target
        for old in base.glob("lexical-*"):
            if old.name not in (name, previous) and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
        return name

    @classmethod
    def load(cls, base: Path) -> LexicalIndex | None:
        """The current saved main (no delta), or None when there is none or it is unreadable/incomplete."""
        name = read_pointer(base)
        if name is None:
            return None
        target = base / name
        try:
            generation = int((target / "generation").read_text(encoding="utf-8"))
            ids = json.loads((target / "ids.json").read_text(encoding="utf-8"))
            main = Postings.load(target)
        except (OSError, ValueError) as exc:  # removed by a compaction meanwhile, or an older format
            log.info("lexical main %s not loadable: %s", name, type(exc).__name__)
            return None
        if main.n_rows != len(ids):
            return None
        return cls(ids, generation, main, path=target)


_EMPTY_ROWS = np.zeros(0, dtype=np.int32)
_EMPTY_TFC = np.zeros(0, dtype=np.float32)
_TFC_CACHE_ENTRIES = 4_000_000
"""Postings whose tf component is kept between searches of one generation (16 MB of float32 at most, plus
row copies where rows were deleted)."""


def _tfc(tf: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """BM25's tf component in float32 (bm25s' own precision): the per-generation cache holds millions."""
    tf = tf.astype(np.float32)
    return tf / (tf + norm.astype(np.float32))


def read_pointer(base: Path) -> str | None:
    """Name of the current main directory, or None."""
    try:
        return (base / POINTER).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None
