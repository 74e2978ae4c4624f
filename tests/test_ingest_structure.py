"""Structure of party documents; the corpus topic guide against a hand-written fixture."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest

from ingest.pipeline import load_document
from ingest.structure import parse_structure, split_organisations

EXPECTED = Path(__file__).parent / "fixtures" / "topic_guide_expected.json"


@pytest.fixture(scope="module")
def guide():
    root = Path(__file__).resolve().parent.parent / "corpus"
    return load_document(root / "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt", root=root)


@pytest.fixture(scope="module")
def expected():
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


def test_corpus_has_six_topics_with_exact_titles(guide, expected):
    assert [(t.number, t.title) for t in guide.topics] == [(t["number"], t["title"]) for t in expected["topics"]]


def test_corpus_fields_exact(guide, expected):
    for topic, want in zip(guide.topics, expected["topics"], strict=True):
        assert topic.fields == want["fields"], f"topic {topic.number}"
        for label, (start, end) in topic.field_spans.items():
            assert guide.text[start:end] == topic.fields[label]


def test_corpus_organisations_exact(guide, expected):
    for topic, want in zip(guide.topics, expected["topics"], strict=True):
        assert topic.organisations == want["organisations"], f"topic {topic.number}"


def test_corpus_topic_six_items_and_intro(guide, expected):
    six = guide.topics[5]
    body = guide.text[six.start : six.end].split("\n")[1:]
    assert [line.removeprefix("- ") for line in body] == expected["topics"][5]["items"]
    assert guide.text[: guide.topics[0].start].strip() == expected["intro"]


def test_corpus_document_facts(guide, expected):
    assert guide.doc_type == expected["doc_type"]
    assert guide.classification == expected["classification"]
    assert guide.title == "Gợi ý chuyên đề thảo luận hội nghị tổng kết 2025"  # re-accented from the text itself
    assert guide.doc_id == "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt"
    for a, b in pairwise(guide.topics):
        assert a.end <= b.start


def test_split_organisations_keeps_numbered_names_whole():
    value = "Đảng bộ Sở Tài chính, Đảng bộ Ban quản lý dự án 1,2,3; Chi bộ Cơ quan Đảng ủy."
    assert split_organisations(value) == [
        "Đảng bộ Sở Tài chính",
        "Đảng bộ Ban quản lý dự án 1,2,3",
        "Chi bộ Cơ quan Đảng ủy",
    ]


REPORT = """ĐẢNG BỘ TỈNH X
TỐI MẬT
BÁO CÁO
Về kết quả thực hiện nhiệm vụ năm 2025
Năm 2025 có nhiều khó khăn.
I. KẾT QUẢ ĐẠT ĐƯỢC
- Kết quả: Tăng trưởng 6,42%.
1. Nội dung con không phải là chuyên đề.
II. HẠN CHẾ, NGUYÊN NHÂN
- Hạn chế: Giải ngân chậm.
- Nguyên nhân: Phối hợp chưa tốt.
III. NHIỆM VỤ NĂM 2026
- Nhiệm vụ: Giải ngân 100%."""


def test_roman_parts_of_a_report():
    s = parse_structure(REPORT)
    assert s.doc_type == "report"
    assert s.classification == "toi_mat"
    assert s.title == "BÁO CÁO Về kết quả thực hiện nhiệm vụ năm 2025"
    assert [(t.number, t.title) for t in s.topics] == [
        (1, "KẾT QUẢ ĐẠT ĐƯỢC"),
        (2, "HẠN CHẾ, NGUYÊN NHÂN"),
        (3, "NHIỆM VỤ NĂM 2026"),
    ]
    assert s.topics[1].fields == {"Hạn chế": "Giải ngân chậm.", "Nguyên nhân": "Phối hợp chưa tốt."}
    assert s.topics[0].fields["Kết quả"].endswith("Nội dung con không phải là chuyên đề.")


@pytest.mark.parametrize(
    ("stamp", "level"), [("MẬT", "mat"), ("Mật", "mat"), ("TUYỆT MẬT", "tuyet_mat"), ("Độ mật: Tối mật", "toi_mat")]
)
def test_classification_stamps(stamp, level):
    assert parse_structure(f"UBND TỈNH\n{stamp}\nNGHỊ QUYẾT\nnội dung").classification == level


def test_unstamped_is_public_and_mat_in_prose_does_not_count():
    assert parse_structure("NGHỊ QUYẾT\nBảo vệ bí mật nhà nước.\nMật độ dân số cao.").classification == "public"


def test_chuyen_de_and_phan_headings():
    text = "GỢI Ý THẢO LUẬN\nChuyên đề 1: Kinh tế\n- Vấn đề thảo luận: Tăng trưởng?\nChuyên đề 2. Xã hội\nnội dung"
    s = parse_structure(text)
    assert [(t.number, t.title) for t in s.topics] == [(1, "Kinh tế"), (2, "Xã hội")]
    assert s.doc_type == "topic_guide"
    text = "NGHỊ QUYẾT\nPhần lớn cán bộ đồng tình.\nPhần I - Đánh giá\nnội dung\nPhần II - Nhiệm vụ\nnội dung"
    s = parse_structure(text)
    assert s.doc_type == "resolution"
    assert [(t.number, t.title) for t in s.topics] == [(1, "Đánh giá"), (2, "Nhiệm vụ")]


def test_unaccented_labels_are_recognised():
    s = parse_structure("1. Chu de mot\n- Thuc trang: xau\n2. Chu de hai\n- Van de thao luan: gi?")
    assert s.topics[0].fields == {"Thực trạng": "xau"}
    assert s.topics[1].fields == {"Vấn đề thảo luận": "gi?"}


def test_organisations_listed_on_their_own_lines():
    text = (
        "1. Chuyển đổi số\n- Các TCCS Đảng chuẩn bị thảo luận:\n+ Chi bộ Cơ quan Đảng ủy;\n"
        "+ Đảng bộ Sở Khoa học và Công nghệ, Đảng bộ Viễn thông tỉnh.\nGhi chú: gửi trước ngày 15.\n2. Khác"
    )
    topic = parse_structure(text).topics[0]
    assert topic.organisations == [
        "Chi bộ Cơ quan Đảng ủy",
        "Đảng bộ Sở Khoa học và Công nghệ",
        "Đảng bộ Viễn thông tỉnh",
    ]
    start, end = topic.field_spans["Các TCCS Đảng chuẩn bị thảo luận"]
    assert text[start:end].startswith("+ Chi bộ")


def test_an_older_laws_clauses_numbered_with_a_dash_are_headings_like_numbered_ones(tmp_path: Path) -> None:
    # the layout of the laws of the 1990s (Luật Khiếu nại, tố cáo 1998): "1- …" where later laws write "1. …"
    path = tmp_path / "luat-1998.txt"
    path.write_text(
        "QUỐC HỘI\nLUẬT\nKHIẾU NẠI, TỐ CÁO\nChương 1\nNHỮNG QUY ĐỊNH CHUNG\nĐiều 17\n"
        "1- Người khiếu nại có các quyền sau đây:\na) Tự mình khiếu nại;\nb) Rút khiếu nại.\n"
        "2- Người khiếu nại có các nghĩa vụ sau đây:\na) Khiếu nại đến đúng người có thẩm quyền;\n"
        "b) Trình bày trung thực sự việc.\nĐiều 18\nKhiếu nại được giải quyết trong thời hạn 30 ngày.\n",
        encoding="utf-8",
    )
    headings = load_document(path).headings
    assert [h.label for h in headings] == ["Chương 1", "Điều 17", "1-", "a)", "b)", "2-", "a)", "b)", "Điều 18"]
    assert [h.level for h in headings] == [1, 2, 3, 4, 4, 3, 4, 4, 2]
    assert headings[6].path == (
        "Chương 1 NHỮNG QUY ĐỊNH CHUNG › Điều 17 › 2- Người khiếu nại có các nghĩa vụ sau đây › a) Khiếu nại đến đúng"
        " người có thẩm quyền;"
    )
    text = load_document(path).text
    assert "2- Người khiếu nại" not in text[headings[4].start : headings[4].end]  # khoản 2 is not inside b)
