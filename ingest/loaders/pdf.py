"""PDF text layer, one string per page: PDFium with the page layout (tables, paragraph gaps), else pypdf.

Only the embedded text layer is read; a scanned PDF (images only) is
refused with "needs OCR" rather than producing an empty document that
would silently never be found. Encrypted PDFs are opened when they only
have an owner password (common for "no copying" office PDFs); a real user
password is reported.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from ingest import text_quality
from ingest.errors import IngestFileError
from ingest.limits import check_pdf
from ingest.loaders import pdf_layout, pdfium
from ingest.loaders.base import DEFAULT_MAX_BYTES, RawDocument, read_checked_bytes

logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns on every slightly odd file


def _open(path: Path) -> PdfReader:
    try:
        reader = PdfReader(str(path))
    except (PdfReadError, PyPdfError, ValueError, KeyError, OSError) as exc:
        raise IngestFileError(path, f"not a valid PDF (corrupt: {type(exc).__name__})") from exc
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except (PdfReadError, PyPdfError, NotImplementedError) as exc:
            raise IngestFileError(path, f"password-protected PDF ({type(exc).__name__})") from exc
        if not opened:
            raise IngestFileError(path, "password-protected PDF; save an unprotected copy")
    return reader


def _page_texts(path: Path, reader: PdfReader) -> list[str]:
    try:
        return [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise IngestFileError(path, f"cannot extract text from PDF ({type(exc).__name__})") from exc


def _metadata_title(reader: PdfReader) -> str | None:
    """The PDF's own title, unless it is converter noise ("Microsoft Word - bc.docx", a file name such as the
    "page.html" a browser prints into it)."""
    try:
        title = ((reader.metadata.title if reader.metadata else None) or "").strip()
    except (PdfReadError, PyPdfError, AttributeError, TypeError):
        return None
    title = re.sub(r"^Microsoft (?:Word|PowerPoint|Excel) - ", "", title)
    if (
        not title
        or re.search(r"\.(?:docx?|pdf|odt|rtf|txt|html?)$", title, re.IGNORECASE)
        or title.lower() == "untitled"
    ):
        return None
    return title


def load(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> RawDocument:
    """Per-page text of a PDF (``pages``), joined by newlines in ``text``."""
    data = read_checked_bytes(path, max_bytes)
    if b"%PDF" not in data[:1024]:
        raise IngestFileError(path, "not a PDF file (no %PDF header); check its real type")
    reader = _open(path)
    check_pdf(path, reader)  # object and page counts within the limits before any page is parsed
    laid_out = _laid_out_pages(path, len(reader.pages))
    if laid_out is not None:
        meta: dict[str, object] = {
            "format": "pdf",
            "pages": len(laid_out),
            "extractor": "pdfium-layout",
            "paragraph_gaps": True,
        }
        return RawDocument(text="\n".join(laid_out), pages=laid_out, title=_metadata_title(reader), meta=meta)
    pages = _page_texts(path, reader)
    if not any(p.strip() for p in pages):
        raise IngestFileError(path, f"needs OCR: no text layer in {len(pages)} page(s) (scanned PDF?)")
    meta = {"format": "pdf", "pages": len(pages)}
    pages = _readable_pages(path, pages, meta)
    return RawDocument(text="\n".join(pages), pages=pages, title=_metadata_title(reader), meta=meta)


def _laid_out_pages(path: Path, count: int) -> list[str] | None:
    """Pages read from glyph positions (tables as rows, paragraph gaps kept), when PDFium reads them well."""
    pages = pdf_layout.page_texts(path)
    if pages is None or len(pages) != count or not any(p.strip() for p in pages):
        return None
    return pages if text_quality.measure("\n".join(pages)).readable else None


def _readable_pages(path: Path, pages: list[str], meta: dict[str, object]) -> list[str]:
    """pypdf's pages, or PDFium's when they read better; a warning in ``meta`` when neither reads well."""
    quality = text_quality.measure("\n".join(pages))
    if quality.readable:
        return pages
    retry = pdfium.page_texts(path)
    if retry is not None and len(retry) == len(pages):
        retried = text_quality.measure("\n".join(retry))
        if text_quality.better(retried, quality):
            pages, quality = retry, retried
            meta["extractor"] = "pdfium"
    if not quality.readable:
        meta["quality_warning"] = quality.describe()
    return pages
