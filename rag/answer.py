"""Grounded answers: retrieve → decide answerable → generate → validate citations.

The pipeline is deliberately suspicious. It refuses before generating when
the best passages do not cover the question's key terms or are not close
enough in meaning (thresholds in Settings, tuned on the evaluation set), and
after generating it keeps only sentences whose citations really support them
(rag/citations.py). What survives is renumbered [1], [2], … and each citation
quotes the exact supporting sentence with its offsets in the normalized
document text, so ``document.text[start:end] == quote`` can always be checked.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.model import Citation
from ingest.normalize import fold, spell_out
from ingest.sentences import list_opening, opens_before, paragraph_lead, sentence_spans, with_item_lead
from ingest.wordlists import FRAME_WORDS, FUNCTION_TERMS, FUNCTION_TERMS_WRITTEN, QUESTION_PHRASES, RELATIVE_TIME
from rag.answerability import Features, load_calibration
from rag.citations import (
    CheckedSentence,
    best_quote,
    check_sentence,
    has_phrase,
    validate_answer,
)
from rag.diacritics import has_diacritics
from rag.generators.base import REFUSAL_TEXT, Generator, GeneratorUnavailable
from rag.generators.extractive import (
    ExtractiveGenerator,
    heading_context,
    rarity,
    with_marker,
)
from rag.hits import Hit
from rag.query_understanding import (
    Analysis,
    Ask,
    Part,
    analyse,
    asked_part_kind,
    asked_unit,
    asks_for,
    field_words,
    gives,
    kinds_of,
    names_absent,
    reference_words,
    who_found,
)
from rag.structured_answers import (
    Fact,
    asks_about_assignment,
    bodies_for_task,
    document_name,
    heading_facts,
    meta_fact,
    named_by_title,
    number_matches,
    numbers_named,
    part_facts,
    pick_document,
    subject_documents,
    table_facts,
    tasks_of_body,
)

if TYPE_CHECKING:
    from ingest.model import Chunk, Document
    from rag.protocols import Embedder, IndexReader, Searcher
    from rag.retrieval import SearchFilters
    from rag.settings import Settings

_MARKER = re.compile(r"\[(\d+)\]")
MISSING_PART = "Tài liệu không nêu"
"""How an answer opens the sentence naming a part of the question the documents do not answer."""


@dataclass
class Answer:
    """What troly says, with its sources; ``refused`` when the documents do not hold the answer."""

    question: str
    answer: str
    refused: bool
    reason: str = ""
    citations: list[Citation] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    latency_ms: float = 0.0
    generator: str = "extractive"
    notice: str = ""
    answerability: float | None = None
    """How well the best passage sentence gives what the question asks for (0–1; refused below
    ``answer_min_overlap``): the score the evaluation's refusal curve is drawn from."""
    features: Features | None = None
    """What the answerability decision read (for the evaluation that fits it); not sent to clients."""
    missing: list[str] = field(default_factory=list)
    """The parts of a several-part question the documents do not answer ("thời hạn hoàn thành"), in plain words;
    the answer gives the other parts and says these are missing."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (hits summarised by chunk id and score)."""
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "reason": self.reason,
            "citations": [asdict(c) for c in self.citations],
            "generator": self.generator,
            "notice": self.notice,
            "latency_ms": round(self.latency_ms, 1),
            "answerability": None if self.answerability is None else round(self.answerability, 4),
            "missing": list(self.missing),
            "hits": [{"chunk_id": h.chunk.chunk_id, "score": h.score} for h in self.hits],
        }


def question_terms(question: str) -> list[str]:
    """The question's key terms: folded words (compounds kept whole by underthesea), minus function words.

    Pass a question with tone marks (restore them first): word segmentation
    of unaccented text is unreliable.
    """
    return list(_question_terms(question))


@functools.lru_cache(maxsize=512)
def _question_terms(question: str) -> tuple[str, ...]:
    """:func:`question_terms`, segmented once per question (an answer reads them for its structured facts, its
    features and its coverage)."""
    from ingest.underthesea_tools import word_tokenize

    marked = has_diacritics(question)
    terms: list[str] = []
    for word in word_tokenize(question):
        folded = fold(word).strip()
        if not re.search(r"\w", folded) or word.lower() in QUESTION_PHRASES:
            continue
        function = word.lower() in FUNCTION_TERMS_WRITTEN if marked else folded in FUNCTION_TERMS
        if function or folded in FRAME_WORDS or folded in terms:
            continue
        terms.append(folded)
    return tuple(terms)


_TIME_BEFORE_NUMBER = re.compile(r"(?<!\w)(nam|thang|ngay|quy|giai doan) \d")


_NOUNS = frozenset({"N", "Np", "Ny", "Nb"})
"""underthesea tags of words that can name what a question is about (nouns, proper nouns, abbreviations, borrowed
nouns; not units "Nu" nor classifiers "Nc")."""


def subject_terms(question: str, terms: Sequence[str]) -> list[str]:
    """The terms of ``terms`` that name what the question is about: its nouns (underthesea's tagger; pass the
    question with tone marks), except the kind of answer it asks for ("những cơ quan nào", "thời điểm nào"), the
    unit of the figure it asks for ("bao nhiêu tỷ đồng"), a time word before a number ("năm 2025"), a piece of a
    document code ("383-QĐ/TW") and numbers. A sentence that holds too little of them (nor its heading) is about
    something else, however many of the other words it repeats: "Doanh thu xổ số điện toán năm 2025 là bao nhiêu
    tỷ đồng?" is not answered by "doanh thu bình quân một HTX khoảng 1,4 tỷ đồng/năm"."""
    from ingest.underthesea_tools import pos_tag

    tagged = [(fold(word), tag) for word, tag in pos_tag(question)]
    nouns = {
        word
        for i, (word, tag) in enumerate(tagged)
        if tag in _NOUNS and (i + 1 == len(tagged) or tagged[i + 1][0] not in ("nao", "gi"))
    }
    folded = fold(question)
    frame = {m.group(1) for m in _TIME_BEFORE_NUMBER.finditer(folded)} | RELATIVE_TIME
    unit = asked_unit(question)
    if unit is not None:
        frame.update([unit, *unit.split()])
    frame |= reference_words(question)  # "Quy định 383-QĐ/TW": which document to read, not what it is about
    return [
        t
        for t in terms
        if t in nouns
        and t not in frame
        and not set(re.split(r"[\s/-]+", t)) <= frame  # "qd-ubnd", "quyet dinh" of "Quyết định 2820/QĐ-UBND"
        and not re.fullmatch(r"[\d.,/%-]+", t)
    ]


def term_weight(term: str, present_in: int, n: int) -> float:
    """IDF over the retrieved sentences, times the term's length in syllables (a compound names a subject
    far more precisely than a syllable), halved for figures the question merely repeats ("năm 2025")."""
    idf = rarity(present_in, n)
    if term.replace(",", "").replace(".", "").isdigit():
        return 0.5 * idf
    return idf * len(term.split())


def comparable(text: str) -> str:
    """Folded one-line text with "%" spelled out, so "phần trăm" in a question meets "6,42%" in a document."""
    return fold(spell_out(text.replace("%", " phần trăm ")))


def term_weights(terms: Sequence[str], folded_texts: Sequence[str]) -> dict[str, float]:
    """Each term's weight (:func:`term_weight`) over these folded texts."""
    n = len(folded_texts)
    return {t: term_weight(t, sum(has_phrase(f, t) for f in folded_texts), n) for t in terms}


def term_coverage(terms: Sequence[str], texts: Sequence[str]) -> list[float]:
    """For each text, the weighted share of the question's terms it contains (see :func:`term_weight`).

    A term found in every passage says little about this question ("tỉnh",
    "năm"); one found in none is likely its real subject ("dân số").
    """
    if not terms or not texts:
        return [0.0 for _ in texts]
    folded = [comparable(t) for t in texts]
    weights = term_weights(terms, folded)
    return [share(weights, terms, f) for f in folded]


def share(weights: Mapping[str, float], terms: Sequence[str], folded_text: str) -> float:
    """The weighted share of ``terms`` that ``folded_text`` holds (1.0 when there are no terms)."""
    total = sum(weights[t] for t in terms)
    if not terms or total <= 0:
        return 1.0
    return sum(weights[t] for t in terms if has_phrase(folded_text, t)) / total


def make_generator(settings: Settings, embeddings: Embedder | None) -> Generator:
    """The configured generator (extractive unless TROLY_GENERATOR=openai)."""
    if settings.generator == "openai":
        from rag.generators.openai_compatible import OpenAICompatibleGenerator

        return OpenAICompatibleGenerator(settings)
    return ExtractiveGenerator(settings, embeddings)


class AnswerPipeline:
    """Answers questions over one index; create once and reuse (it holds the retriever and embedder)."""

    def __init__(
        self,
        settings: Settings,
        index: IndexReader,
        retriever: Searcher | None = None,
        generator: Generator | None = None,
    ) -> None:
        from rag.retrieval import HybridRetriever

        self.settings = settings
        self.index = index
        self.retriever = retriever or HybridRetriever(index=index, settings=settings)
        self.embeddings = self._find_embeddings()
        self.fallback = ExtractiveGenerator(settings, self.embeddings)
        self.generator = generator or make_generator(settings, self.embeddings)

    def _find_embeddings(self) -> Embedder:
        """Reuse the retriever's (or index's) embedder rather than loading the model twice."""
        for owner in (self.retriever, self.index):
            for name in ("embeddings", "embedder", "_embeddings"):
                found = getattr(owner, name, None)
                if found is not None and hasattr(found, "embed_query"):
                    return found
        from rag.embeddings import make_embeddings

        return make_embeddings(self.settings)

    # ---- decision ---------------------------------------------------------------
    def answerability(
        self, question: str, hits: Sequence[Hit], ask: Ask | None = None, docs: Mapping[str, Document] | None = None
    ) -> tuple[float, float]:
        """(best dense score, best key-term coverage of one sentence that gives what is asked); see
        :meth:`features`."""
        found = self.features(question, hits, ask, docs)
        return found.dense, found.coverage

    def features(
        self,
        question: str,
        hits: Sequence[Hit],
        ask: Ask | None = None,
        docs: Mapping[str, Document] | None = None,
        constraint: float = 1.0,
    ) -> Features:
        """What the answerability decision reads (:class:`rag.answerability.Features`).

        Coverage is measured per sentence, with the passage's heading (topic,
        section, heading path) counted as part of it, and what its document
        establishes as a whole (``docs``, the retrieved documents by id: their
        issuer and place count as the sentence's words, their title and number
        hold the names the question is about), so
        "Tỷ lệ … của tỉnh X" meets a sentence of tỉnh X's plan that does not
        repeat the name. Only sentences that give what the question asks for
        count (:func:`rag.query_understanding.gives`): a new figure for "bao
        nhiêu", a date in any written form for "ngày nào", a name, an office or
        a body for "Ai …".
        """
        if not hits:
            return Features(0.0, 0.0, 0.0, 0.0, 0.0, constraint, subject=0.0)
        ask = asks_for(question) if ask is None else ask
        scored = [h.dense_score for h in hits if h.dense_score is not None]
        # Lexical-only retrieval has no dense scores: then only the coverage test applies.
        dense = max(scored) if scored else 1.0
        lexical = max((h.lexical_score for h in hits if h.lexical_score is not None), default=0.0)
        folded: list[str] = []  # each sentence that gives what is asked, with its heading, lead and owner, folded
        named = numbers_named(question)
        marked = self._marked(question)
        terms = question_terms(marked)
        subject = subject_terms(marked, terms)
        bodies: list[tuple[str, list[str]]] = []  # each text's own words and the subject words it must hold
        for hit in hits:
            context, heading = heading_context(hit.chunk), heading_text(hit.chunk)
            doc = (docs or {}).get(hit.chunk.doc_id)
            title = _about(doc) if doc is not None else hit.chunk.doc_title
            owner = fold(establishes(doc)) if doc is not None else ""
            if doc is not None and named and number_matches(doc.meta.number, named):
                # "Quyết định 2820/QĐ-UBND … theo đề nghị của cơ quan nào": every sentence of the decision the
                # question names by its number is of that decision
                owner += f" {fold(doc.meta.kind_label)} {fold(doc.meta.number)}"
            elif doc is not None and named_by_title(question, doc):
                owner += f" {fold(doc.title)}"  # "Luật Biên giới quốc gia được thông qua ngày nào": so by its title
            # what the document establishes is every sentence's, but a sentence must hold one of the question's
            # subject words the document does not already say
            about = comparable(f"{owner} {title}")
            needed = [t for t in subject if not has_phrase(about, t)]
            spans = sentence_spans(hit.chunk.text)
            for s, e in spans:
                sentence = hit.chunk.text[s:e]
                if gives(
                    ask, sentence, question, with_item_lead(heading, hit.chunk.text, spans, s, hit.opening), title
                ):
                    body = f"{context} | {paragraph_lead(hit.chunk.text, spans, s)} | {sentence}"
                    folded.append(comparable(f"{owner} {body}"))
                    bodies.append((comparable(body), needed))
        # weights are read over every sentence that gives what is asked; the best-covering sentence's share of
        # what the question is about (its subject words the document does not establish) is a feature of its own
        weights = term_weights(terms, folded)
        shares = [share(weights, terms, f) for f in folded]
        coverage = max(shares, default=0.0)
        subject_share = max(
            (share(weights, needed, body) for c, (body, needed) in zip(shares, bodies, strict=True) if c == coverage),
            default=0.0,
        )
        heading_share = term_coverage(terms, [heading_context(hits[0].chunk)])[0] if terms else 0.0
        return Features(
            dense=float(dense),
            lexical=float(lexical) / (1.0 + float(lexical)),
            coverage=float(coverage),
            asked_kind=1.0 if folded else 0.0,
            heading=float(heading_share),
            constraint=constraint,
            subject=float(subject_share),
        )

    def refusal_reason(self, question: str, hits: Sequence[Hit], ask: Ask | None = None) -> str:
        """Empty when the question looks answerable from the hits, else why not (for logs and the UI)."""
        return self._decide(question, hits, ask)[1]

    def score(self, dense: float, coverage: float) -> float:
        """One answerability score in 0–1, below ``answer_min_overlap`` exactly when a threshold refuses: the
        coverage, capped below the coverage threshold when the best passage is not close enough in meaning."""
        if dense < self.settings.answer_min_score:
            return min(coverage, self.settings.answer_min_overlap * dense / max(self.settings.answer_min_score, 1e-9))
        return coverage

    def _decide(
        self,
        question: str,
        hits: Sequence[Hit],
        ask: Ask | None = None,
        docs: Mapping[str, Document] | None = None,
        constraint: float = 1.0,
    ) -> tuple[float, str, Features | None]:
        """(answerability score, refusal reason or "", the features read): the reason is a short plain phrase of
        what is missing. With ``answer_calibrated`` and shipped weights, the score is the fitted probability and
        the operating point decides; otherwise the two thresholds do."""
        if not hits:
            return 0.0, "không tìm thấy đoạn văn bản nào liên quan", None
        ask = asks_for(question) if ask is None else ask
        found = self.features(question, hits, ask, docs, constraint)
        absent = names_absent(question, (f"{h.chunk.doc_title}\n{heading_text(h.chunk)}\n{h.chunk.text}" for h in hits))
        if absent:  # what the question is about is in none of the passages found: nothing there is about it
            # the names are not repeated: a reason is logged and shown, and the question's names may be secret
            return 0.0, NAME_ABSENT, found
        calibration = load_calibration() if self.settings.answer_calibrated else None
        if calibration is not None:
            score = calibration.probability(found)
            refuse = score < calibration.threshold
        else:
            score = self.score(found.dense, found.coverage)
            refuse = found.coverage < self.settings.answer_min_overlap or found.dense < self.settings.answer_min_score
            if refuse and found.dense >= self.settings.answer_min_score and self._close_in_meaning(question, hits, ask):
                refuse, score = False, self.settings.answer_min_overlap  # a paraphrase: few shared words
        return score, f"tài liệu không nêu {_missing(question, ask)}" if refuse else "", found

    def _close_in_meaning(self, question: str, hits: Sequence[Hit], ask: Ask) -> bool:
        """Whether a sentence of the three best passages is ``answer_close_meaning`` close to the question in
        meaning (cosine of their embeddings): a paraphrase shares few of the question's words. Asked for a figure
        or a date, that sentence must give one (:func:`gives`), as every answered sentence must."""
        bar = self.settings.answer_close_meaning
        sentences = [(h, h.chunk.text[s:e]) for h in hits[:3] for s, e in sentence_spans(h.chunk.text)]
        if not bar or not sentences:
            return False
        query = np.asarray(self.embeddings.embed_query(question), dtype=np.float32)
        matrix = np.asarray(self.embeddings.embed_documents_array([t for _, t in sentences]), dtype=np.float32)
        similarity = matrix @ query
        best = int(np.argmax(similarity))
        if similarity[best] < bar:
            return False
        hit, sentence = sentences[best]
        return not (ask.wants & {"figure", "date"}) or gives(ask, sentence, question, "", hit.chunk.doc_title)

    # ---- answering --------------------------------------------------------------
    def ask(self, question: str, filters: SearchFilters | None = None, k: int | None = None) -> Answer:
        """The validated answer (see module docstring)."""
        final: Answer | None = None
        for piece in self.ask_stream(question, filters, k):
            if isinstance(piece, Answer):
                final = piece
        assert final is not None
        return final

    def ask_stream(
        self, question: str, filters: SearchFilters | None = None, k: int | None = None
    ) -> Iterator[str | Answer]:
        """Yield the generator's text as it comes, then the final validated :class:`Answer`.

        The final answer can be shorter than the streamed text: sentences the
        validator rejects are removed, so UIs should replace the streamed text
        with ``Answer.answer`` at the end. A question of several parts
        (:func:`rag.query_understanding.analyse`) is answered part by part and
        comes as one piece.
        """
        started = time.perf_counter()
        question = question.strip()
        if not question:
            yield REFUSAL_TEXT
            yield self._refused(question, "câu hỏi trống", [], started, self.generator.name, 0.0)
            return
        analysis = analyse(question)
        if analysis.several:
            answer = self._answer_parts(analysis, filters, k, started)
            yield answer.answer
            yield answer
            return
        yield from self._answer_stream(question, analysis.ask, filters, k, started)

    def _answer_stream(
        self, question: str, ask: Ask, filters: SearchFilters | None, k: int | None, started: float
    ) -> Iterator[str | Answer]:
        """One question of one part: structure first, then the gate, the generator and the citation check."""
        hits = self.retriever.search(question, k=k, filters=filters)
        hits, docs, subject = self._on_subject(question, hits, self._documents_of(hits), filters, k)
        by_id = {d.doc_id: d for d in docs}
        structured = self._from_structure(question, ask, hits, by_id, filters, started)
        if structured is not None:
            yield structured.answer
            yield structured
            return
        if ask.wants & {"person", "body"}:  # who does a list's items is what its opening line says
            hits = self._with_list_openings(hits, by_id)
        score, reason, found = self._decide(question, hits, ask, by_id, _constraint_met(question, docs))
        if reason and subject:
            reason = reason.replace("tài liệu không nêu", f"{subject} không nêu", 1)  # "Kết luận số 221-KL/TW …"
        if reason:
            yield REFUSAL_TEXT
            refused = self._refused(question, reason, hits, started, self.generator.name, score)
            refused.features = found
            yield refused
            return
        generator, notice, pieces = self.generator, "", []
        try:
            for piece in generator.stream(question, hits):
                pieces.append(piece)
                yield piece
        except GeneratorUnavailable as exc:
            generator, notice = self.fallback, f"Máy chủ LLM không phản hồi ({exc}) – đã chuyển sang chế độ trích xuất."
            pieces = list(generator.stream(question, hits))
            yield "\n" + notice + "\n" + "".join(pieces)
        answer = self._validated(question, ask, "".join(pieces), hits, started, generator.name, by_id)
        answer.answerability = score if not answer.refused else min(score, self.settings.answer_min_overlap) / 2
        answer.notice = " ".join(n for n in (notice, answer.notice) if n)
        answer.features = found
        yield answer

    def _answer_parts(self, analysis: Analysis, filters: SearchFilters | None, k: int | None, started: float) -> Answer:
        """Each part answered on its own (its own search, sentences and citations), joined in the question's
        order; a part the documents do not answer is named ("Tài liệu không nêu thời hạn …") while the others are
        given. Refused only when no part is answered."""
        answers: list[tuple[Part, Answer]] = []
        for part in analysis.parts:
            final = None
            for piece in self._answer_stream(part.text, part.ask, filters, k, started):
                if isinstance(piece, Answer):
                    final = piece
            assert final is not None
            answers.append((part, final))
        given = [(p, a) for p, a in answers if not a.refused]
        missing = list(dict.fromkeys(_missing(p.text, p.ask) for p, a in answers if a.refused))
        hits = list({h.chunk.chunk_id: h for _, a in answers for h in a.hits}.values())
        scores = [a.answerability for _, a in answers if a.answerability is not None]
        if not given:
            reason = "tài liệu không nêu " + "; ".join(missing)
            return self._refused(analysis.question, reason, hits, started, answers[0][1].generator, max(scores or [0]))
        citations: list[Citation] = []
        sentences: list[str] = []
        for _, answer in given:
            # a sentence an earlier part already gave (the runner-up of the second part is often the first
            # part's answer) is not said twice
            said = [p for p in _SENTENCE_END.split(_renumbered(answer, citations)) if p and p not in sentences]
            sentences += said
        sentences += [f"{MISSING_PART} {m}." for m in missing]
        return Answer(
            question=analysis.question,
            answer=" ".join(sentences),
            refused=False,
            reason=("tài liệu không nêu " + "; ".join(missing)) if missing else "",
            citations=citations,
            hits=hits,
            latency_ms=(time.perf_counter() - started) * 1000,
            generator=given[0][1].generator,
            notice=" ".join(dict.fromkeys(a.notice for _, a in given if a.notice)),
            answerability=min(a.answerability for _, a in given if a.answerability is not None)
            if any(a.answerability is not None for _, a in given)
            else None,
            missing=missing,
        )

    def _refused(
        self, question: str, reason: str, hits: list[Hit], started: float, name: str, score: float | None = None
    ) -> Answer:
        return Answer(
            question=question,
            answer=REFUSAL_TEXT,
            refused=True,
            reason=reason,
            hits=list(hits),
            latency_ms=(time.perf_counter() - started) * 1000,
            generator=name,
            answerability=score,
        )

    def _validated(
        self,
        question: str,
        ask: Ask,
        text: str,
        hits: list[Hit],
        started: float,
        name: str,
        docs: Mapping[str, Document] | None = None,
    ) -> Answer:
        """Keep supported sentences, renumber their citations and attach exact quotes; refuse when no kept
        sentence gives what the question asks for (a name for "Ai là Bí thư …", a figure for "bao nhiêu")."""
        sources = {n: h.chunk.text for n, h in enumerate(hits, start=1)}
        checked = [c for c in validate_answer(text, sources, self.settings.citation_min_support) if c.ok]
        if not checked:
            return self._refused(question, "không câu nào được nguồn trích dẫn hỗ trợ", hits, started, name)

        spans: dict[str, list[tuple[int, int]]] = {}  # each cited passage split once, however many claims cite it

        def where(hit: Hit, sentence: str) -> tuple[str, str]:
            """The sentence's heading path and the opening sentence of its list item (what a later sentence of the
            item is about: "- Ví dụ mục 2: Xây dựng chính sách PPP … . Đề xuất: Điều chỉnh thời hạn …") or the
            line opening a list the passage starts inside, and its document's title."""
            chunk = hit.chunk
            doc = (docs or {}).get(chunk.doc_id)
            heading, at = heading_text(chunk), chunk.text.find(sentence)
            if at > 0 or (at == 0 and hit.opening):
                if chunk.chunk_id not in spans:
                    spans[chunk.chunk_id] = sentence_spans(chunk.text)
                heading = with_item_lead(heading, chunk.text, spans[chunk.chunk_id], at, hit.opening)
            return heading, _about(doc) if doc is not None else chunk.doc_title

        if not any(gives(ask, c.text, question, *where(hits[c.markers[0] - 1], c.text)) for c in checked):
            return self._refused(question, f"tài liệu không nêu {_missing(question, ask)}", hits, started, name)
        citations, sentences = build_citations(checked, hits)
        citations = [_placed(c, (docs or {}).get(c.doc_id)) for c in citations]
        return Answer(
            question=question,
            answer=" ".join(sentences),
            refused=False,
            citations=citations,
            hits=list(hits),
            latency_ms=(time.perf_counter() - started) * 1000,
            generator=name,
            notice=_who_notice(ask, [c.text for c in checked], question),
        )

    # ---- answers from structure (header, signature, assignments) -------------------
    def _from_structure(
        self,
        question: str,
        ask: Ask,
        hits: list[Hit],
        docs: Mapping[str, Document],
        filters: SearchFilters | None,
        started: float,
    ) -> Answer | None:
        """The answer read from Document.meta / headings / tables / assignments, or None to answer from sentences.

        It passes the same gate as an extracted answer: the facts must cover the question's key terms as a
        sentence must (:meth:`_decide` on the facts) and every fact sentence must pass the citation check against
        the span it cites plus what its document establishes (title, number, issuer, signer)."""
        if filters is not None and (filters.topic is not None or filters.section or filters.organisation):
            return None  # the reader narrowed the search to a part of a document: answer from that part
        facts = self._facts(question, ask, hits, list(docs.values()), filters)
        if not facts:
            return None
        citations, sentences = self._cite_facts(facts, hits, filters)
        sources = {c.n: _fact_source(c, docs.get(c.doc_id)) for c in citations}
        for fact, citation in _cited(facts, citations):
            if fact.context:
                sources[citation.n] += "\n" + fact.context
        if not all(check_sentence(sentence, sources, self.settings.citation_min_support).ok for sentence in sentences):
            return None
        scored = [h.dense_score for h in hits if h.dense_score is not None]
        dense = max(scored) if scored else 1.0
        restore = getattr(self.retriever, "restore_query", None)
        said = field_words(question, ask.meta_field)  # "trước đây mang số hiệu": the field asked, not its subject
        terms = [t for t in question_terms(restore(question) if restore else question) if t not in said]
        # a fact read from the document's structure is about that document: its title, number, issuer and place
        # count with it ("Số hiệu của kế hoạch … triển khai Nghị quyết 57" is answered by "Số hiệu … là 3260-…")
        texts = [
            f"{fold(_about(f.doc))} | {fold(c.heading_path)} | {fold(f.text)} | {fold(f.context)}"
            for f, c in _cited(facts, citations)
        ]
        coverage = max(term_coverage(terms, texts), default=0.0) if terms else 1.0
        if coverage < self.settings.answer_min_overlap:
            return None
        read = replace(self.features(question, hits, ask, docs), coverage=coverage, asked_kind=1.0)
        return Answer(
            question=question,
            answer=" ".join(sentences),
            refused=False,
            citations=citations,
            hits=list(hits),
            latency_ms=(time.perf_counter() - started) * 1000,
            generator="structure",
            answerability=self.score(dense, coverage),
            features=read,
        )

    def _facts(
        self, question: str, ask: Ask, hits: list[Hit], docs: list[Document], filters: SearchFilters | None
    ) -> list[Fact]:
        """The facts of the document's structure that answer ``question``: a header field, a heading, a table row,
        an assignment – the first kind that has any."""
        if asked_part_kind(question):  # "… quy định tại điều nào": where the best sentence stands
            # the best sentence of each passage, in the passages' order
            best = (self.fallback.select(question, [hit])[:1] for hit in hits)
            places = [(c.doc_id, c.abs_start, c.text) for found in best for c in found]
            return part_facts(question, places, docs)
        if ask.meta_field:
            doc = pick_document(question, docs, lambda: self._numbered_documents(question, filters), ask.meta_field)
            fact = meta_fact(ask.meta_field, doc, question) if doc is not None else None
            return [fact] if fact is not None else []
        facts = heading_facts(question, docs, lambda: self._numbered_documents(question, filters))
        retrieved = [(h.chunk.doc_id, h.chunk.start, h.chunk.end) for h in hits]
        if not facts and not self._sentence_says_all(question, ask, hits, docs):
            facts = table_facts(question, docs, retrieved)
        if not facts:
            kind = asks_about_assignment(question, ask, docs)
            if kind == "tasks":
                facts = tasks_of_body(question, docs)
            elif kind == "bodies":
                facts = bodies_for_task(question, docs, retrieved)
        return facts

    def _marked(self, question: str) -> str:
        """The question with its abbreviations spelled out and its tone marks restored (what its terms are read
        from)."""
        restore = getattr(self.retriever, "restore_query", None)
        return restore(spell_out(question)) if restore else spell_out(question)

    def _sentence_says_all(self, question: str, ask: Ask, hits: Sequence[Hit], docs: Sequence[Document]) -> bool:
        """Whether a retrieved sentence outside a table holds every term of the question (with what its document
        establishes: "Tốc độ tăng trưởng kinh tế của tỉnh năm 2025 ước đạt 8%" in the plan of tỉnh Cà Mau) and gives
        what is asked: the document states the answer in its own words, and a table row that shares the words
        ("Tốc độ tăng trưởng GRDP | … | 8,00") is a second, coarser reading of it."""
        terms = question_terms(self._marked(question))
        if not terms:
            return False
        about = {d.doc_id: comparable(_about(d)) for d in docs}
        for hit in hits:
            text = hit.chunk.text
            for s, e in sentence_spans(text):
                sentence = text[s:e]
                if "|" in sentence:
                    continue
                folded = f"{about.get(hit.chunk.doc_id, '')} {comparable(sentence)}"
                if all(has_phrase(folded, t) for t in terms) and gives(ask, sentence, question):
                    return True
        return False

    def _on_subject(
        self, question: str, hits: list[Hit], docs: list[Document], filters: SearchFilters | None, k: int | None
    ) -> tuple[list[Hit], list[Document], str]:
        """The passages (and their documents) of the document the question names ("Kết luận 221 giao cơ quan nào
        …"), and how that document is called ("" when the question names none troly holds): an answer from another
        document's passages answers a question nobody asked, so when the named document is held (and the reader may
        see it) the answer comes from it or that document is said not to contain it. ``docs`` are the documents of
        ``hits``, best-ranked first."""
        subject = subject_documents(question, docs, lambda: self._numbered_documents(question, filters))
        if subject is None:
            return hits, docs, ""
        if len(subject) == 1 and (filters is None or not filters.doc_id):
            from rag.retrieval import SearchFilters

            scoped = replace(filters, doc_id=subject[0].doc_id) if filters else SearchFilters(doc_id=subject[0].doc_id)
            found = self.retriever.search(question, k=k, filters=scoped)
            return found, subject[:1] if found else [], document_name(subject[0])
        ids = {d.doc_id for d in subject}
        return [h for h in hits if h.chunk.doc_id in ids], [d for d in docs if d.doc_id in ids], ""

    def _with_list_openings(self, hits: list[Hit], docs: Mapping[str, Document]) -> list[Hit]:
        """``hits`` with the opening line of a list a passage starts inside ("Ủy ban nhân dân cấp tỉnh có trách
        nhiệm:" before "2. Bảo đảm kinh phí …", cut into passages of their own): it names who does the items. The
        passage holding that line joins the hits after them (same document, so the same clearance), so an answer
        can open with it and cite it."""
        out, extra = [], []
        seen = {h.chunk.chunk_id for h in hits}
        for hit in hits:
            chunk, doc = hit.chunk, docs.get(hit.chunk.doc_id)
            first = len(chunk.text) - len(chunk.text.lstrip())
            if doc is None or hit.opening or not opens_before(chunk.text, first):
                out.append(hit)
                continue
            opening = list_opening(doc.text, chunk.start + first)
            at = doc.text.rfind(opening, 0, chunk.start + first) if opening else -1
            held = self.index.chunk_at(chunk.doc_id, at) if at >= 0 else None
            if held is None or held.classification != chunk.classification:
                out.append(hit)
                continue
            out.append(replace(hit, opening=opening))
            if held.chunk_id not in seen:
                seen.add(held.chunk_id)
                extra.append(Hit(held, hit.score))
        return out + extra

    def _documents_of(self, hits: Sequence[Hit]) -> list[Document]:
        """The retrieved documents, best-ranked first (they passed the reader's clearance)."""
        docs: list[Document] = []
        for doc_id in dict.fromkeys(h.chunk.doc_id for h in hits):
            doc = self.index.get_document(doc_id)
            if doc is not None:
                docs.append(doc)
        return docs

    def _numbered_documents(self, question: str, filters: SearchFilters | None) -> list[Document]:
        """The documents the reader may see whose number the question names ("Kế hoạch 3260" when no retrieved
        passage is from it). Numbers and levels are read by SQLite; only the matching documents are loaded."""
        from ingest.model import level_rank

        named = numbers_named(question)
        if not named:
            return []
        max_level = level_rank(filters.max_level if filters is not None else "public")
        levels = self.index.document_levels()
        ids = [
            doc_id
            for doc_id, number in self.index.document_numbers().items()
            if number_matches(number, named) and level_rank(levels.get(doc_id, "public")) <= max_level
        ]
        docs = [d for d in (self.index.get_document(i) for i in ids) if d is not None]
        if filters is not None and filters.doc_id:
            docs = [d for d in docs if d.doc_id == filters.doc_id]
        if filters is not None and filters.doc_type:
            docs = [d for d in docs if d.doc_type == filters.doc_type]
        return docs

    def _cite_facts(
        self, facts: Sequence[Fact], hits: Sequence[Hit], filters: SearchFilters | None
    ) -> tuple[list[Citation], list[str]]:
        """Each fact cited to a real chunk holding its span (a retrieved one, else one found in that document),
        or to the document span itself when no chunk holds it."""
        citations: list[Citation] = []
        sentences: list[str] = []

        def holding(fact: Fact) -> Chunk | None:
            return _chunk_holding(fact, [h.chunk for h in hits]) or self._chunk_in_document(fact, filters)

        def cite(fact: Fact, chunk: Chunk | None) -> int:
            citation = _fact_citation(len(citations) + 1, fact, chunk)
            same = next(
                (c for c in citations if (c.doc_id, c.start, c.end) == (citation.doc_id, citation.start, citation.end)),
                None,
            )
            if same is None:
                citations.append(citation)
                same = citation
            return same.n

        for fact in facts:
            chunk, marks = holding(fact), []
            if fact.lead is not None and not (chunk and chunk.start <= fact.lead[0] and fact.lead[1] <= chunk.end):
                # the body's name is in a line another passage holds: that line is cited too, first
                lead = Fact(fact.doc.text[fact.lead[0] : fact.lead[1]], fact.doc, *fact.lead)
                marks.append(cite(lead, holding(lead)))
            marks.append(cite(fact, chunk))
            sentences.append(with_marker(fact.text, *dict.fromkeys(marks)))
        return citations, sentences

    def _chunk_in_document(self, fact: Fact, filters: SearchFilters | None) -> Chunk | None:
        """Search the fact's own document for the chunk that holds its span."""
        from rag.retrieval import SearchFilters

        level = filters.max_level if filters is not None else "public"
        scoped = SearchFilters(doc_id=fact.doc.doc_id, max_level=level)
        found = self.retriever.search(fact.doc.text[fact.start : fact.end][:300], k=20, filters=scoped)
        return _chunk_holding(fact, [h.chunk for h in found])


def establishes(doc: Document) -> str:
    """What a document establishes for every sentence in it: who issues it and where ("UBND tỉnh Cà Mau · Cà Mau"),
    so a sentence of that province's plan answers "… của tỉnh Cà Mau" without repeating the name. Its title and
    number are read with it (:func:`_about`), but do not count as the sentence's words: "Hội nghị" in a guide's
    title does not make any sentence of it about a conference."""
    meta = doc.meta
    return " · ".join(
        dict.fromkeys(p.strip() for p in (meta.issuer, meta.parent_issuer, meta.place) if p and p.strip())
    )


def _about(doc: Document) -> str:
    """Where the names a question is about may be written for every sentence of ``doc``: its title, number and
    what it establishes."""
    return " · ".join(p for p in (doc.title, doc.meta.number, establishes(doc)) if p)


def _cited(facts: Sequence[Fact], citations: Sequence[Citation]) -> list[tuple[Fact, Citation]]:
    """Each fact with the citation quoting (part of) its span."""
    pairs = []
    for fact in facts:
        cited = [c for c in citations if c.doc_id == fact.doc.doc_id and c.start < fact.end and fact.start < c.end]
        if cited:
            pairs.append((fact, cited[0]))
    return pairs


def _constraint_met(question: str, docs: Sequence[Document]) -> float:
    """1 when the question names no document, or a retrieved document is the one it names (by number, else by
    kind); 0 when it names one and none of the passages is from it."""
    constraints = analyse(question).constraints
    numbers = constraints.numbers - set(constraints.years)
    if numbers:
        return float(any(number_matches(d.meta.number, set(numbers)) for d in docs))
    if constraints.kind:
        return float(any(d.meta.kind == constraints.kind for d in docs))
    return 1.0


def _header_fields(doc: Document) -> str:
    """What the header and signature establish, with the names of their fields (the header writes "Số: 3260-KH/…"
    where an answer says "Số hiệu của văn bản là 3260-KH/…")."""
    meta = doc.meta
    fields = (
        ("Số hiệu của văn bản", meta.number),
        ("được ban hành", meta.date_text),
        ("do ban hành", meta.issuer),
        ("thuộc", meta.parent_issuer),
        ("tại", meta.place),
        ("ký", " ".join(p for p in (meta.signer, meta.signer_position) if p)),
    )
    return "\n".join([_about(doc), *(f"{label} {value}" for label, value in fields if value)])


def _fact_source(citation: Citation, doc: Document | None) -> str:
    """What a structured fact may be checked against: the span it quotes, where that span sits (topic, heading
    path: "Chuyên đề 3" › …) and what its document establishes (title, number, issuer, place)."""
    topic = f"Chuyên đề {citation.topic}" if citation.topic is not None else ""
    where = (topic, citation.topic_title, citation.section, citation.heading_path)
    return "\n".join(
        [citation.quote, *(p for p in where if p), _header_fields(doc) if doc is not None else citation.document]
    )


NAME_ABSENT = "tài liệu tìm được không nhắc đến tên riêng mà câu hỏi nêu"
"""Why a question whose names (places, bodies, codes) are in no passage found is refused."""


def _missing(question: str, ask: Ask) -> str:
    """What the documents lack to answer ``question``, in plain words ("thời hạn về “hạn báo cáo”")."""
    return Part(question, ask, kinds_of(question, ask)).missing()


_WHO_FOUND = (("person", "tên người"), ("office", "chức vụ"), ("body", "cơ quan, đơn vị"), ("people", "nhóm người"))


def _who_notice(ask: Ask, sentences: Sequence[str], question: str) -> str:
    """For an "Ai …" question, which kind of answer the documents give, preferring a name, then an office, then a
    body: "Tài liệu nêu chức vụ, không nêu tên người." """
    if "person" not in ask or ask.meta_field:
        return ""
    joined = " ".join(sentences)
    found = who_found(joined, question)
    if found in ("", "person"):
        return ""
    label = dict(_WHO_FOUND)[found]
    return f"Câu hỏi “Ai”: tài liệu nêu {label}, không nêu tên người."


_SENTENCE_END = re.compile(r"(?<=\][.!?])\s+")
"""Where one cited sentence of an answer ends and the next begins ("… 2003 [1]. Luật này …")."""


def _renumbered(answer: Answer, citations: list[Citation]) -> str:
    """``answer``'s text with its markers renumbered onto ``citations`` (one number per quoted span, shared with
    earlier parts that quote the same sentence)."""
    mapping: dict[int, int] = {}
    for c in answer.citations:
        same = next((x for x in citations if (x.doc_id, x.start, x.end) == (c.doc_id, c.start, c.end)), None)
        if same is None:
            same = replace(c, n=len(citations) + 1)
            citations.append(same)
        mapping[c.n] = same.n
    return _MARKER.sub(lambda m: f"[{mapping.get(int(m.group(1)), int(m.group(1)))}]", answer.answer)


def heading_text(chunk: Chunk) -> str:
    """Where a passage sits, as written (topic title, section, heading path): names in it may answer."""
    parts = [chunk.topic_title, chunk.section, chunk.heading_path]
    return " › ".join(dict.fromkeys(p for p in parts if p))


def _chunk_holding(fact: Fact, chunks: Sequence[Chunk]) -> Chunk | None:
    """The chunk of the fact's document that holds the most of its span (all of it when one does)."""
    best, overlap = None, 0
    for chunk in chunks:
        if chunk.doc_id != fact.doc.doc_id:
            continue
        shared = min(chunk.end, fact.end) - max(chunk.start, fact.start)
        if shared > overlap:
            best, overlap = chunk, shared
    return best


def _fact_citation(n: int, fact: Fact, chunk: Chunk | None) -> Citation:
    """A citation quoting the fact's span (clipped to the chunk when the chunk holds only part of it)."""
    doc = fact.doc
    start, end = fact.start, fact.end
    if chunk is not None:
        start, end = max(start, chunk.start), min(end, chunk.end)
    while start < end and doc.text[start].isspace():
        start += 1
    while end > start and doc.text[end - 1].isspace():
        end -= 1
    cited = Citation(
        n=n,
        chunk_id=chunk.chunk_id if chunk is not None else "",
        document=doc.title,
        doc_id=doc.doc_id,
        topic=chunk.topic if chunk is not None else None,
        topic_title=chunk.topic_title if chunk is not None else "",
        section=chunk.section if chunk is not None else "",
        quote=doc.text[start:end],
        start=start,
        end=end,
        page=doc.page_at(start),
        heading_path=chunk.heading_path if chunk is not None else doc.heading_path_at(start),
    )
    return _placed(cited, doc)


def _placed(citation: Citation, doc: Document | None) -> Citation:
    """The citation with the heading path in force where its quote starts (and the section, when a heading names
    it), not the one its passage ends under: a passage holding clauses 1 and 2 of an article cites clause 1's
    sentence under clause 1."""
    path = doc.heading_path_at(citation.start) if doc is not None and doc.headings else ""
    if not path or path == citation.heading_path:
        return citation
    named = bool(citation.heading_path) and citation.section == citation.heading_path.split(" › ")[-1]
    return replace(citation, heading_path=path, section=path.split(" › ")[-1] if named else citation.section)


def build_citations(checked: Sequence[CheckedSentence], hits: Sequence[Hit]) -> tuple[list[Citation], list[str]]:
    """Citations numbered by first use (one per distinct quoted sentence) and the re-marked sentences."""
    citations: list[Citation] = []
    by_key: dict[tuple[str, int], int] = {}
    sentences: list[str] = []
    for sentence in checked:
        numbers: list[int] = []
        for n in sentence.markers:
            chunk = hits[n - 1].chunk
            s, e = best_quote(sentence.text, chunk.text)
            key = (chunk.chunk_id, chunk.start + s)
            if key not in by_key:
                by_key[key] = len(citations) + 1
                citations.append(
                    Citation(
                        n=by_key[key],
                        chunk_id=chunk.chunk_id,
                        document=chunk.doc_title,
                        doc_id=chunk.doc_id,
                        topic=chunk.topic,
                        topic_title=chunk.topic_title,
                        section=chunk.section,
                        quote=chunk.text[s:e],
                        start=chunk.start + s,
                        end=chunk.start + e,
                        page=chunk.page,
                        heading_path=chunk.heading_path,
                    )
                )
            numbers.append(by_key[key])
        sentences.append(with_marker(sentence.text, *numbers))
    return citations, sentences
