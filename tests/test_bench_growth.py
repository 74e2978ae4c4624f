"""The growth plot: fitted exponents on hand-made figures, and the PNG written by the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from eval.bench_growth import fit_power
from ui.cli import app


def test_fit_recovers_a_known_power_law() -> None:
    sizes = [1_000.0, 10_000.0, 100_000.0]
    assert fit_power(sizes, [2.0, 20.0, 200.0])["b"] == 1.0  # linear
    assert fit_power(sizes, [3.0, 3.0, 3.0])["b"] == 0.0  # flat
    assert fit_power(sizes, [1.0, 10**0.5, 10.0])["b"] == 0.5
    assert fit_power([1_000.0], [5.0]) == {}  # one size: nothing to fit


def test_bench_growth_writes_png_and_table(tmp_path: Path) -> None:
    sizes = []
    for n, build, rss, p50 in ((1_000, 3.0, 400, 3.0), (10_000, 30.0, 600, 3.3), (100_000, 300.0, 2_400, 3.6)):
        latency = {"p50_ms": p50, "p95_ms": 2 * p50}
        sizes.append({"chunks": n, "index_build_s": build, "rss_peak_mb": rss, "hybrid": latency})
    (tmp_path / "bench_retrieval.json").write_text(json.dumps({"sizes": sizes, "generated": "x"}), encoding="utf-8")
    ingest = {"derived": {"cold_chunks_per_s": 10.0}, "machine": {"date_utc": "2026-12-01T00:00:00Z"}}
    (tmp_path / "bench_ingest.json").write_text(json.dumps(ingest), encoding="utf-8")
    result = CliRunner().invoke(app, ["bench", "growth", "--reports", str(tmp_path), "--out", str(tmp_path / "g")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))
    assert data["fits"]["index_build_s"]["b"] == 1.0
    # 1k chunks at 10 chunks/s: 100 s of embedding + 3 s build
    assert data["series"]["projected_full_ingest_s"][0] == 103.0
    assert "∝ N^1.00" in (tmp_path / "g.md").read_text(encoding="utf-8")


def test_bench_growth_without_reports_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["bench", "growth", "--reports", str(tmp_path)])
    assert result.exit_code == 1
    assert "troly bench retrieval" in result.output


def test_a_retrieval_report_under_another_name_gets_its_growth_plot_beside_it(tmp_path: Path) -> None:
    from eval.bench_growth import run_growth
    from ui.cli.bench import growth_path

    assert growth_path(Path("eval/reports/bench_retrieval")) == Path("eval/reports/bench_growth")
    assert growth_path(tmp_path / "run") == tmp_path / "run_growth"
    sizes = [
        {"chunks": n, "index_build_s": n / 100, "rss_peak_mb": 400, "hybrid": {"p50_ms": 3.0, "p95_ms": 6.0}}
        for n in (1_000, 10_000)
    ]
    report = tmp_path / "run.json"  # not bench_retrieval.json: before, this failed with a traceback
    report.write_text(json.dumps({"sizes": sizes, "generated": "x"}), encoding="utf-8")
    data = run_growth(tmp_path, growth_path(tmp_path / "run"), report)
    assert (tmp_path / "run_growth.png").read_bytes()[:4] == b"\x89PNG"
    assert data["fits"]["index_build_s"]["b"] == 1.0
