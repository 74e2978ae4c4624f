"""The one door to underthesea: every troly module gets its tokenizers from here.

underthesea is the right Vietnamese segmenter, but ``import underthesea`` runs a
package ``__init__`` that also imports its translation pipeline and with it
transformers and torch, which troly never uses. Measured on the 2-core dev box
(``python -X importtime``, load ≈ 1): ``import underthesea`` 5.0-6.2 s wall, of
which ``underthesea.pipeline.translate`` alone is 4.7 s; loading only the two
pipeline submodules below is 0.3-0.4 s (joblib + the CRF model files), and the
first ``word_tokenize`` call adds the model load (~0.1 s).

Choice: load ``underthesea.pipeline.sent_tokenize`` and
``underthesea.pipeline.word_tokenize`` *as submodules of a package whose
``__init__`` has not run yet*. The code that segments is underthesea's own,
unchanged (so the output is identical by construction, and a test checks it
against a plain ``import underthesea`` in a separate process); only the
package-level imports troly never needs are deferred. Rejected alternatives:
calling underthesea-core's CRF tagger with underthesea's shipped model means
re-implementing underthesea's regex pre-tokenizer and feature setup (a copy
that would drift); importing the files by path breaks their absolute
``underthesea.…`` imports.

The package object stays in ``sys.modules`` as a *lazy package*: any attribute
troly does not get from here (``underthesea.translate``, ``__all__``…) runs the
real ``__init__`` into the same module on first access, so ``import underthesea``
elsewhere still behaves exactly like upstream, only paying its cost when used.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import logging
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

_PACKAGE = "underthesea"
# Order matters: text_normalize must finish before word_tokenize's regex_tokenize imports it back
# (the same order underthesea's own __init__ follows), or the circular import fails.
_SUBMODULES = (
    "underthesea.pipeline.text_normalize",
    "underthesea.pipeline.sent_tokenize",
    "underthesea.pipeline.word_tokenize",
)
# Names the lazy package serves without running the full __init__ (module that defines each).
_CHEAP = {
    "sent_tokenize": "underthesea.pipeline.sent_tokenize",
    "word_tokenize": "underthesea.pipeline.word_tokenize",
    "text_normalize": "underthesea.pipeline.text_normalize",
}
_lock = threading.RLock()
_tools: tuple[Callable[..., list[str]], Callable[..., Any]] | None = None


def _finish_init(package: types.ModuleType, name: str) -> Any:
    """Run underthesea's real ``__init__`` into ``package`` (once), then look ``name`` up again."""
    with _lock:
        if not package.__dict__.get("_troly_initialised"):
            package.__dict__["_troly_initialised"] = True
            log.info("underthesea.%s requested: running the full underthesea __init__ (slow)", name)
            spec = package.__spec__
            assert spec is not None and spec.loader is not None
            spec.loader.exec_module(package)
    try:
        return package.__dict__[name]
    except KeyError:
        raise AttributeError(f"module 'underthesea' has no attribute {name!r}") from None


def _lazy_package() -> types.ModuleType:
    """``underthesea`` as a package object whose ``__init__`` has not run (see the module docstring)."""
    existing = sys.modules.get(_PACKAGE)
    if existing is not None:
        return existing  # already imported (fully or lazily): use it as it is
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError("underthesea is not installed (pip install underthesea)")
    package = importlib.util.module_from_spec(spec)  # sets __path__, __file__, __spec__; runs nothing

    def __getattr__(name: str) -> Any:
        if name in _CHEAP:
            return getattr(importlib.import_module(_CHEAP[name]), name)
        if name.startswith("__") and name not in {"__all__", "__version__"}:
            raise AttributeError(name)  # probes like __wrapped__ must not trigger the 5 s import
        return _finish_init(package, name)

    package.__dict__["__getattr__"] = __getattr__  # PEP 562: the module's __getattr__ is read from its __dict__
    sys.modules[_PACKAGE] = package
    return package


def _load() -> tuple[Callable[..., list[str]], Callable[..., Any]]:
    global _tools
    if _tools is None:
        with _lock:
            if _tools is None:
                _lazy_package()
                modules = [importlib.import_module(name) for name in _SUBMODULES]
                sent, word = modules[1].sent_tokenize, modules[2].word_tokenize
                # word_tokenize imports its CRF model class on the first call; do it now, under the lock.
                word("Việt Nam")
                _tools = (sent, word)
    return _tools


def sent_tokenize(text: str) -> list[str]:
    """underthesea's sentence splitter."""
    return _load()[0](text)


_pos: Callable[[str], list[tuple[str, str]]] | None = None


def pos_tag(text: str) -> list[tuple[str, str]]:
    """underthesea's part-of-speech tagger: (word, tag) pairs, compounds whole ("N" noun, "Np" proper noun, "V"
    verb …). Loaded like the tokenizers, on first use (its CRF model ships with the package). A question is
    tagged once however many of its readings ask (its opening name, its subject words)."""
    return list(_tagged(text))


@functools.lru_cache(maxsize=512)
def _tagged(text: str) -> tuple[tuple[str, str], ...]:
    global _pos
    if _pos is None:
        _load()
        with _lock:
            if _pos is None:
                _pos = importlib.import_module("underthesea.pipeline.pos_tag").pos_tag
    return tuple(_pos(text))


def word_tokenize(text: str, format: str | None = None) -> str | list[str]:
    """underthesea's word segmenter (``format="text"`` joins compounds with "_")."""
    return _load()[1](text, format=format)
