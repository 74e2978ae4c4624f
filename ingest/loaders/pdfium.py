"""Second PDF text extractor (PDFium, the engine of Chromium's viewer), used when pypdf's text reads badly.

pypdf rebuilds text from content-stream operators and can put a space around every glyph when a font falls
back; PDFium lays glyphs out as a viewer does. Measured on Chromium-printed renditions of the shared plan, report
and luat-an-ninh-quoc-gia (word sequence against the .txt: 0.9985 / 0.974 / 0.9997 for both; PDFium 6-15x faster),
both give the same words, so pypdf stays first (its encryption and limit checks run on the same reader) and PDFium
is tried only when :mod:`ingest.text_quality` finds the first text unreadable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")


def read_pages(path: Path, read: Callable[[Any], T]) -> list[T] | None:
    """``read(page)`` for every page, or None when PDFium is missing or cannot read the file (the caller then
    keeps another extractor's text); ``read`` may raise ``PdfiumError``."""
    try:
        import pypdfium2 as pdfium
    except ImportError:  # an optional engine: without it the first extraction stands
        return None
    try:
        document = pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError) as exc:
        logger.info("%s: PDFium cannot open the file (%s)", path, type(exc).__name__)
        return None
    try:
        return [read(page) for page in document]
    except pdfium.PdfiumError as exc:
        logger.info("%s: PDFium cannot extract text (%s)", path, type(exc).__name__)
        return None
    finally:
        document.close()


def page_texts(path: Path) -> list[str] | None:
    """Text of each page, or None when PDFium cannot read the file (the pypdf text is then kept)."""
    return read_pages(path, _page_text)


def _page_text(page: Any) -> str:
    textpage = page.get_textpage()
    try:
        return textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
    finally:
        textpage.close()
        page.close()
