"""Matching Vietnamese text typed without tone marks.

Officials often type "giai ngan von dau tu cong" instead of "giải ngân vốn
đầu tư công". Two tools make such queries work:

* ``fold`` (the project's one fold, ``ingest.normalize.fold``, imported here
  for the lexical side) maps any text to its diacritic-free lowercase form, so
  the lexical index can hold a folded copy of every passage and match a folded
  query symmetrically;
* :class:`DiacriticRestorer` puts the marks back using the corpus itself:
  every unaccented syllable (and syllable pair) is mapped to its most
  frequent accented form in the indexed text. The dense model was trained on
  accented text, so it gets the restored query.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

from ingest.normalize import fold, strip_diacritics
from ingest.wordlists import QUESTION_WORDS_ACCENTED

__all__ = ["DiacriticRestorer", "fold", "has_diacritics", "syllables"]

_SYLLABLE = re.compile(r"\w+", re.UNICODE)
_ACCENTED = {fold(w): w for w in QUESTION_WORDS_ACCENTED}
_QUESTION_WORDS = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(k) for k in _ACCENTED) + r")(?!\w)")
_MAX_CANDIDATES = 6


def has_diacritics(text: str) -> bool:
    """True when the text carries any Vietnamese mark (so it needs no restoring)."""
    lower = unicodedata.normalize("NFC", text).lower()
    return strip_diacritics(lower) != lower


def syllables(text: str) -> list[str]:
    """Lowercase syllables (Vietnamese words are space-separated syllables)."""
    return _SYLLABLE.findall(text.lower())


class DiacriticRestorer:
    """Restore tone marks from corpus statistics (unigram + bigram counts of syllables)."""

    def __init__(self, unigrams: Mapping[str, Counter[str]], bigrams: Mapping[str, Counter[str]]) -> None:
        self.unigrams = unigrams
        self.bigrams = bigrams

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> DiacriticRestorer:
        """Count every accented syllable and syllable pair under its folded key."""
        uni: dict[str, Counter[str]] = defaultdict(Counter)
        bi: dict[str, Counter[str]] = defaultdict(Counter)
        # A corpus has a few thousand distinct syllables but millions of occurrences: fold each one once
        # (folding every occurrence was 94 % of a lexical rebuild).
        folded: dict[str, str] = {}
        for text in texts:
            sylls = syllables(text)
            keys = [folded.get(s) or folded.setdefault(s, fold(s)) for s in sylls]
            for s, key in zip(sylls, keys, strict=True):
                uni[key][s] += 1
            for i in range(len(sylls) - 1):
                bi[keys[i] + " " + keys[i + 1]][sylls[i] + " " + sylls[i + 1]] += 1
        return cls(dict(uni), dict(bi))

    # Persistence: plain JSON, kept next to the lexical index.
    def save(self, path: Path) -> None:
        data = {
            "unigrams": {k: dict(v.most_common(_MAX_CANDIDATES)) for k, v in self.unigrams.items()},
            "bigrams": {k: dict(v.most_common(_MAX_CANDIDATES)) for k, v in self.bigrams.items()},
        }
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> DiacriticRestorer:
        data = json.loads(path.read_text(encoding="utf-8"))
        uni = {k: Counter(v) for k, v in data["unigrams"].items()}
        bi = {k: Counter(v) for k, v in data["bigrams"].items()}
        return cls(uni, bi)

    def _candidates(self, token: str) -> list[str]:
        if has_diacritics(token):
            return [token]  # the user typed the marks: trust them
        found = self.unigrams.get(token)
        if not found:
            return [token]
        return [s for s, _ in found.most_common(_MAX_CANDIDATES)]

    def _pair_count(self, a: str, b: str) -> int:
        return self.bigrams.get(fold(a) + " " + fold(b), Counter()).get(a + " " + b, 0)

    def restore(self, text: str) -> str:
        """Most likely accented form of ``text``: question words from their list, the rest from the corpus."""
        out, pos = [], 0
        lowered = text.lower()
        for match in _QUESTION_WORDS.finditer(lowered):
            out += [self._restore_plain(lowered[pos : match.start()]), _ACCENTED[match.group(0)]]
            pos = match.end()
        return "".join([*out, self._restore_plain(lowered[pos:])])

    def _restore_plain(self, text: str) -> str:
        """Viterbi over syllable candidates (unigram and pair counts of the corpus)."""
        tokens = syllables(text)
        if not tokens:
            return text
        cands = [self._candidates(t) for t in tokens]
        # best[i][c] = (score, back-pointer) for candidate c at position i.
        best: list[dict[str, tuple[float, str | None]]] = [
            {c: (self._unigram_score(tokens[0], c), None) for c in cands[0]}
        ]
        for i in range(1, len(tokens)):
            layer: dict[str, tuple[float, str | None]] = {}
            for c in cands[i]:
                uni = self._unigram_score(tokens[i], c)
                layer[c] = max(
                    ((score + uni + 2.0 * math.log1p(self._pair_count(p, c)), p) for p, (score, _) in best[-1].items()),
                    key=lambda x: x[0],
                )
            best.append(layer)
        word = max(best[-1].items(), key=lambda kv: kv[1][0])[0]
        path = [word]
        for i in range(len(tokens) - 1, 0, -1):
            word = best[i][word][1] or word
            path.append(word)
        restored = iter(reversed(path))
        # Substitute in place so punctuation and numbers stay where the user put them.
        return _SYLLABLE.sub(lambda _m: next(restored), text.lower())

    def _unigram_score(self, token: str, cand: str) -> float:
        found = self.unigrams.get(fold(token))
        return math.log1p(found.get(cand, 0)) if found else 0.0
