"""May this part of a question be answered? One calibrated score instead of two hand-set thresholds.

The answer pipeline measures, for each part it answers, a few features it already has: the best dense
(meaning) score of the passages, their best lexical score, how much of what the question names one sentence
covers (:meth:`rag.answer.AnswerPipeline.answerability`), whether any sentence holds an answer of the asked kind,
whether the passage's headings name the question's words, and whether the document the question names was found.
A small logistic regression turns them into a probability that the part is answerable. Its weights are fitted on
the *tune* split of the question sets (``eval.questions.split_of``) from evaluation runs, and shipped as
``rag/answerability.json``; the figures are reported on the *report* split only. To refit::

    troly eval run --set eval/questions/topic_guide.jsonl --json-out /tmp/tg.json
    troly eval run --set eval/questions/party_docs.jsonl --json-out /tmp/pd.json
    python -m eval.fit_answerability fit /tmp/tg.json /tmp/pd.json --out rag/answerability.json

Only numpy: a dozen weights need no machine-learning library. The fitting lives in eval/fit_answerability.py
(it reads the question sets' splits); this module only loads and applies the shipped weights.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

WEIGHTS_FILE = Path(__file__).with_name("answerability.json")
FEATURES = ("dense", "lexical", "coverage", "asked_kind", "heading", "constraint", "subject")


@dataclass(frozen=True)
class Features:
    """What the pipeline knows about one part before answering it (all in 0–1 except ``dense``, a cosine)."""

    dense: float
    """Best dense score of the retrieved passages (1.0 when retrieval was lexical only)."""
    lexical: float
    """Best lexical score, squashed to 0–1 (x / (1 + x)); 0 when retrieval was dense only."""
    coverage: float
    """Best weighted share of the question's key terms in one sentence that gives what is asked."""
    asked_kind: float
    """1 when some sentence holds an answer of the kind asked (a figure, a date, a name …), else 0."""
    heading: float
    """Share of the question's key terms in the best passage's headings."""
    constraint: float
    """1 when the document the question names (by number or kind) is among the passages, or it names none."""
    subject: float = 1.0
    """Weighted share, in the best-covering sentence (with its heading), of the question's subject words
    (:func:`rag.answer.subject_terms`) its document does not already establish: a sentence can repeat most of a
    question's words and still be about something else."""

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, name) for name in FEATURES], dtype=np.float64)


@dataclass(frozen=True)
class Calibration:
    """Fitted weights (one per feature, then the bias) and the operating point (refuse below ``threshold``)."""

    weights: tuple[float, ...]
    threshold: float
    trained_on: str = ""

    def probability(self, features: Features) -> float:
        z = float(np.dot(np.asarray(self.weights[:-1]), features.vector()) + self.weights[-1])
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


@functools.lru_cache(maxsize=4)
def load_calibration(path: Path = WEIGHTS_FILE) -> Calibration | None:
    """The shipped calibration, or None when there is none (then the pipeline's thresholds decide)."""
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data.get("features", ())) != FEATURES:
        log.warning("answerability weights in %s are for other features; ignored", path)
        return None
    return Calibration(tuple(float(w) for w in data["weights"]), float(data["threshold"]), data.get("trained_on", ""))


def features_dict(features: Features) -> dict[str, float]:
    return {k: round(float(v), 4) for k, v in asdict(features).items()}
