"""Scale benchmark for ``troly bench retrieval``: hybrid search latency at 1k / 10k / 100k chunks.

The corpus is synthetic but realistic: sentences of the real Vietnamese laws
in ../shared/data (or of corpus/ when that is absent), recombined at random
into 3-6 sentence chunks, 100 chunks per document. Embedding 100k passages
with the real model would take hours on two cores, so the passage vectors
are random unit vectors (stated in the report); search latency does not
depend on what the vectors mean. Query latency is measured *excluding* the
query embedding (random vectors again, ~20 µs); the real model's query
embedding time is measured separately on the same queries and reported
next to it, and a hybrid search that embeds each query with the real
model (uncached) is timed end to end at each size up to 10k.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.synthetic import (
    CHUNKS_PER_DOC,
    RandomUnitEmbeddings,
    RealQueryEmbeddings,
    make_queries,
    source_sentences,
    synthetic_corpus,
)
from rag.index import Index
from rag.lexical import segment
from rag.retrieval import HybridRetriever
from rag.settings import Settings


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_searches(retriever: HybridRetriever, queries: list[str], k: int = 5) -> dict[str, float]:
    retriever.search(queries[0], k=k)  # warm-up: lazy loads (underthesea, topic table)
    times = []
    for q in queries:
        t = time.perf_counter()
        retriever.search(q, k=k)
        times.append(1000 * (time.perf_counter() - t))
    return {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95), "mean_ms": statistics.fmean(times)}


END_TO_END_MAX = 10_000
"""Largest size whose hybrid search is also timed with the real query embedding (the issue's budget is at 10k)."""


def bench_size(
    data_dir: Path, n: int, sentences: list[str], segmented: list[str], queries: list[str], model: Any = None
) -> dict[str, Any]:
    """Build (or reuse) the n-chunk collection and time hybrid, dense-only and lexical-only search (and, given the
    real ``model``, hybrid search with its uncached query embedding)."""
    settings = Settings(data_dir=data_dir, collection=f"bench-{n}")
    index = Index.open(settings, RandomUnitEmbeddings())
    docs, chunks = synthetic_corpus(sentences, segmented, n)
    t = time.perf_counter()
    stats = index.upsert(docs, chunks)
    build_s = time.perf_counter() - t
    row: dict[str, Any] = {
        "chunks": index.count(),
        "index_build_s": round(build_s, 1) if stats.chunks_added else None,
        "rss_peak_mb": round(_rss_mb()),
    }
    for mode in ("hybrid", "dense", "lexical"):
        timing = time_searches(HybridRetriever(index=index, settings=settings, mode=mode), queries)
        row[mode] = {key: round(v, 2) for key, v in timing.items()}
    index.close()
    if model is not None and n <= END_TO_END_MAX:
        end_to_end = Index.open(settings, RealQueryEmbeddings(model))
        timing = time_searches(HybridRetriever(index=end_to_end, settings=settings), queries[:100])
        row["hybrid_with_query_embedding"] = {key: round(v, 2) for key, v in timing.items()}
        end_to_end.close()
    row["rss_peak_mb"] = round(_rss_mb())
    return row


def real_model(settings: Settings) -> Any:
    """The configured embedding model without its cache (every query embedded afresh), or None when unavailable."""
    from rag.embeddings import make_embeddings

    try:
        return make_embeddings(settings, cached=False)
    except Exception:  # model unavailable: leave its fields empty rather than fail the benchmark
        return None


def query_embedding_times(model: Any, queries: list[str]) -> dict[str, str | float] | None:
    """Real model query embedding (uncached), reported separately from search latency."""
    if model is None:
        return None
    model.embed_query(queries[0])
    times = []
    for q in queries:
        t = time.perf_counter()
        model.embed_query(q)
        times.append(1000 * (time.perf_counter() - t))
    return {
        "model": model.model_id,
        "p50_ms": round(percentile(times, 50), 2),
        "p95_ms": round(percentile(times, 95), 2),
    }


def run_benchmark(
    data_dir: Path, sizes: Sequence[int], n_queries: int, shared: Path | None, n_sentences: int = 3000
) -> dict[str, Any]:
    from eval.bench_common import load_average

    load_at_start = load_average()
    t = time.perf_counter()
    sentences = source_sentences(shared, n_sentences)
    segmented = [segment(s) for s in sentences]
    prep_s = time.perf_counter() - t
    queries = make_queries(sentences, n_queries)
    model = real_model(Settings(data_dir=data_dir))
    results = [bench_size(data_dir, n, sentences, segmented, queries, model) for n in sizes]
    return {
        "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {platform.python_version()}, {_cpu_count()} CPU(s)",
        "corpus": f"{len(sentences)} real law sentences recombined into chunks of 3-6 sentences, "
        f"{CHUNKS_PER_DOC} chunks per document (segmentation of the sentences took {prep_s:.0f} s)",
        "vectors": "random unit vectors (384-d) for passages and queries; search latency excludes query embedding, "
        'except in the column "with query embedding" (the real model embeds each query, uncached)',
        "queries": f"{n_queries} fragments of 5-9 words of real sentences, half without diacritics; k=5",
        "query_embedding": query_embedding_times(model, queries[:50]),
        "sizes": results,
        "load_average_1min": {"start": load_at_start, "end": load_average()},
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "default"),
    }


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _machine_note(report: dict[str, Any]) -> str:
    """What the machine was doing during this run (measured, so a rerun never inherits an old claim)."""
    load = report.get("load_average_1min")
    if not load:
        return "Machine note: load average not recorded for this run."
    cores = _cpu_count()
    busy = max(load["start"], load["end"]) > cores
    verdict = "shared with other jobs, so these are pessimistic figures" if busy else "quiet"
    return (
        f"Machine note: 1-minute load average {load['start']} at start, {load['end']} at end on {cores} core(s): "
        f"{verdict}. OMP_NUM_THREADS for the query embedding: {report.get('omp_num_threads', 'default')}."
    )


def render_markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Retrieval scale benchmark (`troly bench retrieval`)",
        "",
        f"Generated {report['generated']} on {report['machine']}.",
        "",
        f"- Corpus: {report['corpus']}.",
        f"- Vectors: {report['vectors']}.",
        f"- Queries: {report['queries']}.",
        "",
        "| chunks | build s | hybrid p50 ms | hybrid p95 ms | dense p50 | lexical p50 | "
        "with query embedding p50 / p95 ms | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["sizes"]:
        build = "cached" if r["index_build_s"] is None else f"{r['index_build_s']}"
        e2e = r.get("hybrid_with_query_embedding")
        e2e_cell = f"{e2e['p50_ms']} / {e2e['p95_ms']}" if e2e else "–"
        lines.append(
            f"| {r['chunks']:,} | {build} | {r['hybrid']['p50_ms']} | {r['hybrid']['p95_ms']} | "
            f"{r['dense']['p50_ms']} | {r['lexical']['p50_ms']} | {e2e_cell} | {r['rss_peak_mb']} |"
        )
    qe = report.get("query_embedding")
    lines += [
        "",
        f"Query embedding (real model {qe['model']}, uncached): p50 {qe['p50_ms']} ms, p95 {qe['p95_ms']} ms "
        '– the column "with query embedding" times hybrid searches that embed each query with it (sizes up to '
        f"{END_TO_END_MAX:,}; target p50 ≤ 20 ms at 10k)."
        if qe
        else "Query embedding: model not available, not measured.",
        "",
        "Hybrid latency includes query normalization, underthesea word segmentation of the query, "
        "diacritic restoration, the Chroma HNSW query, the bm25s scoring and the fusion of the two "
        "(settings.fusion: linear by default, or RRF).",
        "",
        "Peak RSS is the benchmark process's high-water mark while building, including its own in-memory copy of "
        "the synthetic corpus; a server that only opens the 100k index and serves searches is measured by "
        "`troly bench memory` (bench_memory.md: under 1 GB at 100k chunks). The build streams chunk rows into "
        "SQLite and indexes token ids rather than token strings, which keeps the 100k build within ~2.6 GB.",
        "",
        _machine_note(report),
        "",
    ]
    if report.get("updates"):
        from eval.bench_retrieval_updates import render_update_markdown

        lines += [render_update_markdown(report["updates"])]
    return "\n".join(lines)


def write_report(report: dict[str, Any], out: Path) -> None:
    """``out`` without suffix → ``out.json`` + ``out.md`` (same writer as the other benchmarks)."""
    from eval.bench_common import write_report as write_json_and_markdown

    write_json_and_markdown(report, render_markdown(report), out.parent, out.with_suffix("").name)
