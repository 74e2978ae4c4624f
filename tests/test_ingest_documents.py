"""Real party and state documents: metadata, heading tree, assignments — for .txt, .docx and .pdf renditions.

Every expected value below was typed by hand from ../shared/data/party_docs/*.txt, vn_laws/luat-an-ninh-quoc-gia.txt
and corpus/ (read the files: the letterhead, the "Số …" line, the date line, the signature block, the headings).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.model import Document
from ingest.pipeline import load_document, load_documents
from tests.renditions import chromium_available, rendition

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
PLAN = SHARED / "party_docs" / "ke-hoach-3260-kh-ddqh15_2025-01-10.txt"
REPORT = SHARED / "party_docs" / "bao-cao-dang-uy-chinh-phu-thuc-hien-nq57_2025-05.txt"
LAW = SHARED / "vn_laws" / "luat-an-ninh-quoc-gia.txt"
GUIDE = ROOT / "corpus" / "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt"

pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared party documents not found at {SHARED}")

FORMATS = ["txt", "docx", "pdf"]


@pytest.fixture(scope="module")
def rendition_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("renditions")


def _rendition(source: Path, fmt: str, folder: Path) -> Path:
    if fmt == "pdf" and not chromium_available():
        pytest.skip("Chromium is not installed; the PDF rendition cannot be printed")
    return rendition(source, fmt, folder)


_cache: dict[tuple[str, str], list[Document]] = {}


def _docs(source: Path, fmt: str, folder: Path) -> list[Document]:
    key = (source.name, fmt)
    if key not in _cache:
        _cache[key] = load_documents(_rendition(source, fmt, folder))
    return _cache[key]


def _bodies(doc: Document, role: str | None = None) -> set[str]:
    return {a.body for a in doc.assignments if role is None or a.role == role}


@pytest.mark.parametrize("fmt", FORMATS)
def test_plan_header_and_signature(fmt: str, rendition_dir: Path) -> None:
    (doc,) = _docs(PLAN, fmt, rendition_dir)
    m = doc.meta
    assert (m.kind, m.kind_label, m.layout) == ("ke_hoach", "KẾ HOẠCH", "party")
    assert m.number == "3260-KH/ĐĐQH15"
    assert (m.issuer, m.parent_issuer) == ("ĐẢNG ĐOÀN QUỐC HỘI", "BAN CHẤP HÀNH TRUNG ƯƠNG")
    assert (m.place, m.date, m.date_text) == ("Hà Nội", "2025-01-10", "Hà Nội, ngày 10 tháng 01 năm 2025")
    assert m.trich_yeu.startswith("khai thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024")
    assert m.trich_yeu.endswith("đổi mới sáng tạo và chuyển đổi số quốc gia")
    assert (m.signer, m.signer_position) == ("Trần Thanh Mẫn", "T/M ĐẢNG ĐOÀN QUỐC HỘI, BÍ THƯ")
    assert len(m.recipients) == 10
    assert m.recipients[0] == "Ban Bí thư Trung ương Đảng (để b/c)"
    assert m.recipients[-1] == "Lưu VPĐĐQH, Vụ KHCNMT"
    start, end = m.spans["signer"]
    assert doc.text[start:end] == "Trần Thanh Mẫn"
    start, end = m.spans["number"]
    assert "3260-KH/ĐĐQH15" in doc.text[start:end]
    assert doc.title.startswith("Kế hoạch 3260-KH/ĐĐQH15")


@pytest.mark.parametrize("fmt", FORMATS)
def test_plan_headings(fmt: str, rendition_dir: Path) -> None:
    (doc,) = _docs(PLAN, fmt, rendition_dir)
    top = [(h.label, h.title) for h in doc.headings if h.level == 1]
    assert top == [("I.", "MỤC ĐÍCH, YÊU CẦU"), ("II.", "PHÂN CÔNG NHIỆM VỤ"), ("III.", "TỔ CHỨC THỰC HIỆN")]
    assert [h.title for h in doc.headings if h.level == 2][:2] == ["Mục đích", "Yêu cầu"]
    econ = next(h for h in doc.headings if h.label == "e)")
    assert econ.title == "Tổ đảng ở Thường trực Ủy ban Kinh tế"
    assert econ.level == 4
    assert econ.path.startswith("II. PHÂN CÔNG NHIỆM VỤ › 2. Lãnh đạo, chỉ đạo rà soát")
    assert econ.path.endswith(" › e) Tổ đảng ở Thường trực Ủy ban Kinh tế")
    last = next(h for h in doc.headings if h.label == "III.")
    assert "Nơi nhận" not in doc.text[last.start : last.end]  # the closing block is no part of section III


@pytest.mark.parametrize("fmt", FORMATS)
def test_plan_assignments(fmt: str, rendition_dir: Path) -> None:
    (doc,) = _docs(PLAN, fmt, rendition_dir)
    econ = [a for a in doc.assignments if a.body == "Tổ đảng ở Thường trực Ủy ban Kinh tế"]
    assert econ[0].role == "chu_tri"
    assert econ[0].task.startswith("Chủ trì thẩm tra và giám sát việc thực hiện chính sách, pháp luật về kinh tế")
    assert econ[0].heading_path.endswith("e) Tổ đảng ở Thường trực Ủy ban Kinh tế")
    assert doc.text[econ[0].start : econ[0].end].endswith(econ[0].task)
    # III.3: "Thường trực Ủy ban KH,CN&MT của Quốc hội chủ trì, phối hợp với Hội đồng Dân tộc, …"
    chair = [a for a in doc.assignments if a.body == "Thường trực Ủy ban KH,CN&MT của Quốc hội"]
    assert [a.role for a in chair] == ["chu_tri"]
    assert chair[0].task.startswith("giúp Đảng đoàn Quốc hội triển khai thực hiện Kế hoạch này")
    assert {"Hội đồng Dân tộc", "Văn phòng Đảng đoàn Quốc hội"} <= _bodies(doc, "phoi_hop")
    # II.1: "Đảng đoàn Quốc hội phối hợp với Đảng ủy cơ quan Văn phòng Quốc hội tổ chức phổ biến, …"
    assert "Đảng ủy cơ quan Văn phòng Quốc hội" in _bodies(doc, "phoi_hop")
    assert "Lãnh đạo Ban Dân nguyện" in _bodies(doc, "chu_tri")
    assert "Các cơ quan" not in _bodies(doc)  # "các cơ quan, tổ chức mới khác có trách nhiệm" names no one


@pytest.mark.parametrize("fmt", FORMATS)
def test_report_file_holds_a_letter_and_a_draft(fmt: str, rendition_dir: Path) -> None:
    letter, draft = _docs(REPORT, fmt, rendition_dir)
    assert draft.doc_id == letter.doc_id + "--2"
    m = letter.meta
    assert (m.kind, m.number, m.layout) == ("cong_van", "402-CV/VPĐU", "party")
    assert (m.issuer, m.parent_issuer) == ("VĂN PHÒNG", "ĐẢNG ỦY CHÍNH PHỦ")
    assert (m.date, m.place) == ("2025-05-25", "Hà Nội")
    assert m.trich_yeu.startswith("xin ý kiến dự thảo báo cáo kết quả thực hiện Nghị quyết số 57-NQ/TW")
    assert (m.signer, m.signer_position) == ("Trần Văn Sơn", "CHÁNH VĂN PHÒNG")
    assert m.recipients == ["Như trên", "VPCP: BTCN, PCN Phạm Mạnh Cường, Vụ KGVX (2)", "Lưu: VT, VPĐUCP (2)"]
    d = draft.meta
    assert (d.kind, d.kind_label, d.issuer, d.number) == ("bao_cao", "DỰ THẢO BÁO CÁO", "ĐẢNG ỦY CHÍNH PHỦ", "")
    assert (d.date, d.date_text) == ("", "Hà Nội, ngày tháng 5 năm 2025")  # the draft leaves the day blank
    assert (d.signer, d.signer_position) == ("Trần Văn Sơn", "T/M BAN THƯỜNG VỤ, PHÓ BÍ THƯ")
    assert "Lưu: VT, VPĐUCP (2)" in d.recipients
    # "Kính gửi:" then one addressee per line in the letter; one addressee on the line in the draft
    start, end = m.spans["addressee"]
    assert letter.text[start:end].startswith("- Đồng chí Phạm Minh Chính, Bí thư Đảng ủy Chính phủ")
    assert letter.text[start:end].endswith("Các đồng chí Ủy viên Ban Thường vụ Đảng ủy Chính phủ.")
    start, end = d.spans["addressee"]
    assert draft.text[start:end] == "Văn phòng Trung ương Đảng"


@pytest.mark.parametrize("fmt", FORMATS)
def test_report_headings_keep_appendices_apart(fmt: str, rendition_dir: Path) -> None:
    _, draft = _docs(REPORT, fmt, rendition_dir)
    top = [h.label for h in draft.headings if h.level == 1]
    assert top == ["A.", "B.", "Phụ lục 1", "Phụ lục 2", "Phụ lục 3"]
    parts = [h.label for h in draft.headings if h.level == 2 and h.path.startswith("A.")]
    assert parts == ["I-", "II-", "III-", "V-", "VI."]
    a, b, appendix = (next(h for h in draft.headings if h.label == label) for label in ("A.", "B.", "Phụ lục 1"))
    assert a.end <= b.start and b.end < appendix.start  # neither part swallows the attached appendix
    assert "Nơi nhận" not in draft.text[b.start : b.end]


@pytest.mark.parametrize("fmt", FORMATS)
def test_report_assignments_from_task_table(fmt: str, rendition_dir: Path) -> None:
    _, draft = _docs(REPORT, fmt, rendition_dir)
    police = [a for a in draft.assignments if a.body == "Bộ Công an"]
    assert any(
        a.task == "Tham mưu Chính phủ thành lập Ủy ban dữ liệu quốc gia." and a.deadline == "Tháng 3/2025"
        for a in police
    )
    finance = [a for a in draft.assignments if a.body == "Bộ Tài chính"]
    assert any(a.task.startswith("Điều chỉnh trong dự toán ngân sách năm 2025") for a in finance)
    assert all(a.heading_path.startswith("Phụ lục 1") for a in finance)


@pytest.mark.parametrize("fmt", FORMATS)
def test_report_assignments_from_text(fmt: str, rendition_dir: Path) -> None:
    _, draft = _docs(REPORT, fmt, rendition_dir)
    proposal = [a for a in draft.assignments if a.heading_path.endswith("VI. Đề xuất, kiến nghị")]
    assert {(a.body, a.role) for a in proposal} == {
        ("Văn phòng Trung ương Đảng", "chu_tri"),
        ("Bộ Khoa học và Công nghệ", "phoi_hop"),
    }
    assert "Bộ Ngoại giao" in _bodies(draft, "chu_tri")  # "Chính phủ, Thủ tướng giao Bộ Ngoại giao chủ trì: …"


@pytest.mark.parametrize("fmt", FORMATS)
def test_law_state_layout_and_chapters(fmt: str, rendition_dir: Path) -> None:
    (doc,) = _docs(LAW, fmt, rendition_dir)
    m = doc.meta
    assert (m.kind, m.kind_label, m.layout, m.number, m.issuer) == ("luat", "LUẬT", "state", "32/2004/QH11", "QUỐC HỘI")
    assert (m.date, m.signer) == ("2004-12-03", "Nguyễn Văn An")
    assert doc.doc_type == "law"
    assert doc.title == "Luật An ninh quốc gia 32/2004/QH11"
    start, end = m.spans["can_cu"]
    assert doc.text[start:end].startswith("Căn cứ vào Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam năm 1992")
    chapters = [h.label for h in doc.headings if h.level == 1]
    assert chapters == ["Chương 1", "Chương 2", "Chương 3", "Chương 4", "Chương 5"]
    art = next(h for h in doc.headings if h.label == "Điều 35")
    assert (art.title, art.level) == ("Hiệu lực thi hành", 2)
    assert art.path == "Chương 5 ĐIỀU KHOẢN THI HÀNH › Điều 35 Hiệu lực thi hành"
    assert sum(h.label.startswith("Điều ") for h in doc.headings) == 36


def test_topic_guide_organisations_become_discussion_assignments() -> None:
    doc = load_document(GUIDE)
    assert doc.meta.kind == "topic_guide"
    assert len(doc.topics) == 6
    justice = [a for a in doc.assignments if a.body == "Đảng bộ Sở Tư pháp"]
    assert [a.role for a in justice] == ["thao_luan"]
    assert justice[0].task.startswith("Khắc phục tâm lý “sợ sai, sợ trách nhiệm”")
    disaster = {a.body for a in doc.assignments if a.task.startswith("Chủ động ứng phó thiên tai")}
    assert disaster == {"Đảng bộ Sở Xây dựng", "Đảng bộ Sở Nông nghiệp và Môi trường", "Đảng bộ Sở Giáo dục và Đào tạo"}


def test_appendix_chunks_carry_the_appendix_path_not_the_signature(rendition_dir: Path) -> None:
    from ingest.chunking import CLOSING_SECTION, chunk_document

    _, draft = _docs(REPORT, "txt", rendition_dir)
    chunks = chunk_document(draft, lambda s: len(s.split()) * 2 + 2, chunk_tokens=256, overlap=0)
    row = next(c for c in chunks if "Tham mưu Chính phủ thành lập Ủy ban dữ liệu quốc gia" in c.text)
    assert row.heading_path.startswith("Phụ lục 1 DANH MỤC NHIỆM VỤ THỰC HIỆN NGHỊ QUYẾT 71/NQ-CP")
    assert row.section != CLOSING_SECTION
    signature = next(c for c in chunks if "T/M BAN THƯỜNG VỤ" in c.text)
    assert signature.section == CLOSING_SECTION
    assert signature.heading_path == ""


def test_a_party_regulation_is_named_quy_dinh_not_quyet_dinh(tmp_path: Path) -> None:
    """'383-QĐ/TW' under the title line 'QUY ĐỊNH' is a Quy định (the symbol QĐ also stands for Quyết định: the
    title line decides)."""
    path = tmp_path / "qd-tw.txt"
    path.write_text(
        "BAN CHẤP HÀNH TRUNG ƯƠNG\n*\nSố 383-QĐ/TW\n\nĐẢNG CỘNG SẢN VIỆT NAM\nHà Nội, ngày 19 tháng 11 năm 2025\n\n"
        "QUY ĐỊNH\nvề Phông lưu trữ Đảng\n\nĐiều 1. Phạm vi điều chỉnh\n"
        "Quy định này quy định về thành phần tài liệu.\n",
        encoding="utf-8",
    )
    m = load_document(path).meta
    assert (m.kind, m.kind_label, m.number) == ("quy_dinh", "QUY ĐỊNH", "383-QĐ/TW")


@pytest.mark.parametrize(
    ("subject", "name"),
    [
        (
            "CỦA QUỐC HỘI NƯỚC CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM SỐ 32/2004/QH11 NGÀY 03 THÁNG 12 NĂM 2004 "
            "VỀ AN NINH QUỐC GIA",
            "An ninh quốc gia",
        ),
        ("CỦA QUỐC HỘI SỐ 09/1998/QH10 NGÀY 02 THÁNG 12 NĂM 1998 KHIẾU NẠI, TỐ CÁO", "Khiếu nại, tố cáo"),
        ("PHỔ CẬP GIÁO DỤC TIỂU HỌC CỦA QUỐC HỘI SỐ 56-LCT/HĐNN8 NGÀY 12/08/1991", "Phổ cập giáo dục tiểu học"),
        ("CỦA QUỐC HỘI SỐ 06/2003/QH11 NGÀY 17 THÁNG 6 NĂM 2003 VỀ LUẬT BIÊN GIỚI QUỐC GIA", "Biên giới quốc gia"),
        (
            "HOẠT ĐỘNG GIÁM SÁT CỦA QUỐC HỘI VÀ HỘI ĐỒNG NHÂN DÂN",
            "Hoạt động giám sát của Quốc hội và Hội đồng nhân dân",
        ),
        ("MẶT TRẬN TỔ QUỐC VIỆT NAM", "Mặt trận Tổ quốc Việt Nam"),
        ("Quy định chi tiết một số điều", ""),  # not a subject line in capitals
    ],
)
def test_a_law_is_named_from_its_subject_line_as_laws_are_cited(subject: str, name: str) -> None:
    from ingest.header import law_name

    assert law_name(subject) == name
