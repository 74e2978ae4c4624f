"""The drafting desk: compare two versions of a draft (JSON or a "bảng so sánh" .docx rendered in memory), and the
figures of the indexed documents checked against each other."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import Response

from ui.routes.deps import ServiceDep, UserDep
from ui.routes.exports import ExportStore, session_user
from ui.routes.models import CompareOut, ErrorOut, FiguresOut, Level, Text

router = APIRouter(prefix="/api", tags=["drafting desk"])
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.post(
    "/compare",
    response_model=CompareOut,
    responses={
        200: {"content": {DOCX: {}}, "description": "JSON, or the .docx when format=docx."},
        403: {"model": ErrorOut, "description": "A version is stamped above your clearance."},
        413: {"model": ErrorOut, "description": "Request larger than TROLY_MAX_UPLOAD_MB."},
        422: {"model": ErrorOut, "description": "A file that cannot be read (named, with the reason)."},
    },
)
def compare_versions(
    user: UserDep,
    service: ServiceDep,
    old: Annotated[UploadFile, File(description="The earlier draft (.docx, .pdf, .txt, .md, .html).")],
    new: Annotated[UploadFile, File(description="The later draft (any supported format).")],
    classification: Annotated[Level, Form(description="Minimum classification of both files.")] = "public",
    format: Annotated[Literal["json", "docx"], Form(description="json, or docx for the bảng so sánh.")] = "json",
    organisation: Annotated[Text, Form(max_length=300, description=".docx header: the drafting body.")] = "",
    superior: Annotated[Text, Form(max_length=300, description=".docx header: the committee above it.")] = "",
    place: Annotated[Text, Form(max_length=100, description=".docx date line: place name.")] = "",
) -> CompareOut | Response:
    """What changed between two versions: sections renamed, moved, split or merged; sentences added, removed or
    changed, each citing both versions, with changed figures, dates and bodies called out. Nothing is indexed."""
    try:
        result = service.compare(
            user, (old.filename or "old", old.file), (new.filename or "new", new.file), classification
        )
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    if format == "docx":
        data = service.comparison_docx(user, result, organisation=organisation, superior=superior, place=place)
        filename = "bang-so-sanh.docx"
        disposition = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"
        return Response(
            data, media_type=DOCX, headers={"Content-Disposition": disposition, "Cache-Control": "no-store"}
        )
    return CompareOut(**result.to_dict())


def compare_store(state: Any) -> ExportStore:
    """Comparisons made in the web UI waiting for their .docx download (in memory only, per app)."""
    if not hasattr(state, "compare_exports"):
        state.compare_exports = ExportStore()
    return state.compare_exports


@router.get("/compare/exports/{token}.docx", include_in_schema=False)
def download_comparison(token: str, request: Request) -> Response:
    """The web UI's bảng so sánh: only for the user who made the comparison, rendered at download time."""
    state = request.app.state.troly
    user = session_user(request)
    item = compare_store(state).get(token)
    if item is None or item.user != user.name:
        state.audit.record(user.name, "export_refused", channel="ui", query="bảng so sánh")
        raise HTTPException(404, "Không tìm thấy tệp (liên kết đã hết hạn hoặc không thuộc về bạn).")
    data = state.service(item.collection).comparison_docx(user, item.talking_points, channel="ui")
    disposition = "attachment; filename=\"bang-so-sanh.docx\"; filename*=UTF-8''bang-so-sanh.docx"
    return Response(data, media_type=DOCX, headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


@router.get("/figures", response_model=FiguresOut)
def figures(
    user: UserDep,
    service: ServiceDep,
    show_all: Annotated[bool, Query(alias="all", description="Also the indicators whose figures agree.")] = False,
) -> FiguresOut:
    """Figures (indicator, value, unit, period, place) of the documents you may read: the same indicator grouped
    across documents, disagreements first, each figure cited by document, section and span."""
    data = service.figures(user).to_dict()
    if not show_all:
        data["groups"] = [g for g in data["groups"] if not g["agree"]]
    return FiguresOut(**data)
