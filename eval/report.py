"""Reports an evaluator can read: JSON (for ``compare``), Markdown, HTML and two PNG plots.

Files are written as ``<out>/<date>-<config>.{json,md,html}`` plus
``<date>-<config>-topics.png`` (metrics per topic) and
``<date>-<config>-latency.png`` (latency histogram). The Markdown and HTML
carry the same content: configuration, summary table, per-topic and per-tag
breakdowns, and the worst failures with the passages that were retrieved,
so a reader can see *why* an answer went wrong without rerunning anything.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.runner import QuestionResult, RunResult, worst_failures

PLOT_METRICS = ("hit@{k}", "mrr", "key_fact_recall", "citation_precision")

SUMMARY_LABELS = {
    "questions": "Questions",
    "answerable": "Answerable",
    "unanswerable": "Unanswerable (refusal expected)",
    "errors": "Pipeline errors",
    "hit@1": "Retrieval hit@1",
    "hit@3": "Retrieval hit@3",
    "mrr": "Retrieval MRR",
    "key_fact_recall": "Answer key-fact recall",
    "all_facts_rate": "Answers with every key fact",
    "citation_precision": "Citation precision",
    "citation_recall": "Citation recall",
    "refusal_accuracy": "Refusal accuracy",
    "false_refusal_rate": "False refusals (answerable refused)",
    "false_answer_rate": "False answers (unanswerable answered)",
    "variant_agreement": "Variants agreeing with their original",
}


def report_stem(config_name: str, when: datetime | None = None) -> str:
    """``<YYYY-MM-DD>-<config>`` with the config name made safe for a file name."""
    day = (when or datetime.now(UTC)).strftime("%Y-%m-%d")
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", config_name).strip("-") or "run"
    return f"{day}-{safe}"


def fmt(value: Any) -> str:
    """Numbers as the tables show them (3 decimals; ints as ints; None as '–')."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def summary_rows(run: RunResult) -> list[tuple[str, str]]:
    """(label, value) rows of the summary table, latency percentiles last."""
    rows: list[tuple[str, str]] = []
    for key, value in run.summary.items():
        if key == "latency_ms":
            continue
        label = SUMMARY_LABELS.get(key, key.replace("ndcg", "Retrieval nDCG").replace("hit@", "Retrieval hit@"))
        rows.append((label, fmt(value)))
    for name, value in run.summary.get("latency_ms", {}).items():
        rows.append((f"Latency {name} (ms)", f"{value:.0f}"))
    return rows


def breakdown_rows(groups: dict[str, dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a per-topic / per-tag table (columns = union of metric names)."""
    columns: list[str] = []
    for metrics in groups.values():
        columns.extend(c for c in metrics if c not in columns)
    rows = [[name, *(fmt(metrics.get(c)) for c in columns)] for name, metrics in groups.items()]
    return ["group", *columns], rows


# ---------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------


def plot_topics(run: RunResult, path: Path) -> Path:
    """Grouped bars: retrieval and answer metrics for each topic."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(run.per_topic)
    metrics = [m.format(k=run.k) for m in PLOT_METRICS]
    fig, ax = plt.subplots(figsize=(max(7.0, 1.4 * len(names) + 3), 4.0), dpi=110)
    width = 0.8 / len(metrics)
    for j, metric in enumerate(metrics):
        values = [run.per_topic[n].get(metric) or 0.0 for n in names]
        ax.bar([i + j * width for i in range(len(names))], values, width=width, label=metric)
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(names))], names, rotation=20, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title(f"Metrics per topic – {run.name}")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_latency(latencies_ms: Sequence[float], title: str, path: Path) -> Path:
    """Histogram of per-question latency with the median marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from eval.metrics import percentile

    fig, ax = plt.subplots(figsize=(6.0, 3.6), dpi=110)
    values = list(latencies_ms) or [0.0]
    ax.hist(values, bins=min(30, max(5, len(values) // 3)), color="#4c72b0")
    ax.axvline(percentile(values, 50), color="#c44e52", linestyle="--", label="p50")
    ax.axvline(percentile(values, 95), color="#dd8452", linestyle=":", label="p95")
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("questions")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return lines


def _gold_label(gold: Sequence[dict[str, Any]]) -> str:
    parts = [_where(g["topic"], g["field"] or "") for g in gold]
    return "; ".join(parts) or "(none – refusal expected)"


def _where(topic: int | None, section: str) -> str:
    """'CĐ 3 / Thực trạng' – where a passage sits in the topic guide."""
    head = "Mở đầu" if topic is None else f"CĐ {topic}"
    return f"{head} / {section}" if section and section != head else head


def _failure_md(r: QuestionResult) -> list[str]:
    lines = [f"### {r.id} — {r.question}", ""]
    reason = f" ({r.reason})" if r.reason else ""
    lines.append(f"- answerable: {fmt(r.answerable)}; refused: {fmt(r.refused)}{reason}")
    lines.append(f"- gold: {_gold_label(r.gold)}")
    if r.expected_facts:
        missing = [f for f in r.expected_facts if f not in r.facts_found]
        lines.append(f"- key facts: {', '.join(r.expected_facts)} — missing: {', '.join(missing) or 'none'}")
    lines.append(
        f"- key-fact recall {fmt(r.key_fact_recall)}, citation precision {fmt(r.citation_precision)}, "
        f"first relevant rank {fmt(r.first_relevant)}, {r.latency_ms:.0f} ms"
    )
    if r.error:
        lines.append(f"- **error**: {r.error}")
    lines += ["", "Answer:", "", "> " + (r.answer or "(empty)").replace("\n", "\n> "), ""]
    for c in r.citations:
        lines.append(f"- citation [{c.n}] {c.chunk_id} ({_where(c.topic, c.section)}), support {c.support:.2f}")
    if r.retrieved:
        lines += ["", "Retrieved passages:", ""]
        for p in r.retrieved:
            mark = "✔" if p.relevant else "✘"
            text = " ".join(p.text.split())
            lines.append(f"{p.rank}. {mark} `{p.chunk_id}` ({_where(p.topic, p.section)}, {p.score:.3f}): {text}")
    lines.append("")
    return lines


def render_markdown(run: RunResult, images: dict[str, str], failures: Sequence[QuestionResult]) -> str:
    """The whole report as Markdown."""
    lines = [f"# Evaluation report: {run.name}", ""]
    lines.append(f"Set `{run.set_path}` · {run.summary.get('questions', 0)} questions · k = {run.k} · {run.started}")
    lines += ["", "## Configuration", ""]
    lines += _md_table(["setting", "value"], [[k, fmt(v)] for k, v in run.config.items()])
    lines += ["", "## Summary", ""]
    lines += _md_table(["metric", "value"], summary_rows(run))
    for title, groups in (("Per topic (answerable questions)", run.per_topic), ("Per tag", run.per_tag)):
        if groups:
            header, rows = breakdown_rows(groups)
            lines += ["", f"## {title}", ""]
            lines += _md_table(header, rows)
    for key, section in (("topics", "Metrics per topic"), ("latency", "Latency")):
        if key in images:
            lines += ["", f"## {section}", "", f"![{section}]({images[key]})"]
    for name, block in run.extra.items():
        lines += ["", f"## {name}", ""]
        lines += _md_table(["metric", "value"], [[k, fmt(v)] for k, v in block.items() if not isinstance(v, dict)])
    lines += ["", f"## Worst failures ({len(failures)})", ""]
    if not failures:
        lines.append("None: every question was answered or refused correctly with all facts and sound citations.")
    for r in failures:
        lines += _failure_md(r)
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f3f3f3}.ok{color:#2a7a2a}.bad{color:#b22}blockquote{background:#fafafa;border-left:4px solid #ccc;
margin:.5em 0;padding:.4em .8em}details{margin:.3em 0 1.2em}img{max-width:100%}
"""


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _failure_html(r: QuestionResult) -> str:
    e = html.escape
    missing = [f for f in r.expected_facts if f not in r.facts_found]
    parts = [f"<h3>{e(r.id)} — {e(r.question)}</h3><ul>"]
    parts.append(f"<li>answerable: {fmt(r.answerable)}; refused: {fmt(r.refused)} {e(r.reason)}</li>")
    parts.append(f"<li>gold: {e(_gold_label(r.gold))}</li>")
    if r.expected_facts:
        facts, lacking = e(", ".join(r.expected_facts)), e(", ".join(missing) or "none")
        parts.append(f"<li>key facts: {facts} — missing: <b>{lacking}</b></li>")
    parts.append(
        f"<li>key-fact recall {fmt(r.key_fact_recall)}, citation precision {fmt(r.citation_precision)}, "
        f"first relevant rank {fmt(r.first_relevant)}, {r.latency_ms:.0f} ms</li>"
    )
    if r.error:
        parts.append(f"<li class=bad>error: {e(r.error)}</li>")
    parts.append(f"</ul><blockquote>{e(r.answer or '(empty)')}</blockquote>")
    if r.citations:
        parts.append("<ul>")
        for c in r.citations:
            where = e(_where(c.topic, c.section))
            parts.append(f"<li>[{c.n}] {e(c.chunk_id)} ({where}), support {c.support:.2f}</li>")
        parts.append("</ul>")
    if r.retrieved:
        parts.append("<details><summary>Retrieved passages</summary><ol>")
        for p in r.retrieved:
            cls, mark = ("ok", "✔") if p.relevant else ("bad", "✘")
            parts.append(
                f"<li><span class={cls}>{mark}</span> <code>{e(p.chunk_id)}</code> "
                f"({e(_where(p.topic, p.section))}, {p.score:.3f}): {e(' '.join(p.text.split()))}</li>"
            )
        parts.append("</ol></details>")
    return "".join(parts)


def render_html(run: RunResult, images: dict[str, str], failures: Sequence[QuestionResult]) -> str:
    """The whole report as one self-contained HTML page (images next to it)."""
    e = html.escape
    out = [f"<!doctype html><html lang=vi><meta charset=utf-8><title>{e(run.name)}</title><style>{_CSS}</style><body>"]
    out.append(f"<h1>Evaluation report: {e(run.name)}</h1>")
    out.append(f"<p>Set <code>{e(run.set_path)}</code> · k = {run.k} · {e(run.started)}</p>")
    config_rows = [[k, fmt(v)] for k, v in run.config.items()]
    out.append("<h2>Configuration</h2>" + _html_table(["setting", "value"], config_rows))
    out.append("<h2>Summary</h2>" + _html_table(["metric", "value"], summary_rows(run)))
    for title, groups in (("Per topic (answerable questions)", run.per_topic), ("Per tag", run.per_tag)):
        if groups:
            out.append(f"<h2>{e(title)}</h2>" + _html_table(*breakdown_rows(groups)))
    for key, section in (("topics", "Metrics per topic"), ("latency", "Latency")):
        if key in images:
            out.append(f"<h2>{section}</h2><img src='{e(images[key])}' alt='{section}'>")
    for name, block in run.extra.items():
        rows = [[k, fmt(v)] for k, v in block.items() if not isinstance(v, dict)]
        out.append(f"<h2>{e(name)}</h2>" + _html_table(["metric", "value"], rows))
    out.append(f"<h2>Worst failures ({len(failures)})</h2>")
    out.extend(_failure_html(r) for r in failures)
    out.append("</body></html>")
    return "\n".join(out)


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def write_report(run: RunResult, out_dir: Path, stem: str, n_failures: int = 10) -> dict[str, Path]:
    """Write JSON, Markdown, HTML and the PNG plots; returns the paths by kind."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out_dir / f"{stem}.json",
        "md": out_dir / f"{stem}.md",
        "html": out_dir / f"{stem}.html",
        "topics_png": out_dir / f"{stem}-topics.png",
        "latency_png": out_dir / f"{stem}-latency.png",
    }
    images: dict[str, str] = {}
    if run.per_topic:
        plot_topics(run, paths["topics_png"])
        images["topics"] = paths["topics_png"].name
    else:
        del paths["topics_png"]
    plot_latency([r.latency_ms for r in run.results], f"Latency – {run.name}", paths["latency_png"])
    images["latency"] = paths["latency_png"].name
    failures = worst_failures(run.results, n_failures)
    data = run.to_dict()
    data["worst_failures"] = [r.id for r in failures]
    paths["json"].write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    paths["md"].write_text(render_markdown(run, images, failures), encoding="utf-8")
    paths["html"].write_text(render_html(run, images, failures), encoding="utf-8")
    return paths


# ---------------------------------------------------------------------------
# Compare
# ---------------------------------------------------------------------------


def flatten_metrics(summary: dict[str, Any], prefix: str = "") -> dict[str, float | None]:
    """Numeric leaves of a summary (None kept, so both reports list metrics in the same order), keys joined by '.'."""
    flat: dict[str, float | None] = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_metrics(value, f"{name}."))
        elif value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
            flat[name] = None if value is None else float(value)
    return flat


class ReportError(ValueError):
    """A report file that cannot be read for comparison."""


def load_report(path: Path) -> dict[str, Any]:
    """A JSON report written by :func:`write_report` (one-line error otherwise)."""
    if not path.is_file():
        raise ReportError(f"{path}: report not found")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: not a JSON report ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("summary"), dict):
        raise ReportError(f"{path}: no 'summary' object – is this a troly eval report?")
    return data


def compare_reports(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, float | None, float | None, float | None]]:
    """(metric, A, B, B − A) for every summary metric and every per-topic metric in either report."""
    left = flatten_metrics(a["summary"])
    right = flatten_metrics(b["summary"])
    for name, data in (("topic", "per_topic"),):
        for group, metrics in (a.get(data) or {}).items():
            left.update({f"{name}[{group}].{k}": v for k, v in flatten_metrics(metrics).items()})
        for group, metrics in (b.get(data) or {}).items():
            right.update({f"{name}[{group}].{k}": v for k, v in flatten_metrics(metrics).items()})
    rows = []
    for key in list(dict.fromkeys([*left, *right])):
        x, y = left.get(key), right.get(key)
        rows.append((key, x, y, None if x is None or y is None else y - x))
    return rows
