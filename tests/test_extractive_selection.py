"""Which sentences the extractive generator picks (no embedder: the lexical side alone, on passages written here)."""

from __future__ import annotations

from ingest.model import Chunk
from rag.generators.extractive import ExtractiveGenerator, clean_sentence
from rag.hits import Hit
from rag.settings import Settings

SOFTWARE = (
    "Phần mềm quản lý hồ sơ đảng viên được triển khai từ năm 2020 ở các đảng bộ trực thuộc. "
    "Nó còn được gọi là hệ thống PMHS. "
    "Các đơn vị sự nghiệp dùng phần mềm kế toán riêng."
)


def _hit(text: str) -> Hit:
    chunk = Chunk("d#0", "d", "Báo cáo", "bao_cao", text, 0, len(text))
    return Hit(chunk, 1.0)


def test_a_sentence_about_what_the_sentence_before_names_can_answer() -> None:
    # runner-ups down to half the best score join the answer: which of the two later sentences does?
    generator = ExtractiveGenerator(Settings(answer_runner_up=0.5), embeddings=None)
    question = "Phần mềm quản lý hồ sơ đảng viên còn được gọi là gì?"
    chosen = [c.text for c in generator.select(question, [_hit(SOFTWARE)])]
    assert "Nó còn được gọi là hệ thống PMHS." in chosen
    assert "Các đơn vị sự nghiệp dùng phần mềm kế toán riêng." not in chosen


def test_a_numbered_item_label_is_not_part_of_the_answer_sentence() -> None:
    assert clean_sentence("8. Văn phòng Trung ương Đảng hướng dẫn về thời hạn lưu trữ") == (
        "Văn phòng Trung ương Đảng hướng dẫn về thời hạn lưu trữ."
    )
    assert clean_sentence("III. TỔ CHỨC THỰC HIỆN") == "TỔ CHỨC THỰC HIỆN."
    assert clean_sentence("a) Ngân sách nhà nước;") == "a) Ngân sách nhà nước."  # a lettered item keeps its letter


def test_words_of_the_document_title_do_not_pick_the_sentence_that_repeats_them() -> None:
    """Luật Bầu cử đại biểu HĐND (eval/questions/laws_tune.jsonl, lt-fig-01): the sentence on another record opened
    the answer because it names "Hội đồng nhân dân", which the law's title says for every sentence."""
    text = (
        "Biên bản tổng kết cuộc bầu cử được lập thành sáu bản, có chữ ký của Chủ tịch Hội đồng bầu cử để gửi đến "
        "Hội đồng nhân dân, Ủy ban nhân dân cùng cấp.\n"
        "Biên bản kiểm phiếu được lập thành ba bản, có chữ ký của Tổ trưởng, Tổ phó, Thư ký Tổ bầu cử."
    )
    chunk = Chunk("law#0", "law", "Luật bầu cử đại biểu Hội đồng nhân dân", "luat", text, 0, len(text))
    generator = ExtractiveGenerator(Settings(), embeddings=None)
    question = "Biên bản kiểm phiếu bầu cử đại biểu Hội đồng nhân dân được lập thành mấy bản?"
    assert generator.select(question, [Hit(chunk, 1.0)])[0].text.startswith("Biên bản kiểm phiếu")
