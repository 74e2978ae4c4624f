"""Files in, documents and chunks out: the one entry point the index builds on.

``load_document`` runs every cleaning step in a fixed order:

    load (per format) → legacy-font decode → normalize_text (per page)
    → reflow (PDF always; text files only when hard-wrapped) → parse_structure

Normalizing before reflow lets reflow see final spellings; both steps keep
page boundaries, so PDF page starts are exact offsets into the final text.
``ingest_files`` never raises for one bad file: each failure becomes an
``IngestError`` line and the batch goes on.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from ingest.chunking import chunk_document
from ingest.documents import document_starts, enrich
from ingest.errors import IngestFileError
from ingest.header import compose_title
from ingest.legacy_encoding import convert_lines, detect_legacy_encoding
from ingest.loaders import docx as docx_loader
from ingest.loaders import html as html_loader
from ingest.loaders import pdf as pdf_loader
from ingest.loaders import text as text_loader
from ingest.loaders.base import DEFAULT_MAX_BYTES, RawDocument, require_text
from ingest.model import Chunk, Document, DocumentMeta, IngestError
from ingest.normalize import fold, normalize_text
from ingest.reflow import is_hard_wrapped, reflow_pages, tidy_lines
from ingest.structure import parse_structure

logger = logging.getLogger(__name__)

LOADERS: dict[str, ModuleType] = {
    ".txt": text_loader,
    ".md": text_loader,
    ".docx": docx_loader,
    ".pdf": pdf_loader,
    ".html": html_loader,
    ".htm": html_loader,
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(LOADERS)


@dataclass
class IngestResult:
    """Everything one batch produced; ``errors`` lists the skipped files with one-line reasons."""

    documents: list[Document] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    """doc_ids skipped without reading because the index already holds this exact version."""
    warnings: list[IngestError] = field(default_factory=list)
    """Files ingested with a caveat (e.g. "low text quality") — one line each, naming the file."""


@dataclass
class Progress:
    """Passed to ``on_progress`` after each file (done counts files finished so far, this one included)."""

    path: Path
    done: int
    total: int
    chunks: int
    """Chunks produced by this file (0 when it failed)."""
    error: str | None = None


def _is_hidden(path: Path, root: Path) -> bool:
    rel = path.relative_to(root) if path.is_relative_to(root) else Path(path.name)
    return any(part.startswith(".") for part in rel.parts)


def discover_files(paths: Iterable[Path], supported_only: bool = False) -> list[Path]:
    """Files named directly plus all files under named folders (recursive, sorted, hidden ones skipped).

    Unsupported files are kept unless ``supported_only`` so that the batch can
    report them ("unsupported file type") instead of silently ignoring them.
    """
    found: set[Path] = set()
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found.update(p for p in path.rglob("*") if p.is_file() and not _is_hidden(p, path))
        else:
            found.add(path)
    files = sorted(found)
    return [p for p in files if p.suffix.lower() in SUPPORTED_SUFFIXES] if supported_only else files


def file_hash(path: Path) -> str:
    """sha256 of the file bytes (first 16 hex): unchanged file ⇒ unchanged hash ⇒ nothing to redo."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def make_doc_id(path: Path, root: Path | None = None) -> str:
    """Stable ASCII id from the path relative to ``root`` (or the file name).

    'Báo cáo/Tổng kết.docx' → 'bao-cao/tong-ket.docx': readable in logs and
    citations, safe as a Chroma id, and unchanged as long as the file stays put.
    """
    rel = path.name
    if root is not None:
        try:
            rel = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            rel = path.name
    slug = re.sub(r"[^a-z0-9._/]+", "-", fold(rel)).strip("-")
    slug = re.sub(r"-*/-*", "/", slug)
    return slug or "document"


def _vocabulary(text: str, size: int) -> dict[str, Counter[str]]:
    """Folded n-gram (n = ``size`` words) → how the document itself spells it, with counts."""
    words = [w.lower() for w in re.findall(r"[^\W_]+", text)]
    table: dict[str, Counter[str]] = {}
    for i in range(len(words) - size + 1):
        gram = " ".join(words[i : i + size])
        table.setdefault(fold(gram), Counter())[gram] += 1
    return table


def title_from_name(path: Path, text: str) -> str:
    """A readable title from an unaccented file name, re-accented from the document's own words.

    "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt" with a text that
    contains "gợi ý", "thảo luận", "hội nghị" … → "Gợi ý chuyên đề thảo luận
    hội nghị tổng kết 2025". Word pairs are tried before single words so
    that ambiguous syllables take the spelling of their context.
    """
    names = [w for w in re.split(r"[\W_]+", path.stem) if w]
    pairs, singles = _vocabulary(text, 2), _vocabulary(text, 1)
    out: list[str] = []
    i = 0
    while i < len(names):
        pair = fold(" ".join(names[i : i + 2]).lower())
        if i + 1 < len(names) and pair in pairs:
            out.extend(pairs[pair].most_common(1)[0][0].split())
            i += 2
            continue
        single = singles.get(fold(names[i].lower()))
        out.append(single.most_common(1)[0][0] if single else names[i])
        i += 1
    title = " ".join(out)
    return title[:1].upper() + title[1:] if title else path.name


def _loader_for(path: Path) -> ModuleType:
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        kind = path.suffix.lower() or "without extension"
        raise IngestFileError(path, f"unsupported file type ({kind}); supported: {', '.join(sorted(LOADERS))}")
    return loader


def _clean_pages(raw: RawDocument) -> tuple[str, list[int]]:
    """Legacy decode, normalize and reflow; returns the final text and page starts (PDF only).

    Running headers removed by reflow are kept in ``raw.meta["page_headers"]`` for the
    classification check.
    """
    pages = raw.pages if raw.pages is not None else [raw.text]
    legacy = detect_legacy_encoding("\n".join(pages))
    if legacy:
        pages = [convert_lines(p, legacy) for p in pages]
        raw.meta["legacy_encoding"] = legacy
    pages = [normalize_text(p) for p in pages]
    paragraphs_are_real = raw.meta.get("format") in {"docx", "html"}  # a .docx heading is never a wrapped line
    if raw.pages is not None or (not paragraphs_are_real and is_hard_wrapped("\n".join(pages))):
        flowed = reflow_pages(pages, blank_breaks=bool(raw.meta.get("paragraph_gaps")))
        text, starts = flowed.text, flowed.page_starts
        raw.meta.setdefault("page_headers", []).extend(flowed.removed_headers)
    else:
        text, starts = tidy_lines("\n".join(pages)), []
    final = normalize_text(text)
    if len(final) != len(text):  # cannot happen for NFC input; keep offsets honest if it ever does
        starts = []
    return final, starts if raw.pages is not None else []


def load_documents(path: Path, root: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Document]:
    """One file → its normalized, structured documents: usually one; a covering letter and the draft it
    carries become two ("<id>", "<id>--2"), each with its own metadata. Raises IngestFileError (one line)."""
    return _load(Path(path), root, max_bytes)[0]


def _load(path: Path, root: Path | None, max_bytes: int) -> tuple[list[Document], str]:
    """The documents of one file and the loader's text-quality warning ("" when the text reads well)."""
    raw = _loader_for(path).load(path, max_bytes=max_bytes)
    text, page_starts = _clean_pages(raw)
    require_text(path, text, "no text left after cleaning")
    headers = [normalize_text(h) for h in raw.meta.get("page_headers", [])]
    raw_title = normalize_text(raw.title).strip() if raw.title else None
    base_id = make_doc_id(path, root)
    digest = file_hash(path)
    starts = document_starts(text)
    styled = {normalize_text(line).strip(): level for line, level in raw.meta.get("styled_headings", [])}
    docs: list[Document] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(text)
        part = text[start:end].rstrip()
        structure = parse_structure(part, headers)
        doc = Document(
            doc_id=base_id if n == 0 else f"{base_id}--{n + 1}",
            title=structure.title or (raw_title if n == 0 else None) or title_from_name(path, part),
            path=str(path),
            doc_type=structure.doc_type,
            text=part,
            source_hash=digest,
            classification=structure.classification,
            topics=structure.topics if structure.doc_type == "topic_guide" else [],
            page_starts=[min(max(p - start, 0), len(part)) for p in page_starts],
            meta=DocumentMeta(),
        )
        enrich(doc, structure.topics, styled)
        if doc.doc_type != "topic_guide" and (composed := compose_title(doc.meta)):
            doc.title = composed  # "Kế hoạch 3260-KH/ĐĐQH15: …" names the document better than "KẾ HOẠCH"
        docs.append(doc)
    warning = raw.meta.get("quality_warning", "")
    if warning:
        logger.warning("%s: %s", path, warning)
    return docs, warning


def load_document(path: Path, root: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """The first document of a file (the only one for most files; see :func:`load_documents`)."""
    return load_documents(path, root=root, max_bytes=max_bytes)[0]


RECIPE = 4
"""Version of how troly turns a file into passages (reading, structure, chunking). Raise it with a change that
gives the same file other passages (2: an over-long sentence is cut after a clause mark; 3: a title line
"QUY ĐỊNH" makes a Quy định; 4: the "Kính gửi:" addressee is read into the header, a committee named after two
fields keeps its comma): every indexed file is then re-read by the next ``troly ingest`` or re-index instead of
keeping passages the old code made."""


def ingest_fingerprint(file_digest: str, chunk_tokens: int, overlap: int) -> str:
    """What a document's chunks were made from: the file's bytes and the chunking recipe.

    Stored as ``Document.source_hash`` by :func:`process_file`, so that changing the file, ``--chunk-tokens``/
    overlap or troly's own :data:`RECIPE` rebuilds its chunks, and nothing else does.
    """
    return f"{file_digest}:t{chunk_tokens}:o{overlap}:r{RECIPE}"


def process_file(
    path: Path,
    count_tokens: Callable[[str], int],
    chunk_tokens: int = 256,
    overlap: int = 1,
    root: Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[Document, list[Chunk]]:
    """Load and chunk the first document of one file (see :func:`process_documents` for all of them)."""
    return process_documents(path, count_tokens, chunk_tokens, overlap, root=root, max_bytes=max_bytes)[0][0]


def process_documents(
    path: Path,
    count_tokens: Callable[[str], int],
    chunk_tokens: int = 256,
    overlap: int = 1,
    root: Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[list[tuple[Document, list[Chunk]]], str]:
    """Load and chunk every document of one file, with the file's text-quality warning ("" if none).

    Raises IngestFileError (never anything else for bad content).
    """
    docs, warning = _load(Path(path), root, max_bytes)
    out = []
    for doc in docs:
        doc.source_hash = ingest_fingerprint(doc.source_hash, chunk_tokens, overlap)
        out.append((doc, chunk_document(doc, count_tokens, chunk_tokens=chunk_tokens, overlap=overlap)))
    return out, warning


def _is_unchanged(path: Path, root: Path | None, known: Mapping[str, str], chunk_tokens: int, overlap: int) -> bool:
    stored = known.get(make_doc_id(path, root))
    return stored is not None and stored == ingest_fingerprint(file_hash(path), chunk_tokens, overlap)


def _roots(paths: Iterable[Path]) -> list[tuple[Path, Path | None]]:
    """(file, root for its doc_id): files under a named folder are relative to that folder."""
    pairs: list[tuple[Path, Path | None]] = []
    for given in paths:
        given = Path(given)
        root = given if given.is_dir() else None
        pairs.extend((f, root) for f in discover_files([given]))
    first: dict[Path, Path | None] = {}  # a file found twice keeps its first root, in first-found order
    for f, r in pairs:
        first.setdefault(f, r)
    return list(first.items())


def ingest_files(
    paths: Iterable[Path],
    count_tokens: Callable[[str], int],
    chunk_tokens: int = 256,
    overlap: int = 1,
    on_progress: Callable[[Progress], None] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    known: Mapping[str, str] | None = None,
    on_chunks: Callable[[list[Chunk]], None] | None = None,
) -> IngestResult:
    """Process files and folders; a bad file becomes an IngestError and the rest go on.

    ``known`` maps doc_id → the ``source_hash`` already indexed: a file whose
    fingerprint matches is not read again (listed in ``result.unchanged``), which
    makes re-running ingest on a large folder cost one hash per file.
    ``on_chunks`` receives each document's chunks as soon as they exist (the
    embedding prefetcher starts on them while later files are still read).
    """
    result = IngestResult()
    todo = _roots(paths)
    for done, (path, root) in enumerate(todo, start=1):
        error: str | None = None
        produced = 0
        try:
            if known and _is_unchanged(path, root, known, chunk_tokens, overlap):
                base = make_doc_id(path, root)
                result.unchanged.extend(d for d in known if d == base or d.startswith(base + "--"))
                if on_progress is not None:
                    on_progress(Progress(path=path, done=done, total=len(todo), chunks=0, error=None))
                continue
            parts, warning = process_documents(
                path, count_tokens, chunk_tokens, overlap, root=root, max_bytes=max_bytes
            )
        except IngestFileError as exc:
            error = exc.reason
        except Exception as exc:  # a loader bug must not stop the batch; still one line
            error = f"unexpected error while reading ({type(exc).__name__}: {exc})"
        else:
            for doc, chunks in parts:
                result.documents.append(doc)
                result.chunks.extend(chunks)
                produced += len(chunks)
                if on_chunks is not None:
                    on_chunks(chunks)
            if warning:
                result.warnings.append(IngestError(path=str(path), reason=warning))
        if error is not None:
            result.errors.append(IngestError(path=str(path), reason=" ".join(error.split())))
        if on_progress is not None:
            on_progress(Progress(path=path, done=done, total=len(todo), chunks=produced, error=error))
    return result
