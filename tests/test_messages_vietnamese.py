"""What a user reads about a refused file and a document's kind is Vietnamese (issue 26.3): the real loaders and
the real upload checks produce the reasons, :func:`ingest.errors.user_reason` words them; the kind comes from the
header troly reads ("KẾ HOẠCH" → "Kế hoạch"), not the coarse ``doc_type`` ("other")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fixtures_ingest import write_binary_txt, write_corrupt_docx, write_scanned_pdf

from ingest.errors import IngestFileError, user_reason
from ingest.pipeline import load_document, load_documents
from rag.settings import Settings
from service.auth import User
from service.troly import TrolyService

CORPUS_GUIDE = (
    Path(__file__).resolve().parent.parent / "corpus" / "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt"
)
ENGLISH = re.compile(
    r"\b(file|empty|unsupported|supported|type|binary|text|password|protected|valid|needs|page|pages|larger|"
    r"than|above|your|clearance|marked|cannot|read|found|error|limit)\b",
    re.IGNORECASE,
)
PLAN = """ĐẢNG BỘ TỈNH KHÁNH HÒA
BAN TUYÊN GIÁO
Số: 41-KH/BTG

ĐẢNG CỘNG SẢN VIỆT NAM
Khánh Hòa, ngày 3 tháng 2 năm 2026

KẾ HOẠCH
tuyên truyền kỷ niệm 96 năm Ngày thành lập Đảng

I. MỤC ĐÍCH, YÊU CẦU
1. Tuyên truyền sâu rộng truyền thống vẻ vang của Đảng.
II. NỘI DUNG
1. Tổ chức hội nghị báo cáo viên tháng 2 năm 2026.
"""


def reason_of(path: Path) -> str:
    with pytest.raises(IngestFileError) as info:
        load_document(path)
    return info.value.reason


def test_loader_reasons_read_as_vietnamese(tmp_path: Path) -> None:
    empty = tmp_path / "rong.txt"
    empty.write_bytes(b"")
    image = tmp_path / "anh.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0")
    assert user_reason(reason_of(empty)) == "tệp rỗng (0 byte)"
    assert user_reason(reason_of(image)).startswith("không hỗ trợ loại tệp .jpg (chỉ nhận: .docx")
    scanned = user_reason(reason_of(write_scanned_pdf(tmp_path / "scan.pdf")))
    assert scanned == "cần nhận dạng chữ (OCR): 1 trang không có lớp chữ (bản quét?)"
    for path in (write_binary_txt(tmp_path / "nhi-phan.txt"), write_corrupt_docx(tmp_path / "hong.docx")):
        said = user_reason(reason_of(path))
        assert not said.startswith("không nạp được tệp ("), said  # known to the table, not the fallback
        assert not ENGLISH.search(said), said


def test_upload_checks_say_why_in_vietnamese(tmp_path: Path) -> None:
    """Regression: the UI showed "unsupported file type (supported: …)" and "the file is empty"."""
    service = TrolyService(Settings(data_dir=tmp_path / "data"))
    editor = User(name="bt", role="editor", clearance="public")
    try:
        report = service.upload(editor, [("anh.jpg", b"\xff\xd8"), ("rong.txt", b"")], "public", channel="cli")
        refused = service.upload(editor, [("mat.txt", "Nội dung.".encode())], "mat", channel="cli")
    finally:
        service.index.close()
    said = {Path(e.path).name: user_reason(e.reason) for e in report.errors}
    assert said["rong.txt"] == "tệp rỗng (0 byte)"
    assert said["anh.jpg"].startswith("không hỗ trợ loại tệp này (chỉ nhận: .docx")
    assert [user_reason(e.reason) for e in refused.errors] == ["độ mật “Mật” cao hơn mức bạn được xem"]


def test_unknown_reason_is_shown_after_a_vietnamese_lead_in() -> None:
    assert user_reason("quantum flux") == "không nạp được tệp (quantum flux)"


def test_kind_comes_from_the_header_not_the_coarse_type(tmp_path: Path) -> None:
    """Regression: a KẾ HOẠCH whose header troly reads was listed as "other"."""
    plan = tmp_path / "ke-hoach-41.txt"
    plan.write_text(PLAN, encoding="utf-8")
    doc = load_documents(plan)[0]
    assert doc.doc_type == "other"  # the retrieval filter's category is unchanged
    assert doc.kind_name == "Kế hoạch"
    assert load_documents(CORPUS_GUIDE)[0].kind_name == "Gợi ý chuyên đề"
    plain = tmp_path / "ghi-chu.txt"
    plain.write_text("Ghi chú buổi họp chi bộ thôn Đông Hòa.\n", encoding="utf-8")
    assert load_documents(plain)[0].kind_name == "Văn bản khác"
