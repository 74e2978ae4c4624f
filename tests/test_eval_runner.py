"""Scoring, aggregation and report writing on hand-made answers (real dataclasses, no pipeline)."""

from __future__ import annotations

import json
from pathlib import Path

from eval.questions import parse_questions
from eval.report import compare_reports, load_report, write_report
from eval.runner import build_run, is_relevant, per_topic, score_answer, variant_agreement, worst_failures
from ingest.model import Chunk
from rag.answer import Answer, Citation
from rag.retrieval import Hit

DOC = "guide.txt"
GROWTH = "- Thực trạng: Tỷ lệ giải ngân chưa đạt 100%; trưởng kinh tế năm 2025 đạt 6,42%."
DISASTER = "- Thực trạng: Năm 2025, thiên tai gây thiệt hại nặng nề (trên 1.500 tỷ đồng)."
PARTY = "6. Một số gợi ý: - Việc thực hiện nguyên tắc sinh hoạt đảng, sinh hoạt chi bộ định kỳ."


def _chunk(
    cid: str, text: str, topic: int | None, section: str, start: int = 0, doc: str = DOC, title: str = ""
) -> Chunk:
    return Chunk(cid, doc, "Gợi ý", "topic_guide", text, start, start + len(text), topic, title, section)


GROWTH_C = _chunk("g", GROWTH, 1, "Thực trạng", 100)
DISASTER_C = _chunk("d", DISASTER, 5, "Thực trạng", 900)
PARTY_C = _chunk("p", PARTY, 6, "Một số gợi ý", 1500, title="Một số gợi ý")
OTHER_DOC_C = _chunk("o", GROWTH, 1, "Thực trạng", 100, doc="resolution.docx")

QUESTIONS = parse_questions(
    [
        '{"id": "growth", "question": "Tăng trưởng năm 2025?", "answerable": true, "expected_facts": ["6,42%"],'
        ' "gold": [{"topic": 1, "field": "Thực trạng"}], "tags": ["figure"]}',
        '{"id": "both", "question": "Tăng trưởng và thiệt hại?", "answerable": true,'
        ' "expected_facts": ["6,42%", "trên 1.500 tỷ đồng"],'
        ' "gold": [{"topic": 1, "field": "Thực trạng"}, {"topic": 5, "field": "Thực trạng"}], "tags": ["cross_topic"]}',
        '{"id": "pop", "question": "Dân số của tỉnh?", "answerable": false, "tags": ["unanswerable"]}',
        '{"id": "party", "question": "Sinh hoạt chi bộ?", "answerable": true, "expected_facts": ["định kỳ"],'
        ' "gold": [{"topic": 6, "field": "Gợi ý"}], "gold_spans": []}',
    ]
)
Q = {q.id: q for q in QUESTIONS}
PASSAGES = {c.chunk_id: c for c in (GROWTH_C, DISASTER_C, PARTY_C)}


def _citation(n: int, chunk: Chunk) -> Citation:
    return Citation(
        n, chunk.chunk_id, DOC, chunk.doc_id, chunk.topic, "", chunk.section, chunk.text, chunk.start, chunk.end
    )


def _answer(text: str, hits: list[Chunk], cites: list[Chunk], refused: bool = False) -> Answer:
    return Answer(
        question="q",
        answer=text,
        refused=refused,
        citations=[_citation(i, c) for i, c in enumerate(cites, start=1)],
        hits=[Hit(c, 1.0 / (i + 1)) for i, c in enumerate(hits)],
        latency_ms=120.0,
    )


def test_relevance_needs_the_right_document_topic_and_field() -> None:
    assert is_relevant(GROWTH_C, Q["growth"], DOC)
    assert not is_relevant(DISASTER_C, Q["growth"], DOC)
    assert not is_relevant(OTHER_DOC_C, Q["growth"], DOC)
    # "Gợi ý" is the unlabelled body of topic 6, which the chunker labels with the topic title
    assert is_relevant(PARTY_C, Q["party"], DOC)
    assert not is_relevant(GROWTH_C, Q["party"], DOC)


def test_correct_answer_scores_full_marks() -> None:
    answer = _answer("Trưởng kinh tế năm 2025 đạt 6,42% [1].", [DISASTER_C, GROWTH_C], [GROWTH_C])
    r = score_answer(Q["growth"], answer, PASSAGES, DOC, k=5)
    assert r.first_relevant == 2
    assert r.key_fact_recall == 1.0 and r.facts_found == ["6,42%"]
    assert r.citation_precision == 1.0 and r.citation_recall == 1.0
    assert [p.relevant for p in r.retrieved] == [False, True]


def test_right_fact_with_wrong_citation_loses_citation_precision() -> None:
    # the pipeline *claims* [1] supports the sentence; the cited chunk says something else
    answer = _answer("Trưởng kinh tế năm 2025 đạt 6,42% [1].", [GROWTH_C], [DISASTER_C])
    r = score_answer(Q["growth"], answer, PASSAGES, DOC, k=5)
    assert r.key_fact_recall == 1.0
    assert r.citation_precision == 0.0
    assert r.citations[0].support < 0.5


def test_refusing_an_answerable_question_scores_zero_facts() -> None:
    answer = _answer("Tài liệu không có thông tin 6,42%.", [GROWTH_C], [], refused=True)
    r = score_answer(Q["growth"], answer, PASSAGES, DOC, k=5)
    assert r.key_fact_recall == 0.0
    assert not r.correct_refusal


def test_aggregates_count_cross_topic_questions_in_each_topic_and_rank_failures() -> None:
    results = [
        score_answer(Q["growth"], _answer("Đạt 6,42% [1].", [GROWTH_C], [GROWTH_C]), PASSAGES, DOC, 5),
        score_answer(Q["both"], _answer("Đạt 6,42% [1].", [GROWTH_C], [GROWTH_C]), PASSAGES, DOC, 5),
        score_answer(Q["pop"], _answer("Dân số 6,42% [1].", [GROWTH_C], [GROWTH_C]), PASSAGES, DOC, 5),
    ]
    topics = per_topic(results, 5)
    assert topics["Chuyên đề 1"]["questions"] == 2
    assert topics["Chuyên đề 5"]["questions"] == 1
    assert topics["Chuyên đề 5"]["key_fact_recall"] == 0.5
    run = build_run("t", "set.jsonl", {"retrieval": "hybrid"}, results, 5)
    assert run.summary["refusal_accuracy"] == 2 / 3
    assert run.summary["false_answer_rate"] == 1.0
    assert [r.id for r in worst_failures(results)] == ["pop", "both"]
    assert run.summary["variant_agreement"] is None


def test_variant_agreement_compares_outcome_with_the_original() -> None:
    plain = parse_questions(
        [
            '{"id": "nd", "question": "Tang truong nam 2025?", "answerable": true, "expected_facts": ["6,42%"],'
            ' "gold": [{"topic": 1, "field": "Thực trạng"}], "variant_of": "growth"}',
            '{"id": "nd2", "question": "Tang truong?", "answerable": true, "expected_facts": ["6,42%"],'
            ' "gold": [{"topic": 1, "field": "Thực trạng"}], "variant_of": "growth"}',
        ]
    )
    good = _answer("Đạt 6,42% [1].", [GROWTH_C], [GROWTH_C])
    results = [
        score_answer(Q["growth"], good, PASSAGES, DOC, 5),
        score_answer(plain[0], good, PASSAGES, DOC, 5),
        score_answer(plain[1], _answer("Không rõ.", [GROWTH_C], [], refused=True), PASSAGES, DOC, 5),
    ]
    assert variant_agreement(results) == 0.5


def test_report_files_and_compare(tmp_path: Path) -> None:
    good = [score_answer(Q["growth"], _answer("Đạt 6,42% [1].", [GROWTH_C], [GROWTH_C]), PASSAGES, DOC, 5)]
    bad = [score_answer(Q["growth"], _answer("Không rõ.", [DISASTER_C], [], refused=True), PASSAGES, DOC, 5)]
    a = write_report(build_run("a", "s", {}, good, 5), tmp_path, "a")
    b = write_report(build_run("b", "s", {}, bad, 5), tmp_path, "b")
    assert all(p.exists() for p in (*a.values(), *b.values()))
    assert "## Các câu chưa đạt (1)" in b["md"].read_text(encoding="utf-8")
    rows = {m: d for m, _, _, d in compare_reports(load_report(a["json"]), load_report(b["json"]))}
    assert rows["key_fact_recall"] == -1.0
    assert rows["hit@5"] == -1.0
    assert rows["false_refusal_rate"] == 1.0
    assert json.loads(b["json"].read_text(encoding="utf-8"))["worst_failures"] == ["growth"]


def test_held_out_xquad_leaves_one_paragraph_per_article_out(shared_data: Path) -> None:
    """The unanswerable side of the public answer evaluation (issue 20, item 4): XQuAD-vi has 48 articles and 240
    paragraphs; one paragraph per article is not indexed and its questions lose their gold passage."""
    from eval.public_sets import load_xquad, load_xquad_held_out

    path = shared_data / "xquad_vi" / "xquad.vi.json"
    full, held = load_xquad(path), load_xquad_held_out(path)
    assert len(full.chunks) == 240
    assert len(held.chunks) == 240 - 48
    indexed = {c.chunk_id for c in held.chunks}
    unanswerable = [q for q in held.questions if not q.answerable]
    assert unanswerable and all(q.gold_chunk_ids == [] for q in unanswerable)
    assert all(set(q.gold_chunk_ids) <= indexed and q.gold_chunk_ids for q in held.questions if q.answerable)
    assert len(held.questions) == len(full.questions) == 1190
