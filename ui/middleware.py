"""One ASGI middleware at the edge of every request: request id, body size cap, access audit.

* **Request id** – taken from a well-formed ``X-Request-ID`` header or made up,
  returned in the response header, put on every log line and audit event.
* **Body size** – a declared ``Content-Length`` above ``TROLY_MAX_UPLOAD_MB`` is
  answered 413 before a byte is read; a body without one (chunked) is counted
  while it streams and cut off with 413 at the limit, so a 300 MB upload never
  sits in memory or on disk first.
* **Access audit** – every API request, login, file download and every refusal
  anywhere (401/403/404/409/413/422) becomes one audit event with the user,
  action, object, status, duration and request id. Never keys, never bodies
  (for a login, only the user name is taken from the form).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from service.audit import AuditLog, request_id

log = logging.getLogger(__name__)
_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_ALWAYS = ("/api/", "/readyz", "/healthz", "/docs", "/redoc", "/openapi.json", "/login", "/logout")
_FILES = ("/gradio_api/file=", "/file=", "/ui/exports/")
"""Downloads: audited as action "download" with the file name as object."""
_DOWNLOADS = (*_FILES, "/gradio_api/upload", "/upload")
_LOGIN_FORM_MAX = 8192

Scope = dict[str, Any]
Message = dict[str, Any]


class BodyTooLarge(Exception):
    """The request body passed the limit while streaming."""


class EdgeMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware), so streaming bodies and responses pass through untouched."""

    def __init__(self, app: Any, audit: AuditLog, max_body_bytes: int) -> None:
        self.app = app
        self.audit = audit
        self.max_body = max_body_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _request_id(scope)
        token = request_id.set(rid)
        outcome = _Outcome(self.max_body)
        started = time.perf_counter()

        def audit_once() -> None:
            if not outcome.audited:
                outcome.audited = True
                self._audit(scope, outcome, (time.perf_counter() - started) * 1000)

        outcome.on_done = audit_once
        try:
            declared = _content_length(scope)
            if declared is not None and declared > self.max_body:
                await _send_413(send, rid, self.max_body)
                outcome.status = 413
                return
            await self._call_app(scope, outcome, receive, send, rid)
        finally:
            audit_once()
            request_id.reset(token)

    async def _call_app(self, scope: Scope, outcome: _Outcome, receive: Any, send: Any, rid: str) -> None:
        try:
            await self.app(scope, outcome.wrap_receive(receive, scope), outcome.wrap_send(send, rid))
        except Exception:
            if outcome.too_large and not outcome.started:
                await _send_413(send, rid, self.max_body)
                outcome.status = 413
                return
            outcome.status = 500
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            raise

    def _audit(self, scope: Scope, outcome: _Outcome, ms: float) -> None:
        path = scope.get("path", "")
        status = outcome.status or 500
        wanted = (
            path.startswith(_ALWAYS) or path.startswith(_DOWNLOADS) or status in (401, 403, 404, 409, 413, 422, 429)
        )
        if not wanted:
            return
        state = scope.get("state") or {}
        user = state.get("troly_user") or outcome.login_user or "anonymous"
        try:
            self.audit.record(
                user,
                _action(scope, outcome),
                channel="api" if path.startswith(("/api/", "/readyz", "/healthz")) else "ui",
                object=_object(scope),
                status=status,
                method=scope.get("method", ""),
                ms=round(ms, 1),
            )
        except OSError:  # the audit disk is full or gone: say so in the log, do not fail the request twice
            log.exception("cannot write the audit log")


class _Outcome:
    """What happened to one request: status, whether the body passed the cap, the login name."""

    def __init__(self, max_body: int) -> None:
        self.max_body = max_body
        self.status = 0
        self.started = False
        self.too_large = False
        self.login_user = ""
        self.audited = False
        self.on_done: Any = lambda: None
        self._seen = 0
        self._login_buf = b""

    def wrap_receive(self, receive: Any, scope: Scope) -> Any:
        is_login = scope.get("path") == "/login" and scope.get("method") == "POST"

        async def counted() -> Message:
            message = await receive()
            if message.get("type") == "http.request":
                body = message.get("body", b"")
                self._seen += len(body)
                if self._seen > self.max_body:
                    self.too_large = True
                    raise BodyTooLarge(f"request body passed {self.max_body} bytes")
                if is_login and len(self._login_buf) < _LOGIN_FORM_MAX:
                    self._login_buf += body[: _LOGIN_FORM_MAX - len(self._login_buf)]
                    self.login_user = _form_user(self._login_buf)
            return message

        return counted

    def wrap_send(self, send: Any, rid: str) -> Any:
        outcome = self

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                if outcome.too_large:  # the app turned our cut-off into its own error: answer 413 instead
                    outcome.started = True
                    outcome.status = 413
                    await _send_413(send, rid, outcome.max_body)
                    return
                outcome.started = True
                outcome.status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode("ascii")))
                message = {**message, "headers": headers}
            elif outcome.too_large and outcome.status == 413:
                return  # the app's own error body is replaced by ours
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                outcome.on_done()  # on disk before the client has the whole answer: no read-after-response race
            await send(message)

        return sending


_ID_PREFIX = uuid.uuid4().hex[:8]
"""Random per serving process, so ids of two processes (``serve --workers 2``) never collide."""
_ID_COUNTER = itertools.count(1)
"""Then a counter, not a ``uuid4`` per request: that reads the kernel's random source on every request."""


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _GOOD_ID.match(text):
                return text
    return f"{_ID_PREFIX}{next(_ID_COUNTER) & 0xFFFFFFFF:08x}"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_413(send: Any, rid: str, limit: int) -> None:
    mb = limit // (1024 * 1024)
    detail = f"Tệp tải lên quá lớn: giới hạn {mb} MB cho mỗi lần tải (TROLY_MAX_UPLOAD_MB)."
    await _send_json(send, 413, detail, {"connection": "close", "x-request-id": rid})


def _form_user(raw: bytes) -> str:
    try:
        values = parse_qs(raw.decode("utf-8", errors="replace"))
    except ValueError:
        return ""
    return (values.get("username") or [""])[0][:64]


def _action(scope: Scope, outcome: _Outcome) -> str:
    path = scope.get("path", "")
    if path == "/login":
        return "login" if outcome.status < 400 else "login_failed"
    if path.startswith(_FILES):
        return "download"
    route = scope.get("route")
    name = getattr(route, "name", None)
    return f"http.{name}" if name else f"http.{scope.get('method', '').lower()}"


def _object(scope: Scope) -> str:
    """What the request was about: path parameters when routed, else the path (a download: the file name)."""
    params = scope.get("path_params") or {}
    path = scope.get("path", "")
    if path.startswith(_FILES):
        return unquote(path.split("=", 1)[-1]).rsplit("/", 1)[-1]
    if params:
        return ",".join(f"{k}={v}" for k, v in sorted(params.items()))
    return path


class VietnamesePageMiddleware:
    """Serve the UI's HTML pages as ``<html lang="vi">``.

    Gradio has no Vietnamese locale and writes ``lang="en"`` into its page template; screen readers,
    hyphenation and the browser's translate prompt read that attribute before any script runs, so it
    is corrected on the server. Only complete ``text/html`` bodies are touched; everything else streams.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path", "").startswith("/api/"):
            await self.app(scope, receive, send)  # the JSON API serves no pages: its bodies pass untouched
            return
        start: Message | None = None
        parts: list[bytes] = []

        async def sending(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if headers.get(b"content-type", b"").startswith(b"text/html") and b"content-encoding" not in headers:
                    start = message  # held back until the body is complete
                    return
            elif start is not None and message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = _LANG_EN.sub(lambda m: m.group(0)[:-4] + b'"vi"', b"".join(parts), count=1)
                kept = [(k, v) for k, v in start.get("headers") or [] if k != b"content-length"]
                kept.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": kept})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, sending)


_LANG_EN = re.compile(rb'<html(\s[^>]*?)?lang="en"', re.IGNORECASE)


# ---- the web UI's own routes (issue 21) -----------------------------------------------------------
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_UI_UPLOADS = ("/gradio_api/upload", "/upload")
_LOGIN = ("/login", "/login/")
SECURITY_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
FRAME_ANCESTORS = b"frame-ancestors 'none'"


def allowed_origins(settings: Any) -> list[str]:
    """Other origins allowed to call with credentials (``TROLY_CORS_ORIGINS``, comma-separated); none by default."""
    return [o.strip().rstrip("/") for o in str(getattr(settings, "cors_origins", "") or "").split(",") if o.strip()]


class SecurityHeadersMiddleware:
    """Every response: no framing by other sites, no MIME sniffing, no full URLs in the Referer elsewhere."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", FRAME_ANCESTORS))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


class UiGuardMiddleware:
    """Guards the web UI's cookie-authenticated writes before Gradio sees them.

    * **Same origin** (CSRF): a write outside ``/api`` (which takes keys, never cookies) from a page of another
      origin – another port on the same host included – is refused with 403; ``TROLY_CORS_ORIGINS`` lists
      exceptions. Browsers always send ``Origin`` (or ``Sec-Fetch-Site``) on such requests.
    * **Logins** are throttled per address and per user name (429 with ``Retry-After``, audited).
    * **Uploads** (``/gradio_api/upload``) only for roles that may upload; each file is moved into the
      uploader's own folder and registered to them (:mod:`ui.ui_files`).
    * **File paths**: a UI call whose data names a file (any ``"path"``) is refused unless every such file
      was uploaded by the caller – before Gradio copies or reads it.
    """

    def __init__(self, app: Any, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(_FILES[:2]) and not self._may_fetch(scope):
            await _send_json(send, 404, "Không tìm thấy tệp.")
            return
        if scope["type"] != "http" or scope.get("method") not in _UNSAFE or path.startswith("/api/"):
            await self.app(scope, receive, send)
            return
        from starlette.requests import Request

        request = Request(scope)
        if not self._same_origin(request):
            self._refuse_audit(request, "cross_origin_refused", request.headers.get("origin", ""))
            await _send_json(send, 403, "Yêu cầu từ trang web khác nguồn bị từ chối (chống CSRF).")
            return
        if path in _LOGIN:
            await self._login(request, scope, receive, send)
        elif path in _UI_UPLOADS:
            await self._upload(request, scope, receive, send)
        else:
            await self._call(request, scope, receive, send)

    def _may_fetch(self, scope: Scope) -> bool:
        """Gradio's file route serves its upload folder: a user's uploaded file only to that user."""
        from starlette.requests import Request

        wanted = unquote(scope.get("path", "").split("=", 1)[-1])
        users = self.state.ui_files.root / "users"
        if not Path(os.path.realpath(wanted)).is_relative_to(os.path.realpath(users)):
            return True  # Gradio's own checks apply (tests/test_security.py: nothing else of the data dir)
        user = self.state.ui_user(Request(scope))
        return user is not None and self.state.ui_files.owns(user.name, wanted)

    def _same_origin(self, request: Any) -> bool:
        origin = request.headers.get("origin")
        if origin:
            netloc = urlsplit(origin).netloc
            return origin.rstrip("/") in allowed_origins(self.state.settings) or (
                bool(netloc) and netloc == request.headers.get("host", "")
            )
        return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")

    def _refuse_audit(self, request: Any, action: str, what: str, user: str = "anonymous", status: int = 403) -> None:
        try:
            self.state.audit.record(
                user, action, channel="ui", object=what[:200], path=request.url.path, status=status,
                address=request.client.host if request.client else "",
            )  # fmt: skip
        except OSError:
            log.exception("cannot write the audit log")

    async def _login(self, request: Any, scope: Scope, receive: Any, send: Any) -> None:
        from ui.routes.deps import throttled

        body = await _read_body(receive)
        name = _form_user(body[:_LOGIN_FORM_MAX]).strip()
        address = request.client.host if request.client else "?"
        wait = self.state.throttle.wait(address, name)
        if wait > 0:
            exc = throttled(self.state.audit, address, name, wait)
            await _send_json(send, 429, exc.detail, exc.headers)
            return
        status = await _run_capturing_status(self.app, scope, _replay(body, receive), send)
        if status == 200:
            self.state.throttle.succeeded(name)
        elif 400 <= status < 500:
            self.state.throttle.failed(address, name)

    async def _upload(self, request: Any, scope: Scope, receive: Any, send: Any) -> None:
        user = self.state.ui_user(request)
        if user is None or not user.can("editor"):
            name = user.name if user else "anonymous"
            self._refuse_audit(request, "ui_upload_refused", "", name, 401 if user is None else 403)
            detail = "Chỉ biên tập viên hoặc quản trị viên được tải tệp lên." if user else "Hãy đăng nhập lại."
            await _send_json(send, 401 if user is None else 403, detail)
            return
        plain = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"]}
        start, body = await _run_buffered(self.app, plain, receive)
        if start.get("status") == 200:
            from ui.ui_files import ForeignFile

            try:
                body = json.dumps(self.state.ui_files.adopt(user.name, json.loads(body))).encode()
            except (ForeignFile, ValueError, TypeError, OSError) as exc:
                log.warning("UI upload by %s not adopted: %s", user.name, type(exc).__name__)
                await _send_json(send, 400, "Không nhận được tệp tải lên – hãy chọn lại tệp.")
                return
        headers = [(k, v) for k, v in start.get("headers") or [] if k != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def _call(self, request: Any, scope: Scope, receive: Any, send: Any) -> None:
        body = await _read_body(receive)
        named = _named_paths(body)
        if named:
            user = self.state.ui_user(request)
            foreign = [p for p in named if user is None or not self.state.ui_files.owns(user.name, p)]
            if foreign:
                self._refuse_audit(
                    request, "ui_file_refused", Path(foreign[0]).name, user.name if user else "anonymous"
                )
                await _send_json(
                    send, 403, f"Tệp {Path(foreign[0]).name}: chỉ dùng được tệp bạn vừa tải lên trong phiên này."
                )
                return
        await self.app(scope, _replay(body, receive), send)


async def _read_body(receive: Any) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message.get("type") != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def _replay(body: bytes, receive: Any) -> Any:
    """A receive() that hands the app the body already read, then waits on the real one (disconnects)."""
    done = False

    async def replayed() -> Message:
        nonlocal done
        if not done:
            done = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _run_capturing_status(app: Any, scope: Scope, receive: Any, send: Any) -> int:
    status = 0

    async def sending(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        await send(message)

    await app(scope, receive, sending)
    return status


async def _run_buffered(app: Any, scope: Scope, receive: Any) -> tuple[Message, bytes]:
    """Run the app and keep its whole (small, JSON) response to rewrite it."""
    start: Message = {}
    parts: list[bytes] = []

    async def sending(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    await app(scope, receive, sending)
    return start, b"".join(parts)


def _named_paths(body: bytes) -> list[str]:
    """Every ``"path"`` string in a JSON body (Gradio's FileData, with or without its ``meta``)."""
    if b"path" not in body:
        return []
    try:
        data = json.loads(body)
    except ValueError:
        return ["(dữ liệu không đọc được)"]  # cannot prove it names no file: refused
    found: list[str] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("path"), str):
                found.append(item["path"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


async def _send_json(send: Any, status: int, detail: Any, headers: Mapping[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
