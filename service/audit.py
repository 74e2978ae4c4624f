"""Append-only JSONL audit log: who did what to which object, with which outcome, when.

Party offices must be able to answer "who saw which passage of which
document, and when – and who tried and was refused". One JSON object per line
in ``data_dir/audit.jsonl`` keeps that answerable with grep and jq, survives
crashes (each line is written and flushed whole) and needs no database. The
file is rotated by size (``audit.jsonl.1`` … ``.N``, settings ``audit_max_mb``
and ``audit_backups``) so it never fills the disk.

Never written here: API keys or their hashes, passwords, document text.
Every event carries the id of the HTTP request it belongs to (``request_id``),
which is also in the server log lines and the ``X-Request-ID`` response header.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("troly_request_id", default="-")
"""Id of the request being served (set by ui/middleware.py); "-" outside a request."""


class RequestIdFilter(logging.Filter):
    """Adds ``%(request_id)s`` to every log record, so log lines and audit events can be joined."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def configure_logging(level: str = "INFO") -> None:
    """Standard logging for the server: level from settings, one line per record with the request id."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class AuditLog:
    """Thread-safe, size-rotated appender for ``audit.jsonl``."""

    def __init__(self, path: Path, max_bytes: int = 20 * 1024 * 1024, backups: int = 10) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups
        self._lock = threading.Lock()
        self._handle: BinaryIO | None = None
        self._inode = 0

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> AuditLog:
        return cls(Path(data_dir) / "audit.jsonl")

    @classmethod
    def for_settings(cls, settings: Any) -> AuditLog:
        return cls(
            Path(settings.data_dir) / "audit.jsonl",
            max_bytes=int(settings.audit_max_mb) * 1024 * 1024,
            backups=int(settings.audit_backups),
        )

    def record(
        self,
        user: str,
        action: str,
        *,
        query: str = "",
        chunk_ids: Iterable[str] = (),
        doc_ids: Iterable[str] = (),
        channel: str = "api",
        **extra: Any,
    ) -> None:
        """Write one event. ``channel`` tells REST calls ("api") from the web UI ("ui") and the CLI ("cli")."""
        event = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "request_id": request_id.get(),
            "user": user,
            "channel": channel,
            "action": action,
            "query": query,
            "chunk_ids": list(chunk_ids),
            "doc_ids": list(doc_ids),
            **extra,
        }
        line = json.dumps(event, ensure_ascii=False, default=str)
        # backslashreplace: a lone surrogate is written as the JSON escape "\ud800", never crashes the write
        data = (line + "\n").encode("utf-8", errors="backslashreplace")
        with self._lock:
            self._write(data)

    def _write(self, data: bytes) -> None:
        """Append ``data`` with one ``write`` on a kept-open, unbuffered append handle (the server's event loop
        writes a line per request: open/close and mkdir each time were most of its cost). The path is checked
        by one ``stat`` per line: a file rotated or removed meanwhile (by another serving process, or by hand)
        is reopened, so no line goes into a renamed file."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            st = None
        if self._handle is not None and (st is None or st.st_ino != self._inode):
            self._close()
        if st is not None and st.st_size + len(data) > self.max_bytes:
            self._close()
            self._rotate()
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "ab", buffering=0)  # noqa: SIM115 - kept open across lines
            self._inode = os.fstat(self._handle.fileno()).st_ino
        self._handle.write(data)

    def _close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _rotate(self) -> None:
        """audit.jsonl → .1 → .2 …; the oldest is dropped."""
        for n in range(self.backups, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{n}")
            newer = self.path.with_name(f"{self.path.name}.{n - 1}") if n > 1 else self.path
            if newer.exists():
                os.replace(newer, older)

    def read(self) -> list[dict[str, Any]]:
        """Events of the current file, oldest first (for tests and `jq`-less inspection)."""
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
