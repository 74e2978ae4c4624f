"""Comparing two versions of a draft (issue 25.1): edits made by hand on the real documents are reported exactly,
and two renditions of one document (.txt, .docx, .pdf) compare as unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import load_documents
from rag.compare import Comparison, compare_documents, compare_files
from tests.renditions import chromium_available, rendition

CA_MAU = "kh0204-kh-ubnd-camau_2025-11-24.txt"
PLAN = "ke-hoach-3260-kh-ddqh15_2025-01-10.txt"
MOVED = (
    "- Tăng cường công tác quản lý hoàn thuế, đảm bảo thực hiện hoàn thuế đúng đối tượng quy định, đồng thời đẩy "
    "nhanh tiến độ xử lý hồ sơ theo đúng quy định.\n\n"
)
REMOVED = "Tỷ lệ tiêu thụ vé số đạt trên 99% nên thu từ hoạt động xổ số ước vượt 19% dự toán năm."
ADDED = "Sở Tài chính chủ trì theo dõi, báo cáo kết quả trước ngày 31/12/2025."


def _replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"the edit expects {old[:50]!r} exactly once"
    return text.replace(old, new)


def _edited_ca_mau(source: str) -> str:
    """Five edits written by hand: a figure, a renamed section, a paragraph moved to another section, a sentence
    added and one removed."""
    text = _replace(source, "ước đạt 8% so cùng kỳ", "ước đạt 8,5% so cùng kỳ")
    text = _replace(
        text,
        "1. Đánh giá tình hình phát triển kinh tế - xã hội của tỉnh Cà Mau năm 2025",
        "1. Kết quả phát triển kinh tế - xã hội của tỉnh Cà Mau năm 2025",
    )
    text = _replace(text, MOVED, "")
    at = text.index("2.2. Chi NSĐP\n", text.index("2. Các giải pháp tổ chức")) + len("2.2. Chi NSĐP\n\n")
    text = text[:at] + MOVED + text[at:]
    text = _replace(
        text,
        "tăng ở cả ba khu vực kinh tế.",
        "tăng ở cả ba khu vực kinh tế. " + ADDED,
    )
    return _replace(text, "- " + REMOVED, "-")


def _pair(tmp_path: Path, shared_data: Path) -> Comparison:
    source = (shared_data / "party_docs" / CA_MAU).read_text(encoding="utf-8")
    old, new = tmp_path / "lan-1.txt", tmp_path / "lan-2.txt"
    old.write_text(source, encoding="utf-8")
    new.write_text(_edited_ca_mau(source), encoding="utf-8")
    return compare_files(old, new)


def test_hand_edits_on_the_ca_mau_plan_are_reported_exactly(tmp_path: Path, shared_data: Path) -> None:
    result = _pair(tmp_path, shared_data)
    kinds = sorted(c.kind for c in result.changes)
    assert kinds == ["bo", "chuyen", "doi_ten", "sua", "them"]
    by_kind = {c.kind: c for c in result.changes}

    figure = by_kind["sua"]
    assert "ước đạt 8% so cùng kỳ" in figure.old.text and "ước đạt 8,5% so cùng kỳ" in figure.new.text
    assert [n.text for n in figure.notes] == ["Tốc độ tăng trưởng … ước đạt 8% → 8,5%"]
    assert [n.kind for n in figure.notes] == ["so_lieu"]
    assert figure.old.path.endswith("1. Đánh giá tình hình phát triển kinh tế - xã hội của tỉnh Cà …")

    renamed = by_kind["doi_ten"]
    assert renamed.old.text == "1. Đánh giá tình hình phát triển kinh tế - xã hội của tỉnh Cà Mau năm 2025"
    assert renamed.new.text == "1. Kết quả phát triển kinh tế - xã hội của tỉnh Cà Mau năm 2025"

    moved = by_kind["chuyen"]
    assert moved.old.text == moved.new.text == MOVED.strip()
    assert moved.old.path.endswith("2.1. Thu NSNN") and moved.new.path.endswith("2.2. Chi NSĐP")

    assert by_kind["them"].new.text == ADDED
    assert by_kind["them"].old.text == ""
    assert REMOVED in by_kind["bo"].old.text
    assert by_kind["bo"].old.path.endswith("b) Đánh giá nguyên nhân tác động tăng, giảm thu ngân sách")


def test_each_change_quotes_both_documents_exactly(tmp_path: Path, shared_data: Path) -> None:
    result = _pair(tmp_path, shared_data)
    old_text = load_documents(tmp_path / "lan-1.txt")[0].text
    new_text = load_documents(tmp_path / "lan-2.txt")[0].text
    for change in result.changes:
        if change.old is not None and change.old.text:
            assert old_text[change.old.start : change.old.end] == change.old.text
        if change.new is not None and change.new.text:
            assert new_text[change.new.start : change.new.end] == change.new.text


def _doc(tmp_path: Path, name: str, body: str) -> list:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return load_documents(path)


HEADER = "ĐẢNG CỘNG SẢN VIỆT NAM\n\nĐẢNG ỦY TỈNH\n\nSố 12-KH/TU\n\nKẾ HOẠCH\n\nthực hiện chuyển đổi số năm 2026\n\n"


def test_changed_deadline_and_body_are_called_out(tmp_path: Path) -> None:
    body = (
        "I. NHIỆM VỤ\n\n1. Chuyển đổi số\n\n"
        "- Sở Nội vụ chủ trì rà soát thủ tục hành chính, hoàn thành trước 31/12/2025.\n"
        "- Tỷ lệ hồ sơ trực tuyến toàn trình đạt 80% trong năm 2026.\n\n"
        "II. TỔ CHỨC THỰC HIỆN\n\nCác cơ quan, đơn vị triển khai thực hiện nghiêm túc Kế hoạch này.\n"
    )
    new_body = body.replace("Sở Nội vụ chủ trì", "Sở Tư pháp chủ trì").replace("31/12/2025", "30/6/2026")
    result = compare_documents(_doc(tmp_path, "a.txt", HEADER + body), _doc(tmp_path, "b.txt", HEADER + new_body))
    assert [c.kind for c in result.changes] == ["sua"]
    notes = {n.kind: n.text for n in result.changes[0].notes}
    assert notes == {
        "co_quan": "Sở Nội vụ chủ trì → Sở Tư pháp chủ trì",
        "thoi_han": "trước 31/12/2025 → trước 30/6/2026",
    }


def test_split_and_merged_sections_are_not_deleted_and_added(tmp_path: Path) -> None:
    first = "- Rà soát, sửa đổi các quy định về phân cấp, phân quyền trong quản lý ngân sách và đầu tư công.\n"
    second = "- Tổ chức tập huấn nghiệp vụ cho cán bộ cấp xã về quản lý tài chính, kế toán và kiểm soát nội bộ.\n"
    third = "- Kiểm tra, giám sát việc sử dụng kinh phí được giao của các đơn vị dự toán trực thuộc.\n"
    old = (
        HEADER + f"I. NHIỆM VỤ\n\n1. Hoàn thiện thể chế và nâng cao năng lực\n\n{first}{second}\n2. Kiểm tra\n\n{third}"
    )
    new = (
        HEADER
        + f"I. NHIỆM VỤ\n\n1. Hoàn thiện thể chế\n\n{first}\n2. Nâng cao năng lực\n\n{second}\n3. Kiểm tra\n\n{third}"
    )
    split = compare_documents(_doc(tmp_path, "a.txt", old), _doc(tmp_path, "b.txt", new))
    kinds = sorted(c.kind for c in split.changes)
    assert "them_muc" not in kinds and "bo" not in kinds and "them" not in kinds
    assert "tach" in kinds
    (note,) = next(c for c in split.changes if c.kind == "tach").notes
    assert note.text == "tách thành: I. NHIỆM VỤ › 1. Hoàn thiện thể chế; I. NHIỆM VỤ › 2. Nâng cao năng lực"
    merged = compare_documents(_doc(tmp_path, "c.txt", new), _doc(tmp_path, "d.txt", old))
    kinds = sorted(c.kind for c in merged.changes)
    assert "bo_muc" not in kinds and "bo" not in kinds and "them" not in kinds
    assert "gop" in kinds
    (note,) = next(c for c in merged.changes if c.kind == "gop").notes
    assert note.text == "gộp từ: I. NHIỆM VỤ › 1. Hoàn thiện thể chế; I. NHIỆM VỤ › 2. Nâng cao năng lực"


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("name", [CA_MAU, PLAN])
def test_two_renditions_of_one_document_have_no_change(
    name: str, fmt: str, shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if fmt == "pdf" and not chromium_available():
        pytest.skip("Chromium is not installed; the PDF rendition cannot be printed")
    source = shared_data / "party_docs" / name
    other = rendition(source, fmt, tmp_path_factory.mktemp("renditions"))
    result = compare_files(source, other)
    assert result.changes == []
    assert result.paired == result.sections_old == result.sections_new


def test_a_changed_year_inside_a_date_is_a_date_change(tmp_path: Path) -> None:
    body = (
        "I. NHIỆM VỤ\n\n1. Báo cáo\n\n"
        "- Các sở gửi báo cáo kết quả thực hiện về Sở Nội vụ trước ngày 15 tháng 3 năm 2025 để tổng hợp.\n\n"
        "II. TỔ CHỨC THỰC HIỆN\n\nCác cơ quan, đơn vị triển khai thực hiện nghiêm túc Kế hoạch này.\n"
    )
    new_body = body.replace("tháng 3 năm 2025", "tháng 3 năm 2026")
    result = compare_documents(_doc(tmp_path, "a.txt", HEADER + body), _doc(tmp_path, "b.txt", HEADER + new_body))
    assert [c.kind for c in result.changes] == ["sua"]
    assert [(n.kind, n.text) for n in result.changes[0].notes] == [("thoi_han", "năm 2025 → năm 2026")]
