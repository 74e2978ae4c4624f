"""The evaluation report in Vietnamese (issue 14.4): summary first, failures with the passage that held the fact,
a refusal curve from the runner's answerability scores, one file set per run and the change since the last run."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from eval.questions import parse_questions
from eval.report import refusal_curve, report_stem, write_report
from eval.runner import build_run, score_answer
from ingest.model import Chunk
from rag.answer import Answer, Citation
from rag.retrieval import Hit

DOC = "guide.txt"
GROWTH = "- Thực trạng: Tỷ lệ giải ngân chưa đạt 100%; trưởng kinh tế năm 2025 đạt 6,42%."
OTHER = "- Thực trạng: Năm 2025, thiên tai gây thiệt hại nặng nề (trên 1.500 tỷ đồng)."
GROWTH_C = Chunk("g", DOC, "Gợi ý", "topic_guide", GROWTH, 100, 100 + len(GROWTH), 1, "", "Thực trạng")
OTHER_C = Chunk("d", DOC, "Gợi ý", "topic_guide", OTHER, 900, 900 + len(OTHER), 5, "", "Thực trạng")
PASSAGES = {"g": GROWTH_C, "d": OTHER_C}
QUESTIONS = {
    q.id: q
    for q in parse_questions(
        [
            '{"id": "growth", "question": "Tăng trưởng năm 2025?", "answerable": true, "expected_facts": ["6,42%"],'
            ' "gold": [{"topic": 1, "field": "Thực trạng"}]}',
            '{"id": "pop", "question": "Dân số của tỉnh?", "answerable": false, "tags": ["unanswerable"]}',
        ]
    )
}


def answer(text: str, hits: list[Chunk], cites: list[Chunk], refused: bool, score: float) -> Answer:
    a = Answer(
        question="q",
        answer=text,
        refused=refused,
        citations=[
            Citation(i, c.chunk_id, DOC, DOC, c.topic, "", c.section, c.text, c.start, c.end)
            for i, c in enumerate(cites, 1)
        ],
        hits=[Hit(c, 1.0 / (i + 1)) for i, c in enumerate(hits)],
        latency_ms=80.0,
    )
    a.answerability = score  # type: ignore[attr-defined]
    return a


def scored(growth_refused: bool) -> list:
    growth = (
        answer("Không tìm thấy.", [GROWTH_C], [], True, 0.3)
        if growth_refused
        else answer("Đạt 6,42% [1].", [GROWTH_C], [GROWTH_C], False, 0.9)
    )
    results = [
        score_answer(QUESTIONS["growth"], growth, PASSAGES, DOC, 5),
        score_answer(QUESTIONS["pop"], answer("Không tìm thấy.", [OTHER_C], [], True, 0.2), PASSAGES, DOC, 5),
    ]
    for r, s in zip(results, (0.3 if growth_refused else 0.9, 0.2), strict=True):
        r.answerability = s
        r.expected_refusal = not r.answerable
    return results


def test_report_is_vietnamese_summary_first_then_failures_with_the_holding_passage(tmp_path: Path) -> None:
    paths = write_report(build_run("hybrid", "s.jsonl", {}, scored(True), 5), tmp_path, "2026-01-01-080000-hybrid")
    md = paths["md"].read_text(encoding="utf-8")
    assert md.index("## Tóm tắt") < md.index("## Các câu chưa đạt (1)") < md.index("## Theo chuyên đề")
    summary = md[md.index("## Tóm tắt") : md.index("## Các câu chưa đạt")]
    for label in ("hit@5", "Độ phủ ý chính", "Độ chính xác trích dẫn", "Độ chính xác từ chối", "p95 (ms)"):
        assert label in summary, label
    failure = md[md.index("### growth") :]
    assert "**Ý chính cần có:** 6,42% — còn thiếu: 6,42%" in failure
    assert "**Câu trả lời:** Không tìm thấy." in failure
    assert "**Đoạn chứa ý chính:** #1 (CĐ 1 / Thực trạng): " + GROWTH in failure
    html = paths["html"].read_text(encoding="utf-8")
    assert "<html lang=vi>" in html and "Summary" not in html and "Worst failures" not in html


def test_refusal_curve_from_answerability() -> None:
    # growth (answerable) scores 0.9, pop (refusal expected) 0.2: any threshold in (0.2, 0.9] separates them.
    curve = {round(t, 2): (acc, kept) for t, acc, kept in refusal_curve(scored(False), steps=11)}
    assert curve[0.5] == (1.0, 1.0)
    assert curve[0.0] == (0.5, 1.0)  # nothing refused: pop wrongly answered
    assert curve[1.0] == (0.5, 0.0)  # everything refused: growth lost


def test_one_file_set_per_run_compared_with_the_previous(tmp_path: Path) -> None:
    first = report_stem("hybrid", datetime(2026, 1, 1, 8, 0, 0, tzinfo=UTC))
    second = report_stem("hybrid", datetime(2026, 1, 1, 9, 30, 0, tzinfo=UTC))
    assert (first, second) == ("2026-01-01-080000-hybrid", "2026-01-01-093000-hybrid")
    write_report(build_run("hybrid", "s", {}, scored(True), 5), tmp_path, first)
    paths = write_report(build_run("hybrid", "s", {}, scored(False), 5), tmp_path, second)
    assert paths["json"].exists() and (tmp_path / f"{first}.json").exists()  # nothing overwritten
    md = paths["md"].read_text(encoding="utf-8")
    assert "so với lần chạy trước" in md
    row = next(line for line in md.splitlines() if line.startswith("| Độ chính xác từ chối"))
    assert row.endswith("| 1.000 | +0.500 |")  # 0.5 → 1.0
    assert paths["refusal_png"].exists()


def test_title_tags_settings_and_time_read_in_vietnamese(tmp_path: Path, monkeypatch) -> None:
    """Regression (issue 26.3): the page was titled "ui-hybrid", listed tags as `cross_topic`/`no_diacritics`,
    settings by their keys and the start as a raw UTC timestamp."""
    import time

    monkeypatch.setenv("TZ", "Asia/Ho_Chi_Minh")
    time.tzset()
    try:
        results = scored(True)
        results[0].tags = ["cross_topic", "no_diacritics"]
        run = build_run("ui-hybrid", "s.jsonl", {"retrieval": "hybrid", "chunk_tokens": 256}, results, 5)
        run.started = "2026-01-01T08:00:00+00:00"
        html = write_report(run, tmp_path, "2026-01-01-080000-ui-hybrid")["html"].read_text(encoding="utf-8")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    title = "Báo cáo đánh giá: chạy từ giao diện web, kết hợp ngữ nghĩa + từ khoá"
    assert f"<title>{title}</title>" in html and f"<h1>{title}</h1>" in html
    assert "chạy lúc 15:00 ngày 01/01/2026 (giờ máy chủ)" in html  # 08:00 UTC is 15:00 in Hà Nội
    assert "<td>nhiều chuyên đề</td>" in html and "<td>gõ không dấu</td>" in html
    assert "<td>cách truy xuất (retrieval)</td><td>kết hợp ngữ nghĩa + từ khoá</td>" in html
    assert "<td>cỡ đoạn (token) (chunk_tokens)</td><td>256</td>" in html
    for raw in ("ui-hybrid<", "cross_topic<", "no_diacritics<", "T08:00:00"):
        assert raw not in html, raw
