"""Readers never wait on writers; several processes writing one collection never corrupt each other (12.9, 12.10)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from index_samples import guide, secret_report

from rag.embeddings import make_embeddings
from rag.index import Index, _transaction
from rag.lexical import read_pointer
from rag.retrieval import HybridRetriever
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory):
    return make_embeddings(Settings(data_dir=tmp_path_factory.mktemp("embcache")))


def test_reads_do_not_wait_for_a_commit_in_progress(settings: Settings, embedder) -> None:
    """Bug 12.9: one lock serialised the server; a search waited for a whole upload."""
    index = Index.open(settings, embedder)
    doc, chunks = guide()
    index.upsert([doc], chunks)
    retriever = HybridRetriever(index=index, settings=settings)
    retriever.search("giai ngan von dau tu cong", k=2)  # warm-up: lazy loads
    holding, release = threading.Event(), threading.Event()

    class RolledBack(Exception):
        pass

    def slow_commit() -> None:  # holds the writer locks and an open write transaction, like a long commit
        try:
            with index._writer(), _transaction(index.db, write=True):
                index.db.execute("DELETE FROM chunks")
                holding.set()
                release.wait(60)
                raise RolledBack
        except RolledBack:
            pass

    writer = threading.Thread(target=slow_commit)
    writer.start()
    try:
        assert holding.wait(30)
        started = time.perf_counter()
        hits = retriever.search("giai ngan von dau tu cong", k=2)
        assert index.count() == 3 and len(index.documents()) == 1  # the committed state, not the pending delete
        assert index.get_chunks([chunks[0].chunk_id]) == [chunks[0]]
        assert index.refresh() is False
        elapsed = time.perf_counter() - started
    finally:
        release.set()
        writer.join()
    assert hits[0].chunk.topic == 1
    assert elapsed < 5, f"reads took {elapsed:.1f}s while a commit was in progress"
    assert index.count() == 3


WRITER = """
import sys
from index_samples import guide, secret_report
from rag.embeddings import make_embeddings
from rag.index import Index
from rag.settings import Settings
settings = Settings(data_dir=sys.argv[1])
index = Index.open(settings, make_embeddings(Settings(data_dir=sys.argv[2])))
for round in range(int(sys.argv[3])):
    doc, chunks = secret_report() if round % 2 else guide(version=1 + round % 3 // 2)
    index.upsert([doc], chunks)
    index.compact()
    if round % 2:
        index.delete_document(doc.doc_id)
index.close()
print("done")
"""


def test_two_writer_processes_and_a_reader_stay_consistent(
    settings: Settings, embedder, tmp_path: Path, chroma_server: str
) -> None:
    """Bug 12.10: writers shared one temp name and deleted each other's directories; a reader saw half a state."""
    settings = settings.model_copy(update={"chroma": chroma_server})
    index = Index.open(settings, embedder)
    doc, chunks = guide()
    index.upsert([doc], chunks)
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}", "TROLY_CHROMA": chroma_server}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(settings.data_dir), str(tmp_path / f"cache{n}"), "6"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(2)
    ]
    retriever = HybridRetriever(index=index, settings=settings)
    seen = 0
    while any(w.poll() is None for w in writers):
        retriever.search("giai ngan von dau tu cong", k=3)
        side = index.side
        assert len(side.lexical.ids) == len(side.columns.doc_id)
        assert side.restorer.restore("giai ngan") == "giải ngân"  # never an empty restorer
        seen = max(seen, side.lexical.generation)
        time.sleep(0.05)
    for w in writers:
        out, err = w.communicate()
        assert w.returncode == 0, err.decode()[-2000:]
        assert out.decode().strip() == "done"
    assert seen > 1  # the reader followed the writers' generations while they ran
    index.refresh()
    assert index.side.lexical.generation == index.generation()
    assert sorted(index.lexical.ids) == sorted(c.chunk_id for c in index.all_chunks())
    assert sorted(index.collection.get(include=[])["ids"]) == sorted(index.lexical.ids)
    leftovers = [p.name for p in settings.collection_dir.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    mains = sorted(p.name for p in settings.collection_dir.glob("lexical-*"))
    assert read_pointer(settings.collection_dir) in mains and len(mains) <= 2
    assert secret_report()[0].doc_id not in {d.doc_id for d in index.documents()}


def test_before_commit_runs_under_the_writer_lock_and_can_refuse(settings: Settings, embedder) -> None:
    """The service re-checks "may this user replace these documents" atomically with the commit."""
    index = Index.open(settings, embedder)
    doc, chunks = guide()
    index.upsert([doc], chunks)
    seen: list[bool] = []

    def refuse() -> None:
        def probe() -> None:
            with index._writer(blocking=False) as free:
                seen.append(free)

        other = threading.Thread(target=probe)
        other.start()
        other.join()
        raise PermissionError("would replace a document above the user's clearance")

    doc2, chunks2 = guide(version=2)
    with pytest.raises(PermissionError):
        index.upsert([doc2], chunks2, before_commit=refuse)
    assert seen == [False]  # another writer could not get in between the check and the commit
    assert index.get_document("guide").text == doc.text and index.generation() == 1
    assert sorted(index.collection.get(include=[])["ids"]) == sorted(c.chunk_id for c in chunks)
