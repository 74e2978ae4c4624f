"""The one door to underthesea: every troly module gets its tokenizers from here.

underthesea is the right Vietnamese segmenter, but ``import underthesea`` is slow
(its package ``__init__`` pulls in modules troly never uses). Keeping the import in
one place lets that cost be paid once, lazily, and optimised in one spot.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache


@lru_cache(maxsize=1)
def _load() -> tuple[Callable[..., list[str]], Callable[..., str | list[str]]]:
    from underthesea import sent_tokenize as _sent
    from underthesea import word_tokenize as _word

    return _sent, _word


def sent_tokenize(text: str) -> list[str]:
    """underthesea's sentence splitter."""
    return _load()[0](text)


def word_tokenize(text: str, format: str | None = None) -> str | list[str]:  # noqa: A002 - underthesea's name
    """underthesea's word segmenter (``format="text"`` joins compounds with "_")."""
    return _load()[1](text, format=format)
