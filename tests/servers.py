"""Start and stop the real server processes some tests need (troly serve, chroma run, llama.cpp).

One copy of the port picking, readiness polling and shutdown, so every
server test fails the same clear way: the process died, or it never answered.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from renditions import CHROMIUM, CHROMIUM_FLAGS  # noqa: F401 - CHROMIUM is re-exported for the browser tests


def free_port() -> int:
    """A loopback port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers_200(url: str) -> bool:
    """True when GET url answers 200 (any network error counts as not yet)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def wait_until_up(url: str, proc: subprocess.Popen, seconds: float, log_path: Path) -> None:
    """Poll ``url`` until it answers 200; raise naming the log if the process exits or time runs out."""
    deadline = time.monotonic() + seconds
    while not answers_200(url):
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}; see {log_path}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not come up in {seconds:.0f}s; see {log_path}")
        time.sleep(0.3)


def stop(proc: subprocess.Popen, grace: float = 20) -> None:
    """Terminate only this process, killing it if it ignores SIGTERM."""
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def running(cmd: list[str], ready_url: str, log_path: Path, seconds: float = 180, **popen: object) -> Iterator[None]:
    """Run ``cmd`` with output to ``log_path``; yield once ``ready_url`` answers; always stop it."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, **popen)  # type: ignore[call-overload]
        try:
            wait_until_up(ready_url, proc, seconds, log_path)
            yield
        finally:
            stop(proc)


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
