"""Bounds on what parsing one uploaded file may cost: checked while reading, never trusted from headers.

A 3.7 MB .docx can declare small sizes and still inflate to gigabytes, and a
PDF can claim a million pages. Every zip-based file is therefore inflated
member by member in small pieces *before* any parser sees it, counting the
real output against a total cap and a per-member compression ratio, and its
XML is fed to a streaming parser that stops at the allowed nesting depth.
PDFs are refused when their object table or page tree is larger than allowed.
The numbers are settings (``TROLY_MAX_UNZIPPED_MB`` …, see rag/settings.py);
:func:`configure` installs them once at start-up.
"""

from __future__ import annotations

import logging
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

from ingest.errors import IngestFileError

log = logging.getLogger(__name__)

_PIECE = 64 * 1024
"""Bytes inflated per read: memory stays bounded whatever a member claims."""
_MB = 1024 * 1024


@dataclass(frozen=True)
class ParseLimits:
    """The ceilings one file must stay under (defaults = the defaults in rag/settings.py)."""

    max_unzipped_bytes: int = 200 * _MB
    max_zip_ratio: int = 100
    max_zip_entries: int = 2000
    max_xml_depth: int = 200
    max_pdf_pages: int = 2000
    max_pdf_objects: int = 500_000

    @classmethod
    def from_settings(cls, settings: Any) -> ParseLimits:
        """Build from a :class:`rag.settings.Settings` (read by attribute so ingest does not import rag)."""
        return cls(
            max_unzipped_bytes=int(settings.max_unzipped_mb) * _MB,
            max_zip_ratio=int(settings.max_zip_ratio),
            max_zip_entries=int(settings.max_zip_entries),
            max_xml_depth=int(settings.max_xml_depth),
            max_pdf_pages=int(settings.max_pdf_pages),
            max_pdf_objects=int(settings.max_pdf_objects),
        )


_current = ParseLimits()


def configure(limits: ParseLimits) -> None:
    """Install the limits every loader applies from now on (called where the settings are built)."""
    global _current
    _current = limits


def current() -> ParseLimits:
    return _current


# ---- zip-based formats (.docx, .xlsx, .odt …) -------------------------------------------------
class _DepthGuard:
    """A streaming XML parser that only counts nesting and refuses DTDs (entity expansion)."""

    def __init__(self, path: Path, member: str, max_depth: int) -> None:
        self.path, self.member, self.max_depth = path, member, max_depth
        self.depth = 0
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.StartDoctypeDeclHandler = self._doctype

    def _start(self, *_: Any) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            raise IngestFileError(
                self.path, f"XML in {self.member} nests deeper than {self.max_depth} levels (TROLY_MAX_XML_DEPTH)"
            )

    def _end(self, *_: Any) -> None:
        self.depth -= 1

    def _doctype(self, *_: Any) -> None:
        raise IngestFileError(self.path, f"{self.member} declares a DTD, which Office files never do; refused")

    def feed(self, data: bytes, final: bool = False) -> None:
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError as exc:
            raise IngestFileError(self.path, f"broken XML in {self.member} ({exc})") from exc


def _too_big(path: Path, limits: ParseLimits) -> IngestFileError:
    mb = limits.max_unzipped_bytes // _MB
    return IngestFileError(path, f"inflates to more than {mb} MB (zip bomb?); limit TROLY_MAX_UNZIPPED_MB")


def check_zip(path: Path, limits: ParseLimits | None = None) -> None:
    """Inflate every member in pieces, counting real bytes; raise IngestFileError at the first limit passed.

    Sizes written in the zip headers are not trusted: only bytes actually
    produced count. XML members also pass through :class:`_DepthGuard`.
    """
    limits = limits or _current
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IngestFileError(path, f"not a valid zip-based file ({type(exc).__name__})") from exc
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_zip_entries:
            raise IngestFileError(
                path, f"{len(members)} entries in the archive (limit {limits.max_zip_entries}, TROLY_MAX_ZIP_ENTRIES)"
            )
        total = 0
        for info in members:
            total = _inflate_member(path, archive, info, total, limits)


def _inflate_member(
    path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, total: int, limits: ParseLimits
) -> int:
    """Inflate one member with the caps applied; returns the running total of inflated bytes."""
    guard = _DepthGuard(path, info.filename, limits.max_xml_depth) if _is_xml(info.filename) else None
    compressed = max(info.compress_size, 1)
    produced = 0
    try:
        with archive.open(info) as member:
            while piece := member.read(_PIECE):
                produced += len(piece)
                total += len(piece)
                if total > limits.max_unzipped_bytes:
                    raise _too_big(path, limits)
                if produced > 1 * _MB and produced > limits.max_zip_ratio * compressed:
                    raise IngestFileError(
                        path,
                        f"{info.filename} inflates more than {limits.max_zip_ratio}× (zip bomb?); "
                        "limit TROLY_MAX_ZIP_RATIO",
                    )
                if guard is not None:
                    guard.feed(piece)
        if guard is not None:
            guard.feed(b"", final=True)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise IngestFileError(path, f"corrupt archive member {info.filename} ({type(exc).__name__})") from exc
    return total


def _is_xml(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels"))


# ---- PDF ----------------------------------------------------------------------------------
def check_pdf(path: Path, reader: Any, limits: ParseLimits | None = None) -> None:
    """Refuse a PDF whose object table or page tree passes the limits, before any page is parsed.

    The declared page count (/Count) is checked first, so a hostile page tree
    is never walked; the object count is the xref table pypdf actually read.
    """
    limits = limits or _current
    objects = sum(len(v) for v in getattr(reader, "xref", {}).values()) + len(getattr(reader, "xref_objStm", {}))
    try:
        declared = int(reader.trailer.get("/Size", 0))
    except (TypeError, ValueError, AttributeError):
        declared = 0
    if max(objects, declared) > limits.max_pdf_objects:
        raise IngestFileError(
            path,
            f"{max(objects, declared)} objects in the PDF (limit {limits.max_pdf_objects}, TROLY_MAX_PDF_OBJECTS)",
        )
    try:
        count = int(reader.trailer["/Root"]["/Pages"].get("/Count", 0))
    except Exception:  # a broken page tree is reported by the page walk below
        count = 0
    if count > limits.max_pdf_pages:
        raise IngestFileError(path, f"{count} pages (limit {limits.max_pdf_pages}, TROLY_MAX_PDF_PAGES)")
    pages = len(reader.pages)
    if pages > limits.max_pdf_pages:
        raise IngestFileError(path, f"{pages} pages (limit {limits.max_pdf_pages}, TROLY_MAX_PDF_PAGES)")
    log.debug("pdf within limits: %d objects, %d pages", objects, pages)
