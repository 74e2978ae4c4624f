"""Downloads of the web UI (talking-points .docx, evaluation reports) through an authenticated route.

Nothing a user drafts is written to disk: the UI keeps the drafted talking
points in memory under a random token (:class:`ExportStore`) and shows a link
to ``/ui/exports/<token>.docx``. At download time the route resolves the
caller again (Gradio session cookie, API key, or the loopback open-mode user),
requires the caller to be the user who drafted it, and re-checks that every
cited document is still within the caller's clearance before rendering the
.docx in memory. Gradio's own file route never sees these files, so a
predictable name in ``data/exports`` (issue 12.1) cannot exist.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response

if TYPE_CHECKING:
    from service.auth import User

log = logging.getLogger(__name__)
DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TTL_SECONDS = 3600
MAX_PENDING = 200

router = APIRouter(include_in_schema=False)


@dataclass
class PendingExport:
    """Drafted talking points waiting to be downloaded by the user who drafted them."""

    user: str
    talking_points: Any
    collection: str
    created: float


class ExportStore:
    """Random token → pending export, in memory only, expiring after :data:`TTL_SECONDS`."""

    def __init__(self) -> None:
        self._items: dict[str, PendingExport] = {}
        self._lock = threading.Lock()

    def add(self, user: str, talking_points: Any, collection: str) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._expire()
            while len(self._items) >= MAX_PENDING:
                self._items.pop(next(iter(self._items)))
            self._items[token] = PendingExport(user, talking_points, collection, time.monotonic())
        return token

    def get(self, token: str) -> PendingExport | None:
        with self._lock:
            self._expire()
            return self._items.get(token)

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, item in self._items.items() if now - item.created > TTL_SECONDS]:
            del self._items[token]


def export_store(state: Any) -> ExportStore:
    """The app's one store (created on first use, kept on the app state)."""
    store = getattr(state, "ui_exports", None)
    if store is None:
        store = ExportStore()
        state.ui_exports = store
    return store


def session_user(request: Request) -> User:
    """The caller: the Gradio login cookie, else an API key, else the loopback open-mode user (or 401)."""
    state = request.app.state.troly
    if state.users.has_users():  # open mode is decided by user_for below, for the UI and the API alike
        user = state.ui_user(request)
        if user is not None:
            return user
    auth = request.headers.get("authorization", "")
    key = auth[7:].strip() if auth.lower().startswith("bearer ") else request.headers.get("x-api-key")
    return state.user_for(request, key)


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}", "Cache-Control": "no-store"}


@router.get("/ui/exports/{token}.docx")
def download_export(token: str, request: Request) -> Response:
    """The drafted .docx – only for its author, only while every cited document is within their clearance."""
    from rag.docx_export import talking_points_docx_bytes
    from service.troly import NotFound

    state = request.app.state.troly
    user = session_user(request)
    item = export_store(state).get(token)
    service = state.service(item.collection) if item else None
    if item is None or item.user != user.name or service is None:
        state.audit.record(user.name, "export_refused", channel="ui", query="talking points .docx")
        raise HTTPException(404, "Không tìm thấy tệp (liên kết đã hết hạn hoặc không thuộc về bạn).")
    tp = item.talking_points
    try:
        for doc_id in sorted({c.doc_id for c in tp.citations} | set(getattr(tp, "doc_ids", []) or [])):
            service.document(user, doc_id)  # NotFound when above the caller's clearance (or deleted)
    except NotFound as exc:
        state.audit.record(user.name, "export_refused", channel="ui", query=f"topic {tp.topic}")
        raise HTTPException(404, "Không tìm thấy tệp (liên kết đã hết hạn hoặc không thuộc về bạn).") from exc
    state.audit.record(
        user.name, "export", channel="ui", query=f"topic {tp.topic}", chunk_ids=[c.chunk_id for c in tp.citations]
    )
    data = talking_points_docx_bytes(tp)
    return Response(data, media_type=DOCX_MEDIA, headers=_attachment(f"tham-luan-chuyen-de-{tp.topic}.docx"))


@router.get("/ui/reports/{name}")
def download_report(name: str, request: Request) -> FileResponse:
    """A written evaluation report (editor role: reports quote answers from every document)."""
    state = request.app.state.troly
    user = session_user(request)
    if not user.can("editor"):
        raise HTTPException(403, "Chỉ biên tập viên hoặc quản trị viên được xem báo cáo đánh giá.")
    folder = (Path(state.settings.data_dir) / "eval-reports").resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file() or path.suffix not in {".html", ".md", ".json", ".png"}:
        raise HTTPException(404, "Không tìm thấy báo cáo.")
    state.audit.record(user.name, "report_download", channel="ui", query=name)
    return FileResponse(path, headers={"Cache-Control": "no-store"})
