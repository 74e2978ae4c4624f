"""Question-set schema, loading and validation (hand-made documents and the real set)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.questions import (
    FIELDS,
    QuestionSetError,
    load_questions,
    parse_questions,
    structure_of,
    validate_questions,
)
from ingest.model import Document, Topic

SET_PATH = Path(__file__).resolve().parent.parent / "eval" / "questions" / "topic_guide.jsonl"

INTRO = "Ban tổ chức gợi ý 06 nhóm vấn đề.\n"
BODY = "1. Tăng trưởng\n- Thực trạng: Tăng trưởng đạt 6,42%.\n- Vấn đề thảo luận: Mục tiêu 10%.\n"


def _doc() -> Document:
    text = INTRO + BODY
    start = len(INTRO)
    tt = text.index("Tăng trưởng đạt")
    vd = text.index("Mục tiêu")
    topic = Topic(
        number=1,
        title="Tăng trưởng",
        start=start,
        end=len(text),
        fields={"Thực trạng": text[tt : text.index("\n", tt)], "Vấn đề thảo luận": text[vd : text.index("\n", vd)]},
    )
    return Document("guide", "Gợi ý", "guide.txt", "topic_guide", text, "h", topics=[topic])


def _line(**over: object) -> str:
    item: dict[str, object] = {
        "id": "q1",
        "question": "Tăng trưởng đạt bao nhiêu?",
        "answerable": True,
        "expected_facts": ["6,42%"],
        "gold": [{"topic": 1, "field": "Thực trạng"}],
    }
    item.update(over)
    return json.dumps(item, ensure_ascii=False)


def test_valid_items_pass_against_the_structure() -> None:
    qs = parse_questions(
        [
            _line(),
            _line(id="q2", question="Tang truong dat bao nhieu?", variant_of="q1"),
            _line(id="q3", expected_facts=["06 nhóm"], gold=[{"topic": None, "field": "Mở đầu"}]),
            _line(id="q4", answerable=False, expected_facts=[], gold=[]),
        ]
    )
    assert validate_questions(qs, _doc()) == []
    assert (None, "Mở đầu") in structure_of(_doc())


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not valid JSON"),
        (_line(answerable=True, expected_facts=[]), "expected_facts"),
        (_line(answerable=False), "unanswerable"),
        (_line(gold=[{"topic": 1, "field": "Kết luận"}]), "unknown field"),
        (_line(gold=[{"topic": 1, "field": "Mở đầu"}]), "topic null"),
        (_line(gold_spans=[{"start": 5, "end": 2}]), "greater than start"),
        (_line(extra="x"), "extra"),
    ],
)
def test_bad_lines_give_one_line_error_with_file_and_line(line: str, reason: str) -> None:
    with pytest.raises(QuestionSetError) as err:
        parse_questions(["", line], source="set.jsonl")
    message = str(err.value)
    assert message.startswith("set.jsonl:2:")
    assert reason in message
    assert "\n" not in message


def test_validation_finds_every_kind_of_problem() -> None:
    doc = _doc()
    qs = parse_questions(
        [
            _line(),
            _line(),  # duplicate id
            _line(id="q3", variant_of="nope"),
            _line(id="q4", gold=[{"topic": 2, "field": "Thực trạng"}]),
            _line(id="q5", expected_facts=["7,5%"]),
            _line(id="q6", expected_facts=["10%"]),  # in the document but not in its gold field
            _line(id="q7", gold_spans=[{"start": 0, "end": 10_000}]),
        ]
    )
    problems = "\n".join(validate_questions(qs, doc))
    assert "q1: duplicate id" in problems
    assert "q3: variant_of points to unknown id 'nope'" in problems
    assert "q4: gold topic 2 / 'Thực trạng' not found" in problems
    assert "q5: expected fact '7,5%' does not occur" in problems
    assert "q6: expected fact '10%' is not inside its gold passages" in problems
    assert "q7: gold span 0-10000 beyond text length" in problems


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(QuestionSetError, match="question set not found"):
        load_questions(tmp_path / "none.jsonl")


def test_shipped_set_meets_the_brief() -> None:
    qs = load_questions(SET_PATH)
    assert validate_questions(qs) == []
    assert len(qs) >= 60
    unanswerable = [q for q in qs if not q.answerable]
    variants = [q for q in qs if q.variant_of and "no_diacritics" in q.tags]
    assert len(unanswerable) >= 10
    assert len(variants) >= 10
    topics = {g.topic for q in qs for g in q.gold}
    assert topics == {None, 1, 2, 3, 4, 5, 6}
    fields = {g.field for q in qs for g in q.gold}
    assert fields == set(FIELDS)
    tags = {t for q in qs for t in q.tags}
    assert {"figure", "organisation", "paraphrase", "no_diacritics", "cross_topic", "unanswerable"} <= tags
