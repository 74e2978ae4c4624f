"""``troly figures``: the same indicator across the indexed documents, disagreements first; ``--eval`` scores the
"same indicator" rule on the hand-labelled pairs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rag.figures import FiguresReport


def print_figures(report: FiguresReport, show_all: bool) -> None:
    from rag.figures import UNIT_NAMES

    disagree = [g for g in report.groups if not g.agree]
    typer.echo(
        f"{report.figures} số liệu trong {report.documents} văn bản; {len(report.groups)} chỉ tiêu được nêu nhiều lần, "
        f"{len(disagree)} chỉ tiêu có số liệu vênh nhau."
    )
    shown = report.groups if show_all else disagree
    if not shown:
        typer.echo("Không thấy số liệu nào vênh nhau." if not show_all else "Không có chỉ tiêu nào được nêu hai lần.")
        return
    for n, group in enumerate(shown, start=1):
        state = "VÊNH NHAU" if not group.agree else "khớp"
        unit = UNIT_NAMES.get(group.unit, group.unit)
        typer.echo(f"\n[{n}] {state} – {group.indicator} (năm {group.period}, đơn vị {unit})")
        for f in group.figures:
            kind = "mục tiêu" if f.target else "kết quả"
            where = f" › {f.heading_path}" if f.heading_path else ""
            typer.echo(f"    {f.value_text} ({kind}) – {f.document}{where} (ký tự {f.start}–{f.end})")
            typer.echo(f"        “{' '.join(f.sentence.split())}”")


def print_evaluation(result: dict) -> None:
    typer.echo(f"Cặp số liệu gán nhãn tay (eval/figures/pairs.jsonl), ngưỡng {result['threshold']}:")
    typer.echo("| phần | cặp | đúng cùng chỉ tiêu | nhầm cùng chỉ tiêu | bỏ sót | precision | recall |")
    typer.echo("|---|---:|---:|---:|---:|---:|---:|")
    for split, s in result["splits"].items():
        counts = f"{s.pairs} | {s.true_pos} | {s.false_pos} | {s.false_neg}"
        typer.echo(f"| {split} | {counts} | {s.precision:.3f} | {s.recall:.3f} |")


def register(app: typer.Typer) -> None:
    @app.command("figures")
    def figures_cmd(
        ctx: typer.Context,
        show_all: bool = typer.Option(False, "--all", help="Also the indicators whose figures agree."),
        as_json: bool = typer.Option(False, "--json", help="Print the groups as JSON."),
        clearance: str = typer.Option(
            "tuyet_mat", "--clearance", help="Only documents up to this level (public, internal, mat, …)."
        ),
        evaluate: bool = typer.Option(False, "--eval", help="Score the rule on the hand-labelled pairs instead."),
        shared: Path = typer.Option(Path("../shared/data"), "--shared", help="--eval: the shared party documents."),
    ) -> None:
        """Figures (indicator, value, unit, period, place) across the indexed documents: the same indicator
        grouped, disagreements first, each figure cited by its document, section and character span.

        Example: troly figures --all
        """
        from ingest.model import CLASSIFICATION_LEVELS, level_rank

        if evaluate:
            from eval.figures_eval import evaluate as run_eval

            if not (shared / "party_docs").is_dir():
                typer.echo(f"Lỗi: không thấy {shared / 'party_docs'} (tài liệu dùng chung)", err=True)
                raise typer.Exit(1)
            print_evaluation(run_eval(shared))
            return
        if clearance not in CLASSIFICATION_LEVELS:
            typer.echo(f"Lỗi: --clearance phải là một trong: {', '.join(CLASSIFICATION_LEVELS)}", err=True)
            raise typer.Exit(2)
        from rag.figures import check_figures
        from ui.cli import settings_of
        from ui.cli.ask import open_index

        index = open_index(settings_of(ctx))
        docs = [d for d in index.documents() if level_rank(d.classification) <= level_rank(clearance)]
        report = check_figures(docs)
        if as_json:
            typer.echo(json.dumps(report.to_dict(), ensure_ascii=False))
        else:
            print_figures(report, show_all)
