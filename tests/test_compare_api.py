"""POST /api/compare and `troly compare`: JSON, the .docx bảng so sánh, clearance of both inputs, the audit."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document as DocxDocument
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from rag.settings import Settings
from tests.ui_support import SECRET_TEXT, add_users
from ui.api import create_api
from ui.cli import app

OLD = """ĐẢNG CỘNG SẢN VIỆT NAM

ĐẢNG ỦY TỈNH

Số 12-KH/TU

KẾ HOẠCH

thực hiện chuyển đổi số năm 2026

I. MỤC TIÊU

- Tỷ lệ hồ sơ trực tuyến toàn trình đạt 80% trong năm 2026.
- Tăng trưởng kinh tế đạt 7,5% so với năm trước.

II. NHIỆM VỤ

- Sở Nội vụ chủ trì rà soát thủ tục hành chính, hoàn thành trước 31/12/2025.
- Các cơ quan, đơn vị triển khai thực hiện nghiêm túc Kế hoạch này.
"""
NEW = OLD.replace("đạt 7,5% so với", "đạt 8% so với").replace("Sở Nội vụ chủ trì", "Sở Tư pháp chủ trì")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("compare-api")
    settings = Settings(data_dir=root / "data")
    keys = add_users(settings.data_dir)
    return {"settings": settings, "keys": keys, "client": TestClient(create_api(settings))}


def _post(env: dict, user: str, old: bytes, new: bytes, **form: str):
    files = [("old", ("lan-1.txt", old, "text/plain")), ("new", ("lan-2.txt", new, "text/plain"))]
    return env["client"].post("/api/compare", files=files, data=form, headers={"X-API-Key": env["keys"][user]})


def test_api_compare_reports_the_changed_figure_and_body_citing_both_versions(env: dict) -> None:
    response = _post(env, "doc_gia", OLD.encode(), NEW.encode())
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {"sua": 2}
    figure, agency = body["changes"]
    assert figure["old"]["text"] == "- Tăng trưởng kinh tế đạt 7,5% so với năm trước."
    assert figure["new"]["text"] == "- Tăng trưởng kinh tế đạt 8% so với năm trước."
    assert figure["old"]["path"] == figure["new"]["path"] == "I. MỤC TIÊU"
    assert figure["remark"] == "Sửa đổi; Số liệu: Tăng trưởng kinh tế đạt 7,5% → 8%"
    assert [n["label"] for n in agency["notes"]] == ["Cơ quan: Sở Nội vụ chủ trì → Sở Tư pháp chủ trì"]
    assert not list((env["settings"].data_dir / "uploads" / ".staging").glob("*"))  # nothing left behind


def test_api_compare_docx_is_a_three_column_table(env: dict) -> None:
    response = _post(env, "doc_gia", OLD.encode(), NEW.encode(), format="docx", organisation="Văn phòng Tỉnh ủy")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    doc = DocxDocument(BytesIO(response.content))
    table = doc.tables[-1]
    assert [c.text for c in table.rows[0].cells] == ["Nội dung dự thảo lần trước", "Nội dung dự thảo này", "Ghi chú"]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert ["- Tăng trưởng kinh tế đạt 7,5% so với năm trước.", "- Tăng trưởng kinh tế đạt 8% so với năm trước."] in [
        r[:2] for r in rows
    ]
    texts = "\n".join(p.text for p in doc.paragraphs)
    assert "BẢNG SO SÁNH" in texts
    assert "VĂN PHÒNG TỈNH ỦY" in doc.tables[0].rows[0].cells[0].text


def test_a_version_stamped_mat_is_refused_below_its_level_and_audited(env: dict) -> None:
    refused = _post(env, "doc_gia", OLD.encode(), SECRET_TEXT.encode())
    assert refused.status_code == 403
    assert "Mật" in refused.json()["detail"]
    assert "Vân Phong" not in refused.text
    allowed = _post(env, "can_bo_mat", SECRET_TEXT.encode(), SECRET_TEXT.replace("14 cán bộ", "16 cán bộ").encode())
    assert allowed.status_code == 200
    assert allowed.json()["classification"] == "mat"
    events = [json.loads(line) for line in (env["settings"].data_dir / "audit.jsonl").read_text().splitlines()]
    compares = [e for e in events if e.get("action") == "compare"]
    assert {(e["user"], e.get("status")) for e in compares} >= {("doc_gia", 403), ("can_bo_mat", 200)}


def test_an_unreadable_file_is_named_in_vietnamese(env: dict) -> None:
    response = _post(env, "doc_gia", OLD.encode(), b"")
    assert response.status_code == 422
    assert response.json()["detail"] == "lan-2.txt: tệp rỗng (0 byte)"


def test_cli_compare_prints_json_and_writes_the_docx(tmp_path: Path) -> None:
    old, new, out = tmp_path / "lan-1.txt", tmp_path / "lan-2.txt", tmp_path / "bang-so-sanh.docx"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(NEW, encoding="utf-8")
    result = CliRunner().invoke(app, ["compare", str(old), str(new), "--json", "--docx", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout.splitlines()[0])
    assert [c["kind"] for c in data["changes"]] == ["sua", "sua"]
    assert out.is_file() and DocxDocument(str(out)).tables[-1].rows[0].cells[2].text == "Ghi chú"
    text = CliRunner().invoke(app, ["compare", str(old), str(new)])
    assert "Số liệu: Tăng trưởng kinh tế đạt 7,5% → 8%" in text.stdout
    missing = CliRunner().invoke(app, ["compare", str(old), str(tmp_path / "khong-co.docx")])
    assert missing.exit_code == 1 and "không có tệp này" in missing.output


@pytest.mark.parametrize("verb", [["compare"], ["figures"], ["bench", "compare"]])
def test_drafting_desk_verbs_document_themselves_with_an_example(verb: list[str]) -> None:
    result = CliRunner().invoke(app, [*verb, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Example: troly " + " ".join(verb) in result.output
