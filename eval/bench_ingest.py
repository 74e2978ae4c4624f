"""``troly bench ingest``: how fast real Vietnamese documents get into the index, and why.

One run, on a fresh temporary data dir (so no embedding is cached yet):

1. **cold ingest** of real law texts (../shared/data/vn_laws, smallest files
   first until about ``target_chunks`` chunks) exactly as ``troly ingest``
   does it – ``ingest_files`` with each document's passages embedded ahead
   in a background thread (``embedding_ahead``), then ``Index.upsert``, which
   finds the vectors in the cache – with the time split into read + chunk +
   embed (overlapped), the rest of the embedding inside the upsert, and index
   write (Chroma, SQLite, BM25 rebuild);
2. **re-ingest** of the same files into the same collection: the source-hash
   check must make it nearly free (only reading and chunking are repeated);
3. **warm-cache ingest** of the same chunks into a new collection: no hash
   shortcut, but every vector comes from the embedding cache;
4. the **raw embedder** (uncached model, no index) on short sentences, on the
   longest chunks and on a sample of the ingested chunks (the exact text the
   index embeds: title + heading path + passage) – right before and right
   after the cold ingest, to bracket it – so that ingest
   speed reads as a ratio to what the model alone can do on this machine at
   this moment – the ratio survives a busy or a faster machine, the absolute
   figures do not.

Without ../shared/data the topic guide in corpus/ is used instead, repeated
with a copy number on every line so that the copies are distinct texts and
the embedding cache cannot make them free (the report says so).
"""

from __future__ import annotations

import functools
import math
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eval.bench_common import (
    UNITS,
    TimedEmbeddings,
    load_average,
    machine_info,
    machine_markdown,
    peak_rss_mb,
    rate,
    ratio,
    timed,
)
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = ROOT / "corpus"
BYTES_PER_CHUNK = 600
"""File bytes per chunk of the laws at the default 256-token chunks (measured 425 on the smallest laws, 610 on
the first 12): only used to pick how many files to read for a target."""
Log = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


# ---- sources ---------------------------------------------------------------------
def law_files(shared: Path | None) -> list[Path]:
    """The law texts, smallest first (so small targets still span several files)."""
    folder = shared / "vn_laws" if shared else None
    if folder is None or not folder.is_dir():
        return []
    return sorted(folder.glob("*.txt"), key=lambda p: (p.stat().st_size, p.name))


def pick_by_size(
    files: Sequence[Path], target_chunks: int, bytes_per_chunk: int = BYTES_PER_CHUNK, at_least: bool = False
) -> list[Path]:
    """Leading files whose total size should give about ``target_chunks`` chunks (at least one file).

    ``at_least`` keeps adding files until the estimate is reached (for callers that cut the chunks
    to an exact count); otherwise the last file is kept only if that lands closer to the target.
    """
    wanted = target_chunks * bytes_per_chunk
    picked: list[Path] = []
    total = 0
    for path in files:
        size = path.stat().st_size
        if picked and (total >= wanted if at_least else abs(total + size - wanted) >= abs(total - wanted)):
            break  # this file would overshoot more than stopping here undershoots
        picked.append(path)
        total += size
    return picked


def corpus_copies(corpus_dir: Path, target_chunks: int, work: Path) -> list[Path]:
    """Copies of the corpus texts, each line tagged with its copy number, enough for ``target_chunks``.

    Identical copies would all hit the embedding cache after the first one and
    make ingest look far faster than it is; the tag keeps every chunk distinct
    while the text stays real Vietnamese.
    """
    sources = sorted(corpus_dir.glob("*.txt"))
    if not sources:
        raise FileNotFoundError(f"{corpus_dir}: no .txt file to benchmark with")
    size = sum(p.stat().st_size for p in sources)
    copies = max(1, math.ceil(target_chunks * BYTES_PER_CHUNK / size))
    out_dir = work / "corpus-copies"
    out_dir.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(1, copies + 1):
        for src in sources:
            lines = src.read_text(encoding="utf-8").splitlines()
            tagged = [f"{line} (bản {i})" if line.strip() else line for line in lines]
            path = out_dir / f"{src.stem}-ban-{i:04d}.txt"
            path.write_text("\n".join(tagged) + "\n", encoding="utf-8")
            made.append(path)
    return made


def choose_sources(shared: Path | None, target_chunks: int, work: Path, log: Log) -> tuple[list[Path], dict[str, Any]]:
    """Law files when available, else tagged corpus copies; with a description for the report."""
    laws = law_files(shared)
    if laws:
        files = pick_by_size(laws, target_chunks)
        return files, {
            "kind": "vn_laws",
            "description": f"{len(files)} of {len(laws)} Vietnamese laws from {laws[0].parent}, smallest first",
        }
    log(f"laws not found under {shared}/vn_laws: falling back to corpus/ repeated with copy numbers")
    files = corpus_copies(CORPUS_DIR, target_chunks, work)
    return files, {
        "kind": "corpus_repeated",
        "description": f"{len(files)} copies of the corpus topic guide, every line tagged '(bản N)' "
        "so copies are distinct (../shared/data/vn_laws was absent)",
    }


# ---- phases ---------------------------------------------------------------------------
def warm_up(embeddings: Any) -> float:
    """Load underthesea and the embedder once, so that phase timings are steady-state (reported apart)."""
    from ingest.segment import segment_words

    started = time.perf_counter()
    segment_words("Hội nghị tổng kết công tác năm 2025. Đảng bộ Sở Tài chính chuẩn bị thảo luận.")
    embeddings.embed_documents_array(["khởi động mô hình"])
    return time.perf_counter() - started


def ingest_once(settings: Settings, files: Sequence[Path], log: Log) -> tuple[dict[str, Any], Any]:
    """One ``troly ingest``-equivalent run: open the index, read + chunk the files embedding ahead, upsert.

    Returns the phase figures and the ingest result (its chunks feed the later runs).
    """
    from ingest.pipeline import ingest_files
    from rag.embeddings import embedding_ahead, make_embeddings
    from rag.index import Index

    cpu = time.process_time()  # all threads of this process: the model's OpenMP threads and the reading thread
    embedder = TimedEmbeddings(make_embeddings(settings))
    index, open_s = timed(lambda: Index.open(settings, embedder))
    known = index.source_hashes()  # as `troly ingest` does: files already indexed as they are are not re-read

    def read_and_embed_ahead() -> Any:
        with embedding_ahead(embedder, settings.embedding_batch_size) as on_chunks:
            return ingest_files(
                files,
                embedder.count_tokens,
                settings.chunk_tokens,
                settings.chunk_overlap,
                known=known,
                on_chunks=on_chunks,
            )

    result, prepare_s = timed(read_and_embed_ahead)
    misses_ahead = int(getattr(embedder.inner, "misses", 0))
    log(
        f"  read + chunked {len(result.documents)} files into {len(result.chunks)} chunks, "
        f"{misses_ahead} embedded ahead, in {prepare_s:.1f} s"
    )
    stats, upsert_s = timed(lambda: index.upsert(result.documents, result.chunks))
    index.close()
    embed_s = embedder.passage_seconds
    figures = {
        "files": len(result.documents) + len(result.unchanged),
        "files_skipped": len(result.errors),
        "chunks": len(result.chunks),
        "open_s": round(open_s, 3),
        "prepare_s": round(prepare_s, 3),
        "embed_s": round(embed_s, 3),
        "write_s": round(upsert_s - embed_s, 3),
        "upsert_s": round(upsert_s, 3),
        "total_s": round(open_s + prepare_s + upsert_s, 3),
        "cpu_s": round(time.process_time() - cpu, 3),
        "passages_sent_to_embedder": embedder.passages,
        "cache_hits": int(getattr(embedder.inner, "hits", 0)),
        "cache_misses": int(getattr(embedder.inner, "misses", 0)),
        "embedded_ahead": misses_ahead,
        "documents_added": stats.documents_added,
        "documents_unchanged": stats.documents_unchanged + len(result.unchanged),
        "chunks_added": stats.chunks_added,
        "peak_rss_mb": peak_rss_mb(),
    }
    return figures, result


def upsert_into_new_collection(settings: Settings, result: Any) -> dict[str, Any]:
    """Same documents into a fresh collection of the same data dir: the embedding cache does the work."""
    from rag.embeddings import make_embeddings
    from rag.index import Index

    fresh = settings.model_copy(update={"collection": settings.collection + "-warm"})
    embedder = TimedEmbeddings(make_embeddings(fresh))
    index = Index.open(fresh, embedder)
    _, upsert_s = timed(lambda: index.upsert(result.documents, result.chunks))
    index.close()
    return {
        "chunks": len(result.chunks),
        "upsert_s": round(upsert_s, 3),
        "embed_s": round(embedder.passage_seconds, 3),
        "write_s": round(upsert_s - embedder.passage_seconds, 3),
        "cache_hits": int(getattr(embedder.inner, "hits", 0)),
        "cache_misses": int(getattr(embedder.inner, "misses", 0)),
    }


# ---- raw embedder baseline ----------------------------------------------------------
def search_text(chunk: Any) -> str:
    """The text the index embeds for a chunk (one definition: rag.index)."""
    from ingest.model import search_text as index_text

    return index_text(chunk)


def passage_texts(settings: Settings, files: Sequence[Path], count_tokens: Callable[[str], int]) -> list[str]:
    """The passages the cold ingest will embed, from an untimed chunking pass (to pick the baseline before it)."""
    from ingest.pipeline import ingest_files

    result = ingest_files(files, count_tokens, settings.chunk_tokens, settings.chunk_overlap)
    return [search_text(c) for c in result.chunks]


def evenly(items: Sequence[Any], n: int) -> list[Any]:
    """n items spread over the whole sequence (all of them when there are fewer)."""
    if len(items) <= n:
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def baseline_texts(chunk_texts: Sequence[str], count_tokens: Callable[[str], int], n: int) -> dict[str, list[str]]:
    """Short (single sentences of 8-40 tokens), long (the longest chunks) and a sample of the chunks."""
    sentences: list[str] = []
    for text in chunk_texts:
        sentences.extend(s.strip() for s in re.split(r"(?<=[.;:!?])\s+", text) if s.strip())
    pool = evenly(list(dict.fromkeys(sentences)), 20 * n)  # bounded: token counts of 100k sentences add up
    short = [s for s in pool if 8 <= count_tokens(s) <= 40]
    by_length = sorted(dict.fromkeys(chunk_texts), key=count_tokens, reverse=True)
    return {
        "short": evenly(short, n),
        "long": by_length[:n],
        "chunk_sample": evenly(list(chunk_texts), n),
    }


class RawBaseline:
    """Passages/s of the uncached model alone (no cache, no index), on this machine, in this run.

    Measured twice – right before and right after the cold upsert – because
    on a shared machine the model's speed drifts with the load; the mean of
    the two brackets the cold run, and their ratio shows how steady it was.
    """

    def __init__(self, settings: Settings, n: int) -> None:
        from rag.embeddings import make_embeddings

        self.model = make_embeddings(settings, cached=False)
        self.batch_size = settings.embedding_batch_size
        self.n = n
        self.texts: dict[str, list[str]] = {}
        self.runs: list[dict[str, tuple[int, int, float, float]]] = []

    def measure(self, chunk_texts: Sequence[str]) -> None:
        """Time each kind of passage once; the texts are chosen from the chunks on the first call."""
        if not self.texts:
            self.texts = {k: v for k, v in baseline_texts(chunk_texts, self.model.count_tokens, self.n).items() if v}
            self.model.embed_documents_array(["khởi động"])
        run = {}
        for kind, texts in self.texts.items():
            cpu = time.process_time()
            _, seconds = timed(functools.partial(self.model.embed_documents_array, texts))
            cpu = time.process_time() - cpu
            run[kind] = (len(texts), sum(self.model.count_tokens(t) for t in texts), seconds, cpu)
        self.runs.append(run)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"model": self.model.model_id, "batch_size": self.batch_size, "runs": len(self.runs)}
        for kind in self.texts:
            passages, tokens, _, _ = self.runs[0][kind]
            rates = [rate(passages, run[kind][2]) for run in self.runs]
            seconds = sum(run[kind][2] for run in self.runs)
            out[kind] = {
                "passages": passages,
                "tokens_mean": round(tokens / passages, 1),
                "seconds_s": round(seconds, 3),
                "passages_per_s": rate(passages * len(self.runs), seconds),
                "tokens_per_s": rate(tokens * len(self.runs), seconds),
                "passages_per_s_each_run": rates,
                "passages_per_cpu_s": rate(passages * len(self.runs), sum(run[kind][3] for run in self.runs)),
                "drift_after_to_before_ratio": ratio(rates[-1], rates[0]),
            }
        return out


# ---- the benchmark -------------------------------------------------------------------
def _derived(cold: dict[str, Any], reingest: dict[str, Any], warm: dict[str, Any], raw: dict[str, Any]) -> dict:
    chunks = cold["chunks"]
    cold_rate = rate(chunks, cold["total_s"])
    derived: dict[str, Any] = {
        "cold_files_per_s": rate(cold["files"], cold["total_s"]),
        "cold_chunks_per_s": cold_rate,
        "cold_tokens_per_s": rate(cold["tokens_total"], cold["total_s"]),
        "prepare_chunks_per_s": rate(chunks, cold["prepare_s"]),
        "embed_chunks_per_s": rate(chunks, cold["embed_s"]),
        "write_chunks_per_s": rate(chunks, cold["write_s"]),
        "reingest_to_cold_ratio": ratio(reingest["total_s"], cold["total_s"]),
        "warm_cache_upsert_to_cold_upsert_ratio": ratio(warm["upsert_s"], cold["upsert_s"]),
    }
    for kind in ("chunk_sample", "long", "short"):
        if kind in raw:
            derived[f"cold_chunks_per_s_to_raw_{kind}_ratio"] = ratio(cold_rate, raw[kind]["passages_per_s"])
    if "chunk_sample" in raw:
        derived["embed_ahead_phase_to_raw_chunk_sample_ratio"] = ratio(
            derived["prepare_chunks_per_s"], raw["chunk_sample"]["passages_per_s"]
        )
        derived["cold_chunks_per_cpu_s_to_raw_chunk_sample_per_cpu_s_ratio"] = ratio(
            rate(chunks, cold["cpu_s"]), raw["chunk_sample"]["passages_per_cpu_s"]
        )
        derived["cold_tokens_per_s_to_raw_chunk_sample_tokens_per_s_ratio"] = ratio(
            derived["cold_tokens_per_s"], raw["chunk_sample"]["tokens_per_s"]
        )
    return derived


def run_ingest_benchmark(
    settings: Settings,
    target_chunks: int = 10_000,
    shared: Path | None = None,
    baseline_passages: int = 64,
    log: Log = _quiet,
) -> dict[str, Any]:
    """Run the four measurements in a fresh temporary data dir and return the report (see module docstring)."""
    machine = machine_info()
    with tempfile.TemporaryDirectory(prefix="troly-bench-ingest-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        bench = settings.model_copy(update={"data_dir": work / "data", "collection": "bench-ingest", "chroma": ""})
        files, source = choose_sources(shared, target_chunks, work, log)
        source["files"] = len(files)
        source["bytes"] = sum(p.stat().st_size for p in files)
        source["file_names"] = [p.name for p in files]
        baseline = RawBaseline(bench, baseline_passages)
        warmup_s = warm_up(baseline.model)
        log(f"raw embedder baseline before the cold ingest ({baseline_passages} passages per kind)")
        baseline.measure(passage_texts(bench, files, baseline.model.count_tokens))
        log(f"cold ingest of {len(files)} files ({source['bytes'] / 1e6:.2f} MB), target ~{target_chunks} chunks")
        cold, result = ingest_once(bench, files, log)
        log(f"  cold: {cold['total_s']:.1f} s (embedding in the upsert {cold['embed_s']:.1f} s); raw baseline again")
        texts = [search_text(c) for c in result.chunks]
        baseline.measure(texts)
        log("re-ingest of the same files")
        reingest, _ = ingest_once(bench, files, log)
        log(f"  re-ingest: {reingest['total_s']:.1f} s; warm-cache ingest into a new collection")
        warm = upsert_into_new_collection(bench, result)
        log(f"  warm cache: {warm['upsert_s']:.1f} s")
        raw = baseline.summary()
        tokens = [baseline.model.count_tokens(t) for t in texts]
    machine["load_average_1min_at_end"] = load_average()
    cold["tokens_total"] = sum(tokens)
    cold["tokens_mean"] = round(sum(tokens) / len(tokens), 1) if tokens else 0.0
    reingest["vs_cold_ratio"] = ratio(reingest["total_s"], cold["total_s"])
    return {
        "benchmark": "ingest",
        "command": f"troly bench ingest --chunks {target_chunks}",
        "units": UNITS,
        "machine": machine,
        "settings": {
            "embedding_model": raw.get("model"),
            "chunk_tokens": settings.chunk_tokens,
            "chunk_overlap_sentences": settings.chunk_overlap,
            "embedding_batch_size": settings.embedding_batch_size,
            "chroma": "embedded (fresh temporary data dir)",
        },
        "target_chunks": target_chunks,
        "source": source,
        "warmup_s": round(warmup_s, 3),
        "cold": cold,
        "reingest": reingest,
        "warm_cache": warm,
        "raw_embedder": raw,
        "derived": _derived(cold, reingest, warm, raw),
        "peak_rss_mb": peak_rss_mb(),
        "notes": [
            "prepare = load + legacy decode + normalize + reflow + structure + chunk (underthesea sentence "
            "split, e5 token counts, underthesea word segmentation for BM25), with each document's passages "
            "embedded ahead in a background thread (length-bucketed batches) into the embedding cache; it ends "
            "when the last passage is embedded",
            "embed = time inside the embedder during upsert (SQLite embedding cache; the model only for passages "
            "not embedded ahead)",
            "write = upsert minus embed: Chroma upsert, SQLite chunk table, BM25 + diacritic restorer rebuild",
            "re-ingest runs in the same process (underthesea and the model already loaded), like a second "
            "`troly ingest` minus interpreter start-up",
            "peak RSS is the whole process (ru_maxrss), including the raw-embedder baseline",
            "raw embedder rates are the mean of two timings bracketing the cold ingest (before and after), on the "
            "texts the index embeds (title + heading path + passage)",
        ],
    }


def render_ingest_markdown(report: dict[str, Any]) -> str:
    """The report as a human-readable page (every figure with its unit)."""
    c, r, w, raw, d = (report[k] for k in ("cold", "reingest", "warm_cache", "raw_embedder", "derived"))
    s = report["settings"]
    lines = [
        "# Ingest throughput benchmark (`troly bench ingest`)",
        "",
        *machine_markdown(report["machine"]),
        f"- Embedder: {s['embedding_model']}, batch {s['embedding_batch_size']}; chunks of "
        f"{s['chunk_tokens']} tokens, overlap {s['chunk_overlap_sentences']} sentence(s); {s['chroma']}",
        f"- Source: {report['source']['description']}; {report['source']['files']} files, "
        f"{report['source']['bytes'] / 1e6:.2f} MB; target ~{report['target_chunks']:,} chunks",
        f"- One-time warm-up (underthesea + model load): {report['warmup_s']:.2f} s (not in the figures below)",
        "",
        "## Cold ingest (empty embedding cache)",
        "",
        f"{c['files']} files ({c['files_skipped']} skipped) → {c['chunks']:,} chunks, "
        f"{c['tokens_mean']} tokens per chunk on average ({c['tokens_total']:,} tokens).",
        "",
        "| phase | time (s) | share | rate (chunks/s) |",
        "|---|---:|---:|---:|",
        f"| open index | {c['open_s']:.2f} | {_share(c['open_s'], c['total_s'])} | – |",
        f"| load + normalize + chunk, embedding ahead (overlapped; {c['embedded_ahead']:,} passages) "
        f"| {c['prepare_s']:.2f} | {_share(c['prepare_s'], c['total_s'])} | {d['prepare_chunks_per_s']:.1f} |",
        f"| embedding inside the upsert (cache lookups + misses) | {c['embed_s']:.2f} "
        f"| {_share(c['embed_s'], c['total_s'])} "
        f"| {d['embed_chunks_per_s']:.1f} |",
        f"| index write (Chroma + SQLite + BM25) | {c['write_s']:.2f} | {_share(c['write_s'], c['total_s'])} "
        f"| {d['write_chunks_per_s']:.1f} |",
        f"| **total** | **{c['total_s']:.2f}** | 100% | **{d['cold_chunks_per_s']:.1f}** |",
        "",
        f"Throughput: **{d['cold_files_per_s']:.2f} files/s, {d['cold_chunks_per_s']:.1f} chunks/s**. "
        f"Peak RSS of the process: {report['peak_rss_mb']:.0f} MiB (after the cold run: {c['peak_rss_mb']:.0f} MiB).",
        "",
        "## Raw embedder baseline (same run, uncached model, no index)",
        "",
        "Measured right before and right after the cold ingest; the drift column (after ÷ before) shows "
        "how steady the machine was (1.00 = perfectly steady).",
        "",
        "| passages | count | mean tokens | passages/s (mean) | tokens/s | drift |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    labels = {"short": "short (one sentence)", "long": "long (longest chunks)", "chunk_sample": "sample of the chunks"}
    for kind, label in labels.items():
        if kind in raw:
            k = raw[kind]
            lines.append(
                f"| {label} | {k['passages']} | {k['tokens_mean']} "
                f"| {k['passages_per_s']:.2f} | {k['tokens_per_s']:.0f} | {k['drift_after_to_before_ratio']:.2f} |"
            )
    lines += [
        "",
        "Ratios (1.0 would mean ingest costs nothing beyond the model itself):",
        "",
    ]
    for kind, label in labels.items():
        key = f"cold_chunks_per_s_to_raw_{kind}_ratio"
        if key in d:
            lines.append(f"- cold ingest chunks/s ÷ raw {label} passages/s = **{d[key]:.2f}**")
    if "cold_tokens_per_s_to_raw_chunk_sample_tokens_per_s_ratio" in d:
        lines.append(
            f"- cold ingest tokens/s ({d['cold_tokens_per_s']:.0f}) ÷ raw sample tokens/s = "
            f"{d['cold_tokens_per_s_to_raw_chunk_sample_tokens_per_s_ratio']:.2f}"
        )
    if "embed_ahead_phase_to_raw_chunk_sample_ratio" in d:
        lines += [
            f"- read + chunk + embed-ahead phase chunks/s ÷ raw sample passages/s = "
            f"{d['embed_ahead_phase_to_raw_chunk_sample_ratio']:.2f}",
            f"- by CPU time (all threads; far less sensitive to other jobs than the wall clock): cold ingest "
            f"chunks per CPU-second ÷ raw sample passages per CPU-second = "
            f"**{d['cold_chunks_per_cpu_s_to_raw_chunk_sample_per_cpu_s_ratio']:.2f}** (normally ≤ 1: "
            "it counts what ingest does beyond the model, not the overlap)",
        ]
    lines += [
        "",
        "## Re-ingest",
        "",
        f"- Same files, same collection: {r['total_s']:.2f} s = **{d['reingest_to_cold_ratio']:.3f} × cold** "
        f"({r['documents_unchanged']} of {r['files']} documents unchanged by source hash, "
        f"{r['passages_sent_to_embedder']} passages embedded; reading + chunking {r['prepare_s']:.2f} s, "
        f"upsert {r['upsert_s']:.3f} s).",
        f"- Same chunks into a new collection (embedding cache warm, no hash shortcut): upsert "
        f"{w['upsert_s']:.2f} s = {d['warm_cache_upsert_to_cold_upsert_ratio']:.3f} × the cold upsert "
        f"(cache hits {w['cache_hits']:,}, misses {w['cache_misses']:,}; embedding {w['embed_s']:.2f} s, "
        f"write {w['write_s']:.2f} s).",
        "",
        "## Notes",
        "",
        *[f"- {n}" for n in report["notes"]],
        "",
    ]
    return "\n".join(lines)


def _share(part: float, total: float) -> str:
    return f"{100 * part / total:.0f}%" if total > 0 else "–"
