"""Rendition parity: a .docx or .pdf made from a shared .txt recovers the same documents as the .txt itself.

Every expected value was typed by hand from ../shared/data: the "Số"/"Luật số" lines and signature blocks of
vn_laws/luat-binh-dang-gioi.txt, luat-quy-dinh-quyen-tu-do-hoi-hop.txt and luat-dam-bao-quyen-tu-do-than-the-…txt,
their "Chương" headings, rows of the Phụ lục 1 table of party_docs/bao-cao-…nq57_2025-05.txt, and for the four
newer party documents (KL 221, QĐ 383, QĐ 2820, KH 0204) their number, date, signer, a table row and a heading.
Each test runs on the .txt, the .docx (python-docx, office layout) and the .pdf (printed by Chromium); the parity
test also checks that the three agree field by field (on top of the hand-written values, never instead of them).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.chunking import chunk_document
from ingest.model import Document
from ingest.pipeline import load_documents
from tests.renditions import chromium_available, rendition

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
PLAN = SHARED / "party_docs" / "ke-hoach-3260-kh-ddqh15_2025-01-10.txt"
REPORT = SHARED / "party_docs" / "bao-cao-dang-uy-chinh-phu-thuc-hien-nq57_2025-05.txt"
EQUALITY = SHARED / "vn_laws" / "luat-binh-dang-gioi.txt"
ASSEMBLY = SHARED / "vn_laws" / "luat-quy-dinh-quyen-tu-do-hoi-hop.txt"
PERSON = (
    SHARED
    / "vn_laws"
    / "luat-dam-bao-quyen-tu-do-than-the-va-quyen-bat-kha-xam-pham-doi-voi-nha-o-do-vat-thu-tin-cua-nhan-dan.txt"
)

GUIDE = ROOT / "corpus" / "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt"

pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared party documents and laws not found at {SHARED}")

FORMATS = ["txt", "docx", "pdf"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("parity")


_cache: dict[tuple[str, str], list[Document]] = {}


def _docs(source: Path, fmt: str, folder: Path) -> list[Document]:
    if fmt == "pdf" and not chromium_available():
        pytest.skip("Chromium is not installed; the PDF rendition cannot be printed")
    key = (source.name, fmt)
    if key not in _cache:
        _cache[key] = load_documents(rendition(source, fmt, folder))
    return _cache[key]


LAWS = {
    "binh-dang-gioi": (
        EQUALITY,
        {
            "kind": "luat",
            "number": "73/2006/QH 11",  # "Luật số: 73/2006/QH 11", kept as written
            "issuer": "QUỐC HỘI",
            "date": "2006-06-29",
            "trich_yeu": "BÌNH ĐẲNG GIỚI",
            "signer": "Nguyễn Phú Trọng",
            "signer_position": "CHỦ TỊCH QUỐC HỘI",
        },
    ),
    "hoi-hop": (
        ASSEMBLY,
        {
            "kind": "luat",
            "number": "101-SL/L.003",  # "SỐ 101-SL/L.003 NGÀY 20-5-1957 QUY ĐỊNH QUYỀN TỰ DO HỘI HỌP"
            "issuer": "",
            "date": "1957-05-20",
            "trich_yeu": "QUY ĐỊNH QUYỀN TỰ DO HỘI HỌP",
            "signer": "Hồ Chí Minh",
            "signer_position": "",
        },
    ),
    "than-the": (
        PERSON,
        {
            "kind": "luat",
            "number": "103-SL/L.005",
            "issuer": "",
            "date": "1957-05-20",
            "trich_yeu": "ĐẢM BẢO QUYỀN TỰ DO THÂN THỂ VÀ QUYỀN BẤT KHẢ XÂM PHẠM ĐỐI VỚI NHÀ Ở, ĐỒ VẬT, THƯ TÍN CỦA "
            "NHÂN DÂN",
            "signer": "Hồ Chí Minh",
            "signer_position": "",
        },
    ),
}

CHAPTERS = {
    "binh-dang-gioi": [
        ("Chương I", "NHỮNG QUY ĐỊNH CHUNG"),
        ("Chương II", "BÌNH ĐẲNG GIỚI TRONG CÁC LĨNH VỰC CỦA ĐỜI SỐNG XÃ HỘI VÀ GIA ĐÌNH"),
        ("Chương III", "CÁC BIỆN PHÁP BẢO ĐẢM BÌNH ĐẲNG GIỚI"),
        (
            "Chương IV",
            "TRÁCH NHIỆM CỦA CƠ QUAN, TỔ CHỨC, GIA ĐÌNH VÀ CÁ NHÂN TRONG VIỆC THỰC HIỆN VÀ BẢO ĐẢM BÌNH ĐẲNG GIỚI",
        ),
        ("Chương V", "THANH TRA, GIÁM SÁT VÀ XỬ LÝ VI PHẠM PHÁP LUẬT VỀ BÌNH ĐẲNG GIỚI"),  # one space, as printed
        ("Chương VI", "ĐIỀU KHOẢN THI HÀNH"),
    ],
    "than-the": [
        ("Chương 1", "NGUYÊN TẮC"),
        ("Chương 2", "VIỆC BẮT NGƯỜI PHẠM PHÁP"),
        ("Chương 3", "VIỆC TẠM GIỮ, TẠM GIAM, TẠM THA"),
        ("Chương 4", "VIỆC KHÁM NGƯỜI, KHÁM ĐỒ VẬT, KHÁM NHÀ Ở VÀ THƯ TÍN"),
        ("Chương 5", "ĐIỀU KHOẢN CHUNG"),
    ],
    "hoi-hop": [],
}
ARTICLES = {"binh-dang-gioi": 44, "hoi-hop": 10, "than-the": 19}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("law", sorted(LAWS))
def test_law_metadata(law: str, fmt: str, folder: Path) -> None:
    source, expected = LAWS[law]
    (doc,) = _docs(source, fmt, folder)
    assert {name: getattr(doc.meta, name) for name in expected} == expected
    assert doc.doc_type == "law"
    start, end = doc.meta.spans["signer"]
    assert doc.text[start:end] == expected["signer"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("law", sorted(LAWS))
def test_law_chapters_and_articles(law: str, fmt: str, folder: Path) -> None:
    source, _ = LAWS[law]
    (doc,) = _docs(source, fmt, folder)
    assert [(h.label, h.title) for h in doc.headings if h.level == 1 and h.label.startswith("Chương")] == CHAPTERS[law]
    assert sum(h.label.startswith("Điều ") for h in doc.headings) == ARTICLES[law]


@pytest.mark.parametrize("fmt", FORMATS)
def test_signature_is_not_a_tiny_chunk_of_its_own(fmt: str, folder: Path) -> None:
    """Regression: "Nguyễn Phú Trọng" (16 characters) was a chunk by itself and matched every question on the law."""
    (doc,) = _docs(EQUALITY, fmt, folder)
    chunks = chunk_document(doc, lambda s: len(s.split()) * 2 + 2, chunk_tokens=256, overlap=0)
    signed = next(c for c in chunks if "Nguyễn Phú Trọng" in c.text)
    assert "thông qua ngày 29 tháng 11 năm 2006" in signed.text
    assert "CHỦ TỊCH QUỐC HỘI" in signed.text


# Rows of the Phụ lục 1 table, as the .txt writes them (row 1 is cut by a page break in the PDF).
TASK_ROWS = [
    "| TT | NHIỆM VỤ | KẾT QUẢ YÊU CẦU | THỜI GIAN HOÀN THÀNH | CƠ QUAN THỰC HIỆN | TIẾN ĐỘ | KẾT QUẢ HIỆN NAY |",
    "| I | Nhận thức | | | | | |",
    "| 1. | Xây dựng, trình Thủ tướng Chính phủ ban hành và tổ chức triển khai chương trình tuyên truyền thường "
    "xuyên, sâu rộng về nội dung Nghị quyết 57-NQ/TW theo hướng: đa dạng hóa các hình thức, cụ thể hóa nội dung "
    "và có mục tiêu cụ thể. | Quyết định của Thủ tướng Chính phủ | Tháng 4/2025 | Bộ Khoa học và Công nghệ | "
    "Hoàn thành | Thủ tướng Chính phủ sẽ xem xét, ban hành trước ngày 28/5 |",
    "| 25. | Tham mưu Chính phủ thành lập Ủy ban dữ liệu quốc gia. | Báo cáo Chính phủ | Tháng 3/2025 | Bộ Công an "
    "| Quá hạn | Đang chuẩn bị hồ sơ. |",
    "| IV | Phát triển, trọng dụng nhân lực chất lượng cao. | | | | | |",
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_report_tables_come_out_as_pipe_rows(fmt: str, folder: Path) -> None:
    _, draft = _docs(REPORT, fmt, folder)
    lines = draft.text.split("\n")
    for row in TASK_ROWS:
        assert row in lines
    numbered = [ln.split(" | ")[0] for ln in lines if ln.startswith("| ") and ln.split(" | ")[0][2:-1].isdigit()]
    assert numbered == [f"| {n}." for n in range(1, 38)]  # 37 tasks, each one row
    assert "| Danh sách Luật trình Quốc hội (Kỳ họp tháng 5/2025) |" in lines  # a one-column table
    assert "| Luật Nhà giáo |" in lines


@pytest.mark.parametrize("fmt", FORMATS)
def test_report_roman_parts_stay_in_heading_paths(fmt: str, folder: Path) -> None:
    _, draft = _docs(REPORT, fmt, folder)
    service = next(h for h in draft.headings if h.title == "Về cung cấp dịch vụ công trực tuyến")
    assert service.path.endswith(" › III- TỒN TẠI, HẠN CHẾ › 3. Về cung cấp dịch vụ công trực tuyến")
    assert service.path.startswith("A. BÁO CÁO KẾT QUẢ TRIỂN KHAI THỰC HIỆN NGHỊ QUYẾT SỐ 57-NQ/TW")
    chunks = chunk_document(draft, lambda s: len(s.split()) * 2 + 2, chunk_tokens=256, overlap=0)
    inside = next(c for c in chunks if "Tỷ lệ hồ sơ trực tuyến toàn trình" in c.text)
    assert "III- TỒN TẠI, HẠN CHẾ" in inside.heading_path


@pytest.mark.parametrize("fmt", FORMATS)
def test_topic_guide_stays_a_topic_guide(fmt: str, folder: Path) -> None:
    """The guide's .txt keeps its printed line breaks; its renditions are laid out as typed (one paragraph each)."""
    (doc,) = _docs(GUIDE, fmt, folder)
    assert (doc.doc_type, doc.meta.kind) == ("topic_guide", "topic_guide")
    assert doc.title == "Gợi ý chuyên đề thảo luận hội nghị tổng kết 2025"  # from the file name, re-accented
    assert [t.number for t in doc.topics] == [1, 2, 3, 4, 5, 6]
    assert doc.topics[2].organisations == ["Đảng bộ Sở Nội vụ", "Đảng bộ Sở Tư pháp", "Đảng bộ Thanh tra tỉnh"]
    justice = [a for a in doc.assignments if a.body == "Đảng bộ Sở Tư pháp"]
    assert len(justice) == 1
    assert justice[0].task.startswith("Khắc phục tâm lý “sợ sai, sợ trách nhiệm”")


def _outline(docs: list[Document]) -> list[tuple]:
    out: list[tuple] = []
    for doc in docs:
        meta = doc.meta
        out.append((re.sub(r"\.(?:txt|docx|pdf)", "", doc.doc_id), doc.doc_type, doc.title))
        out.append((meta.kind, meta.number, meta.issuer, meta.parent_issuer, meta.date, meta.trich_yeu))
        out.append((meta.signer, meta.signer_position, tuple(meta.recipients)))
        out.extend((h.label, h.title, h.level, h.path) for h in doc.headings)
        out.extend((a.body, a.role, a.task, a.deadline, a.heading_path) for a in doc.assignments)
    return out


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("source", [PLAN, REPORT, EQUALITY, ASSEMBLY, PERSON, GUIDE], ids=lambda p: p.stem[:24])
def test_rendition_recovers_what_the_text_file_does(source: Path, fmt: str, folder: Path) -> None:
    """Same split into documents, metadata, heading tree and assignments as the .txt (whose values the tests
    above check by hand)."""
    assert _outline(_docs(source, fmt, folder)) == _outline(_docs(source, "txt", folder))


# ---- the four newer shared party documents (values typed from the .txt files) -----------------------------------

PARTY = SHARED / "party_docs"
KL221 = PARTY / "kl221-kl-tw_2025-11-28.txt"
QD383 = PARTY / "qd383-qd-tw_2025-11-19.txt"
QD2820 = PARTY / "qd2820-qd-ubnd-hcm_2025-11-19.txt"
KH0204 = PARTY / "kh0204-kh-ubnd-camau_2025-11-24.txt"

NEW_DOCS = {
    "kl221": (KL221, ("ket_luan", "221-KL/TW", "2025-11-28", "Trần Cẩm Tú", "T/M BỘ CHÍNH TRỊ")),
    "qd383": (QD383, ("383-QĐ/TW", "2025-11-19", "Trần Cẩm Tú", "T/M BAN BÍ THƯ")),
    "qd2820": (QD2820, ("quyet_dinh", "2820/QĐ-UBND", "2025-11-19", "Nguyễn Lộc Hà", "KT. CHỦ TỊCH, PHÓ CHỦ TỊCH")),
    "kh0204": (
        KH0204,
        ("ke_hoach", "0204/KH-UBND", "2025-11-24", "Lâm Văn Bi", "TM. ỦY BAN NHÂN DÂN, KT. CHỦ TỊCH, PHÓ CHỦ TỊCH"),
    ),
}


def _cells(row: list[str]) -> list[str]:
    """A row's cells without the empty ones a .docx/.pdf table pads a short row with."""
    cells = list(row)
    while cells and not cells[-1]:
        cells.pop()
    return cells


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(NEW_DOCS))
def test_new_party_documents_number_date_signer(name: str, fmt: str, folder: Path) -> None:
    source, expected = NEW_DOCS[name]
    (doc,) = _docs(source, fmt, folder)  # one document per file: "Mẫu biểu số 01" after the signature is an appendix
    m = doc.meta
    got = (m.number, m.date, m.signer, m.signer_position)
    assert ((m.kind, *got) if len(expected) == 5 else got) == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_regulation_articles_and_heading_path(fmt: str, folder: Path) -> None:
    (doc,) = _docs(QD383, fmt, folder)
    assert [h.label for h in doc.headings if h.level == 1] == ["I-", "II-", "III-", "IV-"]
    assert sum(h.label.startswith("Điều ") for h in doc.headings) == 23
    art = next(h for h in doc.headings if h.label == "Điều 9")
    part = "II- QUẢN LÝ TÀI LIỆU LƯU TRỮ VÀ CƠ SỞ DỮ LIỆU TÀI LIỆU LƯU TRỮ"
    assert art.path == f"{part} › Điều 9 Xây dựng và cập nhật cơ sở dữ liệu tài liệu lưu trữ"
    office = [a for a in doc.assignments if a.body == "Văn phòng Trung ương Đảng"]
    assert any(a.task.startswith("hướng dẫn và kiểm tra việc thực hiện Quy định này") for a in office)  # Điều 22


@pytest.mark.parametrize("fmt", FORMATS)
def test_decision_appendix_table_rows_and_assignments(fmt: str, folder: Path) -> None:
    from ingest.tables import table_rows

    (doc,) = _docs(QD2820, fmt, folder)
    rows = [_cells(r.cells) for r in table_rows(doc.text)]
    assert [
        "4",
        "Tham gia rà soát, đơn giản hóa các thủ tục hành chính liên quan đến quy hoạch dựa trên việc khai thác, tái sử "
        "dụng dữ liệu của Hệ thống thông tin và cơ sở dữ liệu quốc gia về quy hoạch.",
        "Các sở, ngành, UBND xã, phường, đặc khu",
        "Sở Tài chính",
        "Quý II/2027",
        "Báo cáo",
    ] in rows
    plan = next(h for h in doc.headings if h.title == "TỔ CHỨC THỰC HIỆN")
    assert plan.path == "KẾ HOẠCH › IV. TỔ CHỨC THỰC HIỆN"
    # Phụ lục III.5: "… | UBND xã, phường, đặc khu | Các sở, ngành | Quý I/2030 | …"
    communes = [a for a in doc.assignments if a.body == "UBND xã, phường, đặc khu" and a.deadline == "Quý I/2030"]
    assert [a.role for a in communes] == ["chu_tri"]
    assert communes[0].heading_path.startswith("PHỤ LỤC")
    helpers = {a.body for a in doc.assignments if a.role == "phoi_hop" and a.start == communes[0].start}
    assert helpers == {"Các sở, ngành"}
    # IV.2 in prose: "Sở Khoa học và Công nghệ chủ trì, phối hợp với Sở Nội vụ và các đơn vị có liên quan …"
    training = [a for a in doc.assignments if a.task.startswith("tổ chức đào tạo, tập huấn và tuyên truyền")]
    assert {(a.body, a.role) for a in training} == {("Sở Khoa học và Công nghệ", "chu_tri"), ("Sở Nội vụ", "phoi_hop")}


@pytest.mark.parametrize("fmt", FORMATS)
def test_budget_plan_tables_keep_their_columns(fmt: str, folder: Path) -> None:
    from ingest.tables import table_rows

    (doc,) = _docs(KH0204, fmt, folder)
    rows = [_cells(r.cells) for r in table_rows(doc.text)]
    grdp = ["1", "Tổng sản phẩm trong nước của địa phương (GRDP) giá hiện hành", "Tỷ đồng"]
    assert [*grdp, "172.033", "172.033", "193.549", "218.628", "247.907"] in rows
    assert ["", "- Dịch vụ", "%", "36,49", "36,49", "37,30", "38,14", "39,02"] in rows  # empty STT cell kept
    assert ["A", "TỔNG CHI NSĐP", "26.811.096", "27.535.000", "26.278.107", "29.284.105", "30.928.602"] in rows
    # a header over merged columns reads as in .txt: 193.549 is GRDP in 2026, not under "Năm 2027"
    grdp_row = next(r for r in table_rows(doc.text) if _cells(r.cells)[:3] == grdp)
    assert grdp_row.header == [
        *["STT", "Nội dung", "Đơn vị tính", "Năm hiện hành 2025 – Kế hoạch", "Năm hiện hành 2025 – Ước thực hiện"],
        *["Năm 2026", "Năm 2027", "Năm 2028"],
    ]
    fixes = next(h for h in doc.headings if h.title.startswith("Các giải pháp tổ chức thực hiện kế hoạch tài chính"))
    assert fixes.path.startswith("III. DỰ BÁO NHỮNG TÁC ĐỘNG ĐẾN CÂN ĐỐI NSĐP")
    assert not [a for a in doc.assignments if a.body in {"Tỷ đồng", "Các giải pháp"}]  # no unit column, no clause
