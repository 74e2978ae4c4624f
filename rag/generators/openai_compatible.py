"""Any OpenAI-compatible chat endpoint on the office network (llama.cpp server, vLLM, Ollama).

Configured by TROLY_LLM_URL / TROLY_LLM_MODEL / TROLY_LLM_API_KEY /
TROLY_LLM_TIMEOUT. The model is told, in Vietnamese, to answer only from the
numbered passages, to cite them as [n] and to refuse otherwise; what it
returns is still validated sentence by sentence afterwards, because small
models ignore such instructions. When the endpoint cannot be reached or
times out, :class:`GeneratorUnavailable` is raised so the pipeline can fall
back to the extractive generator and say so.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from rag.generators.base import REFUSAL_TEXT, Generator, GeneratorUnavailable

if TYPE_CHECKING:
    from rag.retrieval import Hit
    from rag.settings import Settings

SYSTEM_PROMPT = (
    "Bạn là trợ lý văn kiện của cơ quan Đảng. Chỉ trả lời bằng tiếng Việt và CHỈ dựa trên các đoạn tài liệu "
    "được đánh số [1], [2], … trong tin nhắn của người dùng.\n"
    "Quy tắc bắt buộc:\n"
    "1. Mỗi câu trả lời phải kết thúc bằng số của đoạn tài liệu làm căn cứ, ví dụ: "
    '"Tăng trưởng kinh tế năm 2025 đạt 6,42% [1]."\n'
    "2. Giữ nguyên số liệu, tỷ lệ, ngày tháng và tên cơ quan như trong tài liệu; không tự suy đoán.\n"
    f'3. Nếu các đoạn tài liệu không chứa thông tin để trả lời, chỉ trả lời đúng câu: "{REFUSAL_TEXT}"\n'
    "4. Trả lời ngắn gọn, tối đa 4 câu."
)


def format_passages(hits: Sequence[Hit]) -> str:
    """The numbered passages as the model sees them, with where each comes from."""
    blocks = []
    for n, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        where = chunk.doc_title + (f" – chuyên đề {chunk.topic}" if chunk.topic is not None else "")
        if chunk.section:
            where += f" – {chunk.section}"
        text = " ".join(chunk.text.split())
        blocks.append(f"[{n}] ({where})\n{text}")
    return "\n\n".join(blocks)


def asked_note(question: str) -> str:
    """One line naming what the question asks for ("Câu hỏi cần: thời hạn."), or "" when the analysis finds no
    particular kind. A question of several parts is split before it reaches a generator."""
    from rag.query_understanding import KIND_LABELS, analyse

    kinds = [KIND_LABELS[k] for k in sorted(analyse(question).kinds) if k in KIND_LABELS]
    if not kinds:
        return ""
    who = " (ưu tiên tên người, sau đó chức vụ, rồi cơ quan)" if "person" in analyse(question).kinds else ""
    return f"\nCâu hỏi cần: {', '.join(kinds)}{who}."


class OpenAICompatibleGenerator(Generator):
    """Streams a cited answer from an OpenAI-compatible endpoint via langchain-openai."""

    name = "openai"

    def __init__(self, settings: Settings) -> None:
        if not settings.llm_url:
            raise ValueError("TROLY_LLM_URL is empty: set it to the endpoint, e.g. http://10.0.0.5:8080/v1")
        self.settings = settings
        self._chat: Any = None

    @property
    def chat(self) -> Any:
        """The ChatOpenAI client, built on first use (import is slow and most runs never need it)."""
        if self._chat is None:
            from langchain_openai import ChatOpenAI

            # Fields by name, not by their aliases (base_url, model, api_key, timeout): ChatOpenAI takes both
            # (populate_by_name), the pydantic mypy plugin types only the names.
            self._chat = ChatOpenAI(
                openai_api_base=self.settings.llm_url,
                model_name=self.settings.llm_model or "local",
                openai_api_key=self.settings.llm_api_key,
                request_timeout=self.settings.llm_timeout,
                max_retries=0,  # a dead endpoint must fail fast so the fallback answers in time
                temperature=0,
                max_tokens=self.settings.llm_max_tokens,
                # langchain-openai sends the limit as "max_completion_tokens", which llama.cpp's Python
                # server and older vLLM/Ollama ignore (they then generate until the context is full);
                # the classic field is sent as well so every server stops in time.
                extra_body={"max_tokens": self.settings.llm_max_tokens},
            )
        return self._chat

    def messages(self, question: str, hits: Sequence[Hit]) -> list[tuple[str, str]]:
        """System prompt + passages + question, and what the question asks for as the question analysis reads it
        (:func:`rag.query_understanding.analyse`), so the model answers with the kind of fact asked."""
        user = f"Các đoạn tài liệu:\n\n{format_passages(hits)}\n\nCâu hỏi: {question}{asked_note(question)}"
        return [("system", SYSTEM_PROMPT), ("human", user)]

    def stream(self, question: str, hits: Sequence[Hit]) -> Iterator[str]:
        yield from self.stream_messages(self.messages(question, hits))

    def stream_messages(self, messages: list[tuple[str, str]]) -> Iterator[str]:
        """Stream any prompt; connection problems become :class:`GeneratorUnavailable`."""
        import openai

        budget = self.settings.llm_max_tokens * 12  # characters; a guard if the server ignores the limit
        try:
            for chunk in self.chat.stream(messages):
                text = chunk.content if isinstance(chunk.content, str) else ""
                if text:
                    yield text
                    budget -= len(text)
                    if budget <= 0:  # leaving the loop closes the stream, so the server stops too
                        return
        except (openai.APIConnectionError, openai.APITimeoutError, openai.InternalServerError) as exc:
            raise GeneratorUnavailable(f"{self.settings.llm_url}: {type(exc).__name__}") from exc
