"""Answer quality on text nobody here wrote: XQuAD-vi questions among Vietnamese law passages.

The passages and questions come from :mod:`eval.public_sets` (the retrieval
report's loader, so both reports measure the same set). They are indexed into
their own collection (``PUBLIC_COLLECTION``) in the same data dir, so the
embedding cache is shared and a rerun costs no embeddings. Every question is
answerable: the right output is an answer that contains the gold span, citing
the paragraph it came from.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eval.metrics import (
    citation_precision,
    citation_recall,
    first_relevant_rank,
    hit_at_k,
    key_fact_recall,
    latency_summary,
    mean_of,
    mean_reciprocal_rank,
)
from rag.settings import Settings

PUBLIC_COLLECTION = "eval-xquad-laws"
"""Same collection as the retrieval report (eval/retrieval_eval.py), so one index serves both."""
HELD_OUT_COLLECTION = "eval-xquad-laws-held-out"
"""The same passages less one XQuAD paragraph per article: the unanswerable side of the answer evaluation."""
XQUAD_FILE = Path("xquad_vi") / "xquad.vi.json"


def xquad_answers(path: Path) -> dict[str, list[str]]:
    """Question id → gold answer texts (the public loader keeps only gold passages, not answers)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        qa["id"]: [a["text"] for a in qa.get("answers", []) if a.get("text")]
        for article in data["data"]
        for para in article["paragraphs"]
        for qa in para["qas"]
    }


def spread(items: Sequence[Any], limit: int) -> list[Any]:
    """At most ``limit`` items taken evenly across ``items`` (deterministic, covers every article)."""
    if limit >= len(items):
        return list(items)
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def open_public_index(settings: Settings, shared: Path, held_out: bool = False) -> tuple[Any, Any]:
    """The public collection (built on first use) and the loaded set; ``held_out``: the collection without one
    paragraph per article."""
    from eval.public_sets import load_xquad_with_laws
    from rag.index import Index

    public = load_xquad_with_laws(shared, held_out=held_out)
    collection = HELD_OUT_COLLECTION if held_out else PUBLIC_COLLECTION
    index = Index.open(settings.model_copy(update={"collection": collection}))
    if index.count() != len(public.chunks):
        index.upsert(public.documents, public.chunks)
    return index, public


def run_public(
    settings: Settings,
    shared: Path,
    *,
    limit: int = 200,
    mode: str = "hybrid",
    k: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Ask up to ``limit`` XQuAD-vi questions through the real pipeline over the collection that leaves one
    paragraph per article out: answerable questions should be answered with the gold span, questions of a left-out
    paragraph refused (an answer holding the gold span from a sibling paragraph counts as right). Returns the
    metric block of the whole run and of its report split (``eval.questions.split_of`` of the question id)."""
    from eval.questions import split_of
    from eval.runner import make_pipeline

    k = k or settings.k
    answers = xquad_answers(shared / XQUAD_FILE)
    index, public = open_public_index(settings, shared, held_out=True)
    rows: list[dict[str, Any]] = []
    try:
        pipeline = make_pipeline(settings.model_copy(update={"collection": HELD_OUT_COLLECTION}), index, mode)  # type: ignore[arg-type]
        questions = spread(public.questions, limit)
        for i, q in enumerate(questions, start=1):
            answer = pipeline.ask(q.question, k=k)
            rows.append(_public_row(q, answer, answers.get(q.qid, []), index, k, split_of(q.qid)))
            if on_progress:
                on_progress(i, len(questions))
    finally:
        index.close()
    block = summarize_rows(rows, k, len(public.chunks))
    block["report_split"] = summarize_rows([r for r in rows if r["split"] == "report"], k, len(public.chunks))
    block["rows"] = {r["id"]: r for r in rows}
    return block


def _public_row(q: Any, answer: Any, gold: Sequence[str], index: Any, k: int, split: str) -> dict[str, Any]:
    """What one public question measured: retrieval rank, span recall, refusal, citations, features."""
    from rag.answerability import features_dict

    ids = set(q.gold_chunk_ids)
    text = "" if answer.refused else answer.answer
    recall = max((key_fact_recall(text, [a]) for a in gold), default=0.0)
    row: dict[str, Any] = {
        "id": q.qid,
        "split": split,
        "answerable": bool(q.answerable or recall == 1.0),  # the span turned up from a sibling paragraph
        "held_out": not q.answerable,
        "rank": first_relevant_rank([h.chunk.chunk_id in ids for h in answer.hits[:k]]) if ids else None,
        "recall": recall,
        "refused": bool(answer.refused),
        "latency_ms": float(answer.latency_ms),
        "answerability": answer.answerability,
        "features": features_dict(answer.features) if getattr(answer, "features", None) is not None else None,
        "citation_precision": None,
        "citation_recall": None,
    }
    if not answer.refused:
        cited = index.get_chunks(list(dict.fromkeys(c.chunk_id for c in answer.citations)))
        by_id = {c.chunk_id: c.text for c in cited}
        by_n = {c.n: by_id[c.chunk_id] for c in answer.citations if c.chunk_id in by_id}
        row["citation_precision"] = citation_precision(answer.answer, by_n)
        row["citation_recall"] = citation_recall(answer.answer, by_n)
    return row


def summarize_public(
    ranks: Sequence[int | None],
    recalls: Sequence[float],
    refused: Sequence[bool],
    precisions: Sequence[float | None],
    cite_recalls: Sequence[float | None],
    latencies: Sequence[float],
    k: int,
    passages: int,
) -> dict[str, Any]:
    """The metric block of answerable questions only, from per-question lists (see :func:`summarize_rows`)."""
    rows = [
        {"answerable": True, "held_out": False, "rank": rank, "recall": recall, "refused": no, "latency_ms": ms}
        for rank, recall, no, ms in zip(ranks, recalls, refused, latencies, strict=True)
    ]
    block = summarize_rows(rows, k, passages)
    block["citation_precision"], block["citation_recall"] = mean_of(precisions), mean_of(cite_recalls)
    return block


def summarize_rows(rows: Sequence[dict[str, Any]], k: int, passages: int) -> dict[str, Any]:
    """The public-set metric block: span recall and false refusals over the answerable questions, false answers
    over the questions of left-out paragraphs (answered without the gold span)."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    ranks = [r["rank"] for r in answerable if not r["held_out"]]
    latencies = [r["latency_ms"] for r in rows]
    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "passages": passages,
        "hit@1": hit_at_k(ranks, 1),
        f"hit@{k}": hit_at_k(ranks, k),
        "mrr": mean_reciprocal_rank(ranks),
        "answer_span_recall": mean_of([r["recall"] for r in answerable]) or 0.0,
        "false_refusal_rate": sum(r["refused"] for r in answerable) / len(answerable) if answerable else 0.0,
        "false_answer_rate": sum(not r["refused"] for r in unanswerable) / len(unanswerable) if unanswerable else 0.0,
        "citation_precision": mean_of([r.get("citation_precision") for r in rows]),
        "citation_recall": mean_of([r.get("citation_recall") for r in rows]),
        "latency_p50_ms": latency_summary(latencies)["p50"] if latencies else 0.0,
        "latency_p95_ms": latency_summary(latencies)["p95"] if latencies else 0.0,
    }
