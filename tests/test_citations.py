"""The citation validator: unsupported sentences, wrong markers and invented figures are dropped."""

from __future__ import annotations

from rag.citations import (
    best_quote,
    check_sentence,
    content_words,
    contradictions,
    entities_in,
    numbers_in,
    sentence_spans,
    split_answer,
    strip_markers,
    validate_answer,
)

# Paragraphs as Document.text holds them after ingest rejoined the PDF's wrapped lines.
GROWTH = (
    "- Thực trạng: Tỷ lệ giải ngân chưa đạt 100%; trưởng kinh tế năm 2025 "
    "đạt 6,42%, chưa đạt mục tiêu Nghị quyết đề ra (7,5%).\n"
    "- Vấn đề thảo luận: Phân tích nguyên nhân tỷ lệ giải ngân vốn đầu tư "
    "công chỉ đạt 75% (nếu tính cả vốn bổ sung muộn). Giải pháp cụ thể nào để xử lý vấn đề chồng lấn?"
)
DISASTER = "- Thực trạng: Năm 2025, thiên tai gây thiệt hại nặng nề (trên 1.500 tỷ đồng), ảnh hưởng trực tiếp."
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
    assert pieces[0].startswith("- Thực trạng:") and pieces[0].endswith("(7,5%).")
    assert "1.500" not in pieces[0]
    assert all(GROWTH[s:e] == p for (s, e), p in zip(spans, pieces, strict=True))
    assert len(sentence_spans(DISASTER)) == 1  # "1.500" does not end a sentence


def test_best_quote_prefers_the_sentence_with_the_figure() -> None:
    s, e = best_quote("Giải ngân chỉ đạt 75%", GROWTH)
    assert "75%" in GROWTH[s:e]


def test_split_answer_keeps_marker_with_its_sentence() -> None:
    assert split_answer("Câu một [1]. Câu hai. [2] Câu ba [3].") == ["Câu một [1].", "Câu hai. [2]", "Câu ba [3]."]
    assert strip_markers("Câu một [1][2].") == "Câu một."


def test_a_quoted_sentence_with_full_stops_inside_is_checked_whole() -> None:
    # one sentence of a passage, cut by the full stops of initials: every piece is the passage's own words
    passage = "Bản dịch của John C. Messenger được hát theo giai điệu do Maria C. Tiddeman sáng tác năm 1875."
    answer = "Bản dịch của John C. Messenger được hát theo giai điệu do Maria C. Tiddeman sáng tác năm 1875 [1]."
    result = validate_answer(answer, {1: passage})
    assert [c.ok for c in result] == [True]
    assert result[0].text.startswith("Bản dịch của John C.")
    # a sentence of the writer's own before a cited one is not joined to it: it stays uncited and is dropped
    invented = "Bản dịch rất nổi tiếng. Maria C. Tiddeman sáng tác năm 1875 [1]."
    checked = validate_answer(invented, {1: passage})
    assert [c.text for c in checked if c.ok] == ["Maria C. Tiddeman sáng tác năm 1875."]
    assert not checked[0].ok and checked[0].text == "Bản dịch rất nổi tiếng."
    # an ellipsis written with a space before it is still the passage's own words
    listed = "Thay đổi phong tục, tín ngưỡng, v.v ... các thay đổi đó không cần là chính trị."
    kept_whole = validate_answer(f"{listed[:-1]} [1].", {1: listed})
    assert [c.ok for c in kept_whole] == [True]


# ---- issue 11.1 / 11.5: codes, abbreviations, names and dates as real documents write them -----------------------
# Passages copied from ../shared/data/party_docs (the report of the Đảng ủy Chính phủ on Nghị quyết 57).
CONG_VAN = (
    "Văn phòng Trung ương Đảng có văn bản số 15000-CV/VPTW ngày 23 tháng 5 năm 2025 gửi Đảng ủy Chính phủ đề nghị "
    "cho ý kiến đối với dự thảo Báo cáo của Văn phòng Trung ương Đảng về tình hình triển khai thực hiện Nghị quyết "
    "số 57-NQ/TW ngày 22 tháng 12 năm 2024 của Bộ Chính trị."
)
PILOT = (
    "Hiện nay, Bộ KH&CN đang triển khai thí điểm tại TP.Hồ Chí Minh, đánh giá, rút kinh nghiệm và nhân rộng "
    "toàn quốc trong tháng 5/2025."
)
REAL = {1: CONG_VAN, 2: PILOT}


def test_document_code_is_one_token_and_a_wrong_code_is_dropped() -> None:
    good = validate_answer("Văn phòng Trung ương Đảng có văn bản số 15000-CV/VPTW gửi Đảng ủy Chính phủ [1].", REAL)
    bad = validate_answer("Văn phòng Trung ương Đảng có văn bản số 15000-KL/VPTW gửi Đảng ủy Chính phủ [1].", REAL)
    assert good[0].ok, good[0].reason
    assert not bad[0].ok and "15000-kl/vptw" in bad[0].reason
    assert "57-nq/tw" in entities_in("Thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị.")


def test_abbreviated_names_match_with_or_without_the_space_after_the_dot() -> None:
    good = validate_answer("Bộ KH&CN đang triển khai thí điểm tại TP. Hồ Chí Minh [2].", REAL)
    bad = validate_answer("Bộ KH&ĐT đang triển khai thí điểm tại TP. Hồ Chí Minh [2].", REAL)
    assert good[0].ok, good[0].reason
    assert not bad[0].ok and "kh&dt" in bad[0].reason


def test_names_are_not_run_together_across_a_comma() -> None:
    assert entities_in("Báo cáo Ban Bí Thư, Bộ Chính Trị về kết quả.") == {"ban bi thu", "bo chinh tri"}


def test_dates_in_words_and_in_figures_are_the_same_fact() -> None:
    assert numbers_in("ngày 15 tháng 3 năm 2025") == numbers_in("15/03/2025") == {"15/3/2025"}
    assert numbers_in("Ngay 15 thang 3 nam 2025") == {"15/3/2025"}
    assert numbers_in("tháng 5 năm 2025") == numbers_in("tháng 5/2025") == {"5/2025"}
    kept_ = validate_answer(
        "Văn phòng Trung ương Đảng có văn bản ngày 23/5/2025 về Nghị quyết số 57-NQ/TW ngày 22/12/2024 [1].", REAL
    )
    assert kept_[0].ok, kept_[0].reason


def test_month_of_a_written_date_is_supported_but_another_month_is_not() -> None:
    assert validate_answer("Văn phòng Trung ương Đảng có văn bản trong tháng 5/2025 [1].", REAL)[0].ok
    wrong = validate_answer("Văn phòng Trung ương Đảng có văn bản trong tháng 6/2025 [1].", REAL)[0]
    assert not wrong.ok and "6/2025" in wrong.reason


# ---- issue 20, item 6: the check sees negation and what a figure measures ----------------------------------------


def test_stating_as_reached_a_target_the_passage_says_was_not_reached_fails() -> None:
    result = validate_answer("Tăng trưởng kinh tế năm 2025 đã đạt mục tiêu [1].", SOURCES)[0]
    assert not result.ok
    assert result.reason.startswith("nói ngược với nguồn")


def test_a_target_figure_given_as_the_achieved_figure_fails() -> None:
    # 7,5% is in the passage, but as the target not reached; the growth reached was 6,42%
    result = validate_answer("Tăng trưởng kinh tế năm 2025 đạt 7,5% [1].", SOURCES)[0]
    assert not result.ok
    assert "7,5%" in result.reason


def test_a_figure_given_to_another_indicator_fails() -> None:
    # 6,42% is the growth; the disbursement rate is only said not to reach 100%
    assert not validate_answer("Tỷ lệ giải ngân đạt 6,42% [1].", SOURCES)[0].ok


def test_negation_kept_as_written_or_reworded_passes() -> None:
    assert validate_answer("Tỷ lệ giải ngân không đạt 100% [1].", SOURCES)[0].ok
    assert validate_answer("Mục tiêu tăng trưởng Nghị quyết đề ra là 7,5% [1].", SOURCES)[0].ok
    assert not validate_answer("Tỷ lệ giải ngân đã đạt 100% [1].", SOURCES)[0].ok


def test_negators_are_content_words() -> None:
    assert "chua" in content_words("Tỷ lệ giải ngân chưa đạt 100%")
    assert "khong" in content_words("không hoàn thành")
    assert contradictions("Tỷ lệ giải ngân chưa đạt 100%.", [GROWTH]) == []


def test_not_only_is_no_negation() -> None:
    passage = "Chuyển đổi số không chỉ là xu thế mà còn là yêu cầu bắt buộc."
    assert contradictions("Chuyển đổi số là yêu cầu bắt buộc.", [passage]) == []


def test_the_digits_of_a_document_number_are_no_figure() -> None:
    # "103" of Luật 103-SL/L.005 written as "Luật số 103-SL/L.005" was read as a figure given to "Chương 4 của luật"
    source = {1: "Chương 4: VIỆC KHÁM NGƯỜI, KHÁM ĐỒ VẬT\nLuật 103-SL/L.005: ĐẢM BẢO QUYỀN TỰ DO THÂN THỂ"}
    checked = check_sentence(
        "Chương 4 của Luật số 103-SL/L.005 có tiêu đề: VIỆC KHÁM NGƯỜI, KHÁM ĐỒ VẬT [1].", source, 0.5
    )
    assert checked.ok, checked.reason
    wrong = check_sentence(
        "Chương 4 của Luật số 104-SL/L.005 có tiêu đề: VIỆC KHÁM NGƯỜI, KHÁM ĐỒ VẬT [1].", source, 0.5
    )
    assert not wrong.ok


def test_the_number_of_a_code_written_apart_is_no_figure() -> None:
    # the Luật Bình đẳng giới's header writes its code "73/2006/QH 11"; quoting it contradicts nothing
    source = "Luật số: 73/2006/QH 11\nChương IV\nTRÁCH NHIỆM CỦA CƠ QUAN, TỔ CHỨC, GIA ĐÌNH VÀ CÁ NHÂN"
    assert contradictions("Chương IV của Luật số 73/2006/QH 11 có tiêu đề: TRÁCH NHIỆM CỦA CƠ QUAN.", [source]) == []
    # a figure after a plain word is still checked against its indicator
    assert contradictions("Luật có 11 chương.", ["Luật có 6 chương và 44 điều, ban hành năm 2006, số 11."]) == ["11"]
