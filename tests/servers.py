"""Start and stop the real server processes some tests need (troly serve, chroma run, llama.cpp).

One copy of the port picking, readiness polling and shutdown, so every
server test fails the same clear way: the process died, or it never answered.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from renditions import CHROMIUM, CHROMIUM_FLAGS  # noqa: F401 - CHROMIUM is re-exported for the browser tests

from eval.processes import answers_200, free_port, running, stop, wait_until_up  # noqa: F401 - re-exported

# Debian's Chromium as root in a container, kept off the network (flags in tests/renditions.py, see DEVELOPERS.md).
CHROMIUM_ARGS = list(CHROMIUM_FLAGS)


@contextlib.contextmanager
def chroma_server_in(folder: Path) -> Iterator[str]:
    """A real `chroma run` on a free loopback port (embedded Chroma is one process's store); yields host:port."""
    found = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    if not Path(found).exists():
        import pytest

        pytest.skip("the `chroma` CLI is not installed in this environment")
    port = free_port()
    cmd = [found, "run", "--path", str(folder / "chroma-server"), "--port", str(port), "--host", "127.0.0.1"]
    with running(cmd, f"http://127.0.0.1:{port}/api/v2/heartbeat", folder / "chroma.log", seconds=60):
        yield f"127.0.0.1:{port}"
