"""FastAPI application: the REST API under /api and the Gradio UI at /.

One process serves both so that an office needs to run (and firewall) only
one port. All access to documents goes through :class:`service.troly.TrolyService`,
which applies the caller's clearance before ranking and writes the audit log.
The routes live in ``ui/routes/`` (one APIRouter per resource); this module
assembles them with the edge middleware (request id, body cap, access audit),
the error handlers and the self-hosted API docs.

Authentication: ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. With
no users configured, loopback clients are served as the local open-mode user
(see :mod:`service.auth`) and every other client gets 401.
"""

from __future__ import annotations

from rag.offline import enforce_offline

enforce_offline()

import logging  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from fastapi import FastAPI, Request  # noqa: E402
from fastapi.exceptions import RequestValidationError  # noqa: E402
from fastapi.middleware.cors import CORSMiddleware  # noqa: E402
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html  # noqa: E402
from fastapi.responses import HTMLResponse, JSONResponse  # noqa: E402
from fastapi.staticfiles import StaticFiles  # noqa: E402

from ingest.model import CLASSIFICATION_LEVELS  # noqa: E402
from rag.embeddings import EmbeddingServiceError  # noqa: E402
from rag.settings import Settings  # noqa: E402
from service.troly import Conflict, Forbidden, NotFound  # noqa: E402
from service.workers import WorkerError  # noqa: E402
from ui.middleware import (  # noqa: E402
    EdgeMiddleware,
    SecurityHeadersMiddleware,
    UiGuardMiddleware,
    VietnamesePageMiddleware,
    allowed_origins,
)
from ui.routes import answers, documents, ops, talking_points  # noqa: E402
from ui.routes.deps import AppState  # noqa: E402
from ui.routes.models import Length, Level, Tone  # noqa: E402

logger = logging.getLogger(__name__)

__all__ = ["AppState", "Length", "Level", "Tone", "create_api", "create_app"]

DOCS_ASSETS = "/docs-assets"


def _docs_static_dir() -> Path:
    """Swagger UI and ReDoc files shipped by the fastapi-offline package (no CDN at run time)."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'"
)


def _same_origin_only(page: HTMLResponse) -> HTMLResponse:
    """The docs pages may load nothing from elsewhere (ReDoc's bundle still links a logo on its CDN)."""
    page.headers["Content-Security-Policy"] = _DOCS_CSP
    return page


def add_docs(app: FastAPI) -> None:
    """/docs and /redoc from local files (FastAPI's documented self-hosting), so they work air-gapped."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=_docs_static_dir()), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _same_origin_only(
            get_swagger_ui_html(
                openapi_url=app.openapi_url or "/openapi.json",
                title=f"{app.title} – API",
                swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
            )
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _same_origin_only(
            get_redoc_html(
                openapi_url=app.openapi_url or "/openapi.json",
                title=f"{app.title} – ReDoc",
                redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js",
                redoc_favicon_url=f"{DOCS_ASSETS}/favicon.png",
                with_google_fonts=False,
            )
        )


def _printable(value: Any) -> Any:
    """JSON-safe copy of a validation error part: invalid code points become escapes, not a 500."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, list | tuple):
        return [_printable(v) for v in value]
    return value if isinstance(value, int | float | bool) or value is None else _printable(str(value))


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "string_unicode":  # JSON held a lone surrogate such as "\ud800"
        return "văn bản chứa mã Unicode không hợp lệ (surrogate đơn lẻ U+D800–U+DFFF); hãy gửi văn bản UTF-8 hợp lệ"
    return _printable(error.get("msg", ""))


def add_error_handlers(app: FastAPI) -> None:
    """Service exceptions become clean 4xx answers with a one-line detail; never a traceback."""

    @app.exception_handler(NotFound)
    def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(Forbidden)
    def _forbidden(_: Request, exc: Forbidden) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=403)

    @app.exception_handler(Conflict)
    def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(RequestValidationError)
    def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        """422 listing where and why; the client's input is not echoed (it may hold invalid code points)."""
        errors = [
            {"loc": _printable(e.get("loc", [])), "msg": _message(e), "type": e.get("type", "")} for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(EmbeddingServiceError)
    def _embedding_down(_: Request, exc: EmbeddingServiceError) -> JSONResponse:
        """A remote embedding service that stays down after the retries: 503 naming it (nothing was indexed)."""
        logger.error("embedding service unavailable: %s", exc)
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "30"})

    @app.exception_handler(WorkerError)
    def _worker_lost(_: Request, exc: WorkerError) -> JSONResponse:
        """The worker process computing this answer died or hung: this request only; the pool replaced it."""
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(UnicodeError)
    def _bad_text(_: Request, exc: UnicodeError) -> JSONResponse:
        return JSONResponse({"detail": f"văn bản không hợp lệ (mã Unicode sai): {type(exc).__name__}"}, status_code=422)


def create_api(settings: Settings, state: AppState | None = None) -> FastAPI:
    """The REST API alone (no UI): what the API tests and schemathesis exercise.

    ``state`` lets ``troly serve`` hand over the service it already opened (one index, one model load).
    """
    app = FastAPI(
        title="troly",
        version="0.1.0",
        description="Offline assistant for Vietnamese party-work documents. "
        f"Clearance levels: {', '.join(CLASSIFICATION_LEVELS)}.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.troly = state or AppState(settings)
    add_error_handlers(app)
    from ui.routes import compare  # drafting desk (issue 25)

    for router in (ops.router, answers.router, talking_points.router, documents.router, compare.router):
        app.include_router(router)
    add_docs(app)
    add_edge(app, settings)
    return app


def add_edge(app: FastAPI, settings: Settings) -> None:
    """Middleware, innermost first: the UI guard (same-origin writes, throttled logins, files per user), the
    edge (request id, body cap, audit of every outcome, so the guard's refusals are audited too), CORS (no
    other origin unless listed in ``TROLY_CORS_ORIGINS``; its presence also turns off Gradio's own, which
    allowed any local origin with credentials), and the security headers on every response."""
    state = app.state.troly
    app.add_middleware(UiGuardMiddleware, state=state)
    app.add_middleware(EdgeMiddleware, audit=state.audit, max_body_bytes=settings.max_upload_mb * 1024 * 1024)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=allowed_origins(settings),
        allow_credentials=True,
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Authorization", "X-API-Key", "Content-Type", "X-Request-ID"],
    )
    app.add_middleware(SecurityHeadersMiddleware)


def create_app(settings: Settings, with_ui: bool = True, state: AppState | None = None) -> FastAPI:
    """The whole service: REST API under /api, health checks, Gradio UI at /."""
    app = create_api(settings, state)
    if with_ui:
        from ui.gradio_app import mount_ui

        mount_ui(app, app.state.troly)
        app.add_middleware(VietnamesePageMiddleware)
    return app
