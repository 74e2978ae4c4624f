"""Answers from headings and table rows, and refusals on what a question names (issue 11.5, 11.8).

Documents are small texts typed by hand in the layout of the shared party documents and laws (a plan with
"I." / "II." parts, a law with "Chương IV" and "Điều 43", a report table with a "TIẾN ĐỘ" column). Expected values
are written here, never computed by the code under test.
"""

from __future__ import annotations

import pytest

from ingest.model import Document, DocumentMeta, Heading
from ingest.tables import table_rows
from rag.generators.extractive import defined_term
from rag.query_understanding import asked_unit, asks_for, gives, measured, named_in
from rag.structured_answers import heading_facts, section_facts, table_facts

PLAN = """KẾ HOẠCH
triển khai thực hiện Nghị quyết số 57-NQ/TW

I. MỤC ĐÍCH, YÊU CẦU

1. Mục đích

Quán triệt đầy đủ các quan điểm của Nghị quyết.

II. PHÂN CÔNG NHIỆM VỤ

1. Tuyên truyền, quán triệt

III. TỔ CHỨC THỰC HIỆN
"""

LAW = """LUẬT
BÌNH ĐẲNG GIỚI

Chương IV
TRÁCH NHIỆM CỦA CƠ QUAN, TỔ CHỨC, GIA ĐÌNH VÀ CÁ NHÂN

Điều 25. Trách nhiệm của Chính phủ

Chương VI
ĐIỀU KHOẢN THI HÀNH

Điều 43. Hiệu lực thi hành

Luật này có hiệu lực thi hành từ ngày 01 tháng 7 năm 2007.
"""

REPORT = """Phụ lục 1: DANH MỤC NHIỆM VỤ

| TT | NHIỆM VỤ | THỜI GIAN HOÀN THÀNH | CƠ QUAN THỰC HIỆN | TIẾN ĐỘ |
| --- | --- | --- | --- | --- |
| 24. | Xây dựng cơ chế đặc thù về mua sắm công sản phẩm số. | Tháng 5/2025 | Bộ Tài chính | Đang thực hiện |
| 25. | Tham mưu Chính phủ thành lập Ủy ban dữ liệu quốc gia. | Tháng 3/2025 | Bộ Công an | Quá hạn |
"""


def _heading(text: str, line: str, label: str, title: str, level: int, end: str | None = None) -> Heading:
    start = text.index(line)
    stop = text.index(end) if end else len(text)
    return Heading(label, title, level, start, stop, f"{label} {title}")


def plan() -> Document:
    headings = [
        _heading(PLAN, "I. MỤC", "I.", "MỤC ĐÍCH, YÊU CẦU", 1, "II. PHÂN"),
        _heading(PLAN, "1. Mục đích", "1.", "Mục đích", 2, "II. PHÂN"),
        _heading(PLAN, "II. PHÂN", "II.", "PHÂN CÔNG NHIỆM VỤ", 1, "III. TỔ"),
        _heading(PLAN, "1. Tuyên", "1.", "Tuyên truyền, quán triệt", 2, "III. TỔ"),
        _heading(PLAN, "III. TỔ", "III.", "TỔ CHỨC THỰC HIỆN", 1),
    ]
    meta = DocumentMeta(kind="ke_hoach", kind_label="KẾ HOẠCH", number="3260-KH/ĐĐQH15")
    return Document("plan", "Kế hoạch 3260-KH/ĐĐQH15", "plan.txt", "ke_hoach", PLAN, "h1", meta=meta, headings=headings)


def law() -> Document:
    headings = [
        _heading(LAW, "Chương IV", "Chương IV", "TRÁCH NHIỆM CỦA CƠ QUAN, TỔ CHỨC", 1, "Chương VI"),
        _heading(LAW, "Điều 25", "Điều 25", "Trách nhiệm của Chính phủ", 2, "Chương VI"),
        _heading(LAW, "Chương VI", "Chương VI", "ĐIỀU KHOẢN THI HÀNH", 1),
        _heading(LAW, "Điều 43", "Điều 43", "Hiệu lực thi hành", 2),
    ]
    meta = DocumentMeta(kind="luat", kind_label="LUẬT", number="73/2006/QH11")
    return Document("law", "Luật Bình đẳng giới", "law.txt", "luat", LAW, "h2", meta=meta, headings=headings)


def report() -> Document:
    return Document("report", "Báo cáo", "report.txt", "bao_cao", REPORT, "h3", meta=DocumentMeta(kind="bao_cao"))


def none() -> list[Document]:
    return []


def test_part_numbered_in_roman_is_answered_from_the_heading_line() -> None:
    facts = heading_facts("Phần II của Kế hoạch 3260-KH/ĐĐQH15 có tiêu đề là gì?", [law(), plan()], none)
    assert len(facts) == 1
    assert "PHÂN CÔNG NHIỆM VỤ" in facts[0].text
    assert PLAN[facts[0].start : facts[0].end] == "II. PHÂN CÔNG NHIỆM VỤ"  # cited to the heading as written


def test_chapter_in_arabic_meets_chapter_in_roman_and_takes_the_title_line_below() -> None:
    facts = heading_facts("Chương 4 của Luật Bình đẳng giới quy định về nội dung gì?", [plan(), law()], none)
    assert len(facts) == 1
    quoted = LAW[facts[0].start : facts[0].end]
    assert quoted == "Chương IV\nTRÁCH NHIỆM CỦA CƠ QUAN, TỔ CHỨC, GIA ĐÌNH VÀ CÁ NHÂN"


def test_article_number_is_not_read_as_a_document_number() -> None:
    facts = heading_facts("Điều 43 của Luật Bình đẳng giới quy định về nội dung gì?", [law()], none)
    assert [LAW[f.start : f.end] for f in facts] == ["Điều 43. Hiệu lực thi hành"]


def test_heading_question_without_a_title_word_is_left_to_the_sentences() -> None:
    assert heading_facts("Điều 43 của Luật Bình đẳng giới có hiệu lực từ ngày nào?", [law()], none) == []


def test_question_naming_a_section_title_is_answered_from_that_section() -> None:
    facts = section_facts("Mục đích của kế hoạch là gì?", [plan()], none)
    assert [f.text for f in facts] == ["Quán triệt đầy đủ các quan điểm của Nghị quyết."]
    assert PLAN[facts[0].start : facts[0].end] == "Quán triệt đầy đủ các quan điểm của Nghị quyết."
    # more than the title: the sentences answer, not the section
    assert section_facts("Mục đích của việc tuyên truyền trong kế hoạch là gì?", [plan()], none) == []


def test_table_cell_is_read_from_the_row_the_question_names() -> None:
    facts = table_facts("Tiến độ của nhiệm vụ tham mưu thành lập Ủy ban dữ liệu quốc gia thế nào?", [report()])
    assert len(facts) == 1
    assert "Quá hạn" in facts[0].text and "Đang thực hiện" not in facts[0].text
    assert REPORT[facts[0].start : facts[0].end].startswith("| 25. |")


def test_two_columns_asked_give_both_cells() -> None:
    question = "Nhiệm vụ xây dựng cơ chế đặc thù về mua sắm công giao cho cơ quan nào, thời hạn khi nào?"
    facts = table_facts(question, [report()])
    assert len(facts) == 1
    assert "Bộ Tài chính" in facts[0].text and "Tháng 5/2025" in facts[0].text and "Bộ Công an" not in facts[0].text


def test_table_row_outside_the_retrieved_passages_is_not_used() -> None:
    question = "Tiến độ của nhiệm vụ tham mưu thành lập Ủy ban dữ liệu quốc gia thế nào?"
    assert table_facts(question, [report()], retrieved=[("report", 0, 20)]) == []


BUDGET = """Đơn vị: Triệu đồng.

| STT | Nội dung | Dự kiến năm 2027 |
| --- | --- | --- |
| A | TỔNG CHI NSĐP | 29.284.105 |
| B | BỘI CHI NGÂN SÁCH ĐỊA PHƯƠNG | 187.087 |
"""
"""Two rows of the budget tables of Kế hoạch 0204/KH-UBND (Cà Mau), figures as printed."""


def test_a_row_retrieval_missed_answers_when_it_holds_more_of_the_question() -> None:
    doc = Document("budget", "Kế hoạch", "kh.txt", "ke_hoach", BUDGET, "h4", meta=DocumentMeta(kind="ke_hoach"))
    deficit = BUDGET.index("| B |")
    retrieved = [("budget", deficit, BUDGET.index("\n", deficit))]  # retrieval found only the deficit row
    facts = table_facts("Tổng chi ngân sách địa phương năm 2027 là bao nhiêu?", [doc], retrieved=retrieved)
    assert len(facts) == 1 and "29.284.105" in facts[0].text
    # the retrieved row keeps its place when it is the one asked
    facts = table_facts("Bội chi ngân sách địa phương năm 2027 là bao nhiêu?", [doc], retrieved=retrieved)
    assert len(facts) == 1 and "187.087" in facts[0].text
    # a retrieved row that is not what the question asks lets no other row of the table answer
    assert table_facts("Số trường học năm 2027 là bao nhiêu?", [doc], retrieved=retrieved) == []


def test_names_and_codes_of_the_question_must_be_in_the_answering_passage() -> None:
    question = "Tỉnh Sơn La có bao nhiêu dân số?"
    assert named_in(question) == (("son", "la"),)
    ask = asks_for(question)
    assert not gives(ask, "03 doanh nghiệp phủ sóng 90% dân số.", question)  # no Sơn La
    assert not gives(ask, "Dữ liệu hộ tịch (Sơn La đang hoàn tất, đạt 85%).", question)  # no dân số
    assert gives(ask, "Dân số tỉnh Sơn La đạt 1.300.000 người.", question)
    coded = "Quyết định số 598/QĐ-TTg do ai ký?"
    other = "Thủ tướng Chính phủ đã ban hành Quyết định số 768/QĐ-TTg ngày 15/4/2025."
    assert not gives(asks_for(coded), other, coded)


def test_a_figure_must_measure_something() -> None:
    question = "Tập đoàn SpaceX đầu tư bao nhiêu vốn vào dịch vụ viễn thông vệ tinh?"
    ask = asks_for(question)
    codes_and_dates = "Quyết định số 659/QĐ-TTg ngày 23/03/2025 cho phép Tập đoàn SpaceX thí điểm, không giới hạn vốn."
    assert not gives(ask, codes_and_dates, question)
    members = "Hội liên hiệp phụ nữ Việt Nam có bao nhiêu hội viên?"  # folded, "vận động" reads "vạn đồng"
    assert not gives(asks_for(members), "Tuyên truyền, vận động nhân dân, hội viên thực hiện bình đẳng giới.", members)
    duration = "Thời hạn tạm giam không được quá bao lâu?"
    assert "date" not in asks_for(duration)
    assert gives(asks_for(duration), "Bốn tháng đối với các vụ phạm đến an toàn Nhà nước.", duration)


def test_what_a_bao_nhieu_question_measures() -> None:
    assert measured("Ban Chỉ đạo có bao nhiêu Tổ Công tác?") == ("to cong", True)
    assert measured("Mức lương của chuyên gia AI là bao nhiêu?") == ("muc luong", False)
    assert measured("Dan so cua tinh nam 2025 la bao nhieu?") == ("dan so", False)
    assert measured("Bão lũ làm tỉnh thiệt hại khoảng bao nhiêu tiền?") == ("", True)
    assert measured("Kinh tế tăng được bao nhiêu phần trăm?") == ("", True)  # a unit, checked with the figure
    # the words after "về" are measured, not the generic head before it ("kết quả", "số liệu")
    assert measured("Kết quả năm 2025 của tỉnh Cà Mau về doanh thu du lịch là bao nhiêu?") == ("doanh thu du", False)


def test_term_a_definition_question_asks_for() -> None:
    assert defined_term("Theo Luật Bình đẳng giới, giới tính là gì?") == "gioi tinh"
    assert defined_term("Bình đẳng giới được hiểu như thế nào?") == "binh dang gioi"
    assert defined_term("Ai ký Kế hoạch 3260?") == ""
    # a term in quotes is the term, however the question opens (a law's name may hold a comma)
    assert defined_term('Trong Luật Khiếu nại, tố cáo, "tố cáo" được hiểu như thế nào?') == "to cao"
    assert defined_term("Trong Luật Dầu khí, “lô” là gì?") == "lo"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ('2- "Tố cáo" là việc công dân báo cho cơ quan có thẩm quyền biết về hành vi vi phạm pháp luật.', True),
        ("7. “Tố cáo” là việc công dân báo cho cơ quan có thẩm quyền biết.", True),
        ("a) Tố cáo chỉ việc công dân báo cho cơ quan có thẩm quyền biết.", True),
        ('1- "Khiếu nại" là việc công dân đề nghị xem xét lại quyết định hành chính.', False),  # another term
        ("Trong Luật này, các từ ngữ dưới đây được hiểu như sau:", False),
        ("Việc tố cáo là quyền của công dân.", False),  # the term is not what the sentence opens with
    ],
)
def test_the_definition_of_a_term_opens_with_it_after_its_label_and_quotes(sentence: str, expected: bool) -> None:
    from rag.generators.extractive import defines

    assert defines("to cao", sentence) is expected


REVENUE = """Mẫu biểu số 03

DỰ KIẾN THU NGÂN SÁCH

Đơn vị: Triệu đồng.

STT | Nội dung | Năm 2025 | Dự toán năm 2026 | So sánh năm 2026 với ƯTH năm 2025 | Dự kiến năm 2027
1 | Thu tiền sử dụng đất | 560.000 | 467.500 | 83,5 | 595.000
2 | Thuế tài nguyên | 27.030 | 28.000 | 103,6 | 28.630

Mẫu biểu số 04

DỰ KIẾN CHI NGÂN SÁCH

Đơn vị: Triệu đồng.

STT | Nội dung | Năm 2025 | Năm 2026 | Năm 2027
b | Chi từ nguồn thu tiền sử dụng đất | 560.000 | 467.500 | 595.000
"""


def test_a_comparison_column_is_read_from_the_row_named_and_written_as_the_table_writes_it() -> None:
    # hand-written after the Cà Mau plan (Kế hoạch 0204/KH-UBND): "99,6%" was written, the table prints 99,6, so
    # the citation check refused the answer; and the spending row "Chi từ nguồn thu …" was taken for the revenue row
    doc = Document("budget", "Kế hoạch tài chính", "budget.txt", "ke_hoach", REVENUE, "h4", meta=DocumentMeta())
    question = "Thu tiền sử dụng đất năm 2026 bằng bao nhiêu phần trăm so với ước thực hiện năm 2025?"
    spending = REVENUE.index("b | Chi từ")
    facts = table_facts(question, [doc], [("budget", spending, spending + 60)])
    assert len(facts) == 1
    assert facts[0].text.startswith("Thu tiền sử dụng đất"), facts[0].text
    assert "83,5 (%)" in facts[0].text and "83,5%" not in facts[0].text


def test_a_count_of_firms_is_not_read_from_a_row_of_money() -> None:
    # found on the Cà Mau plan: "tổng số doanh nghiệp … là bao nhiêu" was answered with the row "Thuế thu nhập
    # doanh nghiệp" of a table in triệu đồng
    table = (
        "DỰ KIẾN THU NGÂN SÁCH\n\nĐơn vị: Triệu đồng.\n\n"
        "STT | Nội dung | Năm 2026\n1 | Thuế thu nhập doanh nghiệp | 418.000\n"
    )
    doc = Document("budget", "Kế hoạch tài chính", "budget.txt", "ke_hoach", table, "h5", meta=DocumentMeta())
    question = "Tổng số doanh nghiệp năm 2026 là bao nhiêu?"
    assert table_facts(question, [doc]) == []
    assert len(table_facts("Thuế thu nhập doanh nghiệp năm 2026 là bao nhiêu?", [doc])) == 1


def test_a_count_asked_by_its_noun_names_its_unit() -> None:
    assert asked_unit("Số người được giải quyết việc làm năm 2026 là bao nhiêu?") == "nguoi"
    assert asked_unit("Tổng số doanh nghiệp năm 2026 là bao nhiêu?") == "doanh nghiep"
    assert asked_unit("Sở Tài chính báo cáo bao nhiêu lần?") == "lan"
    assert asked_unit("Tỷ lệ hộ nghèo là bao nhiêu?") is None
    assert measured("Số người được giải quyết việc làm năm 2026 là bao nhiêu?") == ("", True)


FORECAST = """DỰ BÁO MỘT SỐ CHỈ TIÊU KINH TẾ - XÃ HỘI CHỦ YẾU

STT | Nội dung | Đơn vị tính | Năm 2025 | Năm 2026
2 | Tốc độ tăng trưởng GRDP | % | 8,00 | 10,00
6 | Kim ngạch xuất khẩu hàng hóa | Triệu USD | 2.600 | 2.800
| Tốc độ tăng trưởng | % | 106,9 | 107,2
7 | Kim ngạch nhập khẩu hàng hóa | Triệu USD | 390 | 430
| Tốc độ tăng trưởng | % | 108,40 | 110,30
"""
"""Rows of Mẫu biểu số 01 of Kế hoạch 0204/KH-UBND (Cà Mau), figures as printed: a row without a number measures
the numbered row above it."""


def test_an_unnumbered_row_belongs_to_the_numbered_row_above() -> None:
    rows = table_rows(FORECAST)
    assert [(row.cells[1], row.parent) for row in rows] == [
        ("Tốc độ tăng trưởng GRDP", ""),
        ("Kim ngạch xuất khẩu hàng hóa", ""),
        ("Tốc độ tăng trưởng", "Kim ngạch xuất khẩu hàng hóa"),
        ("Kim ngạch nhập khẩu hàng hóa", ""),
        ("Tốc độ tăng trưởng", "Kim ngạch nhập khẩu hàng hóa"),
    ]


@pytest.mark.parametrize("number_header", ["STT", "STT.", "TT", "Số TT", "Số thứ tự"])
def test_every_spelling_of_the_numbering_column_is_read_the_same_way(number_header: str) -> None:
    # one predicate (ingest.tables.is_number_header) decides both the parent row and the subject column
    table = FORECAST.replace("STT | Nội dung", f"{number_header} | Chỉ tiêu")
    rows = table_rows(table)
    assert [row.parent for row in rows][2] == "Kim ngạch xuất khẩu hàng hóa"
    doc = Document("plan", "Kế hoạch", "plan.txt", "ke_hoach", table, "h6", meta=DocumentMeta())
    facts = table_facts("Tốc độ tăng trưởng kim ngạch nhập khẩu năm 2026 là bao nhiêu?", [doc])
    assert len(facts) == 1 and "110,30" in facts[0].text, facts
    assert facts[0].text.startswith("Kim ngạch nhập khẩu hàng hóa – Tốc độ tăng trưởng"), facts[0].text


def test_a_growth_rate_is_read_from_the_row_of_what_grows() -> None:
    # found on the Cà Mau plan: the economy's growth was answered with the export row's growth (106,9)
    doc = Document("plan", "Kế hoạch", "plan.txt", "ke_hoach", FORECAST, "h6", meta=DocumentMeta())
    facts = table_facts("Tốc độ tăng trưởng kinh tế năm 2026 là bao nhiêu?", [doc])
    assert len(facts) == 1 and "10,00" in facts[0].text, facts
    facts = table_facts("Tốc độ tăng trưởng kim ngạch nhập khẩu năm 2026 là bao nhiêu?", [doc])
    assert len(facts) == 1 and "110,30" in facts[0].text, facts
    assert facts[0].text.startswith("Kim ngạch nhập khẩu hàng hóa – Tốc độ tăng trưởng"), facts[0].text
