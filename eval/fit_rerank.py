"""Fit the second-stage ranking (rag/rerank.py) on the tune split of the long-document development set.

Run: ``python -m eval.fit_rerank [--shared ../shared/data] [--write]``. Every question of the development set
(eval/longdoc_eval.py: law-article titles, citizen questions, party-document questions) is asked with and without
diacritics; the fused top :data:`rag.rerank.DEPTH` passages are described by :data:`rag.rerank.FEATURES`, a passage
of a gold document is a positive. A logistic regression is fitted on the tune split only; document hit@1/hit@5/MRR
are printed per group and split for the fused order and the re-ranked one. ``--write`` saves the weights to
rag/rerank.json, with ``default`` true only when the report split's hit@1 rises overall and falls for no group.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from eval.longdoc_eval import document_rank, open_dev_index, summarize
from ingest.normalize import strip_diacritics
from rag.rerank import DEPTH, FEATURES, WEIGHTS, Reranker, features

log = logging.getLogger(__name__)

L2 = 1.0
"""Ridge penalty of the fit (on standardised features): a dozen weights from a few hundred questions."""
STEPS = 3000


@dataclass
class Example:
    """One question in one form: its fused top passages, their features and which are of a gold document."""

    group: str
    split: str
    diacritics: bool
    query: str
    docs: list[str]
    matrix: np.ndarray
    labels: np.ndarray


def collect(index: Any, settings: Any, questions: Sequence[Any]) -> list[Example]:
    """The fused top passages of every question, with and without diacritics (the learned stage switched off)."""
    from rag.retrieval import HybridRetriever

    retriever = HybridRetriever(index=index, settings=settings, rerank=False)
    out = []
    for q in questions:
        for diacritics in (True, False):
            text = q.text if diacritics else strip_diacritics(q.text)
            hits = retriever.search(text, k=DEPTH)
            if not hits:
                continue
            docs = [h.chunk.doc_id for h in hits]
            labels = np.array([d in q.gold for d in docs], dtype=np.float64)
            out.append(Example(q.group, q.split, diacritics, text, docs, features(text, hits), labels))
    return out


def fit(examples: Sequence[Example]) -> Reranker:
    """Logistic regression (gradient descent, L2) on standardised features; questions weigh equally."""
    x = np.vstack([e.matrix for e in examples])
    y = np.concatenate([e.labels for e in examples])
    weight = np.concatenate([np.full(len(e.labels), 1.0 / len(e.labels)) for e in examples])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    w, b = np.zeros(z.shape[1]), 0.0
    total = weight.sum()
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(z @ w + b)))
        g = weight * (p - y)
        w -= 0.5 * ((z.T @ g) / total + L2 * w / len(examples))
        b -= 0.5 * g.sum() / total
    return Reranker(
        {f: round(float(v), 5) for f, v in zip(FEATURES, w, strict=True)},
        round(float(b), 5),
        {f: round(float(v), 6) for f, v in zip(FEATURES, mean, strict=True)},
        {f: round(float(v), 6) for f, v in zip(FEATURES, scale, strict=True)},
    )


def ranks(examples: Sequence[Example], model: Reranker | None) -> list[int | None]:
    out = []
    for e in examples:
        order = range(len(e.docs)) if model is None else np.argsort(-model.score(e.matrix), kind="stable")
        out.append(document_rank([e.docs[i] for i in order], set(np.array(e.docs)[e.labels > 0])))
    return out


def table(examples: Sequence[Example], model: Reranker) -> list[dict]:
    rows = []
    for group in [*sorted({e.group for e in examples}), "all"]:
        for split in ("tune", "report"):
            for diacritics in (True, False):
                picked = [
                    e for e in examples if e.split == split and e.diacritics == diacritics and group in ("all", e.group)
                ]
                if picked:
                    before, after = summarize(ranks(picked, None)), summarize(ranks(picked, model))
                    rows.append(
                        {"group": group, "split": split, "diacritics": diacritics, "n": len(picked), "fused": before}
                        | {"reranked": after}
                    )
    return rows


def render(rows: Sequence[dict]) -> str:
    lines = [
        "| group | split | diacritics | n | fused hit@1 | reranked hit@1 | fused hit@5 | reranked hit@5 | fused MRR | "
        "reranked MRR |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        f, a = r["fused"], r["reranked"]
        lines.append(
            f"| {r['group']} | {r['split']} | {'yes' if r['diacritics'] else 'no'} | {r['n']} | {f['hit@1']:.3f} | "
            f"{a['hit@1']:.3f} | {f['hit@5']:.3f} | {a['hit@5']:.3f} | {f['mrr']:.3f} | {a['mrr']:.3f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--known-items", type=int, default=300)
    parser.add_argument("--write", action="store_true", help="save the weights to rag/rerank.json")
    args = parser.parse_args(argv)
    index, settings, dev, _ = open_dev_index(args.shared, args.data_dir, args.known_items)
    started = time.perf_counter()
    examples = collect(index, settings, dev.questions)
    model = fit([e for e in examples if e.split == "tune"])
    rows = table(examples, model)
    print(render(rows))
    timings = []
    for e in examples[:200]:
        t0 = time.perf_counter()
        model.score(e.matrix)
        timings.append((time.perf_counter() - t0) * 1000)
    took = time.perf_counter() - started
    print(f"score only: p50 {statistics.median(timings):.3f} ms ({len(examples)} examples, {took:.0f} s)")
    report = [r for r in rows if r["split"] == "report"]
    # on by default only when the report split's hit@1 rises overall and falls for no group (party documents too)
    helps = all(r["reranked"]["hit@1"] > r["fused"]["hit@1"] for r in report if r["group"] == "all") and all(
        r["reranked"]["hit@1"] >= r["fused"]["hit@1"] for r in report
    )
    trained = (
        f"python -m eval.fit_rerank --known-items {args.known_items} --write; tune split of eval/longdoc_eval.py "
        f"({sum(e.split == 'tune' for e in examples)} question forms), {time.strftime('%Y-%m-%d')}"
    )
    model = replace(model, trained=trained, default=helps)
    print(model.to_json())
    if args.write:
        WEIGHTS.write_text(model.to_json() + "\n", encoding="utf-8")
        print(f"wrote {WEIGHTS} (default {'on' if helps else 'off'})")


if __name__ == "__main__":
    main()
