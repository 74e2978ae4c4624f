"""Files on disk → ingest → index: the one path every caller takes (CLI, service, evaluation, tests).

``ingest.pipeline.ingest_files`` reads, normalises, structures and chunks; ``Index.upsert`` embeds and commits.
Between the two a caller may ``prepare`` the documents (the service applies classification levels, the reader's
clearance and the replacement rule there), and ``before_commit`` runs under the index's writer lock, so a rule
checked there cannot be raced by another writer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ingest.model import Chunk, Document
    from ingest.pipeline import IngestResult, Progress
    from rag.index import Index, UpsertStats
    from rag.settings import Settings

Prepare = Callable[[list["Document"], list["Chunk"]], tuple[list["Document"], list["Chunk"]]]


@dataclass
class Indexed:
    """What reading the files found and what the upsert changed."""

    result: IngestResult
    stats: UpsertStats
    documents: list[Document] = field(default_factory=list)
    """The documents upserted (after ``prepare``)."""


def index_files(
    index: Index,
    paths: Iterable[Path],
    settings: Settings,
    *,
    chunk_tokens: int | None = None,
    known: Mapping[str, str] | None = None,
    on_file: Callable[[Progress], None] | None = None,
    on_embed: Callable[[str, int, int], None] | None = None,
    prepare: Prepare | None = None,
    before_commit: Callable[[], None] | None = None,
    embed_ahead: bool = False,
    parsed: IngestResult | None = None,
) -> Indexed:
    """Ingest ``paths`` into ``index``; a file that cannot be read is an error in the result, never an exception.

    ``known`` (doc_id → indexed source hash) skips unchanged files; ``embed_ahead`` embeds each document's passages
    into the cache while the next file is read (the CLI's cold ingest). ``parsed`` is what
    :func:`ingest.pipeline.ingest_files` already made of exactly these ``paths`` (a worker process read them):
    it is committed as it is, the files are not read again.
    """
    from ingest.pipeline import ingest_files
    from rag.embeddings import embedding_ahead
    from rag.index import UpsertStats

    ahead: Any = (
        embedding_ahead(index.embeddings, settings.embedding_batch_size) if embed_ahead else contextlib.nullcontext()
    )
    with ahead as on_chunks:
        result = (
            parsed
            if parsed is not None
            else ingest_files(
                list(paths),
                index.embeddings.count_tokens,
                chunk_tokens or settings.chunk_tokens,
                settings.chunk_overlap,
                on_progress=on_file,
                known=known,
                on_chunks=on_chunks,
            )
        )
    docs, chunks = result.documents, result.chunks
    if prepare is not None:
        docs, chunks = prepare(docs, chunks)
    stats = UpsertStats()
    if docs:
        options: dict[str, Any] = {}
        if on_embed is not None:
            options["on_progress"] = on_embed
        if before_commit is not None:
            options["before_commit"] = before_commit
        stats = index.upsert(docs, chunks, **options)
    return Indexed(result, stats, list(docs))
