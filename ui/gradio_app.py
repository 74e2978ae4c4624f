"""The web UI (Gradio 6), in Vietnamese, for officials and speech-writers.

Every handler resolves the caller first (:func:`UiContext.user`) and then goes
through :class:`service.troly.TrolyService`, exactly like the REST API, so the
clearance filter and the audit log apply to the UI too. Choices that depend on
what a user may see (topics, documents) are filled on page load, per session.

With users configured, Gradio shows a login page: the user name and that
user's API key as the password.
"""

from __future__ import annotations

from rag.offline import enforce_offline

enforce_offline()

import html  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402
from urllib.parse import quote  # noqa: E402

import gradio as gr  # noqa: E402

from ingest.errors import user_reason  # noqa: E402
from ingest.model import LEVEL_NAMES, Document, DocumentSummary, Topic  # noqa: E402
from rag.docx_export import has_control_chars, xml_safe  # noqa: E402
from rag.serialize import citation_to_dict, citations_with_chunks, hit_to_dict  # noqa: E402
from rag.talking_points import LENGTHS, TONES  # noqa: E402
from service.auth import User, is_loopback, open_mode_user  # noqa: E402
from service.troly import Forbidden, NotFound, TrolyService  # noqa: E402
from ui import desk_tabs  # noqa: E402
from ui.conversations import new_conversation_id  # noqa: E402
from ui.routes.exports import export_store  # noqa: E402
from ui.ui_files import ForeignFile  # noqa: E402

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ui.routes.deps import AppState

log = logging.getLogger(__name__)
NOT_FOUND_TEXT = "Không tìm thấy thông tin này trong các tài liệu đã nạp."
LEVEL_LABELS = [(label, key) for key, label in LEVEL_NAMES.items()]
TONE_CHOICES = [(label, key) for key, label in TONES.items()]
LENGTH_CHOICES = [(label, key) for key, label in LENGTHS.items()]
ALL_TOPICS = ("Tất cả chuyên đề", "")
ROLE_NAMES = {"reader": "người đọc", "editor": "biên tập viên", "admin": "quản trị viên"}


def _api_question_limit() -> int:
    """The longest question the REST API accepts (``AskRequest.question``): the UI states and applies the same."""
    from annotated_types import MaxLen

    from ui.routes.models import AskRequest

    return next(m.max_length for m in AskRequest.model_fields["question"].metadata if isinstance(m, MaxLen))


QUESTION_LIMIT = _api_question_limit()
INPUT_HELP = f"Enter để gửi · Shift+Enter để xuống dòng · tối đa {QUESTION_LIMIT:,} ký tự".replace(",", ".")
CSS = """
.troly-header { font-size: 1.25em; padding: 4px 0; }
.troly-who { color: #444; font-size: 0.95em; }
.troly-chat { display: flex; flex-direction: column; gap: 8px; }
.troly-q { background: #eef3fb; border-radius: 8px; padding: 8px 10px; }
.troly-a { padding: 4px 10px; line-height: 1.55; }
.troly-a.pending { color: #555; }
.troly-sources ul { margin: 4px 0 0 0; padding-left: 1.1em; }
.troly-notice, .troly-empty { color: #666; font-style: italic; }
.troly-cite { color: #0b57d0; background: #e8f0fe; border: 0; border-radius: 4px; padding: 0 1px 0 2px; margin: 0;
  cursor: pointer; font: inherit; }
.troly-cite:hover, .troly-cite:focus { text-decoration: underline; }
.troly-hint { color: #b3261e; font-size: 0.95em; padding: 2px 0; }
.troly-passage { border-left: 3px solid #f2c14e; padding: 4px 10px; }
.troly-passage .title { font-weight: bold; }
.troly-passage mark { background: #ffe58a; padding: 0 2px; }
.troly-passage .meta { color: #555; font-size: 0.9em; margin-bottom: 0.5em; }
.troly-passage .text, .troly-hit .text { white-space: pre-wrap; line-height: 1.5; }
.troly-tp .context, .troly-tp .evidence { color: #333; margin-top: 2px; }
.troly-tp .direction { font-style: italic; color: #444; margin-top: 2px; }
.troly-download { font-weight: bold; }
.troly-reason { color: #444; margin-top: 2px; }
.troly-indexing { background: #fff6d6; border-left: 3px solid #f2c14e; padding: 6px 10px; }
#troly-question-limit { color: #b3261e; font-size: 0.95em; }
#troly-question-limit:empty { display: none; }
#troly-eval-charts img { display: block; max-width: 100%; height: auto; margin: 0 0 12px 0; }
#troly-doc-table table { table-layout: fixed; width: 100%; }
/* Whole words only ("Công khai", never "Côn/g kha/i"; Gradio's cells break anywhere); a file name, one long
   word, may still break. On a phone the table keeps readable columns and scrolls sideways instead. */
#troly-doc-table td, #troly-doc-table th, #troly-doc-table .body-cell, #troly-doc-table .body-cell span,
#troly-doc-table .header-cell span { overflow-wrap: normal; word-break: normal; hyphens: none; white-space: normal;
  font-family: var(--font); }
#troly-doc-table .body-cell:nth-child(2) span { overflow-wrap: anywhere; }
@media (max-width: 640px) {
  /* Every tab stays visible, on two lines if need be, instead of hiding behind a "…" menu: Gradio decides what
     overflows by measuring its hidden copy of the buttons, so that copy is made narrow and the real bar wraps. */
  #troly-tabs .tab-container { flex-wrap: wrap; height: auto; row-gap: 2px; }
  #troly-tabs .tab-container button { padding: 6px 6px; font-size: 0.9em; }
  #troly-tabs .tab-container.visually-hidden button { font-size: 2px; padding: 0; }
  #troly-doc-table .table-container { overflow-x: auto; }
  #troly-doc-table .table-wrap { min-width: 600px; }
}
"""
# The page is set to lang="vi" and Gradio's built-in English is replaced as it appears; Enter sends and
# Shift+Enter adds a line; the newest turn is scrolled into view; a question over the API's length limit is
# stated and not sent; a second click in the same moment is dropped. A click on a citation marker [n] is handed
# to the hidden picker so the server opens that passage.
HEAD = """
<script>
(() => {
  const LIMIT = __LIMIT__;
  // Gradio ships no Vietnamese translation and some of its strings are fixed in its code: they are replaced
  // wherever a user reads or hears them (text, tooltips, aria-labels, placeholders) as they appear.
  const VI = new Map([
    ["Drop File Here", "Thả tệp vào đây"], ["Click to Upload", "bấm để chọn tệp"], ["- or -", "- hoặc -"],
    ["Click to upload or drop files", "Bấm để chọn tệp hoặc thả tệp vào đây"], ["File upload", "Tải tệp lên"],
    ["Upload file", "Tải tệp lên"], ["Upload", "Tải lên"], ["Remove", "Bỏ"], ["Remove file", "Bỏ tệp"],
    ["Connection to the server was lost. Attempting reconnection...", "Mất kết nối tới máy chủ. Đang kết nối lại…"],
    ["Connection re-established.", "Đã kết nối lại."], ["Error", "Lỗi"], ["Warning", "Cảnh báo"],
    ["Info", "Thông tin"], ["Success", "Thành công"], ["Loading...", "Đang tải…"], ["Loading", "Đang tải"],
    ["processing", "đang xử lý"], ["pending", "đang chờ"], ["queue:", "hàng đợi:"], ["Clear", "Xoá"],
    ["Close", "Đóng"], ["Logout", "Đăng xuất"], ["Login", "Đăng nhập"], ["username", "tên người dùng"],
    ["password", "mật khẩu"], ["Username", "Tên người dùng"], ["Password", "Mật khẩu"],
    ["Incorrect Credentials", "Sai tên hoặc khoá"], ["Reset to default value", "Đặt lại giá trị mặc định"],
    ["Copy table data", "Sao chép dữ liệu bảng"], ["Copied to clipboard", "Đã sao chép"],
    ["Fullscreen", "Toàn màn hình"], ["Exit fullscreen", "Thoát toàn màn hình"],
    ["Exit fullscreen mode", "Thoát toàn màn hình"],
    ["Table actions", "Thao tác với bảng"], ["Open cell menu", "Mở các thao tác của ô"],
    ["Empty value", "Chưa có giá trị"],
    ["Sort ascending", "Sắp xếp tăng dần"], ["Sort descending", "Sắp xếp giảm dần"], ["Clear sort", "Bỏ sắp xếp"],
    ["Filter", "Lọc"], ["Search", "Tìm"], ["Download", "Tải về"], ["Share", "Chia sẻ"], ["Copy", "Sao chép"],
    ["Copied", "Đã sao chép"], ["Previous", "Trước"], ["Next", "Sau"], ["Image", "Hình"], ["Thumbnail", "Hình thu nhỏ"],
    ["No options", "Không có lựa chọn"], ["Select an option", "Chọn một mục"], ["Dropdown", "Danh sách chọn"],
    ["Dropdown options", "Các lựa chọn"], ["Options", "Các lựa chọn"], ["Empty", "Trống"],
    ["Stop", "Dừng"], ["More tabs", "Các thẻ khác"], ["Submit", "Gửi"], ["Tab", "Thẻ"], ["More", "Thêm"],
    ["Show more", "Xem thêm"], ["common.upload", "Thêm tệp"], ["common.clear", "Xoá"], ["common.download", "Tải về"],
    ["common.remove", "Bỏ"], ["common.edit", "Sửa"], ["common.share", "Chia sẻ"], ["common.copy", "Sao chép"],
    ["common.complete", "Xong"], ["common.error", "Lỗi"], ["common.loading", "Đang tải"], ["common.undo", "Hoàn tác"],
  ]);
  const PREFIXES = [
    ["number input for ", "ô nhập số: "], ["range slider for ", "thanh trượt: "], ["processing |", "đang xử lý |"],
    ["queue:", "hàng đợi:"],
    ["Enter text to filter the table", "Gõ để lọc bảng"], ["Enter text to search the table", "Gõ để tìm trong bảng"],
  ];
  const KEY = /^(common|upload_text|dataframe|file|errors|blocks|chatbot|image|audio|video)[.][a-z_]+$/;
  const say = (t) => {
    if (VI.has(t)) return VI.get(t);
    for (const [p, v] of PREFIXES) if (t.startsWith(p)) return v + t.slice(p.length);
    return KEY.test(t) ? "" : null;  // an untranslated Gradio key ("common.upload"): better unsaid than read out
  };
  const ATTRS = ["title", "aria-label", "placeholder", "alt", "aria-roledescription", "aria-valuetext"];
  const fixAttrs = (el) => {
    for (const a of ATTRS) {
      const v = el.getAttribute(a);
      const w = v && say(v.trim());
      if (w !== null && w !== undefined && w !== v) el.setAttribute(a, w);
    }
  };
  const fix = (root) => {
    if (!root) return;
    if (root.nodeType === 3) root = root.parentNode;
    if (!root || root.nodeType !== 1) return;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const t = n.nodeValue.trim();
      const w = t && say(t);
      if (typeof w === "string" && w !== t) n.nodeValue = n.nodeValue.replace(t, w);
    }
    fixAttrs(root);
    root.querySelectorAll("[" + ATTRS.join("],[") + "]").forEach(fixAttrs);
  };
  // The newest question (and the answer under it) is scrolled into view when a turn is added or finishes.
  let turns = "";
  let hinted = "";
  let busy = 0;
  const follow = () => {
    const chat = document.querySelector("#troly-conversation");
    const hint = document.querySelector("#troly-question-hint");
    const said = hint ? hint.textContent : "";
    if (said !== hinted) { hinted = said; busy = 0; }  // the server answered the click (e.g. "Hãy nhập câu hỏi")
    if (!chat) return;
    const qs = chat.querySelectorAll(".troly-q");
    const key = qs.length + ":" + chat.querySelectorAll(".troly-a.pending").length;
    if (key === turns) return;
    turns = key;
    busy = 0;  // the question reached the chat: the send button is now disabled until it is answered
    if (qs.length) qs[qs.length - 1].scrollIntoView({ block: "start" });
  };
  // Question length: the API's limit, stated before sending instead of a refusal after it.
  const question = () => document.querySelector("#troly-question textarea");
  const vi = (n) => n.toLocaleString("vi-VN");
  const tooLong = () => {
    const box = question();
    let note = document.querySelector("#troly-question-limit");
    const block = document.querySelector("#troly-question");
    if (!note && block) {  // an element of its own, beside the box: Gradio never re-renders it
      note = document.createElement("div");
      note.id = "troly-question-limit";
      note.setAttribute("role", "alert");
      block.after(note);
    }
    const n = box ? box.value.length : 0;
    if (note) {
      const over = `Câu hỏi dài ${vi(n)} ký tự, quá giới hạn ${vi(LIMIT)} ký tự – hãy rút gọn rồi gửi.`;
      const text = n > LIMIT ? over : "";
      if (note.textContent !== text) note.textContent = text;
    }
    return n > LIMIT;
  };
  let scheduled = false;
  const start = () => {
    document.documentElement.lang = "vi";
    fix(document.body);
    new MutationObserver((muts) => {
      document.documentElement.lang = "vi";
      for (const m of muts) {
        if (m.type === "attributes") fixAttrs(m.target);
        else if (m.type === "characterData") fix(m.target.parentNode);
        else m.addedNodes.forEach((node) => fix(node.nodeType === 1 ? node : node.parentNode));
      }
      if (!scheduled) {
        scheduled = true;
        requestAnimationFrame(() => { scheduled = false; follow(); });
      }
    }).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true,
                                attributeFilter: ATTRS });
  };
  document.documentElement.lang = "vi";
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
  // One question, one submission: a second click (or Enter) before the first has reached the chat is dropped.
  const trySend = () => {
    if (tooLong()) return false;
    const now = Date.now();
    if (busy && now - busy < 5000) return false;
    busy = now;
    return true;
  };
  document.addEventListener("input", (ev) => { if (ev.target === question()) tooLong(); }, true);
  // Enter sends, Shift+Enter starts a new line (Gradio's textarea does the opposite); an IME still composing a
  // syllable (Telex "tieengs") keeps its Enter.
  document.addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter" || ev.isComposing || ev.keyCode === 229 || ev.target !== question()) return;
    ev.stopImmediatePropagation();
    if (ev.shiftKey) return;
    ev.preventDefault();
    const button = document.querySelector("#troly-send");
    if (button && !button.disabled) button.click();
  }, true);
  document.addEventListener("keypress", (ev) => {  // Gradio submits on keypress: it never sees an Enter here
    if (ev.key === "Enter" && ev.target === question()) ev.stopImmediatePropagation();
  }, true);
  document.addEventListener("click", (ev) => {
    if (ev.target.closest && ev.target.closest("#troly-send") && !trySend()) {
      ev.stopImmediatePropagation();
      ev.preventDefault();
      return;
    }
    const button = ev.target.closest && ev.target.closest(".troly-cite");
    if (!button) return;
    ev.preventDefault();
    const box = document.querySelector("#troly-cite-pick textarea, #troly-cite-pick input");
    const go = document.querySelector("#troly-cite-go");
    if (!box || !go) return;
    box.value = button.dataset.key + ":" + Date.now();
    box.dispatchEvent(new Event("input", { bubbles: true }));
    setTimeout(() => go.click(), 60);
  }, true);
})();
</script>
""".replace("__LIMIT__", str(QUESTION_LIMIT))


class IndexingStatus:
    """How many uploaded files are being indexed right now, so the chat can say answers do not include them yet.

    Per server process (with ``--workers 2`` each worker knows its own uploads). No file name is kept: the
    notice is shown to every asker, and a name could tell a reader about a document above their clearance.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[int, int] = {}
        self._next = 0

    def start(self, files: int) -> int:
        with self._lock:
            self._next += 1
            self._running[self._next] = files
            return self._next

    def finish(self, token: int) -> None:
        with self._lock:
            self._running.pop(token, None)

    def notice(self) -> str:
        """ "" when nothing is being indexed, else one Vietnamese sentence for the chat."""
        with self._lock:
            files = sum(self._running.values())
        if not files:
            return ""
        return (
            f"Đang lập chỉ mục {files} tệp mới tải lên – câu trả lời lúc này chưa tính đến các tệp đó; "
            "hãy hỏi lại sau khi lập chỉ mục xong."
        )


class UiContext:
    """The app state plus the helpers every handler needs."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.indexing = IndexingStatus()

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
                raise gr.Error("Phiên đăng nhập không hợp lệ – hãy đăng nhập lại.", title="Lỗi")
            return user
        client = getattr(request, "client", None)
        if not is_loopback(getattr(client, "host", None)):
            raise gr.Error("Chưa cấu hình người dùng: chỉ truy cập được từ máy chủ (loopback).", title="Lỗi")
        settings = self.state.settings
        return open_mode_user(settings.open_role, settings.open_clearance)


# ---- formatting helpers (pure, easy to test) -----------------------------------------------
# Everything that comes from a document or a user (answers, quotes, titles, questions) is
# HTML-escaped before it reaches the page: a document holding "<img src=http://…>" shows that
# text as written and makes the browser fetch nothing (issue 12.5).
def esc(text: Any) -> str:
    return html.escape(str(text or ""), quote=True)


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


def citation_label(c: dict[str, Any]) -> str:
    """Where a citation comes from, plus the start of its quote – two citations never read the same."""
    where = f"Chuyên đề {c['topic']}" if c.get("topic") is not None else ""
    path = c.get("heading_path") or c.get("section") or ""
    parts = [p for p in (c["document"], where, path) if p]
    quote = " ".join(str(c.get("quote") or "").split())
    snippet = quote if len(quote) <= 70 else quote[:70].rsplit(" ", 1)[0] + "…"
    return f"[{c['n']}] " + " – ".join(parts) + (f": “{snippet}”" if snippet else "")


def cite_button(turn: int, n: int) -> str:
    return f"<button type='button' class='troly-cite' data-key='{turn}:{n}' title='Xem đoạn gốc [{n}]'>[{n}]</button>"


def linkify_markers(escaped: str, turn: int, known: set[int]) -> str:
    """Turn the [n] markers of an (already escaped) answer into buttons that open the passage; a marker keeps
    its full stop close, as Vietnamese prints it ("tỉnh [1]." – never "tỉnh [1] .")."""
    escaped = re.sub(r"(\[\d{1,3}\])[ \t]+(?=[.,;:!?…])", r"\1", escaped)
    return re.sub(
        r"\[(\d{1,3})\]",
        lambda m: cite_button(turn, int(m.group(1))) if int(m.group(1)) in known else m.group(0),
        escaped,
    )


def answer_html(turn: int, text: str, citations: list[dict[str, Any]], notice: str = "", refused: bool = False) -> str:
    """One answer: escaped text with clickable markers, then its sources (each a button too)."""
    known = {int(c["n"]) for c in citations}
    text, _, reason = (text.strip() or NOT_FOUND_TEXT).partition(REASON_LEAD)
    body = linkify_markers(esc(text.strip()), turn, known).replace("\n", "<br>")
    if reason.strip():
        body += f"<div class='troly-reason'><b>{REASON_LEAD.strip()}</b> {esc(reason.strip())}</div>"
    out = [f"<div class='troly-a{' refused' if refused else ''}'>{body}</div>"]
    if citations:
        items = "".join(
            f"<li>{cite_button(turn, int(c['n']))} {esc(citation_label(c)[len(str(c['n'])) + 3 :])}</li>"
            for c in citations
        )
        out.append(f"<div class='troly-sources'><b>Nguồn trích dẫn:</b><ul>{items}</ul></div>")
    if notice:
        out.append(f"<div class='troly-notice'>{esc(notice)}</div>")
    return "".join(out)


def conversation_html(turns: list[dict[str, Any]]) -> str:
    """The whole conversation, newest last; every turn keeps its own citations."""
    if not turns:
        return "<div class='troly-empty'>Đặt câu hỏi về các tài liệu đã nạp; bấm vào số [n] để xem đoạn gốc.</div>"
    parts = []
    for i, t in enumerate(turns):
        parts.append(f"<div class='troly-q'><b>Hỏi:</b> {esc(t['question'])}</div>")
        if t.get("pending"):
            parts.append(f"<div class='troly-a pending'>{esc(t.get('partial') or 'Đang tìm trong tài liệu…')}</div>")
        else:
            parts.append(answer_html(i, t["answer"], t["citations"], t.get("notice", ""), t.get("refused", False)))
    return f"<div class='troly-chat'>{''.join(parts)}</div>"


def answer_text(answer: Any) -> str:
    """The answer as the chat shows it; a refusal is one sentence plus why, in plain words (the pipeline's own
    refusal sentence said the same thing a second time)."""
    if answer.refused and not answer.citations:
        reason = plain_reason(getattr(answer, "reason", "") or "")
        return f"{NOT_FOUND_TEXT}\n{REASON_LEAD}{reason}" if reason else NOT_FOUND_TEXT
    return (answer.answer or "").strip()


REASON_LEAD = "Lý do: "
_TECHNICAL = re.compile(r"\s*\((?:độ phủ|điểm|score|coverage)\b[^)]*\)", re.IGNORECASE)
"""The pipeline's refusal reasons may end with a score ("(độ phủ 0.23)"): for developers, not for the chat."""


def plain_reason(reason: str) -> str:
    """ "tài liệu không nêu thời hạn (độ phủ 0.20)" → "Tài liệu không nêu thời hạn.": scores dropped, the
    phrase made a sentence. Everything the pipeline says is already Vietnamese; this is the UI's one mapping."""
    text = " ".join(_TECHNICAL.sub("", reason).split()).rstrip(" .;,")
    if not text or text == "câu hỏi trống":
        return ""
    return text[:1].upper() + text[1:] + "."


def passage_html(info: dict[str, Any], cit: dict[str, Any]) -> str:
    """The passage with the cited sentence in <mark>, under its heading path and document."""
    text, qs, qe = info["text"], info["quote_start"], info["quote_end"]
    body = esc(text[:qs]) + "<mark>" + esc(text[qs:qe]) + "</mark>" + esc(text[qe:])
    meta = [f"<b>Tài liệu:</b> {esc(cit['document'])}"]
    if cit.get("topic") is not None:
        meta.append(f"<b>Chuyên đề:</b> {cit['topic']}. {esc(cit.get('topic_title'))}")
    path = cit.get("heading_path") or cit.get("section")
    if path:
        meta.append(f"<b>Mục:</b> {esc(path)}")
    if cit.get("page"):
        meta.append(f"<b>Trang:</b> {cit['page']}")
    return (
        f"<div class='troly-passage'><div class='title'>Đoạn gốc [{cit['n']}]</div>"
        f"<div class='meta'>{' · '.join(meta)}</div><div class='text'>{body}</div></div>"
    )


def too_long_message(length: int) -> str:
    """The same words as the page's own check (HEAD), for a question that reached the server anyway."""
    n, limit = f"{length:,}".replace(",", "."), f"{QUESTION_LIMIT:,}".replace(",", ".")
    return f"Câu hỏi dài {n} ký tự, quá giới hạn {limit} ký tự – hãy rút gọn rồi gửi."


def hint_html(message: str) -> str:
    return f"<div class='troly-hint' role='alert'>{esc(message)}</div>" if message else ""


TP_CITE_STYLE = (
    "color:#0b57d0;background:#e8f0fe;border:0;border-radius:4px;padding:0 2px;margin:0;cursor:pointer;font:inherit"
)
TP_CITE_CLICK = (
    "(function(b){var box=document.querySelector('#troly-tp-pick textarea, #troly-tp-pick input');"
    "var go=document.querySelector('#troly-tp-go');if(!box||!go)return;box.value=b.dataset.n+':'+Date.now();"
    "box.dispatchEvent(new Event('input',{bubbles:true}));setTimeout(function(){go.click();},60);})(this)"
)
"""The draft's [n] open the passage beside it, as the chat's do (own ids: the chat's handler serves the chat)."""


def tp_cite_button(n: int) -> str:
    return (
        f"<button type='button' class='troly-tp-cite' data-n='{n}' title='Xem đoạn gốc [{n}]' "
        f'style="{TP_CITE_STYLE}" onclick="{TP_CITE_CLICK}">[{n}]</button>'
    )


def tp_linkify(text: str, known: set[int]) -> str:
    """Escaped ``text`` with each known [n] a button opening the passage."""
    return re.sub(r"\[(\d+)\]", lambda m: tp_cite_button(int(m.group(1))) if int(m.group(1)) in known else m.group(0),
                  esc(text))  # fmt: skip


def talking_points_html(tp: Any) -> str:
    """The outline as escaped HTML (quotes from documents never become markup), each [n] clickable."""
    known = {c.n for c in tp.citations}
    subject = f"Chuyên đề {tp.topic}: {tp.topic_title}" if tp.topic else f"Chủ đề: {tp.topic_title}"
    out = [f"<h3>{esc(subject)}</h3>"]
    if tp.organisation:
        out.append(f"<p><b>Đơn vị phát biểu:</b> {esc(tp.organisation)}</p>")
    if tp.warning:
        out.append(f"<p class='troly-warning'><b>Lưu ý:</b> {esc(tp.warning)}</p>")
    for label, text in (("Mở đầu", tp.opening), ("Tình hình", tp.situation)):
        if text:
            out.append(f"<p><b>{label}.</b> {tp_linkify(text, known)}</p>")
    items = []
    for p in tp.points:
        heading = f"<div class='heading'><b>{esc(p.heading)}</b></div>" if getattr(p, "heading", "") else ""
        extra = "".join(
            f"<div class='evidence'><b>{esc(e.label)}:</b> {tp_linkify(e.text, known)}</div>"
            for e in getattr(p, "evidence", [])
        )
        items.append(f"<li>{heading}<div class='point'>{tp_linkify(p.text, known)}</div>{extra}</li>")
    out.append(f"<ol class='troly-points'>{''.join(items)}</ol>")
    if tp.closing:
        out.append(f"<p><b>Kết luận.</b> {esc(tp.closing)}</p>")
    if tp.citations:
        sources = "".join(
            f"<li>{tp_cite_button(c.n)} {esc(citation_label(citation_to_dict(c))[len(str(c.n)) + 3 :])}</li>"
            for c in tp.citations
        )
        out.append(f"<div class='troly-sources'><b>Nguồn trích dẫn:</b><ul>{sources}</ul></div>")
    if tp.is_draft:
        out.append("<p><i>Bản nháp – cần người viết rà soát trước khi sử dụng.</i></p>")
    return "<div class='troly-tp'>" + "".join(out) + "</div>"


def documents_rows(docs: list[DocumentSummary]) -> list[list[Any]]:
    """Title, file, kind as the header names it ("Kế hoạch") and the secrecy level, all as a user reads them."""
    return [
        [d.title, Path(d.path).name, d.kind_name, LEVEL_NAMES.get(d.classification, d.classification)] for d in docs
    ]


def report_html(report: Any) -> str:
    lines = [
        f"Đã nạp <b>{esc(d['file'])}</b> → {esc(d['title'])} ({d['chunks']} đoạn, "
        f"{esc(LEVEL_NAMES.get(d['classification'], d['classification']))})"
        for d in report.documents
    ]
    lines += [f"Lỗi <b>{esc(Path(e.path).name)}</b>: {esc(user_reason(e.reason))}" for e in report.errors]
    return "<br>".join(lines) or "Không có tệp nào được xử lý."


def hits_html(hits: list[Any]) -> str:
    if not hits:
        return f"<p>{NOT_FOUND_TEXT}</p>"
    out = []
    for i, h in enumerate(hits, 1):
        d = hit_to_dict(h)
        where = " – ".join(p for p in (d["document"], d["topic_title"], d["heading_path"]) if p)
        snippet = d["text"] if len(d["text"]) < 400 else d["text"][:400] + "…"
        out.append(
            f"<div class='troly-hit'><b>{i}. {esc(where)}</b> (điểm {d['score']:.3f})"
            f"<div class='text'>{esc(snippet)}</div></div>"
        )
    return "".join(out)


# ---- the Blocks ------------------------------------------------------------------------------
def build_ui(ctx: UiContext) -> gr.Blocks:
    """All four tabs; handlers are closures over ``ctx``."""
    collection = ctx.state.settings.collection
    name = "bộ tài liệu mặc định" if collection == "default" else f"bộ tài liệu “{collection}”"
    with gr.Blocks(title="Trợ lý văn kiện", delete_cache=(900, 900)) as demo:
        gr.HTML(f"<div class='troly-header'><b>Trợ lý văn kiện</b> · {esc(name)}</div>")
        whoami = gr.HTML(elem_id="troly-whoami")
        with gr.Tabs(elem_id="troly-tabs"):
            with gr.Tab("Hỏi đáp", id="ask"):
                chat_topic = _chat_tab(ctx)
            with gr.Tab("Soạn ý", id="draft"):
                tp_topic = _draft_tab(ctx)
            with gr.Tab("So sánh dự thảo", id="compare"):
                desk_tabs.compare_tab(ctx)
            with gr.Tab("Đối chiếu số liệu", id="figures"):
                desk_tabs.figures_tab(ctx)
            with gr.Tab("Tài liệu", id="docs"):
                doc_table, doc_pick = _documents_tab(ctx)
            with gr.Tab("Đánh giá", id="eval"):
                _eval_tab(ctx)

        def on_load(request: gr.Request) -> tuple[Any, ...]:
            user = ctx.user(request)
            choices = topic_choices(ctx.service.topics(user))
            docs = ctx.service.documents(user)
            who = (
                f"Người dùng: <b>{esc(user.name)}</b> · vai trò: {esc(ROLE_NAMES.get(user.role, user.role))}"
                f" · được xem đến mức: {esc(LEVEL_NAMES.get(user.clearance, user.clearance))}"
            )
            return (
                f"<div class='troly-who'>{who}</div>",
                gr.update(choices=[ALL_TOPICS, *choices], value=""),
                gr.update(choices=choices, value=choices[0][1] if choices else None),
                documents_rows(docs),
                gr.update(choices=[(d.title, d.doc_id) for d in docs], value=None),
            )

        demo.load(on_load, outputs=[whoami, chat_topic, tp_topic, doc_table, doc_pick])
    return demo


def _chat_tab(ctx: UiContext) -> gr.Dropdown:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=340):
            question = gr.Textbox(
                label="Câu hỏi",
                info=INPUT_HELP,
                placeholder="Ví dụ: Tăng trưởng kinh tế năm 2025 đạt bao nhiêu? (Enter để gửi)",
                lines=2,
                max_lines=6,
                elem_id="troly-question",
            )
            hint = gr.HTML(elem_id="troly-question-hint", min_height=0, padding=False)
            with gr.Row():
                send = gr.Button("Gửi câu hỏi", variant="primary", elem_id="troly-send", min_width=120)
                clear = gr.Button("Xoá hội thoại", min_width=120)
            indexing = gr.HTML(elem_id="troly-indexing", min_height=0, padding=False)
            conversation = gr.HTML(conversation_html([]), elem_id="troly-conversation")
            with gr.Accordion("Tuỳ chọn tìm kiếm", open=False):
                topic = gr.Dropdown(choices=[ALL_TOPICS], value="", label="Lọc theo chuyên đề")
                k = gr.Slider(1, 20, value=ctx.state.settings.k, step=1, label="Số đoạn tham khảo", buttons=[])
        with gr.Column(scale=2, min_width=340):
            passage, pick, go = _passage_viewer("câu trả lời", "troly-passage", "troly-cite")
    conv = gr.State(None)
    """Only the id of this tab's conversation: the turns live on the server under the logged-in user (issue 21.2)."""
    store = ctx.state.conversations

    def history_of(user: User, conv_id: str | None) -> list[dict[str, Any]]:
        """The conversation as this user may see it now (clearance re-checked, read audited)."""
        return ctx.service.conversation_view(user, store.turns(user.name, conv_id), channel="ui")

    def ask(q: str, conv_id: str | None, topic_value: str, k_value: float, request: gr.Request):
        q = (q or "").strip()
        if not q:
            yield gr.update(), conv_id, gr.update(), hint_html("Hãy nhập câu hỏi trước khi gửi."), gr.update()
            return
        if len(q) > QUESTION_LIMIT:  # stated, not echoed into the chat; the text stays in the box to shorten
            yield gr.update(), conv_id, gr.update(), hint_html(too_long_message(len(q))), gr.update()
            return
        user = ctx.user(request)
        conv_id = conv_id or new_conversation_id()
        turn: dict[str, Any] = {"question": q, "pending": True, "partial": ""}
        history = [*history_of(user, conv_id), turn]
        asked = desk_tabs.standalone(q, history[:-1])  # a follow-up made standalone (issue 25.3)
        turn["standalone"] = "" if asked == q else asked
        store.append(user.name, conv_id, turn)
        yield conversation_html(history), conv_id, "", "", gr.update(interactive=False, value="Đang trả lời…")
        key = parse_topic_key(topic_value)
        filters = {"doc_id": key[0], "topic": key[1]} if key else {}
        try:
            for item in ctx.service.ask_stream(user, asked, int(k_value), channel="ui", **filters):
                if isinstance(item, str):
                    turn["partial"] += item
                    yield conversation_html(history), conv_id, gr.update(), gr.update(), gr.update()
                    continue
                found = citations_with_chunks(list(item.citations), list(item.hits or []))
                turn.update(
                    pending=False,
                    answer=answer_text(item),
                    citations=found,
                    notice=" ".join(filter(None, [getattr(item, "notice", "") or "", ctx.indexing.notice()])),
                    refused=bool(item.refused),
                )
        except Exception:  # shown inline; the details go to the server log, never to the page
            log.exception("ask failed")
            turn.update(pending=False, answer="Không trả lời được câu hỏi này (lỗi máy chủ).", citations=[])
        if turn.get("pending"):
            turn.update(pending=False, answer=NOT_FOUND_TEXT, citations=[])
        if turn["standalone"]:
            turn["notice"] = desk_tabs.followup_notice(turn)
        history = history_of(user, conv_id)
        yield conversation_html(history), conv_id, gr.update(), "", gr.update(interactive=True, value="Gửi câu hỏi")

    def show(key: str, conv_id: str | None, request: gr.Request) -> Any:
        match = re.match(r"(\d+):(\d+)", key or "")
        if not match:
            return gr.update()
        user = ctx.user(request)
        history = history_of(user, conv_id)
        if int(match.group(1)) >= len(history):
            return gr.update()
        turn = history[int(match.group(1))]
        c = next((c for c in turn.get("citations", []) if int(c["n"]) == int(match.group(2))), None)
        if c is None:
            return gr.update()
        try:
            info = ctx.service.passage(user, c["doc_id"], c["start"], c["end"], _chunk_span(c))
        except NotFound:
            return PASSAGE_GONE
        return passage_html(info, c)

    def clear_chat(conv_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        """Empties the conversation, not the question box: what the user types meanwhile is kept."""
        store.clear(ctx.user(request).name, conv_id)
        return conversation_html([]), None, ""

    def indexing_html() -> str:
        notice = ctx.indexing.notice()
        return f"<div class='troly-indexing' role='status'>{esc(notice)}</div>" if notice else ""

    outputs = [conversation, conv, question, hint, send]
    ask_args: dict[str, Any] = {
        "fn": ask,
        "inputs": [question, conv, topic, k],
        "outputs": outputs,
        "trigger_mode": "once",
    }
    send.click(**ask_args)
    question.submit(**ask_args)
    question.input(lambda: "", None, hint, show_progress="hidden")
    gr.Timer(3.0).tick(indexing_html, None, indexing, show_progress="hidden")
    clear.click(clear_chat, conv, [conversation, conv, hint])
    go.click(show, [pick, conv], passage, show_progress="hidden").then(
        None, None, None, js="() => document.querySelector('#troly-passage')?.scrollIntoView({block: 'nearest'})"
    )
    return topic


PASSAGE_GONE = "<div class='troly-passage'>Không còn tìm thấy đoạn này (tài liệu đã bị xoá?).</div>"


def _passage_viewer(cited_in: str, elem_id: str, pick_prefix: str) -> tuple[gr.HTML, gr.Textbox, gr.Button]:
    """The passage panel of a tab and the hidden pair a click on a marker [n] fills and presses (the chat and the
    talking points open cited passages the same way)."""
    panel = gr.HTML(
        f"<div class='troly-passage empty'>Bấm vào số [n] trong {cited_in} để xem đoạn gốc.</div>", elem_id=elem_id
    )
    pick = gr.Textbox(visible="hidden", elem_id=f"{pick_prefix}-pick")
    go = gr.Button("xem", visible="hidden", elem_id=f"{pick_prefix}-go")
    return panel, pick, go


def _chunk_span(c: dict[str, Any]) -> Any:
    """A stand-in with .start/.end for the passage viewer, when the citation's chunk is known."""
    if c.get("chunk_start") is None:
        return None
    from types import SimpleNamespace

    return SimpleNamespace(start=c["chunk_start"], end=c["chunk_end"])


def _draft_tab(ctx: UiContext) -> gr.Dropdown:
    with gr.Row():
        topic = gr.Dropdown(choices=[], label="Chuyên đề", scale=3, min_width=300)
        about = gr.Textbox(
            label="Hoặc chủ đề bất kỳ",
            placeholder="Ví dụ: thu ngân sách nhà nước năm 2026 (để trống nếu soạn theo chuyên đề)",
            max_lines=1,
            scale=3,
            min_width=300,
            elem_id="troly-draft-about",
        )
        org = gr.Dropdown(choices=[], label="Đơn vị phát biểu", allow_custom_value=True, scale=3, min_width=300)
    with gr.Row():
        n_points = gr.Slider(1, 12, value=5, step=1, label="Số ý", elem_id="troly-n-points")
        tone = gr.Radio(TONE_CHOICES, value="trang_trong", label="Giọng văn", elem_id="troly-tone")
        length = gr.Radio(LENGTH_CHOICES, value="vua", label="Độ dài mỗi ý", elem_id="troly-length")
    with gr.Row(equal_height=True):
        go = gr.Button("Soạn dàn ý", variant="primary", elem_id="troly-draft-go", scale=1)
        download = gr.HTML(elem_id="troly-docx", min_height=0, padding=False)
    hint = gr.HTML(elem_id="troly-draft-hint")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=340):
            output = gr.HTML(elem_id="troly-talking-points")
        with gr.Column(scale=2, min_width=300):
            passage, pick, show_go = _passage_viewer("dàn ý", "troly-tp-passage", "troly-tp")
    token = gr.State(None)
    """Only the export token: the draft itself stays on the server with the user who drafted it."""

    def orgs_for(topic_value: str | None, request: gr.Request) -> Any:
        key = parse_topic_key(topic_value)
        if key is None:
            return gr.update(choices=[], value=None)
        try:
            _, t = ctx.service.topic(ctx.user(request), key[1], key[0])
        except NotFound:
            return gr.update(choices=[], value=None)
        return gr.update(choices=list(t.organisations), value=t.organisations[0] if t.organisations else None)

    def draft(topic_value: str | None, about_value: str, org_value: str | None, n: float, tone_value: str,
              length_value: str, request: gr.Request):  # fmt: skip
        key = parse_topic_key(topic_value)
        subject = " ".join((about_value or "").split())
        if key is None and not subject:
            return hint_html("Hãy chọn chuyên đề hoặc nhập chủ đề."), gr.update(), "", None
        for value in (org_value, subject):
            if value and has_control_chars(value):
                return hint_html("Tên đơn vị hoặc chủ đề chứa ký tự điều khiển – hãy gõ lại."), gr.update(), "", None
        org_clean = xml_safe(org_value or "").strip() or None
        user = ctx.user(request)
        options = {"tone": tone_value, "length": length_value, "channel": "ui"}
        try:
            if subject or key is None:  # no key comes with a subject (neither returned above)
                tp = ctx.service.talking_points(user, None, org_clean, int(n), about=subject, **options)
            else:
                tp = ctx.service.talking_points(user, key[1], org_clean, int(n), guide_id=key[0], **options)
        except (NotFound, ValueError) as exc:
            return hint_html(f"Không soạn được: {exc}"), "", "", None
        exported = export_store(ctx.state).add(user.name, tp, ctx.state.settings.collection)
        link = (
            f"<a class='troly-download' href='/ui/exports/{exported}.docx' download>Tải về tệp .docx (bản dự thảo)</a>"
        )
        return "", talking_points_html(tp), link, exported

    def show(key: str, exported: str | None, request: gr.Request) -> Any:
        match = re.match(r"(\d+):", key or "")
        pending = export_store(ctx.state).get(exported) if exported else None
        user = ctx.user(request)
        if not match or pending is None or pending.user != user.name:
            return gr.update()
        c = next((c for c in pending.talking_points.citations if c.n == int(match.group(1))), None)
        if c is None:
            return gr.update()
        try:  # the service re-checks the clearance and audits the read
            info = ctx.service.passage(user, c.doc_id, c.start, c.end)
        except NotFound:
            return PASSAGE_GONE
        return passage_html(info, citation_to_dict(c))

    topic.change(orgs_for, topic, org)
    go.click(draft, [topic, about, org, n_points, tone, length], [hint, output, download, token], trigger_mode="once")
    show_go.click(show, [pick, token], passage)
    return topic


def _documents_tab(ctx: UiContext) -> tuple[gr.Dataframe, gr.Dropdown]:
    with gr.Row():
        files = gr.File(
            file_count="multiple", type="filepath", label="Chọn tệp tài liệu", scale=3, elem_id="troly-upload"
        )
        with gr.Column(scale=1, min_width=220):
            level = gr.Dropdown(LEVEL_LABELS, value="public", label="Độ mật tối thiểu")
            upload = gr.Button("Tải lên và lập chỉ mục", variant="primary")
    result = gr.HTML(elem_id="troly-upload-result")
    table = gr.Dataframe(
        headers=["Tiêu đề", "Tệp", "Loại", "Độ mật"],
        label="Tài liệu đã nạp",
        interactive=False,
        wrap=True,
        column_widths=["40%", "28%", "16%", "16%"],
        buttons=[],  # no "Copy table data"/"Fullscreen" buttons (English tooltips, nothing an official needs)
        elem_id="troly-doc-table",
    )
    with gr.Row():
        pick = gr.Dropdown(choices=[], label="Chọn tài liệu", scale=3, min_width=260)
        delete = gr.Button("Xoá tài liệu", variant="stop", min_width=120)
        reindex = gr.Button("Lập chỉ mục lại", min_width=120)
        refresh = gr.Button("Làm mới danh sách", min_width=120)
    with gr.Row(visible=False, elem_id="troly-confirm-delete") as confirm_row:
        confirm_text = gr.HTML()
        confirm = gr.Button("Xác nhận xoá", variant="stop", elem_id="troly-confirm-yes")
        cancel = gr.Button("Huỷ", elem_id="troly-confirm-no")
    with gr.Row():
        query = gr.Textbox(label="Tìm trong tài liệu", scale=4, elem_id="troly-search")
        find = gr.Button("Tìm", min_width=80)
    hits = gr.HTML(elem_id="troly-search-results")
    last_query = gr.State("")

    def listing(user: User) -> tuple[Any, Any]:
        docs = ctx.service.documents(user)
        return documents_rows(docs), gr.update(choices=[(d.title, d.doc_id) for d in docs], value=None)

    def search_again(user: User, q: str) -> Any:
        """Results of the last search, recomputed so a deleted or replaced document never lingers."""
        return hits_html(ctx.service.search(user, q, ctx.state.settings.k, channel="ui")) if q else ""

    def do_upload(paths: list[str] | None, level_value: str, q: str, request: gr.Request, progress=gr.Progress()):
        """Role first, then ownership (only files this user uploaded in the UI), and only then any file operation."""
        unchanged = (gr.update(), gr.update(), gr.update(), gr.update())
        user = ctx.user(request)
        if not user.can("editor"):
            return hint_html("Chỉ biên tập viên hoặc quản trị viên được tải tài liệu lên."), *unchanged
        if not paths:
            return hint_html("Hãy chọn ít nhất một tệp."), *unchanged
        try:
            owned = ctx.state.ui_files.claim(user.name, paths)
        except ForeignFile as exc:
            ctx.service.audit.record(user.name, "ui_file_refused", channel="ui", status=403)
            return hint_html(str(exc)), *unchanged
        parts: list[str] = []
        indexing = ctx.indexing.start(len(owned))  # the chat says answers do not include these files yet
        try:
            for i, p in enumerate(owned):
                name = p.name
                moved = _progress_cb(progress, i, len(owned), name)
                moved("read", 0, 1)
                try:
                    with p.open("rb") as data:
                        report = ctx.service.upload(user, [(name, data)], level_value, channel="ui", on_progress=moved)
                except Forbidden as exc:
                    parts.append(f"Lỗi <b>{esc(name)}</b>: {esc(exc)}")
                    continue
                parts.append(report_html(report))
        finally:  # this user's own upload copies: the indexed copy lives under data/uploads
            ctx.indexing.finish(indexing)
            ctx.state.ui_files.release(owned)
        progress(1.0, desc="Xong")
        return "<br>".join(parts), *listing(user), search_again(user, q), None

    def ask_delete(doc_id: str | None):
        if not doc_id:
            return hint_html("Hãy chọn tài liệu cần xoá."), gr.update(visible=False), ""
        return "", gr.update(visible=True), f"Xoá hẳn tài liệu <b>{esc(doc_id)}</b> khỏi chỉ mục?"

    def do_delete(doc_id: str | None, q: str, request: gr.Request):
        user = ctx.user(request)
        hidden = gr.update(visible=False)
        if not doc_id:
            return hint_html("Hãy chọn tài liệu cần xoá."), gr.update(), gr.update(), gr.update(), hidden
        try:
            ctx.service.delete(user, doc_id, channel="ui")
        except (Forbidden, NotFound) as exc:
            return hint_html(f"Không xoá được: {exc}"), gr.update(), gr.update(), gr.update(), hidden
        return f"Đã xoá tài liệu <b>{esc(doc_id)}</b>.", *listing(user), search_again(user, q), hidden

    def do_reindex(q: str, request: gr.Request, progress=gr.Progress()):
        user = ctx.user(request)
        try:
            report = ctx.service.reindex(user, channel="ui", on_progress=_progress_cb(progress))
        except Forbidden as exc:
            return hint_html(f"Không có quyền: {exc}"), gr.update(), gr.update(), gr.update()
        return report_html(report), *listing(user), search_again(user, q)

    def do_search(q: str, request: gr.Request) -> tuple[str, str]:
        q = (q or "").strip()
        if not q:
            return hint_html("Hãy nhập nội dung cần tìm."), ""
        return search_again(ctx.user(request), q), q

    upload.click(
        do_upload, [files, level, last_query], [result, table, pick, hits, files], trigger_mode="once",
        show_progress_on=[result],  # one bar, under the button, not one painted over each output
    )  # fmt: skip
    delete.click(ask_delete, pick, [result, confirm_row, confirm_text])
    confirm.click(do_delete, [pick, last_query], [result, table, pick, hits, confirm_row])
    cancel.click(lambda: gr.update(visible=False), None, confirm_row)
    reindex.click(do_reindex, last_query, [result, table, pick, hits], show_progress_on=[result])

    def do_refresh(q: str, request: gr.Request) -> tuple[Any, ...]:
        user = ctx.user(request)
        return *listing(user), search_again(user, q)

    refresh.click(do_refresh, last_query, [table, pick, hits])
    find.click(do_search, query, [hits, last_query])
    query.submit(do_search, query, [hits, last_query])
    return table, pick


STAGES = {"read": "đang đọc tệp", "embed": "đang mã hoá các đoạn", "store": "đang ghi vào chỉ mục"}
"""What the progress bar says for each stage of the index's progress callback (stage, done, total)."""
STAGE_SPAN = {"read": (0.0, 0.1), "embed": (0.1, 0.8), "store": (0.9, 0.1)}
"""Where each stage sits within one file's share of the bar: reading, then embedding (most of the time), storing."""


def _progress_cb(progress: gr.Progress, index: int = 0, count: int = 1, name: str = "") -> Any:
    """Adapt the index's progress callback (stage, done, total) to one Gradio bar that moves within each file:
    "Tệp 2/3 · ke-hoach.docx · đang mã hoá các đoạn 120/480"."""

    def callback(*args: Any, **_: Any) -> None:
        stage = next((a for a in args if isinstance(a, str)), "embed")
        nums = [a for a in args if isinstance(a, int | float) and not isinstance(a, bool)]
        done, total = (nums[0], nums[1]) if len(nums) >= 2 and nums[1] else (0, 1)
        start, span = STAGE_SPAN.get(stage, (0.1, 0.8))
        share = min(1.0, (index + start + span * min(1.0, done / total)) / max(count, 1))
        where = " · ".join(p for p in (f"Tệp {index + 1}/{count}" if count > 1 else "", name) if p)
        counted = f" {done}/{total}" if stage != "read" and total > 1 else ""
        progress(share, desc=" · ".join(p for p in (where, STAGES.get(stage, "đang lập chỉ mục") + counted) if p))

    return callback


def _eval_tab(ctx: UiContext) -> None:
    gr.Markdown(
        "Chạy bộ câu hỏi đánh giá về tài liệu gợi ý chuyên đề trên một bộ sưu tập đánh giá riêng, dựng từ thư mục "
        "tài liệu mẫu của máy chủ (không dùng tài liệu của chỉ mục, nên báo cáo không trích tài liệu mật), rồi xem "
        "báo cáo. Trên máy 2 nhân, mỗi câu mất khoảng một giây."
    )
    with gr.Row():
        limit = gr.Slider(
            1, 200, value=20, step=1, label="Số câu hỏi (rải đều trên bộ)", scale=3, elem_id="troly-eval-limit",
            buttons=[],
        )  # fmt: skip
        run = gr.Button("Chạy đánh giá", variant="primary", scale=1)
    report = gr.HTML(elem_id="troly-eval-report")
    charts = gr.HTML(elem_id="troly-eval-charts")

    def do_eval(n: float, request: gr.Request, progress=gr.Progress()):
        user = ctx.user(request)
        if not user.can("editor"):
            return hint_html("Chỉ biên tập viên hoặc quản trị viên được chạy đánh giá."), ""
        ctx.service.audit.record(user.name, "eval", channel="ui", questions=int(n))
        try:
            summary, images = run_evaluation(
                ctx.service, int(n), lambda done, total: progress(done / max(total, 1), desc="Đang chạy đánh giá")
            )
        except EvaluationError as exc:
            return hint_html(str(exc)), ""
        return summary, charts_html(images)

    run.click(do_eval, limit, [report, charts], trigger_mode="once", show_progress_on=[report])


CHART_NAMES = {"topics": "Kết quả theo chuyên đề", "latency": "Thời gian trả lời", "refusal": "Đường cong từ chối"}


def charts_html(images: list[str]) -> str:
    """The report's charts whole (axes, labels, legend), each at most the column's width; served by the report
    route, which checks the editor role again (a gallery showed them as cropped, zoomed thumbnails)."""
    out = []
    for path in images:
        name = Path(path).name
        kind = name.rsplit("-", 1)[-1].removesuffix(".png")
        title = CHART_NAMES.get(kind, "Biểu đồ")
        out.append(
            f"<figure><img src='/ui/reports/{quote(name)}' alt='{esc(title)}' loading='lazy'>"
            f"<figcaption>{esc(title)}</figcaption></figure>"
        )
    return f"<div class='troly-charts'><h3>Biểu đồ</h3>{''.join(out)}</div>" if out else ""


class EvaluationError(RuntimeError):
    """The evaluation cannot run (message is shown to the user)."""


EVAL_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
"""The public documents the UI's evaluation indexes into its own collection (what `troly eval run` uses)."""
EVAL_COLLECTION = "eval-ui-topic_guide"
_eval_lock = threading.Lock()
"""One UI evaluation at a time: each run empties and refills the same evaluation collection."""


def run_evaluation(service: TrolyService, limit: int, on_progress: Any = None) -> tuple[str, list[str]]:
    """Run (part of) the question set in an evaluation collection of its own, built from ``corpus/``.

    Never over the live index: the report quotes answers, and the live index may hold documents above the
    editor's clearance (issue 12). The report is written to ``data_dir/eval-reports`` like ``troly eval run``.
    """
    import eval as eval_pkg
    from eval.public_eval import spread
    from eval.questions import QuestionSetError, load_questions
    from eval.report import report_stem, summary_rows, write_report
    from eval.runner import EVAL_DIR, eval_settings, find_target_document, fresh_index, index_corpus, run_questions

    set_path = Path(eval_pkg.__file__).parent / "questions" / "topic_guide.jsonl"
    try:
        questions = spread(load_questions(set_path), limit)
    except QuestionSetError as exc:
        raise EvaluationError(str(exc)) from exc
    if not EVAL_CORPUS.is_dir():
        raise EvaluationError("Không tìm thấy thư mục corpus/ của bộ câu hỏi đánh giá trên máy chủ.")
    settings = eval_settings(service.settings, service.settings.data_dir / EVAL_DIR, EVAL_COLLECTION)
    with _eval_lock:
        index = fresh_index(settings, service.index.embeddings)  # the model already loaded, not a second copy
        try:
            for line in index_corpus(index, settings, EVAL_CORPUS):
                log.warning("evaluation corpus: %s", line)
            if index.count() == 0:
                raise EvaluationError("Bộ sưu tập đánh giá trống: thư mục corpus/ không có tài liệu đọc được.")
            target = find_target_document(index.documents())
            run = run_questions(
                settings,
                index,
                questions,
                name="ui-hybrid",
                set_path=str(set_path.name),
                doc_id=target.doc_id if target else None,
                on_progress=on_progress,
                rendition="txt",
            )
        finally:
            index.close()
    paths = write_report(run, service.settings.data_dir / "eval-reports", report_stem("ui-hybrid"))
    rows = "".join(f"<tr><td>{esc(label)}</td><td>{esc(value)}</td></tr>" for label, value in summary_rows(run))
    link = f"/ui/reports/{quote(paths['html'].name)}"
    summary = (
        f"<div class='troly-eval'><h3>Tóm tắt ({len(questions)} câu hỏi)</h3><table>{rows}</table>"
        f"<p><a href='{link}' target='_blank' rel='noopener'>Xem báo cáo đầy đủ</a></p></div>"
    )
    images = [str(paths[k]) for k in ("topics_png", "latency_png", "refusal_png") if k in paths]
    return summary, images


def mount_ui(app: FastAPI, state: AppState) -> FastAPI:
    """Mount the UI at / (after the API routes, which therefore win), with its download routes.

    Gradio keeps uploads in its temp dir: it is set inside the data dir, so no
    copy of a document lands in the system's /tmp, and emptied at start. Each
    uploaded file is moved into its uploader's folder and usable only by them
    (:mod:`ui.ui_files`, enforced by ``ui.middleware.UiGuardMiddleware``, issue 21);
    downloads never go through Gradio's file route (see :mod:`ui.routes.exports`).
    """
    from ui.routes.exports import router as exports_router

    gradio_tmp = state.ui_files.root
    gradio_tmp.mkdir(parents=True, exist_ok=True, mode=0o700)
    state.ui_files.clean()  # nothing uploaded before a restart (or a kill -9) stays
    os.environ["GRADIO_TEMP_DIR"] = str(gradio_tmp.resolve())
    app.include_router(exports_router)
    ctx = UiContext(state)
    demo = build_ui(ctx)
    auth = state.users.check_login if state.users.has_users() else None
    mounted = gr.mount_gradio_app(
        app,
        demo,
        path="/",
        auth=auth,
        auth_message="Đăng nhập: tên người dùng và khoá API (do quản trị viên cấp bằng `troly users add`).",
        footer_links=[],
        ssr_mode=False,
        css=CSS,
        head=HEAD,
        mcp_server=False,
    )
    state.gradio_app = next(r.app for r in app.routes if getattr(r, "path", None) == "" and hasattr(r, "app"))
    return mounted
