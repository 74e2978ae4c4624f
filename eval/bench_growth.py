"""``troly bench growth``: how latency, memory and ingest time grow with the corpus (1k → 100k chunks).

Reads the figures the other benchmarks wrote – ``bench_retrieval.json``
(hybrid latency, peak RSS and index build time per size; synthetic random
vectors, because embedding 100k passages for real takes hours on two cores)
and ``bench_ingest.json`` (the real embedder's chunks/s) – and draws one PNG
with a fitted power law ``y = a·N^b`` per series: ``b`` ≈ 0 is flat, 1 is
linear. The full-ingest line is a projection (index build + N ÷ the measured
embedding rate), drawn dashed and labelled so.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np


def fit_power(sizes: list[float], values: list[float]) -> dict[str, float]:
    """Least-squares fit of log y = log a + b log N (needs two sizes with positive values)."""
    pairs = [(n, v) for n, v in zip(sizes, values, strict=True) if n > 0 and v and v > 0]
    if len(pairs) < 2:
        return {}
    x = np.log([n for n, _ in pairs])
    y = np.log([v for _, v in pairs])
    b, log_a = np.polyfit(x, y, 1)
    return {"a": float(math.exp(log_a)), "b": round(float(b), 3)}


def growth_series(retrieval: dict[str, Any], ingest: dict[str, Any] | None) -> dict[str, Any]:
    """The series to plot, each with its sizes, values, unit and fit."""
    rows = [r for r in retrieval["sizes"] if r.get("chunks")]
    sizes = [float(r["chunks"]) for r in rows]
    series: dict[str, Any] = {
        "hybrid_p50_ms": [r["hybrid"]["p50_ms"] for r in rows],
        "hybrid_p95_ms": [r["hybrid"]["p95_ms"] for r in rows],
        "with_query_embedding_p50_ms": [(r.get("hybrid_with_query_embedding") or {}).get("p50_ms") for r in rows],
        "peak_rss_mb": [r["rss_peak_mb"] for r in rows],
        "index_build_s": [r.get("index_build_s") for r in rows],
    }
    rate = (ingest or {}).get("derived", {}).get("cold_chunks_per_s") or 0
    if rate > 0:
        series["projected_full_ingest_s"] = [
            (b or 0) + n / rate for n, b in zip(sizes, series["index_build_s"], strict=True)
        ]
    return {
        "sizes": sizes,
        "series": series,
        "fits": {name: fit_power(sizes, values) for name, values in series.items()},
        "ingest_chunks_per_s": rate,
    }


def plot_growth(data: dict[str, Any], png: Path, note: str) -> None:
    """Three panels (latency, memory, ingest time) on log-log axes with the fitted lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = np.array(data["sizes"])
    grid = np.geomspace(sizes.min(), sizes.max(), 50)
    panels = [
        ("Search latency (hybrid)", "ms", ["hybrid_p50_ms", "hybrid_p95_ms", "with_query_embedding_p50_ms"]),
        ("Peak memory (benchmark process)", "MiB", ["peak_rss_mb"]),
        ("Ingest time", "s", ["index_build_s", "projected_full_ingest_s"]),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    for ax, (title, unit, names) in zip(axes, panels, strict=True):
        for name in names:
            values = data["series"].get(name)
            if not values or not any(values):
                continue
            fit = data["fits"].get(name) or {}
            dashed = name.startswith("projected")
            label = name.replace("_", " ") + (f" (∝ N^{fit['b']:.2f})" if fit else "")
            points = ax.loglog(sizes, [v or np.nan for v in values], "o--" if dashed else "o-", label=label)
            if fit:
                ax.loglog(grid, fit["a"] * grid ** fit["b"], ":", color=points[0].get_color(), alpha=0.7)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("corpus size (chunks)")
        ax.set_ylabel(unit)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("troly growth with corpus size – " + note, fontsize=9)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)
    plt.close(fig)


def run_growth(reports: Path, out: Path, retrieval_path: Path | None = None) -> dict[str, Any]:
    """Read the reports under ``reports`` (the retrieval report from ``retrieval_path`` when given: a run written
    under another name), write ``out``.png/.json/.md; returns the data."""
    retrieval_path = retrieval_path or reports / "bench_retrieval.json"
    if not retrieval_path.exists():
        raise FileNotFoundError(f"{retrieval_path}: run `troly bench retrieval` first")
    retrieval = json.loads(retrieval_path.read_text(encoding="utf-8"))
    ingest_path = reports / "bench_ingest.json"
    ingest = json.loads(ingest_path.read_text(encoding="utf-8")) if ingest_path.exists() else None
    data = growth_series(retrieval, ingest)
    data["sources"] = {
        "retrieval": f"{retrieval_path.name} ({retrieval.get('generated', '?')}): {retrieval.get('vectors', '')}",
        "ingest": f"{ingest_path.name} ({(ingest or {}).get('machine', {}).get('date_utc', '?')}): "
        f"{data['ingest_chunks_per_s']} chunks/s cold ingest with the real embedder (1-min load average "
        f"{(ingest or {}).get('machine', {}).get('load_average_1min_at_start', '?')} on "
        f"{(ingest or {}).get('machine', {}).get('cores_usable', '?')} cores: the projection scales with it)"
        if ingest
        else "none",
    }
    note = "synthetic random vectors at every size (100k real embeddings would take hours); full ingest projected"
    plot_growth(data, out.with_suffix(".png"), note)
    out.with_suffix(".json").write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(render_growth_markdown(data, out.with_suffix(".png").name), encoding="utf-8")
    return data


def render_growth_markdown(data: dict[str, Any], png_name: str) -> str:
    lines = [
        "# Growth with corpus size (`troly bench growth`)",
        "",
        f"![growth]({png_name})",
        "",
        "| series | " + " | ".join(f"{int(n):,} chunks" for n in data["sizes"]) + " | fitted growth |",
        "|---|" + "---:|" * (len(data["sizes"]) + 1),
    ]
    for name, values in data["series"].items():
        fit = data["fits"].get(name) or {}
        cells = " | ".join("–" if v is None else f"{v:,.1f}" for v in values)
        lines.append(f"| {name} | {cells} | {'∝ N^' + format(fit['b'], '.2f') if fit else '–'} |")
    lines += [
        "",
        "Exponent b of y = a·N^b fitted on log-log axes: 0 = flat, 1 = linear in the corpus size.",
        "",
        *[f"- {k}: {v}" for k, v in data["sources"].items()],
        "",
    ]
    return "\n".join(lines)
