"""Fit the calibrated answerability decision (rag/answerability.py) on the tune split, report the report split.

    troly eval run --set eval/questions/topic_guide.jsonl --json-out /tmp/tg.json
    troly eval run --set eval/questions/party_docs.jsonl --json-out /tmp/pd.json
    python -m eval.fit_answerability fit /tmp/tg.json /tmp/pd.json --out rag/answerability.json

Lives in eval/ because it reads the question sets' splits (``eval.questions.split_of``); the answer pipeline only
loads the shipped weights.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from eval.questions import split_of
from rag.answerability import FEATURES, WEIGHTS_FILE, Calibration, Features


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 4000, rate: float = 0.5) -> np.ndarray:
    """Logistic regression by gradient descent with an L2 penalty (bias not penalised); returns weights + bias
    for the raw features. It is fitted on standardised features (dense cosines sit in a narrow band near 0.85,
    coverage spans 0–1) and the scaling folded back into the weights."""
    mean, std = x.mean(axis=0), x.std(axis=0)
    std = np.where(std > 1e-9, std, 1.0)
    xb = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -40, 40)))
        grad = xb.T @ (p - y) / len(y)
        grad[:-1] += l2 * w[:-1]
        w -= rate * grad
    raw = w[:-1] / std
    return np.append(raw, w[-1] - float(np.dot(raw, mean)))


def operating_point(p: np.ndarray, y: np.ndarray) -> float:
    """The threshold with the fewest wrong decisions (a false answer weighs twice a false refusal: a wrong answer
    misleads, a refusal only sends the reader to the document)."""
    candidates = np.unique(np.concatenate([p, [0.5]]))
    cost = [2 * np.sum((p >= t) & (y == 0)) + np.sum((p < t) & (y == 1)) for t in candidates]
    return float(candidates[int(np.argmin(cost))])


def curve(p: Sequence[float], y: Sequence[int], steps: int = 11) -> list[tuple[float, float, float]]:
    """(threshold, false-answer rate, false-refusal rate) at evenly spaced thresholds: the refusal curve."""
    pa, ya = np.asarray(p, dtype=float), np.asarray(y, dtype=int)
    rows = []
    for t in np.linspace(0.0, 1.0, steps):
        false_answers = float(np.mean(pa[ya == 0] >= t)) if np.any(ya == 0) else 0.0
        false_refusals = float(np.mean(pa[ya == 1] < t)) if np.any(ya == 1) else 0.0
        rows.append((round(float(t), 2), false_answers, false_refusals))
    return rows


def rows_of(report_paths: Sequence[Path]) -> list[tuple[str, Features, int]]:
    """(split, features, answerable) of every question with features in the given ``troly eval run`` JSON files."""
    rows = []
    for path in report_paths:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        runs = data if isinstance(data, list) else data.get("runs", [data])
        for run in runs:
            for result in run.get("results", []):
                feats = result.get("features")
                if feats:
                    rows.append((split_of(result), Features(**feats), int(bool(result["answerable"]))))
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m eval.fit_answerability fit RUN.json … --out rag/answerability.json``: fit on the tune split, print
    the report split's figures."""
    parser = argparse.ArgumentParser(prog="python -m eval.fit_answerability")
    parser.add_argument("command", choices=["fit"])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    args = parser.parse_args(argv)
    rows = rows_of(args.runs)
    tune = [(f, y) for split, f, y in rows if split == "tune"]
    report = [(f, y) for split, f, y in rows if split == "report"]
    if not tune or len({y for _, y in tune}) < 2:
        raise SystemExit("Tập tune không đủ câu hỏi có và không có đáp án để hiệu chỉnh.")
    x, y = np.array([f.vector() for f, _ in tune]), np.array([y for _, y in tune], dtype=float)
    weights = fit(x, y)
    calibration = Calibration(tuple(float(w) for w in weights), 0.5)
    threshold = operating_point(np.array([calibration.probability(f) for f, _ in tune]), y)
    rounded_weights = [round(float(w), 6) for w in weights]
    rounded_threshold = round(threshold, 6)
    out = {
        "features": list(FEATURES),
        "weights": rounded_weights,
        "threshold": rounded_threshold,
        "trained_on": f"{len(tune)} câu tune từ {', '.join(p.name for p in args.runs)}",
    }
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    final = Calibration(tuple(rounded_weights), rounded_threshold)
    probs = [final.probability(f) for f, _ in report]
    labels = [y for _, y in report]
    print(json.dumps({"report_questions": len(report), "operating_point": rounded_threshold,
                      "curve": curve(probs, labels), "at_operating_point": _rates(probs, labels, threshold),
                      "weights": dict(zip([*FEATURES, "bias"], rounded_weights, strict=True))},
                     ensure_ascii=False, indent=1))  # fmt: skip


def _rates(p: Sequence[float], y: Sequence[int], t: float) -> dict[str, float]:
    pa, ya = np.asarray(p, dtype=float), np.asarray(y, dtype=int)
    return {
        "false_answers": float(np.mean(pa[ya == 0] >= t)) if np.any(ya == 0) else 0.0,
        "false_refusals": float(np.mean(pa[ya == 1] < t)) if np.any(ya == 1) else 0.0,
        "accuracy": float(np.mean((pa >= t) == (ya == 1))) if len(ya) else 0.0,
    }


if __name__ == "__main__":
    main()
