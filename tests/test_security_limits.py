"""ingest/limits.py on generated hostile files: each limit stops the file with a reason naming its setting.

The files are made here, by hand-written recipes, so each test fails if its
limit is not applied while reading (the sizes in the zip headers are not used).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document as DocxDocument

from ingest.errors import IngestFileError
from ingest.limits import ParseLimits, check_pdf, check_zip
from ingest.loaders import docx as docx_loader
from ingest.loaders import pdf as pdf_loader
from rag.settings import Settings

MB = 1024 * 1024


def _docx_with(tmp_path: Path, name: str, body_xml: bytes = b"", extra: dict[str, bytes] | None = None) -> Path:
    """A real .docx whose document body gets ``body_xml`` appended, plus extra members."""
    base = io.BytesIO()
    doc = DocxDocument()
    doc.add_paragraph("Báo cáo kết quả thực hiện nghị quyết.")
    doc.save(base)
    src = zipfile.ZipFile(io.BytesIO(base.getvalue()))
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml" and body_xml:
                head, tail = data.split(b"<w:body>")
                data = head + b"<w:body>" + body_xml + tail
            out.writestr(info.filename, data)
        for member, data in (extra or {}).items():
            out.writestr(member, data)
    return path


def test_plain_docx_passes_every_limit(tmp_path: Path) -> None:
    path = _docx_with(tmp_path, "binh-thuong.docx")
    check_zip(path)
    assert "Báo cáo kết quả" in docx_loader.load(path).text


def test_total_inflated_size_is_counted_while_inflating(tmp_path: Path) -> None:
    # 3 MB of varied text compresses only ~3x, so only the total cap (1 MB here) can stop it
    varied = "".join(f"<!-- {n} {n * 7919 % 10007} -->" for n in range(150_000)).encode()
    path = _docx_with(tmp_path, "lon.docx", varied)
    with pytest.raises(IngestFileError, match="TROLY_MAX_UNZIPPED_MB"):
        check_zip(path, ParseLimits(max_unzipped_bytes=1 * MB))


def test_compression_ratio_stops_a_bomb_member(tmp_path: Path) -> None:
    path = _docx_with(tmp_path, "bom.docx", b" " * (20 * MB))
    with pytest.raises(IngestFileError, match="TROLY_MAX_ZIP_RATIO"):
        docx_loader.load(path)


def test_entry_count_is_limited(tmp_path: Path) -> None:
    extra = {f"customXml/troly{n}.xml": b"<a/>" for n in range(60)}
    path = _docx_with(tmp_path, "nhieu-muc.docx", extra=extra)
    with pytest.raises(IngestFileError, match="TROLY_MAX_ZIP_ENTRIES"):
        check_zip(path, ParseLimits(max_zip_entries=50))


def test_xml_depth_is_limited(tmp_path: Path) -> None:
    deep = b"<w:p>" * 500 + b"</w:p>" * 500
    path = _docx_with(tmp_path, "long-nhau.docx", deep)
    with pytest.raises(IngestFileError, match="TROLY_MAX_XML_DEPTH"):
        docx_loader.load(path)


def test_dtd_in_an_office_part_is_refused(tmp_path: Path) -> None:
    laughs = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "hahahaha">]><l>&a;</l>'
    path = _docx_with(tmp_path, "dtd.docx", extra={"customXml/troly-dtd.xml": laughs})
    with pytest.raises(IngestFileError, match="DTD"):
        check_zip(path)


def _pdf_pages(n: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(n):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_page_count_is_limited(tmp_path: Path) -> None:
    from pypdf import PdfReader

    path = tmp_path / "nhieu-trang.pdf"
    path.write_bytes(_pdf_pages(30))
    with pytest.raises(IngestFileError, match="TROLY_MAX_PDF_PAGES"):
        check_pdf(path, PdfReader(str(path)), ParseLimits(max_pdf_pages=20))
    check_pdf(path, PdfReader(str(path)), ParseLimits(max_pdf_pages=30))


def test_pdf_object_count_is_limited(tmp_path: Path) -> None:
    from pypdf import PdfReader

    path = tmp_path / "nhieu-doi-tuong.pdf"
    path.write_bytes(_pdf_pages(150))  # ~300 objects (page + content per page)
    with pytest.raises(IngestFileError, match="TROLY_MAX_PDF_OBJECTS"):
        check_pdf(path, PdfReader(str(path)), ParseLimits(max_pdf_objects=100))


def test_loader_applies_the_configured_limits(tmp_path: Path) -> None:
    from ingest import limits

    path = tmp_path / "nhieu-trang.pdf"
    path.write_bytes(_pdf_pages(12))
    limits.configure(ParseLimits.from_settings(Settings(max_pdf_pages=10)))
    try:
        with pytest.raises(IngestFileError, match="12 pages"):
            pdf_loader.load(path)
    finally:
        limits.configure(ParseLimits())


def test_every_limit_is_a_setting() -> None:
    fields = Settings.model_fields
    for name in ("max_unzipped_mb", "max_zip_ratio", "max_zip_entries", "max_xml_depth", "max_pdf_pages",
                 "max_pdf_objects", "max_upload_mb"):  # fmt: skip
        assert name in fields and fields[name].description
