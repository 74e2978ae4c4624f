"""``troly eval``: run a question set through the real pipeline, validate a set, compare two reports.

Examples::

    troly eval validate eval/questions/topic_guide.jsonl
    troly eval run --set eval/questions/topic_guide.jsonl --retrieval lexical --config lexical
    troly eval compare eval/reports/2026-01-01-lexical.json eval/reports/2026-01-01-hybrid.json
"""

from __future__ import annotations

import json
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
DEFAULT_PARTY_SET = Path("eval/questions/party_docs.jsonl")
DEFAULT_PARTY_NEW_SET = Path("eval/questions/party_docs_new.jsonl")
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
    document: Path = typer.Option(DEFAULT_GUIDE, "--document", "-d", help="Topic guide the set's topic gold names."),
    shared: Path = typer.Option(SHARED_DATA, "--shared", help="Folder holding the documents named by file."),
) -> None:
    """Check a set: ids unique, variants exist, gold topic/field or quote exists, key facts occur near their gold."""
    from eval.questions import QuestionSetError, by_split, load_questions, validate_questions
    from eval.runner import find_sources, set_documents
    from ingest.pipeline import load_document, load_documents

    try:
        questions = load_questions(path)
    except QuestionSetError as exc:
        raise _fail(str(exc)) from None
    names = set_documents(questions)
    try:
        if names:
            sources, missing = find_sources(names, shared)
            if missing:
                raise _fail(f"{', '.join(missing)} not found under {shared} (the shared data is not in the repository)")
            docs = [doc for source in sources for doc in load_documents(source)]
            problems = validate_questions(questions, documents=docs)
            against = ", ".join(s.name for s in sources)
        else:
            doc = load_document(document)
            problems = validate_questions(questions, doc)
            against = Path(doc.path).name
    except typer.Exit:
        raise
    except Exception as exc:  # the loader's own message is the one-line reason
        raise _fail(f"cannot load the documents of {path.name} ({exc})") from None
    for line in problems:
        err.print(f"[red]✘[/red] {path}: {line}", markup=True, highlight=False)
    if problems:
        raise typer.Exit(1)
    answerable = sum(q.answerable for q in questions)
    variants = sum(q.variant_of is not None for q in questions)
    halves = by_split(questions)
    typer.echo(
        f"OK {path}: {len(questions)} questions ({answerable} answerable, "
        f"{len(questions) - answerable} unanswerable, {variants} variants; "
        f"{len(halves['tune'])} tune, {len(halves['report'])} report) match {against}"
    )


@app.command("run")
def run_cmd(
    ctx: typer.Context,
    set_paths: list[Path] | None = typer.Option(
        None, "--set", "-s", help="Question set (JSONL); repeat for several. Default: guide + both party sets."
    ),
    config: str | None = typer.Option(None, "--config", help="Name of this configuration (report file name)."),
    generator: str | None = typer.Option(None, "--generator", help="extractive | openai (default: settings)."),
    retrieval: str = typer.Option("hybrid", "--retrieval", help="hybrid | dense | lexical."),
    k: int | None = typer.Option(None, "--k", min=1, max=100, help="Passages retrieved per question."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Ask only this many questions, spread over the set."),
    corpus: Path = typer.Option(DEFAULT_CORPUS, "--corpus", help="Corpus of a topic-guide set (file or folder)."),
    renditions: str = typer.Option(
        "txt,docx,pdf", "--renditions", help="Formats a set over shared documents is run on (comma-separated)."
    ),
    work_dir: Path | None = typer.Option(
        None, "--work-dir", help="Data dir of the evaluation's own collections (default: <data dir>/eval)."
    ),
    use_index: bool = typer.Option(
        False, "--use-index", help="Score a topic-guide set against the configured collection instead of its own."
    ),
    out: Path = typer.Option(DEFAULT_OUT, "--out", help="Report folder."),
    public: bool = typer.Option(False, "--public", help="Also evaluate on XQuAD-vi + law distractors (../shared)."),
    public_limit: int = typer.Option(200, "--public-limit", min=1, help="Most public questions to ask."),
    shared: Path = typer.Option(SHARED_DATA, "--shared", help="Folder with party_docs/, vn_laws/ and xquad_vi/."),
) -> None:
    """Ask every question of each set through the real pipeline and write the reports (JSON, MD, HTML, PNG).

    Each set runs in collections of its own under --work-dir (emptied first), never in the user's
    index; a set over shared documents runs once per rendition. One table compares them all.
    """
    from eval.renditions import parse_renditions
    from eval.report import report_stem, write_report
    from eval.runner import EVAL_DIR, side_by_side, side_by_side_markdown

    if retrieval not in ("hybrid", "dense", "lexical"):
        raise _fail(f"--retrieval must be hybrid, dense or lexical, not {retrieval!r}")
    try:
        formats = parse_renditions(renditions)
    except ValueError as exc:
        raise _fail(f"--renditions: {exc}") from None
    settings = _with_generator(settings_of(ctx), generator)
    name = config or f"{retrieval}-{settings.generator}"
    chosen = list(set_paths) if set_paths else [DEFAULT_SET, DEFAULT_PARTY_SET, DEFAULT_PARTY_NEW_SET]
    plan = _plan(chosen, shared, explicit=bool(set_paths))
    job = _Job(settings, retrieval, k, limit, corpus, work_dir or settings.data_dir / EVAL_DIR, use_index)
    runs = []
    for set_path, questions, sources in plan:
        runs.extend(job.run(set_path, questions, sources, formats, name))
    if not runs:
        raise _fail("no question set could run (see the messages above)")
    if public:
        _add_public(runs[0], settings, shared, public_limit, retrieval, k)
    single = len(runs) == 1
    for run in runs:
        stem = report_stem(name if single else f"{name}-{Path(run.set_path).stem}-{run.config.get('rendition', 'txt')}")
        paths = write_report(run, out, stem)
        if single:
            _print_summary(run.summary)
        for kind, path in paths.items():
            typer.echo(f"{kind:12s} {path}")
    rows = side_by_side(runs)
    _print_side_by_side(rows)
    if not single:
        stem = report_stem(f"{name}-sets")
        (out / f"{stem}.md").write_text(f"# Question sets side by side: {name}\n\n" + side_by_side_markdown(rows))
        (out / f"{stem}.json").write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
        typer.echo(f"{'side by side':12s} {out / f'{stem}.md'}")


def _plan(chosen: list[Path], shared: Path, explicit: bool) -> list[tuple[Path, list[Any], list[Path]]]:
    """Load each set; a set over shared documents that are absent is skipped with a message saying so."""
    from eval.questions import QuestionSetError, load_questions
    from eval.runner import find_sources, set_documents

    plan = []
    for path in chosen:
        try:
            questions = load_questions(path)
        except QuestionSetError as exc:
            raise _fail(str(exc)) from None
        names = set_documents(questions)
        sources, missing = find_sources(names, shared) if names else ([], [])
        if missing:
            where = f"{shared} not found" if not shared.is_dir() else f"not found under {shared}"
            message = f"{path.name} skipped: {', '.join(missing)} {where} (the shared data is not in the repository)"
            if explicit and len(chosen) == 1:
                raise _fail(message)
            err.print(f"[yellow]{message}[/yellow]", markup=True, highlight=False)
            continue
        plan.append((path, questions, sources))
    return plan


class _Job:
    """What every set of one `troly eval run` shares: settings, retrieval mode, limits and the work dir."""

    def __init__(
        self, settings: Any, mode: str, k: int | None, limit: int | None, corpus: Path, work: Path, use_index: bool
    ) -> None:
        self.settings, self.mode, self.k, self.limit = settings, mode, k, limit
        self.corpus, self.work, self.use_index = corpus, work, use_index

    def run(self, set_path: Path, questions: list[Any], sources: list[Path], formats: list[str], name: str) -> list:
        from eval.public_eval import spread
        from eval.questions import validate_questions
        from ingest.pipeline import load_documents

        if sources:
            documents = [doc for path in sources for doc in load_documents(path)]
            problems = validate_questions(questions, documents=documents)
            if problems:
                raise _fail(f"{set_path}: {problems[0]} (and {len(problems) - 1} more; see `troly eval validate`)")
        asked = spread(questions, self.limit) if self.limit is not None else questions
        if sources:
            return self._renditions(set_path, asked, sources, formats, name)
        if self.use_index:  # the user's own collection: one run, on the files as they were ingested
            return [self._corpus_run(set_path, questions, asked, name)]
        return [self._corpus_run(set_path, questions, asked, name, rendition) for rendition in formats]

    def _renditions(self, set_path: Path, questions: list[Any], sources: list[Path], formats: list[str], name: str):
        from eval.renditions import RenditionError
        from eval.runner import run_on_renditions

        with _progress() as bar:
            tasks = {r: bar.add_task(f"{set_path.name} .{r}", total=len(questions)) for r in formats}
            try:
                return run_on_renditions(
                    self.settings,
                    questions,
                    sources,
                    formats,
                    self.work,
                    name=name,
                    set_path=str(set_path),
                    mode=self.mode,  # type: ignore[arg-type]
                    k=self.k,
                    on_progress=lambda r, done, _total: bar.update(tasks[r], completed=done),
                )
            except RenditionError as exc:
                raise _fail(str(exc)) from None

    def _corpus_run(
        self, set_path: Path, questions: list[Any], asked: list[Any], name: str, rendition: str = "txt"
    ) -> Any:
        """The set validated whole against the ingested guide, then ``asked`` (the --limit spread) run; a .docx or
        .pdf rendition of the corpus gets a collection of its own, like the renditions of a party-docs set."""
        from eval.questions import validate_questions
        from eval.runner import eval_settings, find_target_document, fresh_index, index_corpus, run_questions

        corpus = self.corpus if rendition == "txt" else self._corpus_rendition(rendition)
        if self.use_index:
            settings, index = self.settings, _open_index(self.settings)
        else:
            suffix = "" if rendition == "txt" else f"-{rendition}"
            settings = eval_settings(self.settings, self.work, f"eval-{set_path.stem}{suffix}")
            try:
                index = fresh_index(settings)
            except Exception as exc:  # mismatched model, unreadable dir: one line
                raise _fail(f"cannot open the evaluation collection in {self.work}: {exc}") from None
        try:
            if corpus.exists():
                for line in index_corpus(index, settings, corpus):
                    err.print(f"[yellow]skipped[/yellow] {line}", markup=True, highlight=False)
            if index.count() == 0:
                raise _fail(
                    f"the index is empty and {self.corpus} holds no documents; run `troly ingest <folder>` first"
                )
            target = find_target_document(index.documents())
            if target is not None:
                problems = validate_questions(questions, target)
                if problems:
                    raise _fail(f"{set_path}: {problems[0]} (and {len(problems) - 1} more; see `troly eval validate`)")
            with _progress() as bar:
                task = bar.add_task(f"{name}: {set_path.name} .{rendition}", total=len(asked))
                return run_questions(
                    settings,
                    index,
                    asked,
                    name=name if rendition == "txt" else f"{name}-{rendition}",
                    set_path=str(set_path),
                    mode=self.mode,  # type: ignore[arg-type]
                    k=self.k,
                    doc_id=target.doc_id if target else None,
                    on_progress=lambda done, _total: bar.update(task, completed=done),
                    rendition=rendition,
                )
        finally:
            index.close()

    def _corpus_rendition(self, rendition: str) -> Path:
        """The corpus's text files as .docx or .pdf in the work dir (made afresh each run)."""
        from eval.renditions import RenditionError, make_renditions

        files = [self.corpus] if self.corpus.is_file() else sorted(self.corpus.glob("*.txt"))
        try:
            make_renditions(files, rendition, self.work / "renditions" / f"corpus-{rendition}")
        except RenditionError as exc:
            raise _fail(str(exc)) from None
        return self.work / "renditions" / f"corpus-{rendition}"


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
    run.extra["Public set, report split"] = block["report_split"]
    run.extra["Public set, report split: refusal curve"] = refusal_curve_block(list(block["rows"].values()))


def refusal_curve_block(rows: list[dict[str, Any]]) -> dict[str, str]:
    """The report split's refusal curve as table rows: at each answerability threshold, the false answers (share
    of unanswerable questions answered) and false refusals (share of answerable ones refused)."""
    from eval.fit_answerability import curve

    scored = [r for r in rows if r["split"] == "report" and r.get("answerability") is not None]
    points = curve([float(r["answerability"]) for r in scored], [int(r["answerable"]) for r in scored])
    return {f"ngưỡng {t:.1f}": f"trả lời sai {fa:.3f} · từ chối sai {fr:.3f}" for t, fa, fr in points}


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


def _print_side_by_side(rows: list[dict[str, Any]]) -> None:
    table = Table(title="Question sets × renditions")
    head = ("set", "rendition", "questions", "hit@k", "key-fact recall", "refusal acc.", "citation prec.")
    keys = ("set", "rendition", "questions", "hit@k", "key_fact_recall", "refusal_accuracy", "citation_precision")
    for col in head:
        table.add_column(col, justify="left" if col in ("set", "rendition") else "right")
    for row in rows:
        table.add_row(*(_num(row[key]) if isinstance(row[key], float) else str(row[key] or "–") for key in keys))
    Console(width=140).print(table)


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


@app.command("assignments")
def assignments_cmd(
    gold: Path = typer.Option(
        Path("eval/assignments_gold.jsonl"), "--gold", help="Assignments listed by hand (JSONL, see its header)."
    ),
    shared: Path = typer.Option(SHARED_DATA, "--shared", help="Folder with party_docs/ and vn_laws/."),
    misses: bool = typer.Option(False, "--misses", help="List missed and wrong assignments of the tune split."),
) -> None:
    """Assignment recall and precision per split (tune/report) against the hand-listed gold."""
    from eval.assignments_eval import GoldError, measure, report_lines

    try:
        report = measure(gold, shared)
    except GoldError as exc:
        raise _fail(str(exc)) from None
    for line in report_lines(report, show_misses=misses):
        typer.echo(line)


@app.command("retrieval")
def retrieval_cmd(
    ctx: typer.Context,
    shared: Path = typer.Option(SHARED_DATA, "--shared", help="Folder holding vn_laws/ and party_docs/."),
    known_items: int = typer.Option(300, "--known-items", help="Article-title queries asked (spread over the laws)."),
    out: Path | None = typer.Option(None, "--out", help="Also write the full report (JSON) here."),
    split: str | None = typer.Option(None, "--split", help="tune | report: score one half only (half the time)."),
) -> None:
    """Document-level hit@1/hit@5/MRR on the long-document development set (law articles + party documents), per
    mode (dense, lexical, hybrid), per split (tune/report), with and without diacritics."""
    from eval.longdoc_eval import DevSetError, evaluate, render

    if split not in (None, "tune", "report"):
        raise _fail(f"--split phải là tune hoặc report, không phải {split!r}")
    settings = settings_of(ctx)
    try:
        report = evaluate(
            shared,
            settings.data_dir,
            known_items,
            settings=settings.model_copy(update={"collection": "eval-longdoc"}),
            split=split,
        )
    except DevSetError as exc:
        raise _fail(str(exc)) from None
    if out is not None:
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    typer.echo(render(report))
