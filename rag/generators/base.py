"""One interface for every answer generator (extractive, any OpenAI-compatible LLM).

A generator receives the question and the retrieved hits, numbered from 1 in
the order given, and produces Vietnamese text whose sentences carry ``[n]``
markers pointing at those hits. It never decides what is true: the answer
pipeline validates every sentence afterwards (rag/citations.py), so a
generator only has to be useful, not trusted.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag.retrieval import Hit

REFUSAL_TEXT = "Tài liệu hiện có không chứa thông tin để trả lời câu hỏi này."


class GeneratorUnavailable(RuntimeError):
    """The generator cannot run right now (endpoint down, timeout); the pipeline falls back to extractive."""


class Generator(ABC):
    """Produces cited text from a question and numbered passages."""

    name: str = "generator"

    @abstractmethod
    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[str]:
        """Yield the answer text piece by piece (so a UI can show it as it comes)."""

    def generate(self, question: str, hits: Sequence[Hit]) -> str:
        """The whole answer text at once."""
        return "".join(self.stream(question, hits))
