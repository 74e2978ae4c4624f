"""Talking points for every topic of the real guide: right organisations, own-topic citations, .docx layout."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from answer_corpus import CorpusIndex, corpus_index

from rag.citations import numbers_in
from rag.docx_export import NATIONAL_MOTTO, PARTY_HEADER, talking_points_to_docx
from rag.talking_points import (
    LENGTHS,
    MAX_POINTS,
    MIN_POINTS,
    TONES,
    TalkingPoints,
    draft_talking_points,
    field_span,
    find_topic,
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
    assert tp.warning == ""
    assert "Đảng bộ Sở Tài chính" in tp.opening and "chuyên đề 1" in tp.opening


def test_assigned_organisation_gets_no_warning(corpus: CorpusIndex) -> None:
    tp = draft(corpus, 5, organisation="Đảng bộ Sở Xây dựng")
    assert tp.organisation == "Đảng bộ Sở Xây dựng" and tp.warning == ""


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


def test_points_count_is_clamped(corpus: CorpusIndex) -> None:
    assert len(draft(corpus, 6, n_points=50).points) == MAX_POINTS
    assert len(draft(corpus, 6, n_points=1).points) == MIN_POINTS


def test_docx_has_administrative_layout(corpus: CorpusIndex, tmp_path: Path) -> None:
    tp = draft(corpus, 1)
    out = talking_points_to_docx(tp, tmp_path / "tham-luan.docx", superior="Đảng ủy UBND tỉnh")
    document = docx.Document(str(out))
    header_cells = [cell.text for cell in document.tables[0].rows[0].cells]
    assert "ĐẢNG BỘ SỞ TÀI CHÍNH" in header_cells[0]
    assert "ĐẢNG ỦY UBND TỈNH" in header_cells[0]
    assert PARTY_HEADER in header_cells[1]
    assert NATIONAL_MOTTO[0] in header_cells[1] and NATIONAL_MOTTO[1] in header_cells[1]
    body = "\n".join(p.text for p in document.paragraphs)
    assert "THAM LUẬN" in body and tp.topic_title in body
    for i, point in enumerate(tp.points, start=1):
        assert f"{i}. {point.text}" in body
    for c in tp.citations:
        assert f"[{c.n}]" in body
    assert "6,42%" in body
    party_only = docx.Document(str(talking_points_to_docx(tp, tmp_path / "party.docx", style="party")))
    right = party_only.tables[0].rows[0].cells[1].text
    assert PARTY_HEADER in right and NATIONAL_MOTTO[0] not in right
    assert document.styles["Normal"].font.name == "Times New Roman"
    sizes = {run.font.size.pt for p in document.paragraphs for run in p.runs if run.font.size}
    assert sizes and sizes <= {12.0, 13.0, 14.0}


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
    for p in full.points:  # đầy đủ: + the related Thực trạng sentence, with its own citation
        assert len(p.citations) == 2 and p.direction and p.context, p.text
        context_n = p.citations[1].n
        assert f"[{context_n}]" in p.context and f"[{context_n}]" not in p.text
        assert situation_quote(corpus, topic, full, context_n)
        assert p.context in full.situation  # the same sentence the situation paragraph already cites
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


def test_docx_carries_tone_and_full_length_context(corpus: CorpusIndex, tmp_path: Path) -> None:
    tp = draft(corpus, 5, tone="de_xuat", length="day_du")
    body = "\n".join(p.text for p in docx.Document(str(talking_points_to_docx(tp, tmp_path / "t.docx"))).paragraphs)
    assert f"Giọng văn: {TONES['de_xuat']}" in body
    assert tp.opening in body and tp.closing in body
    assert all(f"Thực trạng: {p.context}" in body for p in tp.points)
    formal = draft(corpus, 5)
    formal_body = "\n".join(
        p.text for p in docx.Document(str(talking_points_to_docx(formal, tmp_path / "f.docx"))).paragraphs
    )
    assert f"Giọng văn: {TONES['trang_trong']}" in formal_body and tp.opening not in formal_body
