"""An honest load benchmark: a run begun on a busy machine never reads PASS (issue 23.5)."""

from __future__ import annotations

import time

from eval.bench_common import BUSY_BEFORE_FRACTION, LoadSampler, cpu_busy_fraction, verdict
from eval.bench_load import render_load_markdown


def test_verdict_on_a_quiet_machine_is_pass_or_fail() -> None:
    assert verdict(True, busy_before=False) == "PASS"
    assert verdict(False, busy_before=False) == "FAIL"


def test_a_baseline_slower_than_the_loaded_run_gives_no_verdict() -> None:
    # measured 2026-12-07 on a quiet start: searches alone p95 22.6 ms, under load 16.9 ms (0.75x) was called PASS
    assert verdict(True, busy_before=False, baseline_disturbed=True).startswith("inconclusive")
    assert verdict(False, busy_before=False, baseline_disturbed=True).startswith("inconclusive")
    assert verdict(True, busy_before=True, baseline_disturbed=True).startswith("busy")


def test_verdict_on_a_busy_machine_never_says_pass() -> None:
    assert verdict(True, busy_before=True) == "busy: rerun on a quiet machine"
    assert verdict(False, busy_before=True) == "busy: rerun on a quiet machine (FAIL as measured)"


def test_cpu_busy_fraction_sees_a_spinning_core() -> None:
    # One core spun for the whole sample: at least a quarter of a 2-core machine's CPU time is in use.
    import threading

    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            pass

    t = threading.Thread(target=spin)
    t.start()
    try:
        busy = cpu_busy_fraction(1.0)
    finally:
        stop.set()
        t.join()
    assert 0.0 <= busy <= 1.0
    assert busy >= BUSY_BEFORE_FRACTION


def test_load_sampler_records_samples() -> None:
    with LoadSampler(every=0.05) as sampler:
        time.sleep(0.3)
    summary = sampler.summary()
    assert len(sampler.samples) >= 2
    assert summary["min"] <= summary["mean"] <= summary["max"]


def _phase(processes: int, ratio: float) -> dict:
    lat = {"p50_ms": 5.0, "p95_ms": 9.0}
    rec = {"requests": 10, "statuses": {"200": 10}, "errors": 0, "error_examples": [], "leaks": 0, "latency_ms": lat}
    return {
        "server_processes": processes,
        "search_alone": rec,
        "under_load": {"ask": rec, "long_ask": rec, "edit": rec, "search": rec},
        "errors": 0,
        "leaks": 0,
        "search_p95_alone_ms": 4.2,
        "search_p95_under_load_ms": round(4.2 * ratio, 1),
        "search_p95_ratio": ratio,
        "answers_200": 1300,
        "ask_throughput_per_s": 21.67,
        "load_average_alone": {"min": 0.5, "mean": 0.6, "max": 0.7},
        "load_average_under_load": {"min": 1.9, "mean": 2.1, "max": 2.4},
        "server_rss_end_mb": 320,
        "server_rss_peak_mb": 340,
    }


def test_report_of_a_busy_run_says_rerun_and_shows_both_phases() -> None:
    machine = {
        "date_utc": "2026-12-04T15:00:00Z",
        "cpu_model": "x",
        "cores_usable": 2,
        "cores_logical": 2,
        "memory_total_mb": 24000,
        "load_average_1min_at_start": 6.5,
        "load_average_1min_at_end": 6.9,
        "platform": "Linux",
        "python": "3.11",
        "versions": {},
        "cpu_busy_fraction_before": 0.9,
    }
    one, two = _phase(1, 1.5), _phase(2, 1.2)
    report = {
        "machine": machine,
        "seconds": 60,
        "askers": 32,
        **one,
        "phases": [one, two],
        "busy_before": True,
        "passed": False,
        "verdict": verdict(True, busy_before=True),
    }
    text = render_load_markdown(report)
    assert "Verdict: busy: rerun on a quiet machine" in text
    assert "PASS" not in text.replace("no PASS", "").replace("never gives a PASS", "")
    assert "1 process, embedded Chroma" in text and "2 processes, Chroma server" in text
    assert "| 1300 | 21.67 |" in text
    assert "CPU in use by other work just before the run: 90%" in text


def test_a_quiet_start_is_not_called_busy_by_the_load_the_benchmark_made_itself() -> None:
    # Regression: the load benchmark ends with a load average of its own making (3.04 on 2 cores here, from a
    # real run whose CPU was 1 % busy before it started); the report called such a run "busy".
    from eval.bench_common import machine_markdown

    machine = {
        "date_utc": "2026-12-04T16:58:20Z",
        "cpu_model": "x",
        "cores_usable": 2,
        "cores_logical": 2,
        "memory_total_mb": 24000,
        "load_average_1min_at_start": 0.62,
        "load_average_1min_at_end": 3.04,
        "platform": "Linux",
        "python": "3.11",
        "versions": {},
        "cpu_busy_fraction_before": 0.01,
    }
    assert "(quiet)" in "\n".join(machine_markdown(machine))
    machine["cpu_busy_fraction_before"] = 0.9
    assert "busy: other jobs shared the cores" in "\n".join(machine_markdown(machine))
