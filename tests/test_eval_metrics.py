"""Evaluation metrics on hand-made cases, including cases that must score low."""

from __future__ import annotations

import math

import pytest

from eval.metrics import (
    citation_precision,
    citation_recall,
    first_relevant_rank,
    fold,
    hit_at_k,
    key_fact_recall,
    latency_summary,
    mean_of,
    mean_reciprocal_rank,
    ndcg_at_k,
    percentile,
    refusal_accuracy,
    split_cited_sentences,
    support_score,
)

GROWTH = (
    "- Thực trạng: Tỷ lệ giải ngân chưa đạt 100%; trưởng kinh tế năm 2025 đạt 6,42%, "
    "chưa đạt mục tiêu Nghị quyết đề ra (7,5%)."
)
DISASTER = (
    "- Thực trạng: Năm 2025, thiên tai gây thiệt hại nặng nề (trên 1.500 tỷ đồng), "
    "ảnh hưởng trực tiếp đến nguồn lực phát triển của tỉnh."
)
ORGS = "- Các TCCS Đảng chuẩn bị thảo luận: Đảng bộ Sở Nội vụ, Đảng bộ Văn phòng UBND tỉnh."


# --- retrieval (existing functions keep their behaviour) ---------------------------


def test_retrieval_metrics_on_known_ranks() -> None:
    ranks = [1, 3, None, 2]
    assert hit_at_k(ranks, 1) == 0.25
    assert hit_at_k(ranks, 3) == 0.75
    assert mean_reciprocal_rank(ranks) == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4)
    assert first_relevant_rank([False, False, True]) == 3
    assert first_relevant_rank([False, False]) is None
    assert ndcg_at_k([True, False], 2, n_relevant=1) == 1.0
    assert ndcg_at_k([False, True], 2, n_relevant=1) == pytest.approx(1 / math.log2(3))
    assert ndcg_at_k([False, False], 2, n_relevant=1) == 0.0


# --- folding and key facts --------------------------------------------------------


def test_fold_ignores_diacritics_nfc_tone_placement_case_and_wraps() -> None:
    decomposed = "Thu\u0309y lơ\u0323i"  # NFD input
    assert fold(decomposed) == fold("thủy lợi") == "thuy loi"
    assert fold("hoà") == fold("hòa")
    assert fold("Đảng  bộ\n\nSở") == "dang bo so"
    assert fold("“Bình dân học vụ số”") == '"binh dan hoc vu so"'


def test_key_fact_recall_full_partial_and_without_diacritics() -> None:
    facts = ["6,42%", "7,5%"]
    assert key_fact_recall("Tăng trưởng đạt 6,42%, mục tiêu 7,5%.", facts) == 1.0
    assert key_fact_recall("tang truong dat 6,42%, muc tieu 7,5%", facts) == 1.0
    assert key_fact_recall("Phong trào Binh dan hoc vu so", ["Bình dân học vụ số"]) == 1.0


def test_missing_key_fact_lowers_recall() -> None:
    facts = ["Sở Nội vụ", "Văn phòng UBND tỉnh"]
    assert key_fact_recall("Đảng bộ Sở Nội vụ chuẩn bị thảo luận.", facts) == 0.5
    assert key_fact_recall("Không có thông tin.", facts) == 0.0
    # a near-miss figure is not the fact
    assert key_fact_recall("Tăng trưởng đạt 6,4%.", ["6,42%"]) == 0.0


def test_a_figure_with_zero_decimals_states_the_same_fact() -> None:
    # tables print "80,0 triệu đồng"; the fact written by hand is "80 triệu đồng"
    assert key_fact_recall("GRDP bình quân đầu người: 80,0 triệu đồng.", ["80 triệu đồng"]) == 1.0
    assert key_fact_recall("Thu 1.200,00 tỷ đồng.", ["1.200 tỷ đồng"]) == 1.0
    assert key_fact_recall("Đạt 80,05 triệu đồng.", ["80 triệu đồng"]) == 0.0  # not the same figure
    assert key_fact_recall("Đạt 180,0 triệu đồng.", ["80 triệu đồng"]) == 0.0


def test_a_fact_copied_with_its_full_stop_is_stated_before_a_citation_marker() -> None:
    # XQuAD-vi gold spans sometimes end with the sentence's full stop; the answer puts "[1]" before its own
    assert key_fact_recall("Eoandromeda có thể đại diện cho sứa lược [1].", ["sứa lược."]) == 1.0
    assert key_fact_recall("Thành lập Tòa án Nhân quyền Châu Âu [1].", ["“Tòa án Nhân quyền Châu Âu.”"]) == 1.0
    assert key_fact_recall("Đại diện cho sứa [1].", ["sứa lược."]) == 0.0
    assert key_fact_recall("Không có thông tin.", ["."]) == 0.0  # a fact of punctuation only states nothing


# --- citations ----------------------------------------------------------------------


def test_split_attaches_markers_after_full_stop_to_previous_sentence() -> None:
    parts = split_cited_sentences("Tăng trưởng đạt 6,42%. [1] Thiệt hại trên 1.500 tỷ đồng [2][3].")
    assert [p.markers for p in parts] == [(1,), (2, 3)]
    assert split_cited_sentences("Theo [1, 2] thì đúng vậy.")[0].markers == (1, 2)


def test_copied_sentence_is_supported_and_scores_full_precision_and_recall() -> None:
    answer = (
        "Tăng trưởng kinh tế năm 2025 đạt 6,42%, chưa đạt mục tiêu Nghị quyết đề ra (7,5%) [1]. "
        "Năm 2025, thiên tai gây thiệt hại nặng nề (trên 1.500 tỷ đồng) [2]."
    )
    passages = {1: GROWTH, 2: DISASTER}
    assert citation_precision(answer, passages) == 1.0
    assert citation_recall(answer, passages) == 1.0


def test_citation_that_does_not_support_its_sentence_scores_zero() -> None:
    answer = "Năm 2025, thiên tai gây thiệt hại nặng nề (trên 1.500 tỷ đồng) [1]."
    # [1] points to the growth passage: same document, same year, wrong content
    assert support_score(answer, GROWTH) < 0.5
    assert citation_precision(answer, {1: GROWTH}) == 0.0
    assert citation_recall(answer, {1: GROWTH}) == 0.0


def test_swapped_citations_score_zero_and_one_wrong_halves_precision() -> None:
    answer = "Tăng trưởng kinh tế năm 2025 đạt 6,42% [1]. Thiên tai gây thiệt hại trên 1.500 tỷ đồng [2]."
    assert citation_precision(answer, {1: DISASTER, 2: GROWTH}) == 0.0
    assert citation_precision(answer, {1: GROWTH, 2: GROWTH}) == 0.5
    assert citation_recall(answer, {1: GROWTH, 2: GROWTH}) == 0.5


def test_marker_to_unknown_passage_is_unsupported() -> None:
    answer = "Đảng bộ Sở Nội vụ, Đảng bộ Văn phòng UBND tỉnh [7]."
    assert citation_precision(answer, {1: ORGS}) == 0.0


def test_uncited_claim_lowers_recall_but_not_precision() -> None:
    answer = "Đảng bộ Sở Nội vụ, Đảng bộ Văn phòng UBND tỉnh chuẩn bị thảo luận [1]. Tăng trưởng đạt 6,42%."
    passages = {1: ORGS}
    assert citation_precision(answer, passages) == 1.0
    assert citation_recall(answer, passages) == 0.5


def test_no_citations_means_precision_undefined_and_recall_zero() -> None:
    answer = "Tăng trưởng kinh tế năm 2025 đạt 6,42%."
    assert citation_precision(answer, {1: GROWTH}) is None
    assert citation_recall(answer, {1: GROWTH}) == 0.0
    assert citation_recall("", {}) is None


def test_support_is_diacritic_insensitive() -> None:
    assert support_score("truong kinh te nam 2025 dat 6,42%", GROWTH) == 1.0
    # the source says "trưởng kinh tế" (the PDF lost "Tăng"), so the first bigram is not there
    assert support_score("tang truong kinh te nam 2025 dat 6,42%", GROWTH) == pytest.approx(7 / 8)


# --- refusals and latency -----------------------------------------------------------


def test_refusal_accuracy_counts_both_kinds_of_mistake() -> None:
    answerable = [True, True, False, False]
    assert refusal_accuracy(answerable, [False, False, True, True]) == 1.0
    assert refusal_accuracy(answerable, [True, False, False, True]) == 0.5  # one false refusal, one hallucination
    assert refusal_accuracy(answerable, [True, True, False, False]) == 0.0
    with pytest.raises(ValueError):
        refusal_accuracy([True], [])


def test_percentiles_match_linear_interpolation() -> None:
    values = [10.0, 20.0, 30.0, 40.0, 100.0]
    assert percentile(values, 50) == 30.0
    assert percentile(values, 90) == pytest.approx(76.0)
    summary = latency_summary(values)
    assert summary["max"] == 100.0
    assert summary["mean"] == 40.0
    assert latency_summary([])["p50"] == 0.0


def test_mean_of_skips_undefined() -> None:
    assert mean_of([1.0, None, 0.0]) == 0.5
    assert mean_of([None]) is None


def test_semicolons_and_figures_do_not_split_a_cited_sentence() -> None:
    answer = "Tỷ lệ giải ngân chưa đạt 100%; trưởng kinh tế năm 2025 đạt 6,42% [1]."
    parts = split_cited_sentences(answer)
    assert len(parts) == 1 and parts[0].markers == (1,)
    assert citation_recall(answer, {1: GROWTH}) == 1.0
