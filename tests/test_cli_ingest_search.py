"""`troly ingest`, `troly search`, `troly docs` end to end on the real topic guide (real embedder, real Chroma)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ui.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, topic_guide_path_module: Path) -> tuple[Path, Path, str]:
    """A folder with the guide and one broken file, ingested once for the module; returns (data_dir, folder, output)."""
    base = tmp_path_factory.mktemp("cli")
    folder = base / "docs"
    folder.mkdir()
    shutil.copy(topic_guide_path_module, folder / topic_guide_path_module.name)
    (folder / "hỏng.pdf").write_bytes(b"this is not a pdf")
    data = base / "data"
    result = runner.invoke(app, ["--data-dir", str(data), "ingest", str(folder)])
    assert result.exit_code == 0, result.output
    return data, folder, result.output


@pytest.fixture(scope="module")
def topic_guide_path_module() -> Path:
    return Path(__file__).resolve().parent.parent / "corpus" / "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt"


def test_ingest_summary_reports_ok_and_skipped(ingested: tuple[Path, Path, str]) -> None:
    _, _, output = ingested
    assert "tệp đã nạp" in output and "tệp bị bỏ qua" in output
    assert "bỏ qua" in output and "hỏng.pdf" in output  # one line naming the skipped file and why
    assert "tệp không phải PDF" in output  # the reason in Vietnamese (issue 26.3)
    assert "Traceback" not in output


def test_reingest_changes_nothing(ingested: tuple[Path, Path, str]) -> None:
    data, folder, _ = ingested
    result = runner.invoke(app, ["--data-dir", str(data), "ingest", str(folder)])
    assert result.exit_code == 0
    line = next(ln for ln in result.output.splitlines() if "đoạn thêm / xoá / không đổi" in ln)
    assert "0 / 0 /" in line


def test_search_json_shape_and_ranking(ingested: tuple[Path, Path, str]) -> None:
    data, _, _ = ingested
    result = runner.invoke(
        app, ["--data-dir", str(data), "search", "tang truong kinh te nam 2025 dat bao nhieu", "--k", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert len(hits) == 3
    for hit in hits:
        assert {"text", "document", "doc_id", "topic", "section", "heading_path", "score", "start", "end"} <= set(hit)
    assert "6,42%" in hits[0]["text"] and hits[0]["topic"] == 1
    # Same key names as the API: "document" is the title, "doc_id" the id (they used to differ between CLI and API).
    assert hits[0]["document"] == "Gợi ý chuyên đề thảo luận hội nghị tổng kết 2025"
    assert hits[0]["doc_id"] == "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt"


def test_search_topic_option_and_plain_output(ingested: tuple[Path, Path, str]) -> None:
    data, _, _ = ingested
    result = runner.invoke(app, ["--data-dir", str(data), "search", "giải pháp", "--topic", "4", "--json"])
    assert {h["topic"] for h in json.loads(result.output)} == {4}
    plain = runner.invoke(app, ["--data-dir", str(data), "search", "chuyển đổi số", "--k", "2"])
    assert plain.exit_code == 0 and "điểm" in plain.output


def test_docs_list_topics_remove(ingested: tuple[Path, Path, str], tmp_path: Path) -> None:
    data, _, _ = ingested
    listed = json.loads(runner.invoke(app, ["--data-dir", str(data), "docs", "list", "--json"]).output)
    assert len(listed) == 1 and listed[0]["topics"] == 6 and listed[0]["chunks"] > 6
    topics = json.loads(runner.invoke(app, ["--data-dir", str(data), "docs", "topics", "--json"]).output)
    assert [t["number"] for t in topics] == [1, 2, 3, 4, 5, 6]
    assert "Đảng bộ Sở Tài chính" in topics[0]["organisations"]
    missing = runner.invoke(app, ["--data-dir", str(data), "docs", "remove", "no-such-doc"])
    assert missing.exit_code == 1 and "no-such-doc" in missing.output


def test_remove_then_search_is_empty(tmp_path: Path, topic_guide_path_module: Path) -> None:
    data = tmp_path / "data"
    assert runner.invoke(app, ["--data-dir", str(data), "ingest", str(topic_guide_path_module)]).exit_code == 0
    doc_id = json.loads(runner.invoke(app, ["--data-dir", str(data), "docs", "list", "--json"]).output)[0]["doc_id"]
    removed = runner.invoke(app, ["--data-dir", str(data), "docs", "remove", doc_id])
    assert removed.exit_code == 0 and "đã xoá" in removed.output
    assert json.loads(runner.invoke(app, ["--data-dir", str(data), "search", "giải ngân", "--json"]).output) == []


def test_ingest_with_no_usable_file_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf at all")
    result = runner.invoke(app, ["--data-dir", str(tmp_path / "data"), "ingest", str(bad)])
    assert result.exit_code != 0
    assert "bad.pdf" in result.output
    missing = runner.invoke(app, ["--data-dir", str(tmp_path / "data"), "ingest", str(tmp_path / "nope")])
    assert missing.exit_code == 1 and "không có tệp hay thư mục này" in missing.output


def test_data_dir_from_environment(ingested: tuple[Path, Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    data, _, _ = ingested
    monkeypatch.setenv("TROLY_DATA_DIR", str(data))
    result = runner.invoke(app, ["docs", "list", "--json"])
    assert result.exit_code == 0 and len(json.loads(result.output)) == 1


def test_reingest_skips_unchanged_files_and_rechunks_on_new_size(tmp_path: Path, topic_guide_path: Path) -> None:
    """Unchanged files are not read again; a new --chunk-tokens rebuilds the chunks (it used to be ignored)."""
    from rag.index import Index
    from rag.settings import Settings

    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(topic_guide_path, folder)
    env = {"TROLY_DATA_DIR": str(tmp_path / "data")}
    first = runner.invoke(app, ["ingest", str(folder)], env=env)
    assert first.exit_code == 0, first.output
    settings = Settings(data_dir=tmp_path / "data")
    before = Index.open(settings).count()

    again = runner.invoke(app, ["ingest", str(folder)], env=env)
    assert again.exit_code == 0, again.output
    assert "1 / 0 / 0" not in again.output  # nothing added
    assert f"0 / 0 / {before}" in again.output  # chunks added / removed / unchanged
    assert Index.open(settings).count() == before

    smaller = runner.invoke(app, ["ingest", str(folder), "--chunk-tokens", "64"], env=env)
    assert smaller.exit_code == 0, smaller.output
    assert "0 / 1 / 0" in smaller.output  # documents added / updated / unchanged
    after = Index.open(settings)
    assert after.count() > before
    doc = after.documents()[0]
    assert all(doc.text[c.start : c.end] == c.text for c in after.all_chunks())
