"""Second PDF text extractor (PDFium, the engine of Chromium's viewer), used when pypdf's text reads badly.

pypdf rebuilds text from content-stream operators and can put a space around every glyph when a font falls
back; PDFium lays glyphs out as a viewer does. Measured on Chromium-printed renditions of the shared plan, report
and luat-an-ninh-quoc-gia (word sequence against the .txt: 0.9985 / 0.974 / 0.9997 for both; PDFium 6-15x faster),
both give the same words, so pypdf stays first (its encryption and limit checks run on the same reader) and PDFium
is tried only when :mod:`ingest.text_quality` finds the first text unreadable.
"""

from __future__ import annotations

import logging
from pathlib import Path

logger = logging.getLogger(__name__)


def page_texts(path: Path) -> list[str] | None:
    """Text of each page, or None when PDFium cannot read the file (the pypdf text is then kept)."""
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
        pages = []
        for page in document:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n"))
            textpage.close()
            page.close()
        return pages
    except pdfium.PdfiumError as exc:
        logger.info("%s: PDFium cannot extract text (%s)", path, type(exc).__name__)
        return None
    finally:
        document.close()
