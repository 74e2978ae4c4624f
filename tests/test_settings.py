"""Settings: env prefix, troly.toml, explicit overrides, validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from rag.settings import Settings


def test_env_prefix_sets_values(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TROLY_DATA_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("TROLY_K", "9")
    settings = Settings()
    assert settings.data_dir == tmp_path / "elsewhere"
    assert settings.k == 9
    assert settings.collection_dir == tmp_path / "elsewhere" / "collections" / "default"


def test_toml_file_is_read_and_env_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "troly.toml"
    config.write_text('k = 3\ncollection = "hoi-nghi-2025"\nchunk_tokens = 200\n', encoding="utf-8")
    monkeypatch.setenv("TROLY_CONFIG", str(config))
    monkeypatch.setenv("TROLY_K", "4")
    settings = Settings()
    assert settings.collection == "hoi-nghi-2025"
    assert settings.chunk_tokens == 200
    assert settings.k == 4  # environment beats the file


def test_code_overrides_beat_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TROLY_COLLECTION", "from-env")
    assert Settings(collection="from-code").collection == "from-code"


@pytest.mark.parametrize("value", ["localhost", "host:port", ":"])
def test_bad_chroma_address_is_rejected(value: str) -> None:
    with pytest.raises(ValidationError, match="host:port"):
        Settings(chroma=value)


def test_chroma_server_address_accepted() -> None:
    assert Settings(chroma=" 127.0.0.1:8000 ").chroma == "127.0.0.1:8000"
