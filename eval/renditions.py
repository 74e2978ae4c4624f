"""The formats a question set is run on: the shared .txt documents and their .docx and .pdf renditions.

Real documents arrive as Word files and PDFs, so a set written against a .txt is also asked of a
.docx (python-docx, office layout) and a .pdf (printed by headless Chromium) made from it. The
layout builders live in ``tests/renditions.py`` (one home, shared with the ingest tests); this module
loads them from the checkout and only decides which files go where.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from types import ModuleType

log = logging.getLogger(__name__)

RENDITIONS = ("txt", "docx", "pdf")
"""Every rendition a set is run on, in report order."""

_BUILDERS = Path(__file__).resolve().parents[1] / "tests" / "renditions.py"


class RenditionError(RuntimeError):
    """A rendition cannot be made (builders missing, Chromium absent or failing); the message says which."""


@cache
def _builders() -> ModuleType:
    if not _BUILDERS.is_file():
        raise RenditionError(f"{_BUILDERS}: rendition builders not found (run from a troly checkout)")
    spec = importlib.util.spec_from_file_location("troly_renditions", _BUILDERS)
    if spec is None or spec.loader is None:
        raise RenditionError(f"{_BUILDERS}: cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def parse_renditions(value: str) -> list[str]:
    """ "txt,docx" → ["txt", "docx"]; an unknown name raises ValueError naming it."""
    names = [v.strip().lower().lstrip(".") for v in value.split(",") if v.strip()]
    unknown = [n for n in names if n not in RENDITIONS]
    if unknown or not names:
        raise ValueError(f"unknown rendition {', '.join(unknown) or value!r}; choose from {', '.join(RENDITIONS)}")
    return [n for n in RENDITIONS if n in names]


def make_rendition(source: Path, rendition: str, out_dir: Path) -> Path:
    """``source`` (.txt) as ``rendition`` in ``out_dir`` (same stem); the .txt itself is copied."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{source.stem}.{rendition}"
    if rendition == "txt":
        shutil.copyfile(source, target)
        return target
    builders = _builders()
    scratch = out_dir / ".build"
    try:
        if rendition == "docx":
            return builders.write_docx_rendition(source, target)
        if rendition == "pdf":
            if not builders.chromium_available():
                raise RenditionError("headless Chromium is not installed (apt-get install -y chromium)")
            built = builders.write_pdf_rendition(source, scratch / target.name)
            shutil.move(built, target)  # the HTML page Chromium printed stays in the scratch folder
            return target
    except RenditionError:
        raise
    except Exception as exc:  # python-docx / Chromium failures become one line naming the file
        raise RenditionError(f"{source.name}: cannot make the .{rendition} rendition ({exc})") from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    raise ValueError(f"unknown rendition {rendition!r}")


def make_renditions(sources: Sequence[Path], rendition: str, out_dir: Path) -> list[Path]:
    """Every source as ``rendition`` in ``out_dir`` (which holds nothing else afterwards)."""
    shutil.rmtree(out_dir, ignore_errors=True)
    paths = [make_rendition(src, rendition, out_dir) for src in sources]
    log.info("made %d .%s renditions in %s", len(paths), rendition, out_dir)
    return paths
