"""The passage viewer never opens a cited passage on another topic's text (issue 26.6)."""

from __future__ import annotations

from pathlib import Path

from rag.settings import Settings
from service.auth import User
from service.troly import TrolyService

ADMIN = User(name="quan_tri", role="admin", clearance="tuyet_mat")


def test_passage_viewer_opened_on_topic_5_title_does_not_show_topic_4(tmp_path: Path, topic_guide_path: Path) -> None:
    service = TrolyService(Settings(data_dir=tmp_path / "data"))
    report = service.ingest_paths(ADMIN, [topic_guide_path], "public")
    assert not report.errors
    (listed,) = service.documents(ADMIN)
    doc = service.document(ADMIN, listed.doc_id)
    title = "5. Chủ động ứng phó thiên tai"  # the heading line of topic 5, typed from the guide
    start = doc.text.index(title)
    shown = service.passage(ADMIN, doc.doc_id, start, start + len(title))
    window_start = start - shown["quote_start"]
    assert window_start >= start  # a short quote is widened, but not back into topic 4
    assert "Đột phá chuyển đổi số" not in shown["text"]  # topic 4's title
    assert shown["text"][shown["quote_start"] : shown["quote_end"]] == title
