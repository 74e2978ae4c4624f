"""One collection's index: Chroma for vectors, SQLite + an incremental BM25 for text and words.

Layout under ``settings.collection_dir``::

    manifest.json        model id, dimension, creation time (checked on open)
    index.sqlite3        documents (JSON), their summaries (no text: lists and clearance checks), chunk
                         table, state (generation, pending), lexical_log
    lexical.current      name of the current lexical *main* directory (atomically replaced)
    lexical-<gen>-<pid>-<rand>/  term frequencies, row ids, filter columns, diacritic restorer of the
                         chunk table at generation <gen> (immutable once the pointer names it)
    write.lock           cross-process writer lock (flock)

Chroma lives under ``settings.chroma_dir`` (embedded) or on a ``chroma run``
server (``settings.chroma = "host:port"``); vectors are always computed by
our embedder, never by Chroma's default embedding function.

Generations. The SQLite ``generation`` is the single source of truth for
every thread and process. One transaction commits the chunk rows, the
``lexical_log`` entries (chunk ids added "+" and removed "-" in that
generation) and the new generation. The lexical side of generation g is the
newest saved main (built at some generation b ≤ g, complete on disk before
the pointer names it) plus the log entries of generations b+1..g, read in
the same SQLite snapshot as g – so a reader in any process gets exactly the
rows of g, and a main or restorer that is not there yet is never "installed
empty": the reader retries. Adding a document costs time proportional to it;
the log is folded into a new main (compaction) in the background once it
grows past a threshold.

Crash safety: the SQLite chunk table is the source of truth. An upsert marks
the collection *pending*, writes new vectors to Chroma, commits the chunk
table + log + generation in one transaction, deletes stale vectors, clears
*pending*. If the process dies anywhere in between, the next
:meth:`Index.open` sees *pending* and, under the writer lock, reconciles
Chroma with the table, so the previous or the new state is served – never a
mix. A lost or unreadable lexical main is rebuilt, also under the writer lock.

Dense soundness. Chroma 1.5.9 can leave live vectors that no search returns
after heavy deletes and re-adds (chroma-core/chroma#7758; measured here: after
deleting and re-adding all of a collection's vectors, a query with a vector's
own embedding missed 50-68 of 240). Once the writes since the last check
removed or replaced a tenth of the collection, the vectors they wrote and a
sample of the others are searched for with their own embedding; when one is
not found, every vector is copied into a fresh Chroma collection
(:meth:`Index.rebuild_dense`), whose name the state table keeps (``dense``),
so every process follows it. ``troly doctor`` checks all of them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ingest.model import Chunk, Document, DocumentSummary, Topic, level_rank, search_text
from rag.diacritics import DiacriticRestorer, fold
from rag.embeddings import make_embeddings
from rag.lexical import LexicalIndex, Postings, document_tokens, read_pointer, segment
from rag.lexical_delta import COLUMNS_FILE, RESTORER_FILE, RestorerCounts, RestorerDelta, load_restorer
from rag.protocols import IndexEmbedder
from rag.settings import Settings

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, int, int], None]
"""on_progress(stage, done, total) – stages: "embed", "store"."""

_BATCH = 1000
_DENSE = "dense"
"""State key: the name of the Chroma collection serving this collection's vectors (chroma_name, or a rebuild's)."""
_DENSE_KEYS = (_DENSE, "dense_building", "dense_retired")


def _hnsw(settings: Settings) -> dict[str, Any]:
    """Configuration of every Chroma collection troly creates (the first one and a rebuild's)."""
    return {"hnsw": {"space": "cosine", "ef_search": settings.dense_search_ef}}


_SOUND_WRITTEN = 1000
_SOUND_OTHERS = 200
"""After a write that removed vectors: how many of those written, and of the others, are searched for."""
_SOUND_AFTER = 0.1
"""Check once the vectors removed or replaced since the last check reach this share of the collection: re-ingesting
one document of six at a time lost none; replacing 70 % of them at once lost 1-3 of 240 (measured 2026-12-06)."""
_SAME_VECTOR = 1e-5
"""Cosine distance under which a returned vector is the searched one's twin (two passages, one text)."""
_SCHEMA = """
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source_hash TEXT NOT NULL, path TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, ord INTEGER NOT NULL, text TEXT NOT NULL,
    meta TEXT NOT NULL, tokens TEXT NOT NULL, doc_type TEXT NOT NULL, topic INTEGER NOT NULL,
    section TEXT NOT NULL, level INTEGER NOT NULL, orgs TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS document_summaries (
    doc_id TEXT PRIMARY KEY, classification TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS lexical_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, generation INTEGER NOT NULL, chunk_id TEXT NOT NULL,
    op TEXT NOT NULL, text TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS lexical_log_generation ON lexical_log(generation);
"""
_COLUMN_SQL = "chunk_id, tokens, text, doc_id, doc_type, topic, section, level, orgs"
_COLUMN_NAMES = ("doc_id", "doc_type", "topic", "section", "level", "orgs")
_LOAD_ATTEMPTS = 20
"""A main named by the pointer may be removed by a compaction in another process meanwhile: re-read and retry."""


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

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Any]]) -> FilterColumns:
        """Columns from (doc_id, doc_type, topic, section, level, orgs) tuples."""
        cols = list(zip(*rows, strict=True)) if rows else [()] * 6
        return cls(
            doc_id=_shared_strings(cols[0]),
            doc_type=_shared_strings(cols[1]),
            topic=np.array(cols[2], dtype=np.int32),
            section=_shared_strings(cols[3]),
            level=np.array(cols[4], dtype=np.int8),
            orgs=_shared_strings(cols[5]),
        )

    def select(self, keep: np.ndarray, then: FilterColumns) -> FilterColumns:
        """Rows ``keep`` of these columns followed by all rows of ``then`` (the live main rows + the delta)."""
        return FilterColumns(*(np.concatenate([getattr(self, n)[keep], getattr(then, n)]) for n in _COLUMN_NAMES))


def _shared_strings(values: Sequence[Any]) -> np.ndarray:
    """Object column whose equal strings are one object: a JSON load makes a copy per row (100 doc ids of
    100k chunks were 100k strings, ~6 MB per column)."""
    canonical: dict[Any, Any] = {}
    return np.array([canonical.setdefault(v, v) for v in values], dtype=object)


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


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection, write: bool = False) -> Iterator[sqlite3.Connection]:
    """One SQLite transaction: a write one takes the database lock up front, a read one sees one snapshot."""
    db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _empty_columns() -> FilterColumns:
    return FilterColumns.from_rows([])


@dataclass(frozen=True)
class LexicalSide:
    """Everything derived from the chunk table, swapped in as one object so a search never mixes generations."""

    lexical: LexicalIndex
    columns: FilterColumns
    restorer: DiacriticRestorer

    @cached_property
    def row_of(self) -> dict[str, int]:
        """Passage id → its row in ``columns`` (built once per generation, when first needed)."""
        return {cid: i for i, cid in enumerate(self.lexical.ids)}


@dataclass(frozen=True)
class _Main:
    """A loaded main directory: its index, filter columns, restorer and id → row map."""

    name: str
    lexical: LexicalIndex
    columns: FilterColumns
    restorer: DiacriticRestorer
    row_of: dict[str, int] = field(repr=False)


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
            " ".join(document_tokens(search_text(c), c.segmented)),
            c.doc_type,
            meta["topic"],
            c.section,
            level_rank(c.classification),
            fold(meta["organisations"]),
        )


class Index:
    """Both stores of one collection, kept consistent; see the module docstring.

    Thread and process safety:

    * Reads (``search`` through ``side``, ``get_chunks``, ``documents`` …)
      never wait for a writer: each thread has its own SQLite connection (WAL
      mode: readers see the last committed snapshot while a write is in
      progress), and ``side`` is one immutable object replaced by a single
      assignment. Take ``side = index.side`` once per search.
    * :meth:`refresh` (called by the retriever before every search) costs one
      SQLite read when nothing changed; after another thread or process
      committed it loads the new generation (cost ∝ changes since the last
      compaction). A thread that finds another one refreshing keeps serving
      the previous generation instead of waiting.
    * :meth:`upsert` segments and embeds before taking any lock; only the
      commit (Chroma writes, SQLite rows, log, generation, new side) is
      serialised, by a thread lock plus a cross-process file lock per
      collection. Compaction builds outside the lock and takes it only to
      switch the pointer.
    """

    compact_min_rows = 2000
    """Fold the log into a new main once it holds this many rows, and ≥ ``compact_fraction`` of the main."""
    compact_fraction = 0.05

    def __init__(
        self, settings: Settings, embeddings: IndexEmbedder, client: Any, collection: Any, db_path: Path
    ) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self.client = client
        self.collection = collection
        self.db_path = db_path
        self.side = LexicalSide(LexicalIndex([], -1), _empty_columns(), DiacriticRestorer({}, {}))
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._write_lock = threading.RLock()  # writers of this process; other processes: _writer_lock
        self._refresh_lock = threading.Lock()
        self._main: _Main | None = None
        self._restorer_delta: RestorerDelta | None = None
        """Restorer counts of the current main's delta, advanced by each refresh (only new log entries)."""
        self._compactor: threading.Thread | None = None
        self._closed = False
        self._removed_since_check = 0
        self._written_since_check: list[str] = []

    @property
    def lexical(self) -> LexicalIndex:
        return self.side.lexical

    @property
    def columns(self) -> FilterColumns:
        return self.side.columns

    @property
    def restorer(self) -> DiacriticRestorer:
        return self.side.restorer

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's SQLite connection (autocommit; transactions are explicit, see :func:`_transaction`)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.db_path, timeout=60, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA busy_timeout=60000")
            self._local.db = db
            with self._connections_lock:
                self._connections.append(db)
        return db

    # ---- opening ---------------------------------------------------------------
    @classmethod
    def open(cls, settings: Settings, embeddings: IndexEmbedder | None = None, repair: bool = True) -> Index:
        """Open (or create) the collection named by ``settings.collection``.

        ``repair=False`` (``troly doctor``) opens the state as found: no Chroma
        reconciliation, no lexical rebuild; a lexical side that cannot be
        loaded stays empty instead of raising.
        """
        embeddings = embeddings if embeddings is not None else make_embeddings(settings)
        cdir = settings.collection_dir
        cdir.mkdir(parents=True, exist_ok=True)
        _check_manifest(cdir / "manifest.json", embeddings.model_id, embeddings.dimension, settings.collection)
        client = _make_client(settings)
        index = cls(settings, embeddings, client, None, cdir / "index.sqlite3")
        # WAL: readers keep their snapshot while a writer commits (no reader ever waits on a write).
        if index.db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            index.db.execute("PRAGMA journal_mode=WAL")
        index.db.executescript(_SCHEMA)
        index.collection = index._open_dense()
        stored_model = (index.collection.metadata or {}).get("model_id")
        if stored_model and stored_model != embeddings.model_id:
            raise IndexModelMismatchError(
                f"Chroma collection {index.collection.name!r} holds vectors of {stored_model}, not "
                f"{embeddings.model_id}; use another collection or re-ingest into a fresh data dir."
            )
        index._backfill_summaries()
        if repair:
            index._recover()
        else:
            index.refresh(wait=True)
        return index

    def _dense_name(self) -> str:
        """The name of the Chroma collection serving the vectors: the state table's, else :func:`chroma_name`."""
        return self._state(_DENSE, chroma_name(self.settings.collection))

    def _open_dense(self) -> Any:
        """The Chroma collection the state table names (created on first use)."""
        collection = self.client.get_or_create_collection(
            self._dense_name(),
            configuration=_hnsw(self.settings),
            metadata={"model_id": self.embeddings.model_id, "dimension": self.embeddings.dimension},
            embedding_function=None,
        )
        ef = self.settings.dense_search_ef
        if (collection.configuration.get("hnsw") or {}).get("ef_search") != ef:
            # a collection made before the setting, or with another value: ef_search may change after creation
            collection.modify(configuration={"hnsw": {"ef_search": ef}})
        return collection

    def dense_query(self, **kwargs: Any) -> Any:
        """Chroma ``query`` on the vectors being served; follows a rebuild another process made meanwhile."""
        return self._on_dense("query", kwargs)

    def dense_get(self, **kwargs: Any) -> Any:
        """Chroma ``get`` on the vectors being served (as :meth:`dense_query`)."""
        return self._on_dense("get", kwargs)

    def _on_dense(self, method: str, kwargs: dict[str, Any]) -> Any:
        try:
            return getattr(self.collection, method)(**kwargs)
        except Exception as exc:
            if type(exc).__name__ != "NotFoundError":  # chromadb.errors: the collection was deleted
                raise
            self.collection = self._open_dense()
            return getattr(self.collection, method)(**kwargs)

    def unreachable(self, ids: Sequence[str] | None = None) -> list[str]:
        """Stored vectors (all, or those of ``ids``) that a search with their own embedding does not return.

        A vector with a twin (another passage of the same text) counts as found when the twin comes first."""
        collection = self.collection
        total = collection.count()
        wanted = list(collection.get(include=[])["ids"] if ids is None else ids)
        lost: list[str] = []
        for i in range(0, len(wanted), _BATCH):
            got = collection.get(ids=wanted[i : i + _BATCH], include=["embeddings"])
            if not len(got["ids"]):
                continue
            found = collection.query(query_embeddings=got["embeddings"], n_results=min(3, total), include=["distances"])
            for cid, hits, distances in zip(got["ids"], found["ids"], found["distances"], strict=True):
                if cid not in hits and not (distances and distances[0] <= _SAME_VECTOR):
                    lost.append(cid)
        return lost

    def rebuild_dense(self, on_progress: ProgressFn | None = None) -> int:
        """Copy every vector (with its filter fields) into a fresh Chroma collection and serve that one;
        returns the number copied. Searches go on meanwhile, on the old collection until the switch."""
        with self._writer():
            return self._rebuild_dense(on_progress)

    def _rebuild_dense(self, on_progress: ProgressFn | None = None) -> int:
        """:meth:`rebuild_dense` with the writer lock held by the caller."""
        old = self.collection
        name = f"{chroma_name(self.settings.collection)[:480]}-r{time.time_ns()}"
        with _transaction(self.db, write=True):
            self._set_state("dense_building", name)
        new = self.client.create_collection(
            name, configuration=_hnsw(self.settings), metadata=old.metadata, embedding_function=None
        )
        total = old.count()
        for offset in range(0, total, _BATCH):
            got = old.get(include=["embeddings", "metadatas"], limit=_BATCH, offset=offset)
            new.add(ids=got["ids"], embeddings=got["embeddings"], metadatas=got["metadatas"])
            if on_progress:
                on_progress("store", min(offset + _BATCH, total), total)
        with _transaction(self.db, write=True):
            self._set_state(_DENSE, name)
            self._set_state("dense_retired", old.name)
            self.db.execute("DELETE FROM state WHERE key='dense_building'")
        self.collection = new
        self._drop_unserved()
        log.warning("%s: dense index rebuilt into %s (%d vectors)", self.settings.collection, name, total)
        return total

    def _drop_unserved(self) -> None:
        """Delete the collection a rebuild left behind (the old one, or an unfinished copy); writer lock held."""
        for key in ("dense_building", "dense_retired"):
            name = self._state(key, "")
            if not name:
                continue  # the usual case (every open comes here): nothing to drop, nothing to write
            if name != self._dense_name():
                with contextlib.suppress(Exception):  # already gone
                    self.client.delete_collection(name)
            with _transaction(self.db, write=True):
                self.db.execute("DELETE FROM state WHERE key=?", (key,))

    def _keep_dense_sound(self, removed: int, written: Sequence[str]) -> None:
        """After a write that removed ``removed`` vectors: once the removals since the last check reach
        ``_SOUND_AFTER`` of the collection, search for what was written since and a sample of the others with
        their own embeddings; rebuild the dense index when one is not found (see the module docstring)."""
        with self._write_lock:
            self._removed_since_check += removed
            self._written_since_check += written
            if self._removed_since_check < _SOUND_AFTER * max(1, len(self.side.lexical.ids)):
                return
            written, self._written_since_check, self._removed_since_check = self._written_since_check, [], 0
        rng = random.Random()
        written = list(dict.fromkeys(written))
        sample = rng.sample(written, _SOUND_WRITTEN) if len(written) > _SOUND_WRITTEN else written
        others = self.side.lexical.ids
        sample += rng.sample(others, _SOUND_OTHERS) if len(others) > _SOUND_OTHERS else list(others)
        lost = self.unreachable(list(dict.fromkeys(sample)))
        if lost:
            log.warning(
                "%s: %d vector(s) no search returns after a delete (Chroma); rebuilding the dense index",
                self.settings.collection,
                len(lost),
            )
            self.rebuild_dense()

    def _backfill_summaries(self) -> None:
        """Summarise documents stored by a troly that had no summary table (one pass, one document at a time)."""
        unsummarised = "SELECT 1 FROM documents WHERE doc_id NOT IN (SELECT doc_id FROM document_summaries) LIMIT 1"
        if self.db.execute(unsummarised).fetchone() is None:
            return
        with _transaction(self.db, write=True):
            missing = self.db.execute(
                "SELECT doc_id FROM documents WHERE doc_id NOT IN (SELECT doc_id FROM document_summaries)"
            ).fetchall()
            for (doc_id,) in missing:
                row = self.db.execute("SELECT data FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
                self._write_summaries([_document_from_json(json.loads(row[0]))])
        log.info("%s: summarised %d stored documents", self.settings.collection_dir, len(missing))

    def _write_summaries(self, documents: Iterable[Document]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO document_summaries VALUES (?,?,?)",
            [(d.doc_id, d.classification, json.dumps(asdict(d.summary()), ensure_ascii=False)) for d in documents],
        )

    def _state(self, key: str, default: str = "0") -> str:
        row = self.db.execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def _set_state(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO state VALUES (?,?)", (key, value))

    def generation(self) -> int:
        """The committed generation (what every process converges to)."""
        return int(self._state("generation"))

    @contextlib.contextmanager
    def _writer(self, blocking: bool = True) -> Iterator[bool]:
        """This process's writer lock, then the collection's cross-process one."""
        if not self._write_lock.acquire(blocking=blocking):
            yield False
            return
        try:
            with _writer_lock(self.settings.collection_dir, blocking=blocking) as free:
                if free and self.collection is not None and self._dense_name() != self.collection.name:
                    self.collection = self._open_dense()  # another process rebuilt the dense index
                yield free
        finally:
            self._write_lock.release()

    def _recover(self) -> None:
        """Finish or undo an interrupted upsert and load the lexical side; repairs only under the writer lock."""
        with self._writer(blocking=False) as free:
            if free:  # otherwise another process is mid-write: its state is not ours to repair
                self._drop_unserved()
                if self._state("pending") == "1":
                    self._reconcile_chroma()
                    with _transaction(self.db, write=True):
                        self._set_state("pending", "0")
                if self._load_main() is None:
                    self._rebuild_main()
        if not self.refresh(wait=True):
            with self._writer():  # the main was lost while the other writer held the lock
                if self._load_main() is None:
                    self._rebuild_main()
            if not self.refresh(wait=True):
                raise IndexUnavailableError(
                    f"{self.settings.collection_dir}: the lexical index cannot be loaded; run `troly doctor --repair`."
                )
        if self._delta_too_large():  # a compaction was cut short (the process that started it exited)
            self.compact()

    def refresh(self, wait: bool = False) -> bool:
        """Pick up what another thread or process committed; True when a newer generation was installed.

        Cheap (one SQLite read) when nothing changed, so the retriever calls it
        before every search. Without ``wait``, a thread that finds another one
        refreshing returns at once and keeps serving the current generation.
        """
        if self.generation() == self.side.lexical.generation:
            return False
        if not self._refresh_lock.acquire(blocking=wait):
            return False
        try:
            for _attempt in range(_LOAD_ATTEMPTS):
                side = self._read_side()
                if side is not None:
                    if side.lexical.generation == self.side.lexical.generation:
                        return False
                    self.side = side
                    return True
                time.sleep(0.05)
            log.warning("%s: no loadable lexical main after %d attempts", self.settings.collection_dir, _LOAD_ATTEMPTS)
            return False
        finally:
            self._refresh_lock.release()

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
        self,
        documents: list[Document],
        chunks: list[Chunk],
        on_progress: ProgressFn | None = None,
        before_commit: Callable[[], None] | None = None,
    ) -> UpsertStats:
        """Store documents whose source_hash changed (with their chunks); unchanged ones cost nothing.

        Segmentation and embedding (the slow part) run before any lock is
        taken, so searches and other writers' commits go on meanwhile.
        ``before_commit`` runs under the writer lock right before anything is
        written (e.g. the service re-checking that the user may replace these
        documents); if it raises, nothing is written.
        """
        started = time.perf_counter()
        stats, changed, new_chunks, replaced = self._plan(documents, chunks)
        if changed:
            for c in new_chunks:
                if not c.segmented:
                    c.segmented = segment(search_text(c))
            vectors = self._embed_passages([search_text(c) for c in new_chunks], on_progress)
            with self._writer():
                if before_commit is not None:
                    before_commit()
                self._commit(changed, new_chunks, vectors, on_progress)
            if replaced:
                self._keep_dense_sound(len(replaced), [c.chunk_id for c in new_chunks])
            self._maybe_compact()
        stats.seconds = time.perf_counter() - started
        return stats

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
        self, changed: list[Document], new_chunks: list[Chunk], vectors: np.ndarray, on_progress: ProgressFn | None
    ) -> None:
        """The crash-safe write sequence (see the module docstring); caller holds the writer lock."""
        with _transaction(self.db, write=True):
            self._set_state("pending", "1")
        self._write_vectors(new_chunks, vectors, on_progress)
        new_ids = {c.chunk_id for c in new_chunks}
        with _transaction(self.db, write=True):
            # Re-read under the lock: another writer may have changed these documents since _plan.
            old_ids = set(self._chunk_ids_of(d.doc_id for d in changed))
            generation = self.generation() + 1
            self._log_removals(generation, sorted(old_ids | new_ids))
            self._replace_rows(changed, new_chunks)
            self.db.executemany(
                "INSERT INTO lexical_log (generation, chunk_id, op) VALUES (?,?,'+')",
                [(generation, c.chunk_id) for c in new_chunks],
            )
            self._set_state("generation", str(generation))
        self._delete_vectors(sorted(old_ids - new_ids))
        with _transaction(self.db, write=True):
            self._set_state("pending", "0")
        if len(new_chunks) + len(old_ids) >= self.compact_min_rows:
            # A bulk change (a first ingest): fold it into a new main now instead of serving a huge delta.
            self._install_main(*self._build_main())
        self.refresh(wait=True)

    def _log_removals(self, generation: int, chunk_ids: Sequence[str]) -> None:
        """Log "-" for every existing row among ``chunk_ids`` (with its text: the restorer subtracts it)."""
        for i in range(0, len(chunk_ids), 500):
            part = list(chunk_ids[i : i + 500])
            marks = ",".join("?" * len(part))
            self.db.execute(
                "INSERT INTO lexical_log (generation, chunk_id, op, text) "
                f"SELECT ?, chunk_id, '-', text FROM chunks WHERE chunk_id IN ({marks}) ORDER BY rowid",
                [generation, *part],
            )

    def _write_vectors(
        self, chunks: Sequence[Chunk], vectors: np.ndarray | None = None, on_progress: ProgressFn | None = None
    ) -> None:
        if vectors is None:
            vectors = self._embed_passages([search_text(c) for c in chunks], None)
        total = len(chunks)
        for i in range(0, total, _BATCH):
            part = chunks[i : i + _BATCH]
            # no documents=: the text lives in the chunk table, and Chroma would keep a second copy with a
            # full-text index troly never queries — half of each write's time, spent holding the GIL (measured:
            # ~12 ms per one-passage upsert with the text, ~5 ms without), and a second store of classified text
            self.collection.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=vectors[i : i + _BATCH],
                metadatas=[_chroma_meta(c) for c in part],
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
        self._write_summaries(documents)
        self.db.executemany("INSERT OR REPLACE INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?)", _chunk_rows(chunks))

    def delete_document(self, doc_id: str) -> int:
        """Remove one document and its chunks from both stores; returns the number of chunks removed."""
        with self._writer():
            ids = self._chunk_ids_of([doc_id])
            if not self.db.execute("SELECT 1 FROM documents WHERE doc_id=?", (doc_id,)).fetchone():
                return 0
            with _transaction(self.db, write=True):
                generation = self.generation() + 1
                self._set_state("pending", "1")
                self._log_removals(generation, ids)
                self.db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
                self.db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
                self.db.execute("DELETE FROM document_summaries WHERE doc_id=?", (doc_id,))
                self._set_state("generation", str(generation))
            self._delete_vectors(ids)
            with _transaction(self.db, write=True):
                self._set_state("pending", "0")
            self.refresh(wait=True)
        self._keep_dense_sound(len(ids), [])
        self._maybe_compact()
        return len(ids)

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
    def _load_main(self) -> _Main | None:
        """The main the pointer names (cached by directory name), or None when it is missing or incomplete."""
        cdir = self.settings.collection_dir
        name = read_pointer(cdir)
        if name is None:
            return None
        if self._main is not None and self._main.name == name:
            return self._main
        lexical = LexicalIndex.load(cdir)
        if lexical is None or lexical.path is None or lexical.path.name != name:
            return None
        try:
            restorer = load_restorer(lexical.path / RESTORER_FILE)
            raw = json.loads((lexical.path / COLUMNS_FILE).read_text(encoding="utf-8"))
            columns = FilterColumns.from_rows(list(zip(*(raw[n] for n in _COLUMN_NAMES), strict=True)))
        except (OSError, ValueError, KeyError) as exc:  # removed meanwhile or torn: the caller retries
            log.info("lexical main %s incomplete: %s", name, type(exc).__name__)
            return None
        self._main = _Main(name, lexical, columns, restorer, {cid: i for i, cid in enumerate(lexical.ids)})
        return self._main

    def _read_side(self) -> LexicalSide | None:
        """The newest committed generation's side, or None when the main is not loadable or too old (retry)."""
        main = self._load_main()
        if main is None:
            return None
        base = main.lexical.generation
        with _transaction(self.db):  # one snapshot: generation, log and rows agree
            generation = self.generation()
            if base > generation or base < int(self._state("log_floor")):
                return None
            entries = self.db.execute(
                "SELECT seq, chunk_id, op, text FROM lexical_log WHERE generation > ? ORDER BY seq", (base,)
            ).fetchall()
            added: dict[str, None] = {}
            removed: dict[str, None] = {}
            for _seq, chunk_id, op, _text in entries:
                if op == "+":
                    added[chunk_id] = None
                elif chunk_id in main.row_of:
                    removed[chunk_id] = None
            rows = self._rows_of(list(added))
        alive = np.ones(len(main.lexical.ids), dtype=bool)
        alive[[main.row_of[c] for c in removed]] = False
        keep = np.flatnonzero(alive)
        ids = [main.lexical.ids[i] for i in keep.tolist()] + [r[0] for r in rows]
        delta = Postings.build([r[1].split() for r in rows]) if rows else None
        lexical = main.lexical.with_delta(ids, generation, alive, delta)
        columns = main.columns.select(keep, FilterColumns.from_rows([r[3:] for r in rows]))
        counts = self._restorer_delta
        if counts is None or counts.main != main.name:
            counts = RestorerDelta(main.name)
        counts = counts.advance(
            main.restorer, main.row_of, [e for e in entries if e[0] > counts.seq], {r[0]: r[2] for r in rows}
        )
        self._restorer_delta = counts
        restorer = counts.restorer(main.restorer)
        return LexicalSide(lexical, columns, restorer)

    def _rows_of(self, chunk_ids: list[str]) -> list[tuple[Any, ...]]:
        """Chunk-table rows (tokens, text, filter columns) of the ids that still exist, in table order."""
        rows: list[tuple[Any, ...]] = []
        for i in range(0, len(chunk_ids), 500):
            part = chunk_ids[i : i + 500]
            marks = ",".join("?" * len(part))
            rows.extend(
                self.db.execute(f"SELECT rowid, {_COLUMN_SQL} FROM chunks WHERE chunk_id IN ({marks})", part).fetchall()
            )
        return [r[1:] for r in sorted(rows)]

    def _build_main(self) -> tuple[LexicalIndex, dict[str, str]]:
        """A full main of one snapshot of the chunk table, with its restorer and filter columns.

        Rows are streamed (texts are counted for the restorer in batches and
        dropped), so building a 100k-chunk main never holds every text at once.
        """
        ids: list[str] = []
        columns: dict[str, list[Any]] = {n: [] for n in _COLUMN_NAMES}
        counts = RestorerCounts()
        texts: list[str] = []

        def tokens_of_rows(cursor: Iterable[tuple[Any, ...]]) -> Iterator[list[str]]:
            for row in cursor:
                ids.append(row[0])
                for i, name in enumerate(_COLUMN_NAMES):
                    columns[name].append(row[3 + i])
                texts.append(row[2])
                if len(texts) >= 2000:
                    counts.add(texts)
                    texts.clear()
                yield row[1].split()

        with _transaction(self.db):
            generation = self.generation()
            postings = Postings.build(
                tokens_of_rows(self.db.execute(f"SELECT {_COLUMN_SQL} FROM chunks ORDER BY rowid"))
            )
        counts.add(texts)
        side_files = {RESTORER_FILE: counts.to_json(), COLUMNS_FILE: json.dumps(columns, ensure_ascii=False)}
        return LexicalIndex(ids, generation, postings), side_files

    def _install_main(self, lexical: LexicalIndex, side_files: dict[str, str]) -> bool:
        """Save ``lexical`` as the current main unless a newer one is there; caller holds the writer lock.

        Log entries up to the previous main's generation are dropped: a reader
        still loading the previous main needs only the entries after it.
        """
        current = self._load_main()
        if current is not None and current.lexical.generation >= lexical.generation:
            return False
        floor = current.lexical.generation if current is not None else lexical.generation
        lexical.save(self.settings.collection_dir, side_files)
        with _transaction(self.db, write=True):
            self._set_state("log_floor", str(floor))
            self.db.execute("DELETE FROM lexical_log WHERE generation <= ?", (floor,))
        return True

    def _rebuild_main(self) -> None:
        """Full rebuild of the lexical side (lost or unreadable main); caller holds the writer lock."""
        self._main = None
        lexical, side_files = self._build_main()
        lexical.save(self.settings.collection_dir, side_files)
        with _transaction(self.db, write=True):  # no older main is in use any more
            self._set_state("log_floor", str(lexical.generation))
            self.db.execute("DELETE FROM lexical_log WHERE generation <= ?", (lexical.generation,))

    def compact(self) -> bool:
        """Fold the log into a new main (built outside the writer lock); True when a new main was installed."""
        lexical, side_files = self._build_main()
        with self._writer():
            installed = self._install_main(lexical, side_files)
        if installed:
            log.info("lexical index compacted at generation %d (%d rows)", lexical.generation, len(lexical.ids))
            self._reload()
        return installed

    def _reload(self) -> None:
        """Serve the current main (same generation, empty delta): frees the delta and speeds up later refreshes."""
        with self._refresh_lock:
            side = self._read_side()
            if side is not None and side.lexical.generation >= self.side.lexical.generation:
                self.side = side

    def _delta_too_large(self) -> bool:
        side = self.side.lexical
        main_rows = side.main.n_rows if side.main is not None else 0
        return side.delta_rows >= max(self.compact_min_rows, self.compact_fraction * main_rows)

    def _maybe_compact(self) -> None:
        """Start a background compaction when the delta has grown past the threshold."""
        if not self._delta_too_large():
            return
        if self._compactor is not None and self._compactor.is_alive():
            return
        self._compactor = threading.Thread(target=self._compact_in_background, name="troly-compact", daemon=True)
        self._compactor.start()

    def _compact_in_background(self) -> None:
        try:
            self.compact()
        except Exception:  # the log keeps serving exactly; the next threshold crossing tries again
            log.exception("background compaction of %s failed", self.settings.collection_dir)

    def wait_for_compaction(self) -> None:
        """Block until a running background compaction ends (tests, benchmarks, close)."""
        if self._compactor is not None:
            self._compactor.join()

    # ---- reading -----------------------------------------------------------------
    def count(self) -> int:
        """Number of chunks."""
        return int(self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def documents(self) -> list[Document]:
        """All stored documents (normalized text + topics), by doc_id."""
        rows = self.db.execute("SELECT data FROM documents ORDER BY doc_id").fetchall()
        return [_document_from_json(json.loads(r[0])) for r in rows]

    def document_summaries(self) -> list[DocumentSummary]:
        """Every document's summary (title, classification, header metadata, sizes), by doc_id: what a
        documents list shows, read from the summary table without loading any document's text."""
        rows = self.db.execute("SELECT data FROM document_summaries ORDER BY doc_id").fetchall()
        return [DocumentSummary.from_dict(json.loads(r[0])) for r in rows]

    def document_levels(self) -> dict[str, str]:
        """doc_id → classification from the summary table (checked on every answer and clearance view)."""
        rows = self.db.execute("SELECT doc_id, classification FROM document_summaries").fetchall()
        return {doc_id: level or "public" for doc_id, level in rows}

    def document_numbers(self) -> dict[str, str]:
        """doc_id → số/ký hiệu ("" when none), read from the summary table without loading the documents."""
        rows = self.db.execute("SELECT doc_id, json_extract(data, '$.meta.number') FROM document_summaries").fetchall()
        return {doc_id: number or "" for doc_id, number in rows}

    def get_document(self, doc_id: str) -> Document | None:
        row = self.db.execute("SELECT data FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return _document_from_json(json.loads(row[0])) if row else None

    def document_chunk_counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT doc_id, COUNT(*) FROM chunks GROUP BY doc_id"))

    def get_chunks(self, ids: Sequence[str]) -> list[Chunk]:
        """Chunks by id, in the given order (unknown ids are skipped)."""
        found: dict[str, Chunk] = {}
        for i in range(0, len(ids), 500):
            part = list(ids[i : i + 500])
            marks = ",".join("?" * len(part))
            for cid, text, meta in self.db.execute(
                f"SELECT chunk_id, text, meta FROM chunks WHERE chunk_id IN ({marks})", part
            ).fetchall():
                found[cid] = Chunk.from_metadata(text, json.loads(meta))
        return [found[i] for i in ids if i in found]

    def chunk_at(self, doc_id: str, offset: int) -> Chunk | None:
        """The first passage of ``doc_id`` (in document order) that holds the character at ``offset``."""
        row = self.db.execute(
            "SELECT text, meta FROM chunks WHERE doc_id=? AND json_extract(meta, '$.start') <= ?"
            " AND json_extract(meta, '$.end') > ? ORDER BY ord LIMIT 1",
            (doc_id, offset, offset),
        ).fetchone()
        return Chunk.from_metadata(row[0], json.loads(row[1])) if row else None

    def all_chunks(self) -> list[Chunk]:
        rows = self.db.execute("SELECT text, meta FROM chunks ORDER BY doc_id, ord").fetchall()
        return [Chunk.from_metadata(text, json.loads(meta)) for text, meta in rows]

    def topics(self) -> list[tuple[Document, Topic]]:
        """Every (document, topic) pair, documents by id and topics by number.

        Only documents that have topics are parsed: the retriever asks on every new
        generation, and parsing every document's text meant ~60 MB of short-lived
        strings at 100k chunks (eval/reports/bench_memory.md).
        """
        rows = self.db.execute(
            "SELECT data FROM documents WHERE json_array_length(data, '$.topics') > 0 ORDER BY doc_id"
        ).fetchall()
        docs = [_document_from_json(json.loads(r[0])) for r in rows]
        return [(d, t) for d in docs for t in sorted(d.topics, key=lambda t: t.number)]

    def _chunk_ids_of(self, doc_ids: Iterable[str]) -> list[str]:
        out: list[str] = []
        for d in doc_ids:
            out.extend(
                r[0]
                for r in self.db.execute("SELECT chunk_id FROM chunks WHERE doc_id=? ORDER BY ord", (d,)).fetchall()
            )
        return out

    def _count_chunks_of(self, doc_ids: list[str]) -> int:
        return sum(
            int(self.db.execute("SELECT COUNT(*) FROM chunks WHERE doc_id=?", (d,)).fetchone()[0]) for d in doc_ids
        )

    def close(self) -> None:
        """Wait for a background compaction, then close every thread's SQLite connection."""
        self.wait_for_compaction()
        with self._connections_lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()


def drop_collection(settings: Settings) -> None:
    """Remove ``settings.collection`` whole: its Chroma collection(s) and its folder (chunk table, lexical mains).

    For evaluations, which must score a fresh index every run: emptying by pruning and re-ingesting deletes and
    re-adds every vector, after which Chroma 1.5.9 can lose some (see the module docstring), and the same
    questions got different answers from run to run.
    """
    client = _make_client(settings)
    names = {chroma_name(settings.collection)}
    db_path = settings.collection_dir / "index.sqlite3"
    if db_path.is_file():
        with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as db:
            marks = ",".join("?" * len(_DENSE_KEYS))
            with contextlib.suppress(sqlite3.OperationalError):  # no state table yet
                names |= {r[0] for r in db.execute(f"SELECT value FROM state WHERE key IN ({marks})", _DENSE_KEYS)}
    for collection in client.list_collections():
        if collection.name in names:
            client.delete_collection(collection.name)
    shutil.rmtree(settings.collection_dir, ignore_errors=True)


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
