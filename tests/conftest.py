"""Shared fixtures: real components, small inputs, separate data dirs per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.offline import enforce_offline
from rag.settings import Settings

enforce_offline()

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = ROOT / "corpus"
TOPIC_GUIDE = CORPUS_DIR / "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a private data dir, so tests never share an index."""
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def corpus_dir() -> Path:
    return CORPUS_DIR


@pytest.fixture
def topic_guide_path() -> Path:
    return TOPIC_GUIDE


@pytest.fixture
def shared_data() -> Path:
    """../shared/data when present; otherwise the test is skipped with a reason."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"public evaluation data not found at {SHARED_DATA} (../shared/data is absent)")
    return SHARED_DATA


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    """A real `chroma run` for tests where several processes share one collection."""
    from servers import chroma_server_in

    with chroma_server_in(tmp_path) as address:
        yield address
