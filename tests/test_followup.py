"""Follow-up questions (issue 25.3): rewrites written by hand for each kind of follow-up, a new conversation left
alone, the rewrite's speed, and POST /api/ask with a history against a real index (answer, refusal, clearance)."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from rag.followup import rewrite_followup
from tests.ui_support import add_users, build_index, contains_secret
from ui.api import create_api

TOPIC_2 = {"question": "Chuyên đề 2 do những đơn vị nào chuẩn bị thảo luận?", "answer": "Đảng bộ Sở Nội vụ …"}
PLAN = {
    "question": "Kế hoạch 3260 giao Tổ đảng ở Thường trực Ủy ban Pháp luật nhiệm vụ gì?",
    "answer": "Chủ trì thẩm tra, giám sát việc thực hiện chính sách, pháp luật về dân sự, hành chính [1]. "
    "Rà soát các luật về tổ chức bộ máy nhà nước [2].",
}


@pytest.mark.parametrize(
    ("history", "question", "expected"),
    [
        ([TOPIC_2], "còn chuyên đề 3 thì sao?", "Chuyên đề 3 do những đơn vị nào chuẩn bị thảo luận?"),
        ([TOPIC_2], "Chuyên đề 4 thì sao?", "Chuyên đề 4 do những đơn vị nào chuẩn bị thảo luận?"),
        ([TOPIC_2], "Thực trạng của chuyên đề đó là gì?", "Thực trạng của Chuyên đề 2 là gì?"),
        (
            [PLAN],
            "còn Tổ đảng ở Thường trực Ủy ban Tư pháp thì sao?",
            "Kế hoạch 3260 giao Tổ đảng ở Thường trực Ủy ban Tư pháp nhiệm vụ gì?",
        ),
        (
            [{"question": "Kế hoạch 3260 giao Tổ đảng ở Thường trực Ủy ban Quốc phòng và An ninh nhiệm vụ gì?"}],
            "còn Tổ đảng ở Thường trực Ủy ban Văn hóa, Giáo dục thì sao?",
            "Kế hoạch 3260 giao Tổ đảng ở Thường trực Ủy ban Văn hóa, Giáo dục nhiệm vụ gì?",
        ),
        ([PLAN], "nói rõ hơn ý thứ hai", "Rà soát các luật về tổ chức bộ máy nhà nước"),
        ([PLAN], "văn bản đó do ai ký?", "Kế hoạch 3260 do ai ký?"),
        (
            [PLAN],
            "cơ quan nào chủ trì việc đó?",
            "cơ quan nào chủ trì việc chủ trì thẩm tra, giám sát việc thực hiện chính sách, pháp luật về dân sự, "
            "theo Kế hoạch 3260?",
        ),
        (
            [{"question": "Tăng trưởng kinh tế năm 2025 đạt bao nhiêu?"}],
            "còn năm 2026 thì sao?",
            "Tăng trưởng kinh tế năm 2026 đạt bao nhiêu?",
        ),
    ],
)
def test_a_follow_up_becomes_the_standalone_question(history: list, question: str, expected: str) -> None:
    rewrite = rewrite_followup(question, history)
    assert rewrite.standalone == expected
    assert rewrite.changed


def test_the_previous_rewrite_not_the_typed_follow_up_carries_a_third_turn() -> None:
    second = {
        "question": "còn chuyên đề 1 thì sao?",
        "standalone": "Chuyên đề 1 do những đơn vị nào chuẩn bị thảo luận?",
    }
    assert rewrite_followup("Thực trạng của chuyên đề đó là gì?", [TOPIC_2, second]).standalone == (
        "Thực trạng của Chuyên đề 1 là gì?"
    )


def test_a_new_conversation_and_a_standalone_question_are_left_alone() -> None:
    assert rewrite_followup("còn chuyên đề 3 thì sao?", []).standalone == "còn chuyên đề 3 thì sao?"
    standalone = "Tăng trưởng kinh tế năm 2025 đạt bao nhiêu?"
    rewrite = rewrite_followup(standalone, [TOPIC_2])
    assert rewrite.standalone == standalone and not rewrite.changed


def test_an_ordinal_past_the_end_of_the_answer_is_not_invented() -> None:
    assert not rewrite_followup("nói rõ hơn ý thứ năm", [PLAN]).changed


def test_a_rewrite_takes_well_under_50_ms() -> None:
    history = [PLAN] * 20
    start = time.perf_counter()
    for _ in range(100):
        rewrite_followup("cơ quan nào chủ trì việc đó?", history)
    assert (time.perf_counter() - start) / 100 < 0.05


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("followup-api")
    settings, _ = build_index(root / "data", root)
    keys = add_users(settings.data_dir)
    return {"client": TestClient(create_api(settings)), "keys": keys}


def _ask(env: dict, user: str, question: str, history: list[dict] | None = None) -> dict:
    body = {"question": question, **({"history": history} if history is not None else {})}
    response = env["client"].post("/api/ask", json=body, headers={"X-API-Key": env["keys"][user]})
    assert response.status_code == 200, response.text
    return response.json()


def test_api_answers_the_rewritten_follow_up_with_citations(env: dict) -> None:
    history = [{"question": "Chuyên đề 2 do những đơn vị nào chuẩn bị thảo luận?"}]
    out = _ask(env, "doc_gia", "còn chuyên đề 3 thì sao?", history)
    assert out["question"] == "còn chuyên đề 3 thì sao?"
    assert out["standalone_question"] == "Chuyên đề 3 do những đơn vị nào chuẩn bị thảo luận?"
    assert "Sở Tư pháp" in out["answer"] and out["citations"]
    alone = _ask(env, "doc_gia", "còn chuyên đề 3 thì sao?")
    assert alone["standalone_question"] == ""


def test_api_follow_up_is_refused_like_any_question_and_never_leaks(env: dict) -> None:
    refused = _ask(env, "doc_gia", "còn năm 2026 thì sao?", [{"question": "Dân số của tỉnh năm 2025 là bao nhiêu?"}])
    assert refused["standalone_question"] == "Dân số của tỉnh năm 2026 là bao nhiêu?"
    assert refused["refused"] is True
    secret = [{"question": "Khu kinh tế Vân Phong Bắc đang thiếu bao nhiêu cán bộ chủ chốt trong năm 2025?"}]
    public = _ask(env, "doc_gia", "còn năm 2026 thì sao?", secret)
    assert not contains_secret(public["answer"]) and not any(contains_secret(c["quote"]) for c in public["citations"])
    cleared = _ask(env, "can_bo_mat", "còn năm 2026 thì sao?", secret)
    assert cleared["standalone_question"] == public["standalone_question"]
