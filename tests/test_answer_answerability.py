"""The calibrated answerability decision (rag/answerability.py): fitting, the operating point, the shipped file."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from eval.fit_answerability import curve, fit, operating_point
from rag.answerability import FEATURES, Calibration, Features, load_calibration


def test_probability_is_the_logistic_of_the_weighted_features() -> None:
    calibration = Calibration(weights=(1.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, -2.0), threshold=0.5)
    features = Features(dense=0.8, lexical=0.3, coverage=0.5, asked_kind=1.0, heading=0.2, constraint=1.0)
    z = 1.0 * 0.8 + 2.0 * 0.5 - 2.0  # by hand: -0.2
    assert math.isclose(calibration.probability(features), 1 / (1 + math.exp(-z)), rel_tol=1e-9)


def test_fit_separates_answerable_from_unanswerable_by_coverage() -> None:
    # answerable questions have coverage ≥ 0.6, unanswerable ones ≤ 0.3; the other features are noise
    rng = np.random.default_rng(7)
    n = 200
    y = np.array([i % 2 for i in range(n)], dtype=float)
    x = rng.uniform(0, 1, size=(n, len(FEATURES)))
    x[:, FEATURES.index("coverage")] = np.where(y == 1, rng.uniform(0.6, 1.0, n), rng.uniform(0.0, 0.3, n))
    weights = fit(x, y)
    assert weights[FEATURES.index("coverage")] > 2.0
    calibration = Calibration(tuple(weights), 0.5)
    p = np.array([calibration.probability(Features(*row)) for row in x])
    t = operating_point(p, y)
    assert np.mean((p >= t) == (y == 1)) == 1.0


def test_curve_counts_false_answers_and_false_refusals() -> None:
    p, y = [0.9, 0.2, 0.7, 0.4], [1, 1, 0, 0]
    rows = dict((t, (fa, fr)) for t, fa, fr in curve(p, y, steps=3))
    assert rows[0.0] == (1.0, 0.0)  # everything answered: both unanswerable answered
    assert rows[0.5] == (0.5, 0.5)  # 0.7 answered wrongly, 0.2 refused wrongly
    assert rows[1.0] == (0.0, 1.0)


def test_a_weights_file_for_other_features_is_ignored(tmp_path: Path) -> None:
    wrong = tmp_path / "old.json"
    wrong.write_text(json.dumps({"features": ["dense"], "weights": [1.0, 0.0], "threshold": 0.5}), encoding="utf-8")
    assert load_calibration(wrong) is None
    right = tmp_path / "new.json"
    right.write_text(
        json.dumps({"features": list(FEATURES), "weights": [0.0] * (len(FEATURES) + 1), "threshold": 0.4}),
        encoding="utf-8",
    )
    loaded = load_calibration(right)
    assert loaded is not None and loaded.threshold == 0.4


def test_subject_words_are_the_nouns_less_the_asked_kind_unit_time_and_code() -> None:
    from rag.answer import question_terms, subject_terms

    question = "Doanh thu xổ số điện toán năm 2025 là bao nhiêu tỷ đồng?"
    subject = set(subject_terms(question, question_terms(question)))
    assert {"doanh thu", "dien toan"} <= subject  # what the figure is of
    assert not subject & {"nam", "2025", "ty", "dong", "ty dong"}  # its year and the unit asked for
    question = "Quy định 383-QĐ/TW do cơ quan nào ban hành?"
    subject = set(subject_terms(question, question_terms(question)))
    assert "co quan" not in subject  # the kind of answer asked for ("cơ quan nào")
    assert not subject & {"383", "qd", "tw"}  # pieces of the document's code
    question = "Tỷ lệ hộ nghèo năm ngoái là bao nhiêu phần trăm?"
    assert not set(subject_terms(question, question_terms(question))) & {"nam ngoai", "phan tram"}
    question = "Quyết định 2820/QĐ-UBND có hiệu lực khi nào?"  # the kind and code name which document, all of it
    assert set(subject_terms(question, question_terms(question))) == {"hieu luc"}
    question = "Quyết định của Thủ tướng về xổ số có hiệu lực khi nào?"  # no number: "quyết định" is a subject word
    assert {"quyet dinh", "xo so"} <= set(subject_terms(question, question_terms(question)))


def test_the_unit_a_figure_is_asked_in() -> None:
    from rag.query_understanding import asked_unit

    assert asked_unit("Doanh thu năm 2025 là bao nhiêu tỷ đồng?") == "ty dong"
    assert asked_unit("Tỷ lệ hộ nghèo là bao nhiêu phần trăm?") == "phan tram"
    assert asked_unit("Có bao nhiêu đảng viên mới?") == "dang vien"  # a count of people
    assert asked_unit("Ai ký quyết định này?") is None


def test_a_question_with_its_marks_keeps_content_words_that_fold_like_function_words() -> None:
    """ "chó" (dog) and "chợ" (market) fold to "cho" (for), "đề" to "để": read with the marks they stay terms."""
    from rag.answer import question_terms

    terms = question_terms("Hàng xóm thả chó chạy rông ngoài đường ở thị trấn có được không?")
    assert "cho" in terms and "tha" in terms and "thi tran" in terms
    assert "o" not in terms  # "ở" (at) is a function word
    assert "cho" not in question_terms("Kinh phí cấp cho xã là bao nhiêu?")  # "cho" (for) is not
    assert "cho" in question_terms("Muốn sang chợ bên kia biên giới thì đi lối nào?")
    # typed without marks "cho" cannot be told apart and stays a function word
    assert "cho" not in question_terms("Hang xom tha cho chay rong ngoai duong co duoc khong?")


def test_the_written_function_words_are_the_folded_ones_with_their_marks() -> None:
    from ingest.normalize import fold
    from ingest.wordlists import FUNCTION_TERMS, FUNCTION_TERMS_WRITTEN

    # "cứ" is written only: folded it would also drop "cũ" (old) and "cụ" from unaccented questions
    assert {fold(w) for w in FUNCTION_TERMS_WRITTEN} - FUNCTION_TERMS == {"cu"}
    assert FUNCTION_TERMS - {fold(w) for w in FUNCTION_TERMS_WRITTEN} == set()
