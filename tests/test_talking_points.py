"""Talking points a speech-writer keeps (issue 22): positions, not copied questions; evidence whole, on topic and
used once; any subject; the closing addressed from the documents' own header.

Expected values are typed from the documents (corpus/ and ../shared/data/party_docs) or by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from answer_corpus import CORPUS_DIR, CorpusIndex, corpus_index
from typer.testing import CliRunner

from ingest.model import Document, DocumentMeta
from rag.point_evidence import MAX_CHARS, has_figure, row_sentence, trim
from rag.profiles import addressee_of, issuer_of, profile_of
from rag.talking_points import (
    LENGTHS,
    MAX_POINTS,
    TONES,
    TalkingPoints,
    checked_point,
    draft_about,
    draft_talking_points,
    find_topic,
    names_organisation,
    sentence_key,
)

PARTY_DOCS = Path(__file__).resolve().parents[2] / "shared" / "data" / "party_docs"
PLAN = PARTY_DOCS / "ke-hoach-3260-kh-ddqh15_2025-01-10.txt"
BUDGET = PARTY_DOCS / "kh0204-kh-ubnd-camau_2025-11-24.txt"
REPORT = PARTY_DOCS / "bao-cao-dang-uy-chinh-phu-thuc-hien-nq57_2025-05.txt"
SUBJECTS = (
    "thu ngân sách nhà nước và cân đối ngân sách tỉnh Cà Mau",
    "hoàn thiện pháp luật về khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số",
    "dịch vụ công trực tuyến và hồ sơ trực tuyến toàn trình",
)


# ---- what every draft must satisfy ----------------------------------------------------------------
def quoted_texts(tp: TalkingPoints) -> list[str]:
    return [tp.situation, *(p.text for p in tp.points), *(e.text for p in tp.points for e in p.evidence)]


def starts_a_sentence(text: str, start: int) -> bool:
    """The quote begins where a sentence or line begins (after a list marker at most), never inside a word."""
    before = text[max(0, start - 12) : start]
    line = before.rsplit("\n", 1)[-1]
    return (
        start == 0
        or ("\n" in before and re.fullmatch(r"[\s\-–•+*(\d.)a-zđIVX¹²³⁴⁵⁶⁷⁸⁹⁰]*", line) is not None)
        or bool(re.search(r"[.;:!?…”)\]]\s+$", before))
    )


def assert_keepable(tp: TalkingPoints, index: object, questions: list[str]) -> None:
    """The "done when" list of issue 22, checked on one draft."""
    asked = {sentence_key(q) for q in questions}
    for point in tp.points:
        assert point.text and sentence_key(point.text) not in asked, point.text  # a position, not the question
        assert "[Đề xuất" not in point.text and "[Kiến nghị" not in tp.closing
        assert point.citations and all(f"[{c.n}]" in point.text + " ".join(e.text for e in point.evidence)
                                       for c in point.citations)  # fmt: skip
        for evidence in point.evidence:
            assert not evidence.label.startswith("Số liệu") or has_figure(evidence.text), evidence.text
    for text in quoted_texts(tp):
        assert "| " not in text and not re.search(r"\]\.\s*\[\d+\]", text)  # no raw row, no dangling "[1]. [5]"
    spans = [(c.doc_id, c.start, c.end) for c in tp.citations]
    assert len(spans) == len(set(spans))  # no passage used twice
    keys = [sentence_key(c.quote) for c in tp.citations]
    assert len(keys) == len(set(keys))
    for c in tp.citations:
        doc = index.get_document(c.doc_id)  # type: ignore[attr-defined]
        assert doc is not None and doc.text[c.start : c.end] == c.quote
        assert starts_a_sentence(doc.text, c.start), (c.doc_id, doc.text[max(0, c.start - 20) : c.start + 30])
        assert len(c.quote) <= MAX_CHARS + 5 or c.quote.lstrip().startswith("|"), len(c.quote)


def guide_questions(index: object, topic: int) -> list[str]:
    from rag.talking_points import _question_spans, clause_spans

    doc, top = find_topic(index, topic)
    _, spans = _question_spans(doc.text, top)
    pieces = [doc.text[s:e] for s, e in spans]
    pieces += [doc.text[a:b] for s, e in spans for a, b in clause_spans(doc.text, s, e)]
    return [re.sub(r"^\s*-?\s*Vấn đề thảo luận:\s*", "", p) for p in pieces]


# ---- the guide alone (the session's corpus index) ----------------------------------------------------
@pytest.fixture(scope="module")
def corpus() -> CorpusIndex:
    return corpus_index()


def draft(corpus: CorpusIndex, topic: int, **kwargs: object) -> TalkingPoints:
    return draft_talking_points(corpus.settings, corpus.index, topic, **kwargs)  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.parametrize("topic", [1, 2, 3, 4, 5, 6])
def test_every_topic_of_the_guide_gives_keepable_points(corpus: CorpusIndex, topic: int) -> None:
    tp = draft(corpus, topic, n_points=6)
    assert_keepable(tp, corpus.index, guide_questions(corpus.index, topic))
    assert tp.points or topic == 6  # topics 1–5 have a Thực trạng to state; topic 6 is a bare list of questions
    for c in tp.citations:  # the guide's own sentences stay within the topic or its introduction
        assert c.topic in (topic, None)


@pytest.mark.slow
def test_a_point_states_the_situation_with_its_figure_under_the_question(corpus: CorpusIndex) -> None:
    tp = draft(corpus, 1)
    # Thực trạng of topic 1, typed from the guide: "Tỷ lệ giải ngân chưa đạt 100%; … đạt 6,42%, …".
    stated = [p for p in tp.points if "6,42%" in p.text]
    assert len(stated) == 1
    point = stated[0]
    assert point.text.startswith("Đáng lưu ý, tỷ lệ giải ngân chưa đạt 100%")  # a gap, framed, lower-cased
    assert point.heading in {_heading_of(q) for q in guide_questions(corpus.index, 1)}
    assert sentence_key(point.heading) not in sentence_key(point.text)


def _heading_of(question: str) -> str:
    from rag.talking_points import _heading

    return _heading(question)


@pytest.mark.slow
def test_closing_addresses_the_conference_not_a_fixed_committee(corpus: CorpusIndex) -> None:
    tp = draft(corpus, 2)
    assert "Đảng ủy, UBND tỉnh" not in tp.closing
    assert "Đoàn Chủ tịch hội nghị" in tp.closing and tp.organisation in tp.closing


@pytest.mark.slow
def test_tone_changes_the_frames_never_the_quotes(corpus: CorpusIndex) -> None:
    drafts = {tone: draft(corpus, 1, tone=tone) for tone in TONES}
    assert len({tp.opening for tp in drafts.values()}) == len(TONES)
    quotes = {tone: [(c.n, c.quote) for c in tp.citations] for tone, tp in drafts.items()}
    assert quotes["ngan_gon"] == quotes["trang_trong"] == quotes["de_xuat"]


@pytest.mark.slow
def test_length_sets_how_much_evidence_follows_each_point(corpus: CorpusIndex) -> None:
    short = draft(corpus, 5, length="ngan")
    assert short.points and all(not p.evidence for p in short.points)
    assert [p.text for p in short.points] == [p.text for p in draft(corpus, 5, length="day_du").points]


@pytest.mark.slow
def test_organisation_and_warnings_as_before(corpus: CorpusIndex) -> None:
    tp = draft(corpus, 1)
    assert tp.organisation == "Đảng bộ Sở Tài chính"
    assert tp.organisations[:2] == ["Đảng bộ Sở Tài chính", "Đảng bộ Sở Nông nghiệp và Môi trường"]
    other = draft(corpus, 2, organisation="Đảng bộ Sở Tài chính")
    assert "Đảng bộ Sở Nội vụ" in other.warning and not other.warning.startswith("Lưu ý")
    many = draft(corpus, 1, n_points=MAX_POINTS)
    assert len(many.points) < MAX_POINTS and f"(đã yêu cầu {MAX_POINTS})" in many.warning
    with pytest.raises(ValueError, match="chuyên đề số 99"):
        draft(corpus, 99)


@pytest.mark.parametrize(("option", "value"), [("tone", "vui_ve"), ("length", "dai")])
def test_invalid_tone_or_length_names_the_allowed_values(corpus: CorpusIndex, option: str, value: str) -> None:
    allowed = TONES if option == "tone" else LENGTHS
    with pytest.raises(ValueError, match=f"{option} không hợp lệ: '{value}'") as info:
        draft(corpus, 1, **{option: value})
    assert all(key in str(info.value) for key in allowed)


# ---- the guide with the shared party documents --------------------------------------------------------
needs_party_docs = pytest.mark.skipif(not PLAN.is_file(), reason=f"shared party documents absent ({PARTY_DOCS})")


@pytest.fixture(scope="module")
def party(tmp_path_factory: pytest.TempPathFactory) -> CorpusIndex:
    from rag.embeddings import make_embeddings
    from rag.index import Index
    from rag.indexing import index_files
    from rag.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("tp-party") / "data")
    index = Index.open(settings, make_embeddings(settings))
    result = index_files(index, [CORPUS_DIR, PLAN, BUDGET, REPORT], settings).result
    assert not result.errors, result.errors
    return CorpusIndex(settings, index, settings.data_dir)


@pytest.mark.slow
@needs_party_docs
@pytest.mark.parametrize("topic", [1, 2, 3, 4, 5, 6])
def test_every_topic_with_the_party_documents_gives_keepable_points(party: CorpusIndex, topic: int) -> None:
    tp = draft_talking_points(party.settings, party.index, topic, n_points=6)
    assert_keepable(tp, party.index, guide_questions(party.index, topic))


@pytest.mark.slow
@needs_party_docs
def test_topic_4_for_its_organisation_quotes_the_report_whole(party: CorpusIndex) -> None:
    tp = draft_talking_points(party.settings, party.index, 4, "Chi bộ Cơ quan Đảng ủy")
    text = " ".join(quoted_texts(tp))
    # The report's figure sentence, typed from the party document, quoted whole with its period.
    assert "các tỉnh, TP TB chỉ đạt 14,6%" in text
    assert "Nghiệm công nghệ mới" not in text and "nghiệm công nghệ mới" not in text  # the cut-word bug
    assert "lao động, việc làm, y tế, dân số" not in text  # a social-affairs committee's remit is off topic


@pytest.mark.slow
@needs_party_docs
@pytest.mark.parametrize("subject", SUBJECTS)
def test_any_subject_gives_keepable_points(party: CorpusIndex, subject: str) -> None:
    tp = draft_about(party.settings, party.index, subject, "Đảng bộ Sở Tài chính")
    assert tp.points and tp.about == subject and tp.topic == 0
    assert_keepable(tp, party.index, [subject])
    assert all(p.heading and sentence_key(p.heading) != sentence_key(subject) for p in tp.points)


@pytest.mark.slow
@needs_party_docs
def test_a_subject_of_the_budget_plan_is_addressed_to_its_issuer(party: CorpusIndex) -> None:
    tp = draft_about(party.settings, party.index, SUBJECTS[0], "Đảng bộ Sở Tài chính")
    assert "Ủy ban nhân dân tỉnh Cà Mau" in tp.closing  # the plan's letterhead: ỦY BAN NHÂN DÂN / TỈNH CÀ MAU
    labels = " ".join(e.label for p in tp.points for e in p.evidence) + " ".join(c.document for c in tp.citations)
    assert "Đảng ủy, UBND tỉnh" not in tp.closing and labels


@pytest.mark.slow
@needs_party_docs
def test_a_subject_no_document_speaks_to_is_a_clear_error(party: CorpusIndex) -> None:
    with pytest.raises(ValueError, match="Không tài liệu nào"):
        draft_about(party.settings, party.index, "nuôi tôm hùm bằng lồng bè trên vịnh Vân Phong")


# ---- units of evidence, by hand ----------------------------------------------------------------------
def test_a_sentence_cut_by_a_chunk_is_never_quoted() -> None:
    """Regression: "Nghiệm công nghệ mới, …" (the rest of "thử nghiệm") was quoted as a sentence."""
    text = "nghiệm công nghệ mới, mô hình kinh doanh mới; cơ chế khuyến khích mua sắm công."
    assert trim(text, 0, len(text)) is None


def test_a_long_sentence_is_cut_at_a_clause_with_an_ellipsis_and_an_exact_span() -> None:
    clause = "Phát triển hạ tầng số hiện đại, đồng bộ cho các cơ quan của Đảng và Nhà nước ở cả hai cấp chính quyền"
    text = "- " + "; ".join([clause] * 5) + "."
    start, end, shown = trim(text, 0, len(text))  # type: ignore[misc]
    assert start == 2 and shown.endswith("…") and len(shown) <= MAX_CHARS + 1
    assert text[end] == ";" and shown[:-1] == text[start:end]


def test_list_markers_and_footnote_marks_are_trimmed() -> None:
    text = "- (2) Tổ chức phát động phong trào thi đua trong toàn quốc về chuyển đổi số².\n"
    start, _, shown = trim(text, 0, len(text) - 1)  # type: ignore[misc]
    assert text[start:].startswith("Tổ chức") and shown.endswith("chuyển đổi số.")


def test_a_table_row_reads_as_a_sentence() -> None:
    header = ["STT", "Chỉ tiêu", "ĐVT", "Năm 2025", "Mục tiêu 2026"]
    assert row_sentence(["1", "Tốc độ tăng trưởng GRDP", "%", "6,42", "10"], header) == (
        "Tốc độ tăng trưởng GRDP (%): Năm 2025: 6,42; Mục tiêu 2026: 10."
    )
    assert row_sentence(["V", "Đẩy mạnh chuyển đổi số", "", ""], header[:4]) == ""  # a heading row, no value


def test_a_figure_is_not_a_document_number_or_a_date() -> None:
    assert has_figure("các tỉnh, TP TB chỉ đạt 14,6%")
    assert not has_figure("theo Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị")


def test_a_generated_point_stays_only_when_every_sentence_is_supported() -> None:
    quote = "Tỷ lệ giải ngân vốn đầu tư công năm 2025 chỉ đạt 75% do vốn bổ sung muộn."
    kept = checked_point("Tỷ lệ giải ngân vốn đầu tư công năm 2025 chỉ đạt 75% [1].", {1: quote}, "Giải ngân")
    assert kept.startswith("Tỷ lệ giải ngân") and "[1]" in kept
    assert checked_point("Tỷ lệ giải ngân vốn đầu tư công năm 2025 đạt 95% [1].", {1: quote}, "Giải ngân") == ""
    assert checked_point("Giải ngân vốn đầu tư công.", {1: quote}, "Giải ngân vốn đầu tư công") == ""


def test_assignment_body_matches_only_the_same_organisation() -> None:
    assert names_organisation("Sở Tài chính", "Đảng bộ Sở Tài chính")
    assert not names_organisation("Bộ Tài chính", "Đảng bộ Sở Tài chính")


# ---- profiles ----------------------------------------------------------------------------------------
def document(kind: str, issuer: str, parent: str = "", label: str = "", text: str = "") -> Document:
    meta = DocumentMeta(kind=kind, kind_label=label or kind.upper(), issuer=issuer, parent_issuer=parent)
    return Document("d", "t", "p", "other", text, "h", meta=meta)


def test_the_addressee_comes_from_the_letterhead() -> None:
    plan = document("ke_hoach", "ĐẢNG ĐOÀN QUỐC HỘI", text="Đảng đoàn Quốc hội ban hành Kế hoạch.")
    assert addressee_of(plan) == "Đảng đoàn Quốc hội"
    state = document("ke_hoach", "TỈNH CÀ MAU", "ỦY BAN NHÂN DÂN", text="Ủy ban nhân dân tỉnh Cà Mau báo cáo.")
    assert issuer_of(state) == "Ủy ban nhân dân tỉnh Cà Mau"
    draft_report = document("bao_cao", "ĐẢNG ỦY CHÍNH PHỦ", label="DỰ THẢO BÁO CÁO", text="Đảng ủy Chính phủ")
    assert profile_of(draft_report).kind == "du_thao" and "dự thảo" in profile_of(draft_report).occasion


# ---- the hand-labelled relevance set -------------------------------------------------------------------
def test_the_relevance_set_covers_six_topics_and_three_subjects_in_two_splits() -> None:
    from eval.bench_draft import load_pairs

    pairs = load_pairs()
    assert len(pairs) >= 120
    assert {p.query_id.split("-")[0] for p in pairs} == {f"topic{n}" for n in range(1, 7)} | {
        "subject1",
        "subject2",
        "subject3",
    }
    for split in ("tune", "report"):
        chosen = [p for p in pairs if p.split == split]
        assert any(p.on_topic for p in chosen) and any(not p.on_topic for p in chosen)
    by_query = {}
    for p in pairs:
        by_query.setdefault(p.query_id, set()).add(p.split)
    assert all(len(splits) == 1 for splits in by_query.values())  # a point is in one split only


# ---- CLI ---------------------------------------------------------------------------------------------
def test_draft_needs_exactly_one_of_topic_and_about() -> None:
    from ui.cli import app

    runner = CliRunner()
    neither = runner.invoke(app, ["draft"])
    both = runner.invoke(app, ["draft", "--topic", "1", "--about", "ngân sách"])
    for result in (neither, both):
        assert result.exit_code == 2 and "--topic" in result.output and "--about" in result.output


SUBJECT_OF_TOPIC_1 = "tỷ lệ giải ngân vốn đầu tư công và tăng trưởng kinh tế năm 2025"


@pytest.mark.slow
def test_cli_drafts_on_any_subject_from_the_guides_situation(corpus: CorpusIndex) -> None:
    from ui.cli import app

    args = ["--data-dir", str(corpus.data_dir), "draft", "--about", SUBJECT_OF_TOPIC_1, "--org", "Sở Tài chính"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"THAM LUẬN – Chủ đề: {SUBJECT_OF_TOPIC_1}" in result.output
    assert "6,42%" in result.output  # topic 1's Thực trạng, typed from the guide
    assert "[Đề xuất" not in result.output and "I. Nội dung tham luận:" in result.output


@pytest.mark.slow
def test_api_drafts_on_any_subject_and_exports_it(corpus: CorpusIndex) -> None:
    from fastapi.testclient import TestClient

    from ui.api import create_api

    client = TestClient(create_api(corpus.settings), client=("127.0.0.1", 40000))  # open mode: the local user
    body = {"about": SUBJECT_OF_TOPIC_1, "organisation": "Sở Tài chính", "n_points": 3}
    resp = client.post("/api/talking-points/about", json=body)
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["topic"] == 0 and out["points"] and all(p["heading"] and p["text"] for p in out["points"])
    assert "6,42%" in " ".join(p["text"] for p in out["points"]) and "[Đề xuất" not in resp.text
    docx_resp = client.get("/api/talking-points/about.docx", params={"about": SUBJECT_OF_TOPIC_1})
    assert docx_resp.status_code == 200 and docx_resp.content[:2] == b"PK"
    nothing = client.post("/api/talking-points/about", json={"about": "nuôi tôm hùm bằng lồng bè"})
    assert nothing.status_code == 404 and "Không tài liệu nào" in nothing.text


def test_draft_html_escapes_quotes_and_makes_only_known_markers_clickable() -> None:
    from rag.answer import Citation
    from rag.talking_points import Point
    from ui.gradio_app import talking_points_html

    cite = Citation(1, "d:0", "Báo cáo", "d", None, "", "", "Tỷ lệ <b>đạt</b> 75%.", 0, 20)
    point = Point("Thực tiễn cho thấy, tỷ lệ <b>đạt</b> 75% [1]. Xem thêm [7].", [cite], heading="Giải ngân")
    tp = TalkingPoints(topic=0, topic_title="giải ngân", organisation="đơn vị", points=[point], citations=[cite])
    html = talking_points_html(tp)
    assert "&lt;b&gt;đạt&lt;/b&gt;" in html and "<b>đạt</b>" not in html
    assert html.count("data-n='1'") == 2  # in the point and in the source list
    assert "data-n='7'" not in html and "[7]" in html  # a marker without a citation stays text
    assert "Chủ đề: giải ngân" in html and "<b>Giải ngân</b>" in html
