"""The web UI (Gradio 6), in Vietnamese, for officials and speech-writers.

Every handler resolves the caller first (:func:`UiContext.user`) and then goes
through :class:`ui.service.TrolyService`, exactly like the REST API, so the
clearance filter and the audit log apply to the UI too. Choices that depend on
what a user may see (topics, documents) are filled on page load, per session.

With users configured, Gradio shows a login page: the user name and that
user's API key as the password.
"""

from __future__ import annotations

from rag.offline import enforce_offline

enforce_offline()

import html  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

import gradio as gr  # noqa: E402

from ingest.model import Document, Topic  # noqa: E402
from rag.talking_points import LENGTHS, TONES  # noqa: E402
from ui.auth import User, is_loopback, open_mode_user  # noqa: E402
from ui.service import Forbidden, NotFound, TrolyService  # noqa: E402

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ui.api import AppState

NOT_FOUND_TEXT = "Không tìm thấy thông tin này trong các tài liệu đã nạp."
LEVEL_LABELS = [
    ("Công khai", "public"),
    ("Nội bộ", "internal"),
    ("Mật", "mat"),
    ("Tối mật", "toi_mat"),
    ("Tuyệt mật", "tuyet_mat"),
]
TONE_CHOICES = [(label, key) for key, label in TONES.items()]
LENGTH_CHOICES = [(label, key) for key, label in LENGTHS.items()]
ALL_TOPICS = ("Tất cả chuyên đề", "")
CSS = """
.troly-passage mark { background: #ffe58a; padding: 0 2px; }
.troly-passage .meta { color: #555; font-size: 0.9em; margin-bottom: 0.5em; }
.troly-passage .text { white-space: pre-wrap; line-height: 1.5; }
"""


class UiContext:
    """The app state plus the helpers every handler needs."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    @property
    def service(self) -> TrolyService:
        return self.state.service()

    def user(self, request: gr.Request | None) -> User:
        """The logged-in user, or the open-mode local user for loopback sessions."""
        users = self.state.users
        if users.has_users():
            name = getattr(request, "username", None)
            user = users.get(name) if name else None
            if user is None:
                raise gr.Error("Phiên đăng nhập không hợp lệ – hãy đăng nhập lại.")
            return user
        client = getattr(request, "client", None)
        if not is_loopback(getattr(client, "host", None)):
            raise gr.Error("Chưa cấu hình người dùng: chỉ truy cập được từ máy chủ (loopback).")
        settings = self.state.settings
        return open_mode_user(settings.open_role, settings.open_clearance)


# ---- formatting helpers (pure, easy to test) -----------------------------------------------
def topic_label(doc: Document, topic: Topic, several: bool) -> str:
    label = f"{topic.number}. {topic.title}"
    return f"{label} ({doc.title})" if several else label


def topic_choices(pairs: list[tuple[Document, Topic]]) -> list[tuple[str, str]]:
    """Dropdown choices whose value "doc_id::number" names one topic even when several guides are loaded."""
    several = len({d.doc_id for d, _ in pairs}) > 1
    return [(topic_label(d, t, several), topic_key(d.doc_id, t.number)) for d, t in pairs]


def topic_key(doc_id: str, number: int) -> str:
    return f"{doc_id}::{number}"


def parse_topic_key(value: str | None) -> tuple[str, int] | None:
    if not value or "::" not in value:
        return None
    doc_id, _, number = value.rpartition("::")
    return (doc_id, int(number)) if number.isdigit() else None


def citation_dict(c: Any, hits: list[Any]) -> dict[str, Any]:
    """A citation plus the span of the passage (chunk) it came from, for the passage viewer."""
    chunk = next((h.chunk for h in hits if h.chunk.chunk_id == c.chunk_id), None)
    return {
        "n": c.n,
        "chunk_id": c.chunk_id,
        "doc_id": c.doc_id,
        "document": c.document,
        "topic": c.topic,
        "topic_title": c.topic_title or "",
        "section": c.section or "",
        "quote": c.quote,
        "start": c.start,
        "end": c.end,
        "page": c.page,
        "chunk_start": chunk.start if chunk else None,
        "chunk_end": chunk.end if chunk else None,
    }


def citation_label(c: dict[str, Any]) -> str:
    where = f"Chuyên đề {c['topic']}" if c.get("topic") is not None else ""
    parts = [p for p in (c["document"], where, c.get("section") or "") if p]
    return f"[{c['n']}] " + " – ".join(parts)


def answer_markdown(answer: Any) -> str:
    if answer.refused and not answer.citations:
        text = answer.answer.strip() or NOT_FOUND_TEXT
        return f"**{NOT_FOUND_TEXT}**\n\n{text}" if NOT_FOUND_TEXT not in text else f"**{text}**"
    lines = [answer.answer.strip()]
    if answer.citations:
        lines.append("\n**Nguồn trích dẫn:**")
        lines += [f"- {citation_label(citation_dict(c, []))}" for c in answer.citations]
    if getattr(answer, "notice", ""):
        lines.append(f"\n_{answer.notice}_")
    return "\n".join(lines)


def passage_html(info: dict[str, Any], cit: dict[str, Any]) -> str:
    """The passage with the cited sentence in <mark>, under a line saying where it comes from."""
    text, qs, qe = info["text"], info["quote_start"], info["quote_end"]
    body = html.escape(text[:qs]) + "<mark>" + html.escape(text[qs:qe]) + "</mark>" + html.escape(text[qe:])
    meta = [f"<b>Tài liệu:</b> {html.escape(cit['document'])}"]
    if cit.get("topic") is not None:
        meta.append(f"<b>Chuyên đề:</b> {cit['topic']}. {html.escape(cit.get('topic_title') or '')}")
    if cit.get("section"):
        meta.append(f"<b>Mục:</b> {html.escape(cit['section'])}")
    if cit.get("page"):
        meta.append(f"<b>Trang:</b> {cit['page']}")
    return f"<div class='troly-passage'><div class='meta'>{' · '.join(meta)}</div><div class='text'>{body}</div></div>"


def talking_points_markdown(tp: Any) -> str:
    by_n = {c.n: c for c in tp.citations}

    def refs(point: Any) -> str:
        """Citation markers the point's text does not already carry."""
        nums = [c if isinstance(c, int) else c.n for c in point.citations]
        missing = [n for n in nums if f"[{n}]" not in point.text + point.context]
        return " " + "".join(f"[{n}]" for n in missing) if missing else ""

    out = [f"### Chuyên đề {tp.topic}: {tp.topic_title}"]
    if tp.organisation:
        out.append(f"**Đơn vị phát biểu:** {tp.organisation} · **Giọng văn:** {TONES.get(tp.tone, tp.tone)}")
    if tp.warning:
        out.append(f"> **Lưu ý:** {tp.warning}")
    for label, text in (("Mở đầu", tp.opening), ("Tình hình", tp.situation)):
        if text:
            out.append(f"**{label}.** {text}")
    for i, p in enumerate(tp.points, 1):
        out.append(f"{i}. {p.text}{refs(p)}")
        if p.context:
            out.append(f"    - _Thực trạng:_ {p.context}")
        if p.direction:
            out.append(f"    - _{p.direction}_")
    if tp.closing:
        out.append(f"**Kết luận.** {tp.closing}")
    if by_n:
        out.append("**Nguồn trích dẫn:**")
        out += [f"- {citation_label(citation_dict(c, []))}: “{c.quote}”" for c in tp.citations]
    if tp.is_draft:
        out.append("_Bản nháp – cần người viết rà soát trước khi sử dụng._")
    return "\n\n".join(out)


def documents_rows(docs: list[Document]) -> list[list[Any]]:
    level = {v: k for k, v in LEVEL_LABELS}
    return [
        [d.doc_id, d.title, Path(d.path).name, d.doc_type, level.get(d.classification, d.classification), len(d.topics)]
        for d in docs
    ]


def report_markdown(report: Any) -> str:
    lines = [
        f"Đã nạp **{d['file']}** → {d['title']} ({d['chunks']} đoạn, {d['classification']})" for d in report.documents
    ]
    lines += [f"Lỗi **{Path(e.path).name}**: {e.reason}" for e in report.errors]
    return "\n\n".join(lines) or "Không có tệp nào được xử lý."


def hits_markdown(hits: list[Any]) -> str:
    if not hits:
        return NOT_FOUND_TEXT
    out = []
    for i, h in enumerate(hits, 1):
        c = h.chunk
        where = " – ".join(p for p in (c.doc_title, c.topic_title, c.section) if p)
        snippet = c.text if len(c.text) < 400 else c.text[:400] + "…"
        out.append(f"**{i}. {where}** (điểm {h.score:.3f})\n\n{snippet}")
    return "\n\n---\n\n".join(out)


# ---- the Blocks ------------------------------------------------------------------------------
def build_ui(ctx: UiContext) -> gr.Blocks:
    """All four tabs; handlers are closures over ``ctx``."""
    with gr.Blocks(title="Trợ lý văn kiện") as demo:
        gr.Markdown(f"## Trợ lý văn kiện · bộ tài liệu: `{ctx.state.settings.collection}`")
        whoami = gr.Markdown()
        with gr.Tab("Hỏi đáp", id="ask"):
            chat_topic = _chat_tab(ctx)
        with gr.Tab("Soạn ý phát biểu", id="draft"):
            tp_topic = _draft_tab(ctx)
        with gr.Tab("Tài liệu", id="docs"):
            doc_table, doc_pick = _documents_tab(ctx)
        with gr.Tab("Đánh giá", id="eval"):
            _eval_tab(ctx)

        def on_load(request: gr.Request) -> tuple[Any, ...]:
            user = ctx.user(request)
            choices = topic_choices(ctx.service.topics(user))
            docs = ctx.service.documents(user)
            who = f"Người dùng: **{user.name}** · vai trò {user.role} · mức truy cập {user.clearance}"
            return (
                who,
                gr.update(choices=[ALL_TOPICS, *choices], value=""),
                gr.update(choices=choices, value=choices[0][1] if choices else None),
                documents_rows(docs),
                gr.update(choices=[(d.title, d.doc_id) for d in docs], value=None),
            )

        demo.load(on_load, outputs=[whoami, chat_topic, tp_topic, doc_table, doc_pick])
    return demo


def _chat_tab(ctx: UiContext) -> gr.Dropdown:
    with gr.Row():
        topic = gr.Dropdown(choices=[ALL_TOPICS], value="", label="Lọc theo chuyên đề", scale=3)
        k = gr.Slider(1, 20, value=ctx.state.settings.k, step=1, label="Số đoạn tham khảo", scale=1)
    chatbot = gr.Chatbot(label="Hội thoại", height=420)
    question = gr.Textbox(label="Câu hỏi", placeholder="Ví dụ: Tăng trưởng kinh tế năm 2025 đạt bao nhiêu?")
    with gr.Row():
        send = gr.Button("Gửi câu hỏi", variant="primary")
        clear = gr.Button("Xoá hội thoại")
    citations_pick = gr.Radio(choices=[], label="Trích dẫn (chọn để xem đoạn gốc)", type="index")
    passage = gr.HTML(elem_id="troly-passage")
    history = gr.State([])
    cits = gr.State([])

    def ask(q: str, hist: list[dict[str, str]], topic_value: str, k_value: float, request: gr.Request):
        q = (q or "").strip()
        if not q:
            raise gr.Error("Hãy nhập câu hỏi.")
        user = ctx.user(request)
        hist = [*hist, {"role": "user", "content": q}, {"role": "assistant", "content": "…"}]
        yield hist, hist, "", gr.update(choices=[], value=None), [], ""
        key = parse_topic_key(topic_value)
        filters = {"doc_id": key[0], "topic": key[1]} if key else {}
        partial = ""
        for item in ctx.service.ask_stream(user, q, int(k_value), channel="ui", **filters):
            if isinstance(item, str):
                partial += item
                hist[-1] = {"role": "assistant", "content": partial}
                yield hist, hist, "", gr.update(), [], ""
                continue
            found = [citation_dict(c, list(item.hits or [])) for c in item.citations]
            hist[-1] = {"role": "assistant", "content": answer_markdown(item)}
            labels = [citation_label(c) for c in found]
            yield hist, hist, "", gr.update(choices=labels, value=None), found, ""

    def show(index: int | None, found: list[dict[str, Any]], request: gr.Request) -> str:
        if index is None or index >= len(found):
            return ""
        c = found[index]
        try:
            info = ctx.service.passage(ctx.user(request), c["doc_id"], c["start"], c["end"], _chunk_span(c))
        except NotFound:
            return "<p>Không còn tìm thấy đoạn này (tài liệu đã bị xoá?).</p>"
        return passage_html(info, c)

    outputs = [chatbot, history, question, citations_pick, cits, passage]
    send.click(ask, [question, history, topic, k], outputs)
    question.submit(ask, [question, history, topic, k], outputs)
    clear.click(lambda: ([], [], "", gr.update(choices=[], value=None), [], ""), None, outputs)
    citations_pick.change(show, [citations_pick, cits], passage)
    return topic


def _chunk_span(c: dict[str, Any]) -> Any:
    """A stand-in with .start/.end for the passage viewer, when the citation's chunk is known."""
    if c.get("chunk_start") is None:
        return None
    from types import SimpleNamespace

    return SimpleNamespace(start=c["chunk_start"], end=c["chunk_end"])


def _draft_tab(ctx: UiContext) -> gr.Dropdown:
    with gr.Row():
        topic = gr.Dropdown(choices=[], label="Chuyên đề", scale=3)
        org = gr.Dropdown(choices=[], label="Đơn vị phát biểu", allow_custom_value=True, scale=3)
    with gr.Row():
        n_points = gr.Slider(1, 12, value=5, step=1, label="Số ý")
        tone = gr.Radio(TONE_CHOICES, value="trang_trong", label="Giọng văn", elem_id="troly-tone")
        length = gr.Radio(LENGTH_CHOICES, value="vua", label="Độ dài mỗi ý", elem_id="troly-length")
    go = gr.Button("Soạn dàn ý", variant="primary")
    output = gr.Markdown(elem_id="troly-talking-points")
    download = gr.DownloadButton("Tải về tệp .docx", visible=False, elem_id="troly-docx")

    def orgs_for(topic_value: str | None, request: gr.Request) -> Any:
        key = parse_topic_key(topic_value)
        if key is None:
            return gr.update(choices=[], value=None)
        try:
            _, t = ctx.service.topic(ctx.user(request), key[1], key[0])
        except NotFound:
            return gr.update(choices=[], value=None)
        return gr.update(choices=list(t.organisations), value=t.organisations[0] if t.organisations else None)

    def draft(
        topic_value: str | None,
        org_value: str | None,
        n: float,
        tone_value: str,
        length_value: str,
        request: gr.Request,
    ):
        key = parse_topic_key(topic_value)
        if key is None:
            raise gr.Error("Hãy chọn chuyên đề.")
        user = ctx.user(request)
        try:
            tp = ctx.service.talking_points(
                user,
                key[1],
                org_value or None,
                int(n),
                channel="ui",
                doc_id=key[0],
                tone=tone_value,
                length=length_value,
            )
        except NotFound as exc:
            raise gr.Error(f"Không soạn được: {exc}") from exc
        path = ctx.service.docx(user, tp)
        return talking_points_markdown(tp), gr.update(value=str(path), visible=True)

    topic.change(orgs_for, topic, org)
    go.click(draft, [topic, org, n_points, tone, length], [output, download])
    return topic


def _documents_tab(ctx: UiContext) -> tuple[gr.Dataframe, gr.Dropdown]:
    with gr.Row():
        files = gr.File(
            file_count="multiple", type="filepath", label="Chọn tệp tài liệu", scale=3, elem_id="troly-upload"
        )
        with gr.Column(scale=1):
            level = gr.Dropdown(LEVEL_LABELS, value="public", label="Độ mật tối thiểu")
            upload = gr.Button("Tải lên và lập chỉ mục", variant="primary")
    result = gr.Markdown(elem_id="troly-upload-result")
    table = gr.Dataframe(
        headers=["Mã", "Tiêu đề", "Tệp", "Loại", "Độ mật", "Số chuyên đề"],
        label="Tài liệu đã nạp",
        interactive=False,
        elem_id="troly-doc-table",
    )
    with gr.Row():
        pick = gr.Dropdown(choices=[], label="Chọn tài liệu", scale=3)
        delete = gr.Button("Xoá tài liệu", variant="stop")
        reindex = gr.Button("Lập chỉ mục lại")
        refresh = gr.Button("Làm mới danh sách")
    with gr.Row():
        query = gr.Textbox(label="Tìm trong tài liệu", scale=4)
        find = gr.Button("Tìm")
    hits = gr.Markdown(elem_id="troly-search-results")

    def listing(user: User) -> tuple[Any, Any]:
        docs = ctx.service.documents(user)
        return documents_rows(docs), gr.update(choices=[(d.title, d.doc_id) for d in docs], value=None)

    def do_upload(paths: list[str] | None, level_value: str, request: gr.Request, progress=gr.Progress()):
        if not paths:
            raise gr.Error("Hãy chọn ít nhất một tệp.")
        user = ctx.user(request)
        progress(0.05, desc="Đang đọc và lập chỉ mục…")
        payload = [(Path(p).name, Path(p).read_bytes()) for p in paths]
        try:
            report = ctx.service.upload(user, payload, level_value, channel="ui", on_progress=_progress_cb(progress))
        except Forbidden as exc:
            raise gr.Error(f"Không có quyền: {exc}") from exc
        return report_markdown(report), *listing(user)

    def do_delete(doc_id: str | None, request: gr.Request):
        if not doc_id:
            raise gr.Error("Hãy chọn tài liệu cần xoá.")
        user = ctx.user(request)
        try:
            ctx.service.delete(user, doc_id, channel="ui")
        except (Forbidden, NotFound) as exc:
            raise gr.Error(str(exc)) from exc
        return f"Đã xoá tài liệu `{doc_id}`.", *listing(user)

    def do_reindex(request: gr.Request, progress=gr.Progress()):
        user = ctx.user(request)
        try:
            report = ctx.service.reindex(user, channel="ui", on_progress=_progress_cb(progress))
        except Forbidden as exc:
            raise gr.Error(f"Không có quyền: {exc}") from exc
        return report_markdown(report), *listing(user)

    def do_search(q: str, request: gr.Request) -> str:
        if not (q or "").strip():
            raise gr.Error("Hãy nhập nội dung cần tìm.")
        return hits_markdown(ctx.service.search(ctx.user(request), q.strip(), ctx.state.settings.k, channel="ui"))

    upload.click(do_upload, [files, level], [result, table, pick])
    delete.click(do_delete, pick, [result, table, pick])
    reindex.click(do_reindex, None, [result, table, pick])

    def do_refresh(request: gr.Request) -> tuple[Any, Any]:
        return listing(ctx.user(request))

    refresh.click(do_refresh, None, [table, pick])
    find.click(do_search, query, hits)
    query.submit(do_search, query, hits)
    return table, pick


def _progress_cb(progress: gr.Progress) -> Any:
    """Adapt the index's progress callback (done, total, ...) to Gradio's progress bar, tolerantly."""

    def callback(*args: Any, **_: Any) -> None:
        nums = [a for a in args if isinstance(a, int | float)]
        if len(nums) >= 2 and nums[1]:
            progress(min(1.0, nums[0] / nums[1]), desc="Đang lập chỉ mục…")

    return callback


def _eval_tab(ctx: UiContext) -> None:
    gr.Markdown(
        "Chạy bộ câu hỏi đánh giá (`eval/questions/topic_guide.jsonl`) trên chỉ mục hiện tại và xem báo cáo. "
        "Trên máy 2 nhân, mỗi câu mất khoảng một giây."
    )
    with gr.Row():
        limit = gr.Slider(
            1, 200, value=20, step=1, label="Số câu hỏi (rải đều trên bộ)", scale=3, elem_id="troly-eval-limit"
        )
        run = gr.Button("Chạy đánh giá", variant="primary", scale=1)
    report = gr.Markdown(elem_id="troly-eval-report")
    charts = gr.Gallery(label="Biểu đồ", columns=2, height="auto", elem_id="troly-eval-charts")

    def do_eval(n: float, request: gr.Request, progress=gr.Progress()):
        user = ctx.user(request)
        if not user.can("editor"):
            raise gr.Error("Chỉ biên tập viên hoặc quản trị viên được chạy đánh giá.")
        ctx.service.audit.record(user.name, "eval", channel="ui", questions=int(n))
        try:
            return run_evaluation(ctx.service, int(n), lambda done, total: progress(done / max(total, 1)))
        except EvaluationError as exc:
            raise gr.Error(str(exc)) from exc

    run.click(do_eval, limit, [report, charts])


class EvaluationError(RuntimeError):
    """The evaluation cannot run (message is shown to the user)."""


def run_evaluation(service: TrolyService, limit: int, on_progress: Any = None) -> tuple[str, list[str]]:
    """Run (part of) the question set over the live index; returns the Markdown report and its charts.

    The report is also written to ``data_dir/eval-reports`` (JSON, MD, HTML, PNG) like ``troly eval run``.
    """
    import eval as eval_pkg
    from eval.public_eval import spread
    from eval.questions import QuestionSetError, load_questions
    from eval.report import report_stem, write_report
    from eval.runner import find_target_document, run_questions

    set_path = Path(eval_pkg.__file__).parent / "questions" / "topic_guide.jsonl"
    try:
        questions = spread(load_questions(set_path), limit)
    except QuestionSetError as exc:
        raise EvaluationError(str(exc)) from exc
    with service.lock:
        index = service.index
        if index.count() == 0:
            raise EvaluationError("Chỉ mục đang trống: hãy nạp tài liệu trước.")
        target = find_target_document(index.documents())
        run = run_questions(
            service.settings,
            index,
            questions,
            name="ui-hybrid",
            set_path=str(set_path.name),
            doc_id=target.doc_id if target else None,
            on_progress=on_progress,
        )
    paths = write_report(run, service.settings.data_dir / "eval-reports", report_stem("ui-hybrid"))
    text = paths["md"].read_text(encoding="utf-8")
    text = re.sub(r"\n## [^\n]*\n\n!\[[^\n]*\n", "\n", text)  # the charts go to the gallery instead
    images = [str(paths[k]) for k in ("topics_png", "latency_png") if k in paths]
    return text, images


def mount_ui(app: FastAPI, state: AppState) -> FastAPI:
    """Mount the UI at / (after the API routes, which therefore win)."""
    ctx = UiContext(state)
    demo = build_ui(ctx)
    exports = state.settings.data_dir / "exports"
    reports = state.settings.data_dir / "eval-reports"
    for folder in (exports, reports):
        folder.mkdir(parents=True, exist_ok=True)
    auth = state.users.check_login if state.users.has_users() else None
    return gr.mount_gradio_app(
        app,
        demo,
        path="/",
        auth=auth,
        auth_message="Đăng nhập: tên người dùng và khoá API (do quản trị viên cấp bằng `troly users add`).",
        allowed_paths=[str(exports.resolve()), str(reports.resolve())],
        footer_links=[],
        ssr_mode=False,
        css=CSS,
        mcp_server=False,
    )
