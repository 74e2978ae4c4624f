"""Talking points for every topic of the real guide: right organisations, own-topic citations, evidence from the
other documents that differs by organisation, no repeated sentence, the number of points asked."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from answer_corpus import CorpusIndex, corpus_index

from rag.citations import numbers_in
from rag.docx_export import PARTY_HEADER, talking_points_to_docx
from rag.talking_points import (
    LENGTHS,
    MAX_POINTS,
    MIN_POINTS,
    TONES,
    TalkingPoints,
    draft_talking_points,
    field_span,
    find_topic,
    names_organisation,
    sentence_key,
)

pytestmark = pytest.mark.slow  # shares the session's real-corpus index


@pytest.fixture(scope="module")
def corpus() -> CorpusIndex:
    return corpus_index()


def draft(corpus: CorpusIndex, topic: int, **kwargs: object) -> TalkingPoints:
    return draft_talking_points(corpus.settings, corpus.index, topic, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("topic", [1, 2, 3, 4, 5, 6])
def test_every_point_cites_only_its_own_topic_or_the_introduction(corpus: CorpusIndex, topic: int) -> None:
    tp = draft(corpus, topic)
    assert MIN_POINTS <= len(tp.points) <= MAX_POINTS
    assert tp.is_draft and tp.citations
    for point in tp.points:
        assert point.citations, point.text
        for c in point.citations:
            assert f"[{c.n}]" in point.text
    chunks = {c.chunk_id: c for c in corpus.index.all_chunks()}
    for c in tp.citations:
        assert c.topic in (topic, None)
        assert chunks[c.chunk_id].topic in (topic, None)
        doc = corpus.index.get_document(c.doc_id)
        assert doc is not None and doc.text[c.start : c.end] == c.quote
        assert chunks[c.chunk_id].start <= c.start < c.end <= chunks[c.chunk_id].end


def test_situation_carries_the_figures(corpus: CorpusIndex) -> None:
    assert "6,42%" in draft(corpus, 1).situation
    assert "trên 1.500 tỷ đồng" in draft(corpus, 5).situation
    points = " ".join(p.text for p in draft(corpus, 1).points)
    assert "75%" in points and "10%" in points


def test_one_point_per_discussion_question(corpus: CorpusIndex) -> None:
    tp = draft(corpus, 1, n_points=7)
    questions = [p for p in tp.points if p.text.rstrip().endswith("?")]
    assert len(questions) == 2  # "Giải pháp cụ thể nào …?" and "Cơ chế phối hợp … ở đâu?"
    assert all(p.direction.startswith("[Đề xuất của") for p in tp.points)


def test_organisation_defaults_to_first_assigned_and_lists_all(corpus: CorpusIndex) -> None:
    tp = draft(corpus, 1)
    assert tp.organisation == "Đảng bộ Sở Tài chính"
    assert tp.organisations == [
        "Đảng bộ Sở Tài chính",
        "Đảng bộ Sở Nông nghiệp và Môi trường",
        "Đảng bộ Ban quản lý dự án 1,2,3",
        "Đảng bộ Thống kê tỉnh",
    ]
    assert "danh sách được phân công" not in tp.warning
    assert "Đảng bộ Sở Tài chính" in tp.opening and "chuyên đề 1" in tp.opening


def test_assigned_organisation_gets_no_warning(corpus: CorpusIndex) -> None:
    tp = draft(corpus, 5, organisation="Đảng bộ Sở Xây dựng")
    assert tp.organisation == "Đảng bộ Sở Xây dựng" and "danh sách được phân công" not in tp.warning


def test_unassigned_organisation_gets_a_warning(corpus: CorpusIndex) -> None:
    tp = draft(corpus, 2, organisation="Đảng bộ Sở Tài chính")
    assert "Đảng bộ Sở Tài chính" in tp.warning
    assert "Đảng bộ Sở Nội vụ" in tp.warning  # names who is assigned


def test_topic_without_assignments_says_so(corpus: CorpusIndex) -> None:
    tp = draft(corpus, 6)
    assert tp.organisations == [] and "không phân công" in tp.warning


def test_unknown_topic_is_a_clear_error(corpus: CorpusIndex) -> None:
    with pytest.raises(ValueError, match="chuyên đề số 99"):
        draft(corpus, 99)


def test_points_asked_are_honoured_or_the_draft_says_why(corpus: CorpusIndex) -> None:
    assert len(draft(corpus, 1, n_points=1).points) == 1
    assert len(draft(corpus, 1, n_points=4).points) == 4
    # Topic 1 of the guide has four discussion questions (no semicolons to split): never twelve points.
    many = draft(corpus, 1, n_points=MAX_POINTS)
    assert len(many.points) < MAX_POINTS
    assert f"Tài liệu chỉ đủ căn cứ cho {len(many.points)} ý (đã yêu cầu {MAX_POINTS})" in many.warning


def test_warning_never_starts_with_its_own_label(corpus: CorpusIndex) -> None:
    """Regression: the UI printed "Lưu ý: Lưu ý: …" because the warning carried its own label."""
    tp = draft(corpus, 2, organisation="Đảng bộ Sở Tài chính")
    assert tp.warning and not tp.warning.startswith("Lưu ý")


@pytest.mark.parametrize("length", list(LENGTHS))
def test_no_sentence_is_repeated(corpus: CorpusIndex, length: str) -> None:
    """Regression: "Đầy đủ" put the same Thực trạng sentence under every point."""
    for topic in (1, 5):
        tp = draft(corpus, topic, n_points=7, length=length)
        texts = [tp.situation] if tp.situation else []
        for p in tp.points:
            texts += [p.text] + ([p.context] if p.context else []) + [e.text for e in p.evidence]
        from ingest.sentences import split_sentences

        keys = [sentence_key(s) for t in texts for s in split_sentences(t) if len(s.split()) > 3]
        assert len(keys) == len(set(keys)), (topic, length)


def test_docx_has_the_party_layout(corpus: CorpusIndex, tmp_path: Path) -> None:
    tp = draft(corpus, 1)
    out = talking_points_to_docx(tp, tmp_path / "tham-luan.docx", superior="Đảng bộ tỉnh Khánh Hòa")
    document = docx.Document(str(out))
    left, right = (cell.text for cell in document.tables[0].rows[0].cells)
    assert "ĐẢNG BỘ SỞ TÀI CHÍNH" in left and "ĐẢNG BỘ TỈNH KHÁNH HÒA" in left
    assert right.splitlines()[0] == PARTY_HEADER and "CỘNG HÒA" not in right
    body = "\n".join(p.text for p in document.paragraphs)
    assert "THAM LUẬN" in body and tp.topic_title in body
    for i, point in enumerate(tp.points, start=1):
        assert f"{i}. {point.text}" in body
    assert "6,42%" in body
    assert document.styles["Normal"].font.name == "Times New Roman"


# ---- tone and length ----------------------------------------------------------------------------
TOPICS_WITH_SITUATION = [1, 2, 3, 4, 5]  # topic 6 is a bare list of questions, without a Thực trạng field


def cited(tp: TalkingPoints) -> tuple[list[str], str, list[tuple[int, str, int, int]]]:
    """What a tone must not change: point texts, the situation and every citation (number, quote, offsets)."""
    return [p.text for p in tp.points], tp.situation, [(c.n, c.quote, c.start, c.end) for c in tp.citations]


@pytest.mark.parametrize("topic", [1, 5])
def test_tone_changes_wording_but_never_the_cited_points(corpus: CorpusIndex, topic: int) -> None:
    drafts = {tone: draft(corpus, topic, tone=tone) for tone in TONES}
    for part in ("opening", "closing"):
        assert len({getattr(tp, part) for tp in drafts.values()}) == len(TONES), part
    directions = {tp.points[0].direction for tp in drafts.values()}
    assert len(directions) == len(TONES) and all(d.startswith("[") for d in directions)
    reference = cited(drafts["trang_trong"])
    for tone, tp in drafts.items():
        assert tp.tone == tone and cited(tp) == reference
        assert tp.organisation in tp.opening and tp.topic_title in tp.opening
        # Our own wording adds no figure: the only numbers are the topic's number and those of its title.
        own_numbers = numbers_in(tp.opening + tp.closing + " ".join(p.direction for p in tp.points))
        assert own_numbers <= numbers_in(tp.topic_title) | {str(topic)}, (tone, own_numbers)


def situation_quote(corpus: CorpusIndex, topic: int, tp: TalkingPoints, n: int) -> bool:
    """True if citation [n] quotes the topic's Thực trạng field."""
    doc, top = find_topic(corpus.index, topic)
    span = field_span(top, "thuc trang")
    c = next(c for c in tp.citations if c.n == n)
    return span is not None and span[0] <= c.start < c.end <= span[1] and doc.doc_id == c.doc_id


@pytest.mark.parametrize("topic", TOPICS_WITH_SITUATION)
def test_length_sets_what_each_point_carries(corpus: CorpusIndex, topic: int) -> None:
    short, medium, full = (draft(corpus, topic, length=length) for length in ("ngan", "vua", "day_du"))
    assert [p.text for p in short.points] == [p.text for p in medium.points] == [p.text for p in full.points]
    for p in short.points:  # ngắn: the cited issue sentence only
        assert len(p.citations) == 1 and not p.direction and not p.context
    for p in medium.points:  # vừa: + the proposed-direction placeholder
        assert len(p.citations) == 1 and p.direction.startswith("[Đề xuất của") and not p.context
    with_context = [p for p in full.points if p.context]
    assert with_context  # each Thực trạng sentence goes to one point only, so later points may have none
    assert len({p.context for p in with_context}) == len(with_context)
    for p in with_context:  # đầy đủ: + the related Thực trạng sentence, with its own citation
        assert len(p.citations) == 2 and p.direction, p.text
        context_n = p.citations[1].n
        assert f"[{context_n}]" in p.context and f"[{context_n}]" not in p.text
        assert situation_quote(corpus, topic, full, context_n)
        assert p.context not in full.situation  # moved under its point, never printed twice
    assert short.is_draft and medium.is_draft and full.is_draft


def test_full_length_picks_the_figure_sentence_that_matches_the_point(corpus: CorpusIndex) -> None:
    tp = draft(corpus, 1, length="day_du")
    disbursement = next(p for p in tp.points if "giải ngân vốn đầu tư công chỉ đạt 75%" in p.text)
    assert "6,42%" in disbursement.context


@pytest.mark.parametrize("topic", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("length", list(LENGTHS))
def test_every_length_cites_only_its_own_topic(corpus: CorpusIndex, topic: int, length: str) -> None:
    tp = draft(corpus, topic, length=length, tone="ngan_gon")
    chunks = {c.chunk_id: c for c in corpus.index.all_chunks()}
    for point in tp.points:
        assert point.citations
        for c in point.citations:
            assert c in tp.citations and f"[{c.n}]" in point.text + point.context
    for c in tp.citations:
        assert chunks[c.chunk_id].topic in (topic, None)
        doc = corpus.index.get_document(c.doc_id)
        assert doc is not None and doc.text[c.start : c.end] == c.quote


@pytest.mark.parametrize(("option", "value"), [("tone", "vui_ve"), ("length", "dai")])
def test_invalid_tone_or_length_names_the_allowed_values(corpus: CorpusIndex, option: str, value: str) -> None:
    allowed = TONES if option == "tone" else LENGTHS
    with pytest.raises(ValueError, match=f"{option} không hợp lệ: '{value}'") as info:
        draft(corpus, 1, **{option: value})
    assert all(key in str(info.value) for key in allowed)


def test_docx_carries_full_length_context_but_not_the_tone_name(corpus: CorpusIndex, tmp_path: Path) -> None:
    tp = draft(corpus, 5, tone="de_xuat", length="day_du")
    body = "\n".join(p.text for p in docx.Document(str(talking_points_to_docx(tp, tmp_path / "t.docx"))).paragraphs)
    assert "Giọng văn" not in body and TONES["de_xuat"] not in body  # an internal option, never printed
    assert tp.opening in body and tp.closing in body
    assert all(p.context in body for p in tp.points if p.context)


# ---- evidence from every ingested document --------------------------------------------------------
RESOLUTION = """ĐẢNG BỘ TỈNH KHÁNH HÒA

DỰ THẢO NGHỊ QUYẾT

về nhiệm vụ phát triển kinh tế - xã hội năm 2026

I. MỤC TIÊU

Phấn đấu tốc độ tăng trưởng kinh tế năm 2026 đạt 10% trở lên và giải ngân 100% kế hoạch vốn đầu tư công được giao.

II. NHIỆM VỤ, GIẢI PHÁP

1. Đảng bộ Sở Tài chính chủ trì tham mưu cơ chế điều chuyển vốn đầu tư công từ dự án giải ngân chậm \
sang dự án giải ngân nhanh, hoàn thành trong quý I năm 2026.

2. Đảng bộ Sở Nông nghiệp và Môi trường chủ trì rà soát chồng lấn giữa quy hoạch sử dụng đất với quy hoạch \
thăm dò, khai thác khoáng sản bô-xít, titan, hoàn thành trong quý II năm 2026.
"""
TASK_FINANCE = "cơ chế điều chuyển vốn đầu tư công từ dự án giải ngân chậm"
TASK_AGRICULTURE = "rà soát chồng lấn giữa quy hoạch sử dụng đất"


@pytest.fixture(scope="module")
def two_documents(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, object]:
    """The guide plus a draft resolution whose tasks are set by hand per the Assignment contract."""
    from answer_corpus import CORPUS_DIR

    from ingest.model import Assignment
    from ingest.pipeline import ingest_files
    from rag.embeddings import make_embeddings
    from rag.index import Index
    from rag.settings import Settings

    root = tmp_path_factory.mktemp("tp-two")
    (root / "docs").mkdir()
    (root / "docs" / "du-thao-nghi-quyet-2026.txt").write_text(RESOLUTION, "utf-8")
    settings = Settings(data_dir=root / "data")
    embeddings = make_embeddings(settings)
    result = ingest_files(
        [CORPUS_DIR, root / "docs"], embeddings.count_tokens, settings.chunk_tokens, settings.chunk_overlap
    )
    resolution = next(d for d in result.documents if d.doc_id.startswith("du-thao"))
    tasks = []
    for body, phrase in (("Sở Tài chính", TASK_FINANCE), ("Sở Nông nghiệp và Môi trường", TASK_AGRICULTURE)):
        start = resolution.text.index(phrase)
        line_start = resolution.text.rfind("\n", 0, start) + 1
        line_end = resolution.text.find("\n", start) % (len(resolution.text) + 1)  # -1: the last line
        tasks.append(Assignment(body=body, task=resolution.text[line_start:line_end], role="chu_tri",
                                deadline="", start=line_start, end=line_end))  # fmt: skip
    resolution.assignments = tasks
    index = Index.open(settings, embeddings)
    index.upsert(result.documents, result.chunks)
    return settings, index


def evidence_text(tp: TalkingPoints) -> str:
    return " ".join(e.text for p in tp.points for e in p.evidence)


def test_two_organisations_get_their_own_tasks_as_evidence(two_documents: tuple[object, object]) -> None:
    settings, index = two_documents
    finance = draft_talking_points(settings, index, 1, "Đảng bộ Sở Tài chính", 5)  # type: ignore[arg-type]
    agriculture = draft_talking_points(  # type: ignore[arg-type]
        settings, index, 1, "Đảng bộ Sở Nông nghiệp và Môi trường", 5
    )
    assert TASK_FINANCE in evidence_text(finance) and TASK_FINANCE not in evidence_text(agriculture)
    assert TASK_AGRICULTURE in evidence_text(agriculture) and TASK_AGRICULTURE not in evidence_text(finance)
    # The resolution's target backs the point on the 10% growth / 100% disbursement question, for both.
    for tp in (finance, agriculture):
        assert "giải ngân 100% kế hoạch vốn đầu tư công được giao" in evidence_text(tp)
        resolution_cites = [c for c in tp.citations if c.doc_id.startswith("du-thao")]
        assert resolution_cites
        doc = index.get_document(resolution_cites[0].doc_id)  # type: ignore[attr-defined]
        assert all(doc.text[c.start : c.end] == c.quote for c in resolution_cites)


def test_assignment_body_matches_only_the_same_organisation() -> None:
    assert names_organisation("Sở Tài chính", "Đảng bộ Sở Tài chính")
    assert names_organisation("Đảng ủy Sở Tài chính", "Đảng bộ Sở Tài chính")
    assert not names_organisation("Bộ Tài chính", "Đảng bộ Sở Tài chính")
    assert not names_organisation("Sở Nông nghiệp và Môi trường", "Đảng bộ Sở Tài chính")


def test_generated_prose_keeps_only_factual_sentences_the_citations_support() -> None:
    """With an LLM, connecting prose is generated; a factual sentence survives only if the citation validator
    finds it in the point's cited sentences (rag/citations.py), and it then carries the marker."""
    from rag.answer import Citation
    from rag.talking_points import Point, checked_prose

    quote = "Phân tích nguyên nhân tỷ lệ giải ngân vốn đầu tư công chỉ đạt 75% (nếu tính cả vốn bổ sung muộn)."
    cite = Citation(1, "g:1", "Gợi ý", "g", 1, "", "Vấn đề thảo luận", quote, 0, len(quote))
    point = Point("Phân tích nguyên nhân tỷ lệ giải ngân chỉ đạt 75% [1].", [cite])
    written = (
        "Đảng bộ Sở Tài chính đề xuất rà soát từng dự án chậm tiến độ. "
        "Tỷ lệ giải ngân vốn đầu tư công chỉ đạt 75% do vốn bổ sung muộn. "
        "Năm 2026 tỉnh sẽ giải ngân 120% kế hoạch vốn."
    )
    prose = checked_prose(written, point, ["Đảng bộ Sở Tài chính", "Giải ngân vốn đầu tư công"])
    assert prose.startswith("Đảng bộ Sở Tài chính đề xuất rà soát từng dự án chậm tiến độ.")
    assert "Tỷ lệ giải ngân vốn đầu tư công chỉ đạt 75% do vốn bổ sung muộn [1]." in prose
    assert "120%" not in prose  # an invented figure is dropped
