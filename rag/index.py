"""One collection's index: Chroma for vectors, SQLite + bm25s for text and words.

Layout under ``settings.collection_dir``::

    manifest.json        model id, dimension, creation time (checked on open)
    index.sqlite3        documents (JSON) + chunk table + state (generation, pending)
    lexical.current      name of the live bm25s directory (atomically replaced)
    lexical-<gen>-<id>/  bm25s arrays, row order (ids.json), diacritic restorer

Chroma lives under ``settings.chroma_dir`` (embedded) or on a ``chroma run``
server (``settings.chroma = "host:port"``); vectors are always computed by
our embedder, never by Chroma's default embedding function.

Crash safety: the SQLite chunk table is the source of truth. An upsert marks
the collection *pending*, writes new vectors to Chroma, commits the chunk
table in one transaction, deletes stale vectors, clears *pending*, then
rebuilds the lexical index into a new directory. If the process dies
anywhere in between, the next :meth:`Index.open` sees *pending* (or a
lexical generation older than the table) and reconciles Chroma with the
table and rebuilds the lexical side, so the previous or the new state is
served – never a mix.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ingest.model import Chunk, Document, Topic, level_rank
from rag.diacritics import DiacriticRestorer, fold
from rag.embeddings import make_embeddings
from rag.lexical import LexicalIndex, document_tokens, segment
from rag.settings import Settings

ProgressFn = Callable[[str, int, int], None]
"""on_progress(stage, done, total) – stages: "embed", "store"."""

_BATCH = 1000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source_hash TEXT NOT NULL, path TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, ord INTEGER NOT NULL, text TEXT NOT NULL,
    meta TEXT NOT NULL, tokens TEXT NOT NULL, doc_type TEXT NOT NULL, topic INTEGER NOT NULL,
    section TEXT NOT NULL, level INTEGER NOT NULL, orgs TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
"""


class IndexModelMismatchError(RuntimeError):
    """The collection was built with another embedding model (vectors would not be comparable)."""


class IndexUnavailableError(RuntimeError):
    """Unusable index state, with a message saying what to do."""


@dataclass
class UpsertStats:
    """What an upsert changed (shown in the ingest summary)."""

    documents_added: int = 0
    documents_updated: int = 0
    documents_unchanged: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_unchanged: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class FilterColumns:
    """Per-row metadata aligned with the lexical rows, for vectorised pre-ranking filters."""

    doc_id: np.ndarray
    doc_type: np.ndarray
    topic: np.ndarray
    section: np.ndarray
    level: np.ndarray
    orgs: np.ndarray


def _locked(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run a method under the index lock (the SQLite connection is shared between threads)."""

    @functools.wraps(method)
    def wrapper(self: Index, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


@contextlib.contextmanager
def _writer_lock(directory: Path, blocking: bool = True) -> Iterator[bool]:
    """Exclusive cross-process lock for writers of one collection; yields False if not blocking and busy.

    Keeps a server that opens the index from "repairing" the half-written
    state of a ``troly ingest`` that is still running in another process.
    """
    try:
        import fcntl
    except ImportError:  # not POSIX: no cross-process lock, single writer assumed
        yield True
        return
    with open(directory / "write.lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _empty_columns() -> FilterColumns:
    return FilterColumns(*(np.array([], dtype=object) for _ in range(6)))


@dataclass(frozen=True)
class LexicalSide:
    """Everything derived from the chunk table, swapped in as one object so a search never mixes generations."""

    lexical: LexicalIndex
    columns: FilterColumns
    restorer: DiacriticRestorer


def chroma_name(collection: str) -> str:
    """A Chroma-legal collection name (3-512 chars of [A-Za-z0-9._-], alnum at both ends)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "-", fold(collection)).strip("-._") or "default"
    return f"troly-{safe}"[:500]


def _document_from_json(data: dict[str, Any]) -> Document:
    return Document.from_dict(data)  # nested meta/headings/assignments/topics; unknown keys ignored


def _chroma_meta(chunk: Chunk) -> dict[str, Any]:
    meta = chunk.to_metadata()
    meta.pop("segmented", None)
    meta["level"] = level_rank(chunk.classification)
    return meta


def _chunk_rows(chunks: Sequence[Chunk]) -> Iterator[tuple[Any, ...]]:
    """Chunk table rows, generated one at a time (100k rows of tokens would not fit in memory at once)."""
    for ordinal, c in enumerate(chunks):
        meta = c.to_metadata()
        yield (
            c.chunk_id,
            c.doc_id,
            ordinal,
            c.text,
            json.dumps(meta, ensure_ascii=False),
            " ".join(document_tokens(c.text, c.segmented)),
            c.doc_type,
            meta["topic"],
            c.section,
            level_rank(c.classification),
            fold(meta["organisations"]),
        )


class Index:
    """Both stores of one collection, kept consistent; see the module docstring."""

    def __init__(
        self, settings: Settings, embeddings: Any, client: Any, collection: Any, db: sqlite3.Connection
    ) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self.client = client
        self.collection = collection
        self.db = db
        self.side = LexicalSide(LexicalIndex([], None, 0), _empty_columns(), DiacriticRestorer({}, {}))
        self._lock = threading.RLock()  # one SQLite connection shared by the API's worker threads

    @property
    def lexical(self) -> LexicalIndex:
        return self.side.lexical

    @property
    def columns(self) -> FilterColumns:
        return self.side.columns

    @property
    def restorer(self) -> DiacriticRestorer:
        return self.side.restorer

    # ---- opening ---------------------------------------------------------------
    @classmethod
    def open(cls, settings: Settings, embeddings: Any = None) -> Index:
        """Open (or create) the collection named by ``settings.collection``."""
        embeddings = embeddings if embeddings is not None else make_embeddings(settings)
        cdir = settings.collection_dir
        cdir.mkdir(parents=True, exist_ok=True)
        _check_manifest(cdir / "manifest.json", embeddings.model_id, embeddings.dimension, settings.collection)
        client = _make_client(settings)
        collection = client.get_or_create_collection(
            chroma_name(settings.collection),
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"model_id": embeddings.model_id, "dimension": embeddings.dimension},
            embedding_function=None,
        )
        stored_model = (collection.metadata or {}).get("model_id")
        if stored_model and stored_model != embeddings.model_id:
            raise IndexModelMismatchError(
                f"Chroma collection {collection.name!r} holds vectors of {stored_model}, not {embeddings.model_id}; "
                "use another collection or re-ingest into a fresh data dir."
            )
        db = sqlite3.connect(cdir / "index.sqlite3", check_same_thread=False)
        db.executescript(_SCHEMA)
        index = cls(settings, embeddings, client, collection, db)
        index._recover()
        return index

    def _state(self, key: str, default: str = "0") -> str:
        row = self.db.execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def _set_state(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO state VALUES (?,?)", (key, value))

    def _recover(self) -> None:
        """Finish or undo an interrupted upsert, then load the lexical side."""
        if self._state("pending") == "1":
            with _writer_lock(self.settings.collection_dir, blocking=False) as free:
                if free:  # otherwise another process is mid-write: its state is not ours to repair
                    self._reconcile_chroma()
                    with self.db:
                        self._set_state("pending", "0")
        self._load_or_rebuild_lexical()

    def _load_or_rebuild_lexical(self) -> None:
        generation = int(self._state("generation"))
        loaded = LexicalIndex.load(self.settings.collection_dir)
        if loaded is None or loaded.generation != generation or not self._install(loaded):
            self._rebuild_lexical()

    def refresh(self) -> bool:
        """Pick up changes another process (e.g. ``troly ingest`` next to a running server) committed.

        Cheap (one SQLite read), so the retriever calls it before every search.
        Returns True when something was reloaded.
        """
        with self._lock:
            if self._state("pending") == "1" or int(self._state("generation")) == self.lexical.generation:
                return False
            loaded = LexicalIndex.load(self.settings.collection_dir)
            # When the writer has not finished its lexical rebuild yet, keep serving the old generation.
            return loaded is not None and loaded.generation == int(self._state("generation")) and self._install(loaded)

    def _reconcile_chroma(self) -> None:
        """Make Chroma hold exactly the chunk table's ids (vectors come from the embedding cache)."""
        table = {r[0] for r in self.db.execute("SELECT chunk_id FROM chunks")}
        in_chroma = set(self.collection.get(include=[])["ids"])
        extra = sorted(in_chroma - table)
        for i in range(0, len(extra), _BATCH):
            self.collection.delete(ids=extra[i : i + _BATCH])
        missing = sorted(table - in_chroma)
        if missing:
            self._write_vectors(self.get_chunks(missing))

    # ---- writing ---------------------------------------------------------------
    def upsert(
        self, documents: list[Document], chunks: list[Chunk], on_progress: ProgressFn | None = None
    ) -> UpsertStats:
        """Store documents whose source_hash changed (with their chunks); unchanged ones cost nothing.

        Segmentation and embedding (the slow part) run outside the lock, so
        searches keep being served while a large batch is ingested.
        """
        started = time.perf_counter()
        with self._lock:
            stats, changed, new_chunks, old_ids = self._plan(documents, chunks)
        if changed:
            for c in new_chunks:
                if not c.segmented:
                    c.segmented = segment(c.text)
            vectors = self._embed_passages([c.text for c in new_chunks], on_progress)
            with self._lock, _writer_lock(self.settings.collection_dir):
                self._commit(changed, new_chunks, vectors, old_ids, on_progress)
        stats.seconds = time.perf_counter() - started
        return stats

    @_locked
    def source_hashes(self) -> dict[str, str]:
        """doc_id → source_hash of every stored document (what ingest compares to skip unchanged files)."""
        return dict(self.db.execute("SELECT doc_id, source_hash FROM documents"))

    def _plan(
        self, documents: list[Document], chunks: list[Chunk]
    ) -> tuple[UpsertStats, list[Document], list[Chunk], set[str]]:
        """Which documents changed, their new chunks, and the chunk ids they replace."""
        stats = UpsertStats()
        stored = self.source_hashes()
        changed = [d for d in documents if stored.get(d.doc_id) != d.source_hash]
        changed_ids = {d.doc_id for d in changed}
        stats.documents_unchanged = len(documents) - len(changed)
        stats.documents_added = sum(1 for d in changed if d.doc_id not in stored)
        stats.documents_updated = len(changed) - stats.documents_added
        stats.chunks_unchanged = self._count_chunks_of([d.doc_id for d in documents if d.doc_id not in changed_ids])
        new_chunks = [c for c in chunks if c.doc_id in changed_ids]
        old_ids = set(self._chunk_ids_of(changed_ids))
        new_ids = {c.chunk_id for c in new_chunks}
        stats.chunks_added = len(new_ids - old_ids)
        stats.chunks_removed = len(old_ids - new_ids)
        stats.chunks_unchanged += len(new_ids & old_ids)
        return stats, changed, new_chunks, old_ids

    def _commit(
        self,
        changed: list[Document],
        new_chunks: list[Chunk],
        vectors: np.ndarray,
        old_ids: set[str],
        on_progress: ProgressFn | None,
    ) -> None:
        """The crash-safe write sequence (see the module docstring)."""
        with self.db:
            self._set_state("pending", "1")
        self._write_vectors(new_chunks, vectors, on_progress)
        with self.db:
            self._replace_rows(changed, new_chunks)
            self._set_state("generation", str(int(self._state("generation")) + 1))
        self._delete_vectors(sorted(old_ids - {c.chunk_id for c in new_chunks}))
        with self.db:
            self._set_state("pending", "0")
        self._rebuild_lexical()

    def _write_vectors(
        self, chunks: Sequence[Chunk], vectors: np.ndarray | None = None, on_progress: ProgressFn | None = None
    ) -> None:
        if vectors is None:
            vectors = self._embed_passages([c.text for c in chunks], None)
        total = len(chunks)
        for i in range(0, total, _BATCH):
            part = chunks[i : i + _BATCH]
            self.collection.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=vectors[i : i + _BATCH],
                metadatas=[_chroma_meta(c) for c in part],
                documents=[c.text for c in part],
            )
            if on_progress:
                on_progress("store", i + len(part), total)

    def _embed_passages(self, texts: list[str], on_progress: ProgressFn | None) -> np.ndarray:
        step = max(1, getattr(self.settings, "embedding_batch_size", 32))
        parts = []
        for j in range(0, len(texts), step):
            parts.append(np.asarray(self.embeddings.embed_documents_array(texts[j : j + step]), dtype=np.float32))
            if on_progress:
                on_progress("embed", min(j + step, len(texts)), len(texts))
        return np.vstack(parts) if parts else np.zeros((0, self.embeddings.dimension), dtype=np.float32)

    def _delete_vectors(self, ids: list[str]) -> None:
        for i in range(0, len(ids), _BATCH):
            self.collection.delete(ids=ids[i : i + _BATCH])

    def _replace_rows(self, documents: list[Document], chunks: list[Chunk]) -> None:
        ids = [d.doc_id for d in documents]
        self.db.executemany("DELETE FROM chunks WHERE doc_id=?", [(i,) for i in ids])
        self.db.executemany(
            "INSERT OR REPLACE INTO documents VALUES (?,?,?,?)",
            [(d.doc_id, d.source_hash, d.path, json.dumps(asdict(d), ensure_ascii=False)) for d in documents],
        )
        self.db.executemany("INSERT OR REPLACE INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?)", _chunk_rows(chunks))

    @_locked
    def delete_document(self, doc_id: str) -> int:
        """Remove one document and its chunks from both stores; returns the number of chunks removed."""
        ids = self._chunk_ids_of([doc_id])
        exists = self.db.execute("SELECT 1 FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        if not exists:
            return 0
        with _writer_lock(self.settings.collection_dir):
            with self.db:
                self._set_state("pending", "1")
                self.db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
                self.db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
                self._set_state("generation", str(int(self._state("generation")) + 1))
            self._delete_vectors(ids)
            with self.db:
                self._set_state("pending", "0")
            self._rebuild_lexical()
        return len(ids)

    @_locked
    def prune(self, keep_paths: Iterable[str | Path]) -> list[str]:
        """Delete documents whose source file is not among ``keep_paths``; returns their ids."""
        keep = {str(Path(p).resolve()) for p in keep_paths}
        removed = []
        for doc_id, path in self.db.execute("SELECT doc_id, path FROM documents").fetchall():
            if str(Path(path).resolve()) not in keep:
                self.delete_document(doc_id)
                removed.append(doc_id)
        return removed

    # ---- lexical side ------------------------------------------------------------
    def _rebuild_lexical(self) -> None:
        """Rebuild bm25s + restorer from the chunk table, save atomically, reload filter columns."""
        generation = int(self._state("generation"))
        ids: list[str] = []
        token_ids: list[list[int]] = []
        vocab: dict[str, int] = {}
        texts: list[str] = []
        for chunk_id, tok, text in self.db.execute("SELECT chunk_id, tokens, text FROM chunks ORDER BY rowid"):
            ids.append(chunk_id)
            # Token ids refer to the vocabulary's int objects: ~8 bytes per token instead of a str each.
            token_ids.append([vocab.setdefault(t, len(vocab)) for t in tok.split()])
            texts.append(text)
        lexical = LexicalIndex.build(ids, token_ids, vocab, generation)
        lexical.save(self.settings.collection_dir)
        DiacriticRestorer.from_texts(texts).save(lexical.path / "restorer.json")
        if not self._install(lexical):
            raise IndexUnavailableError(
                f"{self.settings.collection_dir}: chunk table changed during the lexical rebuild"
            )

    def _install(self, lexical: LexicalIndex) -> bool:
        """Swap in ``lexical`` with its filter columns and restorer; False if it does not match the table."""
        rows = {
            r[0]: r[1:]
            for r in self.db.execute("SELECT chunk_id, doc_id, doc_type, topic, section, level, orgs FROM chunks")
        }
        if len(rows) != len(lexical.ids) or any(i not in rows for i in lexical.ids):
            return False
        aligned = [rows[i] for i in lexical.ids]
        cols = list(zip(*aligned, strict=True)) if aligned else [()] * 6
        columns = FilterColumns(
            doc_id=np.array(cols[0], dtype=object),
            doc_type=np.array(cols[1], dtype=object),
            topic=np.array(cols[2], dtype=np.int64),
            section=np.array(cols[3], dtype=object),
            level=np.array(cols[4], dtype=np.int64),
            orgs=np.array(cols[5], dtype=object),
        )
        path = lexical.path / "restorer.json" if lexical.path else None
        restorer = DiacriticRestorer.load(path) if path and path.exists() else DiacriticRestorer({}, {})
        self.side = LexicalSide(lexical, columns, restorer)
        return True

    # ---- reading -----------------------------------------------------------------
    @_locked
    def count(self) -> int:
        """Number of chunks."""
        return int(self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    @_locked
    def documents(self) -> list[Document]:
        """All stored documents (normalized text + topics), by doc_id."""
        rows = self.db.execute("SELECT data FROM documents ORDER BY doc_id")
        return [_document_from_json(json.loads(r[0])) for r in rows]

    @_locked
    def get_document(self, doc_id: str) -> Document | None:
        row = self.db.execute("SELECT data FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return _document_from_json(json.loads(row[0])) if row else None

    @_locked
    def document_chunk_counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT doc_id, COUNT(*) FROM chunks GROUP BY doc_id"))

    @_locked
    def get_chunks(self, ids: Sequence[str]) -> list[Chunk]:
        """Chunks by id, in the given order (unknown ids are skipped)."""
        found: dict[str, Chunk] = {}
        for i in range(0, len(ids), 500):
            part = list(ids[i : i + 500])
            marks = ",".join("?" * len(part))
            for cid, text, meta in self.db.execute(
                f"SELECT chunk_id, text, meta FROM chunks WHERE chunk_id IN ({marks})", part
            ):
                found[cid] = Chunk.from_metadata(text, json.loads(meta))
        return [found[i] for i in ids if i in found]

    @_locked
    def all_chunks(self) -> list[Chunk]:
        rows = self.db.execute("SELECT text, meta FROM chunks ORDER BY doc_id, ord")
        return [Chunk.from_metadata(text, json.loads(meta)) for text, meta in rows]

    @_locked
    def topics(self) -> list[tuple[Document, Topic]]:
        """Every (document, topic) pair, documents by id and topics by number."""
        return [(d, t) for d in self.documents() for t in sorted(d.topics, key=lambda t: t.number)]

    def _chunk_ids_of(self, doc_ids: Iterable[str]) -> list[str]:
        out: list[str] = []
        for d in doc_ids:
            out.extend(r[0] for r in self.db.execute("SELECT chunk_id FROM chunks WHERE doc_id=? ORDER BY ord", (d,)))
        return out

    def _count_chunks_of(self, doc_ids: list[str]) -> int:
        return sum(
            int(self.db.execute("SELECT COUNT(*) FROM chunks WHERE doc_id=?", (d,)).fetchone()[0]) for d in doc_ids
        )

    def close(self) -> None:
        self.db.close()


def _check_manifest(path: Path, model_id: str, dimension: int, collection: str) -> None:
    """Create the manifest on first use; refuse to mix embedding models afterwards."""
    if path.exists():
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if manifest.get("model_id") != model_id or int(manifest.get("dimension", -1)) != dimension:
            raise IndexModelMismatchError(
                f"Collection {collection!r} was built with {manifest.get('model_id')} "
                f"(dimension {manifest.get('dimension')}), but the configured model is {model_id} "
                f"(dimension {dimension}). Use the same TROLY_EMBEDDING_MODEL, another --collection, "
                "or remove the collection and ingest again."
            )
        return
    manifest = {
        "model_id": model_id,
        "dimension": dimension,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    tmp.replace(path)


def _make_client(settings: Settings) -> Any:
    """Embedded persistent Chroma, or an HTTP client for ``host:port`` (a ``chroma run`` server)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma:
        host, port = settings.chroma.rsplit(":", 1)
        try:
            return chromadb.HttpClient(host=host, port=int(port), settings=chroma_settings)
        except Exception as exc:  # connection refused etc.: one clear line
            raise IndexUnavailableError(
                f"Cannot reach the Chroma server at {settings.chroma} ({exc}). Start it with `chroma run`."
            ) from exc
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
