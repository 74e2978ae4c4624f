"""The citation validator: unsupported sentences, wrong markers and invented figures are dropped."""

from __future__ import annotations

from rag.citations import (
    best_quote,
    entities_in,
    numbers_in,
    sentence_spans,
    split_answer,
    strip_markers,
    validate_answer,
)

GROWTH = (
    "- Thực trạng: Tỷ lệ giải ngân chưa đạt 100%; trưởng kinh tế năm 2025 \n\n"
    "đạt 6,42%, chưa đạt mục tiêu Nghị quyết đề ra (7,5%). \n\n"
    "- Vấn đề thảo luận: Phân tích nguyên nhân tỷ lệ giải ngân vốn đầu tư \n\n"
    "công chỉ đạt 75% (nếu tính cả vốn bổ sung muộn)."
)
DISASTER = "- Thực trạng: Năm 2025, thiên tai gây thiệt hại nặng nề (trên 1.500 tỷ \n\nđồng), ảnh hưởng trực tiếp."
ORGS = "- Các TCCS Đảng chuẩn bị thảo luận: Đảng bộ Sở Nội vụ, Đảng bộ Văn phòng UBND tỉnh."
SOURCES = {1: GROWTH, 2: DISASTER, 3: ORGS}


def kept(answer: str) -> list[str]:
    return [c.text for c in validate_answer(answer, SOURCES) if c.ok]


def test_supported_sentence_survives() -> None:
    result = validate_answer("Tăng trưởng kinh tế năm 2025 đạt 6,42%, chưa đạt mục tiêu 7,5% [1].", SOURCES)
    assert [c.ok for c in result] == [True]
    assert result[0].markers == [1]


def test_fabricated_number_is_dropped() -> None:
    answer = "Tăng trưởng kinh tế năm 2025 đạt 6,42% [1]. Tăng trưởng kinh tế năm 2025 đạt 8,1% [1]."
    result = validate_answer(answer, SOURCES)
    assert [c.ok for c in result] == [True, False]
    assert "8,1%" in result[1].reason


def test_wrong_marker_is_dropped() -> None:
    # True statement, but [2] is the disaster passage: the citation does not support it.
    result = validate_answer("Tỷ lệ giải ngân vốn đầu tư công chỉ đạt 75% [2].", SOURCES)
    assert not result[0].ok
    assert result[0].dropped_markers == [2]


def test_marker_out_of_range_and_missing_marker_are_dropped() -> None:
    assert kept("Tỷ lệ giải ngân vốn đầu tư công chỉ đạt 75% [9].") == []
    assert kept("Tỷ lệ giải ngân vốn đầu tư công chỉ đạt 75%.") == []


def test_wrong_marker_removed_right_one_kept() -> None:
    result = validate_answer("Tỷ lệ giải ngân vốn đầu tư công chỉ đạt 75% [2][1].", SOURCES)
    assert result[0].ok and result[0].markers == [1] and result[0].dropped_markers == [2]


def test_invented_organisation_is_dropped() -> None:
    good = "Đảng bộ Sở Nội vụ chuẩn bị thảo luận [3]."
    bad = "Đảng bộ Sở Tư pháp chuẩn bị thảo luận [3]."
    assert kept(f"{good} {bad}") == ["Đảng bộ Sở Nội vụ chuẩn bị thảo luận."]


def test_unaccented_sentence_is_supported() -> None:
    assert kept("Thien tai gay thiet hai tren 1.500 ty dong [2].") == ["Thien tai gay thiet hai tren 1.500 ty dong."]


def test_numbers_keep_vietnamese_format() -> None:
    assert numbers_in("đạt 6,42% và trên 1.500 tỷ đồng từ ngày 01/7/2025, 02 cấp") == {
        "6,42%",
        "1.500",
        "1/7/2025",
        "2",
    }
    assert "1500" not in numbers_in("1.500")


def test_entities_skip_first_word_but_keep_acronyms() -> None:
    assert entities_in("Đảng bộ Sở Nội vụ và UBND tỉnh") == {"so noi", "ubnd"}


def test_sentence_spans_are_exact_substrings() -> None:
    spans = sentence_spans(GROWTH)
    pieces = [GROWTH[s:e] for s, e in spans]
    assert pieces[0].startswith("Thực trạng:") and pieces[0].endswith("(7,5%).")
    assert "1.500" not in pieces[0]
    assert all(GROWTH[s:e] == p for (s, e), p in zip(spans, pieces, strict=True))
    assert len(sentence_spans(DISASTER)) == 1  # "1.500" does not end a sentence


def test_best_quote_prefers_the_sentence_with_the_figure() -> None:
    s, e = best_quote("Giải ngân chỉ đạt 75%", GROWTH)
    assert "75%" in GROWTH[s:e]


def test_split_answer_keeps_marker_with_its_sentence() -> None:
    assert split_answer("Câu một [1]. Câu hai. [2] Câu ba [3].") == ["Câu một [1].", "Câu hai. [2]", "Câu ba [3]."]
    assert strip_markers("Câu một [1][2].") == "Câu một."
