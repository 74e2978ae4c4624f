"""The drafting desk's screens in the web UI (issue 25): "So sánh dự thảo" (two versions of a draft) and
"Đối chiếu số liệu" (figures across the documents).

Thin tab builders: the work is in the service (``TrolyService.compare``) and ``rag.compare``; here only the
files the user uploaded in this session are claimed (ui/ui_files.py), the result is escaped into a table, and
the .docx is kept in memory for its author under a random token (downloaded through ``/api/compare/exports``).
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from service.troly import Forbidden
from ui.routes.compare import compare_store
from ui.ui_files import ForeignFile

if TYPE_CHECKING:
    from rag.compare import Change, Comparison

log = logging.getLogger(__name__)
STYLE = """<style>
.troly-compare { border-collapse: collapse; width: 100%; font-size: 15px; }
.troly-compare th, .troly-compare td { border: 1px solid #bbb; padding: 6px 8px; vertical-align: top; }
.troly-compare th, .troly-compare td { text-align: left; }
.troly-compare th { background: #f1f1f1; }
.troly-compare td:nth-child(1), .troly-compare td:nth-child(2) { width: 40%; }
.troly-compare tr.troly-section td { background: #fafafa; }
.troly-compare .troly-where { font-size: 13px; color: #555; font-style: italic; }
.troly-compare .troly-none { color: #888; font-style: italic; }
</style>"""
LEVELS = [("Công khai", "public"), ("Nội bộ", "internal"), ("Mật", "mat"), ("Tối mật", "toi_mat")]


def _esc(text: Any) -> str:
    return html.escape(str(text or ""), quote=True)


def _side_html(change: Change, side: str) -> str:
    part = getattr(change, side)
    if part is None or not part.text:
        return "<span class='troly-none'>(không có)</span>"
    where = ""
    if part.path != change.section:
        where = f"<div class='troly-where'>{_esc(part.path)}</div>"
    return where + _esc(part.text).replace("\n", "<br>")


def comparison_html(result: Comparison) -> str:
    """The comparison as an escaped table: a row per section, a row per change (before | now | note)."""
    counts = result.counts()
    from rag.compare import KIND_LABELS

    summary = ", ".join(f"{n} {KIND_LABELS[k].lower()}" for k, n in counts.items()) or "không có thay đổi về nội dung"
    head = (
        f"<p class='troly-compare-summary'><b>{_esc(result.old_name)}</b> → <b>{_esc(result.new_name)}</b>: "
        f"{result.paired}/{result.sections_new} mục khớp nhau; {len(result.changes)} thay đổi ({_esc(summary)}).</p>"
    )
    rows: list[str] = []
    section = None
    for change in result.changes:
        if change.section != section:
            section = change.section
            rows.append(f"<tr class='troly-section'><td colspan='3'><b>{_esc(section)}</b></td></tr>")
        note = "<br>".join([f"<b>{_esc(change.label)}</b>", *(_esc(n.label) for n in change.notes)])
        rows.append(
            f"<tr class='troly-change' data-kind='{_esc(change.kind)}'><td>{_side_html(change, 'old')}</td>"
            f"<td>{_side_html(change, 'new')}</td><td>{note}</td></tr>"
        )
    if not rows:
        rows.append("<tr><td colspan='3'><i>Không có thay đổi về nội dung.</i></td></tr>")
    table = (
        "<table class='troly-compare' id='troly-compare-table'><thead><tr><th>Nội dung dự thảo lần trước</th>"
        f"<th>Nội dung dự thảo này</th><th>Ghi chú</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return f"<div class='troly-compare-result'>{head}{table}</div>"


def compare_tab(ctx: Any) -> None:
    """Two files in, the table and a .docx link out."""
    gr.Markdown(
        "Chọn **dự thảo lần trước** và **dự thảo này** (.docx, .pdf, .txt, .md, .html – mỗi bên một định dạng "
        "tuỳ ý). Hai tệp chỉ được đọc để so sánh, không được đưa vào chỉ mục."
    )
    with gr.Row():
        old = gr.File(file_count="single", type="filepath", label="Dự thảo lần trước", elem_id="troly-compare-old")
        new = gr.File(file_count="single", type="filepath", label="Dự thảo này", elem_id="troly-compare-new")
        with gr.Column(min_width=220):
            level = gr.Dropdown(LEVELS, value="public", label="Độ mật tối thiểu")
            run = gr.Button("So sánh", variant="primary", elem_id="troly-compare-run")
    gr.HTML(STYLE)
    result = gr.HTML(elem_id="troly-compare-result")
    link = gr.HTML(elem_id="troly-compare-docx")

    def do_compare(old_path: str | None, new_path: str | None, level_value: str, request: gr.Request):
        user = ctx.user(request)
        if not old_path or not new_path:
            return _hint("Hãy chọn cả hai tệp: dự thảo lần trước và dự thảo này."), ""
        try:
            owned = ctx.state.ui_files.claim(user.name, [old_path, new_path])
        except ForeignFile as exc:
            ctx.service.audit.record(user.name, "ui_file_refused", channel="ui", status=403)
            return _hint(str(exc)), ""
        try:
            with owned[0].open("rb") as a, owned[1].open("rb") as b:
                comparison = ctx.service.compare(
                    user, (Path(old_path).name, a), (Path(new_path).name, b), level_value, channel="ui"
                )
        except (Forbidden, ValueError) as exc:
            return _hint(str(exc)), ""
        finally:
            ctx.state.ui_files.release(owned)
        token = compare_store(ctx.state).add(user.name, comparison, ctx.state.settings.collection)
        href = f"/api/compare/exports/{token}.docx"
        docx = f"<a class='troly-download' href='{href}' download>Tải bảng so sánh (.docx)</a>"
        return comparison_html(comparison), docx

    run.click(do_compare, [old, new, level], [result, link], trigger_mode="once")


def _hint(message: str) -> str:
    return f"<div class='troly-hint' role='alert'>{_esc(message)}</div>"


def figures_html(report: Any, show_all: bool) -> str:
    """Indicators quoted in several places, disagreements first, each figure with its sentence and section."""
    from rag.figures import UNIT_NAMES

    disagree = [g for g in report.groups if not g.agree]
    groups = report.groups if show_all else disagree
    head = (
        f"<p class='troly-figures-summary'>{report.figures} số liệu trong {report.documents} văn bản; "
        f"{len(report.groups)} chỉ tiêu được nêu nhiều lần, <b>{len(disagree)} chỉ tiêu vênh nhau</b>.</p>"
    )
    if not groups:
        return head + "<p><i>Không thấy số liệu nào vênh nhau.</i></p>"
    rows = []
    for g in groups:
        state = "Vênh nhau" if not g.agree else "Khớp"
        unit = UNIT_NAMES.get(g.unit, g.unit)
        rows.append(
            f"<tr class='troly-section' data-agree='{str(g.agree).lower()}'><td colspan='3'><b>{state}:</b> "
            f"{_esc(g.indicator)} (năm {_esc(g.period)}, {_esc(unit)})</td></tr>"
        )
        for f in g.figures:
            kind = "mục tiêu" if f.target else "kết quả"
            where = f"{_esc(f.document)}" + (
                f"<div class='troly-where'>{_esc(f.heading_path)}</div>" if f.heading_path else ""
            )
            rows.append(
                f"<tr class='troly-figure'><td><b>{_esc(f.value_text)}</b> ({kind})</td><td>{where}</td>"
                f"<td>{_esc(' '.join(f.sentence.split()))}</td></tr>"
            )
    table = (
        "<table class='troly-compare' id='troly-figures-table'><thead><tr><th>Số liệu</th><th>Văn bản</th>"
        f"<th>Câu trích</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return head + table


def figures_tab(ctx: Any) -> None:
    """Figures of every document the user may read, checked against each other."""
    gr.Markdown(
        "Đối chiếu số liệu giữa các tài liệu đã nạp (chỉ những tài liệu bạn được xem): cùng một chỉ tiêu, cùng "
        "năm, cùng đơn vị được xếp cạnh nhau; chỗ vênh nhau lên đầu."
    )
    with gr.Row():
        show_all = gr.Checkbox(label="Hiện cả các chỉ tiêu khớp nhau", value=False)
        run = gr.Button("Đối chiếu số liệu", variant="primary", elem_id="troly-figures-run")
    result = gr.HTML(elem_id="troly-figures-result")

    def do_figures(all_groups: bool, request: gr.Request) -> str:
        user = ctx.user(request)
        return figures_html(ctx.service.figures(user, channel="ui"), bool(all_groups))

    run.click(do_figures, [show_all], [result], trigger_mode="once")


# ---- follow-up questions in the chat (issue 25.3) ---------------------------------------------
def standalone(question: str, turns: list[dict[str, Any]]) -> str:
    """The chat question made standalone from the earlier turns of this conversation (rag/followup.py); a refused
    or withheld answer lends no words to the rewrite."""
    from rag.followup import rewrite_followup

    earlier = [{**t, "answer": "" if t.get("refused") else t.get("answer", "")} for t in turns if not t.get("pending")]
    return rewrite_followup(question, earlier).standalone


def followup_notice(turn: dict[str, Any]) -> str:
    """Shown under the answer so the user sees what was asked."""
    understood = f"Câu hỏi được hiểu là: “{turn['standalone']}”"
    return " ".join(filter(None, [understood, turn.get("notice", "")]))
