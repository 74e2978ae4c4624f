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
