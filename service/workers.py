"""Worker processes for the CPU-heavy reads: answers and talking points run outside the serving process.

Under the GIL, threads of the serving process cannot keep an answer (hundreds
of milliseconds of Python) from delaying a search (ten): lowering a thread's
priority does nothing while it holds the interpreter. A worker *process* has
its own interpreter, and its whole process runs at the lowest CPU priority,
so the kernel gives the serving process the cores first.

What runs where:

* the serving process keeps users, clearance, audit, listings, searches,
  streaming to the client, every write, and Chroma: a worker never opens
  Chroma (embedded Chroma is one process's store). The worker's dense
  search is one call back over its pipe (``query`` with the query vector),
  which the server clamps to the caller's clearance before running it;
* a worker opens the collection's SQLite tables and lexical files read-only
  (they are made for readers in other processes: every search first picks
  up the committed generation, see rag/index.py), loads its own embedder,
  and runs the whole answer pipeline or talking-points drafter, sending text
  pieces back as they are generated.

The pool is ours rather than ``concurrent.futures.ProcessPoolExecutor``: that
executor is broken for good once a worker dies, and it has no channel for the
pieces of a streamed answer or the dense-search call. Here a worker that dies
(``kill -9``) or overruns the time limit fails only the request it was
working on (:class:`WorkerError`, a Vietnamese message) and is replaced;
workers start on demand up to the pool size, as fresh interpreters (never a
``fork`` of a process that already runs threads and Chroma).
"""

from __future__ import annotations

import atexit
import collections
import logging
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger(__name__)

WORKER_NICENESS = 19
"""Added to each worker process's nice value: the serving process's searches get the CPU first."""
CRASHED_TEXT = (
    "Bộ xử lý câu trả lời bị dừng đột ngột khi đang xử lý yêu cầu này (đã khởi động lại). Xin gửi lại câu hỏi."
)
TIMEOUT_TEXT = "Yêu cầu chạy quá {seconds:.0f} giây nên đã bị dừng. Xin gửi lại, hoặc hỏi ngắn gọn hơn."
READERS_KEPT = 4
"""Collections (settings) a worker keeps open; tests open one per data dir, a server one per collection."""
PARENT_CHECK_SECONDS = 1.0


class WorkerError(RuntimeError):
    """A worker died or overran its time limit: the one request it was serving fails with this message."""


def default_size(setting: int | None) -> int:
    """The pool size: ``TROLY_WORKERS`` when set, else one worker per core this process may use."""
    if setting is not None:
        return setting
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, cores)


# ---- the serving side ---------------------------------------------------------------------------------------
class _Worker:
    """One worker process (``python -m service.workers``) and the server's end of its socket pair.

    A fresh interpreter rather than ``multiprocessing``'s spawn, which re-runs the parent's main script in the
    child: a script calling the service at module level (a test helper, an office's own automation) would run
    again in every worker.
    """

    def __init__(self) -> None:
        ours, theirs = socket.socketpair()
        fd = theirs.fileno()
        cmd = [sys.executable, "-m", "service.workers", str(fd), str(os.getpid())]
        self.process = subprocess.Popen(cmd, pass_fds=(fd,), stdin=subprocess.DEVNULL)
        theirs.close()
        self.conn = Connection(ours.detach())

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, kill: bool = False) -> None:
        """Close the pipe (an idle worker exits on it), then make sure the process is gone."""
        self.conn.close()
        if kill:
            self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@dataclass
class WorkerPool:
    """Up to ``size`` worker processes, started on demand; one request at a time per worker."""

    size: int
    timeout: float = 300.0
    """Seconds without a word from a busy worker before it is killed and its request fails."""
    _idle: list[_Worker] = field(default_factory=list)
    _busy: set[_Worker] = field(default_factory=set)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _closed: bool = False

    def pids(self) -> list[int]:
        """The live workers' process ids (for tests and the benchmark's memory figure)."""
        with self._cond:
            return sorted(w.pid for w in [*self._idle, *self._busy])

    def _acquire(self) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise WorkerError("Máy chủ đang dừng; xin gửi lại sau.")
                while self._idle and not self._idle[-1].alive():  # died while idle (OOM killer)
                    self._idle.pop().stop(kill=True)
                if self._idle:
                    worker = self._idle.pop()
                    break
                if len(self._busy) < self.size:
                    worker = _Worker()
                    log.info("worker process %d started (%d of at most %d)", worker.pid, len(self._busy) + 1, self.size)
                    break
                self._cond.wait()
            self._busy.add(worker)
            return worker

    def _release(self, worker: _Worker, healthy: bool) -> None:
        with self._cond:
            self._busy.discard(worker)
            if healthy and not self._closed:
                self._idle.append(worker)
            self._cond.notify()
        if not healthy:
            worker.stop(kill=True)
            self._replace()

    def _replace(self) -> None:
        """Start a worker in place of a lost one, so the next request does not pay for the start."""
        with self._cond:
            if self._closed or len(self._idle) + len(self._busy) >= self.size:
                return
            worker = _Worker()
            self._idle.append(worker)
            self._cond.notify()
        log.warning("worker process %d started in place of a lost one", worker.pid)

    def run(self, task: tuple[Any, ...], on_call: Callable[[Any], Any]) -> Iterator[Any]:
        """Send ``task`` to a free worker and yield what it sends back; ``on_call`` answers its calls (dense search).

        Raises :class:`WorkerError` when the worker dies or says nothing for ``timeout`` seconds (a piece of
        text or a dense search is a sign of life: a long LLM answer is not cut, a hung one is), and re-raises
        the task's own exception (unknown topic, LLM refusal …) as the worker raised it. Consume to the end: a
        generator left half-way kills its worker (the conversation on that pipe cannot be resumed).
        """
        worker = self._acquire()
        healthy, failure = False, None
        try:
            worker.conn.send(task)
            while True:
                if not worker.conn.poll(self.timeout):
                    log.error("worker process %d overran %.0f s: killed", worker.pid, self.timeout)
                    raise WorkerError(TIMEOUT_TEXT.format(seconds=self.timeout))
                kind, value = worker.conn.recv()
                if kind == "piece":
                    yield value
                elif kind == "call":
                    worker.conn.send(_answer_call(on_call, value))
                else:  # "done", or "error" with the task's own exception
                    healthy, failure = True, value if kind == "error" else None
                    break
        except (EOFError, OSError) as exc:
            log.error("worker process %d was lost mid-request (%s); starting another", worker.pid, exc)
            raise WorkerError(CRASHED_TEXT) from exc
        finally:
            self._release(worker, healthy)
        if failure is not None:
            raise failure

    def warm(self, task: tuple[Any, ...]) -> threading.Thread:
        """Run ``task`` (a "warm" task: open the collection, load the embedder) on one worker in the background, so
        the first question or upload after a start does not wait for a fresh interpreter to load its model. The
        worker stays in the pool, idle and ready; a failure is only logged (the next request starts its own)."""

        def run() -> None:
            try:
                for _ in self.run(task, no_calls):
                    pass
            except Exception as exc:
                log.warning("warming a worker failed: %s", exc)

        thread = threading.Thread(target=run, daemon=True, name="troly-warm")
        thread.start()
        return thread

    def shutdown(self) -> None:
        """Stop every worker (idle ones exit on their closed pipe; busy ones are killed)."""
        with self._cond:
            self._closed = True
            idle, busy = list(self._idle), list(self._busy)
            self._idle.clear()
            self._cond.notify_all()
        for worker in idle:
            worker.stop()
        for worker in busy:
            worker.stop(kill=True)


def no_calls(request: Any) -> Any:
    """The ``on_call`` of a task that makes no calls back (warming, embedding an upload)."""
    raise ValueError(f"this task makes no calls: {request!r}")


def _answer_call(on_call: Callable[[Any], Any], request: Any) -> tuple[str, Any]:
    try:
        return "result", on_call(request)
    except Exception as exc:  # raised again in the worker, inside the task that made the call
        return "raise", _portable(exc)


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a RuntimeError with its text (a custom exception may not)."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


_POOLS: dict[int, WorkerPool] = {}
_POOLS_LOCK = threading.Lock()


def shared_pool(size: int, timeout: float) -> WorkerPool:
    """One pool of ``size`` workers per serving process, whatever the number of collections or services."""
    with _POOLS_LOCK:
        pool = _POOLS.get(size)
        if pool is None or pool._closed:
            pool = _POOLS[size] = WorkerPool(size, timeout)
        pool.timeout = timeout
        return pool


@atexit.register
def shutdown_pools() -> None:
    """Stop every worker when the serving process ends (no orphan processes)."""
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for pool in pools:
        pool.shutdown()


# ---- the worker side ----------------------------------------------------------------------------------------
class RemoteCollection:
    """The one Chroma call a reader makes (``query``), sent to the serving process over the worker's pipe."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def query(self, **kwargs: Any) -> Any:
        self._conn.send(("call", ("query", kwargs)))
        kind, value = self._conn.recv()
        if kind == "raise":
            raise value
        return value


@dataclass
class _Reader:
    index: Any
    pipeline: Any


class _Readers:
    """The collections this worker has opened, newest use last; the embedder is loaded once per model."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self._readers: collections.OrderedDict[str, _Reader] = collections.OrderedDict()
        self._embedders: dict[tuple[Any, ...], Any] = {}

    def embedder(self, settings: Any) -> Any:
        from rag.embeddings import make_embeddings

        model = (settings.embedding_backend, settings.embedding_model, settings.embedding_url, str(settings.cache_dir))
        if model not in self._embedders:
            self._embedders[model] = make_embeddings(settings)
        return self._embedders[model]

    def get(self, settings: Any) -> _Reader:
        key = settings.model_dump_json()
        reader = self._readers.pop(key, None) or self._open(settings)
        self._readers[key] = reader
        while len(self._readers) > READERS_KEPT:
            _, old = self._readers.popitem(last=False)
            old.index.close()
        return reader

    def _open(self, settings: Any) -> _Reader:
        from rag.answer import AnswerPipeline
        from rag.index import Index

        index = Index(
            settings,
            self.embedder(settings),
            None,
            RemoteCollection(self.conn),
            settings.collection_dir / "index.sqlite3",
        )
        index.refresh(wait=True)
        return _Reader(index, AnswerPipeline(settings, index))


def _task_ask(readers: _Readers, settings: Any, question: str, filters: Any, k: int) -> Iterator[Any]:
    yield from readers.get(settings).pipeline.ask_stream(question, filters, k)


def _task_talking_points(
    readers: _Readers,
    settings: Any,
    drafter_name: str,
    clearance: str,
    topics_of: str | None,
    subject: Any,
    kwargs: dict[str, Any],
) -> Iterator[Any]:
    from rag import talking_points
    from service.views import ClearanceView, accepts

    reader = readers.get(settings)
    drafter = getattr(talking_points, drafter_name)
    if accepts(drafter, "embeddings"):
        kwargs = {**kwargs, "embeddings": reader.index.embeddings}
    yield drafter(settings, ClearanceView(reader.index, clearance, topics_of=topics_of), subject, **kwargs)


def _task_embed_files(readers: _Readers, settings: Any, paths: list[str]) -> Iterator[Any]:
    """Read and chunk uploaded files exactly as the server's ingest would, and embed the passages into the shared
    embedding cache (``settings.cache_dir``): the server's ingest then finds every vector there instead of
    running the model. Yields progress as the index's callback takes it (("embed", passages done, passages in
    all)), then ("parsed", the :class:`~ingest.pipeline.IngestResult`): the server commits what was read here
    instead of reading, normalising and segmenting every file a second time."""
    from pathlib import Path

    from ingest.model import search_text
    from ingest.pipeline import ingest_files

    embeddings = readers.embedder(settings)
    result = ingest_files(
        [Path(p) for p in paths], embeddings.count_tokens, settings.chunk_tokens, settings.chunk_overlap
    )
    texts = [search_text(c) for c in result.chunks]
    step = max(1, settings.embedding_batch_size)  # the batches Index.upsert asks for (same cache keys either way)
    yield ("embed", 0, len(texts))
    for i in range(0, len(texts), step):
        embeddings.embed_documents_array(texts[i : i + step])
        yield ("embed", min(i + step, len(texts)), len(texts))
    yield ("parsed", result)


def _task_warm(readers: _Readers, settings: Any) -> Iterator[Any]:
    """Open the collection and load the embedder now (one query embedded: the model's first call is its slowest)."""
    readers.get(settings).index.embeddings.embed_query("khởi động")
    yield from ()


TASKS: dict[str, Callable[..., Iterator[Any]]] = {
    "warm": _task_warm,
    "ask": _task_ask,
    "talking_points": _task_talking_points,
    "embed_files": _task_embed_files,
}


def _watch_parent(parent: int) -> None:
    """Exit when the serving process is gone (killed with -9, it cannot stop us): no orphan keeps running."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def lower_process_priority() -> None:
    """Nice +19, and on Linux the SCHED_IDLE policy: the kernel preempts an idle-policy task as soon as a normal
    one (the serving process) wakes, where nice 19 alone may let the worker finish its time slice first."""
    try:
        os.nice(WORKER_NICENESS)
    except OSError as exc:
        log.warning("worker %d keeps its priority: %s", os.getpid(), exc)
    if hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except OSError as exc:  # e.g. a seccomp profile forbidding it: nice alone
            log.warning("worker %d keeps the normal scheduling policy: %s", os.getpid(), exc)


def worker_main(conn: Any, parent: int) -> None:
    """A worker's life: lowest CPU priority, then one task after another until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which then stops its workers
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    lower_process_priority()
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="parent-watch").start()
    from rag.offline import enforce_offline

    enforce_offline()
    readers = _Readers(conn)
    while True:
        try:
            name, *args = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            for item in TASKS[name](readers, *args):
                conn.send(("piece", item))
            conn.send(("done", None))
        except (EOFError, OSError):  # the server closed the pipe mid-task
            return
        except Exception as exc:
            conn.send(("error", _portable(exc)))


if __name__ == "__main__":  # python -m service.workers FD PARENT_PID (started by _Worker)
    from service.workers import worker_main as _main

    _main(Connection(int(sys.argv[1])), int(sys.argv[2]))
