"""Append-only JSONL audit log: who asked what, and which passages they received.

Party offices must be able to answer "who saw which passage of which
document, and when". One JSON object per line in ``data_dir/audit.jsonl``
keeps that answerable with grep and jq, survives crashes (each line is
written and flushed whole) and needs no database.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class AuditLog:
    """Thread-safe appender for ``audit.jsonl``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> AuditLog:
        return cls(Path(data_dir) / "audit.jsonl")

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
        """Write one event. ``channel`` tells REST calls ("api") from the web UI ("ui")."""
        event = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "user": user,
            "channel": channel,
            "action": action,
            "query": query,
            "chunk_ids": list(chunk_ids),
            "doc_ids": list(doc_ids),
            **extra,
        }
        line = json.dumps(event, ensure_ascii=False, default=str)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")

    def read(self) -> list[dict[str, Any]]:
        """All events, oldest first (for tests and `jq`-less inspection)."""
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
