"""Answers and search: grounded answers with citations (plain or streamed) and hybrid passage search."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse
from pydantic import AfterValidator, TypeAdapter

from ui.routes.deps import SettingsDep, StateDep, UserDep
from ui.routes.models import AskRequest, AskResponse, Filters, SearchHitOut, answer_out, hit_out
from ui.validation import check_text

router = APIRouter(prefix="/api")
OptText = Annotated[str | None, AfterValidator(lambda v: v if v is None else check_text(v))]


def _filters(f: Filters | None) -> dict[str, Any]:
    return f.model_dump(exclude_none=True) if f else {}


_HITS = TypeAdapter(list[SearchHitOut])


def _json(body: bytes) -> Response:
    """A body serialized on the request's thread-pool thread. FastAPI passes a ``Response`` through as it is, so
    the event loop neither validates nor serializes it again: under load, the loop is what a short search waits
    behind, and an answer with its quoted passages is the largest body it would otherwise write."""
    return Response(content=body, media_type="application/json")


@router.post("/ask", response_model=AskResponse, tags=["answers"])
def ask(body: AskRequest, user: UserDep, state: StateDep, settings: SettingsDep) -> Response:
    """Answer a question from the documents, with numbered citations (or a clear refusal)."""
    service = state.service(body.collection)
    asked = _standalone(body)
    out = answer_out(service.ask(user, asked, body.k or settings.k, **_filters(body.filters)))
    update = {"question": body.question, "standalone_question": "" if asked == body.question else asked}
    return _json(out.model_copy(update=update).model_dump_json().encode("utf-8"))


def _standalone(body: AskRequest) -> str:
    """The question made standalone from ``body.history`` (rag/followup.py); unchanged without a history."""
    from rag.followup import rewrite_followup

    return rewrite_followup(body.question, [t.model_dump() for t in body.history or []]).standalone


@router.post(
    "/ask/stream",
    tags=["answers"],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "SSE: `token` events, then `answer`."}},
)
def ask_stream(body: AskRequest, user: UserDep, state: StateDep, settings: SettingsDep) -> StreamingResponse:
    """Server-sent events: `token` events carry text pieces, the final `answer` event the full AskResponse."""
    service = state.service(body.collection)
    stream = service.ask_stream(user, _standalone(body), body.k or settings.k, **_filters(body.filters))
    return StreamingResponse(_sse(stream), media_type="text/event-stream")


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


@router.get("/search", response_model=list[SearchHitOut], tags=["search"])
def search(
    user: UserDep,
    state: StateDep,
    settings: SettingsDep,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="Query text."), AfterValidator(check_text)],
    k: Annotated[int | None, Query(ge=1, le=50)] = None,
    doc_id: Annotated[OptText, Query(max_length=200)] = None,
    doc_type: Annotated[OptText, Query(max_length=40)] = None,
    topic: Annotated[int | None, Query(ge=0, le=1000)] = None,
    section: Annotated[OptText, Query(max_length=200)] = None,
    organisation: Annotated[OptText, Query(max_length=300)] = None,
    collection: Annotated[OptText, Query(max_length=64)] = None,
) -> Response:
    """Hybrid (dense + lexical) passage search within the caller's clearance."""
    filters: dict[str, Any] = {
        "doc_id": doc_id,
        "doc_type": doc_type,
        "topic": topic,
        "section": section,
        "organisation": organisation,
    }
    hits = state.service(collection).search(user, q, k or settings.k, **filters)
    return _json(_HITS.dump_json([hit_out(h) for h in hits]))
