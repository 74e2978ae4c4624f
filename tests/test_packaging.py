"""Packaging stays quiet and complete: a deprecation warning at build time is printed on every install."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_builds_without_deprecation_warnings(tmp_path: Path) -> None:
    # Regression: `license = { text = "MIT" }` made setuptools print a deprecation notice twelve times per install.
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-2000:]
    assert "deprecat" not in output.lower(), output[-2000:]
    wheels = list(tmp_path.glob("troly-*.whl"))
    assert len(wheels) == 1
    names = zipfile.ZipFile(wheels[0]).namelist()
    assert "eval/questions/topic_guide.jsonl" in names
    assert "ui/cli/__init__.py" in names
