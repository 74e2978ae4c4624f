"""Citation validation: every sentence troly says must be backed by what it cites.

A generator (extractive or an LLM) returns text whose sentences carry ``[n]``
markers pointing at retrieved passages. LLMs invent figures, names and
citations, so nothing is trusted: a sentence survives only when

* it carries at least one marker that points at a retrieved passage whose text
  supports it (enough of the sentence's content words appear in that passage,
  compared without diacritics so "giai ngan" matches "giải ngân"), and
* every number, percentage or date and every capitalised name in it appears in
  one of the passages it (still) cites;
* it says what the passage says, not its opposite: a phrase the passage negates
  ("chưa đạt mục tiêu") is not stated as achieved ("đã đạt mục tiêu"), and a
  figure keeps the indicator the passage gives it (against "… đạt 6,42%, chưa
  đạt mục tiêu (7,5%)", "đạt 7,5%" fails: 7,5% is the target not reached).

Markers that point nowhere or at an unrelated passage are removed; a sentence
left without markers is dropped. The caller refuses when nothing survives.
This module also finds the exact sentence of a passage that supports an
answer sentence, so a citation can quote it with offsets into the document.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ingest.normalize import fold, fold_tokens
from ingest.sentences import sentence_spans
from ingest.wordlists import ABBREVIATIONS, STOPWORDS

MARKER_RE = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
"""``[3]`` or ``[1, 2]`` (with the whitespace before it, so removal leaves clean text)."""

NUMBER_RE = re.compile(r"\d+(?:[.,/]\d+)*(?:\s?%)?")
"""6,42% · 1.500 · 01/7/2025 · 7,5 · 100 % – figures as Vietnamese writes them."""

WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
LETTER_RE = re.compile(r"[^\W\d_]", re.UNICODE)

# Dates written in words become the slash form before figures are compared (on folded text, so
# "ngày 15 tháng 3 năm 2025", "ngay 15 thang 3 nam 2025" and "15/03/2025" all read "15/3/2025").
_DAY_MONTH_YEAR = re.compile(r"\bngay (\d{1,2}) thang (\d{1,2}) nam (\d{4})\b")
_MONTH_YEAR = re.compile(r"\bthang (\d{1,2}) nam (\d{4})\b")
_DAY_MONTH = re.compile(r"\bngay (\d{1,2}) thang (\d{1,2})\b")

_OPENERS = "([{\"“‘'"
_CLOSERS = ",;:)]}\"”’'!?…"


def has_phrase(folded_text: str, folded_phrase: str) -> bool:
    """Whole-word occurrence of a folded phrase in folded text ("ban" must not match inside "bang")."""
    return _phrase_pattern(folded_phrase).search(folded_text) is not None


@functools.lru_cache(maxsize=1 << 13)
def _phrase_pattern(folded_phrase: str) -> re.Pattern[str]:
    """The whole-word pattern of a phrase, compiled once (an answer tests the same phrases on many sentences)."""
    return re.compile(r"(?<!\w)" + re.escape(folded_phrase) + r"(?!\w)")


NEGATIONS = frozenset({"khong", "chua", "chang", "cha"})
"""Folded negators ("không", "chưa", "chẳng", "chả"): they turn what follows around, so they are content words of a
sentence, never stop words ("chưa đạt" and "đạt" are opposite claims)."""
_NOT_NEGATING = frozenset({"chi", "gian", "khi", "ngung", "it", "nhung", "nhieu", "lau"})
"""Syllables after "không"/"chưa" that make a word or idiom, not a negation: "không chỉ … mà còn", "không gian",
"không khí", "không ngừng", "chưa lâu"."""
_NEGATION_CARRIERS = frozenset({"duoc", "co", "the", "phai", "con", "he", "bao", "kip"})
"""Syllables after a negator that pass it on to the next one ("chưa được triển khai", "không thể hoàn thành"): the
negation binds the verb right after them, not the nouns that follow ("chưa đạt mục tiêu": only đạt is negated)."""
_CONTENT_STOP = STOPWORDS - NEGATIONS


def content_words(text: str) -> list[str]:
    """Folded syllables of ``text`` without markers, numbers or stop words (the words that must be supported);
    negators are kept (see :data:`NEGATIONS`)."""
    plain = MARKER_RE.sub(" ", text)
    return [w for w in WORD_RE.findall(fold(plain)) if not w.isdigit() and w not in _CONTENT_STOP]


def normalize_number(raw: str) -> str:
    """Canonical form of a figure: no inner spaces, no leading zeros in integer parts ("02" → "2", "01/7" → "1/7")."""
    compact = raw.replace(" ", "")
    return re.sub(r"(?<![\d.,])0+(?=\d)", "", compact)


def _dates_as_slashes(folded: str) -> str:
    """Rewrite dates written in words into the slash form ("ngay 15 thang 3 nam 2025" → "15/3/2025")."""
    folded = _DAY_MONTH_YEAR.sub(r"\1/\2/\3", folded)
    folded = _MONTH_YEAR.sub(r"\1/\2", folded)
    return _DAY_MONTH.sub(r"\1/\2", folded)


def numbers_in(text: str) -> set[str]:
    """Every figure in ``text`` (markers excluded), canonicalised; dates in any written form meet:
    "15/03/2025", "15/3/2025" and "ngày 15 tháng 3 năm 2025" all give "15/3/2025"."""
    plain = _dates_as_slashes(fold(MARKER_RE.sub(" ", text)))
    return {normalize_number(m.group()) for m in NUMBER_RE.finditer(plain)}


def date_parts(figures: set[str]) -> set[str]:
    """Figures plus the month/year and year of every full date: a passage dated "15/3/2025" also supports
    "tháng 3/2025" and "năm 2025"."""
    parts = set(figures)
    for figure in figures:
        pieces = figure.split("/")
        if len(pieces) == 3 and len(pieces[2]) == 4:
            parts |= {f"{pieces[1]}/{pieces[2]}", pieces[2]}
        elif len(pieces) == 2 and len(pieces[1]) == 4:
            parts.add(pieces[1])
    return parts


def _is_abbreviation(word: str) -> bool:
    """ "TP.", "TT." : a short capitalised abbreviation whose dot does not end the sentence."""
    core = word.rstrip(".")
    return word.endswith(".") and 1 <= len(core) <= 4 and core.isalpha() and core[0].isupper()


def _is_capitalised(word: str) -> bool:
    """A name-like word: starts with a capital ("Bộ"), or is a code mixing digits and capitals ("36-NQ/TW")."""
    first = next((c for c in word if c.isalnum()), "")
    if not first:
        return False
    if first.isdigit():
        return any(c.isupper() for c in word)
    return first.isupper()


def _name_words(text: str) -> list[tuple[str, bool, bool]]:
    """(word, starts a new run, ends its run) for each whitespace word: punctuation breaks names apart."""
    out = []
    for raw in text.split():
        word = raw.strip(_OPENERS + _CLOSERS)
        if not word:
            out.append(("", True, True))
            continue
        starts = raw[0] in _OPENERS
        ends = raw[-1] in _CLOSERS or (raw.endswith(".") and not _is_abbreviation(word))
        out.append((word, starts, ends))
    return out


def entities_in(text: str) -> set[str]:
    """Capitalised names and codes in ``text`` as space-joined :func:`fold_tokens` ("36-NQ/TW" → "36-nq/tw").

    A name is a run of capitalised words; punctuation ends it, so "Ban Bí thư, Bộ Chính trị" gives two names
    ("bi thu" is not read as part of "bo chinh tri"). The sentence's first word is skipped (every sentence
    starts with a capital) unless it is an acronym or a code.
    """
    found: set[str] = set()
    run: list[str] = []

    def close() -> None:
        if run:
            found.add(" ".join(t for word in run for t in name_tokens(word)))
        run.clear()

    for i, (word, starts, ends) in enumerate(_name_words(MARKER_RE.sub(" ", text))):
        if starts:
            close()
        acronym = len(word) > 1 and word.rstrip(".").isupper() and any(c.isalpha() for c in word)
        code = any(c.isdigit() for c in word) and _is_capitalised(word)
        if _is_capitalised(word) and (i > 0 or acronym or code):
            run.append(word)
        else:
            close()
        if ends:
            close()
    close()
    found.discard("")
    return found


def name_tokens(text: str) -> list[str]:
    """:func:`fold_tokens` without abbreviation dots, so "TP. Hồ Chí Minh" meets "TP.Hồ Chí Minh"."""
    return list(_name_tokens(text))


@functools.lru_cache(maxsize=1 << 12)
def _name_tokens(text: str) -> tuple[str, ...]:
    """Kept for the passages and titles of the last questions: one answer reads each of them for every sentence."""
    return tuple(t.rstrip(".") for t in fold_tokens(text) if t.rstrip("."))


def has_tokens(haystack: list[str], needle: list[str]) -> bool:
    """Whether ``needle`` occurs as consecutive tokens of ``haystack`` (codes compare whole: "36-nq/tw")."""
    n = len(needle)
    if n == 0:
        return False
    first = needle[0]
    return any(haystack[i : i + n] == needle for i, t in enumerate(haystack) if t == first)


ANSWER_END_RE = re.compile(r"[.!?](?:\s*\[\d+(?:\s*,\s*\d+)*\])*(?=\s|$)")


def split_answer(answer: str) -> list[str]:
    """Sentences of a generated answer; markers written after the full stop stay with their sentence."""
    pieces, pos = [], 0
    text = answer.strip()
    for match in ANSWER_END_RE.finditer(text):
        before = text[pos : match.start()].rsplit(None, 1)
        if text[match.start()] == "." and before and before[-1] in ABBREVIATIONS:
            continue  # "TP. Hồ Chí Minh": the dot of an abbreviation ends nothing
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
    have_numbers = date_parts(numbers_in(joined))
    tokens = name_tokens(joined)
    missing = [n for n in sorted(numbers_in(sentence)) if n not in have_numbers]
    missing += [e for e in sorted(entities_in(sentence)) if not has_tokens(tokens, e.split(" "))]
    return missing


_CLAUSE_TOKEN = re.compile(
    r"\w*\d\w*(?:[-/&.]\w+)*[-/&.]\w*[^\W\d_]\w*(?:[-/&.]\w+)*"  # a document code: 103-SL/L.005, 57-NQ/TW
    r"|\d+(?:[.,/]\d+)*(?:\s?%)?|[^\W\d_]+|[,;.:!?()\n]"
)
_CLAUSE_END = frozenset(",;.:!?\n")


@dataclass(frozen=True)
class _Token:
    text: str
    negated: bool
    clause: int
    """Index of the clause (text between commas, semicolons, full stops) the token sits in."""


def _polar_tokens(text: str) -> list[_Token]:
    """Folded words and figures of ``text`` (negators left out) with whether a negator governs them ("chưa đạt mục
    tiêu": đạt is negated) and their clause. A decimal comma ("6,42") stays inside its figure."""
    plain = _dates_as_slashes(fold(MARKER_RE.sub(" ", text)))
    out: list[_Token] = []
    clause, negating = 0, False
    for match in _CLAUSE_TOKEN.finditer(plain):
        word = match.group()
        if word in _CLAUSE_END:
            clause, negating = clause + 1, False
            continue
        if word in "()":
            continue
        if word in NEGATIONS:
            following = plain[match.end() :].split(None, 1)
            negating = not (following and following[0].strip(",.;:") in _NOT_NEGATING)
            continue
        out.append(_Token(word, negating, clause))
        negating = negating and word in _NEGATION_CARRIERS
    return out


def _is_measure(figure: str) -> bool:
    """A figure that measures an indicator (6,42% · 1.500 · 75): not a date, a month, a year or a code part."""
    return "/" not in figure and not re.fullmatch(r"(?:19|20)\d\d", figure) and not any(c.isalpha() for c in figure)


def _phrases(tokens: list[_Token]) -> dict[tuple[str, str], set[bool]]:
    """Adjacent content-word pairs of one clause, with the polarities each is written in (negated when either
    word is)."""
    words = [t for t in tokens if not t.text[0].isdigit() and t.text not in STOPWORDS]
    found: dict[tuple[str, str], set[bool]] = {}
    for a, b in itertools.pairwise(words):
        if a.clause == b.clause:
            found.setdefault((a.text, b.text), set()).add(a.negated or b.negated)
    return found


_FIGURE_CONTEXT = 4
"""Content words before a figure in the answer that say what it measures ("tăng trưởng kinh tế … đạt 6,42%")."""
_SOURCE_CONTEXT = 8
"""Content words around a figure in the passage that may say what it measures (labels sit farther away there)."""


def _figure_contexts(tokens: list[_Token], before: int, after: int = 0) -> dict[str, list[set[tuple[str, bool]]]]:
    """For every measuring figure, the (word, negated) pairs of its clause around it, one set per occurrence."""
    found: dict[str, list[set[tuple[str, bool]]]] = {}
    for i, token in enumerate(tokens):
        if not token.text[0].isdigit() or not _is_measure(normalize_number(token.text)):
            continue
        before_it = tokens[i - 1] if i else None
        if before_it is not None and "/" in before_it.text and before_it.text[-1].isalpha():
            continue  # "Luật số 73/2006/QH 11": the code's own number, written apart, measures nothing

        def words(span: list[_Token], clause: int = token.clause) -> list[_Token]:
            return [t for t in span if t.clause == clause and not t.text[0].isdigit() and t.text not in _CONTENT_STOP]

        left = words(tokens[max(0, i - 3 * before) : i])[-before:] if before else []
        right = words(tokens[i + 1 : i + 1 + 3 * after])[:after]
        found.setdefault(normalize_number(token.text), []).append({(t.text, t.negated) for t in left + right})
    return found


def contradictions(sentence: str, passages: list[str]) -> list[str]:
    """What ``sentence`` states against the passages: a phrase they write only negated, stated plainly (or the
    reverse), and a figure put to an indicator they do not give it. Empty when nothing contradicts."""
    mine = _polar_tokens(sentence)
    theirs = [_polar_tokens(p) for p in passages]
    written: dict[tuple[str, str], set[bool]] = {}
    for tokens in theirs:
        for pair, polarities in _phrases(tokens).items():
            written.setdefault(pair, set()).update(polarities)
    found = [
        f"{'không ' if negated else ''}{' '.join(pair)}"
        for pair, polarities in _phrases(mine).items()
        for negated in polarities
        if pair in written and negated not in written[pair]
    ]
    sources: dict[str, list[set[tuple[str, bool]]]] = {}
    for tokens in theirs:
        for figure, contexts in _figure_contexts(tokens, _SOURCE_CONTEXT, 2).items():
            sources.setdefault(figure, []).extend(contexts)
    for figure, contexts in _figure_contexts(mine, _FIGURE_CONTEXT).items():
        for context in contexts:
            if context and sources.get(figure) and not any(_same_indicator(context, s) for s in sources[figure]):
                found.append(figure)
    return list(dict.fromkeys(found))


def _same_indicator(answer_side: set[tuple[str, bool]], source_side: set[tuple[str, bool]]) -> bool:
    """The words that say what a figure measures agree: no word in opposite polarity, and half of the shorter
    side's words shared (a passage labels "7,5%" as "chưa đạt mục tiêu", an answer "mục tiêu … 7,5%")."""
    if not source_side:
        return True
    words = {w for w, _ in source_side}
    if any((w, not negated) in source_side and (w, negated) not in source_side for w, negated in answer_side):
        return False
    shared = sum(w in words for w, _ in answer_side)
    return shared >= 0.5 * min(len(answer_side), len(words))


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
        against = contradictions(text, [sources[n] for n in kept]) if not missing else []
        if missing:
            result.ok, result.reason = False, "số liệu/tên không có trong nguồn: " + ", ".join(missing)
        elif against:
            result.ok, result.reason = False, "nói ngược với nguồn: " + ", ".join(against)
    return result


def validate_answer(answer: str, sources: Mapping[int, str], min_support: float = 0.5) -> list[CheckedSentence]:
    """Check every sentence of ``answer``; ``sources`` maps marker number → passage text."""
    return [check_sentence(s, sources, min_support) for s in _quoted_whole(split_answer(answer), sources)]


def _quoted_whole(pieces: list[str], sources: Mapping[int, str]) -> list[str]:
    """Pieces without a marker joined to the cited piece after them when the two together are written, word for
    word, in a passage that piece cites: a quoted sentence holding "John C. Messenger" or "(…). Trong khi …" is split
    by the full stops inside it, and its first pieces would be dropped as uncited. A piece that is not part of such a
    quote stays apart, and is dropped as uncited."""
    flat = {n: "".join(text.split()) for n, text in sources.items()}
    joined: list[str] = []
    waiting: list[str] = []
    for piece in pieces:
        markers = markers_of(piece)
        if not markers:
            waiting.append(piece)
            continue
        cited = [flat.get(n, "") for n in markers]
        # the most pieces before it that, with it, are one quote: "Bản dịch rất nổi tiếng." (the writer's own)
        # stays apart from "Maria C. Tiddeman sáng tác năm 1875 [1]." (the passage's)
        cut = next((i for i in range(len(waiting)) if _quoted(" ".join([*waiting[i:], piece]), cited)), len(waiting))
        joined.extend(waiting[:cut])
        joined.append(" ".join([*waiting[cut:], piece]))
        waiting = []
    return joined + waiting


def _quoted(text: str, passages: Sequence[str]) -> bool:
    """Whether ``text`` (its markers dropped) is written in one of ``passages`` (given without whitespace): spaces
    are not compared ("v.v ..." is "v.v...")."""
    said = "".join(MARKER_RE.sub("", text).split()).rstrip(".")
    return any(said in passage for passage in passages)


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
