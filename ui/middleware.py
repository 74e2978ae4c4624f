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

import json
import logging
import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, unquote

from ui.audit import AuditLog, request_id

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
        wanted = path.startswith(_ALWAYS) or path.startswith(_DOWNLOADS) or status in (401, 403, 404, 409, 413, 422)
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


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _GOOD_ID.match(text):
                return text
    return uuid.uuid4().hex[:16]


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
    body = json.dumps(
        {"detail": f"Tệp tải lên quá lớn: giới hạn {mb} MB cho mỗi lần tải (TROLY_MAX_UPLOAD_MB)."}, ensure_ascii=False
    ).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                (b"x-request-id", rid.encode("ascii")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


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
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
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
                headers = [(k, v) for k, v in start.get("headers") or [] if k != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, sending)


_LANG_EN = re.compile(rb'<html(\s[^>]*?)?lang="en"', re.IGNORECASE)
