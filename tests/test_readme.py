"""The README's claims that a command can regenerate are checked against that command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_block(start: str, end: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert start in text and end in text, f"README lacks the markers {start!r} … {end!r}"
    return text.split(start, 1)[1].split(end, 1)[0].strip()


def test_readme_configuration_table_is_what_troly_config_prints(tmp_path: Path) -> None:
    # Regression: settings were added (limits, remote embeddings) without the README table following.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TROLY_")}
    proc = subprocess.run(
        [sys.executable, "-c", "from ui.cli import main; main()", "config", "--markdown"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    expected = _readme_block("<!-- troly config --markdown -->", "<!-- end troly config -->")
    assert proc.stdout.strip() == expected, "README table is stale: run `troly config --markdown` and paste it"
