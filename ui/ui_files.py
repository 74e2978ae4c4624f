"""Files uploaded through the web UI: whose they are, where they wait, when they go.

Gradio's file components send the server a *path*; Gradio itself only checks it
when the app was started with ``launch()``, not when it is mounted into our
FastAPI app, so a crafted call could name any file the server can read (issue
21.1). Here every file that arrives through ``/gradio_api/upload`` is moved into
a folder of the uploading user's own and registered to that user; a UI call may
name only files registered to its caller (checked at the edge before Gradio
touches the path, and again by the action), and each file is deleted once the
action that took it is done, or after :data:`TTL_SECONDS` if it was never used.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

TTL_SECONDS = 3600
"""An uploaded file nobody used is removed after an hour."""


class ForeignFile(PermissionError):
    """A UI call named a file its caller did not upload (message is shown to the user)."""


class UiUploads:
    """Registry of the UI's uploaded files, per user; thread-safe."""

    def __init__(self, root: Path) -> None:
        self.root = root
        """Gradio's upload folder (``data_dir/tmp/gradio``); users' files live under ``root/users``."""
        self._lock = threading.Lock()
        self._owned: dict[str, dict[str, float]] = {}

    def clean(self) -> None:
        """Empty the upload folder (server start): nothing uploaded before a restart or a crash stays on disk."""
        if self.root.is_dir():
            for entry in self.root.iterdir():
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
        with self._lock:
            self._owned.clear()

    def user_folder(self, user: str) -> Path:
        return self.root / "users" / ("u-" + hashlib.sha256(user.encode("utf-8")).hexdigest()[:20])

    def adopt(self, user: str, paths: Iterable[str]) -> list[str]:
        """Move files Gradio just received into ``user``'s folder and register them; returns their new paths."""
        self.expire()
        adopted: list[str] = []
        for given in paths:
            source = Path(given)
            if not source.resolve().is_relative_to(self.root.resolve()) or not source.is_file() or source.is_symlink():
                raise ForeignFile(f"Tệp {source.name}: không nhận được tệp tải lên (tệp không nằm trong thư mục tạm).")
            folder = self.user_folder(user) / secrets.token_hex(8)
            folder.mkdir(parents=True, mode=0o700)
            target = folder / source.name
            os.replace(source, target)
            _remove_empty(source.parent, self.root)
            adopted.append(str(target.resolve()))
        with self._lock:
            mine = self._owned.setdefault(user, {})
            for path in adopted:
                mine[path] = time.monotonic()
        return adopted

    def owns(self, user: str, path: str) -> bool:
        with self._lock:
            return _key(path) in self._owned.get(user, {})

    def claim(self, user: str, paths: Iterable[str]) -> list[Path]:
        """Take ``user``'s files out of the registry for one action; refuses the lot if one is not theirs."""
        wanted = [_key(p) for p in paths]
        with self._lock:
            mine = self._owned.get(user, {})
            foreign = [p for p in wanted if p not in mine]
            if foreign:
                raise ForeignFile(
                    f"Tệp {Path(foreign[0]).name}: không phải tệp bạn vừa tải lên trong phiên này – hãy chọn lại tệp."
                )
            for p in wanted:
                del mine[p]
        return [Path(p) for p in wanted]

    def release(self, paths: Iterable[Path]) -> None:
        """Delete claimed files (and their private folders) once the action is done."""
        for path in paths:
            path.unlink(missing_ok=True)
            _remove_empty(path.parent, self.root)

    def expire(self) -> None:
        now = time.monotonic()
        stale: list[Path] = []
        with self._lock:
            for mine in self._owned.values():
                for path, since in list(mine.items()):
                    if now - since > TTL_SECONDS:
                        del mine[path]
                        stale.append(Path(path))
        self.release(stale)


def _key(path: str | Path) -> str:
    return os.path.realpath(str(path))


def _remove_empty(folder: Path, root: Path) -> None:
    """Remove ``folder`` and its parents while empty, never ``root`` itself."""
    root = root.resolve()
    folder = folder.resolve()
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
