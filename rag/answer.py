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

import math
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from rag.citations import (
    CheckedSentence,
    best_quote,
    fold,
    has_phrase,
    numbers_in,
    sentence_spans,
    validate_answer,
)
from rag.generators.base import REFUSAL_TEXT, Generator, GeneratorUnavailable
from rag.generators.extractive import (
    ExtractiveGenerator,
    heading_context,
    with_marker,
)

if TYPE_CHECKING:
    from rag.retrieval import Hit, SearchFilters
    from rag.settings import Settings

STOP_TERMS = frozenset(
    {
        "cua",
        "la",
        "va",
        "cac",
        "nhung",
        "mot",
        "co",
        "duoc",
        "trong",
        "cho",
        "voi",
        "ve",
        "theo",
        "tai",
        "tu",
        "den",
        "de",
        "thi",
        "ma",
        "nay",
        "do",
        "khi",
        "nhu",
        "hay",
        "hoac",
        "ra",
        "sao",
        "gi",
        "nao",
        "bao nhieu",
        "nhu the nao",
        "the nao",
        "la gi",
        "hien nay",
        "don vi",
    }
)
"""Function words, and "đơn vị" – in "đơn vị nào" it only asks for a name."""
ASKS_FIGURE_RE = re.compile(r"bao nhieu|may phan tram|\bmay\b|nam nao|ngay nao|khi nao|bao gio|thang nao")
"""Questions that want a figure or a date."""
ASKS_DATE_RE = re.compile(r"ngay nao|khi nao|bao gio|thang nao")
"""Questions that want a date: only a sentence with a written date (01/7/2025) can answer them."""


@dataclass
class Citation:
    """A numbered source of the answer: the passage and the exact sentence quoted from it."""

    n: int
    chunk_id: str
    document: str
    doc_id: str
    topic: int | None
    topic_title: str
    section: str
    quote: str
    start: int
    end: int
    page: int | None = None


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
            "hits": [{"chunk_id": h.chunk.chunk_id, "score": h.score} for h in self.hits],
        }


QUESTION_PHRASES = frozenset(
    [
        *["bao nhiêu", "gì", "nào", "sao", "thế nào", "như thế nào", "đâu", "ai", "mấy"],
        *["không", "chưa", "phải không", "hay không", "là gì", "ra sao"],
    ]
)
"""Question words, matched with their tone marks so "bão" (storm) is not mistaken for "bao" (nhiêu)."""
FRAME_WORDS = frozenset(
    [
        *["muc dich", "doi tuong", "doi voi", "su kien", "noi dung", "lien quan", "con so"],
        *["gom", "nham", "dieu", "viec", "can", "tat ca", "khoang", "ten"],
    ]
)
"""Words that frame a question ("nhằm mục đích gì", "những nội dung nào") without naming its subject."""


def question_terms(question: str) -> list[str]:
    """The question's key terms: folded words (compounds kept whole by underthesea), minus function words.

    Pass a question with tone marks (restore them first): word segmentation
    of unaccented text is unreliable.
    """
    from underthesea import word_tokenize

    terms: list[str] = []
    for word in word_tokenize(question):
        folded = fold(word).strip()
        if not re.search(r"\w", folded) or word.lower() in QUESTION_PHRASES:
            continue
        if folded in STOP_TERMS or folded in FRAME_WORDS or folded in terms:
            continue
        terms.append(folded)
    return terms


def term_weight(term: str, present_in: int, n: int) -> float:
    """IDF over the retrieved sentences, times the term's length in syllables (a compound names a subject
    far more precisely than a syllable), halved for figures the question merely repeats ("năm 2025")."""
    idf = math.log(1 + (n + 1) / (present_in + 0.5))
    if term.replace(",", "").replace(".", "").isdigit():
        return 0.5 * idf
    return idf * len(term.split())


def comparable(text: str) -> str:
    """Folded one-line text with "%" spelled out, so "phần trăm" in a question meets "6,42%" in a document."""
    return re.sub(r"\s+", " ", fold(text).replace("%", " phan tram "))


def term_coverage(terms: Sequence[str], texts: Sequence[str]) -> list[float]:
    """For each text, the weighted share of the question's terms it contains (see :func:`term_weight`).

    A term found in every passage says little about this question ("tỉnh",
    "năm"); one found in none is likely its real subject ("dân số").
    """
    if not terms or not texts:
        return [0.0 for _ in texts]
    folded = [comparable(t) for t in texts]
    present = [[has_phrase(f, term) for term in terms] for f in folded]
    n = len(texts)
    weights = [term_weight(term, sum(row[i] for row in present), n) for i, term in enumerate(terms)]
    total = sum(weights)
    return [sum(w for w, hit in zip(weights, row, strict=True) if hit) / total for row in present]


def make_generator(settings: Settings, embeddings: object | None) -> Generator:
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
        index: Any,
        retriever: Any | None = None,
        generator: Generator | None = None,
    ) -> None:
        from rag.retrieval import HybridRetriever

        self.settings = settings
        self.index = index
        self.retriever = retriever or HybridRetriever(index=index, settings=settings)
        self.embeddings = self._find_embeddings()
        self.fallback = ExtractiveGenerator(settings, self.embeddings)
        self.generator = generator or make_generator(settings, self.embeddings)

    def _find_embeddings(self) -> Any:
        """Reuse the retriever's (or index's) embedder rather than loading the model twice."""
        for owner in (self.retriever, self.index):
            for name in ("embeddings", "embedder", "_embeddings"):
                found = getattr(owner, name, None)
                if found is not None and hasattr(found, "embed_query"):
                    return found
        from rag.embeddings import make_embeddings

        return make_embeddings(self.settings)

    # ---- decision ---------------------------------------------------------------
    def answerability(self, question: str, hits: Sequence[Hit]) -> tuple[float, float]:
        """(best dense score, best key-term coverage of one sentence): the two signals the thresholds apply to.

        Coverage is measured per sentence, with the passage's heading (topic
        number, title, section) counted as part of it. When the question asks
        for a figure or a date ("bao nhiêu", "ngày nào"), only sentences that
        contain a figure the question does not already hold can answer it –
        so "Tỷ lệ hồ sơ trực tuyến … là bao nhiêu?" is refused when the
        documents only say the rate is "cao".
        """
        if not hits:
            return 0.0, 0.0
        scored = [h.dense_score for h in hits if h.dense_score is not None]
        # Lexical-only retrieval has no dense scores: then only the coverage test applies.
        dense = max(scored) if scored else 1.0
        folded = fold(question)
        wants_figure, wants_date = bool(ASKS_FIGURE_RE.search(folded)), bool(ASKS_DATE_RE.search(folded))
        texts = []
        for hit in hits:
            context = heading_context(hit.chunk)
            for s, e in sentence_spans(hit.chunk.text):
                sentence = hit.chunk.text[s:e]
                new = numbers_in(sentence) - numbers_in(question)
                if wants_date and not any("/" in n for n in new):
                    continue
                if not wants_figure or new:
                    texts.append(f"{context} | {sentence}")
        restore = getattr(self.retriever, "restore_query", None)
        accented = restore(question) if restore else question
        coverage = max(term_coverage(question_terms(accented), texts), default=0.0)
        return float(dense), float(coverage)

    def refusal_reason(self, question: str, hits: Sequence[Hit]) -> str:
        """Empty when the question looks answerable from the hits, else why not (for logs and the UI)."""
        if not hits:
            return "không tìm thấy đoạn văn bản nào liên quan"
        dense, coverage = self.answerability(question, hits)
        if coverage < self.settings.answer_min_overlap:
            return f"từ khóa của câu hỏi không có trong tài liệu (độ phủ {coverage:.2f})"
        if dense < self.settings.answer_min_score:
            return f"đoạn văn gần nhất chưa đủ liên quan (điểm {dense:.2f})"
        return ""

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
        with ``Answer.answer`` at the end.
        """
        started = time.perf_counter()
        question = question.strip()
        hits = self.retriever.search(question, k=k, filters=filters) if question else []
        reason = self.refusal_reason(question, hits) if question else "câu hỏi trống"
        if reason:
            yield REFUSAL_TEXT
            yield self._refused(question, reason, hits, started, self.generator.name)
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
        answer = self._validated(question, "".join(pieces), hits, started, generator.name)
        answer.notice = notice
        yield answer

    def _refused(self, question: str, reason: str, hits: list[Hit], started: float, name: str) -> Answer:
        return Answer(
            question=question,
            answer=REFUSAL_TEXT,
            refused=True,
            reason=reason,
            hits=list(hits),
            latency_ms=(time.perf_counter() - started) * 1000,
            generator=name,
        )

    def _validated(self, question: str, text: str, hits: list[Hit], started: float, name: str) -> Answer:
        """Keep supported sentences, renumber their citations and attach exact quotes."""
        sources = {n: h.chunk.text for n, h in enumerate(hits, start=1)}
        checked = [c for c in validate_answer(text, sources, self.settings.citation_min_support) if c.ok]
        if not checked:
            return self._refused(question, "không câu nào được nguồn trích dẫn hỗ trợ", hits, started, name)
        citations, sentences = build_citations(checked, hits)
        return Answer(
            question=question,
            answer=" ".join(sentences),
            refused=False,
            citations=citations,
            hits=list(hits),
            latency_ms=(time.perf_counter() - started) * 1000,
            generator=name,
        )


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
                    )
                )
            numbers.append(by_key[key])
        sentences.append(with_marker(sentence.text, *numbers))
    return citations, sentences
