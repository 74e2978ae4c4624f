"""Citation validation: every sentence troly says must be backed by what it cites.

A generator (extractive or an LLM) returns text whose sentences carry ``[n]``
markers pointing at retrieved passages. LLMs invent figures, names and
citations, so nothing is trusted: a sentence survives only when

* it carries at least one marker that points at a retrieved passage whose text
  supports it (enough of the sentence's content words appear in that passage,
  compared without diacritics so "giai ngan" matches "giải ngân"), and
* every number, percentage or date and every capitalised name in it appears in
  one of the passages it (still) cites.

Markers that point nowhere or at an unrelated passage are removed; a sentence
left without markers is dropped. The caller refuses when nothing survives.
This module also finds the exact sentence of a passage that supports an
answer sentence, so a citation can quote it with offsets into the document.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

MARKER_RE = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
"""``[3]`` or ``[1, 2]`` (with the whitespace before it, so removal leaves clean text)."""

NUMBER_RE = re.compile(r"\d+(?:[.,/]\d+)*(?:\s?%)?")
"""6,42% · 1.500 · 01/7/2025 · 7,5 · 100 % – figures as Vietnamese writes them."""

WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
LETTER_RE = re.compile(r"[^\W\d_]", re.UNICODE)

# Words that carry no content of their own; overlap is measured without them.
STOPWORDS = frozenset(
    [
        "a",
        "ai",
        "anh",
        "bao",
        "bi",
        "boi",
        "cac",
        "cai",
        "can",
        "cho",
        "chu",
        "chua",
        "co",
        "con",
        "cua",
        "cung",
        "da",
        "dang",
        "dau",
        "de",
        "den",
        "deu",
        "do",
        "duoc",
        "gi",
        "gia",
        "hay",
        "hien",
        "hoac",
        "hon",
        "khi",
        "khong",
        "la",
        "lai",
        "lam",
        "luc",
        "ma",
        "minh",
        "moi",
        "mot",
        "nao",
        "nay",
        "neu",
        "ngay",
        "nhieu",
        "nhu",
        "nhung",
        "nhat",
        "noi",
        "o",
        "phai",
        "qua",
        "ra",
        "rang",
        "rat",
        "roi",
        "sau",
        "se",
        "sao",
        "tai",
        "the",
        "theo",
        "thi",
        "thu",
        "tren",
        "trong",
        "tu",
        "tung",
        "va",
        "vao",
        "van",
        "ve",
        "vi",
        "voi",
        "xin",
    ]
)

SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+|\n\s*(?=[-•+*]\s|\d+\.\s)")
"""Sentence boundaries: end punctuation then whitespace, or a new bullet/numbered line.

A period inside a figure ("1.500") is not followed by whitespace, so figures stay whole.
"""


def fold(text: str) -> str:
    """Lower-case, diacritic-free form used for every comparison ("Hòa" → "hoa", "đ" → "d")."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped).lower()


def has_phrase(folded_text: str, folded_phrase: str) -> bool:
    """Whole-word occurrence of a folded phrase in folded text ("ban" must not match inside "bang")."""
    return re.search(r"(?<!\w)" + re.escape(folded_phrase) + r"(?!\w)", folded_text) is not None


def content_words(text: str) -> list[str]:
    """Folded syllables of ``text`` without markers, numbers or stop words (the words that must be supported)."""
    plain = MARKER_RE.sub(" ", text)
    return [w for w in WORD_RE.findall(fold(plain)) if not w.isdigit() and w not in STOPWORDS]


def normalize_number(raw: str) -> str:
    """Canonical form of a figure: no inner spaces, no leading zeros in integer parts ("02" → "2", "01/7" → "1/7")."""
    compact = raw.replace(" ", "")
    return re.sub(r"(?<![\d.,])0+(?=\d)", "", compact)


def numbers_in(text: str) -> set[str]:
    """Every figure in ``text`` (markers excluded), canonicalised."""
    return {normalize_number(m.group()) for m in NUMBER_RE.finditer(MARKER_RE.sub(" ", text))}


def entities_in(text: str) -> set[str]:
    """Capitalised names in ``text`` (runs of capitalised words, except the sentence's first word), folded.

    The first word is skipped because every sentence starts with a capital;
    acronyms such as UBND or AI count wherever they are.
    """
    plain = MARKER_RE.sub(" ", text)
    words = [(m.group(), m.start()) for m in WORD_RE.finditer(plain)]
    found: set[str] = set()
    run: list[str] = []
    for i, (word, _) in enumerate(words):
        capital = word[0].isupper() and not word.isdigit()
        acronym = len(word) > 1 and word.isupper()
        if capital and (i > 0 or acronym):
            run.append(word)
            continue
        if run:
            found.add(fold(" ".join(run)))
        run = []
    if run:
        found.add(fold(" ".join(run)))
    return found


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of the sentences of ``text``, trimmed of whitespace and leading bullets.

    ``text[start:end]`` is always an exact substring, so quotes made from
    these spans can be checked by slicing the document.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for boundary in [*SENTENCE_END_RE.finditer(text), None]:
        end = boundary.start() if boundary else len(text)
        start = pos
        while start < end and (text[start].isspace() or text[start] in "-•+*"):
            start += 1
        stop = end
        while stop > start and text[stop - 1].isspace():
            stop -= 1
        if stop > start and LETTER_RE.search(text[start:stop]):  # "6." alone (a heading number) is no sentence
            spans.append((start, stop))
        pos = boundary.end() if boundary else len(text)
    return spans


ANSWER_END_RE = re.compile(r"[.!?](?:\s*\[\d+(?:\s*,\s*\d+)*\])*(?=\s|$)")


def split_answer(answer: str) -> list[str]:
    """Sentences of a generated answer; markers written after the full stop stay with their sentence."""
    pieces, pos = [], 0
    text = answer.strip()
    for match in ANSWER_END_RE.finditer(text):
        pieces.append(text[pos : match.end()])
        pos = match.end()
    pieces.append(text[pos:])
    return [p.strip() for p in pieces if p.strip()]


def markers_of(sentence: str) -> list[int]:
    """The passage numbers a sentence cites, in order, without repeats."""
    seen: list[int] = []
    for group in MARKER_RE.findall(sentence):
        for part in group.split(","):
            n = int(part)
            if n not in seen:
                seen.append(n)
    return seen


def strip_markers(sentence: str) -> str:
    """The sentence without its ``[n]`` markers."""
    return re.sub(r"\s+([.!?;,])", r"\1", MARKER_RE.sub("", sentence)).strip()


def support(sentence: str, passage: str) -> float:
    """Share of the sentence's content words that occur in the passage (0 when it has none)."""
    words = content_words(sentence)
    if not words:
        return 0.0
    vocab = set(WORD_RE.findall(fold(passage)))
    return sum(w in vocab for w in words) / len(words)


def unsupported_facts(sentence: str, passages: list[str]) -> list[str]:
    """Figures and names of the sentence found in none of the passages (the reason to drop it)."""
    joined = "\n".join(passages)
    have_numbers = numbers_in(joined)
    folded = re.sub(r"\s+", " ", fold(joined))
    missing = [n for n in sorted(numbers_in(sentence)) if n not in have_numbers]
    missing += [e for e in sorted(entities_in(sentence)) if not has_phrase(folded, e)]
    return missing


@dataclass
class CheckedSentence:
    """One answer sentence after validation."""

    text: str
    """The sentence without markers."""
    markers: list[int] = field(default_factory=list)
    """Markers kept (each points at a passage that supports the sentence)."""
    dropped_markers: list[int] = field(default_factory=list)
    ok: bool = True
    reason: str = ""


def check_sentence(sentence: str, sources: Mapping[int, str], min_support: float) -> CheckedSentence:
    """Validate one sentence against the passages it cites (see the module docstring for the rules)."""
    text = strip_markers(sentence)
    wanted = markers_of(sentence)
    kept = [n for n in wanted if n in sources and support(text, sources[n]) >= min_support]
    result = CheckedSentence(text=text, markers=kept, dropped_markers=[n for n in wanted if n not in kept])
    if not wanted:
        result.ok, result.reason = False, "không có trích dẫn"
    elif not kept:
        result.ok, result.reason = False, f"trích dẫn {wanted} không hỗ trợ câu này"
    else:
        missing = unsupported_facts(text, [sources[n] for n in kept])
        if missing:
            result.ok, result.reason = False, "số liệu/tên không có trong nguồn: " + ", ".join(missing)
    return result


def validate_answer(answer: str, sources: Mapping[int, str], min_support: float = 0.5) -> list[CheckedSentence]:
    """Check every sentence of ``answer``; ``sources`` maps marker number → passage text."""
    return [check_sentence(s, sources, min_support) for s in split_answer(answer)]


def best_quote(sentence: str, passage: str) -> tuple[int, int]:
    """Span (in ``passage``) of the passage sentence that best supports ``sentence``.

    Scored by shared content words, then shared figures, so the quote shown to
    the reader is the one that actually contains the cited fact.
    """
    spans = sentence_spans(passage) or [(0, len(passage))]
    words = set(content_words(sentence))
    numbers = numbers_in(sentence)

    def score(span: tuple[int, int]) -> tuple[float, int, int]:
        piece = passage[span[0] : span[1]]
        shared = len(words & set(content_words(piece)))
        return (len(numbers & numbers_in(piece)), shared, -(span[1] - span[0]))

    return max(spans, key=score)
