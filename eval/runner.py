"""Run a question set through the real pipeline and score every answer.

Nothing here re-implements retrieval or generation: each question goes to
:class:`rag.answer.AnswerPipeline` exactly as ``troly ask`` would send it, with
a :class:`rag.retrieval.HybridRetriever` in the requested mode. The runner
only *judges* what comes back:

* retrieval – is a retrieved chunk inside a gold passage (same document,
  same topic and field, overlapping a gold span, or overlapping the place
  where a gold quote occurs in that rendition's text)?
* answer – does the text state the expected key facts?
* citations – does each cited chunk (fetched from the index by id, never the
  pipeline's own quote) contain the sentence that cites it?
* refusal – did it refuse exactly the questions the documents cannot answer?

A set whose gold names documents by file (``eval/questions/party_docs.jsonl``)
is run once per rendition (.txt, .docx, .pdf) by :func:`run_on_renditions`,
each in a fresh collection of a data dir of its own, never the user's index.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from eval.metrics import (
    citation_precision,
    citation_recall,
    contains_folded,
    first_relevant_rank,
    hit_at_k,
    key_fact_recall,
    latency_summary,
    mean_of,
    mean_reciprocal_rank,
    ndcg_at_k,
    refusal_accuracy,
    support_score,
)
from eval.questions import BODY_FIELD, Question, documents_named, locate_quote, split_of
from ingest.model import Chunk, Document
from rag.answerability import features_dict
from rag.settings import Settings

log = logging.getLogger(__name__)

RetrievalMode = Literal["hybrid", "dense", "lexical"]
TOPIC_GUIDE_TYPE = "topic_guide"
PASSAGE_PREVIEW = 600
"""Characters of each retrieved passage kept in the report (enough to judge a failure)."""


@dataclass
class RetrievedPassage:
    """One retrieved chunk as the report shows it."""

    rank: int
    chunk_id: str
    doc_id: str
    topic: int | None
    section: str
    score: float
    relevant: bool
    text: str


@dataclass
class CitedPassage:
    """One citation of an answer, with the support we measured ourselves."""

    n: int
    chunk_id: str
    topic: int | None
    section: str
    quote: str
    support: float


@dataclass
class QuestionResult:
    """Everything measured for one question."""

    id: str
    question: str
    answerable: bool
    tags: list[str]
    gold: list[dict[str, Any]]
    expected_facts: list[str]
    answer: str = ""
    refused: bool = False
    reason: str = ""
    facts_found: list[str] = field(default_factory=list)
    key_fact_recall: float | None = None
    citation_precision: float | None = None
    citation_recall: float | None = None
    first_relevant: int | None = None
    ndcg: float | None = None
    latency_ms: float = 0.0
    variant_of: str | None = None
    citations: list[CitedPassage] = field(default_factory=list)
    retrieved: list[RetrievedPassage] = field(default_factory=list)
    error: str = ""
    answerability: float | None = None
    """The pipeline's own answerability score (``Answer.answerability``), for the refusal curve."""
    expected_refusal: bool = False
    """True for an unanswerable question: refusing it is the right outcome."""
    split: str = ""
    """"tune" or "report" (:func:`eval.questions.split_of`): weights and rules are fitted on tune, figures published
    on report."""
    features: dict[str, float] | None = None
    """What the answerability decision read (:class:`rag.answerability.Features`), to fit it on the tune split."""

    @property
    def correct_refusal(self) -> bool:
        return self.refused != self.answerable

    @property
    def topics(self) -> list[int | None]:
        return list(dict.fromkeys(g["topic"] for g in self.gold if not g.get("document")))

    @property
    def groups(self) -> list[str]:
        """Breakdown groups: "Mở đầu" / "Chuyên đề N" for topic-guide gold, the document stem for document gold."""
        names = ["Mở đầu" if t is None else f"Chuyên đề {t}" for t in self.topics]
        names += [Path(g["document"]).stem for g in self.gold if g.get("document")]
        return list(dict.fromkeys(names))


@dataclass
class RunResult:
    """A scored run: per-question results plus the aggregate tables the report prints."""

    name: str
    set_path: str
    config: dict[str, Any]
    started: str
    k: int
    results: list[QuestionResult]
    summary: dict[str, Any] = field(default_factory=dict)
    per_topic: dict[str, dict[str, Any]] = field(default_factory=dict)
    per_tag: dict[str, dict[str, Any]] = field(default_factory=dict)
    per_split: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Summaries of the tune and report splits (publish "report")."""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


ProgressFn = Callable[[int, int], None]

Located = dict[str, list[tuple[int, int]]]
"""doc_id → spans of a question's gold quotes in that document's text (one rendition)."""


# ---------------------------------------------------------------------------
# Relevance
# ---------------------------------------------------------------------------


def is_relevant(chunk: Chunk, question: Question, doc_id: str | None, located: Located | None = None) -> bool:
    """Whether ``chunk`` lies in one of the question's gold passages.

    ``doc_id`` is the document the set was written against; chunks of other
    documents never count (topic 1 of a resolution is not topic 1 of the guide).
    ``located`` holds where the question's gold quotes occur (document gold):
    a chunk of that document overlapping one of them is relevant.
    """
    if located and any(chunk.start < e and s < chunk.end for s, e in located.get(chunk.doc_id, ())):
        return True
    if doc_id is not None and chunk.doc_id != doc_id:
        return False
    for gold in question.gold:
        if not gold.is_document and chunk.topic == gold.topic and section_matches(chunk, gold.field):
            return True
    return any(chunk.start < s.end and s.start < chunk.end for s in question.gold_spans)


def locate_gold(questions: Sequence[Question], documents: Sequence[Document]) -> tuple[dict[str, Located], list[str]]:
    """Where each question's gold quotes occur in ``documents`` (one rendition), and one line per quote not found.

    A quote that cannot be found in a rendition (a PDF that lost its words) makes every
    passage of that question irrelevant there – reported, never silently skipped.
    """
    located: dict[str, Located] = {}
    missing: list[str] = []
    for q in questions:
        spans: Located = {}
        for gold in q.gold:
            if not gold.is_document:
                continue
            docs = documents_named(gold.document or "", documents)
            found = [(doc, span) for doc in docs for span in locate_quote(doc.text, gold.quote or "")]
            if not found:
                where = Path(docs[0].path).name if docs else f"{gold.document} (not ingested)"
                missing.append(f"{q.id}: quote {gold.quote!r} not found in {where}")
            for doc, span in found:
                spans.setdefault(doc.doc_id, []).append(span)
        if spans:
            located[q.id] = spans
    return located, missing


def section_matches(chunk: Chunk, field: str | None) -> bool:
    """Whether a chunk's section is the gold field.

    "Gợi ý" names the unlabelled body of a topic; the chunker labels that
    section with the topic title, so either spelling counts.
    """
    if field is None:
        return True
    if field == BODY_FIELD:
        return chunk.section in (BODY_FIELD, chunk.topic_title)
    return chunk.section == field


def find_target_document(documents: Sequence[Document], hint: str | None = None) -> Document | None:
    """The document a topic-guide set refers to: ``hint`` (doc id or file name), else the only topic guide."""
    if hint:
        for doc in documents:
            if hint in (doc.doc_id, Path(doc.path).name, Path(doc.path).stem):
                return doc
        return None
    guides = [d for d in documents if d.doc_type == TOPIC_GUIDE_TYPE]
    return guides[0] if len(guides) == 1 else None


# ---------------------------------------------------------------------------
# Scoring one answer
# ---------------------------------------------------------------------------


def _result_for(question: Question, **outcome: Any) -> QuestionResult:
    """A result carrying the question's own fields, plus what happened when it was asked."""
    return QuestionResult(
        id=question.id,
        question=question.question,
        answerable=question.answerable,
        tags=list(question.tags),
        gold=[g.model_dump() for g in question.gold],
        expected_facts=list(question.expected_facts),
        variant_of=question.variant_of,
        expected_refusal=not question.answerable,
        split=split_of(question),
        **outcome,
    )


def score_answer(
    question: Question,
    answer: Any,
    passages: dict[str, Chunk],
    doc_id: str | None,
    k: int,
    located: Located | None = None,
) -> QuestionResult:
    """Turn one pipeline ``Answer`` into a :class:`QuestionResult`.

    ``passages`` maps chunk id → chunk as stored in the index; citations are
    judged against it, not against the answer's own quotes.
    """
    result = _result_for(
        question,
        answer=answer.answer,
        refused=bool(answer.refused),
        reason=getattr(answer, "reason", ""),
        latency_ms=float(answer.latency_ms),
        answerability=_score(getattr(answer, "answerability", None)),
        features=features_dict(answer.features) if getattr(answer, "features", None) is not None else None,
    )
    flags = [is_relevant(h.chunk, question, doc_id, located) for h in answer.hits[:k]]
    result.retrieved = [
        RetrievedPassage(
            rank=i,
            chunk_id=h.chunk.chunk_id,
            doc_id=h.chunk.doc_id,
            topic=h.chunk.topic,
            section=h.chunk.section,
            score=round(float(h.score), 4),
            relevant=flag,
            text=h.chunk.text[:PASSAGE_PREVIEW],
        )
        for i, (h, flag) in enumerate(zip(answer.hits[:k], flags, strict=True), start=1)
    ]
    if question.answerable:
        result.first_relevant = first_relevant_rank(flags)
        # A gold field may span several chunks: the ideal ranking has at least as many relevant passages as found.
        n_gold = max(1, len(question.gold) + len(question.gold_spans), sum(flags))
        result.ndcg = ndcg_at_k(flags, k, n_relevant=n_gold)
        text = "" if answer.refused else answer.answer
        result.facts_found = [f for f in question.expected_facts if contains_folded(text, f)]
        result.key_fact_recall = key_fact_recall(text, question.expected_facts)
    if not answer.refused:
        by_n = {c.n: passages[c.chunk_id].text for c in answer.citations if c.chunk_id in passages}
        result.citation_precision = citation_precision(answer.answer, by_n)
        result.citation_recall = citation_recall(answer.answer, by_n)
        result.citations = [_cited(c, passages, answer.answer) for c in answer.citations]
    return result


def _score(value: Any) -> float | None:
    """A number the pipeline reports, or None when it reports none (older pipelines)."""
    return round(float(value), 4) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _cited(citation: Any, passages: dict[str, Chunk], answer_text: str) -> CitedPassage:
    chunk = passages.get(citation.chunk_id)
    return CitedPassage(
        n=citation.n,
        chunk_id=citation.chunk_id,
        topic=citation.topic,
        section=citation.section,
        quote=citation.quote,
        support=round(support_score(answer_text, chunk.text), 3) if chunk else 0.0,
    )


# ---------------------------------------------------------------------------
# Aggregates
# ---------------------------------------------------------------------------


def summarize(results: Sequence[QuestionResult], k: int) -> dict[str, Any]:
    """The summary table: retrieval over answerable questions, answers, citations, refusals, latency."""
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    ranks = [r.first_relevant for r in answerable]
    answered = [r for r in results if not r.refused]
    summary: dict[str, Any] = {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "errors": sum(1 for r in results if r.error),
        "hit@1": hit_at_k(ranks, 1),
        "hit@3": hit_at_k(ranks, 3),
        f"hit@{k}": hit_at_k(ranks, k),
        "mrr": mean_reciprocal_rank(ranks),
        f"ndcg@{k}": mean_of([r.ndcg for r in answerable]) or 0.0,
        "key_fact_recall": mean_of([r.key_fact_recall for r in answerable]) or 0.0,
        "all_facts_rate": (
            sum(1 for r in answerable if r.key_fact_recall == 1.0) / len(answerable) if answerable else 0.0
        ),
        "citation_precision": mean_of([r.citation_precision for r in answered]),
        "citation_recall": mean_of([r.citation_recall for r in answered]),
        "refusal_accuracy": refusal_accuracy([r.answerable for r in results], [r.refused for r in results]),
        "false_refusal_rate": (sum(r.refused for r in answerable) / len(answerable)) if answerable else 0.0,
        "false_answer_rate": (sum(not r.refused for r in unanswerable) / len(unanswerable) if unanswerable else 0.0),
        "variant_agreement": variant_agreement(results),
        "latency_ms": latency_summary([r.latency_ms for r in results]),
    }
    return summary


def _outcome(r: QuestionResult) -> tuple[bool, float | None]:
    return (r.refused, r.key_fact_recall)


def variant_agreement(results: Sequence[QuestionResult]) -> float | None:
    """Share of variants (e.g. typed without diacritics) whose outcome equals their original's.

    Outcome = (refused, key-fact recall); None when the run holds no variant
    together with its original.
    """
    by_id = {r.id: r for r in results}
    pairs = [(r, by_id[r.variant_of]) for r in results if r.variant_of in by_id]
    if not pairs:
        return None
    return sum(1 for v, o in pairs if _outcome(v) == _outcome(o)) / len(pairs)


def _group_summary(results: Sequence[QuestionResult], k: int) -> dict[str, Any]:
    ranks = [r.first_relevant for r in results]
    answered = [r for r in results if not r.refused]
    return {
        "questions": len(results),
        f"hit@{k}": hit_at_k(ranks, k),
        "mrr": mean_reciprocal_rank(ranks),
        "key_fact_recall": mean_of([r.key_fact_recall for r in results]) or 0.0,
        "citation_precision": mean_of([r.citation_precision for r in answered]),
        "false_refusal_rate": sum(r.refused for r in results) / len(results) if results else 0.0,
    }


def per_topic(results: Sequence[QuestionResult], k: int) -> dict[str, dict[str, Any]]:
    """Answerable questions grouped by gold topic (a cross-topic question counts in each of its topics)."""
    groups: dict[str, list[QuestionResult]] = defaultdict(list)
    for r in results:
        if r.answerable:
            for name in r.groups:
                groups[name].append(r)
    order = sorted(groups, key=lambda name: (name != "Mở đầu", name))
    return {name: _group_summary(groups[name], k) for name in order}


def per_tag(results: Sequence[QuestionResult], k: int) -> dict[str, dict[str, Any]]:
    """Answerable questions grouped by tag, plus refusal accuracy per tag."""
    groups: dict[str, list[QuestionResult]] = defaultdict(list)
    for r in results:
        for tag in r.tags or ["(untagged)"]:
            groups[tag].append(r)
    out: dict[str, dict[str, Any]] = {}
    for tag in sorted(groups):
        rows = groups[tag]
        answerable = [r for r in rows if r.answerable]
        entry: dict[str, Any] = _group_summary(answerable, k) if answerable else {"questions": len(rows)}
        entry["questions"] = len(rows)
        entry["refusal_accuracy"] = refusal_accuracy([r.answerable for r in rows], [r.refused for r in rows])
        out[tag] = entry
    return out


def worst_failures(results: Sequence[QuestionResult], n: int = 10) -> list[QuestionResult]:
    """The questions most worth reading: wrong refusals first, then missing facts, bad citations, late gold."""

    def badness(r: QuestionResult) -> tuple[float, ...]:
        wrong_refusal = 0.0 if r.correct_refusal else 1.0
        missing = 1.0 - (r.key_fact_recall if r.key_fact_recall is not None else 1.0)
        cites = 1.0 - (r.citation_precision if r.citation_precision is not None else 1.0)
        retrieval = 0.0 if not r.answerable or r.first_relevant == 1 else (1.0 if r.first_relevant is None else 0.5)
        return (wrong_refusal + missing + cites + 0.5 * retrieval, missing)

    ranked = sorted(results, key=badness, reverse=True)
    return [r for r in ranked if badness(r)[0] > 0][:n]


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


def make_pipeline(settings: Settings, index: Any, mode: RetrievalMode) -> Any:
    """The production answer pipeline with a retriever in ``mode``."""
    from rag.answer import AnswerPipeline
    from rag.retrieval import HybridRetriever

    retriever = HybridRetriever(index=index, settings=settings, mode=mode)
    return AnswerPipeline(settings, index, retriever=retriever)


def ask_all(
    pipeline: Any,
    index: Any,
    questions: Iterable[Question],
    doc_id: str | None,
    k: int,
    on_progress: ProgressFn | None = None,
    located: dict[str, Located] | None = None,
) -> list[QuestionResult]:
    """Ask every question; a crash on one question is recorded as its error, not a crashed run."""
    items = list(questions)
    results: list[QuestionResult] = []
    for i, question in enumerate(items, start=1):
        results.append(_ask_one(pipeline, index, question, doc_id, k, (located or {}).get(question.id)))
        if on_progress:
            on_progress(i, len(items))
    return results


def _ask_one(
    pipeline: Any, index: Any, question: Question, doc_id: str | None, k: int, located: Located | None = None
) -> QuestionResult:
    started = time.perf_counter()
    try:
        answer = pipeline.ask(question.question, k=k)
    except Exception as exc:  # one broken question must not hide the other results
        return _result_for(
            question,
            refused=True,
            key_fact_recall=0.0 if question.answerable else None,
            latency_ms=(time.perf_counter() - started) * 1000,
            error=f"{type(exc).__name__}: {exc}",
        )
    ids = list(dict.fromkeys([c.chunk_id for c in answer.citations]))
    passages = {c.chunk_id: c for c in index.get_chunks(ids)} if ids else {}
    return score_answer(question, answer, passages, doc_id, k, located)


def by_split(results: Sequence[QuestionResult], k: int) -> dict[str, dict[str, Any]]:
    """The summary of each split: "report" is the one to publish (never tuned on), "tune" the one fitted on."""
    return {
        split: summarize([r for r in results if r.split == split], k)
        for split in ("tune", "report")
        if any(r.split == split for r in results)
    }


def build_run(
    name: str,
    set_path: str,
    config: dict[str, Any],
    results: list[QuestionResult],
    k: int,
) -> RunResult:
    """Wrap scored results with all aggregates."""
    return RunResult(
        name=name,
        set_path=set_path,
        config=config,
        started=datetime.now(UTC).isoformat(timespec="seconds"),
        k=k,
        results=results,
        summary=summarize(results, k),
        per_topic=per_topic(results, k),
        per_tag=per_tag(results, k),
        per_split=by_split(results, k),
    )


def config_of(settings: Settings, mode: RetrievalMode) -> dict[str, Any]:
    """The settings that change results, recorded in the report so runs can be compared."""
    keys = (
        "collection",
        "embedding_backend",
        "embedding_model",
        "chunk_tokens",
        "chunk_overlap",
        "k",
        "dense_weight",
        "lexical_weight",
        "rrf_k",
        "restore_diacritics",
        "reranker_model",
        "generator",
        "llm_model",
        "answer_min_score",
        "answer_min_overlap",
        "citation_min_support",
    )
    data = settings.model_dump()
    return {"retrieval": mode, **{key: data[key] for key in keys if key in data}}


# ---------------------------------------------------------------------------
# The corpus: the run indexes it first, so `troly eval run` works from a clean clone.
# ---------------------------------------------------------------------------


def index_corpus(index: Any, settings: Settings, corpus: Path) -> list[str]:
    """Ingest ``corpus`` (file or folder) into ``index``, as ``troly ingest`` does; one line per failed file.

    Unchanged documents are recognised by hash in the index, so a rerun only
    re-reads the files.
    """
    from rag.indexing import index_files

    result = index_files(index, [corpus], settings).result
    if not result.documents and not result.errors:
        return [f"{corpus}: no supported files"]
    return [f"{e.path}: {e.reason}" for e in result.errors]


def run_questions(
    settings: Settings,
    index: Any,
    questions: Sequence[Question],
    *,
    name: str,
    set_path: str,
    mode: RetrievalMode = "hybrid",
    k: int | None = None,
    doc_id: str | None = None,
    on_progress: ProgressFn | None = None,
    documents: Sequence[Document] | None = None,
    rendition: str = "",
) -> RunResult:
    """Ask ``questions`` through the real pipeline over ``index`` and score them.

    ``documents`` (the index's documents) are where document/quote gold is looked up;
    ``rendition`` ("txt", "docx", "pdf") is recorded in the configuration.
    """
    k = k or settings.k
    located, missing = locate_gold(questions, documents or [])
    pipeline = make_pipeline(settings, index, mode)
    results = ask_all(pipeline, index, questions, doc_id, k, on_progress, located)
    config = config_of(settings, mode)
    if rendition:
        config["rendition"] = rendition
    run = build_run(name, set_path, config, results, k)
    if any(q.documents for q in questions):
        run.extra["Gold quotes"] = {"located": sum(len(v) for v in located.values()), "not found": len(missing)}
        run.summary["gold_not_found"] = len(missing)
        for line in missing:
            log.warning("gold %s", line)
    return run


# ---------------------------------------------------------------------------
# A set over documents named by file: every rendition, each in a collection of its own.
# ---------------------------------------------------------------------------

EVAL_DIR = "eval"
"""Sub-folder of the data dir where evaluation keeps its own collections and embedding cache."""


def set_documents(questions: Sequence[Question]) -> list[str]:
    """File names the set's gold refers to, in order of first mention."""
    return list(dict.fromkeys(name for q in questions for name in q.documents))


def find_sources(names: Sequence[str], shared: Path) -> tuple[list[Path], list[str]]:
    """The .txt files named in a set, searched under ``shared`` (e.g. ../shared/data); and the names not found."""
    found: list[Path] = []
    missing: list[str] = []
    for name in names:
        hits = sorted(shared.rglob(name)) if shared.is_dir() else []
        if hits:
            found.append(hits[0])
        else:
            missing.append(name)
    return found, missing


def eval_settings(settings: Settings, work_dir: Path, collection: str) -> Settings:
    """Settings for an evaluation collection: its own data dir, embedded Chroma, every other knob unchanged."""
    return settings.model_copy(update={"data_dir": work_dir, "collection": collection, "chroma": ""})


def fresh_index(settings: Settings, embeddings: Any = None) -> Any:
    """Open ``settings.collection`` built afresh: a run scores exactly the documents it ingests, and the same run
    twice gives the same figures (an emptied collection would keep its history: see
    :func:`rag.index.drop_collection`). Vectors come back from the embedding cache, so a rebuild costs little."""
    from rag.index import Index, drop_collection

    drop_collection(settings)
    return Index.open(settings, embeddings)


def run_on_renditions(
    settings: Settings,
    questions: Sequence[Question],
    sources: Sequence[Path],
    renditions: Sequence[str],
    work_dir: Path,
    *,
    name: str,
    set_path: str,
    mode: RetrievalMode = "hybrid",
    k: int | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> list[RunResult]:
    """Run ``questions`` once per rendition of ``sources``, each over a fresh collection in ``work_dir``.

    The embedding cache in ``work_dir`` is kept between runs (unchanged passages cost nothing);
    the collections are rebuilt every time, so the user's index is never read or written.
    """
    from eval.renditions import make_renditions
    from rag.embeddings import make_embeddings

    runs: list[RunResult] = []
    embeddings = make_embeddings(eval_settings(settings, work_dir, "unused"))
    for rendition in renditions:
        files = make_renditions(sources, rendition, work_dir / "renditions" / rendition)
        rsettings = eval_settings(settings, work_dir, f"eval-{Path(set_path).stem}-{rendition}")
        index = fresh_index(rsettings, embeddings)
        try:
            errors = _ingest_files(index, rsettings, files)
            progress = (lambda d, t, r=rendition: on_progress(r, d, t)) if on_progress else None
            run = run_questions(
                rsettings,
                index,
                questions,
                name=f"{name}-{rendition}",
                set_path=set_path,
                mode=mode,
                k=k,
                on_progress=progress,
                documents=index.documents(),
                rendition=rendition,
            )
        finally:
            index.close()
        if errors:
            run.extra["Ingest errors"] = {line: 1.0 for line in errors}
        runs.append(run)
    return runs


def _ingest_files(index: Any, settings: Settings, files: Sequence[Path]) -> list[str]:
    from rag.indexing import index_files

    return [f"{e.path}: {e.reason}" for e in index_files(index, files, settings).result.errors]


SIDE_BY_SIDE = ("questions", "hit@k", "mrr", "key_fact_recall", "refusal_accuracy", "citation_precision")
"""Columns of the side-by-side table after set and rendition."""


def side_by_side(runs: Sequence[RunResult]) -> list[dict[str, Any]]:
    """One row per (set, rendition): the headline metrics of each run, for a single comparison table."""
    rows = []
    for run in runs:
        s = run.summary
        rows.append(
            {
                "set": Path(run.set_path).stem,
                "rendition": run.config.get("rendition", "txt"),
                "questions": s.get("questions"),
                "hit@k": s.get(f"hit@{run.k}"),
                "k": run.k,
                "mrr": s.get("mrr"),
                "key_fact_recall": s.get("key_fact_recall"),
                "refusal_accuracy": s.get("refusal_accuracy"),
                "citation_precision": s.get("citation_precision"),
                "false_refusal_rate": s.get("false_refusal_rate"),
                "false_answer_rate": s.get("false_answer_rate"),
            }
        )
    return rows


def side_by_side_markdown(rows: Sequence[dict[str, Any]]) -> str:
    """The comparison table as Markdown (set × rendition × headline metrics)."""
    head = ["set", "rendition", "questions", "hit@k", "MRR", "key-fact recall", "refusal acc.", "citation prec."]
    keys = [
        "set",
        "rendition",
        "questions",
        "hit@k",
        "mrr",
        "key_fact_recall",
        "refusal_accuracy",
        "citation_precision",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [
            f"{row[key]:.3f}" if isinstance(row[key], float) else ("–" if row[key] is None else str(row[key]))
            for key in keys
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
