"""Tables whose header takes two rows, as budget and statistics forms write them (issue 20).

The fixtures are written by hand in the layout of a province's "Mẫu biểu": a group cell over two figure columns,
the names of those columns in a second row, then a row numbering the columns. Expected column names are written
out in full, not computed.
"""

from __future__ import annotations

from ingest.tables import table_rows

FORM = """Mẫu biểu số 01

STT | Nội dung | Đơn vị tính | Năm hiện hành 2025 | Năm 2026 | Năm 2027
Kế hoạch | Ước thực hiện
1 | 2 | 3 | 4 | 5 | 6 | 7
1 | Tốc độ tăng trưởng | % | 8,00 | 7,50 | 10,00 | 10,50
2 | Cơ cấu kinh tế
| - Dịch vụ | % | 36,49 | 36,10 | 37,30 | 38,14
| Trong đó:
| + Du lịch | % | 5,1 | 5,0 | 5,4 | 5,6
"""

TWO_GROUPS = """STT | Nội dung | Năm 2025 | Dự kiến 03 năm kế hoạch
Dự toán | Đánh giá thực hiện | Năm 2026 | Năm 2027 | Năm 2028
A | B | 1 | 2 | 3 | 4 | 5
A | TỔNG CHI | 26.811.096 | 27.535.000 | 26.278.107 | 29.284.105 | 30.928.602
I | CHI ĐẦU TƯ | 5.937.440 | 5.817.196 | 6.508.100 | 7.409.529 | 8.525.415
"""


def test_second_header_row_names_the_columns_under_its_group() -> None:
    rows = table_rows(FORM)
    assert rows[0].header == [
        "STT",
        "Nội dung",
        "Đơn vị tính",
        "Năm hiện hành 2025 – Kế hoạch",
        "Năm hiện hành 2025 – Ước thực hiện",
        "Năm 2026",
        "Năm 2027",
    ]
    assert rows[0].cells == ["1", "Tốc độ tăng trưởng", "%", "8,00", "7,50", "10,00", "10,50"]


def test_column_number_row_and_header_rows_are_not_body_rows() -> None:
    subjects = [row.cells[1] for row in table_rows(FORM)]
    assert subjects == ["Tốc độ tăng trưởng", "Cơ cấu kinh tế", "- Dịch vụ", "+ Du lịch"]


def test_rows_after_a_one_cell_line_keep_the_header() -> None:
    last = table_rows(FORM)[-1]
    assert last.cells[1] == "+ Du lịch"
    assert last.header[5] == "Năm 2026"


def test_two_groups_share_the_second_row() -> None:
    rows = table_rows(TWO_GROUPS)
    assert rows[0].header == [
        "STT",
        "Nội dung",
        "Năm 2025 – Dự toán",
        "Năm 2025 – Đánh giá thực hiện",
        "Dự kiến 03 năm kế hoạch – Năm 2026",
        "Dự kiến 03 năm kế hoạch – Năm 2027",
        "Dự kiến 03 năm kế hoạch – Năm 2028",
    ]
    assert [row.cells[0] for row in rows] == ["A", "I"]


def test_one_row_header_is_unchanged() -> None:
    text = "TT | Nhiệm vụ | Cơ quan chủ trì | Thời gian\n1 | Xây dựng cơ sở dữ liệu | Sở Tài chính | Quý IV/2026\n"
    rows = table_rows(text)
    assert rows[0].header == ["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"]
    assert rows[0].cells == ["1", "Xây dựng cơ sở dữ liệu", "Sở Tài chính", "Quý IV/2026"]


PLAN = """ỦY BAN NHÂN DÂN TỈNH AN GIANG

Số: 12/KH-UBND

KẾ HOẠCH

Tài chính 03 năm 2026 - 2028

Mẫu biểu số 01

DỰ BÁO MỘT SỐ CHỈ TIÊU CHỦ YẾU

STT | Nội dung | Đơn vị tính | Năm hiện hành 2025 | Năm 2026 | Năm 2027
Kế hoạch | Ước thực hiện
1 | 2 | 3 | 4 | 5 | 6 | 7
1 | Tốc độ tăng trưởng | % | 8,00 | 7,50 | 10,00 | 10,50
2 | Dân số | Triệu người | 2,61 | 2,15 | 2,16 | 2,17
3 | Số giường bệnh | Giường | 4.157 | 6.960 | 7.060 | 7.080
| + Giường bệnh cấp huyện | Giường | 610
| + Giường bệnh cấp tỉnh | Giường | 2.940 | 6.080 | 6.740 | 6.750
"""


def _plan(tmp_path):
    from ingest.pipeline import load_documents

    path = tmp_path / "ke-hoach-12.txt"
    path.write_text(PLAN, encoding="utf-8")
    return load_documents(path)


def test_a_figure_is_read_from_the_column_under_its_group(tmp_path) -> None:
    from rag.structured_answers import table_facts

    facts = table_facts("Dân số năm 2025 theo kế hoạch là bao nhiêu triệu người?", _plan(tmp_path))
    assert [f.text for f in facts] == ["Dân số – Năm hiện hành 2025 – kế hoạch: 2,61 triệu người."]
    facts = table_facts("Số giường bệnh cấp tỉnh năm 2027 là bao nhiêu?", _plan(tmp_path))
    # the unnumbered row is read with the numbered row it is a part of, its "+" marker left out
    assert [f.text for f in facts] == ["Số giường bệnh – Giường bệnh cấp tỉnh – Năm 2027: 6.750 giường."]


def test_a_cell_the_row_leaves_empty_is_not_an_answer(tmp_path) -> None:
    from rag.structured_answers import table_facts

    assert table_facts("Số giường bệnh cấp huyện năm 2027 là bao nhiêu?", _plan(tmp_path)) == []
    assert table_facts("Tốc độ tăng trưởng năm 2030 là bao nhiêu?", _plan(tmp_path)) == []
