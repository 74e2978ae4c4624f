"""`troly docs show` and `troly docs assignments` through the real CLI, index and clearance rules.

The plan below is a shortened copy of Kế hoạch 3260-KH/ĐĐQH15 (its letterhead, two tasks and its signature,
typed from ../shared/data/party_docs), short so that embedding it stays quick; a second, secret ("MẬT")
document assigns a task to Bộ Tài chính and must stay hidden below its clearance.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ui.cli import app

runner = CliRunner()

PLAN = "\n".join(
    (
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "BAN CHẤP HÀNH TRUNG ƯƠNG",
        "ĐẢNG ĐOÀN QUỐC HỘI",
        "Số 3260-KH/ĐĐQH15",
        "Hà Nội, ngày 10 tháng 01 năm 2025",
        "KẾ HOẠCH",
        "triển khai thực hiện Nghị quyết số 57-NQ/TW",
        "Thực hiện chỉ đạo của Bộ Chính trị, Đảng đoàn Quốc hội ban hành Kế hoạch triển khai thực "
        "hiện Nghị quyết số 57-NQ/TW về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và "
        "chuyển đổi số quốc gia.",
        "II. PHÂN CÔNG NHIỆM VỤ",
        "e) Tổ đảng ở Thường trực Ủy ban Kinh tế",
        "- Chủ trì thẩm tra và giám sát việc thực hiện chính sách, pháp luật về kinh tế liên quan "
        "đến đột phá phát triển KH,CN,ĐMST và chuyển đổi số.",
        "III. TỔ CHỨC THỰC HIỆN",
        "3. Định kỳ, Thường trực Ủy ban KH,CN&MT của Quốc hội chủ trì, phối hợp với Hội đồng Dân "
        "tộc giúp Đảng đoàn Quốc hội triển khai thực hiện Kế hoạch này.",
        "Nơi nhận:",
        "- Ban Bí thư Trung ương Đảng (để b/c),",
        "- Lưu VPĐĐQH, Vụ KHCNMT.",
        "T/M ĐẢNG ĐOÀN QUỐC HỘI",
        "BÍ THƯ",
        "Trần Thanh Mẫn",
    )
)

SECRET = "\n".join(
    (
        "MẬT",
        "ỦY BAN NHÂN DÂN TỈNH",
        "Số 12/KH-UBND",
        "KẾ HOẠCH",
        "về ngân sách năm 2026",
        "Ủy ban nhân dân tỉnh giao Bộ Tài chính chủ trì thẩm định phương án phân bổ ngân sách trong Quý II/2026.",
    )
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("docs-cli")
    folder = base / "docs"
    folder.mkdir()
    (folder / "ke-hoach-3260.txt").write_text(PLAN, encoding="utf-8")
    (folder / "ke-hoach-mat.txt").write_text(SECRET, encoding="utf-8")
    data = base / "data"
    result = runner.invoke(app, ["--data-dir", str(data), "ingest", str(folder)])
    assert result.exit_code == 0, result.output
    return data


def _run(data: Path, *args: str) -> str:
    result = runner.invoke(app, ["--data-dir", str(data), "docs", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_show_prints_metadata_outline_and_assignments(data_dir: Path) -> None:
    out = _run(data_dir, "show", "ke-hoach-3260.txt")
    assert "số/ký hiệu: 3260-KH/ĐĐQH15" in out
    assert "cơ quan ban hành: ĐẢNG ĐOÀN QUỐC HỘI" in out
    assert "ngày: 2025-01-10" in out
    assert "người ký: Trần Thanh Mẫn" in out
    assert "chức vụ ký: T/M ĐẢNG ĐOÀN QUỐC HỘI, BÍ THƯ" in out
    lines = out.splitlines()
    assert "  II. PHÂN CÔNG NHIỆM VỤ" in lines
    assert "    e) Tổ đảng ở Thường trực Ủy ban Kinh tế" in lines
    assert "  III. TỔ CHỨC THỰC HIỆN" in lines
    assert any(ln.startswith("  - Thường trực Ủy ban KH,CN&MT của Quốc hội — chủ trì: giúp Đảng đoàn") for ln in lines)
    assert any(ln.startswith("  - Hội đồng Dân tộc — phối hợp:") for ln in lines)
    assert lines[0] == "ke-hoach-3260.txt  [Kế hoạch, Công khai]"  # kind read from the header (issue 26.3)


def test_show_json_has_the_contract_fields(data_dir: Path) -> None:
    data = json.loads(_run(data_dir, "show", "ke-hoach-3260.txt", "--json"))
    assert data["meta"]["number"] == "3260-KH/ĐĐQH15"
    assert data["meta"]["recipients"] == ["Ban Bí thư Trung ương Đảng (để b/c)", "Lưu VPĐĐQH, Vụ KHCNMT"]
    assert [h["label"] for h in data["headings"]] == ["II.", "e)", "III.", "3."]
    econ = next(a for a in data["assignments"] if a["body"] == "Tổ đảng ở Thường trực Ủy ban Kinh tế")
    assert econ["role"] == "chu_tri"
    assert econ["heading_path"] == "II. PHÂN CÔNG NHIỆM VỤ › e) Tổ đảng ở Thường trực Ủy ban Kinh tế"


def test_assignments_filter_by_body_without_accents(data_dir: Path) -> None:
    out = _run(data_dir, "assignments", "--body", "uy ban kinh te")
    assert "Tổ đảng ở Thường trực Ủy ban Kinh tế — chủ trì: Chủ trì thẩm tra và giám sát" in out
    assert "1 nhiệm vụ được giao" in out


def test_assignments_respect_clearance(data_dir: Path) -> None:
    hidden = _run(data_dir, "assignments", "--body", "Bộ Tài chính")
    assert "không có nhiệm vụ nào được giao cho 'Bộ Tài chính'" in hidden
    shown = json.loads(_run(data_dir, "assignments", "--body", "Bộ Tài chính", "--max-level", "mat", "--json"))
    assert [(a["doc_id"], a["role"], a["deadline"]) for a in shown] == [("ke-hoach-mat.txt", "chu_tri", "Quý II/2026")]
    assert shown[0]["task"].startswith("thẩm định phương án phân bổ ngân sách")


def test_show_unknown_or_secret_document_is_one_line_error(data_dir: Path) -> None:
    for doc_id in ("khong-co.txt", "ke-hoach-mat.txt"):
        result = runner.invoke(app, ["--data-dir", str(data_dir), "docs", "show", doc_id])
        assert result.exit_code == 1
        assert f"không có tài liệu '{doc_id}'" in result.output
        assert "Traceback" not in result.output
