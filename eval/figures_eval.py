"""Precision and recall of "same indicator" on hand-labelled figure pairs (eval/figures/pairs.jsonl).

Each pair names two figures by document, the words right before the value and the value as written; the label
(same / different indicator) was decided by reading both sentences. The documents are the shared party documents
(../shared/data/party_docs, never committed), the topic guide in corpus/ and a draft resolution written for this
check (eval/figures/*.txt). Pairs are split tune/report by ``eval.questions.split_of``; the threshold is chosen on
tune, and the report split's figures are the ones published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.questions import split_of
from ingest.model import Document
from rag.figures import SAME_INDICATOR, Figure, extract_figures, same_indicator

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT / "eval" / "figures" / "pairs.jsonl"
OWN_DOCUMENTS = ROOT / "eval" / "figures"
GUIDE = ROOT / "corpus" / "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt"


@dataclass
class Scores:
    pairs: int
    true_pos: int
    false_pos: int
    false_neg: int
    missing: int
    """Pairs one of whose figures the extractor did not find (scored as predicted "different")."""

    @property
    def precision(self) -> float:
        found = self.true_pos + self.false_pos
        return self.true_pos / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_pos + self.false_neg
        return self.true_pos / wanted if wanted else 1.0


def load_documents_for_eval(shared: Path) -> list[Document]:
    from ingest.pipeline import load_documents

    paths = [*sorted((shared / "party_docs").glob("*.txt")), GUIDE, *sorted(OWN_DOCUMENTS.glob("*.txt"))]
    return [d for p in paths for d in load_documents(p)]


def _locate(item: dict[str, str], docs: dict[str, Document], figures: dict[str, list[Figure]]) -> Figure | None:
    doc = docs.get(item["doc"])
    if doc is None:
        return None
    at = doc.text.find(item["before"] + item["value"])
    if at < 0:
        return None
    start = at + len(item["before"])
    return next((f for f in figures[item["doc"]] if f.start == start), None)


def evaluate(shared: Path, threshold: float = SAME_INDICATOR, pairs_path: Path = PAIRS) -> dict[str, Any]:
    docs = {d.doc_id: d for d in load_documents_for_eval(shared)}
    figures = {doc_id: extract_figures(d) for doc_id, d in docs.items()}
    pairs = [json.loads(line) for line in pairs_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return score(pairs, docs, figures, threshold)


def score(
    pairs: list[dict[str, Any]],
    docs: dict[str, Document],
    figures: dict[str, list[Figure]],
    threshold: float,
) -> dict[str, Any]:
    counts = {s: Scores(0, 0, 0, 0, 0) for s in ("tune", "report")}
    errors: list[dict[str, Any]] = []
    for pair in pairs:
        s = counts[split_of(pair)]
        s.pairs += 1
        a, b = _locate(pair["a"], docs, figures), _locate(pair["b"], docs, figures)
        if a is None or b is None:
            s.missing += 1
        predicted = a is not None and b is not None and same_indicator(a, b, threshold)
        wanted = pair["label"] == "same"
        s.true_pos += predicted and wanted
        s.false_pos += predicted and not wanted
        s.false_neg += wanted and not predicted
        if predicted != wanted:
            errors.append({"id": pair["id"], "split": split_of(pair), "label": pair["label"]})
    return {"threshold": threshold, "splits": counts, "errors": errors}


def sweep(shared: Path, thresholds: list[float], pairs_path: Path = PAIRS) -> list[tuple[float, Scores]]:
    """Tune-split scores per threshold (what SAME_INDICATOR was chosen from)."""
    docs = {d.doc_id: d for d in load_documents_for_eval(shared)}
    figures = {doc_id: extract_figures(d) for doc_id, d in docs.items()}
    pairs = [json.loads(line) for line in pairs_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(t, score(pairs, docs, figures, t)["splits"]["tune"]) for t in thresholds]
