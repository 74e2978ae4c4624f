"""FastAPI application: the REST API under /api and the Gradio UI at /.

One process serves both so that an office needs to run (and firewall) only
one port. All access to documents goes through :class:`ui.service.TrolyService`,
which applies the caller's clearance before ranking and writes the audit log;
this module only translates HTTP to service calls and back.

Authentication: ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. With
no users configured, loopback clients are served as the local open-mode user
(see :mod:`ui.auth`) and every other client gets 401.
"""

from __future__ import annotations

from rag.offline import enforce_offline

enforce_offline()

import json  # noqa: E402
import re  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from typing import Annotated, Any, Literal  # noqa: E402

from fastapi import Depends, FastAPI, File, Form, HTTPException, Path, Query, Request, UploadFile  # noqa: E402
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse  # noqa: E402
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer  # noqa: E402
from pydantic import BaseModel, Field  # noqa: E402

from ingest.model import CLASSIFICATION_LEVELS  # noqa: E402
from rag.settings import Settings  # noqa: E402
from ui.audit import AuditLog  # noqa: E402
from ui.auth import User, UserStore, is_loopback, open_mode_user  # noqa: E402
from ui.service import Forbidden, NotFound, TrolyService  # noqa: E402

Level = Literal["public", "internal", "mat", "toi_mat", "tuyet_mat"]
Tone = Literal["trang_trong", "ngan_gon", "de_xuat"]
"""rag.talking_points.TONES: formal address, concise briefing, recommendation-focused (wording only)."""
Length = Literal["ngan", "vua", "day_du"]
"""rag.talking_points.LENGTHS: issue only; + direction placeholder; + the related Thực trạng sentence."""
_COLLECTION_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


# ---- request / response models ----------------------------------------------------
class Filters(BaseModel):
    """Optional narrowing of retrieval. Clearance is never a filter the caller can set."""

    doc_id: str | None = Field(None, max_length=200)
    doc_type: str | None = Field(None, max_length=40)
    topic: int | None = Field(None, ge=0, le=1000)
    section: str | None = Field(None, max_length=200)
    organisation: str | None = Field(None, max_length=300)


class AskRequest(BaseModel):
    question: str = Field(
        ..., min_length=1, max_length=2000, description="Question in Vietnamese (tone marks optional)."
    )
    collection: str | None = Field(None, description="Collection to ask; default the server's.")
    filters: Filters | None = None
    k: int | None = Field(None, ge=1, le=50, description="Passages to retrieve (default: settings.k).")


class CitationOut(BaseModel):
    n: int
    chunk_id: str
    document: str
    doc_id: str
    topic: int | None = None
    topic_title: str = ""
    section: str = ""
    quote: str
    start: int
    end: int
    page: int | None = None


class AskResponse(BaseModel):
    question: str
    answer: str
    refused: bool
    reason: str = ""
    citations: list[CitationOut]
    latency_ms: float = 0.0
    generator: str = ""
    notice: str = ""


class SearchHitOut(BaseModel):
    chunk_id: str
    doc_id: str
    document: str
    doc_type: str
    topic: int | None = None
    topic_title: str = ""
    section: str = ""
    text: str
    start: int
    end: int
    page: int | None = None
    score: float
    dense_rank: int | None = Field(None, description="Rank on the dense (embedding) side before fusion, if found.")
    lexical_rank: int | None = Field(None, description="Rank on the lexical (BM25) side before fusion, if found.")


class TalkingPointsRequest(BaseModel):
    topic: int = Field(..., ge=0, le=1000, description="Topic number in the topic guide.")
    doc_id: str | None = Field(None, max_length=200, description="Topic guide holding the topic (default: the first).")
    organisation: str | None = Field(None, max_length=300, description="Party organisation that will speak.")
    n_points: int = Field(5, ge=1, le=12)
    length: Length = Field("vua", description="ngan: issue only; vua: + direction; day_du: + Thực trạng.")
    tone: Tone = Field("trang_trong", description="Wording of opening/closing/directions; never the cited text.")
    collection: str | None = None


class PointOut(BaseModel):
    text: str
    context: str = ""
    direction: str = ""
    citations: list[CitationOut]


class TalkingPointsOut(BaseModel):
    topic: int
    topic_title: str
    organisation: str | None = None
    warning: str = ""
    opening: str = ""
    situation: str = ""
    points: list[PointOut]
    closing: str = ""
    is_draft: bool = True
    tone: Tone = "trang_trong"
    length: Length = "vua"
    citations: list[CitationOut]


class TopicOut(BaseModel):
    doc_id: str
    document: str
    number: int
    title: str
    fields: dict[str, str]
    organisations: list[str]


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    file: str
    doc_type: str
    classification: str
    topics: int
    chars: int


class UploadedOut(BaseModel):
    file: str
    doc_id: str
    title: str
    chunks: int
    classification: str


class FileErrorOut(BaseModel):
    file: str
    reason: str


class UploadOut(BaseModel):
    documents: list[UploadedOut]
    errors: list[FileErrorOut]


class StatusOut(BaseModel):
    status: str
    detail: str = ""
    documents: int | None = None


# ---- conversions ---------------------------------------------------------------------
def citation_out(c: Any) -> CitationOut:
    return CitationOut(
        n=c.n,
        chunk_id=c.chunk_id,
        document=c.document,
        doc_id=c.doc_id,
        topic=c.topic,
        topic_title=c.topic_title or "",
        section=c.section or "",
        quote=c.quote,
        start=c.start,
        end=c.end,
        page=c.page,
    )


def answer_out(a: Any) -> AskResponse:
    return AskResponse(
        question=a.question,
        answer=a.answer,
        refused=bool(a.refused),
        reason=a.reason or "",
        citations=[citation_out(c) for c in a.citations],
        latency_ms=float(a.latency_ms or 0.0),
        generator=a.generator or "",
        notice=a.notice or "",
    )


def hit_out(h: Any) -> SearchHitOut:
    c = h.chunk
    return SearchHitOut(
        chunk_id=c.chunk_id,
        doc_id=c.doc_id,
        document=c.doc_title,
        doc_type=c.doc_type,
        topic=c.topic,
        topic_title=c.topic_title,
        section=c.section,
        text=c.text,
        start=c.start,
        end=c.end,
        page=c.page,
        score=float(h.score),
        dense_rank=h.dense_rank,
        lexical_rank=h.lexical_rank,
    )


def point_citations(point: Any, all_citations: list[Any]) -> list[CitationOut]:
    """A point's citations may be Citation objects or citation numbers; accept both."""
    by_n = {c.n: c for c in all_citations}
    out = []
    for c in point.citations:
        cit = by_n.get(c) if isinstance(c, int) else c
        if cit is not None:
            out.append(citation_out(cit))
    return out


def talking_points_out(tp: Any) -> TalkingPointsOut:
    return TalkingPointsOut(
        topic=tp.topic,
        topic_title=tp.topic_title,
        organisation=tp.organisation,
        warning=tp.warning or "",
        opening=tp.opening or "",
        situation=tp.situation or "",
        points=[
            PointOut(text=p.text, context=p.context, direction=p.direction, citations=point_citations(p, tp.citations))
            for p in tp.points
        ],
        closing=tp.closing or "",
        is_draft=bool(tp.is_draft),
        tone=tp.tone,
        length=tp.length,
        citations=[citation_out(c) for c in tp.citations],
    )


def document_out(d: Any) -> DocumentOut:
    from pathlib import Path as _P

    return DocumentOut(
        doc_id=d.doc_id,
        title=d.title,
        file=_P(d.path).name,
        doc_type=d.doc_type,
        classification=d.classification,
        topics=len(d.topics),
        chars=len(d.text),
    )


# ---- dependencies -----------------------------------------------------------------------
_bearer = HTTPBearer(auto_error=False, description="API key from `troly users add`.")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key from `troly users add`.")


class AppState:
    """What the app shares between requests: settings, users, audit log, one service per collection."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.users = UserStore.for_data_dir(settings.data_dir)
        self.audit = AuditLog.for_data_dir(settings.data_dir)
        self.services: dict[str, TrolyService] = {settings.collection: TrolyService(settings, self.audit)}

    def service(self, collection: str | None = None) -> TrolyService:
        name = collection or self.settings.collection
        if name not in self.services:
            if not _COLLECTION_RE.match(name):
                raise HTTPException(422, f"collection {name!r}: use letters, digits, _ or -")
            other = self.settings.model_copy(update={"collection": name})
            if not other.collection_dir.exists():
                raise HTTPException(404, f"no collection {name!r}")
            self.services[name] = TrolyService(other, self.audit)
        return self.services[name]

    def user_for(self, request: Request, key: str | None) -> User:
        if self.users.has_users():
            user = self.users.authenticate(key)
            if user is None:
                raise HTTPException(401, "missing or invalid API key", headers={"WWW-Authenticate": "Bearer"})
            return user
        host = request.client.host if request.client else None
        if not is_loopback(host):
            raise HTTPException(401, "no users are configured: open mode serves loopback clients only")
        return open_mode_user(self.settings.open_role, self.settings.open_clearance)


def get_state(request: Request) -> AppState:
    return request.app.state.troly


def current_user(
    request: Request,
    state: Annotated[AppState, Depends(get_state)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> User:
    return state.user_for(request, bearer.credentials if bearer else api_key)


def default_service(state: Annotated[AppState, Depends(get_state)]) -> TrolyService:
    return state.service()


UserDep = Annotated[User, Depends(current_user)]
StateDep = Annotated[AppState, Depends(get_state)]
ServiceDep = Annotated[TrolyService, Depends(default_service)]


def _filters(f: Filters | None) -> dict[str, Any]:
    return f.model_dump(exclude_none=True) if f else {}


def _k(state: AppState, k: int | None) -> int:
    return k or state.settings.k


# ---- routes ------------------------------------------------------------------------------
def add_routes(app: FastAPI) -> None:
    @app.get("/healthz", response_model=StatusOut, tags=["ops"])
    def healthz() -> StatusOut:
        """The process is up (does not touch the index)."""
        return StatusOut(status="ok")

    @app.get("/readyz", response_model=StatusOut, responses={503: {"model": StatusOut}}, tags=["ops"])
    def readyz(service: ServiceDep) -> Any:
        """The index opens and can be read; 503 with the reason otherwise."""
        try:
            n = len(service.index.documents())
        except Exception as exc:  # any failure means "not ready"; report it, don't crash
            return JSONResponse(StatusOut(status="not ready", detail=str(exc)[:300]).model_dump(), status_code=503)
        return StatusOut(status="ready", documents=n)

    @app.post("/api/ask", response_model=AskResponse, tags=["answers"])
    def ask(body: AskRequest, user: UserDep, state: StateDep) -> AskResponse:
        """Answer a question from the documents, with numbered citations (or a clear refusal)."""
        service = state.service(body.collection)
        return answer_out(service.ask(user, body.question, _k(state, body.k), **_filters(body.filters)))

    @app.post(
        "/api/ask/stream",
        tags=["answers"],
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}, "description": "SSE: `token` events, then `answer`."}},
    )
    def ask_stream(body: AskRequest, user: UserDep, state: StateDep) -> StreamingResponse:
        """Server-sent events: `token` events carry text pieces, the final `answer` event the full AskResponse."""
        service = state.service(body.collection)
        stream = service.ask_stream(user, body.question, _k(state, body.k), **_filters(body.filters))
        return StreamingResponse(_sse(stream), media_type="text/event-stream")

    @app.post("/api/talking-points", response_model=TalkingPointsOut, tags=["talking points"])
    def talking_points(body: TalkingPointsRequest, user: UserDep, state: StateDep) -> TalkingPointsOut:
        """Draft talking points for one topic, every point backed by citations."""
        service = state.service(body.collection)
        tp = service.talking_points(
            user, body.topic, body.organisation, body.n_points, doc_id=body.doc_id, length=body.length, tone=body.tone
        )
        return talking_points_out(tp)

    @app.get(
        "/api/talking-points/{topic}.docx",
        tags=["talking points"],
        response_class=FileResponse,
        responses={200: {"content": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document": {}}}},
    )
    def talking_points_docx(
        user: UserDep,
        service: ServiceDep,
        topic: Annotated[int, Path(ge=0, le=1000)],
        doc_id: Annotated[str | None, Query(max_length=200)] = None,
        organisation: Annotated[str | None, Query(max_length=300)] = None,
        n_points: Annotated[int, Query(ge=1, le=12)] = 5,
        length: Annotated[Length, Query()] = "vua",
        tone: Annotated[Tone, Query()] = "trang_trong",
    ) -> FileResponse:
        """The same talking points as a Word document."""
        tp = service.talking_points(user, topic, organisation, n_points, doc_id=doc_id, length=length, tone=tone)
        path = service.docx(user, tp)
        media = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return FileResponse(path, media_type=media, filename=f"y-phat-bieu-chuyen-de-{topic}.docx")

    @app.get("/api/search", response_model=list[SearchHitOut], tags=["search"])
    def search(
        user: UserDep,
        state: StateDep,
        q: Annotated[str, Query(min_length=1, max_length=1000, description="Query text.")],
        k: Annotated[int | None, Query(ge=1, le=50)] = None,
        doc_id: Annotated[str | None, Query(max_length=200)] = None,
        doc_type: Annotated[str | None, Query(max_length=40)] = None,
        topic: Annotated[int | None, Query(ge=0, le=1000)] = None,
        section: Annotated[str | None, Query(max_length=200)] = None,
        organisation: Annotated[str | None, Query(max_length=300)] = None,
        collection: Annotated[str | None, Query(max_length=64)] = None,
    ) -> list[SearchHitOut]:
        """Hybrid (dense + lexical) passage search within the caller's clearance."""
        filters = {
            "doc_id": doc_id,
            "doc_type": doc_type,
            "topic": topic,
            "section": section,
            "organisation": organisation,
        }
        hits = state.service(collection).search(user, q, _k(state, k), **filters)
        return [hit_out(h) for h in hits]

    @app.get("/api/topics", response_model=list[TopicOut], tags=["documents"])
    def topics(user: UserDep, service: ServiceDep) -> list[TopicOut]:
        """Topics of the topic guides, with their fields and assigned organisations."""
        return [
            TopicOut(
                doc_id=d.doc_id,
                document=d.title,
                number=t.number,
                title=t.title,
                fields=dict(t.fields),
                organisations=list(t.organisations),
            )
            for d, t in service.topics(user)
        ]

    @app.get("/api/documents", response_model=list[DocumentOut], tags=["documents"])
    def documents(user: UserDep, service: ServiceDep) -> list[DocumentOut]:
        """Indexed documents within the caller's clearance."""
        return [document_out(d) for d in service.documents(user)]

    @app.post("/api/documents", response_model=UploadOut, tags=["documents"])
    def upload(
        user: UserDep,
        service: ServiceDep,
        files: Annotated[list[UploadFile], File(description="Documents (.txt, .pdf, .docx, .html, .md …).")],
        classification: Annotated[Level, Form(description="Minimum classification for these files.")] = "public",
    ) -> UploadOut:
        """Upload → ingest → index (editor role). Each file succeeds or fails on its own, with a reason."""
        payload = [(f.filename or "upload", f.file.read()) for f in files]
        report = service.upload(user, payload, classification)
        return UploadOut(
            documents=[UploadedOut(**d) for d in report.documents],
            errors=[FileErrorOut(file=e.path, reason=e.reason) for e in report.errors],
        )

    @app.post("/api/documents/reindex", response_model=UploadOut, tags=["documents"])
    def reindex(user: UserDep, service: ServiceDep) -> UploadOut:
        """Re-ingest every document from its source file (editor role)."""
        report = service.reindex(user)
        return UploadOut(
            documents=[UploadedOut(**d) for d in report.documents],
            errors=[FileErrorOut(file=e.path, reason=e.reason) for e in report.errors],
        )

    @app.delete("/api/documents/{doc_id}", response_model=StatusOut, tags=["documents"])
    def delete(user: UserDep, service: ServiceDep, doc_id: Annotated[str, Path(max_length=200)]) -> StatusOut:
        """Remove a document from both the dense and the lexical index (editor role)."""
        service.delete(user, doc_id)
        return StatusOut(status="deleted", detail=doc_id)


def _sse(stream: Iterator[Any]) -> Iterator[str]:
    """Format the service stream as server-sent events; an error ends the stream with an `error` event."""
    try:
        for item in stream:
            if isinstance(item, str):
                yield f"event: token\ndata: {json.dumps(item, ensure_ascii=False)}\n\n"
            else:
                yield f"event: answer\ndata: {answer_out(item).model_dump_json()}\n\n"
    except Exception as exc:  # the status line is already sent; tell the client in-band
        yield f"event: error\ndata: {json.dumps(str(exc)[:300], ensure_ascii=False)}\n\n"


def add_error_handlers(app: FastAPI) -> None:
    """Service exceptions become clean 4xx answers with a one-line detail."""

    @app.exception_handler(NotFound)
    def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(Forbidden)
    def _forbidden(_: Request, exc: Forbidden) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=403)


def create_api(settings: Settings) -> FastAPI:
    """The REST API alone (no UI): what the API tests and schemathesis exercise."""
    app = FastAPI(
        title="troly",
        version="0.1.0",
        description="Offline assistant for Vietnamese party-work documents. "
        f"Clearance levels: {', '.join(CLASSIFICATION_LEVELS)}.",
    )
    app.state.troly = AppState(settings)
    add_error_handlers(app)
    add_routes(app)
    return app


def create_app(settings: Settings, with_ui: bool = True) -> FastAPI:
    """The whole service: REST API under /api, health checks, Gradio UI at /."""
    app = create_api(settings)
    if with_ui:
        from ui.gradio_app import mount_ui

        mount_ui(app, app.state.troly)
    return app
