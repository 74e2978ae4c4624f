"""Talking points measured: how often the evidence they quote is on topic, and how long a draft takes.

Relevance: ``eval/relevance/talking_points.jsonl`` holds point/evidence pairs labelled on or off topic by reading
(15 points: two discussion questions of each of the guide's six topics and three subjects of the shared party
documents; the split is the point's, ``eval.questions.split_of(query_id)``, so no point is in both). Each pair's
sentence is found in the index by its first characters (``anchor``) and scored as a draft scores it; the
evidence a draft would quote is a pair scored at or above the threshold. The threshold and the lexical weight
are chosen on the tune split (:func:`fit`) and the figures published are the report split's.

Speed: every topic of the guide and a few subjects are drafted again and again and the wall time per draft is
reported (p50/p95) with the load average – on a busy machine a figure, never a PASS.
"""

from __future__ import annotations

import json
import logging
import os
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.questions import split_of
from ingest.normalize import fold

log = logging.getLogger(__name__)

LABELS = Path(__file__).resolve().parent / "relevance" / "talking_points.jsonl"
SUBJECTS = (
    "thu ngân sách nhà nước và cân đối ngân sách",
    "dịch vụ công trực tuyến và hồ sơ trực tuyến toàn trình",
    "hoàn thiện pháp luật về khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số",
)
"""Subjects timed by the speed benchmark (any subject works; these are in the shared party documents)."""


@dataclass
class Pair:
    id: str
    query_id: str
    query: str
    doc_id: str
    anchor: str
    on_topic: bool
    split: str
    dense: float = 0.0
    lexical: float = 0.0
    found: bool = False
    own: bool = False
    """The topic's own Thực trạng sentence: a draft keeps it for the topic's questions whatever its score."""


def load_pairs(path: Path = LABELS) -> list[Pair]:
    """The labelled pairs; a clear error naming the file and line for a bad one."""
    pairs = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            split = r.get("split") or split_of(r["query_id"])
            doc_id = r["document"] + r.get("part", "")
            pairs.append(Pair(r["id"], r["query_id"], r["query"], doc_id, r["anchor"], bool(r["on_topic"]), split))
        except (ValueError, KeyError) as exc:
            raise ValueError(f"{path.name}, dòng {n}: cặp nhãn không hợp lệ ({exc}).") from exc
    return pairs


def score_pairs(index: Any, pairs: list[Pair], embeddings: Any = None) -> list[Pair]:
    """Dense similarity and lexical share of each pair, as a draft computes them (same units, same idf)."""
    import numpy as np

    from rag.point_evidence import lexical, word_pairs
    from rag.talking_points import _Citer, _Evidence, _guide_units, _question_spans, find_topic

    embeddings = embeddings if embeddings is not None else index.embeddings
    documents = {d.doc_id: d for d in index.documents()}
    pools: dict[int, Any] = {}  # topic number (0: a subject) → its evidence pool
    for pair in pairs:
        topic = int(pair.query_id[5:].split("-")[0]) if pair.query_id.startswith("topic") else 0
        if topic not in pools:
            citer = _Citer(index.all_chunks(), documents)
            if topic:
                guide, top = find_topic(index, topic)
                units = _guide_units(guide, _question_spans(guide.text, top)[0])
                pools[topic] = _Evidence(documents, citer, embeddings, "", [], guide, units)
            else:
                pools[topic] = _Evidence(documents, citer, embeddings, "", [])
        evidence = pools[topic]
        unit = next((u for u in evidence.units if u.doc_id == pair.doc_id and _same_start(u.text, pair.anchor)), None)
        if unit is None:
            log.warning("pair %s: sentence not found in the index (%s)", pair.id, pair.doc_id)
            continue
        q = np.asarray(embeddings.embed_query(pair.query), dtype=np.float32)
        v = np.asarray(embeddings.embed_documents_array([unit.text])[0], dtype=np.float32)
        pair.dense = float(q @ v / ((np.linalg.norm(q) * np.linalg.norm(v)) or 1.0))
        pair.lexical = lexical(word_pairs(pair.query), unit.words, evidence.scorer.idf)
        pair.found = True
        pair.own = unit.key in evidence.own
    return pairs


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text))


def _same_start(text: str, anchor: str) -> bool:
    """The unit begins like the labelled sentence, letters and digits only (markers, capitals and punctuation
    of a row's rendering may have changed since the pair was labelled)."""
    return _letters(text)[:30] == _letters(anchor)[:30]


def measure(pairs: list[Pair], weight: float, threshold: float, split: str) -> dict[str, Any]:
    """Precision and recall of "score ≥ threshold" against the labels of one split."""
    from rag.point_evidence import relevance

    chosen = [p for p in pairs if p.split == split]  # a pair whose sentence is no longer a unit is never kept
    kept = [p for p in chosen if p.found and (p.own or relevance(p.dense, p.lexical, weight) >= threshold)]
    hits = sum(p.on_topic for p in kept)
    positives = sum(p.on_topic for p in chosen)
    return {
        "split": split,
        "pairs": len(chosen),
        "on_topic": positives,
        "kept": len(kept),
        "precision": round(hits / len(kept), 3) if kept else None,
        "recall": round(hits / positives, 3) if positives else None,
    }


def fit(pairs: list[Pair], min_precision: float = 0.9) -> tuple[float, float]:
    """(weight, threshold) with the best recall on the tune split at precision ≥ ``min_precision``."""
    best: tuple[float, float, float] = (-1.0, 0.0, 0.0)
    for weight in (0.0, 0.005, 0.01, 0.02, 0.03):
        for step in range(800, 1600, 5):
            threshold = step / 1000
            m = measure(pairs, weight, threshold, "tune")
            if m["precision"] is None or m["precision"] < min_precision:
                continue
            if (m["recall"] or 0) > best[0]:
                best = (m["recall"] or 0, weight, threshold)
    return best[1], best[2]


def relevance_report(index: Any, embeddings: Any = None, path: Path = LABELS) -> dict[str, Any]:
    """The figures at the shipped constants, and what the tune split would choose."""
    from rag.point_evidence import LEXICAL_WEIGHT, RELEVANCE_THRESHOLD

    pairs = score_pairs(index, load_pairs(path), embeddings)
    weight, threshold = fit(pairs)
    return {
        "labels": str(path.name),
        "missing": [p.id for p in pairs if not p.found],
        "weight": LEXICAL_WEIGHT,
        "threshold": RELEVANCE_THRESHOLD,
        "tune": measure(pairs, LEXICAL_WEIGHT, RELEVANCE_THRESHOLD, "tune"),
        "report": measure(pairs, LEXICAL_WEIGHT, RELEVANCE_THRESHOLD, "report"),
        "tune_choice": {"weight": weight, "threshold": threshold},
        "pairs": [p.__dict__ for p in pairs],
    }


def speed_report(settings: Any, index: Any, rounds: int = 3) -> dict[str, Any]:
    """Wall time per draft over every topic of the guide and :data:`SUBJECTS`; the first round (models loaded,
    sentences embedded into the disk cache) is reported apart as ``warmup_s``. A subject no document speaks to
    is not timed."""
    from rag.talking_points import draft_about, draft_talking_points

    topics = sorted({t.number for _, t in index.topics()})
    times: list[float] = []
    load_before = os.getloadavg()
    warmup = 0.0
    for round_ in range(rounds + 1):
        for topic in topics:
            start = time.perf_counter()
            draft_talking_points(settings, index, topic)
            elapsed = time.perf_counter() - start
            times += [elapsed] if round_ else []
            warmup += 0.0 if round_ else elapsed
        for subject in SUBJECTS:
            start = time.perf_counter()
            try:
                draft_about(settings, index, subject)
            except ValueError:
                continue
            elapsed = time.perf_counter() - start
            times += [elapsed] if round_ else []
            warmup += 0.0 if round_ else elapsed
    times.sort()
    return {
        "warmup_s": round(warmup, 1),
        "drafts": len(times),
        "p50_s": round(statistics.median(times), 3) if times else None,
        "p95_s": round(times[int(0.95 * (len(times) - 1))], 3) if times else None,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
