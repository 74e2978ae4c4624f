"""The learned second stage (rag/rerank.py): its features, its re-ordering, its weights file, its plumbing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.model import Chunk, Document, content_hash
from rag.embeddings import make_embeddings
from rag.index import Index
from rag.rerank import FEATURES, WEIGHTS, Reranker, RerankWeightsError, features, load
from rag.retrieval import Hit, HybridRetriever
from rag.settings import Settings


def hit(doc_id: str, title: str, text: str, score: float, start: int = 500, path: str = "") -> Hit:
    chunk = Chunk(f"{doc_id}:{start}", doc_id, title, "other", text, start, start + len(text), heading_path=path)
    return Hit(chunk, score, dense_rank=None, lexical_rank=None)


HITS = [
    hit("luat", "Luật Công đoàn", "Kinh phí công đoàn do doanh nghiệp đóng.", 0.9),
    hit("tt", "Thông tư 01/2011/TT-BNV hướng dẫn thể thức văn bản", "Phông chữ tiếng Việt.", 0.5),
    hit("kh", "Kế hoạch 12-KH/TU", "Ban Tuyên giáo chủ trì.", 0.3, start=0, path="II. NHIỆM VỤ › 1. Thể thức văn bản"),
]


def column(matrix, name: str) -> list[float]:
    return [round(float(v), 3) for v in matrix[:, FEATURES.index(name)]]


def test_features_read_the_title_the_heading_path_the_code_and_the_kind_named() -> None:
    m = features("Theo Thông tư 01/2011/TT-BNV thể thức văn bản thế nào?", HITS)
    assert column(m, "code") == [0.0, 1.0, 0.0]
    assert column(m, "kind") == [0.0, 1.0, 0.0]
    # content words "theo thông tư 01/2011/tt-bnv thể thức văn bản": the circular's title holds all but "theo"
    assert column(m, "title")[1] == round(7 / 8, 3) and column(m, "title")[0] == 0.0
    assert column(m, "heading")[2] > 0.0 and column(m, "heading")[:2] == [0.0, 0.0]
    assert column(m, "fused_rank") == [1.0, 0.5, 0.333]
    assert column(m, "first") == [0.712, 0.712, 1.0]  # 1 / (1 + ln 1.5) for a passage 500 characters in


def test_a_document_kind_named_without_a_number_is_a_feature() -> None:
    m = features("Thông tư nào hướng dẫn thể thức văn bản?", HITS)
    assert column(m, "kind") == [0.0, 1.0, 0.0]
    assert column(m, "code") == [0.0, 0.0, 0.0]


def test_rerank_orders_the_top_by_the_weights_and_keeps_the_rest() -> None:
    only_code = Reranker({"code": 1.0}, 0.0)
    tail = hit("x", "Khác", "Không liên quan.", 0.1)
    out = only_code.rerank("Thông tư 01/2011/TT-BNV quy định gì?", [*HITS, tail])
    assert [h.chunk.doc_id for h in out] == ["tt", "luat", "kh", "x"]
    assert [h.score for h in out] == [0.5, 0.9, 0.3, 0.1]  # the fused scores are left as they were


def test_missing_weights_are_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RerankWeightsError, match=r"rerank\.json: không đọc được"):
        load(tmp_path / "rerank.json")


def test_the_shipped_weights_name_every_feature_and_how_they_were_fitted() -> None:
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES)
    assert sorted(data["weights"]) == sorted(FEATURES)
    assert "eval.fit_rerank" in data["trained"]
    assert isinstance(data["default"], bool)


@pytest.fixture(scope="module")
def two_circulars(tmp_path_factory: pytest.TempPathFactory) -> Index:
    settings = Settings(data_dir=tmp_path_factory.mktemp("rerank"))
    index = Index.open(settings, make_embeddings(settings))
    docs, chunks = [], []
    for doc_id, title, text in (
        ("bnv", "Thông tư 01/2011/TT-BNV", "Thể thức và kỹ thuật trình bày văn bản hành chính."),
        ("lao", "Bộ luật Lao động", "Thời giờ làm việc bình thường không quá 08 giờ trong 01 ngày."),
        ("cd", "Luật Công đoàn", "Kinh phí công đoàn do cơ quan, tổ chức, doanh nghiệp đóng bằng 2% quỹ lương."),
    ):
        docs.append(Document(doc_id, title, f"/d/{doc_id}.txt", "other", text, content_hash(text)))
        chunks.append(Chunk(f"{doc_id}:0", doc_id, title, "other", text, 0, len(text)))
    index.upsert(docs, chunks)
    return index


def test_the_learned_stage_reorders_only_what_fusion_found(two_circulars: Index) -> None:
    settings = two_circulars.settings
    question = "Thông tư nào hướng dẫn trình bày văn bản hành chính?"
    plain = HybridRetriever(two_circulars, settings, rerank=False).search(question, k=3)
    learned = HybridRetriever(two_circulars, settings, rerank=True).search(question, k=3)
    assert sorted(h.chunk.chunk_id for h in learned) == sorted(h.chunk.chunk_id for h in plain)
    assert learned[0].chunk.doc_id == "bnv"
    dense = HybridRetriever(two_circulars, settings, mode="dense", rerank=True).search(question, k=3)
    assert [h.chunk.chunk_id for h in dense] == [
        h.chunk.chunk_id for h in HybridRetriever(two_circulars, settings, mode="dense").search(question, k=3)
    ]
