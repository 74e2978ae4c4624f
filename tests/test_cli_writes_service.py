"""CLI writes go through the service (issue 23.2): audited, with the CLI's identity, refused above its clearance.

Real CLI (Typer runner), real index, real users file; the classified file is a small hand-typed plan stamped MẬT.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.auth import UserStore
from ui.cli import app

runner = CliRunner()
SECRET_PLAN = """MẬT

ĐẢNG BỘ XÃ PHÚ HÒA
Số: 12-KH/ĐU

KẾ HOẠCH
Di dời kho vật tư ven sông Cái năm 2026

1. Kho vật tư ven sông Cái được di dời trước ngày 30/6/2026.
"""
PUBLIC_NOTE = """THÔNG BÁO
Chi bộ thôn Phú Hòa họp ngày 15 để bàn việc sửa đường liên thôn Đồng Bến.
"""


def _audit(data: Path) -> list[dict]:
    return [json.loads(line) for line in (data / "audit.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ke-hoach-kho-mat.txt").write_text(SECRET_PLAN, encoding="utf-8")
    (docs / "thong-bao-hop.txt").write_text(PUBLIC_NOTE, encoding="utf-8")
    return docs


def test_troly_ingest_leaves_an_audit_line_naming_the_local_operator(tmp_path: Path, folder: Path) -> None:
    data = tmp_path / "data"
    result = runner.invoke(app, ["--data-dir", str(data), "ingest", str(folder)])
    assert result.exit_code == 0, result.output
    events = [e for e in _audit(data) if e["action"] == "ingest"]
    assert len(events) == 1
    assert events[0]["channel"] == "cli" and events[0]["user"].startswith("cli:")
    assert sorted(events[0]["doc_ids"]) == ["ke-hoach-kho-mat.txt", "thong-bao-hop.txt"]


def test_ingest_as_a_public_editor_refuses_the_classified_file(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    _, key = UserStore.for_data_dir(data).add("bien_tap", role="editor", clearance="public")
    monkeypatch.setenv("TROLY_API_KEY", key)
    result = runner.invoke(app, ["--data-dir", str(data), "ingest", str(folder), "--as", "bien_tap"])
    assert result.exit_code == 0, result.output  # the public file made it in
    assert "bỏ qua ke-hoach-kho-mat.txt" in result.output
    listing = runner.invoke(app, ["--data-dir", str(data), "docs", "list", "--json"])
    assert "ke-hoach-kho-mat.txt" not in listing.output and "thong-bao-hop.txt" in listing.output
    event = next(e for e in _audit(data) if e["action"] == "ingest")
    assert event["user"] == "bien_tap" and event["doc_ids"] == ["thong-bao-hop.txt"]
    assert event["skipped"] == ["ke-hoach-kho-mat.txt"]


def test_as_with_a_key_of_another_user_is_refused_before_reading(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    store = UserStore.for_data_dir(data)
    store.add("bien_tap", role="editor", clearance="mat")
    _, other_key = store.add("doc_gia", role="reader", clearance="public")
    monkeypatch.setenv("TROLY_API_KEY", other_key)
    result = runner.invoke(app, ["--data-dir", str(data), "ingest", str(folder), "--as", "bien_tap"])
    assert result.exit_code == 2
    assert "không phải của người dùng 'bien_tap'" in result.output
    assert not (data / "audit.jsonl").exists() or not [e for e in _audit(data) if e["action"] == "ingest"]


def test_docs_remove_is_audited_and_hides_documents_above_the_identity(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    assert runner.invoke(app, ["--data-dir", str(data), "ingest", str(folder)]).exit_code == 0
    _, key = UserStore.for_data_dir(data).add("bien_tap", role="editor", clearance="public")
    monkeypatch.setenv("TROLY_API_KEY", key)
    hidden = runner.invoke(app, ["--data-dir", str(data), "docs", "remove", "ke-hoach-kho-mat.txt", "--as", "bien_tap"])
    assert hidden.exit_code == 1 and "không có tài liệu" in hidden.output  # above clearance: like a missing one
    removed = runner.invoke(app, ["--data-dir", str(data), "docs", "remove", "thong-bao-hop.txt", "--as", "bien_tap"])
    assert removed.exit_code == 0, removed.output
    deletes = [e for e in _audit(data) if e["action"] == "delete"]
    assert [(e["user"], e["channel"], e["doc_ids"]) for e in deletes] == [("bien_tap", "cli", ["thong-bao-hop.txt"])]


def test_docs_list_and_topics_show_only_what_the_identity_may_see_and_are_audited(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    assert runner.invoke(app, ["--data-dir", str(data), "ingest", str(folder)]).exit_code == 0
    operator = json.loads(runner.invoke(app, ["--data-dir", str(data), "docs", "list", "--json"]).output)
    assert [(d["doc_id"], d["classification"]) for d in operator] == [
        ("ke-hoach-kho-mat.txt", "mat"),
        ("thong-bao-hop.txt", "public"),
    ]
    _, key = UserStore.for_data_dir(data).add("doc_gia", role="reader", clearance="public")
    monkeypatch.setenv("TROLY_API_KEY", key)
    listed = runner.invoke(app, ["--data-dir", str(data), "docs", "list", "--json", "--as", "doc_gia"])
    assert listed.exit_code == 0, listed.output
    assert [d["doc_id"] for d in json.loads(listed.output)] == ["thong-bao-hop.txt"]
    assert "kho-mat" not in listed.output and "sông Cái" not in listed.output  # neither its id nor its title
    table = runner.invoke(app, ["--data-dir", str(data), "docs", "list", "--as", "doc_gia"])
    assert table.exit_code == 0 and "1 tài liệu, 1 đoạn" in table.output  # the count is of what it may see
    topics = runner.invoke(app, ["--data-dir", str(data), "docs", "topics", "--json", "--as", "doc_gia"])
    assert topics.exit_code == 0 and "kho-mat" not in topics.output
    lists = [(e["user"], e["channel"], e["doc_ids"]) for e in _audit(data) if e["action"] == "list_documents"]
    assert lists[-1] == ("doc_gia", "cli", ["thong-bao-hop.txt"])
