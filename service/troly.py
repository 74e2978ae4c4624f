"""The one door through which the REST API and the web UI reach the index.

Both front ends call this class, so the clearance rule and the audit log are
enforced in exactly one place:

* every retrieval gets ``SearchFilters(max_level=user.clearance)`` – retrieval
  drops higher-level chunks *before* ranking, so they cannot crowd out or
  leak into anything;
* every result is checked again on the way out (:meth:`TrolyService._guard_hits`)
  – a second, independent line of defence that turns a retrieval bug into a
  refusal instead of a leak;
* document lists and topics are filtered by document classification;
* every read of passages is written to the audit log with the chunk ids.

The index and the answer pipeline are built lazily and shared. Reads (search,
ask, streaming, talking points, lists) take no service lock: the index serves
a consistent generation while a writer works. Writers embed outside any lock;
only the index's commit is serialised per collection (see rag/index.py).
"""

from __future__ import annotations

import logging
import os
import queue
import re
import shutil
import threading
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ingest.chunking import passage_window
from ingest.model import Chunk, Document, DocumentSummary, IngestError, Topic, level_rank
from rag.retrieval import allowed_only
from rag.settings import Settings
from service.audit import AuditLog
from service.auth import User
from service.background import BACKGROUND_NICENESS, BackgroundPool
from service.views import ClearanceView, accepts
from service.workers import WorkerPool, default_size, no_calls, shared_pool

if TYPE_CHECKING:
    from datetime import date

    from ingest.pipeline import IngestResult
    from rag.index import Index

log = logging.getLogger(__name__)
_SAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)
_END = object()
MAX_NAME_CHARS = 150
WRITE_THREADS = 2
WITHHELD_TEXT = (
    "Câu trả lời này không còn hiển thị được: tài liệu được trích dẫn vượt quá mức truy cập hiện tại của bạn."
)


def clamped_query(index: Index, rank: int, kwargs: dict[str, Any]) -> Any:
    """A worker's dense search (Chroma ``query`` arguments) run on ``index``, never returning a passage above
    clearance ``rank``: a where clause of the worker's gets the clearance clause added; a query without one (the
    worker asked for more results instead, see rag.retrieval.POST_FILTER_MAX) has the passages above dropped."""
    index.refresh()
    side = index.side
    levels = side.columns.level
    if not len(levels) or int(levels.max()) <= rank:  # nothing above the caller (see chroma_where)
        return index.dense_query(**kwargs)
    if "where" not in kwargs and "ids" not in kwargs:
        kept = allowed_only(index.dense_query(**kwargs), levels <= rank, side.row_of)
        return {"ids": [[cid for cid, _ in kept]], "distances": [[distance for _, distance in kept]]}
    clause = {"level": {"$lte": rank}}
    where = kwargs.get("where")
    return index.dense_query(**{**kwargs, "where": {"$and": [where, clause]} if where else clause})


class NotFound(LookupError):
    """The thing does not exist – or exists above the caller's clearance (indistinguishable on purpose)."""


class Forbidden(PermissionError):
    """The caller's role does not allow this action."""


class Conflict(Forbidden):
    """The request would replace a document the caller may not touch (HTTP 409)."""


@dataclass
class UploadReport:
    """Per-file outcome of an upload: what was indexed and which files failed, with reasons."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    indexed: Any = None
    """The ingest result and index statistics (``rag.indexing.Indexed``), for the CLI's summary table."""


def safe_filename(name: str) -> str:
    """A file name safe to write under the uploads folder (keeps Vietnamese letters, drops paths).

    A long name is shortened in its stem, so "…rất dài….docx" stays a .docx.
    """
    base = unicodedata.normalize("NFC", Path(name.replace("\\", "/")).name).strip()
    cleaned = _SAFE_NAME.sub("_", base).strip(" .")
    if len(cleaned) > MAX_NAME_CHARS:
        suffix = Path(cleaned).suffix
        suffix = suffix if 1 < len(suffix) <= 10 else ""
        cleaned = cleaned[: MAX_NAME_CHARS - len(suffix)].rstrip(" .") + suffix
    return cleaned or "upload"


def without_paths(reason: str, *paths: Path | str) -> str:
    """An error reason safe to show a client: no absolute server path in it (only file names)."""
    for p in sorted({str(p) for p in paths if str(p)}, key=len, reverse=True):
        reason = reason.replace(p + "/", "").replace(p, Path(p).name)
    return re.sub(r"(?:/[^\s/:'\"]+){2,}/([^\s/:'\"]+)", r"\1", reason)


class TrolyService:
    """Clearance-aware, audited access to one collection's index."""

    def __init__(self, settings: Settings, audit: AuditLog | None = None, index: Any = None) -> None:
        from ingest import limits

        limits.configure(limits.ParseLimits.from_settings(settings))
        self.settings = settings
        self.audit = audit or AuditLog.for_data_dir(settings.data_dir)
        self._init_lock = threading.Lock()
        self._answers = BackgroundPool(settings.answer_concurrency, BACKGROUND_NICENESS, "troly-answer")
        """Low-priority threads for the CPU-heavy reads that stay in this process (comparisons, figures; answers
        and talking points too with ``TROLY_WORKERS=0``): at most ``answer_concurrency`` at once."""
        size = default_size(settings.workers)
        self.workers: WorkerPool | None = shared_pool(size, settings.worker_timeout) if size else None
        """Worker processes for answers and talking points (service/workers.py); None: in this process."""
        self._relays = ThreadPoolExecutor(max_workers=64, thread_name_prefix="troly-relay")
        """Threads that relay a streamed answer from its worker (they wait on a pipe; they compute nothing)."""
        self._writes = BackgroundPool(WRITE_THREADS, BACKGROUND_NICENESS, "troly-ingest")
        """Low-priority threads for parsing, chunking and embedding uploads (commits stay serialised by the index)."""
        self.lock = threading.RLock()
        """Serialises this collection's check-then-write steps (delete); never taken by reads or embedding."""
        self._index: Any = index
        self._retriever: Any = None
        self._pipeline: Any = None

    # ---- lazily built components (the lock guards construction only, never use) ---------
    @property
    def index(self) -> Any:
        if self._index is None:
            with self._init_lock:
                if self._index is None:
                    from rag.index import Index

                    self._index = Index.open(self.settings)
        return self._index

    @property
    def retriever(self) -> Any:
        if self._retriever is None:
            index = self.index
            with self._init_lock:
                if self._retriever is None:
                    from rag.retrieval import HybridRetriever

                    self._retriever = HybridRetriever(index=index, settings=self.settings)
        return self._retriever

    @property
    def pipeline(self) -> Any:
        if self._pipeline is None:
            index = self.index
            with self._init_lock:
                if self._pipeline is None:
                    from rag.answer import AnswerPipeline

                    self._pipeline = AnswerPipeline(self.settings, index)
        return self._pipeline

    def count_tokens(self, text: str) -> int:
        """Chunk sizes are measured with the index's own embedder (no second model load)."""
        return self.index.embeddings.count_tokens(text)

    # ---- filters and guards ------------------------------------------------------
    @staticmethod
    def filters_for(user: User, **given: Any) -> Any:
        """SearchFilters with the user's clearance as ``max_level`` (never taken from the request)."""
        from rag.retrieval import SearchFilters

        clean = {k: v for k, v in given.items() if v not in (None, "")}
        clean.pop("max_level", None)
        return SearchFilters(max_level=user.clearance, **clean)

    @staticmethod
    def _guard_hits(user: User, hits: list[Any]) -> list[Any]:
        """Second line of defence: drop any hit above clearance (retrieval should already have)."""
        return [h for h in hits if user.may_see(getattr(h.chunk, "classification", "tuyet_mat"))]

    def _visible_documents(self, user: User) -> list[Document]:
        return [d for d in self.index.documents() if user.may_see(d.classification)]

    def _doc_levels(self) -> dict[str, str]:
        return self.index.document_levels()

    # ---- reads (no service lock: the index serves a consistent generation) ---------
    def search(self, user: User, query: str, k: int, channel: str = "api", **filters: Any) -> list[Any]:
        hits = self.retriever.search(query, k, self.filters_for(user, **filters))
        hits = self._guard_hits(user, hits)
        self.audit.record(user.name, "search", query=query, channel=channel, chunk_ids=[h.chunk.chunk_id for h in hits])
        return hits

    def ask(self, user: User, question: str, k: int, channel: str = "api", **filters: Any) -> Any:
        search_filters = self.filters_for(user, **filters)
        if self.workers is not None:
            *_, answer = self._in_worker(user, ("ask", self.settings, question, search_filters, k))
        else:
            answer = self._answers.run(self.pipeline.ask, question, search_filters, k)
        answer = self._guard_answer(user, answer)
        self._audit_answer(user, answer, channel)
        return answer

    def ask_stream(self, user: User, question: str, k: int, channel: str = "api", **filters: Any) -> Iterator[Any]:
        """Yields text pieces, then the final (guarded, audited) Answer.

        The pieces are produced from passages retrieved under ``max_level``, so they
        are safe to forward before the Answer arrives. The pipeline runs on a low-priority
        answer thread (service/background.py): web servers resume a sync generator on arbitrary threads and may
        abandon it when a client goes away, so the consumer must own nothing.
        """
        items: queue.Queue[Any] = queue.Queue()
        search_filters = self.filters_for(user, **filters)
        if self.workers is not None:
            pieces: Callable[[], Iterator[Any]] = lambda: self._in_worker(  # noqa: E731
                user, ("ask", self.settings, question, search_filters, k)
            )
        else:
            pipeline = self.pipeline
            pieces = lambda: pipeline.ask_stream(question, search_filters, k)  # noqa: E731

        def produce() -> None:
            try:
                for item in pieces():
                    if not isinstance(item, str):
                        item = self._guard_answer(user, item)
                        self._audit_answer(user, item, channel)
                    items.put(item)
            except Exception as exc:  # handed to the consumer, which re-raises it in its own thread
                items.put(exc)
            finally:
                items.put(_END)

        (self._relays.submit if self.workers is not None else self._answers.submit)(produce)
        while (item := items.get()) is not _END:
            if isinstance(item, Exception):
                raise item
            yield item

    def _in_worker(self, user: User, task: tuple[Any, ...]) -> Iterator[Any]:
        """Run ``task`` in a worker process; its dense searches come back here and are held to ``user``'s clearance
        (whatever the worker asks for), so a worker sees no vector above it."""
        assert self.workers is not None
        rank = level_rank(user.clearance)
        index = self.index

        def query(request: Any) -> Any:
            name, kwargs = request
            if name != "query":
                raise ValueError(f"unknown call from a worker: {name!r}")
            return clamped_query(index, rank, kwargs)

        return self.workers.run(task, query)

    def _guard_answer(self, user: User, answer: Any) -> Any:
        hits = list(getattr(answer, "hits", []) or [])
        levels = self._doc_levels()
        leaked = len(self._guard_hits(user, hits)) != len(hits) or any(
            not user.may_see(levels.get(c.doc_id, "tuyet_mat")) for c in answer.citations
        )
        if not leaked:
            return answer
        return replace(
            answer,
            answer="Không thể trả lời: kết quả vượt quá mức truy cập của bạn.",
            refused=True,
            reason="clearance",
            citations=[],
            hits=[],
        )

    def _audit_answer(self, user: User, answer: Any, channel: str) -> None:
        self.audit.record(
            user.name,
            "ask",
            query=answer.question,
            channel=channel,
            chunk_ids=[c.chunk_id for c in answer.citations],
            retrieved=[h.chunk.chunk_id for h in getattr(answer, "hits", []) or []],
            refused=bool(answer.refused),
        )

    def documents(self, user: User, channel: str = "api") -> list[DocumentSummary]:
        docs = sorted(
            (d for d in self.index.document_summaries() if user.may_see(d.classification)), key=lambda d: d.title
        )
        self.audit.record(user.name, "list_documents", channel=channel, doc_ids=[d.doc_id for d in docs])
        return docs

    def document(self, user: User, doc_id: str) -> Document:
        doc = self.index.get_document(doc_id)
        if doc is None or not user.may_see(doc.classification):
            raise NotFound(f"no document {doc_id!r}")
        return doc

    def topics(self, user: User, channel: str = "api") -> list[tuple[Document, Topic]]:
        pairs = [(d, t) for d, t in self.index.topics() if user.may_see(d.classification)]
        self.audit.record(user.name, "list_topics", channel=channel, doc_ids=sorted({d.doc_id for d, _ in pairs}))
        return pairs

    def topic(self, user: User, number: int | None, doc_id: str | None = None) -> tuple[Document, Topic]:
        # None (talking points asked with neither a topic nor a subject) matches no topic: NotFound, as before.
        for doc, topic in self.topics(user, channel="internal"):
            if topic.number == number and (not doc_id or doc.doc_id == doc_id):
                return doc, topic
        raise NotFound(f"no topic {number}" + (f" in {doc_id!r}" if doc_id else ""))

    def assignments(self, user: User, body: str = "", channel: str = "api") -> list[tuple[Document, Any]]:
        """Tasks assigned to bodies in the documents the user may see; ``body`` matches folded, as a substring."""
        from ingest.normalize import fold

        wanted = fold(body) if body else ""
        found = [
            (d, a)
            for d in sorted(self._visible_documents(user), key=lambda d: d.title)
            for a in getattr(d, "assignments", []) or []
            if not wanted or wanted in fold(a.body)
        ]
        self.audit.record(
            user.name, "assignments", query=body, channel=channel, doc_ids=sorted({d.doc_id for d, _ in found})
        )
        return found

    def talking_points(
        self,
        user: User,
        topic: int | None,
        organisation: str | None = None,
        n_points: int = 5,
        channel: str = "api",
        doc_id: str | None = None,
        about: str = "",
        **options: Any,
    ) -> Any:
        """Draft talking points from passages the user may see: on ``topic`` of a guide, or on ``about``.

        The drafter only ever sees a :class:`ClearanceView`; ``doc_id`` (the guide,
        also accepted as ``guide_id`` like the web UI passes it) settles which guide's
        topic N is meant while the evidence still comes from every visible document;
        every cited document is checked against the clearance once more afterwards.
        """
        from rag.talking_points import draft_about, draft_talking_points

        doc_id = doc_id or options.pop("guide_id", None)
        options.pop("guide_id", None)
        drafter = draft_about if about else draft_talking_points
        if not about:
            self.topic(user, topic, doc_id)
        kwargs: dict[str, Any] = {"organisation": organisation or None, "n_points": n_points}
        given = {"max_level": user.clearance, "guide_id": doc_id, **options}
        for name, value in given.items():
            if value not in (None, "") and accepts(drafter, name):
                kwargs[name] = value
        topics_of = None if about else doc_id
        try:
            if self.workers is not None:  # the worker adds its own embedder and builds the same ClearanceView
                task = ("talking_points", self.settings, drafter.__name__, user.clearance, topics_of, about or topic)
                *_, tp = self._in_worker(user, (*task, kwargs))
            else:
                if accepts(drafter, "embeddings"):
                    kwargs["embeddings"] = self.index.embeddings
                view = ClearanceView(self.index, user.clearance, topics_of=topics_of)
                tp = self._answers.run(drafter, self.settings, view, about or topic, **kwargs)
        except ValueError as exc:  # unknown topic, nothing on the subject: the drafter's message is user-facing
            raise NotFound(str(exc)) from exc
        levels = self._doc_levels()
        if any(not user.may_see(levels.get(c.doc_id, "tuyet_mat")) for c in tp.citations):
            raise NotFound("no talking points within your clearance")  # defence in depth
        subject = f"about {about}" if about else f"topic {topic}" + (f" of {doc_id}" if doc_id else "")
        self.audit.record(
            user.name,
            "talking_points",
            query=subject + (f" / {organisation}" if organisation else ""),
            channel=channel,
            chunk_ids=[c.chunk_id for c in tp.citations],
        )
        return tp

    def passage(
        self, user: User, doc_id: str, start: int, end: int, chunk: Chunk | None = None, channel: str = "ui"
    ) -> dict[str, Any]:
        """Text around a citation for display: the chunk (or a window) and where the quote sits in it."""
        try:
            doc = self.document(user, doc_id)
        except NotFound:
            self.audit.record(user.name, "passage", channel=channel, doc_ids=[doc_id], status=404)
            raise
        lo, hi = (chunk.start, chunk.end) if chunk is not None else (start, end)
        # a one-sentence passage reads better with its neighbours, but never those of another topic or part
        lo, hi = passage_window(doc, min(lo, start), max(hi, end))
        self.audit.record(user.name, "passage", channel=channel, doc_ids=[doc_id], span=[lo, hi], status=200)
        return {"document": doc, "text": doc.text[lo:hi], "quote_start": start - lo, "quote_end": end - lo}

    def conversation_view(self, user: User, turns: list[dict[str, Any]], channel: str = "ui") -> list[dict[str, Any]]:
        """A chat history as ``user`` may see it now, and an audit line for reading it.

        A turn citing a document now above the user's clearance (reclassified, or the clearance lowered since
        it was answered) is withheld. The level of each cited document is remembered in the turn on its first
        view, so a document deleted since still counts at the level it had.
        """
        levels = self._doc_levels()
        shown: list[dict[str, Any]] = []
        cited: set[str] = set()
        withheld = 0
        for turn in turns:
            docs = {str(c.get("doc_id")) for c in turn.get("citations") or []}
            known = turn.setdefault("levels", {})
            for doc_id in docs:
                known.setdefault(doc_id, levels.get(doc_id, "tuyet_mat"))
            if all(user.may_see(_highest(levels.get(d, "public"), known[d])) for d in docs):
                shown.append(turn)
                cited |= docs
                continue
            withheld += 1
            shown.append(
                {"question": turn.get("question", ""), "answer": WITHHELD_TEXT, "citations": [], "refused": True}
            )
        self.audit.record(
            user.name, "conversation_read", channel=channel, doc_ids=sorted(cited), turns=len(turns), withheld=withheld
        )
        return shown

    # ---- writes ------------------------------------------------------------------
    def uploads_dir(self) -> Path:
        return self.settings.data_dir / "uploads" / self.settings.collection

    def staging_root(self) -> Path:
        return self.settings.data_dir / "uploads" / ".staging"

    def clean_staging(self) -> int:
        """Remove staged copies left by a server that died mid-upload (kill -9); returns how many.

        A staging folder is named after the process that made it, so one whose process is gone is stale;
        an upload in flight in a live process (another server on the same data dir) is left alone.
        """
        removed = 0
        root = self.staging_root()
        for folder in root.iterdir() if root.is_dir() else []:
            pid = folder.name.split("-", 1)[0]
            if not (pid.isdigit() and _process_alive(int(pid))):
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        if removed:
            log.warning("removed %d staged upload(s) left by a stopped server", removed)
        return removed

    def upload(
        self,
        user: User,
        files: Sequence[tuple[str, bytes | IO[bytes]]],
        classification: str = "public",
        channel: str = "api",
        on_progress: Callable[..., Any] | None = None,
    ) -> UploadReport:
        """Save, ingest and index files; each bad file becomes a named error, never an exception.

        Files are staged in a private folder first: a refused file never reaches
        ``uploads/`` (nor overwrites the source of an indexed document), and a
        file that would replace a document above the caller's clearance refuses
        the whole upload with :class:`Conflict` before anything is read.
        """
        from ingest.pipeline import SUPPORTED_SUFFIXES, make_doc_id

        self._require(user, "editor")
        report = UploadReport()
        if not user.may_see(classification):
            report.errors = [
                IngestError(n, f"classification {classification!r} is above your clearance") for n, _ in files
            ]
            self.audit.record(
                user.name, "upload", channel=channel, status=403, errors=[e.reason for e in report.errors]
            )
            return report
        self._check_replaceable(user, [make_doc_id(Path(safe_filename(n))) for n, _ in files], channel)
        staging = self.staging_root() / f"{os.getpid()}-{uuid.uuid4().hex}"
        staging.mkdir(parents=True, exist_ok=True)
        try:
            paths = self._stage(files, staging, SUPPORTED_SUFFIXES, report)
            if paths:
                parsed = self._embed_in_worker(paths, on_progress)
                self._writes.run(
                    self._ingest_paths,
                    user,
                    paths,
                    classification,
                    report,
                    on_progress,
                    channel,
                    move_to=self.uploads_dir(),
                    index_options={"parsed": parsed} if parsed is not None else None,
                )
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self.audit.record(
            user.name,
            "upload",
            channel=channel,
            doc_ids=[d["doc_id"] for d in report.documents],
            errors=[f"{e.path}: {e.reason}" for e in report.errors],
        )
        log.info("upload by %s: %d indexed, %d refused", user.name, len(report.documents), len(report.errors))
        return report

    def _stage(
        self, files: Sequence[tuple[str, bytes | IO[bytes]]], staging: Path, suffixes: Any, report: UploadReport
    ) -> list[Path]:
        """Write each acceptable file under ``staging``; the others become errors named by their upload name."""
        limit = self.settings.max_upload_mb * 1024 * 1024
        paths: list[Path] = []
        for name, data in files:
            safe = safe_filename(name)
            if Path(safe).suffix.lower() not in suffixes:
                report.errors.append(
                    IngestError(safe, f"unsupported file type (supported: {', '.join(sorted(suffixes))})")
                )
                continue
            path = staging / safe
            with path.open("wb") as out:
                if isinstance(data, bytes | bytearray):
                    out.write(data)
                else:
                    shutil.copyfileobj(data, out, 1 << 20)
            size = path.stat().st_size
            if size == 0:
                report.errors.append(IngestError(safe, "the file is empty"))
            elif size > limit:
                report.errors.append(IngestError(safe, f"larger than {self.settings.max_upload_mb} MB"))
            else:
                paths.append(path)
                continue
            path.unlink(missing_ok=True)
        return paths

    def warm_workers(self) -> threading.Thread | None:
        """Start one worker process now and let it load the embedder and open this collection in the background
        (``troly serve`` calls it): the first answer or upload after a start then finds a worker ready instead of
        waiting for a model to load (about 20 s on a busy machine)."""
        return self.workers.warm(("warm", self.settings)) if self.workers is not None else None

    def _embed_in_worker(self, paths: list[Path], on_progress: Callable[..., Any] | None = None) -> IngestResult | None:
        """Let a worker process read, chunk and embed staged uploads into the shared embedding cache and return
        what it read, so the ingest that follows here (clearance, levels, commit) neither parses nor runs the
        model in the serving process; the worker's progress ("embed", done, total) reaches ``on_progress`` as the
        index's would. Best effort: if the worker fails, None, and the ingest reads and embeds here as before."""
        if self.workers is None:
            return None
        parsed: IngestResult | None = None
        try:
            for piece in self.workers.run(("embed_files", self.settings, [str(p) for p in paths]), no_calls):
                if piece[0] == "parsed":
                    parsed = piece[1]
                elif on_progress is not None:
                    on_progress(*piece)
        except Exception as exc:  # the upload itself must not fail for this
            log.warning("embedding an upload in a worker failed (%s); embedding it in the server", exc)
            return None
        return parsed

    def _check_replaceable(self, user: User, doc_ids: list[str], channel: str) -> None:
        """Refuse (409) when an id names an indexed document the user may not see."""
        hidden = []
        for doc_id in doc_ids:
            existing = self.index.get_document(doc_id)
            if existing is not None and not user.may_see(existing.classification):
                hidden.append(doc_id)
        if hidden:
            self.audit.record(user.name, "upload", channel=channel, doc_ids=hidden, status=409, refused="replace")
            raise Conflict(
                "Không thể thay thế tài liệu: đã có tài liệu cùng tên tệp ("
                + ", ".join(hidden)
                + ") ở độ mật cao hơn quyền của bạn. Hãy đổi tên tệp hoặc nhờ người có thẩm quyền."
            )

    def ingest_paths(
        self,
        user: User,
        paths: list[Path],
        classification: str = "public",
        on_progress: Callable[..., Any] | None = None,
        **index_options: Any,
    ) -> UploadReport:
        """Ingest files already on disk (``troly ingest``, first start of ``troly serve``, re-index).

        ``index_options`` go to :func:`rag.indexing.index_files` (``chunk_tokens``, ``known``, ``on_file``,
        ``embed_ahead``): the CLI's progress bars and fingerprint skip, on the same audited, clearance-checked path.
        """
        self._require(user, "editor")
        report = UploadReport()
        self._writes.run(
            self._ingest_paths, user, paths, classification, report, on_progress, "cli", index_options=index_options
        )
        self.audit.record(
            user.name,
            "ingest",
            channel="cli",
            doc_ids=[d["doc_id"] for d in report.documents],
            skipped=[e.path for e in report.errors],
        )
        return report

    def _ingest_paths(
        self,
        user: User,
        paths: list[Path],
        classification: str,
        report: UploadReport,
        on_progress: Callable[..., Any] | None,
        channel: str = "api",
        move_to: Path | None = None,
        index_options: dict[str, Any] | None = None,
    ) -> None:
        """Parse and chunk (no lock), apply levels and the replacement rule, then upsert (the index embeds
        outside its lock and serialises only the commit, where the replacement rule is checked again)."""
        from rag.indexing import index_files

        folders = [p.parent for p in paths] + [self.settings.data_dir.resolve(), self.settings.data_dir]
        replaced: list[tuple[Document, Document]] = []
        ids: list[str] = []  # what is about to be upserted: the commit-time replacement check reads it

        def prepare(docs: list[Document], chunks: list[Chunk]) -> tuple[list[Document], list[Chunk]]:
            docs, chunks = self._raise_levels(docs, chunks, classification)
            docs, chunks = self._keep_existing_levels(docs, chunks)
            allowed = {d.doc_id for d in docs if user.may_see(d.classification)}
            for d in docs:
                if d.doc_id not in allowed:
                    report.errors.append(
                        IngestError(Path(d.path).name, f"marked {d.classification!r}, above your clearance")
                    )
            docs = [d for d in docs if d.doc_id in allowed]
            chunks = [c for c in chunks if c.doc_id in allowed]
            if move_to is not None:
                docs = self._move_sources(docs, move_to)
            replaced.extend(self._replacements(docs))
            ids[:] = [d.doc_id for d in docs]
            return docs, chunks

        indexed = index_files(
            self.index,
            paths,
            self.settings,
            prepare=prepare,
            on_embed=on_progress,
            before_commit=lambda: self._check_replaceable(user, ids, channel),
            **(index_options or {}),
        )
        report.indexed = indexed
        result, docs = indexed.result, indexed.documents
        report.errors[:0] = [IngestError(Path(e.path).name, without_paths(e.reason, *folders)) for e in result.errors]
        for old, new in replaced:
            self.audit.record(
                user.name,
                "replace",
                channel=channel,
                doc_ids=[new.doc_id],
                old_hash=old.source_hash,
                new_hash=new.source_hash,
                old_level=old.classification,
                new_level=new.classification,
            )
        counts = Counter(c.doc_id for c in result.chunks)
        for d in docs:
            report.documents.append(
                {
                    "file": Path(d.path).name,
                    "doc_id": d.doc_id,
                    "title": d.title,
                    "chunks": counts[d.doc_id],
                    "classification": d.classification,
                }
            )

    def _move_sources(self, docs: list[Document], folder: Path) -> list[Document]:
        """Move accepted staged files to the uploads folder; the documents then point at their final path."""
        folder.mkdir(parents=True, exist_ok=True)
        finals: dict[str, str] = {}  # one file can hold several documents (a cover letter and its attachment)
        for d in docs:
            if d.path not in finals:
                final = folder / Path(d.path).name
                shutil.move(d.path, final)
                finals[d.path] = str(final)
        return [replace(d, path=finals[d.path]) for d in docs]

    def _replacements(self, docs: list[Document]) -> list[tuple[Document, Document]]:
        """(indexed, new) pairs for documents this write replaces with different content."""
        pairs = []
        for d in docs:
            old = self.index.get_document(d.doc_id)
            if old is not None and old.source_hash != d.source_hash:
                pairs.append((old, d))
        return pairs

    def _keep_existing_levels(self, docs: list[Document], chunks: list[Chunk]) -> tuple[list[Document], list[Chunk]]:
        """A replacement never lowers a document's level silently: it keeps the higher of old and new."""
        existing = {d.doc_id: self.index.get_document(d.doc_id) for d in docs}
        floor = {k: v.classification for k, v in existing.items() if v is not None}
        if not floor:
            return docs, chunks
        docs = [replace(d, classification=_highest(d.classification, floor.get(d.doc_id, "public"))) for d in docs]
        chunks = [replace(c, classification=_highest(c.classification, floor.get(c.doc_id, "public"))) for c in chunks]
        return docs, chunks

    @staticmethod
    def _raise_levels(
        docs: list[Document], chunks: list[Chunk], classification: str
    ) -> tuple[list[Document], list[Chunk]]:
        """Apply the requested classification, never lowering what ingest detected in the file."""
        docs = [replace(d, classification=_highest(d.classification, classification)) for d in docs]
        by_id = {d.doc_id: d.classification for d in docs}
        chunks = [
            replace(c, classification=_highest(c.classification, classification, by_id.get(c.doc_id, "public")))
            for c in chunks
        ]
        return docs, chunks

    def delete(self, user: User, doc_id: str, channel: str = "api") -> None:
        """Remove a document from the index and, when it came through an upload, its stored source file."""
        self._require(user, "editor")
        with self.lock:
            doc = self.document(user, doc_id)  # NotFound when absent or above clearance
            self.index.delete_document(doc_id)
            # one file can hold several documents (a công văn and its attached report): the file stays while
            # another document made from it is still indexed, so re-indexing that one still finds its source
            shared = any(d.path == doc.path for d in self.index.documents())
        source = Path(doc.path)
        if not shared and source.resolve().is_relative_to(self.uploads_dir().resolve()):
            source.unlink(missing_ok=True)
        self.audit.record(user.name, "delete", channel=channel, doc_ids=[doc_id], level=doc.classification)

    def reindex(self, user: User, channel: str = "api", on_progress: Callable[..., Any] | None = None) -> UploadReport:
        """Re-ingest every visible document from its source file (unchanged text costs nothing)."""
        self._require(user, "editor")
        report = UploadReport()
        docs = self.documents(user, channel="internal")
        present = [d for d in docs if Path(d.path).is_file()]
        for d in docs:
            if d not in present:
                report.errors.append(
                    IngestError(
                        Path(d.path).name, "source file no longer exists; delete the document or upload it again"
                    )
                )
        by_level: dict[str, list[Path]] = {}
        for d in present:
            by_level.setdefault(d.classification, []).append(Path(d.path))
        for level, paths in by_level.items():
            self._writes.run(self._ingest_paths, user, paths, level, report, on_progress, channel)
        self.audit.record(user.name, "reindex", channel=channel, doc_ids=[d["doc_id"] for d in report.documents])
        return report

    @staticmethod
    def _require(user: User, role: str) -> None:
        if not user.can(role):
            raise Forbidden(f"role {user.role!r} cannot do this; {role!r} or higher is needed")

    def docx_bytes(self, user: User, tp: Any, channel: str = "api") -> bytes:
        """Talking points as .docx bytes for a download: nothing is written to disk (no predictable file to steal).

        Every cited document is checked against the caller's clearance again at this moment, and the export
        (or its refusal) is audited.
        """
        from rag.docx_export import talking_points_docx_bytes

        cited = sorted({c.doc_id for c in tp.citations})
        try:
            for doc_id in cited:
                self.document(user, doc_id)
        except NotFound:
            self.audit.record(user.name, "export_refused", channel=channel, query=f"topic {tp.topic}", status=404)
            raise
        self.audit.record(
            user.name,
            "export",
            channel=channel,
            query=f"topic {tp.topic}",
            chunk_ids=[c.chunk_id for c in tp.citations],
        )
        return talking_points_docx_bytes(tp)

    # ---- drafting desk (issue 25): comparing two versions of a draft ------------------------
    def compare(
        self,
        user: User,
        old: tuple[str, bytes | IO[bytes]],
        new: tuple[str, bytes | IO[bytes]],
        classification: str = "public",
        channel: str = "api",
    ) -> Any:
        """Compare two versions of a draft the caller brings, in memory: both are staged in a private folder under
        the data dir, ingested without indexing and removed. Each is stamped by its header like an upload (a draft
        marked "MẬT" stays ``mat`` whatever ``classification`` says); one above the caller's clearance refuses the
        whole comparison (Forbidden). A file that cannot be read is a ValueError naming it, in Vietnamese."""
        from ingest.errors import IngestFileError, user_reason
        from ingest.model import LEVEL_NAMES
        from ingest.pipeline import SUPPORTED_SUFFIXES, load_documents
        from rag.compare import compare_documents

        names = [safe_filename(old[0]), safe_filename(new[0])]
        query = f"{names[0]} → {names[1]}"
        if not user.may_see(classification):
            self.audit.record(user.name, "compare", channel=channel, query=query, status=403)
            raise Forbidden(f"Độ mật “{LEVEL_NAMES.get(classification, classification)}” vượt quá quyền của bạn.")
        staging = self.settings.data_dir / "uploads" / ".staging" / uuid.uuid4().hex
        versions: list[list[Document]] = []
        try:
            for n, item in enumerate((old, new)):
                report = UploadReport()
                folder = staging / str(n)  # two files may carry the same name
                folder.mkdir(parents=True, exist_ok=True)
                paths = self._stage([item], folder, SUPPORTED_SUFFIXES, report)
                if report.errors:
                    error = report.errors[0]
                    self.audit.record(user.name, "compare", channel=channel, query=query, status=422)
                    raise ValueError(f"{error.path}: {user_reason(error.reason)}")
                try:
                    docs = load_documents(paths[0], max_bytes=self.settings.max_upload_mb * 1024 * 1024)
                except IngestFileError as exc:
                    self.audit.record(user.name, "compare", channel=channel, query=query, status=422)
                    raise ValueError(f"{names[n]}: {user_reason(exc.reason)}") from exc
                except Exception as exc:  # a loader bug on odd input is still a named, one-line refusal
                    log.exception("compare: reading %s failed", names[n])
                    self.audit.record(user.name, "compare", channel=channel, query=query, status=422)
                    raise ValueError(f"{names[n]}: không đọc được tệp ({type(exc).__name__})") from exc
                versions.append([replace(d, classification=_highest(d.classification, classification)) for d in docs])
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        above = [(names[n], d) for n, docs in enumerate(versions) for d in docs if not user.may_see(d.classification)]
        if above:
            name, doc = above[0]
            self.audit.record(user.name, "compare", channel=channel, query=query, status=403, level=doc.classification)
            level = LEVEL_NAMES.get(doc.classification, doc.classification)
            raise Forbidden(f"Không thể so sánh: tệp {name} được đóng dấu “{level}”, vượt quá quyền của bạn.")
        result = self._answers.run(compare_documents, versions[0], versions[1], names[0], names[1])
        self.audit.record(
            user.name,
            "compare",
            channel=channel,
            query=query,
            level=result.classification,
            changes=len(result.changes),
            status=200,
        )
        return result

    def comparison_docx(
        self,
        user: User,
        comparison: Any,
        channel: str = "api",
        *,
        organisation: str = "",
        superior: str = "",
        place: str = "",
        when: date | None = None,
    ) -> bytes:
        """The comparison as a "bảng so sánh" .docx, in memory; its level is checked against the caller again and
        the export is audited."""
        from rag.docx_export import comparison_docx_bytes

        query = f"{comparison.old_name} → {comparison.new_name}"
        if not user.may_see(comparison.classification):
            self.audit.record(user.name, "export_refused", channel=channel, query=query, status=403)
            raise Forbidden("Bảng so sánh vượt quá mức truy cập của bạn.")
        self.audit.record(user.name, "export", channel=channel, query=f"bảng so sánh {query}")
        return comparison_docx_bytes(comparison, organisation, superior, place, when)

    def figures(self, user: User, channel: str = "api", doc_ids: list[str] | None = None) -> Any:
        """Figures of the documents the caller may see, the same indicator grouped, disagreements first; every
        group is checked against the caller's clearance once more on the way out, and the read is audited."""
        from rag.figures import check_figures

        docs = [d for d in self._visible_documents(user) if not doc_ids or d.doc_id in doc_ids]
        report = self._answers.run(check_figures, docs)
        levels = self._doc_levels()
        report.groups = [
            g for g in report.groups if all(user.may_see(levels.get(f.doc_id, "tuyet_mat")) for f in g.figures)
        ]
        self.audit.record(user.name, "figures", channel=channel, doc_ids=sorted(d.doc_id for d in docs))
        return report


def _highest(*levels: str) -> str:
    return max(levels, key=level_rank)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True
