"""Threads at a lower CPU priority for the server's heavy work (answers, talking points, ingest).

A search costs ~10 ms of CPU; an answer or an upload costs seconds. On a
small machine both compete for the same cores, and the scheduler shares them
fairly, so a search waits behind the heavy work (eval/reports/bench_load.md).
Linux lets one *thread* lower its own priority (``setpriority`` with a thread
id), so the heavy work runs on a few dedicated, "niced" threads of the same
process: the index, the model and the audit log stay shared (no second copy
in memory, unlike a worker process), while the kernel gives the request
threads the CPU first. Threads the heavy work starts (the embedder's OpenMP
team, the ingest prefetcher, the index's compaction) inherit the priority.
A lowered priority cannot be raised again without privileges, which is why
the threads are dedicated and never return to serving requests.
"""

from __future__ import annotations

import contextvars
import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
BACKGROUND_NICENESS = 19
"""Added to the nice value of the heavy-work threads (capped at 19, the lowest priority). Measured with
``troly bench load`` at load 4-7: +10 gave a search p95 ratio of 3.6-3.9, +19 gave 1.9 (goal 2). The price:
while *other* processes load the machine, answers get only what they leave (ask p50 7 s -> 31 s in that run);
on a machine of its own the server's answers still get every idle cycle."""


def lower_thread_priority(niceness: int) -> bool:
    """Add ``niceness`` to the calling thread's nice value (Linux: this thread only); False where unsupported."""
    if niceness <= 0 or not sys.platform.startswith("linux"):
        return False
    tid = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(19, current + niceness))
    except OSError as exc:  # e.g. a seccomp profile forbidding it: serve anyway, at normal priority
        log.warning("cannot lower the priority of background thread %s: %s", tid, exc)
        return False
    return True


class BackgroundPool:
    """A fixed number of low-priority threads; ``run`` blocks the caller until the work is done there."""

    def __init__(self, workers: int, niceness: int, name: str) -> None:
        self._pool = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=name, initializer=lower_thread_priority, initargs=(niceness,)
        )

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        """Queue ``fn`` with the caller's context variables (request id for the logs, the UI's progress)."""
        return self._pool.submit(contextvars.copy_context().run, fn, *args, **kwargs)

    def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` on a pool thread; its exception is re-raised here."""
        return self.submit(fn, *args, **kwargs).result()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
