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


def open_public_index(settings: Settings, shared: Path) -> tuple[Any, Any]:
    """The public collection (built on first use) and the loaded set."""
    from eval.public_sets import load_xquad_with_laws
    from rag.index import Index

    public = load_xquad_with_laws(shared)
    index = Index.open(settings.model_copy(update={"collection": PUBLIC_COLLECTION}))
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
    """Ask up to ``limit`` XQuAD-vi questions through the real pipeline; returns the metric block."""
    from eval.runner import make_pipeline

    k = k or settings.k
    answers = xquad_answers(shared / XQUAD_FILE)
    index, public = open_public_index(settings, shared)
    try:
        pipeline = make_pipeline(settings.model_copy(update={"collection": PUBLIC_COLLECTION}), index, mode)  # type: ignore[arg-type]
        questions = spread(public.questions, limit)
        ranks, recalls, refused, precisions, recalls_cite, latencies = [], [], [], [], [], []
        for i, q in enumerate(questions, start=1):
            answer = pipeline.ask(q.question, k=k)
            gold = set(q.gold_chunk_ids)
            ranks.append(first_relevant_rank([h.chunk.chunk_id in gold for h in answer.hits[:k]]))
            text = "" if answer.refused else answer.answer
            recalls.append(max((key_fact_recall(text, [a]) for a in answers.get(q.qid, [])), default=0.0))
            refused.append(bool(answer.refused))
            latencies.append(float(answer.latency_ms))
            if not answer.refused:
                cited = index.get_chunks(list(dict.fromkeys(c.chunk_id for c in answer.citations)))
                by_id = {c.chunk_id: c.text for c in cited}
                by_n = {c.n: by_id[c.chunk_id] for c in answer.citations if c.chunk_id in by_id}
                precisions.append(citation_precision(answer.answer, by_n))
                recalls_cite.append(citation_recall(answer.answer, by_n))
            if on_progress:
                on_progress(i, len(questions))
    finally:
        index.close()
    return summarize_public(ranks, recalls, refused, precisions, recalls_cite, latencies, k, len(public.chunks))


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
    """The public-set metric block (all questions are answerable, so any refusal is a false refusal)."""
    n = len(ranks)
    return {
        "questions": n,
        "passages": passages,
        "hit@1": hit_at_k(ranks, 1),
        f"hit@{k}": hit_at_k(ranks, k),
        "mrr": mean_reciprocal_rank(ranks),
        "answer_span_recall": sum(recalls) / n if n else 0.0,
        "false_refusal_rate": sum(refused) / n if n else 0.0,
        "citation_precision": mean_of(precisions),
        "citation_recall": mean_of(cite_recalls),
        "latency_p50_ms": latency_summary(latencies)["p50"],
        "latency_p95_ms": latency_summary(latencies)["p95"],
    }
