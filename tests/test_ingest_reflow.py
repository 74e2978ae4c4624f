"""PDF artefacts: wrapped lines joined, blank lines dropped, hyphens, page numbers, running headers."""

from __future__ import annotations

from ingest.reflow import is_hard_wrapped, reflow, reflow_pages, tidy_lines

# Shaped like the corpus file: every layout line ends with a space and is followed by a blank line.
WRAPPED = "".join(
    line + " \n\n"
    for line in [
        " Trên cơ sở kết quả thực hiện nhiệm vụ năm 2025 và dự thảo Nghị quyết",
        "cho năm 2026 của Đảng ủy UBND tỉnh; Ban tổ chức hội nghị gợi ý 06 nhóm",
        "vấn đề trọng tâm để thảo luận:",
        "1. Giải quyết “điểm nghẽn” trong giải ngân vốn đầu tư công và tăng",
        "trưởng kinh tế",
        "- Thực trạng: Tỷ lệ giải ngân chưa đạt 100%; trưởng kinh tế năm 2025",
        "đạt 6,42%, chưa đạt mục tiêu Nghị quyết đề ra (7,5%).",
        "- Các TCCS Đảng chuẩn bị thảo luận: Đảng bộ Sở Tài chính, Đảng bộ",
        "Thống kê tỉnh.",
        " 2. Vận hành mô hình chính quyền 2 cấp và nâng cao hiệu quả phối",
        "hợp sau sáp nhập",
    ]
)


def test_wrapped_lines_become_paragraphs():
    assert reflow(WRAPPED).split("\n") == [
        "Trên cơ sở kết quả thực hiện nhiệm vụ năm 2025 và dự thảo Nghị quyết cho năm 2026 của Đảng ủy UBND tỉnh; "
        "Ban tổ chức hội nghị gợi ý 06 nhóm vấn đề trọng tâm để thảo luận:",
        "1. Giải quyết “điểm nghẽn” trong giải ngân vốn đầu tư công và tăng trưởng kinh tế",
        "- Thực trạng: Tỷ lệ giải ngân chưa đạt 100%; trưởng kinh tế năm 2025 đạt 6,42%, "
        "chưa đạt mục tiêu Nghị quyết đề ra (7,5%).",
        "- Các TCCS Đảng chuẩn bị thảo luận: Đảng bộ Sở Tài chính, Đảng bộ Thống kê tỉnh.",
        "2. Vận hành mô hình chính quyền 2 cấp và nâng cao hiệu quả phối hợp sau sáp nhập",
    ]


def test_smart_quotes_kept():
    assert "“điểm nghẽn”" in reflow(WRAPPED)


def test_capital_after_full_line_is_a_wrap_not_a_new_paragraph():
    text = (
        "Các giải pháp phải gắn với trách nhiệm người đứng đầu của từng cơ quan,\n"
        "Đảng bộ và chính quyền các cấp trong tỉnh.\n"
        "Đây là đoạn thứ hai của văn bản, đủ dài để không bị coi là tiêu đề ngắn.\n"
        "kết thúc đoạn."
    )
    assert reflow(text).split("\n")[0].endswith("cơ quan, Đảng bộ và chính quyền các cấp trong tỉnh.")


def test_dehyphenation_drops_margin_hyphen_but_keeps_loanword_hyphen():
    text = "khai thác khoáng sản bô-\nxít và titan theo quy hoạch đã được phê duyệt trong inter-\nnational context\n"
    assert (
        reflow(text)
        == "khai thác khoáng sản bô-xít và titan theo quy hoạch đã được phê duyệt trong international context"
    )


def test_soft_hyphen_is_removed():
    assert reflow("chuyển đổi số trong công tác quản lý hồ sơ trực tuy\u00ad\nến toàn trình") == (
        "chuyển đổi số trong công tác quản lý hồ sơ trực tuyến toàn trình"
    )


def test_page_numbers_and_running_headers_removed_with_page_starts():
    header = "ĐẢNG BỘ TỈNH - HỘI NGHỊ TỔNG KẾT"
    pages = [
        f"{header}\n- Thực trạng: Năm 2025 là năm đầu tiên vận hành mô hình mới, việc\nphối hợp chưa nhịp nhàng.\n1",
        f"{header}\n- Vấn đề thảo luận: Đánh giá hiệu quả hoạt động của mô hình chính\n"
        "quyền địa phương 02 cấp (tỉnh và\nTrang 2",
        f"{header}\nxã) từ ngày 01/7/2025.\n- 3 -",
    ]
    flowed = reflow_pages(pages)
    assert header not in flowed.text
    assert flowed.text == (
        "- Thực trạng: Năm 2025 là năm đầu tiên vận hành mô hình mới, việc phối hợp chưa nhịp nhàng.\n"
        "- Vấn đề thảo luận: Đánh giá hiệu quả hoạt động của mô hình chính quyền địa phương 02 cấp (tỉnh và "
        "xã) từ ngày 01/7/2025."
    )
    assert [flowed.text[s : s + 5] for s in flowed.page_starts] == ["- Thự", "- Vấn", "xã) t"]


def test_wrap_detection():
    assert is_hard_wrapped(WRAPPED)
    one_per_line = "Tiêu đề\nĐoạn văn thứ nhất rất dài, kết thúc bằng dấu chấm.\nĐoạn thứ hai.\nĐoạn thứ ba."
    assert not is_hard_wrapped(one_per_line)
    assert tidy_lines("  a  \n\n b \n") == "a\nb"
