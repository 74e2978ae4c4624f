"""The default generator: answers with the documents' own sentences, each cited.

It needs no language model, so it runs on any office PC and cannot invent a
figure. For every sentence of the retrieved passages it combines

* how many of the question's key terms (and term pairs) it contains,
  compared without diacritics;
* its embedding similarity to the question (only the few best lexical
  candidates are embedded, to stay inside the latency budget; the embedding
  cache makes repeats free);
* whether it holds what the question asks for (rag/query_understanding.py):
  a figure for "bao nhiêu / mấy", a date for "ngày nào / khi nào", names for
  "đơn vị nào / ai";
* the passage's retrieval rank,

then keeps the best sentence plus close runners-up, in document order.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ingest.normalize import fold, spell_out
from ingest.sentences import LIST_ITEM, NUMBER_LABEL, sentence_spans, with_item_lead
from ingest.wordlists import HINTS_FIGURE, QUESTION_SYLLABLES, STOPWORDS
from rag.citations import WORD_RE, entities_in, has_phrase, name_tokens, numbers_in
from rag.generators.base import Generator
from rag.query_understanding import Ask, asks_for, gives, number_matches, numbers_named, reference_words, who_found

if TYPE_CHECKING:
    from ingest.model import Chunk
    from rag.protocols import Embedder
    from rag.retrieval import Hit
    from rag.settings import Settings

_HINTS_FIGURE = re.compile("|".join(HINTS_FIGURE))
LABEL_RE = re.compile(r"^(?:[-•+*]\s*)?(?:(?:Thực trạng|Vấn đề thảo luận)\s*:\s*)?")
"""A leading bullet and the topic guide's situation/discussion labels (the citation shows the section)."""


def key_terms(question: str) -> list[str]:
    """Folded content syllables of the question (numbers included: "chuyên đề 4"), without question words."""
    words = WORD_RE.findall(fold(spell_out(question)))
    return [w for w in words if w not in QUESTION_SYLLABLES and w not in STOPWORDS]


def _any_phrase(text: str, phrases: Sequence[str]) -> bool:
    return any(has_phrase(text, p) for p in phrases)


def term_pairs(question: str) -> list[str]:
    """Adjacent key-syllable pairs ("tang truong", "giai ngan"): they carry Vietnamese compound words."""
    keep = set(key_terms(question))
    words = WORD_RE.findall(fold(spell_out(question)))
    # a pair with one function syllable still names a compound ("quá hạn", "trong hạn")
    return [
        f"{a} {b}"
        for a, b in itertools.pairwise(words)
        if (a in keep or b in keep) and a not in QUESTION_SYLLABLES and b not in QUESTION_SYLLABLES
    ]


_DEFINITION_ASKED = re.compile(r"^(?:theo [^,]+,\s*)?(.+?)\s+(?:la gi|duoc hieu (?:la|nhu the nao))\s*\??$")
_QUOTED_TERM = re.compile(r"[\"“'‘]([^\"“”'‘’]{1,60})[\"”'’]\s+(?:la gi|duoc hieu (?:la|nhu the nao))\s*\??$")
_QUOTES = "\"“”'‘’"


def defined_term(question: str) -> str:
    """The term a "X là gì?" question asks to define, folded ("Theo Luật …, giới tính là gì?" → "gioi tinh"); a term
    in quotes is the term, whatever comes before it ("Trong Luật Khiếu nại, tố cáo, "tố cáo" được hiểu như thế
    nào?" → "to cao")."""
    folded = fold(question).strip()
    quoted = _QUOTED_TERM.search(folded)
    if quoted:
        return quoted.group(1).strip()
    match = _DEFINITION_ASKED.match(folded)
    return match.group(1) if match and len(match.group(1).split()) <= 6 else ""


def defines(term: str, sentence: str) -> bool:
    """Whether ``sentence`` is the definition of ``term`` (folded): it opens, after its item label and any quotes,
    with the term and "là", "chỉ" or "được hiểu là" ("2- "Tố cáo" là việc …", "a) Giới tính chỉ …")."""
    opening = NUMBER_LABEL.sub("", fold(LABEL_RE.sub("", sentence)).strip())
    item = LIST_ITEM.match(opening)
    opening = opening[item.end() if item else 0 :].lstrip(_QUOTES)
    return re.match(rf"{re.escape(term)}[{_QUOTES}]?\s+(?:la|chi|duoc hieu la)\b", opening) is not None


def rarity(present_in: int, n: int) -> float:
    """IDF of a term over the candidate sentences (never zero: a term in every sentence still counts a little)."""
    return math.log(1 + (n + 1) / (present_in + 0.5))


MAX_LIST_ITEMS = 8
"""Most items of a list kept after a chosen sentence that introduces it."""


def _list_items(chosen: Sequence[Candidate], cands: Sequence[Candidate]) -> list[Candidate]:
    """The items of the lists the chosen sentences introduce ("… bao gồm:" → "a) Ngân sách nhà nước;", "b) …"):
    the sentence alone names the list, its items answer."""
    picked = {id(c) for c in chosen}
    extra: list[Candidate] = []
    for lead in chosen:
        if not lead.text.rstrip().endswith(":"):
            continue
        after = sorted((c for c in cands if c.n == lead.n and c.abs_start > lead.abs_start), key=lambda c: c.abs_start)
        for cand in after[:MAX_LIST_ITEMS]:
            if not LIST_ITEM.match(cand.text):
                break
            if id(cand) not in picked:
                picked.add(id(cand))
                extra.append(cand)
    return extra


def _opening_naming(question: str, ask: Ask, item: Candidate, cands: Sequence[Candidate]) -> Candidate | None:
    """The sentence opening the list ``item`` belongs to, when the question asks who and only that opening names
    them ("Người tiếp công dân có trách nhiệm:" before "2- Hướng dẫn công dân …"): the answer opens with it."""
    if not {"person", "body"} & ask.wants or gives(ask, item.text, question, "", item.title):
        return None
    if not gives(ask, item.text, question, item.heading, item.title):
        return None
    before = [
        c
        for c in cands
        if c.doc_id == item.doc_id
        and c.abs_start < item.abs_start
        and c.text.rstrip().endswith(":")
        and c.text.strip() in item.heading
    ]  # the opening may be in the passage before the item's (``Hit.opening``)
    return max(before, key=lambda c: c.abs_start, default=None)


def heading_context(chunk: Chunk) -> str:
    """Where a passage sits ("chuyên đề 4 Đột phá chuyển đổi số …", "II. Phân công nhiệm vụ › 2. …"), folded:
    its sentences inherit these words."""
    topic = f"chuyen de {chunk.topic} " if chunk.topic is not None else ""
    path = chunk.heading_path if chunk.heading_path != chunk.section else ""
    return fold(spell_out(f"{topic}{chunk.topic_title} {chunk.section} {path}"))


def asked_figure(question: str, sentence: str) -> bool:
    """The sentence holds a figure the question does not already contain (the likely answer to "bao nhiêu")."""
    return bool(numbers_in(sentence) - numbers_in(question))


@dataclass
class Candidate:
    """One sentence of one retrieved passage."""

    n: int
    """1-based position of the passage in the hits."""
    start: int
    end: int
    """Offsets inside the passage text."""
    text: str
    abs_start: int
    """Offset in the document (for ordering and de-duplication of overlapping chunks)."""
    doc_id: str
    context: str = ""
    """Folded heading words of the passage (topic number and title, section)."""
    heading: str = ""
    """The passage's heading path as written, and the opening sentence of the sentence's list item when it is a
    later one (names a sentence leaves to its heading or its item's opening are read there)."""
    title: str = ""
    """The passage's document title."""
    before: str = ""
    """The sentence before it in the same paragraph, folded ("Nó cũng được biết đến với cái tên plastome" is about
    what the sentence before names)."""
    lexical: float = 0.0
    score: float = 0.0


def clean_sentence(text: str) -> str:
    """One line, capitalised, ending with a full stop: how the sentence reads in the answer. A numbered item's label
    ("8. Văn phòng Trung ương Đảng hướng dẫn …") numbers the document's list, not the answer's."""
    line = re.sub(r"\s+", " ", NUMBER_LABEL.sub("", LABEL_RE.sub("", text))).strip().rstrip(";,")
    if not re.match(r"[a-zđ]\)", line):  # a list item keeps its letter: "a) Ngân sách nhà nước"
        line = line[:1].upper() + line[1:]
    return line if line[-1:] in ".!?" else line + "."


def with_marker(sentence: str, *numbers: int) -> str:
    """Put ``[n]`` markers before the final punctuation: "… 6,42% [1]."."""
    marks = "".join(f"[{n}]" for n in numbers)
    if sentence[-1:] in ".!?":
        return f"{sentence[:-1]} {marks}{sentence[-1]}"
    return f"{sentence} {marks}"


class ExtractiveGenerator(Generator):
    """Selects and orders the passages' own sentences (see module docstring)."""

    name = "extractive"

    def __init__(self, settings: Settings, embeddings: Embedder | None = None) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self.max_sentences = settings.answer_max_sentences

    def candidates(self, hits: Sequence[Hit]) -> list[Candidate]:
        """Every distinct sentence of the hits (overlapping chunks repeat sentences; keep the first)."""
        seen: set[tuple[str, int]] = set()
        found: list[Candidate] = []
        for n, hit in enumerate(hits, start=1):
            chunk = hit.chunk
            spans = sentence_spans(chunk.text)
            path = " › ".join(p for p in (chunk.section, chunk.heading_path) if p)
            for i, (start, end) in enumerate(spans):
                key = (chunk.doc_id, chunk.start + start)
                if key in seen:
                    continue
                seen.add(key)
                text = chunk.text[start:end]
                prev = spans[i - 1] if i else None  # the sentence before, when no line break parts them
                before = fold(chunk.text[prev[0] : prev[1]]) if prev and "\n" not in chunk.text[prev[1] : start] else ""
                found.append(
                    Candidate(
                        n,
                        start,
                        end,
                        text,
                        chunk.start + start,
                        chunk.doc_id,
                        heading_context(chunk),
                        with_item_lead(path, chunk.text, spans, start, hit.opening),
                        chunk.doc_title,
                        before,
                    )
                )
        return found

    def _lexical(self, question: str, cands: list[Candidate]) -> None:
        """Key-term and key-pair overlap, each term weighted by its rarity among the candidate sentences: "quá
        hạn" found in one sentence names what "bao nhiêu nhiệm vụ … quá hạn" asks better than "nhiệm vụ" found
        in all of them."""
        terms, pairs = set(key_terms(question)), term_pairs(question)
        ask = asks_for(question)
        named, naming = numbers_named(question), reference_words(question)
        # a syllable of a compound the question writes counts where the compound is written: "ban" of "ban hành"
        # is not the "ban" of "Ủy ban", "nghị" of "đề nghị" not that of "Nghị quyết"
        compounds = {t: [p for p in pairs if t in p.split()] for t in terms}

        def words_of(text: str, within: str) -> set[str]:
            return {w for w in WORD_RE.findall(text) if not compounds.get(w) or _any_phrase(within, compounds[w])}

        title_words: dict[str, set[str]] = {}
        seen = []
        for cand in cands:
            folded = fold(spell_out(cand.text))
            words = words_of(folded, folded)
            # the heading's words, and those of the sentence before ("Nó …" is about what it names), count half
            around = words_of(cand.context, f"{cand.context} | {folded}") | words_of(cand.before, cand.before)
            # the document's title speaks for every sentence in it, at half weight: "… bầu cử đại biểu Hội đồng
            # nhân dân" of a law's title does not make its sentence naming "Hội đồng nhân dân" the better answer
            if cand.title not in title_words:
                title = fold(spell_out(cand.title))
                title_words[cand.title] = words_of(title, title)
            around |= title_words[cand.title]
            if named and any(number_matches(token, named) for token in name_tokens(cand.title)):
                # every sentence of the document the question names by number ("Quyết định 2820 …") is of it:
                # the one that repeats "Quyết định số 2820" is no better an answer
                words |= naming
            seen.append((folded, words, around - words))
        n = len(cands)
        weight = {t: rarity(sum(t in w or t in a for _, w, a in seen), n) for t in terms}
        both = [f"{c.context} | {f}" for c, (f, _, _) in zip(cands, seen, strict=True)]
        pair_weight = {p: rarity(sum(has_phrase(b, p) for b in both), n) for p in pairs}
        # math.fsum: exact whatever the order, and a set's order changes from run to run (string hashing), so a
        # plain sum could rank two tied sentences either way
        term_total, pair_total = math.fsum(weight.values()), math.fsum(pair_weight.values())
        for cand, (_, words, around), text in zip(cands, seen, both, strict=True):
            # A word found only in the heading counts half: it places the sentence but is not in it.
            found = math.fsum(weight[t] for t in terms & words) + 0.5 * math.fsum(weight[t] for t in terms & around)
            unigram = found / term_total if term_total else 0.0
            bigram = sum(pair_weight[p] for p in pairs if has_phrase(text, p)) / pair_total if pair_total else 0.0
            cand.lexical = 0.55 * unigram + 0.3 * bigram + self._bonus(question, ask, cand.text) + 0.05 / cand.n

    @staticmethod
    def _bonus(question: str, ask: Ask, sentence: str) -> float:
        """A sentence that holds what the question asks for (a new figure, a date, names) ranks higher."""
        bonus = 0.0
        if ("figure" in ask or _HINTS_FIGURE.search(fold(question))) and asked_figure(question, sentence):
            bonus += 0.15
        if "date" in ask and gives(Ask(frozenset({"date"})), sentence, question):
            bonus += 0.15
        if ("body" in ask or "person" in ask) and len(entities_in(sentence)) >= 2:
            bonus += 0.15
        if "person" in ask:  # "Ai …": a name first, then an office ("Bộ trưởng Bộ Nội vụ"), then a body
            bonus += {"person": 0.06, "office": 0.04, "body": 0.02}.get(who_found(sentence, question), 0.0)
        verb = re.search(r"(\w+) bao nhieu\b", fold(question))
        if verb and "figure" in ask and re.search(rf"\b{verb.group(1)} (?:\w+ ){{0,2}}\d", fold(sentence)):
            bonus += 0.1  # "… đạt bao nhiêu": "chỉ đạt 75%" answers it, "để đạt mục tiêu tăng trưởng 10%" less so
        term = defined_term(question)
        if term and defines(term, sentence):
            bonus += 0.4  # "Giới tính chỉ các đặc điểm sinh học …" defines what "giới tính là gì?" asks
        return bonus

    def _semantic(self, question: str, cands: list[Candidate]) -> None:
        """Add embedding similarity for the best lexical candidates only (latency budget)."""
        for cand in cands:
            cand.score = cand.lexical
        if self.embeddings is None or not cands:
            return
        top = sorted(cands, key=lambda c: -c.lexical)[: self.settings.answer_embed_sentences]
        query = np.asarray(self.embeddings.embed_query(question), dtype=np.float32)
        matrix = self.embeddings.embed_documents_array([c.text for c in top])
        sims = matrix @ query
        for cand, sim in zip(top, sims, strict=True):
            # e5 cosines sit in a narrow band (~0.7–0.9); stretch it to 0–1.
            cand.score = cand.lexical + 0.3 * float(np.clip((sim - 0.75) / 0.15, 0.0, 1.0))

    def select(self, question: str, hits: Sequence[Hit]) -> list[Candidate]:
        """The answer's sentences, in document order."""
        cands = self.candidates(hits)
        self._lexical(question, cands)
        self._semantic(question, cands)
        ranked = sorted(cands, key=lambda c: -c.score)
        ask = asks_for(question)
        if {"figure", "date", "place", "reference"} & ask.wants:
            # "bao nhiêu" / "ngày nào" / "ở đâu": only a sentence holding a figure / a date / a place can answer
            ranked = [c for c in ranked if gives(ask, c.text, question, c.heading, c.title)] or ranked
        if not ranked or ranked[0].score <= 0:
            return []
        floor = ranked[0].score * self.settings.answer_runner_up
        chosen = [c for c in ranked[: self.max_sentences] if c.score >= floor]
        self._complete(question, ranked, chosen)
        chosen += _list_items(chosen, cands)
        # The sentence that answers best opens the answer; the rest follow in document order (a list's items
        # stay after the sentence that introduces them).
        best = max(chosen, key=lambda c: c.score)
        if best.text.rstrip().endswith(":"):
            best = min(chosen, key=lambda c: (c.doc_id != best.doc_id, c.abs_start))
        top_doc = best.doc_id
        opening = _opening_naming(question, ask, best, cands)
        rest = sorted(
            (c for c in chosen if c is not best and c is not opening),
            key=lambda c: (c.doc_id != top_doc, c.doc_id, c.abs_start),
        )
        return [best, *rest] if opening is None else [opening, best, *rest]

    def _complete(self, question: str, ranked: list[Candidate], chosen: list[Candidate]) -> None:
        """Add sentences for parts of the question the chosen ones leave open ("thiệt hại bao nhiêu *và* tăng trưởng
        bao nhiêu"): a weaker sentence joins when it holds key terms no chosen sentence (or its heading) has."""
        terms = set(key_terms(question))

        def covered(cand: Candidate) -> set[str]:
            return terms & set(WORD_RE.findall(fold(spell_out(cand.text)) + " " + cand.context))

        have = set().union(*(covered(c) for c in chosen)) if chosen else set()
        floor = ranked[0].score * self.settings.answer_complement
        for cand in ranked:
            if len(chosen) >= self.max_sentences or cand.score < floor:
                break
            new = covered(cand) - have
            if cand not in chosen and len(new) >= 2:
                chosen.append(cand)
                have |= new

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[str]:
        for i, cand in enumerate(self.select(question, hits)):
            yield ("" if i == 0 else " ") + with_marker(clean_sentence(cand.text), cand.n)
