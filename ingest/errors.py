"""The one exception ingest raises for a file it cannot use.

Every loader and check raises :class:`IngestFileError` with a short human
reason ("file is empty", "needs OCR: …"), so the batch driver can report one
line per bad file and carry on with the rest instead of showing a traceback.
"""

from __future__ import annotations

from pathlib import Path


class IngestFileError(Exception):
    """A file that cannot be ingested; ``str(err)`` is a one-line "path: reason"."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = " ".join(str(reason).split())  # always one line
        super().__init__(f"{self.path}: {self.reason}")
