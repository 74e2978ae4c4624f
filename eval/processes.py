"""Start, wait for and stop the real server processes the benchmarks and the tests need (troly serve, chroma run,
llama.cpp): one copy of the port picking, readiness polling and shutdown, so every caller fails the same clear way —
the process died, or it never answered.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path


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


def _program(proc: subprocess.Popen) -> str:
    """The program ``proc`` runs: the first argument of its command (the whole command when given as one string)."""
    args = proc.args
    first = args if isinstance(args, str | bytes | os.PathLike) else args[0]
    return os.fsdecode(first)


def wait_until_up(url: str, proc: subprocess.Popen, seconds: float, log_path: Path) -> None:
    """Poll ``url`` until it answers 200; raise naming the log if the process exits or time runs out."""
    deadline = time.monotonic() + seconds
    while not answers_200(url):
        if proc.poll() is not None:
            raise RuntimeError(f"{_program(proc)} exited with {proc.returncode}; see {log_path}")
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


def descendants(pid: int) -> dict[int, str]:
    """pid → command line of every process below ``pid`` (uvicorn workers, their answer-worker processes)."""
    parents: dict[int, list[tuple[int, str]]] = {}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            parent = int(proc.joinpath("stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = proc.joinpath("cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):  # gone meanwhile
            continue
        parents.setdefault(parent, []).append((int(proc.name), cmdline))
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        for child, cmdline in parents.get(todo.pop(), []):
            found[child] = cmdline
            todo.append(child)
    return found


def is_answer_worker(cmdline: str) -> bool:
    """An answer-worker process of a troly server (``python -m service.workers``)."""
    return "-m service.workers" in cmdline
