"""Assignments in prose, lists and tables (issue 20, item 3), on small documents written for these tests.

Each document is read by the ordinary loader (ingest.pipeline.load_documents); every expected body, role, task
and deadline below was written by hand from the text of the document, not taken from the extractor's output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.assignments import looks_like_body, split_bodies
from ingest.pipeline import load_documents

PLAN = """ỦY BAN NHÂN DÂN
TỈNH THỬ NGHIỆM

Số: 12/KH-UBND

Thử Nghiệm, ngày 02 tháng 3 năm 2026

KẾ HOẠCH
Số hóa hồ sơ lưu trữ của tỉnh

I. TỔ CHỨC THỰC HIỆN

1. Sở Nội vụ (cơ quan chủ trì)

- Chủ trì xây dựng kế hoạch số hóa hồ sơ lưu trữ của tỉnh.

- Sở Nội vụ định kỳ hằng quý tổng hợp báo cáo Ủy ban nhân dân tỉnh.

2. Các sở ngành liên quan, Trung tâm Lưu trữ lịch sử tỉnh

- Cung cấp danh mục hồ sơ thuộc phạm vi quản lý.

3. Sở Tài chính có các nhiệm vụ sau đây:

a) Bố trí kinh phí số hóa hồ sơ.

b) Hướng dẫn thanh toán, quyết toán kinh phí.

4. Giao Văn phòng Ủy ban nhân dân tỉnh theo dõi, đôn đốc việc thực hiện Kế hoạch này.

5. Quy chế khai thác kho lưu trữ số do Chủ tịch Ủy ban nhân dân tỉnh quyết định.

6. Sở Xây dựng chủ trì, phối hợp với Sở Tài chính, các sở, ngành, UBND xã, phường lập phương án kho lưu trữ.

II. PHỤ LỤC NHIỆM VỤ

TT | Nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian hoàn thành
I | Chuẩn bị số hóa
1 | Rà soát hồ sơ cần số hóa | Sở Nội vụ | Các sở, ngành, UBND xã, phường | Quý II/2026
Mua sắm máy quét tài liệu | Sở Tài chính
2 | Số hóa hồ sơ | Trung tâm Lưu trữ lịch sử tỉnh | Sở Khoa học và Công nghệ | Quý IV/2027

Nơi nhận:
- Như trên;
- Lưu: VT.

TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Nguyễn Văn Thử
"""

LAW = """QUỐC HỘI

Luật số: 99/2030/QH99

LUẬT
LƯU TRỮ THỬ NGHIỆM

Chương I
TRÁCH NHIỆM QUẢN LÝ

Điều 7. Trách nhiệm của Ủy ban nhân dân các cấp về lưu trữ

1. Chỉ đạo, tổ chức thực hiện pháp luật về lưu trữ.

2. Tuyên truyền, phổ biến pháp luật về lưu trữ.

Điều 8. Hướng dẫn thi hành

Chính phủ quy định chi tiết và hướng dẫn thi hành Luật này.

CHỦ TỊCH QUỐC HỘI
Trần Văn Thử
"""


def _one_document(folder: Path, name: str, text: str):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    (doc,) = load_documents(path)
    return doc


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory):
    return _one_document(tmp_path_factory.mktemp("plan"), "ke-hoach-12-kh-ubnd.txt", PLAN)


@pytest.fixture(scope="module")
def law(tmp_path_factory: pytest.TempPathFactory):
    return _one_document(tmp_path_factory.mktemp("law"), "luat-luu-tru-thu-nghiem.txt", LAW)


def _of(doc, body: str) -> list[tuple[str, str, str]]:
    return [(a.role, a.task, a.deadline) for a in doc.assignments if a.body == body]


def test_split_bodies_keeps_lower_case_continuations_with_their_name() -> None:
    assert split_bodies("Các sở, ngành, UBND xã, phường, đặc khu") == ["Các sở, ngành", "UBND xã, phường, đặc khu"]
    assert split_bodies("Bộ, cơ quan ngang bộ trong phạm vi chức năng, nhiệm vụ") == ["Bộ, cơ quan ngang bộ"]
    assert split_bodies("Các tỉnh ủy, thành ủy") == ["Các tỉnh ủy, thành ủy"]
    assert split_bodies("Hội đồng Dân tộc, lãnh đạo các cơ quan thuộc UBTVQH và Văn phòng Quốc hội") == [
        "Hội đồng Dân tộc",
        "Lãnh đạo các cơ quan thuộc UBTVQH",
        "Văn phòng Quốc hội",
    ]


def test_a_committee_named_after_two_fields_keeps_its_comma() -> None:
    # the National Assembly's committees as Kế hoạch 3260-KH/ĐĐQH15 heads their tasks ("i) Tổ đảng ở …")
    assert split_bodies("Tổ đảng ở Thường trực Ủy ban Văn hóa, Giáo dục") == [
        "Tổ đảng ở Thường trực Ủy ban Văn hóa, Giáo dục"
    ]
    assert split_bodies("Ủy ban Tài chính, Ngân sách và Văn phòng Quốc hội") == [
        "Ủy ban Tài chính, Ngân sách",
        "Văn phòng Quốc hội",
    ]
    assert split_bodies("Sở Tài chính, Công an Thành phố") == ["Sở Tài chính", "Công an Thành phố"]


def test_generic_and_clause_names_are_no_body() -> None:
    assert not looks_like_body("Các đơn vị có liên quan")
    assert not looks_like_body("Các giải pháp tổ chức thực hiện")
    assert looks_like_body("Các cơ quan thuộc UBTVQH")
    assert looks_like_body("Chánh Văn phòng Ủy ban nhân dân Thành phố")


def test_heading_naming_a_body_and_an_item_opening_with_it(plan) -> None:
    home = _of(plan, "Sở Nội vụ")  # "(cơ quan chủ trì)" is a remark, not part of the name
    assert ("chu_tri", "Chủ trì xây dựng kế hoạch số hóa hồ sơ lưu trữ của tỉnh.", "") in home
    quarterly = [t for t in home if t[1].startswith("Sở Nội vụ định kỳ hằng quý") or "tổng hợp báo cáo" in t[1]]
    assert quarterly
    assert quarterly[0][2] == "định kỳ hằng quý"


def test_heading_naming_two_bodies_gives_each_the_bullets(plan) -> None:
    task = "Cung cấp danh mục hồ sơ thuộc phạm vi quản lý."
    assert ("thuc_hien", task, "") in _of(plan, "Các sở ngành liên quan")
    assert ("thuc_hien", task, "") in _of(plan, "Trung tâm Lưu trữ lịch sử tỉnh")


def test_duties_followed_by_items_are_tasks_of_their_own(plan) -> None:
    finance = {t[1] for t in _of(plan, "Sở Tài chính") if t[0] != "phoi_hop"}
    assert {"Bố trí kinh phí số hóa hồ sơ.", "Hướng dẫn thanh toán, quyết toán kinh phí."} <= finance


def test_numbered_duties_and_a_ninth_letter_item_are_tasks_of_their_body(tmp_path: Path) -> None:
    # a duties line followed by "1. …" items gave nothing, and a list's "i)" (after "h)") ended it as a numeral
    text = (
        "KẾ HOẠCH\nThử nghiệm phân công\n\nI. TỔ CHỨC THỰC HIỆN\n\n"
        "Sở Nội vụ có trách nhiệm sau đây:\n\n1. Lập danh mục hồ sơ số hóa.\n\n2. Kiểm tra việc số hóa.\n\n"
        "Sở Tài chính có các nhiệm vụ sau đây:\n\n"
        + "".join(f"{c}) Việc thứ {n} của Sở.\n\n" for n, c in enumerate("abcdeghi", start=1))
        + "Nơi nhận:\n- Lưu: VT.\n"
    )
    doc = _one_document(tmp_path, "ke-hoach-phan-cong.txt", text)
    home = {t for r, t, _ in _of(doc, "Sở Nội vụ")}
    assert {"Lập danh mục hồ sơ số hóa.", "Kiểm tra việc số hóa."} <= home
    finance = {t for r, t, _ in _of(doc, "Sở Tài chính")}
    assert "Việc thứ 8 của Sở." in finance and "Việc thứ 1 của Sở." in finance


def test_giao_without_a_role_word_and_the_passive(plan) -> None:
    office = _of(plan, "Văn phòng Ủy ban nhân dân tỉnh")
    assert [(r, t) for r, t, _ in office] == [("thuc_hien", "theo dõi, đôn đốc việc thực hiện Kế hoạch này")]
    chair = _of(plan, "Chủ tịch Ủy ban nhân dân tỉnh")
    assert [(r, t) for r, t, _ in chair] == [("thuc_hien", "quyết định Quy chế khai thác kho lưu trữ số")]


def test_chu_tri_phoi_hop_with_grouped_partners(plan) -> None:
    got = {(a.body, a.role) for a in plan.assignments if a.task.startswith("lập phương án kho lưu trữ")}
    assert got == {
        ("Sở Xây dựng", "chu_tri"),
        ("Sở Tài chính", "phoi_hop"),
        ("Các sở, ngành", "phoi_hop"),
        ("UBND xã, phường", "phoi_hop"),
    }


def test_table_without_outer_pipes_with_partner_column_and_a_merged_row(plan) -> None:
    review = {(a.body, a.role, a.deadline) for a in plan.assignments if a.task == "Rà soát hồ sơ cần số hóa"}
    assert review == {
        ("Sở Nội vụ", "chu_tri", "Quý II/2026"),
        ("Các sở, ngành", "phoi_hop", "Quý II/2026"),
        ("UBND xã, phường", "phoi_hop", "Quý II/2026"),
    }
    # "Mua sắm máy quét tài liệu | Sở Tài chính": a row under the merged number cell, read from the task column
    assert ("chu_tri", "Mua sắm máy quét tài liệu", "") in _of(plan, "Sở Tài chính")
    scanning = {(a.body, a.role) for a in plan.assignments if a.task == "Số hóa hồ sơ"}
    assert scanning == {("Trung tâm Lưu trữ lịch sử tỉnh", "chu_tri"), ("Sở Khoa học và Công nghệ", "phoi_hop")}
    assert not [a for a in plan.assignments if a.task == "Chuẩn bị số hóa"]  # a part's title row assigns nothing


def test_article_on_a_body_s_duties_and_the_implementing_provision(law) -> None:
    councils = [t for r, t, _ in _of(law, "Ủy ban nhân dân các cấp")]
    assert councils == [
        "Chỉ đạo, tổ chức thực hiện pháp luật về lưu trữ.",
        "Tuyên truyền, phổ biến pháp luật về lưu trữ.",
    ]
    government = _of(law, "Chính phủ")
    assert [t for _, t, _ in government] == ["quy định chi tiết và hướng dẫn thi hành Luật này"]


def test_a_file_is_read_as_one_document_with_its_forms(tmp_path: Path) -> None:
    text = (
        PLAN
        + "\nMẫu biểu số 01\n\nBIỂU TỔNG HỢP\n\n(Kèm theo Kế hoạch số 12/KH-UBND)\n\n"
        + "STT | Nội dung | Đơn vị tính\n1 | Hồ sơ | Hộp\n"
    )
    path = tmp_path / "ke-hoach-mau-bieu.txt"
    path.write_text(text, encoding="utf-8")
    docs = load_documents(path)
    assert len(docs) == 1  # "Mẫu biểu số 01" after the signature is an attached form, not a new document
    assert not [a for a in docs[0].assignments if a.body == "Hộp"]  # "Đơn vị tính" is a unit column


def test_a_list_of_bodies_co_operating_a_focal_body_and_a_modal_verb() -> None:
    # Luật Dạy nghề Điều 84, Luật Cạnh tranh Điều 7, Luật Đường sắt Điều 48 (written again by hand, shortened)
    from ingest.assignments import from_sentence

    def got(sentence: str) -> list[tuple[str, str]]:
        return [(a.body, a.role) for a in from_sentence(sentence, 0, len(sentence), "")]

    assert got("Bộ, cơ quan ngang bộ phối hợp với Tổng cục Dạy nghề thực hiện quản lý nhà nước về dạy nghề.") == [
        ("Bộ, cơ quan ngang bộ", "thuc_hien"),
        ("Tổng cục Dạy nghề", "phoi_hop"),
    ]
    assert got("Bộ Công Thương là cơ quan đầu mối giúp Chính phủ thực hiện quản lý nhà nước về cạnh tranh.") == [
        ("Bộ Công Thương", "chu_tri")
    ]
    assert got("Người đứng đầu địa phương phải chịu trách nhiệm khi để xảy ra tai nạn trên địa bàn.") == [
        ("Người đứng đầu địa phương", "chiu_trach_nhiem")
    ]
    # a clause before the body is not a body: "Trên cơ sở …" names who proposed, not who co-operates
    assert ("Ban, ngành chuyên môn", "thuc_hien") not in got(
        "Trên cơ sở đề xuất của các Sở, ban, ngành chuyên môn, Sở Tài chính phối hợp với các đơn vị thẩm định kinh phí."
    )
