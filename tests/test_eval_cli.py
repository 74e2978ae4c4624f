"""`troly eval` end to end: the real corpus, the real pipeline, real report files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ui.cli import app

ROOT = Path(__file__).resolve().parent.parent
SET = ROOT / "eval" / "questions" / "topic_guide.jsonl"
CORPUS = ROOT / "corpus"
GUIDE = CORPUS / "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SUMMARY_KEYS = {
    "hit@1",
    "hit@3",
    "hit@5",
    "mrr",
    "ndcg@5",
    "key_fact_recall",
    "citation_precision",
    "citation_recall",
    "refusal_accuracy",
    "false_refusal_rate",
    "false_answer_rate",
    "variant_agreement",
    "latency_ms",
}
runner = CliRunner()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One real run over a spread of the shipped set (module-scoped: the pipeline is the slow part)."""
    base = tmp_path_factory.mktemp("eval")
    out = base / "reports"
    args = ["--data-dir", str(base / "data"), "eval", "run", "--set", str(SET), "--corpus", str(CORPUS)]
    args += ["--out", str(out), "--config", "cli test", "--limit", "30", "--retrieval", "hybrid", "--renditions", "txt"]
    args += ["--public", "--shared", str(base / "no-shared-data")]  # public sets absent → skipped, run goes on
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    (base / "output.txt").write_text(result.output, encoding="utf-8")
    files = {p.name: p for p in out.iterdir()}
    found = {kind: next(p for n, p in files.items() if n.endswith(suffix)) for kind, suffix in SUFFIXES.items()}
    return {**found, "output": base / "output.txt"}


SUFFIXES = {
    "json": "cli-test.json",
    "md": "cli-test.md",
    "html": "cli-test.html",
    "topics": "cli-test-topics.png",
    "latency": "cli-test-latency.png",
}


@pytest.mark.slow
def test_run_writes_every_report_file(reports: dict[str, Path]) -> None:
    assert set(reports) == {*SUFFIXES, "output"}
    for kind in ("topics", "latency"):
        data = reports[kind].read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5_000, kind


@pytest.mark.slow
def test_json_report_has_all_metrics_and_every_question(reports: dict[str, Path]) -> None:
    data = json.loads(reports["json"].read_text(encoding="utf-8"))
    summary = data["summary"]
    assert set(summary) >= SUMMARY_KEYS
    assert summary["questions"] == len(data["results"]) == 30
    assert summary["errors"] == 0
    assert summary["unanswerable"] >= 3
    assert {"p50", "p90", "p95"} <= set(summary["latency_ms"])
    assert 0 < summary["latency_ms"]["p50"] <= summary["latency_ms"]["p95"]
    # the real corpus is retrievable: a useless retriever would not reach this
    assert summary["hit@5"] >= 0.6
    assert data["config"]["retrieval"] == "hybrid"
    assert any(name.startswith("Chuyên đề") for name in data["per_topic"])
    first = next(r for r in data["results"] if r["answerable"])
    assert first["retrieved"] and {"rank", "chunk_id", "relevant", "text"} <= set(first["retrieved"][0])


@pytest.mark.slow
def test_markdown_and_html_show_tables_plots_and_failures(reports: dict[str, Path]) -> None:
    md = reports["md"].read_text(encoding="utf-8")
    html = reports["html"].read_text(encoding="utf-8")
    for heading in (
        "## Tóm tắt",
        "## Theo chuyên đề",
        "## Các câu chưa đạt",
        "Độ chính xác trích dẫn",
        "Độ chính xác từ chối",
    ):
        assert heading in md, heading
    assert f"]({reports['topics'].name})" in md and f"]({reports['latency'].name})" in md
    assert "<table>" in html and reports["latency"].name in html and "Các câu chưa đạt" in html


@pytest.mark.slow
def test_compare_prints_deltas(reports: dict[str, Path], tmp_path: Path) -> None:
    data = json.loads(reports["json"].read_text(encoding="utf-8"))
    data["summary"]["mrr"] = data["summary"]["mrr"] - 0.25
    worse = tmp_path / "worse.json"
    worse.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["eval", "compare", str(reports["json"]), str(worse)], terminal_width=200)
    assert result.exit_code == 0, result.output
    mrr_line = next(line for line in result.output.splitlines() if " mrr " in line)
    assert "-0.250" in mrr_line


def test_compare_rejects_a_file_that_is_not_a_report(tmp_path: Path) -> None:
    bogus = tmp_path / "x.json"
    bogus.write_text("[1, 2]", encoding="utf-8")
    result = runner.invoke(app, ["eval", "compare", str(bogus), str(bogus)])
    assert result.exit_code == 1
    assert "troly eval report" in result.output
    assert "Traceback" not in result.output


def test_validate_accepts_the_shipped_set() -> None:
    result = runner.invoke(app, ["eval", "validate", str(SET), "--document", str(GUIDE)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_validate_reports_a_wrong_gold_and_a_fact_not_in_the_document(tmp_path: Path) -> None:
    items = [
        {"id": "a", "question": "Tăng trưởng?", "answerable": True, "expected_facts": ["6,42%"],
         "gold": [{"topic": 9, "field": "Thực trạng"}]},
        {"id": "b", "question": "Dân số?", "answerable": True, "expected_facts": ["2,1 triệu người"],
         "gold": [{"topic": 1, "field": "Thực trạng"}]},
    ]  # fmt: skip
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items), encoding="utf-8")
    result = runner.invoke(app, ["eval", "validate", str(bad), "--document", str(GUIDE)], terminal_width=200)
    assert result.exit_code == 1
    assert "a: gold topic 9" in result.output
    assert "b: expected fact '2,1 triệu người' does not occur" in result.output


def test_run_rejects_a_malformed_set_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "question": "Câu hỏi?", "answerable": "maybe"}\n', encoding="utf-8")
    result = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "eval", "run", "--set", str(bad)])
    assert result.exit_code == 1
    assert "bad.jsonl:1: answerable" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_missing_public_data_is_skipped_with_a_message(reports: dict[str, Path]) -> None:
    output = reports["output"].read_text(encoding="utf-8")
    assert "public sets skipped" in output and "no-shared-data" in output
    assert "Public set" not in reports["md"].read_text(encoding="utf-8")


PARTY_SET = ROOT / "eval" / "questions" / "party_docs.jsonl"


def test_a_set_over_absent_shared_documents_is_one_clear_line(tmp_path: Path) -> None:
    absent = tmp_path / "no-shared-data"
    args = ["--data-dir", str(tmp_path / "d"), "eval", "run", "--set", str(PARTY_SET), "--shared", str(absent)]
    result = runner.invoke(app, args, terminal_width=300)
    assert result.exit_code == 1
    assert "party_docs.jsonl skipped: ke-hoach-3260-kh-ddqh15_2025-01-10.txt" in result.output
    assert f"{absent} not found" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "d").exists()  # nothing was opened, let alone the user's index
    validate = runner.invoke(app, ["eval", "validate", str(PARTY_SET), "--shared", str(absent)], terminal_width=300)
    assert validate.exit_code == 1 and "not found under" in validate.output


def test_validate_accepts_the_party_docs_set(shared_data: Path) -> None:
    result = runner.invoke(app, ["eval", "validate", str(PARTY_SET), "--shared", str(shared_data)], terminal_width=300)
    assert result.exit_code == 0, result.output
    assert "OK" in result.output and "129 questions (112 answerable, 17 unanswerable, 16 variants; " in result.output
    assert " tune, " in result.output and " report)" in result.output


def test_run_rejects_an_unknown_rendition(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "eval", "run", "--renditions", "txt,odt"])
    assert result.exit_code == 1
    assert "unknown rendition 'odt'" in result.output


@pytest.mark.slow
def test_topic_guide_set_runs_on_a_docx_rendition_of_the_corpus(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    args = ["--data-dir", str(tmp_path / "data"), "eval", "run", "--set", str(SET), "--corpus", str(CORPUS)]
    args += ["--out", str(out), "--config", "guide docx", "--limit", "6", "--renditions", "docx"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(next(out.glob("*guide-docx.json")).read_text(encoding="utf-8"))
    assert report["config"]["rendition"] == "docx"
    assert report["config"]["collection"] == "eval-topic_guide-docx"
    assert report["summary"]["questions"] == 6 and report["summary"]["errors"] == 0
    assert (tmp_path / "data" / "eval" / "renditions" / "corpus-docx").is_dir()
