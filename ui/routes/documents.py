"""Documents: list, upload, re-index, delete; topics of the topic guides; assignments of bodies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from pydantic import AfterValidator

from ui.routes.deps import ServiceDep, UserDep
from ui.routes.models import (
    AssignmentOut,
    DocumentOut,
    ErrorOut,
    Level,
    StatusOut,
    TopicOut,
    UploadOut,
    assignment_out,
    document_out,
    upload_out,
)
from ui.validation import check_text

router = APIRouter(prefix="/api", tags=["documents"])


@router.get("/topics", response_model=list[TopicOut])
def list_topics(user: UserDep, service: ServiceDep) -> list[TopicOut]:
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


@router.get("/assignments", response_model=list[AssignmentOut])
def list_assignments(
    user: UserDep,
    service: ServiceDep,
    body: Annotated[
        str,
        Query(max_length=300, description="Body (cơ quan) to look for, tone marks optional; empty lists all."),
        AfterValidator(check_text),
    ] = "",
) -> list[AssignmentOut]:
    """Tasks assigned to bodies (chủ trì, phối hợp …) in the documents within the caller's clearance."""
    return [assignment_out(d, a) for d, a in service.assignments(user, body)]


@router.get("/documents", response_model=list[DocumentOut])
def list_documents(user: UserDep, service: ServiceDep) -> list[DocumentOut]:
    """Indexed documents within the caller's clearance."""
    return [document_out(d) for d in service.documents(user)]


@router.post(
    "/documents",
    response_model=UploadOut,
    responses={
        409: {"model": ErrorOut, "description": "Would replace a document above your clearance."},
        413: {"model": ErrorOut, "description": "Request larger than TROLY_MAX_UPLOAD_MB."},
    },
)
def upload_documents(
    user: UserDep,
    service: ServiceDep,
    files: Annotated[list[UploadFile], File(description="Documents (.txt, .pdf, .docx, .html, .md …).")],
    classification: Annotated[Level, Form(description="Minimum classification for these files.")] = "public",
) -> UploadOut:
    """Upload → ingest → index (editor role). Each file succeeds or fails on its own, with a reason."""
    payload = [(f.filename or "upload", f.file) for f in files]
    return upload_out(service.upload(user, payload, classification))


@router.post("/documents/reindex", response_model=UploadOut)
def reindex_documents(user: UserDep, service: ServiceDep) -> UploadOut:
    """Re-ingest every document from its source file (editor role)."""
    return upload_out(service.reindex(user))


@router.delete("/documents/{doc_id}", response_model=StatusOut)
def delete_document(
    user: UserDep,
    service: ServiceDep,
    doc_id: Annotated[str, Path(max_length=200), AfterValidator(check_text)],
) -> StatusOut:
    """Remove a document from both the dense and the lexical index (editor role)."""
    service.delete(user, doc_id)
    return StatusOut(status="deleted", detail=doc_id)
