"""Evaluation metrics. Each is a plain function over plain data, unit-tested on hand-made cases.

Retrieval metrics take, per question, the 1-based rank of the first relevant
passage (``None`` when no relevant passage was retrieved), or the list of
relevance flags in ranked order.

Answer metrics (key-fact recall, citation precision/recall, refusal accuracy,
latency) take the answer text and plain mappings, so they can be checked on
hand-made cases without running a pipeline.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ingest import normalize
from ingest.sentences import split_sentences
from rag.answer import MISSING_PART


def first_relevant_rank(relevant: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant result, or None if none is relevant."""
    for i, flag in enumerate(relevant, start=1):
        if flag:
            return i
    return None


def hit_at_k(ranks: Sequence[int | None], k: int) -> float:
    """Share of questions whose first relevant passage is within the top k."""
    if not ranks:
        return 0.0
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float:
    """Mean of 1/rank of the first relevant passage (0 when not retrieved)."""
    if not ranks:
        return 0.0
    return sum(1.0 / r for r in ranks if r is not None) / len(ranks)


def ndcg_at_k(relevant: Sequence[bool], k: int, n_relevant: int | None = None) -> float:
    """Binary-relevance nDCG@k; ``n_relevant`` is the number of gold passages (for the ideal DCG)."""
    gains = [1.0 / math.log2(i + 2) for i, flag in enumerate(relevant[:k]) if flag]
    ideal_n = min(k, n_relevant if n_relevant is not None else sum(bool(f) for f in relevant))
    if ideal_n == 0:
        return 0.0
    ideal = sum(1.0 / math.log2(i + 2) for i in range(ideal_n))
    return sum(gains) / ideal


# ---------------------------------------------------------------------------
# Text folding: the answer metrics compare Vietnamese text with the project's one
# fold (ingest.normalize.fold: Unicode form, diacritics, case and line wraps do not
# matter), because a correct answer typed without accents is still correct.
# ---------------------------------------------------------------------------

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})
"""Typographic quotes and dashes as typed on a keyboard: an expected fact written with straight quotes is
still found in a document that uses curly ones."""
_WORD = re.compile(r"\w+", re.UNICODE)
_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")


def fold(text: str) -> str:
    """:func:`ingest.normalize.fold` after typing typographic quotes and dashes plainly (see ``_QUOTES``)."""
    return normalize.fold(text.translate(_QUOTES))


def contains_folded(haystack: str, needle: str) -> bool:
    """Whether ``needle`` occurs in ``haystack`` after folding both."""
    folded = fold(needle)
    return bool(folded) and folded in fold(haystack)


def key_fact_recall(answer: str, facts: Sequence[str]) -> float:
    """Share of expected key facts that the answer states (diacritic/NFC-insensitive).

    An empty fact list scores 1.0: there is nothing the answer could miss. Punctuation at either end of a fact
    is not part of it (a gold span copied with its sentence's full stop, "sứa lược.", is stated by "… sứa lược
    [1]."), as the official SQuAD scorer drops punctuation before comparing.
    """
    if not facts:
        return 1.0
    folded_answer = _plain_numbers(fold(answer))
    stated = (_plain_numbers(fold(f).strip(_EDGE_PUNCTUATION)) for f in facts)
    return sum(1 for f in stated if f and _states(folded_answer, f)) / len(facts)


_EDGE_PUNCTUATION = " .,;:!?\"'“”‘’()"


def _states(answer: str, fact: str) -> bool:
    """``fact`` occurs in ``answer``, and a figure at either end of it is whole: "80 triệu" is not in "180 triệu",
    "6,4%" is not in "6,42%"."""
    before = r"(?<![\d.,])" if fact[:1].isdigit() else ""
    after = r"(?![\d]|[.,]\d)" if fact[-1:].isdigit() else ""
    return re.search(before + re.escape(fact) + after, answer) is not None


_ZERO_DECIMALS = re.compile(r"(?<![\d.,])(\d+(?:\.\d{3})*),0+(?![\d,])")


def _plain_numbers(text: str) -> str:
    """A figure written with zero decimals ("80,0 triệu đồng", tables print one decimal) as the same figure without
    them ("80 triệu đồng"): the answer states the fact either way."""
    return _ZERO_DECIMALS.sub(r"\1", text)


# ---------------------------------------------------------------------------
# Citations: an answer is a list of sentences, each carrying markers like [1]
# or [1, 2] that point to cited passages. We never trust the marker: a cited
# passage supports a sentence only if it contains most of the sentence's words.
# ---------------------------------------------------------------------------

SUPPORT_THRESHOLD = 0.5
"""Minimum share of a sentence's word bigrams found in the cited passage."""

MIN_CLAIM_TOKENS = 3
"""Shorter segments ("Theo tài liệu:") are connective text, not claims."""


@dataclass(frozen=True)
class CitedSentence:
    """One sentence of an answer and the citation numbers attached to it."""

    text: str
    markers: tuple[int, ...]


def _markers_in(text: str) -> tuple[int, ...]:
    found: list[int] = []
    for group in _MARKER.findall(text):
        found.extend(int(n) for n in re.split(r"\s*[,;]\s*", group) if n)
    return tuple(dict.fromkeys(found))


def split_cited_sentences(answer: str) -> list[CitedSentence]:
    """Split an answer into sentences, attaching each [n] marker to the sentence it follows.

    Markers placed after the full stop ("… 6,42%. [1]") belong to the sentence
    before them, so leading markers of a segment are moved back one segment.
    """
    segments = [s.strip() for s in split_sentences(answer) if s.strip()]
    merged: list[str] = []
    for seg in segments:
        lead = re.match(r"^((?:\s*\[[\d,;\s]+\])+)\s*", seg)
        if lead and merged:
            merged[-1] = f"{merged[-1]} {lead.group(1).strip()}"
            seg = seg[lead.end() :]
        if seg.strip():
            merged.append(seg)
    return [CitedSentence(text=s, markers=_markers_in(s)) for s in merged]


def _tokens(text: str) -> list[str]:
    return _WORD.findall(fold(_MARKER.sub(" ", text)))


def _bigrams(tokens: Sequence[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(tokens))


def support_score(sentence: str, passage: str) -> float:
    """Share of the sentence's word bigrams (unigrams for one-word sentences) found in the passage.

    Vietnamese syllables such as "của", "năm", "và" occur everywhere, so single
    words would let any passage "support" any sentence; bigrams keep the check
    tied to the actual wording.
    """
    sent = _tokens(sentence)
    if not sent:
        return 0.0
    pas = _tokens(passage)
    if len(sent) == 1:
        return 1.0 if sent[0] in set(pas) else 0.0
    wanted = _bigrams(sent)
    return len(wanted & _bigrams(pas)) / len(wanted)


def supports(sentence: str, passage: str, threshold: float = SUPPORT_THRESHOLD) -> bool:
    """Whether ``passage`` supports ``sentence`` by word overlap (see :func:`support_score`)."""
    return support_score(sentence, passage) >= threshold


def _claims(answer: str) -> list[CitedSentence]:
    """The answer's sentences that claim something of the documents (not "Tài liệu không nêu …", which says
    what a several-part answer lacks)."""
    return [
        s
        for s in split_cited_sentences(answer)
        if len(_tokens(s.text)) >= MIN_CLAIM_TOKENS and not s.text.strip().startswith(MISSING_PART)
    ]


def citation_precision(answer: str, passages: Mapping[int, str], threshold: float = SUPPORT_THRESHOLD) -> float | None:
    """Share of (sentence, citation) pairs whose cited passage supports the sentence.

    ``passages`` maps citation number → full text of the cited chunk (looked up
    independently of the answer). A marker pointing to an unknown number counts
    as unsupported. Returns None when the answer cites nothing (nothing to judge).
    """
    pairs = [(s.text, n) for s in split_cited_sentences(answer) for n in s.markers]
    if not pairs:
        return None
    good = sum(1 for text, n in pairs if n in passages and supports(text, passages[n], threshold))
    return good / len(pairs)


def citation_recall(answer: str, passages: Mapping[int, str], threshold: float = SUPPORT_THRESHOLD) -> float | None:
    """Share of the answer's claim sentences supported by at least one of their own citations.

    An uncited claim counts as unsupported. Returns None when the answer has no claims.
    """
    claims = _claims(answer)
    if not claims:
        return None
    ok = sum(1 for s in claims if any(n in passages and supports(s.text, passages[n], threshold) for n in s.markers))
    return ok / len(claims)


# ---------------------------------------------------------------------------
# Refusals and latency.
# ---------------------------------------------------------------------------


def refusal_accuracy(answerable: Sequence[bool], refused: Sequence[bool]) -> float:
    """Share of questions handled right: answerable → answered, unanswerable → refused."""
    if len(answerable) != len(refused):
        raise ValueError("answerable and refused must have the same length")
    if not answerable:
        return 0.0
    return sum(1 for a, r in zip(answerable, refused, strict=True) if a != r) / len(answerable)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (``q`` in 0..100), the same rule as numpy's default."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def latency_summary(latencies_ms: Sequence[float]) -> dict[str, float]:
    """p50/p90/p95/max/mean of per-question latencies in milliseconds."""
    if not latencies_ms:
        return {"p50": 0.0, "p90": 0.0, "p95": 0.0, "max": 0.0, "mean": 0.0}
    return {
        "p50": percentile(latencies_ms, 50),
        "p90": percentile(latencies_ms, 90),
        "p95": percentile(latencies_ms, 95),
        "max": max(latencies_ms),
        "mean": sum(latencies_ms) / len(latencies_ms),
    }


def mean_of(values: Sequence[float | None]) -> float | None:
    """Mean of the defined values (None entries are skipped); None when nothing is defined."""
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None
