"""``troly bench compare``: comparing two ~40-page drafts end to end (both files read, compared) — target ≤ 10 s.

The drafts are made from the shared party documents: the Đảng ủy Chính phủ report followed by the Quốc hội plan
and the Cà Mau financial plan (about 120,000 characters, some 40–60 pages of A4 at 14 pt) saved as a .docx, and
a later version with scripted edits — figures changed, a paragraph moved, sentences added and removed — saved as
.txt, so the run also crosses formats as a real .docx-against-successor comparison does.
"""

from __future__ import annotations

import logging
import re
import statistics
import time
from pathlib import Path
from typing import Any

from eval.bench_common import cpu_busy_fraction, load_average, machine_info, machine_markdown, verdict, write_report

logger = logging.getLogger(__name__)
SOURCES = (
    "bao-cao-dang-uy-chinh-phu-thuc-hien-nq57_2025-05.txt",
    "ke-hoach-3260-kh-ddqh15_2025-01-10.txt",
    "kh0204-kh-ubnd-camau_2025-11-24.txt",
)
CHARS_PER_PAGE = 2_500
"""A4 page of 14-pt Times New Roman with the party margins: about 2,000–3,000 characters."""
TARGET_SECONDS = 10.0


def _later_version(text: str) -> tuple[str, int]:
    """The draft with scripted edits: every 7th percentage raised by one, a paragraph moved to the end of the
    text, every 25th prose paragraph's last sentence removed, a sentence added after every 30th."""
    edits = 0
    seen = 0

    def bump(match: re.Match[str]) -> str:
        nonlocal seen, edits
        seen += 1
        if seen % 7:
            return match.group(0)
        edits += 1
        return f"{int(match.group(1)) + 1}%"

    text = re.sub(r"(?<![\d,.])(\d{1,2})%", bump, text)
    paragraphs = text.split("\n")
    prose = [i for i, p in enumerate(paragraphs) if len(p) > 200 and ". " in p]
    for n, i in enumerate(prose):
        if n % 25 == 3:
            paragraphs[i] = paragraphs[i].rsplit(". ", 1)[0] + "."
            edits += 1
        elif n % 30 == 5:
            paragraphs[i] += " Giao Văn phòng chủ trì theo dõi, đôn đốc và báo cáo kết quả trước ngày 30/6/2026."
            edits += 1
    if prose:
        moved = paragraphs.pop(prose[len(prose) // 2])
        paragraphs.insert(len(paragraphs) - 40, moved)
        edits += 1
    return "\n".join(paragraphs), edits


def _write_docx(text: str, path: Path) -> None:
    from docx import Document as DocxDocument

    doc = DocxDocument()
    for line in text.split("\n"):
        if line.strip():
            doc.add_paragraph(line)
    doc.save(str(path))


def build_drafts(shared: Path, folder: Path) -> tuple[Path, Path, int, int]:
    """(earlier .docx, later .txt, characters, scripted edits)."""
    text = "\n\n".join((shared / "party_docs" / name).read_text(encoding="utf-8").strip() for name in SOURCES)
    later, edits = _later_version(text)
    folder.mkdir(parents=True, exist_ok=True)
    old, new = folder / "du-thao-lan-1.docx", folder / "du-thao-lan-2.txt"
    _write_docx(text, old)
    new.write_text(later, encoding="utf-8")
    return old, new, len(text), edits


def run_compare_benchmark(shared: Path, folder: Path, runs: int = 3) -> dict[str, Any]:
    """Time ``compare_files`` (both files read and compared) ``runs`` times; the parts of one run as well."""
    from ingest.pipeline import load_documents
    from rag.compare import compare_documents, compare_files

    old, new, chars, edits = build_drafts(shared, folder)
    machine = machine_info()
    busy = cpu_busy_fraction()
    compare_files(old, new)  # warm: imports and underthesea's tokenizer load once per process
    totals, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = compare_files(old, new)
        totals.append(time.perf_counter() - start)
    start = time.perf_counter()
    old_docs, new_docs = load_documents(old), load_documents(new)
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    compare_documents(old_docs, new_docs)
    compare_s = time.perf_counter() - start
    machine["load_average_1min_at_end"] = load_average()
    median = statistics.median(totals)
    assert result is not None
    return {
        "machine": machine,
        "cpu_busy_before": busy,
        "characters": chars,
        "pages_estimate": round(chars / CHARS_PER_PAGE),
        "scripted_edits": edits,
        "changes_reported": len(result.changes),
        "counts": result.counts(),
        "runs_s": [round(t, 3) for t in totals],
        "median_s": round(median, 3),
        "read_both_s": round(read_s, 3),
        "compare_s": round(compare_s, 3),
        "target_s": TARGET_SECONDS,
        "verdict": verdict(median <= TARGET_SECONDS, busy > 0.25 or machine["load_average_1min_at_start"] > 2),
    }


def render_markdown(report: dict[str, Any]) -> str:
    lines = [
        "# troly bench compare — two ~40-page drafts",
        "",
        *machine_markdown(report["machine"]),
        f"- CPU busy before the run: {report['cpu_busy_before']:.0%}",
        "",
        f"Earlier draft: .docx, later draft: .txt; {report['characters']:,} characters "
        f"(≈ {report['pages_estimate']} pages at {CHARS_PER_PAGE:,} characters/page), "
        f"{report['scripted_edits']} scripted edits, {report['changes_reported']} changes reported "
        f"({', '.join(f'{k}: {v}' for k, v in report['counts'].items())}).",
        "",
        "| measure | seconds |",
        "|---|---:|",
        f"| `compare_files` (read both + compare), median of {len(report['runs_s'])} | **{report['median_s']}** |",
        f"| of which reading both files (ingest, no index) | {report['read_both_s']} |",
        f"| of which aligning and diffing | {report['compare_s']} |",
        "",
        f"Target ≤ {report['target_s']} s: **{report['verdict']}**.",
        "",
    ]
    return "\n".join(lines)


def write(report: dict[str, Any], out: Path) -> tuple[Path, Path]:
    return write_report(report, render_markdown(report), out.parent, out.name)
