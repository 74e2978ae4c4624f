"""``troly bench``: benchmarks (not tests) that report numbers for the README and the reports."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(
    help="Benchmarks (not tests): retrieval latency at scale, ingest and answer speed, CLI cold start.\n\n"
    "Example: troly bench retrieval --sizes 1000,10000",
    no_args_is_help=True,
)


@app.command("retrieval")
def retrieval_cmd(
    ctx: typer.Context,
    sizes: str = typer.Option("1000,10000,100000", "--sizes", help="Comma-separated corpus sizes in chunks."),
    queries: int = typer.Option(200, "--queries", min=10, help="Timed queries per size and mode."),
    shared: Path = typer.Option(Path("../shared/data"), "--shared", help="Public data (laws) for the sentences."),
    out: Path = typer.Option(Path("eval/reports/bench_retrieval"), "--out", help="Report path without suffix."),
    updates: bool = typer.Option(
        True, "--updates/--no-updates", help="Also time upload-to-searchable (one document) at each size."
    ),
) -> None:
    """Hybrid search p50/p95 at 1k/10k/100k synthetic chunks (recombined real sentences), upload-to-searchable.

    Collections are built under <data-dir>/collections/bench-N and reused on reruns.
    Example: troly --data-dir /tmp/bench bench retrieval --sizes 1000,10000
    """
    from eval.benchmarks import render_markdown, run_benchmark, write_report
    from ui.cli import settings_of

    settings = settings_of(ctx)
    size_list = parse_sizes(sizes)
    report = run_benchmark(settings.data_dir, size_list, queries, shared if shared.is_dir() else None)
    if updates:
        from eval.bench_retrieval_updates import run_update_benchmark

        typer.echo("upload-to-searchable at each size", err=True)
        report["updates"] = run_update_benchmark(settings.data_dir, size_list, shared if shared.is_dir() else None)
    write_report(report, out)
    typer.echo(render_markdown(report))
    typer.echo(f"written {out.with_suffix('.md')} and {out.with_suffix('.json')}", err=True)
    if len(size_list) >= 2:
        _write_growth(out.parent, growth_path(out), out.with_suffix(".json"))


def growth_path(out: Path) -> Path:
    """Where the growth plot of a retrieval report written to ``out`` goes: eval/reports/bench_growth for the
    default report, else beside the report under its own name ("/tmp/run" → "/tmp/run_growth")."""
    return out.parent / "bench_growth" if out.name == "bench_retrieval" else out.with_name(f"{out.name}_growth")


def parse_sizes(sizes: str) -> list[int]:
    """``--sizes 1000,10000`` as integers, or a usage error naming the option."""
    try:
        return [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError as exc:
        raise typer.BadParameter(f"--sizes must be integers separated by commas, got {sizes!r}") from exc


def _write_growth(reports: Path, out: Path, retrieval: Path | None = None) -> None:
    from eval.bench_growth import run_growth

    data = run_growth(reports, out, retrieval)
    fits = ", ".join(f"{k} ∝ N^{v['b']:.2f}" for k, v in data["fits"].items() if v)
    typer.echo(f"written {out.with_suffix('.png')} ({fits})", err=True)


@app.command("growth")
def growth_cmd(
    reports: Path = typer.Option(Path("eval/reports"), "--reports", help="Folder holding bench_retrieval.json."),
    out: Path = typer.Option(Path("eval/reports/bench_growth"), "--out", help="Output path without suffix."),
) -> None:
    """PNG of search latency, memory and ingest time vs corpus size (1k → 100k) with fitted growth.

    Drawn from the reports of `troly bench retrieval` (synthetic vectors) and `troly bench ingest`.
    Example: troly bench growth
    """
    try:
        _write_growth(reports, out)
    except FileNotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


@app.command("ingest")
def ingest_cmd(
    ctx: typer.Context,
    chunks: int = typer.Option(10_000, "--chunks", min=1, help="About how many chunks to ingest."),
    out: Path = typer.Option(Path("eval/reports"), "--out", help="Folder for bench_ingest.json and .md."),
    shared: Path = typer.Option(Path("../shared/data"), "--shared", help="Public data (vn_laws) to ingest."),
    baseline: int = typer.Option(64, "--baseline", min=1, help="Passages per kind for the raw-embedder baseline."),
) -> None:
    """Ingest throughput with the real embedder on real Vietnamese laws, cold vs re-ingest vs raw model.

    Runs in a fresh temporary data dir (nothing cached); --data-dir is not touched.
    Example: troly bench ingest --chunks 10000
    """
    from eval.bench_common import write_report
    from eval.bench_ingest import render_ingest_markdown, run_ingest_benchmark
    from ui.cli import settings_of

    def log(message: str) -> None:
        typer.echo(message, err=True)

    report = run_ingest_benchmark(settings_of(ctx), chunks, shared, baseline, log=log)
    markdown = render_ingest_markdown(report)
    json_path, md_path = write_report(report, markdown, out, "bench_ingest")
    typer.echo(markdown)
    typer.echo(f"written {md_path} and {json_path}", err=True)


@app.command("answer")
def answer_cmd(
    ctx: typer.Context,
    chunks: int = typer.Option(10_000, "--chunks", min=1, help="Chunks in the index (topic guide + laws)."),
    out: Path = typer.Option(Path("eval/reports"), "--out", help="Folder for bench_answer.json and .md."),
    shared: Path = typer.Option(Path("../shared/data"), "--shared", help="Public data (vn_laws) for the other chunks."),
    questions: int = typer.Option(0, "--questions", min=0, help="Ask only this many questions (0: all)."),
    real_sample: int = typer.Option(200, "--real-sample", min=1, help="Law chunks embedded for real."),
    all_real: bool = typer.Option(False, "--all-real", help="Embed every law chunk for real (slow)."),
) -> None:
    """End-to-end p50/p95 of troly's answers (extractive) at ~10k chunks, split retrieval / generation.

    Runs in a fresh temporary data dir; --data-dir is not touched.
    Example: troly bench answer --chunks 10000
    """
    from eval.bench_answer import render_answer_markdown, run_answer_benchmark
    from eval.bench_common import write_report
    from ui.cli import settings_of

    def log(message: str) -> None:
        typer.echo(message, err=True)

    report = run_answer_benchmark(
        settings_of(ctx), chunks, shared, questions or None, real_sample=real_sample, all_real=all_real, log=log
    )
    markdown = render_answer_markdown(report)
    json_path, md_path = write_report(report, markdown, out, "bench_answer")
    typer.echo(markdown)
    typer.echo(f"written {md_path} and {json_path}", err=True)


@app.command("cli")
def cli_cmd(
    runs: int = typer.Option(5, "--runs", min=1, help="Fresh processes per command (medians are reported)."),
    corpus: Path = typer.Option(Path("corpus"), "--corpus", help="Documents ingested for `troly ask`."),
    out: Path = typer.Option(Path("eval/reports"), "--out", help="Folder for bench_cli.json and .md."),
) -> None:
    """Cold start: `python -c pass`, `troly --help`, `troly ask` as fresh processes, as ratios in one run.

    Runs in a fresh temporary data dir; --data-dir is not touched.
    Example: troly bench cli --runs 5
    """
    from eval.bench_cli import render_cli_markdown, run_cli_benchmark
    from eval.bench_common import write_report

    def log(message: str) -> None:
        typer.echo(message, err=True)

    if not corpus.is_dir():
        raise typer.BadParameter(f"{corpus}: not a folder of documents")
    report = run_cli_benchmark(runs, corpus.resolve(), log=log)
    markdown = render_cli_markdown(report)
    json_path, md_path = write_report(report, markdown, out, "bench_cli")
    typer.echo(markdown)
    typer.echo(f"written {md_path} and {json_path}", err=True)


@app.command("load")
def load_cmd(
    seconds: float = typer.Option(60, "--seconds", min=5, help="Length of the loaded phase."),
    askers: int = typer.Option(32, "--askers", min=1, help="Concurrent short-question askers."),
    out: Path = typer.Option(Path("eval/reports"), "--out", help="Folder for bench_load.json and .md."),
    workers_phase: bool = typer.Option(
        True, "--workers-phase/--no-workers-phase", help="Also run `serve --workers 2` against a Chroma server."
    ),
) -> None:
    """Readers vs a writer on a real server: askers + a 2,000-character asker + an uploading editor.

    Reports errors, leaks of a classified plan, the short searches' p95 under load vs alone (same run), ask
    throughput and p50/p95, and the load average before, during and after. A run started on a busy machine
    says "busy: rerun on a quiet machine" instead of PASS. Runs in fresh temporary data dirs.
    Example: troly bench load --seconds 60 --askers 32
    """
    from eval.bench_load import render_load_markdown, run_load_benchmark, write_load_report

    report = run_load_benchmark(seconds, askers, log=lambda m: typer.echo(m, err=True), workers_phase=workers_phase)
    json_path, md_path = write_load_report(report, out)
    typer.echo(render_load_markdown(report))
    typer.echo(f"written {md_path} and {json_path}", err=True)
    if not report["passed"]:
        raise typer.Exit(1)


@app.command("memory")
def memory_cmd(
    ctx: typer.Context,
    sizes: str = typer.Option("10000,30000,100000", "--sizes", help="Comma-separated collection sizes in chunks."),
    seconds: float = typer.Option(30, "--seconds", min=5, help="Length of the 32-client phase per size."),
    shared: Path = typer.Option(Path("../shared/data"), "--shared", help="Public data (laws) for the sentences."),
    out: Path = typer.Option(Path("eval/reports/bench_memory"), "--out", help="Report path without suffix."),
    uploads: int = typer.Option(3, "--uploads", min=0, help="Uploads timed until searchable per size (0: none)."),
) -> None:
    """RSS of a troly serve process that opens an N-chunk collection and serves 32 concurrent clients.

    Synthetic collections (random unit passage vectors, real query embedding) are built under
    <data-dir>/collections/memory-N and reused on reruns; an unmeasured 100k is extrapolated and labelled so.
    Example: troly --data-dir /tmp/bench bench memory --sizes 10000,30000
    """
    from eval.bench_memory import render_memory_markdown, run_memory_benchmark, write_memory_report
    from ui.cli import settings_of

    settings = settings_of(ctx)
    size_list = parse_sizes(sizes)
    report = run_memory_benchmark(
        settings.data_dir,
        size_list,
        seconds,
        shared if shared.is_dir() else None,
        lambda m: typer.echo(m, err=True),
        uploads=uploads,
    )
    md_path, json_path = write_memory_report(report, out)
    typer.echo(render_memory_markdown(report))
    typer.echo(f"written {md_path} and {json_path}", err=True)


@app.command("compare")
def compare_cmd(
    shared: Path = typer.Option(Path("../shared/data"), "--shared", help="Public data (party documents)."),
    runs: int = typer.Option(3, "--runs", min=1, help="Timed comparisons (the median is reported)."),
    out: Path = typer.Option(Path("eval/reports/bench_compare"), "--out", help="Report path without suffix."),
    work: Path = typer.Option(Path("/tmp/troly-bench-compare"), "--work", help="Where the two drafts are written."),
) -> None:
    """Compare two ~40-page drafts (.docx against .txt) end to end; target ≤ 10 s.

    Example: troly bench compare --runs 3
    """
    from eval.bench_compare import run_compare_benchmark, write

    if not (shared / "party_docs").is_dir():
        typer.echo(f"Lỗi: không thấy {shared / 'party_docs'} (tài liệu dùng chung)", err=True)
        raise typer.Exit(1)
    report = run_compare_benchmark(shared, work, runs)
    json_path, md_path = write(report, out)
    typer.echo(
        f"so sánh 2 dự thảo ≈ {report['pages_estimate']} trang: trung vị {report['median_s']} s → {report['verdict']}"
    )
    typer.echo(f"Đã ghi {md_path} và {json_path}")


@app.command("draft")
def draft_cmd(
    ctx: typer.Context,
    rounds: int = typer.Option(3, "--rounds", min=1, max=20, help="Timed rounds over every topic and subject."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Time talking-point drafts (every topic of the guide + three subjects) on the current index.

    Example: troly bench draft --rounds 3
    """
    import json

    from eval.bench_draft import speed_report
    from ui.cli import settings_of
    from ui.cli.ask import open_index

    settings = settings_of(ctx)
    report = speed_report(settings, open_index(settings), rounds)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    busy = "máy bận" if report["load_before"][0] > (report["cpus"] or 1) else "máy rảnh"
    typer.echo(f"Soạn ý: {report['drafts']} lần, p50 {report['p50_s']} s, p95 {report['p95_s']} s")
    typer.echo(f"Lượt đầu (nạp mô hình, nhúng câu vào bộ đệm): {report['warmup_s']} s")
    typer.echo(f"Tải máy (loadavg 1/5/15 phút) trước {report['load_before']}, sau {report['load_after']} – {busy}")


@app.command("draft-relevance")
def draft_relevance_cmd(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the figures and every scored pair as JSON."),
) -> None:
    """Precision of the talking points' on-topic evidence on the hand-labelled pairs (tune and report splits).

    Needs the guide (corpus/) and the shared party documents indexed. Example: troly bench draft-relevance
    """
    import json

    from eval.bench_draft import relevance_report
    from ui.cli import settings_of
    from ui.cli.ask import open_index

    report = relevance_report(open_index(settings_of(ctx)))
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    if report["missing"]:
        typer.echo(f"Lưu ý: {len(report['missing'])} cặp không tìm thấy câu trong chỉ mục (chưa nạp tài liệu?).")
    typer.echo(f"Ngưỡng {report['threshold']}, trọng số từ vựng {report['weight']}")
    for split in ("tune", "report"):
        m = report[split]
        typer.echo(
            f"  {split}: {m['pairs']} cặp ({m['on_topic']} đúng chủ đề), giữ {m['kept']}, "
            f"precision {m['precision']}, recall {m['recall']}"
        )
    choice = report["tune_choice"]
    typer.echo(f"Tập tune sẽ chọn: trọng số {choice['weight']}, ngưỡng {choice['threshold']}")
