"""The index's documents summary table: lists and clearance checks read it, never a document's text (issue 23.4)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from index_samples import guide, secret_report

from ingest.model import DocumentSummary
from rag.embeddings import make_embeddings
from rag.index import Index
from rag.settings import Settings
from service.auth import User
from service.troly import TrolyService
from service.views import ClearanceView

READER = User(name="doc_gia", role="reader", clearance="internal")
ADMIN = User(name="quan_tri", role="admin", clearance="tuyet_mat")


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory):
    return make_embeddings(Settings(data_dir=tmp_path_factory.mktemp("embcache")))


@pytest.fixture
def index(settings: Settings, embedder):
    index = Index.open(settings, embedder)
    doc, chunks = guide()
    sdoc, schunks = secret_report()
    index.upsert([doc, sdoc], chunks + schunks)
    yield index
    index.close()


def test_summaries_carry_title_level_and_sizes_but_no_text(index: Index) -> None:
    guide_doc, _ = guide()
    summaries = {s.doc_id: s for s in index.document_summaries()}
    assert sorted(summaries) == ["guide", "secret"]
    g = summaries["guide"]
    assert isinstance(g, DocumentSummary)
    assert (g.title, g.classification, g.doc_type, g.path) == (
        "Gợi ý chuyên đề thảo luận",
        "public",
        "topic_guide",
        "/corpus/guide.txt",
    )
    assert g.topics == 3  # the guide has topics 1, 2 and 3 (tests/index_samples.py)
    assert g.chars == len(guide_doc.text)
    assert g.kind_name == "Gợi ý chuyên đề"
    assert summaries["secret"].classification == "mat"
    assert not hasattr(g, "text")
    assert index.document_levels() == {"guide": "public", "secret": "mat"}


def test_summary_follows_update_and_delete(index: Index) -> None:
    doc2, chunks2 = guide(version=2)
    index.upsert([doc2], chunks2)
    (g,) = [s for s in index.document_summaries() if s.doc_id == "guide"]
    assert g.chars == len(doc2.text)
    assert g.source_hash == doc2.source_hash
    index.delete_document("secret")
    assert [s.doc_id for s in index.document_summaries()] == ["guide"]
    assert index.document_levels() == {"guide": "public"}


def test_an_index_written_before_the_summary_table_is_summarised_on_open(
    settings: Settings, embedder, index: Index
) -> None:
    index.close()
    db = sqlite3.connect(settings.collection_dir / "index.sqlite3")
    db.execute("DROP TABLE document_summaries")  # as an index written by an older troly
    db.commit()
    db.close()
    reopened = Index.open(settings, embedder)
    try:
        assert [(s.doc_id, s.classification) for s in reopened.document_summaries()] == [
            ("guide", "public"),
            ("secret", "mat"),
        ]
    finally:
        reopened.close()


def test_clearance_view_hides_chunks_of_a_document_above_the_level(index: Index) -> None:
    view = ClearanceView(index, "internal")
    assert {c.doc_id for c in view.all_chunks()} == {"guide"}
    secret_ids = [c.chunk_id for c in index.all_chunks() if c.doc_id == "secret"]
    assert secret_ids
    assert view.get_chunks(secret_ids) == []


def test_service_lists_summaries_within_the_callers_clearance(tmp_path: Path, topic_guide_path: Path) -> None:
    service = TrolyService(Settings(data_dir=tmp_path / "data"))
    report = service.ingest_paths(ADMIN, [topic_guide_path], "mat")
    assert not report.errors
    (listed,) = service.documents(ADMIN)
    assert isinstance(listed, DocumentSummary)
    assert listed.classification == "mat"
    assert listed.topics > 0
    assert service.documents(READER) == []
