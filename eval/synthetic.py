"""The synthetic corpus of the scale benchmarks: real law sentences recombined into chunks, random unit vectors.

Shared by ``troly bench retrieval`` (eval/benchmarks.py), its upload-to-searchable phase
(eval/bench_retrieval_updates.py) and ``troly bench memory``; embedding 100k passages for real would take hours
on two cores, and search latency does not depend on what the vectors mean (said in every report).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest.model import Chunk, Document, content_hash
from ingest.normalize import strip_diacritics

ROOT = Path(__file__).resolve().parent.parent
CHUNKS_PER_DOC = 100


class RandomUnitEmbeddings:
    """Deterministic random unit vectors (seeded by the text) standing in for a model at scale."""

    model_id = "synthetic:random-unit"

    def __init__(self, dimension: int = 384) -> None:
        self.dimension = dimension
        self.model_id = f"synthetic:random-unit-{dimension}"

    def _vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")
        v = np.random.default_rng(seed).standard_normal(self.dimension).astype(np.float32)
        return v / np.linalg.norm(v)

    def embed_documents_array(self, texts: Sequence[str]) -> np.ndarray:
        return np.vstack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_documents_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._vector("query: " + text).tolist()

    def count_tokens(self, text: str) -> int:
        return len(text.split())


class RealQueryEmbeddings(RandomUnitEmbeddings):
    """Random passage vectors (as the collection was built) with a real model's query embedding: a search through
    it costs what a user's search costs, embedding included (the vectors do not have to mean anything)."""

    def __init__(self, model: Any, dimension: int = 384) -> None:
        super().__init__(dimension)
        self.model = model

    def embed_query(self, text: str) -> list[float]:
        return list(self.model.embed_query(text))


def source_sentences(shared: Path | None, limit: int) -> list[str]:
    """Real sentences (40-300 chars) from the laws, evenly sampled; corpus/ as a fallback."""
    files = sorted((shared / "vn_laws").glob("*.txt")) if shared and (shared / "vn_laws").is_dir() else []
    files = files or sorted((ROOT / "corpus").glob("*.txt"))
    sentences: list[str] = []
    for path in files:
        text = " ".join(path.read_text(encoding="utf-8").split())
        sentences.extend(s.strip() for s in re.split(r"(?<=[.;:?!])\s+", text) if 40 <= len(s.strip()) <= 300)
    step = max(1, len(sentences) // limit)
    return sentences[::step][:limit]


def synthetic_corpus(
    sentences: list[str], segmented: list[str], n_chunks: int, seed: int = 7
) -> tuple[list[Document], list[Chunk]]:
    """``n_chunks`` chunks of 3-6 recombined sentences; offsets cite each document's text exactly."""
    rng = random.Random(seed)
    docs: list[Document] = []
    chunks: list[Chunk] = []
    for d in range(0, n_chunks, CHUNKS_PER_DOC):
        doc_id = f"synthetic-{d // CHUNKS_PER_DOC:05d}"
        parts: list[tuple[str, str]] = []
        for _ in range(min(CHUNKS_PER_DOC, n_chunks - d)):
            picks = [rng.randrange(len(sentences)) for _ in range(rng.randint(3, 6))]
            parts.append((" ".join(sentences[i] for i in picks), " ".join(segmented[i] for i in picks)))
        text, spans = "", []
        for body, _ in parts:
            spans.append((len(text), len(text) + len(body)))
            text += body + "\n\n"
        doc = Document(
            doc_id, f"Văn bản tổng hợp {doc_id}", f"/synthetic/{doc_id}.txt", "other", text, content_hash(text)
        )
        docs.append(doc)
        for j, ((body, seg), (s, e)) in enumerate(zip(parts, spans, strict=True)):
            chunks.append(
                Chunk(
                    chunk_id=f"{doc_id}:{j}",
                    doc_id=doc_id,
                    doc_title=doc.title,
                    doc_type="other",
                    text=body,
                    start=s,
                    end=e,
                    topic=j % 6 + 1,
                    segmented=seg,
                    hash=content_hash(body),
                )
            )
    return docs, chunks


def make_queries(sentences: list[str], n: int, seed: int = 11) -> list[str]:
    """Query-like fragments (5-9 words) of real sentences; every other one without diacritics."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = sentences[rng.randrange(len(sentences))].split()
        start = rng.randrange(max(1, len(words) - 5))
        q = " ".join(words[start : start + rng.randint(5, 9)])
        out.append(strip_diacritics(q) if i % 2 else q)
    return out
