"""Upload-to-searchable time at 1k / 10k / 100k chunks (issue 13.2), for ``troly bench retrieval``.

For each size: a collection of that many synthetic chunks (eval/benchmarks.py:
real law sentences recombined; passage vectors are random unit vectors, since
embedding 100k passages with the real model takes hours on two cores and the
figures measured here do not depend on what the vectors mean). Then one
document of ``doc_chunks`` chunks is uploaded ``repeats`` times (and deleted
again) through one :class:`~rag.index.Index` while a second Index on the same
data dir plays another worker. Measured:

* ``upsert_s``: the upload call (embedding, Chroma, SQLite commit, new lexical side);
* ``searchable_other_s``: from the upload returning until the other worker's
  search (doc_id filter, lexical mode) returns the new passage;
* ``delete_s``: removing it again;
* ``full_rebuild_s``: one full lexical rebuild of the collection – what every
  upload cost before the index became incremental.

Entry point for PERF's ``troly bench retrieval``: :func:`run_update_benchmark`
(returns a JSON-able dict) and :func:`render_update_markdown`.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.synthetic import RandomUnitEmbeddings, source_sentences, synthetic_corpus
from ingest.model import Chunk, Document
from rag.index import Index
from rag.lexical import segment
from rag.retrieval import HybridRetriever, SearchFilters
from rag.settings import Settings

SEARCHABLE_TIMEOUT_S = 60.0


def update_document(
    sentences: list[str], segmented: list[str], n_chunks: int, round_no: int
) -> tuple[Document, list[Chunk]]:
    """A new synthetic document (its own doc_id and chunk ids) of ``n_chunks`` chunks."""
    docs, chunks = synthetic_corpus(sentences, segmented, n_chunks, seed=1000 + round_no)
    doc_id = f"update-{round_no:03d}"
    doc = dataclasses.replace(docs[0], doc_id=doc_id, path=f"/synthetic/{doc_id}.txt")
    renamed = [dataclasses.replace(c, doc_id=doc_id, chunk_id=f"{doc_id}:{j}") for j, c in enumerate(chunks)]
    return doc, renamed


def _searchable_through(reader: Index, settings: Settings, chunk: Chunk, started: float) -> float:
    """Seconds from ``started`` until the other worker's search returns ``chunk``."""
    retriever = HybridRetriever(index=reader, settings=settings, mode="lexical")
    query = " ".join(chunk.text.split()[:12])
    while True:
        hits = retriever.search(query, k=5, filters=SearchFilters(doc_id=chunk.doc_id))
        if any(h.chunk.chunk_id == chunk.chunk_id for h in hits):
            return time.perf_counter() - started
        if time.perf_counter() - started > SEARCHABLE_TIMEOUT_S:
            return float("nan")
        time.sleep(0.01)


def bench_updates(
    data_dir: Path, n: int, sentences: list[str], segmented: list[str], doc_chunks: int = 20, repeats: int = 3
) -> dict[str, Any]:
    """Build (or reuse) the n-chunk collection, then time uploads and deletes of one document against it.

    It is the search benchmark's collection ``bench-N`` (same synthetic corpus, same vectors): at 100k
    chunks a build takes 5-15 minutes on two cores, and each round deletes what it uploaded, so the
    collection is left as found. ``build_s`` is None when it was reused.
    """
    settings = Settings(data_dir=data_dir, collection=f"bench-{n}")
    embeddings = RandomUnitEmbeddings()
    writer = Index.open(settings, embeddings)
    docs, chunks = synthetic_corpus(sentences, segmented, n)
    started = time.perf_counter()
    stats = writer.upsert(docs, chunks)
    build_s = time.perf_counter() - started if stats.chunks_added else None
    del docs, chunks
    started = time.perf_counter()
    writer.compact()
    full_rebuild_s = time.perf_counter() - started
    reader = Index.open(settings, embeddings)  # another worker on the same data dir
    upserts, searchable, deletes = [], [], []
    for round_no in range(repeats):
        doc, new_chunks = update_document(sentences, segmented, doc_chunks, round_no)
        started = time.perf_counter()
        writer.upsert([doc], new_chunks)
        returned = time.perf_counter()
        upserts.append(returned - started)
        searchable.append(_searchable_through(reader, settings, new_chunks[-1], returned))
        started = time.perf_counter()
        writer.delete_document(doc.doc_id)
        deletes.append(time.perf_counter() - started)
    row = {
        "chunks": writer.count(),
        "doc_chunks": doc_chunks,
        "build_s": round(build_s, 2) if build_s is not None else None,
        "full_rebuild_s": round(full_rebuild_s, 2),
        "upsert_s": _summary(upserts),
        "searchable_other_s": _summary(searchable),
        "delete_s": _summary(deletes),
    }
    reader.close()
    writer.close()
    return row


def _summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "max": round(max(values), 3)}


def run_update_benchmark(
    data_dir: Path,
    sizes: Sequence[int] = (1000, 10000, 100000),
    shared: Path | None = None,
    n_sentences: int = 3000,
    doc_chunks: int = 20,
    repeats: int = 3,
) -> dict[str, Any]:
    """Upload-to-searchable figures for every size (what ``troly bench retrieval`` reports for 13.2)."""
    from eval.bench_common import load_average, machine_info

    load_start = load_average()
    sentences = source_sentences(shared, n_sentences)
    segmented = [segment(s) for s in sentences]
    rows = [bench_updates(data_dir, n, sentences, segmented, doc_chunks, repeats) for n in sizes]
    return {
        "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine_info(),
        "vectors": "random unit vectors (384-d, synthetic) for passages; the lexical side is real (bm25s-equal BM25)",
        "corpus": f"{len(sentences)} real law sentences recombined into chunks of 3-6 sentences",
        "upload": f"one document of {doc_chunks} chunks, uploaded and deleted {repeats} times per size",
        "sizes": rows,
        "load_average_1min": {"start": load_start, "end": load_average()},
    }


def render_update_markdown(report: dict[str, Any]) -> str:
    lines = [
        "## Upload to searchable (incremental lexical index, issue 13.2)",
        "",
        f"Generated {report['generated']}. Vectors: {report['vectors']}. Corpus: {report['corpus']}. "
        f"Upload: {report['upload']}.",
        "",
        "| chunks | upload s (median / max) | searchable in another worker s (median / max) "
        "| delete s (median) | full lexical rebuild s (before: every upload) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for row in report["sizes"]:
        up, seen, gone = row["upsert_s"], row["searchable_other_s"], row["delete_s"]
        lines.append(
            f"| {row['chunks']:,} | {up['median']:.3f} / {up['max']:.3f} | {seen['median']:.3f} / {seen['max']:.3f} "
            f"| {gone['median']:.3f} | {row['full_rebuild_s']:.2f} |"
        )
    load = report.get("load_average_1min", {})
    lines += ["", f"1-minute load average {load.get('start')} at start, {load.get('end')} at end."]
    return "\n".join(lines) + "\n"
