"""Server mode: a real `chroma run` on a free loopback port, used through TROLY_CHROMA=host:port."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from index_samples import guide
from servers import free_port, running

from rag.index import Index, IndexUnavailableError
from rag.retrieval import HybridRetriever
from rag.settings import Settings


def chroma_cli() -> str:
    found = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    if not Path(found).exists():
        pytest.skip("the `chroma` CLI is not installed in this environment")
    return found


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    """Start `chroma run`, wait for its heartbeat, yield "127.0.0.1:PORT", stop it."""
    port = free_port()
    cmd = [chroma_cli(), "run", "--path", str(tmp_path / "server"), "--port", str(port), "--host", "127.0.0.1"]
    with running(cmd, f"http://127.0.0.1:{port}/api/v2/heartbeat", tmp_path / "chroma.log", seconds=60):
        yield f"127.0.0.1:{port}"


@pytest.mark.slow
def test_index_on_a_chroma_server(chroma_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TROLY_CHROMA", chroma_server)
    monkeypatch.setenv("TROLY_DATA_DIR", str(tmp_path / "data"))
    settings = Settings()
    assert settings.chroma == chroma_server
    index = Index.open(settings)
    doc, chunks = guide()
    assert index.upsert([doc], chunks).chunks_added == 3
    assert sorted(index.collection.get(include=[])["ids"]) == sorted(c.chunk_id for c in chunks)
    assert not settings.chroma_dir.exists()  # nothing went to an embedded store

    hits = HybridRetriever(index=index, settings=settings).search("giai ngan von dau tu cong", k=2)
    assert hits[0].chunk.topic == 1 and hits[0].dense_rank == 1

    assert index.delete_document("guide") == 3
    assert index.collection.get(include=[])["ids"] == []
    assert index.count() == 0


def test_unreachable_server_is_one_clear_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", chroma=f"127.0.0.1:{free_port()}")
    with pytest.raises(IndexUnavailableError, match="chroma run"):
        Index.open(settings)
