"""Issue 21 attacks on the web UI, run from a real browser (Debian's Chromium + Playwright) against a real
``troly serve`` with users configured and the "MẬT" canary plan indexed (the server and the browser come from
tests/test_browser.py).

1. A public editor's page asks the server to ingest a file by its path on the server.
2. A public reader's page replays a cleared reader's Gradio ``session_hash`` to read their conversation.
3. A page on another local port (same site, other origin) reads and writes with the logged-in user's cookie,
   and frames the UI.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from servers import free_port

from service.audit import AuditLog
from tests import test_browser as base
from tests.ui_support import SECRET_QUESTION, contains_secret

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(1200)]
browser, server = base.browser, base.server  # the fixtures of tests/test_browser.py (one server per module)
ask, choose_file, login, open_tab = base.ask, base.choose_file, base.login, base.open_tab

CALL_JS = """async ([fn, data, session, ms]) => {
  const signal = AbortSignal.timeout(ms);
  const body = {data}; if (session) body.session_hash = session;
  try {
    const posted = await fetch(`/gradio_api/call/${fn}`, {method: "POST", signal,
      headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    if (!posted.ok) return {status: posted.status, text: await posted.text()};
    const {event_id} = await posted.json();
    const stream = await fetch(`/gradio_api/call/${fn}/${event_id}`, {signal});
    return {status: posted.status, text: await stream.text()};
  } catch (e) {
    return {status: 0, text: `no complete answer within ${ms} ms: ${e}`};
  }
}"""
CALL_MS = 90_000
"""A call's stream is bounded: a lost stream fails the test in minutes with a message, not at pytest's timeout."""


def page_call(page: Any, fn: str, data: list[Any], session: str | None = None) -> dict[str, Any]:
    """The page's own script calls a Gradio endpoint directly, with the page's cookie; the stream decoded."""
    result = page.evaluate(CALL_JS, [fn, data, session, CALL_MS])
    lines = []
    for line in result["text"].splitlines():
        lines.append(json.dumps(json.loads(line[5:]), ensure_ascii=False) if line.startswith("data:") else line)
    return {"status": result["status"], "text": "\n".join(lines)}


def test_page_cannot_make_the_server_ingest_a_server_file_by_path(browser: Any, server: dict[str, Any]) -> None:
    notes = server["data_dir"].parent / "ghi-chu-may-chu.txt"
    notes.write_text("GHI CHÚ\n\nMã tủ hồ sơ phòng họp Bạch Đằng là 5512-TK.\n", encoding="utf-8")
    editor = login(browser, server, "bien_tap")
    try:
        for item in ({"path": str(notes), "meta": {"_type": "gradio.FileData"}}, {"path": str(notes)}):
            result = page_call(editor, "do_upload", [[item], "public", ""])
            assert result["status"] == 403, result
        found = page_call(editor, "do_search", ["mã tủ hồ sơ phòng họp Bạch Đằng 5512-TK"])
        assert "5512-TK" not in found["text"]
        assert notes.is_file()
        # the real upload flow of the page still works: choose a file, press the button
        own = server["data_dir"].parent / "ke-hoach-tiem-chung-an-phu.txt"
        own.write_text("KẾ HOẠCH TIÊM CHỦNG XÃ AN PHÚ\n\nXã An Phú tiêm chủng cho 1.240 trẻ em năm 2026.\n", "utf-8")
        open_tab(editor, "Tài liệu")
        choose_file(editor, "#troly-upload", own)
        editor.get_by_role("button", name="Tải lên và lập chỉ mục").click()
        editor.locator("#troly-upload-result").get_by_text("Đã nạp").first.wait_for()  # done, not in progress
        assert "ke-hoach-tiem-chung-an-phu.txt" in editor.locator("#troly-upload-result").inner_text()
        assert not list((server["data_dir"] / "tmp" / "gradio").rglob(own.name))  # its temp copy is gone
    finally:
        editor.context.close()


def test_page_replaying_another_users_session_hash_reads_no_conversation(browser: Any, server: dict[str, Any]) -> None:
    victim, attacker = login(browser, server, "can_bo_mat"), login(browser, server, "doc_gia")
    sessions: list[str] = []

    def remember(request: Any) -> None:
        if request.method == "POST" and "/gradio_api/queue/join" in request.url:
            sessions.append(json.loads(request.post_data or "{}").get("session_hash", ""))

    victim.on("request", remember)
    try:
        ask(victim, SECRET_QUESTION)
        victim.locator("#troly-conversation .troly-sources").first.wait_for()
        assert contains_secret(victim.locator("#troly-conversation").inner_text())
        assert sessions and sessions[-1]
        # The victim's tab leaves first. Gradio sends every event of a session through one message queue, read by
        # whichever stream of that session asks first: with the victim's page still listening, it took the replayed
        # call's messages and the attacker's stream waited forever (one CI run, 1200 s). Its state stays on the
        # server (Gradio forgets a closed session's state an hour later), so the replay still finds it; a late
        # disconnect of the victim's stream cancels that session's running events, hence the retries.
        victim.goto("about:blank")
        question = ["Tăng trưởng kinh tế năm 2025 đạt bao nhiêu?", "", 5]
        for _attempt in range(3):
            stolen = page_call(attacker, "ask", question, sessions[-1])
            if stolen["status"] and "Hỏi:" in stolen["text"]:
                break
        assert stolen["status"] == 200, stolen
        assert "Hỏi:" in stolen["text"]
        assert not contains_secret(stolen["text"])
    finally:
        victim.context.close()
        attacker.context.close()


EVIL_PAGE = """<!doctype html><html><body><h1>Trang khác</h1>
<iframe id="frame" src="{target}/" width="600" height="400"></iframe>
<script>
(async () => {{
  const out = {{}};
  try {{
    const r = await fetch("{target}/gradio_api/call/do_reindex", {{method: "POST", credentials: "include",
      headers: {{"Content-Type": "text/plain"}}, body: JSON.stringify({{data: [""]}})}});
    out.write = "read:" + r.status;
  }} catch (e) {{ out.write = "blocked"; }}
  try {{
    const r = await fetch("{target}/gradio_api/info", {{credentials: "include"}});
    out.read = "read:" + (await r.text()).length;
  }} catch (e) {{ out.read = "blocked"; }}
  document.title = JSON.stringify(out);
}})();
</script></body></html>"""


@pytest.fixture
def evil_site(server: dict[str, Any]) -> Iterator[str]:
    """A page served by another application on the same host (another port): same site, other origin."""
    page = EVIL_PAGE.format(target=server["url"]).encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()


def test_page_of_another_local_origin_cannot_read_write_or_frame_the_ui(
    browser: Any, server: dict[str, Any], evil_site: str
) -> None:
    editor = login(browser, server, "quan_tri")
    audit = AuditLog.for_data_dir(Path(server["data_dir"]))
    before = len(audit.read())
    try:
        page = editor.context.new_page()
        page.goto(evil_site)
        page.wait_for_function("document.title.startsWith('{')", timeout=60_000)
        result = json.loads(page.title())
        assert result == {"write": "blocked", "read": "blocked"}, result
        events = audit.read()[before:]
        assert not [e for e in events if e["action"] == "reindex"]  # the write never ran
        assert [e for e in events if e["action"] == "cross_origin_refused"]
        frame = page.frame_locator("#frame")
        assert frame.get_by_text("Trợ lý văn kiện").count() == 0  # the browser refused to frame the UI
    finally:
        editor.context.close()
