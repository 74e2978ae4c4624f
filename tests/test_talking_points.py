"""Talking points for every topic of the real guide: right organisations, own-topic citations, .docx layout."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from answer_corpus import CorpusIndex, corpus_index

from rag.docx_export import NATIONAL_MOTTO, PARTY_HEADER, talking_points_to_docx
from rag.talking_points import MAX_POINTS, MIN_POINTS, TalkingPoints, draft_talking_points

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
