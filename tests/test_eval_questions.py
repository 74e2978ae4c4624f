"""Question-set schema, loading and validation (hand-made documents and the real set)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.questions import (
    FIELDS,
    QuestionSetError,
    load_questions,
    locate_quote,
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


# ---------------------------------------------------------------------------
# Document gold (file name + quote): the party-docs set
# ---------------------------------------------------------------------------

PARTY_SET = SET_PATH.parent / "party_docs.jsonl"
PLAN_TEXT = (
    "ĐẢNG ĐOÀN QUỐC HỘI\nSố 3260-KH/ĐĐQH15\nHà Nội, ngày 10 tháng 01 năm 2025\n"
    "n) Lãnh đạo Ban Dân nguyện\n- Chủ trì giúp UBTVQH trong công tác\ntiếp công dân.\n"
)


def _plan(path: str = "/data/ke-hoach.docx") -> Document:
    return Document("plan", "Kế hoạch", path, "other", PLAN_TEXT, "h")


def _doc_line(**over: object) -> str:
    item: dict[str, object] = {
        "id": "d1",
        "question": "Ai chủ trì tiếp công dân?",
        "answerable": True,
        "expected_facts": ["Ban Dân nguyện"],
        "gold": [{"document": "ke-hoach.txt", "quote": "Chu tri giup UBTVQH trong cong tac tiep cong dan"}],
    }
    item.update(over)
    return json.dumps(item, ensure_ascii=False)


def test_locate_quote_ignores_marks_case_and_line_wraps_and_maps_back_to_offsets() -> None:
    spans = locate_quote(PLAN_TEXT, "chủ trì giúp ubtvqh trong cong tac tiep cong dan")
    assert len(spans) == 1
    start, end = spans[0]
    assert PLAN_TEXT[start:end] == "Chủ trì giúp UBTVQH trong công tác\ntiếp công dân"
    assert locate_quote(PLAN_TEXT, "Số 3260-KH/DDQH15") == [(PLAN_TEXT.index("Số 3260"), PLAN_TEXT.index("\nHà Nội"))]
    assert locate_quote(PLAN_TEXT, "Ban Dân nguyện chủ trì") == []


def test_document_gold_matches_any_rendition_of_the_named_file() -> None:
    questions = parse_questions([_doc_line()])
    assert validate_questions(questions, documents=[_plan("/x/ke-hoach.docx")]) == []
    assert validate_questions(questions, documents=[_plan("/x/ke-hoach.pdf")]) == []
    assert validate_questions(questions, documents=[_plan("/x/other.txt")]) == [
        "d1: document 'ke-hoach.txt' is not loaded"
    ]


def test_document_gold_reports_a_quote_not_in_the_document_and_a_fact_far_from_it() -> None:
    bad_quote = _doc_line(gold=[{"document": "ke-hoach.txt", "quote": "Ban Dân nguyện chủ trì"}])
    far_fact = _doc_line(id="d2", expected_facts=["Số 3260-KH/ĐĐQH15"])
    problems = validate_questions(parse_questions([bad_quote, far_fact]), documents=[_plan()])
    assert problems == ["d1: quote 'Ban Dân nguyện chủ trì' not found in ke-hoach.docx"]
    # Within QUOTE_CONTEXT characters a fact counts as near: the short plan text is all "near".
    long_plan = Document("plan", "KH", "/x/ke-hoach.txt", "other", PLAN_TEXT + "x " * 800 + "Mục cuối.", "h")
    tail = _doc_line(id="d3", expected_facts=["Mục cuối"])
    assert validate_questions(parse_questions([tail]), documents=[long_plan]) == [
        "d3: expected fact 'Mục cuối' is not near its gold quote"
    ]


@pytest.mark.parametrize(
    ("gold", "reason"),
    [
        ({"document": "ke-hoach.txt"}, "both 'document' and 'quote'"),
        ({"document": "ke-hoach.txt", "quote": "Ban Dân nguyện", "topic": 1}, "no topic or field"),
        ({"field": "Thực trạng"}, "needs 'topic'"),
    ],
)
def test_malformed_gold_is_one_line_naming_the_reason(gold: dict[str, object], reason: str) -> None:
    with pytest.raises(QuestionSetError, match=reason):
        parse_questions([_doc_line(gold=[gold])], source="s.jsonl")


def test_the_party_docs_set_has_the_promised_shape() -> None:
    questions = load_questions(PARTY_SET)
    assert validate_questions(questions) == []
    unanswerable = [q for q in questions if not q.answerable]
    no_marks = [q for q in questions if "no_diacritics" in q.tags]
    assert len(questions) >= 80 and len(unanswerable) >= 15 and len(no_marks) >= 15
    assert all(q.variant_of and q.answerable for q in no_marks)
    documents = {name for q in questions for name in q.documents}
    assert len([d for d in documents if d.startswith("luat-")]) >= 3
    assert {
        "ke-hoach-3260-kh-ddqh15_2025-01-10.txt",
        "bao-cao-dang-uy-chinh-phu-thuc-hien-nq57_2025-05.txt",
    } <= documents
    for tag in ("metadata", "assignment", "figure", "date_words", "heading", "table"):
        assert sum(tag in q.tags for q in questions) >= 3, tag


def test_the_party_docs_set_matches_the_shared_documents(shared_data: Path) -> None:
    from ingest.pipeline import load_documents

    questions = load_questions(PARTY_SET)
    names = {name for q in questions for name in q.documents}
    documents = [doc for name in sorted(names) for doc in load_documents(next(shared_data.rglob(name)))]
    assert validate_questions(questions, documents=documents) == []


def test_split_of_uses_the_explicit_field_else_the_hash_of_the_id() -> None:
    from eval.questions import by_split, split_of

    # Worked out by hand: sha1(b"kh-meta-01") = 04…, first byte 0x04 is even → "tune";
    # sha1(b"kh-meta-02") = 63…, first byte 0x63 = 99 is odd → "report".
    assert split_of("kh-meta-01") == "tune"
    assert split_of("kh-meta-02") == "report"
    assert split_of({"id": "kh-meta-01"}) == "tune"
    assert split_of({"id": "kh-meta-01", "split": "report"}) == "report"
    qs = parse_questions(
        [
            _line(id="kh-meta-01"),
            _line(id="kh-meta-02"),
            _line(id="q-explicit", split="tune"),
            _line(id="kh-meta-02b", split="tune"),
        ]
    )
    assert [split_of(q) for q in qs] == ["tune", "report", "tune", "tune"]
    assert [q.id for q in by_split(qs)["report"]] == ["kh-meta-02"]
    assert [q.id for q in by_split(qs)["tune"]] == ["kh-meta-01", "q-explicit", "kh-meta-02b"]


def test_split_field_must_be_tune_or_report() -> None:
    with pytest.raises(QuestionSetError, match=r"s\.jsonl:1: split"):
        parse_questions([_line(split="test")], source="s.jsonl")


NEW_SET = SET_PATH.parent / "party_docs_new.jsonl"
NEW_DOCUMENTS = {
    "kl221-kl-tw_2025-11-28.txt",
    "qd383-qd-tw_2025-11-19.txt",
    "qd2820-qd-ubnd-hcm_2025-11-19.txt",
    "kh0204-kh-ubnd-camau_2025-11-24.txt",
}


def test_the_new_party_docs_set_has_the_promised_shape() -> None:
    from eval.questions import by_split

    questions = load_questions(NEW_SET)
    assert validate_questions(questions) == []
    assert len(questions) >= 60
    assert {name for q in questions for name in q.documents} == NEW_DOCUMENTS
    # issue 20.5: at least 15 multi-part, 10 who/which body, 10 dates, 10 table figures, 10 unaccented, 15 unanswerable
    wanted = {"multi_part": 15, "who": 10, "date": 10, "table": 10, "no_diacritics": 10, "unanswerable": 15}
    later = [q for q in questions if "class_tune" in q.tags]  # added for a failure class, before fixing it: tune only
    assert later and {q.split for q in later} == {"tune"}
    first = [q for q in questions if "class_tune" not in q.tags]
    groups = {tag: [q for q in first if q.tags[0] == tag] for tag in wanted}
    assert {tag: len(qs) >= wanted[tag] for tag, qs in groups.items()} == dict.fromkeys(wanted, True)
    assert all(len(q.expected_facts) >= 2 for q in groups["multi_part"])  # one fact per part
    assert all(not q.answerable for q in groups["unanswerable"])
    assert all(q.split in ("tune", "report") for q in questions)  # every split written out, none hashed
    for tag, qs in groups.items():  # each group split in halves (odd groups one apart)
        halves = by_split(qs)
        assert abs(len(halves["tune"]) - len(halves["report"])) <= 1, tag


def test_the_new_party_docs_set_matches_the_shared_documents(shared_data: Path) -> None:
    from ingest.pipeline import load_documents

    questions = load_questions(NEW_SET)
    documents = [doc for name in sorted(NEW_DOCUMENTS) for doc in load_documents(shared_data / "party_docs" / name)]
    assert validate_questions(questions, documents=documents) == []


LAWS_SET = SET_PATH.parent / "laws_new.jsonl"
LAWS = {"luat-bien-gioi-quoc-gia.txt", "luat-bao-ve-suc-khoe-nhan-dan.txt", "luat-di-san-van-hoa.txt"}


def test_the_held_out_laws_set_has_the_promised_shape() -> None:
    from eval.questions import by_split

    questions = load_questions(LAWS_SET)
    assert validate_questions(questions) == []
    assert {name for q in questions for name in q.documents} == LAWS
    assert all(q.split in ("tune", "report") for q in questions)  # written out, none hashed
    later = [q for q in questions if "class_tune" in q.tags]  # written afterwards for a failure class: tune only
    assert len(later) == 18 and {q.split for q in later} == {"tune"}
    first = [q for q in questions if "class_tune" not in q.tags]
    assert len(first) == 48
    halves = by_split(first)
    assert len(halves["tune"]) == 26 and len(halves["report"]) == 22
    unanswerable = [q for q in first if not q.answerable]
    assert len(unanswerable) == 9 and all(not q.expected_facts and not q.gold for q in unanswerable)
    assert all(len(q.expected_facts) >= 2 for q in questions if "multi_part" in q.tags)


BLIND_SET = SET_PATH.parent / "laws_blind.jsonl"
BLIND_LAWS = {"luat-mat-tran-to-quoc-viet-nam.txt", "luat-dau-khi.txt", "luat-pho-cap-giao-duc-tieu-hoc.txt"}


def test_the_blind_laws_set_is_all_report_split() -> None:
    questions = load_questions(BLIND_SET)
    assert validate_questions(questions) == []
    assert len(questions) == 48
    assert {q.split for q in questions} == {"report"}  # nothing in it may be tuned on
    assert {name for q in questions for name in q.documents} == BLIND_LAWS
    assert sum(not q.answerable for q in questions) == 12


def _documents_used_elsewhere(own: Path) -> set[str]:
    """The documents every other question set names, and the laws of the retrieval development set (as file
    names): a set written on laws nobody else uses must share none of them."""
    from eval.longdoc_eval import DEV_LAWS

    others = [load_questions(path) for path in sorted(SET_PATH.parent.glob("*.jsonl")) if path != own]
    assert len(others) >= 6  # the topic guide, both party sets and the other law sets
    return {name for qs in others for q in qs for name in q.documents} | {f"{law}.txt" for law in DEV_LAWS}


HELD_OUT_SET = SET_PATH.parent / "laws_heldout.jsonl"
HELD_OUT_LAWS = {
    "luat-an-ninh-quoc-gia.txt",
    "luat-bao-ve-cham-soc-va-giao-duc-tre-em.txt",
    "luat-giao-dich-dien-tu.txt",
}


def test_the_held_out_laws_set_is_all_report_split_on_laws_no_other_set_uses() -> None:
    questions = load_questions(HELD_OUT_SET)
    assert validate_questions(questions) == []
    assert len(questions) == 48
    assert {q.split for q in questions} == {"report"}  # nothing in it may be tuned on
    assert {name for q in questions for name in q.documents} == HELD_OUT_LAWS
    assert sum(not q.answerable for q in questions) == 9
    assert not HELD_OUT_LAWS & _documents_used_elsewhere(HELD_OUT_SET)


TUNE_LAWS_SET = SET_PATH.parent / "laws_tune.jsonl"
TUNE_LAWS = {
    "luat-bau-cu-dai-bieu-hdnd.txt",
    "luat-hoat-dong-giam-sat-cua-quoc-hoi-va-hoi-dong-nhan-dan.txt",
    "luat-khieu-nai-to-cao.txt",
    "luat-duong-sat.txt",
    "luat-ke-toan.txt",
    "luat-dau-thau.txt",
    "luat-hai-quan.txt",
    "luat-giao-thong-duong-thuy-noi-dia.txt",
}


def test_the_developers_laws_set_is_tune_only_on_laws_no_other_set_uses() -> None:
    questions = load_questions(TUNE_LAWS_SET)
    assert validate_questions(questions) == []
    assert len(questions) == 39 and {q.split for q in questions} == {"tune"}
    assert all("class_tune" in q.tags for q in questions)
    assert {name for q in questions for name in q.documents} == TUNE_LAWS
    assert not TUNE_LAWS & _documents_used_elsewhere(TUNE_LAWS_SET)


@pytest.mark.parametrize(
    ("path", "laws"),
    [(LAWS_SET, LAWS), (BLIND_SET, BLIND_LAWS), (TUNE_LAWS_SET, TUNE_LAWS), (HELD_OUT_SET, HELD_OUT_LAWS)],
    ids=["new", "blind", "developers", "held_out"],
)
def test_the_laws_sets_match_the_shared_laws(shared_data: Path, path: Path, laws: set[str]) -> None:
    from ingest.pipeline import load_documents

    questions = load_questions(path)
    documents = [doc for name in sorted(laws) for doc in load_documents(shared_data / "vn_laws" / name)]
    assert validate_questions(questions, documents=documents) == []
