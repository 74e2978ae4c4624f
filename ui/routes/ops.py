"""Operations: liveness and readiness probes for supervisors and load balancers."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ui.routes.deps import OptionalUserDep, ServiceDep
from ui.routes.models import StatusOut

router = APIRouter(tags=["ops"])
log = logging.getLogger(__name__)


@router.get("/healthz", response_model=StatusOut)
def healthz() -> StatusOut:
    """The process is up (does not touch the index)."""
    return StatusOut(status="ok")


@router.get("/readyz", response_model=StatusOut, responses={503: {"model": StatusOut}})
def readyz(service: ServiceDep, user: OptionalUserDep) -> Any:
    """The index opens and can be read; 503 otherwise. Takes no lock, so a running upload never delays it.

    The document count is given only to an authenticated caller, counted within its clearance:
    an anonymous probe learns nothing about how many (classified) documents exist.
    """
    try:
        index = service.index
        index.count()
        visible = None if user is None else sum(1 for level in index.document_levels().values() if user.may_see(level))
    except Exception as exc:  # any failure means "not ready"; log the cause, tell the client only the kind
        log.warning("readiness check failed: %s", type(exc).__name__, exc_info=True)
        detail = f"index unavailable ({type(exc).__name__})"
        return JSONResponse(StatusOut(status="not ready", detail=detail).model_dump(), status_code=503)
    return StatusOut(status="ready", documents=visible)
