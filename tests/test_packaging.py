"""Packaging stays quiet and complete: a deprecation warning at build time is printed on every install."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_builds_without_deprecation_warnings(tmp_path: Path) -> None:
    # Regression: `license = { text = "MIT" }` made setuptools print a deprecation notice twelve times per install.
    # Build from a copy: setuptools writes build/ and *.egg-info beside the sources; keep the tree clean.
    src = tmp_path / "src"
    keep = ("ingest", "rag", "ui", "eval", "pyproject.toml", "README.md")
    for name in keep:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "reports"))
        else:
            src.mkdir(exist_ok=True)
            shutil.copy2(path, src / name)
    out = tmp_path / "wheel"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-2000:]
    assert "deprecat" not in output.lower(), output[-2000:]
    wheels = list(out.glob("troly-*.whl"))
    assert len(wheels) == 1
    names = zipfile.ZipFile(wheels[0]).namelist()
    assert "eval/questions/topic_guide.jsonl" in names
    assert "ui/cli/__init__.py" in names
