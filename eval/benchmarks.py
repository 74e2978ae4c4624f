"""Scale benchmark for ``troly bench retrieval``: hybrid search latency at 1k / 10k / 100k chunks.

The corpus is synthetic but realistic: sentences of the real Vietnamese laws
in ../shared/data (or of corpus/ when that is absent), recombined at random
into 3-6 sentence chunks, 100 chunks per document. Embedding 100k passages
with the real model would take hours on two cores, so the passage vectors
are random unit vectors (stated in the report); search latency does not
depend on what the vectors mean. Query latency is measured *excluding* the
query embedding (random vectors again, ~20 µs); the real model's query
embedding time is measured separately on the same queries and reported
next to it.
"""

from __future__ import annotations

import hashlib
import os
import platform
import random
import re
import resource
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest.model import Chunk, Document, content_hash
from ingest.normalize import strip_diacritics
from rag.index import Index
from rag.lexical import segment
from rag.retrieval import HybridRetriever
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CHUNKS_PER_DOC = 100


class RandomUnitEmbeddings:
    """Deterministic random unit vectors (seeded by the text) standing in for a model at scale."""

    model_id = "synthetic:random-unit"

    def __init__(self, dimension: int = 384) -> None:
        self.dimension = dimension
        self.model_id = f"synthetic:random-unit-{dimension}"

    def _vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")
        v = np.random.default_rng(seed).standard_normal(self.dimension).astype(np.float32)
        return v / np.linalg.norm(v)

    def embed_documents_array(self, texts: Sequence[str]) -> np.ndarray:
        return np.vstack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_documents_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._vector("query: " + text).tolist()

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def source_sentences(shared: Path | None, limit: int) -> list[str]:
    """Real sentences (40-300 chars) from the laws, evenly sampled; corpus/ as a fallback."""
    files = sorted((shared / "vn_laws").glob("*.txt")) if shared and (shared / "vn_laws").is_dir() else []
    files = files or sorted((ROOT / "corpus").glob("*.txt"))
    sentences: list[str] = []
    for path in files:
        text = " ".join(path.read_text(encoding="utf-8").split())
        sentences.extend(s.strip() for s in re.split(r"(?<=[.;:?!])\s+", text) if 40 <= len(s.strip()) <= 300)
    step = max(1, len(sentences) // limit)
    return sentences[::step][:limit]


def synthetic_corpus(
    sentences: list[str], segmented: list[str], n_chunks: int, seed: int = 7
) -> tuple[list[Document], list[Chunk]]:
    """``n_chunks`` chunks of 3-6 recombined sentences; offsets cite each document's text exactly."""
    rng = random.Random(seed)
    docs: list[Document] = []
    chunks: list[Chunk] = []
    for d in range(0, n_chunks, CHUNKS_PER_DOC):
        doc_id = f"synthetic-{d // CHUNKS_PER_DOC:05d}"
        parts: list[tuple[str, str]] = []
        for _ in range(min(CHUNKS_PER_DOC, n_chunks - d)):
            picks = [rng.randrange(len(sentences)) for _ in range(rng.randint(3, 6))]
            parts.append((" ".join(sentences[i] for i in picks), " ".join(segmented[i] for i in picks)))
        text, spans = "", []
        for body, _ in parts:
            spans.append((len(text), len(text) + len(body)))
            text += body + "\n\n"
        doc = Document(
            doc_id, f"Văn bản tổng hợp {doc_id}", f"/synthetic/{doc_id}.txt", "other", text, content_hash(text)
        )
        docs.append(doc)
        for j, ((body, seg), (s, e)) in enumerate(zip(parts, spans, strict=True)):
            chunks.append(
                Chunk(
                    chunk_id=f"{doc_id}:{j}",
                    doc_id=doc_id,
                    doc_title=doc.title,
                    doc_type="other",
                    text=body,
                    start=s,
                    end=e,
                    topic=j % 6 + 1,
                    segmented=seg,
                    hash=content_hash(body),
                )
            )
    return docs, chunks


def make_queries(sentences: list[str], n: int, seed: int = 11) -> list[str]:
    """Query-like fragments (5-9 words) of real sentences; every other one without diacritics."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = sentences[rng.randrange(len(sentences))].split()
        start = rng.randrange(max(1, len(words) - 5))
        q = " ".join(words[start : start + rng.randint(5, 9)])
        out.append(strip_diacritics(q) if i % 2 else q)
    return out


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


def bench_size(
    data_dir: Path, n: int, sentences: list[str], segmented: list[str], queries: list[str]
) -> dict[str, Any]:
    """Build (or reuse) the n-chunk collection and time hybrid, dense-only and lexical-only search."""
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
    row["rss_peak_mb"] = round(_rss_mb())
    index.close()
    return row


def query_embedding_times(settings: Settings, queries: list[str]) -> dict[str, float] | None:
    """Real model query embedding (uncached), reported separately from search latency."""
    from rag.embeddings import make_embeddings

    try:
        model = make_embeddings(settings, cached=False)
    except Exception:  # model unavailable: leave the field empty rather than fail the benchmark
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
    results = [bench_size(data_dir, n, sentences, segmented, queries) for n in sizes]
    return {
        "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {platform.python_version()}, {_cpu_count()} CPU(s)",
        "corpus": f"{len(sentences)} real law sentences recombined into chunks of 3-6 sentences, "
        f"{CHUNKS_PER_DOC} chunks per document (segmentation of the sentences took {prep_s:.0f} s)",
        "vectors": "random unit vectors (384-d) for passages and queries; search latency excludes query embedding",
        "queries": f"{n_queries} fragments of 5-9 words of real sentences, half without diacritics; k=5",
        "query_embedding": query_embedding_times(Settings(data_dir=data_dir), queries[:50]),
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
        "| chunks | build s | hybrid p50 ms | hybrid p95 ms | dense p50 | lexical p50 | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["sizes"]:
        build = "cached" if r["index_build_s"] is None else f"{r['index_build_s']}"
        lines.append(
            f"| {r['chunks']:,} | {build} | {r['hybrid']['p50_ms']} | {r['hybrid']['p95_ms']} | "
            f"{r['dense']['p50_ms']} | {r['lexical']['p50_ms']} | {r['rss_peak_mb']} |"
        )
    qe = report.get("query_embedding")
    lines += [
        "",
        f"Query embedding (real model {qe['model']}, uncached): p50 {qe['p50_ms']} ms, p95 {qe['p95_ms']} ms "
        "– add this to the search latency for an end-to-end figure."
        if qe
        else "Query embedding: model not available, not measured.",
        "",
        "Hybrid latency includes query normalization, underthesea word segmentation of the query, "
        "diacritic restoration, the Chroma HNSW query, the bm25s scoring and RRF fusion.",
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
