"""``troly eval``: run a question set through the real pipeline, validate a set, compare two reports.

Examples::

    troly eval validate eval/questions/topic_guide.jsonl
    troly eval run --set eval/questions/topic_guide.jsonl --retrieval lexical --config lexical
    troly eval compare eval/reports/2026-01-01-lexical.json eval/reports/2026-01-01-hybrid.json
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ui.cli import settings_of

app = typer.Typer(
    help="Evaluate troly: question sets, metrics and reports (see docs/evaluation.md).\n\n"
    "Example: troly eval run --set eval/questions/topic_guide.jsonl --retrieval lexical",
    no_args_is_help=True,
)

DEFAULT_SET = Path("eval/questions/topic_guide.jsonl")
DEFAULT_CORPUS = Path("corpus")
DEFAULT_GUIDE = DEFAULT_CORPUS / "goi-y-chuyen-de-thao-luan-hoi-nghi-tong-ket-2025.txt"
DEFAULT_OUT = Path("eval/reports")
SHARED_DATA = Path("../shared/data")

err = Console(stderr=True, soft_wrap=True)


def _fail(message: str) -> typer.Exit:
    """Print one line in red on stderr and return the exit to raise."""
    err.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    return typer.Exit(1)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


@app.command("validate")
def validate_cmd(
    path: Path = typer.Argument(..., help="Question set (JSONL)."),
    document: Path = typer.Option(DEFAULT_GUIDE, "--document", "-d", help="Document the set was written against."),
) -> None:
    """Check a set: ids unique, variants exist, gold topic/field exist, spans valid, key facts occur in the document."""
    from eval.questions import QuestionSetError, load_questions, validate_questions
    from ingest.pipeline import load_document

    try:
        questions = load_questions(path)
    except QuestionSetError as exc:
        raise _fail(str(exc)) from None
    try:
        doc = load_document(document)
    except Exception as exc:  # the loader's own message is the one-line reason
        raise _fail(f"{document}: cannot load the document ({exc})") from None
    problems = validate_questions(questions, doc)
    for line in problems:
        err.print(f"[red]✘[/red] {path}: {line}", markup=True, highlight=False)
    if problems:
        raise typer.Exit(1)
    answerable = sum(q.answerable for q in questions)
    variants = sum(q.variant_of is not None for q in questions)
    typer.echo(
        f"OK {path}: {len(questions)} questions ({answerable} answerable, "
        f"{len(questions) - answerable} unanswerable, {variants} variants) match {Path(doc.path).name}"
    )


@app.command("run")
def run_cmd(
    ctx: typer.Context,
    set_path: Path = typer.Option(DEFAULT_SET, "--set", "-s", help="Question set (JSONL)."),
    config: str | None = typer.Option(None, "--config", help="Name of this configuration (report file name)."),
    generator: str | None = typer.Option(None, "--generator", help="extractive | openai (default: settings)."),
    retrieval: str = typer.Option("hybrid", "--retrieval", help="hybrid | dense | lexical."),
    k: int | None = typer.Option(None, "--k", min=1, max=100, help="Passages retrieved per question."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Ask only this many questions, spread over the set."),
    corpus: Path = typer.Option(DEFAULT_CORPUS, "--corpus", help="Corpus to index before the run (file or folder)."),
    out: Path = typer.Option(DEFAULT_OUT, "--out", help="Report folder."),
    public: bool = typer.Option(False, "--public", help="Also evaluate on XQuAD-vi + law distractors (../shared)."),
    public_limit: int = typer.Option(200, "--public-limit", min=1, help="Most public questions to ask."),
    shared: Path = typer.Option(SHARED_DATA, "--shared", help="Folder with xquad_vi/ and vn_laws/."),
) -> None:
    """Ask every question of a set through the real pipeline and write the report (JSON, MD, HTML, PNG)."""
    from eval.public_eval import spread
    from eval.questions import QuestionSetError, load_questions, validate_questions
    from eval.report import report_stem, write_report
    from eval.runner import find_target_document, index_corpus, run_questions

    if retrieval not in ("hybrid", "dense", "lexical"):
        raise _fail(f"--retrieval must be hybrid, dense or lexical, not {retrieval!r}")
    settings = _with_generator(settings_of(ctx), generator)
    try:
        questions = load_questions(set_path)
    except QuestionSetError as exc:
        raise _fail(str(exc)) from None
    name = config or f"{retrieval}-{settings.generator}"
    index = _open_index(settings)
    try:
        if corpus.exists():
            for line in index_corpus(index, settings, corpus):
                err.print(f"[yellow]skipped[/yellow] {line}", markup=True, highlight=False)
        if index.count() == 0:
            raise _fail(f"the index is empty and {corpus} holds no documents; run `troly ingest <folder>` first")
        target = find_target_document(index.documents())
        if target is not None:
            problems = validate_questions(questions, target)
            if problems:
                raise _fail(f"{set_path}: {problems[0]} (and {len(problems) - 1} more; see `troly eval validate`)")
        if limit is not None:
            questions = spread(questions, limit)
        with _progress() as bar:
            task = bar.add_task(f"{name}: {set_path.name}", total=len(questions))
            run = run_questions(
                settings,
                index,
                questions,
                name=name,
                set_path=str(set_path),
                mode=retrieval,  # type: ignore[arg-type]
                k=k,
                doc_id=target.doc_id if target else None,
                on_progress=lambda done, _total: bar.update(task, completed=done),
            )
    finally:
        index.close()
    if public:
        _add_public(run, settings, shared, public_limit, retrieval, k)
    paths = write_report(run, out, report_stem(name))
    _print_summary(run.summary)
    for kind, path in paths.items():
        typer.echo(f"{kind:12s} {path}")


@app.command("compare")
def compare_cmd(
    a: Path = typer.Argument(..., help="Baseline report (JSON)."),
    b: Path = typer.Argument(..., help="New report (JSON)."),
) -> None:
    """Print every metric of two reports side by side with the delta B − A."""
    from eval.report import ReportError, compare_reports, load_report

    try:
        left, right = load_report(a), load_report(b)
    except ReportError as exc:
        raise _fail(str(exc)) from None
    table = Table(title=f"{a.name} → {b.name}")
    for col in ("metric", "A", "B", "Δ (B − A)"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for metric, x, y, delta in compare_reports(left, right):
        table.add_row(metric, _num(x), _num(y), _delta(metric, delta))
    Console(width=140).print(table)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _with_generator(settings: Any, generator: str | None) -> Any:
    if generator is None:
        return settings
    if generator not in ("extractive", "openai"):
        raise _fail(f"--generator must be extractive or openai, not {generator!r}")
    return settings.model_copy(update={"generator": generator})


def _open_index(settings: Any) -> Any:
    from rag.index import Index

    try:
        return Index.open(settings)
    except Exception as exc:  # mismatched model, Chroma server down: say so in one line
        raise _fail(f"cannot open collection {settings.collection!r}: {exc}") from None


def _add_public(run: Any, settings: Any, shared: Path, limit: int, mode: str, k: int | None) -> None:
    from eval.public_eval import run_public

    if not (shared / "xquad_vi").is_dir():
        err.print(f"[yellow]public sets skipped:[/yellow] {shared} not found (../shared/data is absent)", markup=True)
        return
    with _progress() as bar:
        task = bar.add_task("XQuAD-vi + laws", total=limit)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        block = run_public(settings, shared, limit=limit, mode=mode, k=k, on_progress=advance)
    run.extra["Public set: XQuAD-vi + law distractors"] = block


def _num(value: float | None) -> str:
    if value is None:
        return "–"
    return str(int(value)) if value.is_integer() and abs(value) >= 2 else f"{value:.3f}"


LOWER_IS_BETTER = ("latency", "false_", "errors")


def _delta(metric: str, delta: float | None) -> str:
    if delta is None:
        return "–"
    if abs(delta) < 1e-9:
        return "0"
    better = (delta < 0) if any(tag in metric for tag in LOWER_IS_BETTER) else (delta > 0)
    colour = "green" if better else "red"
    return f"[{colour}]{delta:+.3f}[/{colour}]"


def _print_summary(summary: dict[str, Any]) -> None:
    table = Table(title="Summary")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in summary.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                table.add_row(f"{key}.{sub}", f"{v:.0f}")
        else:
            table.add_row(key, "–" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value)))
    Console(width=100).print(table)
