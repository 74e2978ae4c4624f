"""The heavy work of the server (answers, ingest) runs on lower-priority threads; request threads keep theirs."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from service.background import BackgroundPool

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux-only")


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_pool_threads_are_niced_and_the_caller_is_not() -> None:
    before = _nice()
    pool = BackgroundPool(1, 5, "test-bg")
    try:
        inside = pool.run(_nice)
    finally:
        pool.shutdown()
    assert inside == min(19, before + 5)
    assert _nice() == before


def test_threads_started_by_background_work_inherit_the_lower_priority() -> None:
    """The embedder's OpenMP team and the index's compaction thread are started from the niced thread."""
    seen: list[int] = []

    def start_child() -> None:
        child = threading.Thread(target=lambda: seen.append(_nice()))
        child.start()
        child.join()

    before = _nice()
    pool = BackgroundPool(1, 7, "test-bg")
    try:
        pool.run(start_child)
    finally:
        pool.shutdown()
    assert seen == [min(19, before + 7)]


def test_an_exception_of_the_background_work_reaches_the_caller() -> None:
    pool = BackgroundPool(1, 3, "test-bg")
    try:
        with pytest.raises(ValueError, match="hỏng"):
            pool.run(lambda: (_ for _ in ()).throw(ValueError("tệp hỏng")))
    finally:
        pool.shutdown()
