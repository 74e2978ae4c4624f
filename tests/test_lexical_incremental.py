"""Incremental lexical index: main + delta + dead rows answer exactly like one index over the live rows.

The reference is a real ``bm25s.BM25`` built over the live rows, and a full
rebuild (compaction) of the same index; the corpus is the real topic guide,
the two party documents and a law, chunked by the real ingest pipeline.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import bm25s
import numpy as np
import pytest
from index_samples import guide, secret_report

from ingest.model import Chunk, Document, search_text
from ingest.pipeline import process_file
from rag.diacritics import DiacriticRestorer
from rag.embeddings import make_embeddings
from rag.index import Index
from rag.lexical import POINTER, LexicalIndex, Postings, document_tokens, query_tokens, read_pointer
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "corpus" / "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt"
LAW = "vn_laws/luat-quy-dinh-quyen-tu-do-hoi-hop.txt"
QUERIES = [
    "giải ngân vốn đầu tư công",
    "giai ngan von dau tu cong",
    "Đảng đoàn Quốc hội chủ trì thẩm tra",
    "chuyen doi so quoc gia",
    "Nghị quyết 57-NQ/TW khoa học công nghệ",
    "quyền tự do hội họp",
    "tam ly so sai so trach nhiem",
]


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory):
    return make_embeddings(Settings(data_dir=tmp_path_factory.mktemp("embcache")))


@pytest.fixture(scope="module")
def real_documents(embedder, shared_data_dir: Path) -> list[tuple[Document, list[Chunk]]]:
    """The topic guide, two party documents and a short law, through the real ingest pipeline (named: the shared
    folder grew from two party documents to six, and a glob made the fixture's shape depend on it)."""
    party = ("bao-cao-dang-uy-chinh-phu-thuc-hien-nq57_2025-05.txt", "ke-hoach-3260-kh-ddqh15_2025-01-10.txt")
    paths = [GUIDE, *(shared_data_dir / "party_docs" / name for name in party), shared_data_dir / LAW]
    return [process_file(p, embedder.count_tokens) for p in paths]


@pytest.fixture(scope="module")
def shared_data_dir() -> Path:
    shared = ROOT.parent / "shared" / "data"
    if not (shared / "party_docs").is_dir():
        pytest.skip(f"party documents not found at {shared / 'party_docs'} (../shared/data is absent)")
    return shared


def add_secret(index: Index) -> None:
    sdoc, schunks = secret_report()
    index.upsert([sdoc], schunks)


def tokens_of(chunk: Chunk) -> list[str]:
    return document_tokens(search_text(chunk), chunk.segmented)


def bm25s_scores(token_lists: list[list[str]], query: list[str]) -> np.ndarray:
    """Scores of a real bm25s index over exactly these rows (the reference)."""
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in tokens] for tokens in token_lists]
    reference = bm25s.BM25()
    reference.index((ids, dict(vocab)), show_progress=False)
    known = [vocab[t] for t in query if t in vocab]
    return reference.get_scores_from_ids(known) if known else np.zeros(len(token_lists))


def test_main_plus_delta_scores_equal_bm25s_over_the_live_rows(real_documents) -> None:
    chunks = [c for _, cs in real_documents for c in cs]
    assert len(chunks) > 60  # guide (~23) + party docs (~50) + law
    split = len(real_documents[0][1]) + len(real_documents[1][1])  # main: guide + first party doc
    main = LexicalIndex.build([c.chunk_id for c in chunks[:split]], [tokens_of(c) for c in chunks[:split]], 1)
    alive = np.ones(split, dtype=bool)
    alive[::4] = False  # a quarter of the main deleted since it was built
    delta_chunks = chunks[split:]
    live = [c for c, keep in zip(chunks[:split], alive, strict=True) if keep] + delta_chunks
    lexical = main.with_delta(
        [c.chunk_id for c in live], 2, alive, Postings.build([tokens_of(c) for c in delta_chunks])
    )
    rebuilt = LexicalIndex.build([c.chunk_id for c in live], [tokens_of(c) for c in live], 2)

    for query in QUERIES:
        tokens = query_tokens(query)
        ours = lexical.scores(tokens)
        reference = bm25s_scores([tokens_of(c) for c in live], tokens)
        np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-6, err_msg=query)
        ours_top, rebuilt_top = lexical.top(tokens, 10), rebuilt.top(tokens, 10)
        assert [r for r, _ in ours_top] == [r for r, _ in rebuilt_top], query
        np.testing.assert_allclose([s for _, s in ours_top], [s for _, s in rebuilt_top], rtol=1e-9)
    # the queries reach both parts: main rows and delta rows score
    delta_start = int(alive.sum())
    everything = np.vstack([lexical.scores(query_tokens(q)) for q in QUERIES])
    assert everything[:, :delta_start].max() > 0 and everything[:, delta_start:].max() > 0


def snapshot(index: Index) -> tuple[list[list[tuple[str, float]]], list[str]]:
    """Lexical top-10 (ids and scores) of every query and the restored unaccented queries."""
    side = index.side
    tops = [[(side.lexical.ids[i], round(s, 6)) for i, s in side.lexical.top(query_tokens(q), 10)] for q in QUERIES]
    restored = [side.restorer.restore(q) for q in ("giai ngan von dau tu cong", "chuyen doi so", "tu do hoi hop")]
    return tops, restored


def test_index_updates_equal_a_full_rebuild_on_real_documents(settings: Settings, embedder, real_documents) -> None:
    index = Index.open(settings, embedder)
    (gdoc, gchunks), party1, party2, law = real_documents
    index.upsert([gdoc], gchunks)
    index.compact()  # the guide is in the main; everything below goes to the delta
    main_name = read_pointer(settings.collection_dir)
    for doc, chunks in (party1, party2, law):
        index.upsert([doc], chunks)
    index.delete_document(party1[0].doc_id)
    doc2, chunks2 = guide(version=2, doc_id=gdoc.doc_id)  # replaces the real guide by a 3-chunk one
    index.upsert([doc2], chunks2)

    assert read_pointer(settings.collection_dir) == main_name  # no rebuild happened
    live = {c.chunk_id for c in index.all_chunks()}
    assert set(index.lexical.ids) == live and len(index.lexical.ids) == len(live)
    assert index.lexical.delta_rows == len(gchunks) + len(party2[1]) + len(law[1]) + len(chunks2)
    incremental = snapshot(index)

    assert index.compact() is True
    assert read_pointer(settings.collection_dir) != main_name
    add_secret(index)  # a new generation, served by the new main
    index.delete_document("secret")
    assert index.lexical.delta_rows == 0  # the secret report came and went: nothing left in the delta
    assert snapshot(index) == incremental

    index.close()
    (settings.collection_dir / POINTER).unlink()  # lost: the next open rebuilds from the chunk table
    reopened = Index.open(settings, embedder)
    assert snapshot(reopened) == incremental
    assert incremental[1][0] == "giải ngân vốn đầu tư công"


def restorer_counts(index: Index) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """Every non-zero count of the served restorer."""
    restorer = index.side.restorer
    return (
        {k: dict(v) for k, v in restorer.unigrams.items() if +v},
        {k: dict(v) for k, v in restorer.bigrams.items() if +v},
    )


def test_the_restorer_advanced_refresh_by_refresh_equals_one_counted_from_the_live_rows(
    settings: Settings, embedder
) -> None:
    """The restorer is advanced by each refresh's new log entries only (issue 23): after adds, a replacement, a
    delete and a re-add, both a writer that refreshed after every change and a reader that refreshed once
    serve exactly the counts of the live passages' texts."""
    writer = Index.open(settings, embedder)
    doc, chunks = guide()
    writer.upsert([doc], chunks)
    writer.compact()  # the guide is in the main: the changes below are all delta
    reader = Index.open(settings, embedder)
    add_secret(writer)
    doc2, chunks2 = guide(version=2, doc_id=doc.doc_id)
    writer.upsert([doc2], chunks2)  # main passages replaced
    writer.delete_document("secret")  # a delta passage removed
    add_secret(writer)  # and added again
    writer.upsert([doc], chunks)  # the main's version back, as a delta
    assert reader.refresh(wait=True)
    live = [c.text for c in writer.all_chunks()]
    expected = DiacriticRestorer.from_texts(live)
    wanted = ({k: dict(v) for k, v in expected.unigrams.items()}, {k: dict(v) for k, v in expected.bigrams.items()})
    assert restorer_counts(writer) == wanted
    assert restorer_counts(reader) == wanted
    assert reader.restorer.restore("bao cao mat") == "báo cáo mật"  # the re-added report's words
    writer.close()
    reader.close()


def test_adding_a_document_touches_only_its_rows(settings: Settings, embedder) -> None:
    index = Index.open(settings, embedder)
    doc, chunks = guide()
    index.upsert([doc], chunks)
    index.compact()
    main_name = read_pointer(settings.collection_dir)
    sdoc, schunks = secret_report()
    index.upsert([sdoc], schunks)
    assert read_pointer(settings.collection_dir) == main_name
    assert index.lexical.delta_rows == 1  # the report's one chunk
    assert index.lexical.ids[-1] == schunks[0].chunk_id
    assert index.delete_document("guide") == 3
    assert index.lexical.delta_rows == 4  # 1 added + 3 dead main rows
    assert index.lexical.ids == [schunks[0].chunk_id]


def test_compaction_runs_in_the_background_past_the_threshold(settings: Settings, embedder) -> None:
    index = Index.open(settings, embedder)
    index.compact_min_rows = 4
    doc, chunks = guide()
    first = read_pointer(settings.collection_dir)
    index.upsert([doc], chunks)  # 3 delta rows: below the threshold
    assert read_pointer(settings.collection_dir) == first and index.lexical.delta_rows == 3
    add_secret(index)  # 4 delta rows: crosses it, compacted in the background
    index.wait_for_compaction()
    assert read_pointer(settings.collection_dir) != first
    assert index.lexical.delta_rows == 0  # the writer serves the new main at once
    top = index.lexical.top(query_tokens("giai ngan von dau tu cong"), 2)
    assert {index.lexical.ids[r] for r, _ in top} == {chunks[0].chunk_id, "secret:0"}  # guide topic 1, the report
    assert index.lexical.ids[0] == chunks[0].chunk_id
    assert index.delete_document("secret") == 1  # generation 3, one dead main row

    assert index.compact() is True  # a reader may still use the previous main: only the log before it goes
    logged = index.db.execute("SELECT generation, op, chunk_id FROM lexical_log ORDER BY seq").fetchall()
    assert logged == [(3, "-", "secret:0")]


def test_a_bulk_ingest_is_folded_into_the_main_at_once(settings: Settings, embedder) -> None:
    index = Index.open(settings, embedder)
    index.compact_min_rows = 3
    first = read_pointer(settings.collection_dir)
    doc, chunks = guide()
    index.upsert([doc], chunks)  # a change as large as the threshold: no delta is served, not even briefly
    assert read_pointer(settings.collection_dir) != first
    assert index.lexical.delta_rows == 0 and index.lexical.ids == [c.chunk_id for c in chunks]


def test_refresh_retries_instead_of_installing_a_main_without_its_restorer(settings: Settings, embedder) -> None:
    """Bug 12.10: a reader that saw the new pointer before restorer.json installed an empty restorer for good."""
    writer = Index.open(settings, embedder)
    doc, chunks = guide()
    writer.upsert([doc], chunks)
    writer.compact()
    reader = Index.open(settings, embedder)
    assert reader.restorer.restore("giai ngan") == "giải ngân"

    cdir = settings.collection_dir
    current = cdir / read_pointer(cdir)
    torn = cdir / "lexical-99-0-torn"
    shutil.copytree(current, torn)
    (torn / "restorer.json").unlink()
    (torn / "generation").write_text(str(writer.generation()))
    (cdir / POINTER).write_text(torn.name)
    add_secret(writer)

    assert reader.refresh() is False  # retried, then kept serving the previous generation
    assert reader.restorer.restore("giai ngan") == "giải ngân"
    shutil.copy(current / "restorer.json", torn / "restorer.json")
    assert reader.refresh() is True
    assert reader.restorer.restore("giai ngan") == "giải ngân"
    assert schunks_in(reader, "secret")


def schunks_in(index: Index, doc_id: str) -> bool:
    return any(d == doc_id for d in index.columns.doc_id.tolist())


def test_upload_is_searchable_in_another_worker_within_5_seconds(tmp_path: Path, shared_data_dir: Path) -> None:
    """The figure `troly bench retrieval` reports, at a test's size (real law sentences, synthetic vectors)."""
    from eval.bench_retrieval_updates import render_update_markdown, run_update_benchmark

    report = run_update_benchmark(tmp_path / "bench", sizes=(300,), shared=shared_data_dir, n_sentences=60, repeats=2)
    (row,) = report["sizes"]
    assert row["chunks"] == 300  # the uploaded document was deleted again each round
    assert 0 < row["searchable_other_s"]["max"] < 5
    assert "| 300 |" in render_update_markdown(report)
