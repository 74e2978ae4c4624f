"""Talking points for one topic: as JSON, or as a Word document."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import AfterValidator

from ui.routes.deps import ServiceDep, StateDep, UserDep
from ui.routes.models import (
    Length,
    TalkingPointsAboutRequest,
    TalkingPointsOut,
    TalkingPointsRequest,
    Tone,
    talking_points_out,
)
from ui.validation import check_text

router = APIRouter(prefix="/api", tags=["talking points"])
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OptText = Annotated[str | None, AfterValidator(lambda v: v if v is None else check_text(v))]


@router.post("/talking-points", response_model=TalkingPointsOut)
def talking_points(body: TalkingPointsRequest, user: UserDep, state: StateDep) -> TalkingPointsOut:
    """Draft talking points for one topic, every point backed by citations."""
    service = state.service(body.collection)
    tp = service.talking_points(
        user, body.topic, body.organisation, body.n_points, doc_id=body.doc_id, length=body.length, tone=body.tone
    )
    return talking_points_out(tp)


@router.post("/talking-points/about", response_model=TalkingPointsOut)
def talking_points_about(body: TalkingPointsAboutRequest, user: UserDep, state: StateDep) -> TalkingPointsOut:
    """Draft talking points on any subject from every document the user may read (no topic guide needed)."""
    service = state.service(body.collection)
    tp = service.talking_points(
        user, None, body.organisation, body.n_points, about=body.about, length=body.length, tone=body.tone
    )
    return talking_points_out(tp)


@router.get("/talking-points/about.docx", response_class=Response, responses={200: {"content": {DOCX: {}}}})
def talking_points_about_docx(
    user: UserDep,
    service: ServiceDep,
    about: Annotated[str, AfterValidator(check_text), Query(min_length=3, max_length=300)],
    organisation: Annotated[OptText, Query(max_length=300)] = None,
    n_points: Annotated[int, Query(ge=1, le=12)] = 5,
    length: Annotated[Length, Query()] = "vua",
    tone: Annotated[Tone, Query()] = "trang_trong",
) -> Response:
    """The talking points on ``about`` as a Word document, rendered in memory."""
    tp = service.talking_points(user, None, organisation, n_points, about=about, length=length, tone=tone)
    return _docx_response(service.docx_bytes(user, tp), "y-phat-bieu.docx")


def _docx_response(data: bytes, filename: str) -> Response:
    disposition = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=DOCX, headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


@router.get("/talking-points/{topic}.docx", response_class=Response, responses={200: {"content": {DOCX: {}}}})
def talking_points_docx(
    user: UserDep,
    service: ServiceDep,
    topic: Annotated[int, Path(ge=0, le=1000)],
    doc_id: Annotated[OptText, Query(max_length=200)] = None,
    organisation: Annotated[OptText, Query(max_length=300)] = None,
    n_points: Annotated[int, Query(ge=1, le=12)] = 5,
    length: Annotated[Length, Query()] = "vua",
    tone: Annotated[Tone, Query()] = "trang_trong",
) -> Response:
    """The same talking points as a Word document, rendered in memory (no file is written)."""
    tp = service.talking_points(user, topic, organisation, n_points, doc_id=doc_id, length=length, tone=tone)
    return _docx_response(service.docx_bytes(user, tp), f"y-phat-bieu-chuyen-de-{topic}.docx")
