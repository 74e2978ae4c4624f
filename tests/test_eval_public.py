"""Public-set helpers: gold answers from XQuAD-vi, the even spread, the metric block."""

from __future__ import annotations

from pathlib import Path

from eval.public_eval import XQUAD_FILE, spread, summarize_public, xquad_answers


def test_spread_is_even_deterministic_and_bounded() -> None:
    items = list(range(100))
    assert spread(items, 4) == [0, 25, 50, 75]
    assert spread(list("abcdefgh"), 3) == ["a", "c", "f"]  # step 8/3: items 0, 2 and 5
    assert spread(items[:3], 10) == [0, 1, 2]


def test_summary_of_public_answers() -> None:
    block = summarize_public(
        ranks=[1, 3, None, 2],
        recalls=[1.0, 0.0, 0.0, 1.0],
        refused=[False, False, True, False],
        precisions=[1.0, 0.0, None],
        cite_recalls=[1.0, 0.5, None],
        latencies=[10.0, 20.0, 30.0, 40.0],
        k=5,
        passages=2040,
    )
    assert block["hit@1"] == 0.25 and block["hit@5"] == 0.75
    assert block["answer_span_recall"] == 0.5
    assert block["false_refusal_rate"] == 0.25
    assert block["citation_precision"] == 0.5
    assert block["latency_p50_ms"] == 25.0


def test_xquad_answers_cover_every_question(shared_data: Path) -> None:
    from eval.public_sets import load_xquad

    answers = xquad_answers(shared_data / XQUAD_FILE)
    questions = load_xquad(shared_data / XQUAD_FILE).questions
    assert len(answers) == len(questions) == 1190
    assert all(answers[q.qid] for q in questions)
