"""A citation names the heading its quote stands under, not the last heading of its passage.

An article's one-line clause ("1. Thời hạn lưu trữ … gồm …") is read as a heading and joined to the clause after it
in one passage, whose heading path ends with clause 2; the sentence of clause 1 was cited under clause 2 (seen on
Quy định 383-QĐ/TW, Điều 11). The regulation below is typed by hand for this test.
"""

from __future__ import annotations

import pytest
from answer_corpus import index_texts

from rag.answer import AnswerPipeline

REGULATION = """ĐẢNG BỘ PHƯỜNG AN HÒA
CHI BỘ KHU PHỐ 3

Số 12-QĐ/CB

An Hòa, ngày 05 tháng 3 năm 2026

QUY ĐỊNH
về lưu trữ hồ sơ của chi bộ

Điều 1. Thời hạn lưu trữ

1. Thời hạn lưu trữ hồ sơ của chi bộ gồm lưu trữ vĩnh viễn và lưu trữ có thời hạn.

2. Hồ sơ lưu trữ vĩnh viễn gồm: nghị quyết đại hội chi bộ; biên bản kiểm phiếu bầu cử; danh sách đảng viên.

3. Hồ sơ lưu trữ có thời hạn gồm: sổ ghi biên bản sinh hoạt chi bộ; báo cáo tháng gửi đảng ủy phường.

Điều 2. Trách nhiệm

Bí thư chi bộ chịu trách nhiệm tổ chức lưu trữ hồ sơ của chi bộ.

T/M CHI BỘ
BÍ THƯ
Nguyễn Văn Bình
"""


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> AnswerPipeline:
    built = index_texts(tmp_path_factory.mktemp("place"), {"quy-dinh-12.txt": REGULATION})
    return AnswerPipeline(built.settings, built.index)


def test_a_clause_is_cited_under_its_own_heading(pipeline: AnswerPipeline) -> None:
    answer = pipeline.ask("Thời hạn lưu trữ hồ sơ của chi bộ gồm những loại nào?")
    assert not answer.refused, answer.reason
    first = answer.citations[0]
    assert first.quote.endswith("gồm lưu trữ vĩnh viễn và lưu trữ có thời hạn.")
    assert first.heading_path.split(" › ")[-1].startswith("1. Thời hạn lưu trữ hồ sơ của chi bộ")
    assert not first.section.startswith("2.")
    assert "Điều 1" in first.heading_path


def test_a_sentence_under_a_later_heading_keeps_that_heading(pipeline: AnswerPipeline) -> None:
    answer = pipeline.ask("Ai chịu trách nhiệm tổ chức lưu trữ hồ sơ của chi bộ?")
    assert not answer.refused, answer.reason
    assert answer.citations[0].quote.startswith("Bí thư chi bộ chịu trách nhiệm")
    assert answer.citations[0].heading_path.split(" › ")[-1].startswith("Điều 2")
