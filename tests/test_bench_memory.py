"""troly bench memory's arithmetic: the fit and the labelling of measured vs extrapolated sizes."""

from __future__ import annotations

from eval.bench_memory import linear_fit, render_memory_markdown


def _row(chunks: int, peak: int) -> dict:
    return {
        "chunks": chunks,
        "build_s": None,
        "rss_idle_mb": peak - 50,
        "rss_under_load_mean_mb": peak - 20,
        "rss_peak_mb": peak,
        "requests": 100,
        "errors": 0,
        "search_p50_ms": 5.0,
        "search_p95_ms": 9.0,
    }


def test_fit_through_two_sizes() -> None:
    # 600 MB at 10k, 800 MB at 30k: 10 MB per 1,000 chunks on top of 500 MB.
    assert linear_fit([_row(10_000, 600), _row(30_000, 800)]) == {"a_mb": 500.0, "mb_per_1k_chunks": 10.0}
    assert linear_fit([_row(10_000, 600)]) is None


def test_unmeasured_target_is_labelled_extrapolated() -> None:
    rows = [_row(10_000, 600), _row(30_000, 800)]
    report = {
        "cpus": 2,
        "load_avg": [1.0, 1.0, 1.0],
        "vectors": "synthetic",
        "rows": rows,
        "fit": linear_fit(rows),
        "target_chunks": 100_000,
        "target_measured": False,
        "target_peak_mb_extrapolated": 1500,
    }
    text = render_memory_markdown(report)
    assert "100,000 chunks NOT measured: 1500 MB is extrapolated" in text
    assert "over the 1 GB bound" in text
