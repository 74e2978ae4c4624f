"""Typed request and response models of the REST API, and the one conversion of each domain object.

Integers in JSON bodies are strict (``"k": true`` is not 1); every free text
passes :func:`ui.validation.check_text` so control characters and lone
surrogates are a 422 here, not a 500 deep inside python-docx or the JSON encoder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

from pydantic import AfterValidator, BaseModel, Field, StrictInt

from ingest.model import Citation, Document, DocumentSummary
from rag.serialize import citation_to_dict, hit_to_dict
from ui.validation import check_text

if TYPE_CHECKING:
    from rag.answer import Answer
    from rag.retrieval import Hit
    from rag.talking_points import TalkingPoints

Level = Literal["public", "internal", "mat", "toi_mat", "tuyet_mat"]
Tone = Literal["trang_trong", "ngan_gon", "de_xuat"]
"""rag.talking_points.TONES: formal address, concise briefing, recommendation-focused (wording only)."""
Length = Literal["ngan", "vua", "day_du"]
"""rag.talking_points.LENGTHS: ngan: the points alone; vua: + ≤ 2 further cited sentences each; day_du: + ≤ 3."""
Text = Annotated[str, AfterValidator(check_text)]
"""A string without control characters (tab and newlines allowed) or invalid code points."""


# ---- requests ------------------------------------------------------------------------
class Filters(BaseModel):
    """Optional narrowing of retrieval. Clearance is never a filter the caller can set."""

    doc_id: Text | None = Field(None, max_length=200)
    doc_type: Text | None = Field(None, max_length=40)
    topic: StrictInt | None = Field(None, ge=0, le=1000)
    section: Text | None = Field(None, max_length=200)
    organisation: Text | None = Field(None, max_length=300)


class HistoryTurn(BaseModel):
    """An earlier turn of the conversation (issue 25.3): what was asked, and when known how it was understood
    (its ``standalone_question``) and the answer's text."""

    question: Text = Field(..., min_length=1, max_length=2000)
    standalone: Text = Field("", max_length=2000)
    answer: Text = Field("", max_length=8000)


class AskRequest(BaseModel):
    question: Text = Field(
        ..., min_length=1, max_length=2000, description="Question in Vietnamese (tone marks optional)."
    )
    collection: Text | None = Field(None, max_length=64, description="Collection to ask; default the server's.")
    filters: Filters | None = None
    k: StrictInt | None = Field(None, ge=1, le=50, description="Passages to retrieve (default: settings.k).")
    history: list[HistoryTurn] | None = Field(
        None,
        max_length=20,
        description="Earlier turns, oldest first: a follow-up ('còn chuyên đề 3 thì sao?') is rewritten into a "
        "standalone question before it is answered. Empty or absent: a new conversation.",
    )


class TalkingPointsRequest(BaseModel):
    topic: StrictInt = Field(..., ge=0, le=1000, description="Topic number in the topic guide.")
    doc_id: Text | None = Field(None, max_length=200, description="Topic guide holding the topic (default: the first).")
    organisation: Text | None = Field(None, max_length=300, description="Party organisation that will speak.")
    n_points: StrictInt = Field(5, ge=1, le=12)
    length: Length = Field("vua", description="ngan: the points alone; vua: + 2 cited sentences; day_du: + 3.")
    tone: Tone = Field("trang_trong", description="Opening, closing and frame words; never a cited sentence.")
    collection: Text | None = Field(None, max_length=64)


class TalkingPointsAboutRequest(BaseModel):
    about: Text = Field(..., min_length=3, max_length=300, description="Any subject, e.g. 'thu ngân sách năm 2026'.")
    organisation: Text | None = Field(None, max_length=300, description="Organisation that will speak.")
    n_points: StrictInt = Field(5, ge=1, le=12)
    length: Length = Field("vua", description="ngan: the points alone; vua: + 2 cited sentences; day_du: + 3.")
    tone: Tone = Field("trang_trong", description="Wording of the frames, opening and closing; never cited text.")
    collection: Text | None = Field(None, max_length=64)


# ---- responses -----------------------------------------------------------------------
CitationOut = Citation
"""The API's citation: pydantic validates and documents the declared dataclass itself (no second field list)."""


class AskResponse(BaseModel):
    question: str
    answer: str
    refused: bool
    reason: str = ""
    citations: list[CitationOut]
    latency_ms: float = 0.0
    generator: str = ""
    notice: str = ""
    standalone_question: str = Field("", description="The follow-up rewritten from the history ('' if unchanged).")


class SearchHitOut(BaseModel):
    chunk_id: str
    doc_id: str
    document: str
    doc_type: str
    topic: int | None = None
    topic_title: str = ""
    section: str = ""
    heading_path: str = ""
    text: str
    start: int
    end: int
    page: int | None = None
    score: float
    dense_rank: int | None = Field(None, description="Rank on the dense (embedding) side before fusion, if found.")
    lexical_rank: int | None = Field(None, description="Rank on the lexical (BM25) side before fusion, if found.")


class EvidenceOut(BaseModel):
    """A cited sentence of another document under a point (rag.talking_points.Evidence)."""

    text: str
    document: str
    kind: str = Field("noi_dung", description="so_lieu | muc_tieu | nhiem_vu | noi_dung")
    label: str = ""


class PointOut(BaseModel):
    text: str = Field(..., description="The position: whole cited document sentences joined by frame words.")
    heading: str = Field("", description="The issue the point answers (a discussion question or section title).")
    context: str = Field("", description="Unused since points state their proposal themselves: always empty.")
    direction: str = Field("", description="Unused (see context): always empty.")
    citations: list[CitationOut]
    evidence: list[EvidenceOut] = Field(default_factory=list, description="Further cited sentences under the point.")


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


class AssignmentOut(BaseModel):
    """One task assigned to a body (ingest.model.Assignment) with the document it comes from."""

    doc_id: str
    document: str
    body: str
    task: str
    role: str = Field(description="chu_tri | phoi_hop | thao_luan | chiu_trach_nhiem | thuc_hien")
    deadline: str = ""
    start: int
    end: int
    heading_path: str = ""


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
    documents: int | None = Field(None, description="Documents within the caller's clearance (authenticated only).")


class ErrorOut(BaseModel):
    detail: str


# ---- conversions -----------------------------------------------------------------------
def citation_out(c: Citation) -> CitationOut:
    """The citation with the JSON form's defaults filled in (heading path falls back to the section)."""
    return Citation(**citation_to_dict(c))


def answer_out(a: Answer) -> AskResponse:
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


def hit_out(h: Hit) -> SearchHitOut:
    return SearchHitOut(**hit_to_dict(h))


def point_citations(point: Any, all_citations: list[Any]) -> list[CitationOut]:
    """A point's citations may be Citation objects or citation numbers; accept both."""
    by_n = {c.n: c for c in all_citations}
    out = []
    for c in point.citations:
        cit = by_n.get(c) if isinstance(c, int) else c
        if cit is not None:
            out.append(citation_out(cit))
    return out


def talking_points_out(tp: TalkingPoints) -> TalkingPointsOut:
    return TalkingPointsOut(
        topic=tp.topic,
        topic_title=tp.topic_title,
        organisation=tp.organisation,
        warning=tp.warning or "",
        opening=tp.opening or "",
        situation=tp.situation or "",
        points=[
            PointOut(
                text=p.text,
                heading=getattr(p, "heading", ""),
                context=p.context,
                direction=p.direction,
                citations=point_citations(p, tp.citations),
                evidence=[
                    EvidenceOut(text=e.text, document=e.document, kind=e.kind, label=e.label)
                    for e in getattr(p, "evidence", [])
                ],
            )
            for p in tp.points
        ],
        closing=tp.closing or "",
        is_draft=bool(tp.is_draft),
        tone=cast(Tone, tp.tone),  # checked by the drafter (check_choice) and again by pydantic here
        length=cast(Length, tp.length),
        citations=[citation_out(c) for c in tp.citations],
    )


def document_out(d: DocumentSummary | Document) -> DocumentOut:
    """A row of the documents list, from the index's summary table (no document text is loaded)."""
    if isinstance(d, Document):
        d = d.summary()
    return DocumentOut(
        doc_id=d.doc_id,
        title=d.title,
        file=Path(d.path).name,
        doc_type=d.doc_type,
        classification=d.classification,
        topics=d.topics,
        chars=d.chars,
    )


def assignment_out(d: Any, a: Any) -> AssignmentOut:
    return AssignmentOut(
        doc_id=d.doc_id,
        document=d.title,
        body=a.body,
        task=a.task,
        role=a.role,
        deadline=a.deadline or "",
        start=a.start,
        end=a.end,
        heading_path=a.heading_path or "",
    )


def upload_out(report: Any) -> UploadOut:
    return UploadOut(
        documents=[UploadedOut(**d) for d in report.documents],
        errors=[FileErrorOut(file=Path(e.path).name, reason=e.reason) for e in report.errors],
    )


# ---- drafting desk (issue 25): comparing two versions of a draft ------------------------------------------
class CompareSideOut(BaseModel):
    path: str = Field(..., description="Section path in that version (headings joined by ' › ').")
    text: str = Field(..., description="The exact text of that version ('' where it has nothing).")
    start: int
    end: int
    document: str = ""


class CompareNoteOut(BaseModel):
    kind: Literal["so_lieu", "thoi_han", "co_quan", "cau_chu", "muc"]
    text: str
    label: str


class CompareChangeOut(BaseModel):
    kind: Literal["sua", "them", "bo", "chuyen", "doi_ten", "tach", "gop", "them_muc", "bo_muc"]
    label: str
    section: str
    remark: str = Field(..., description="The Ghi chú column: the kind and each changed figure, date or body.")
    old: CompareSideOut | None = None
    new: CompareSideOut | None = None
    notes: list[CompareNoteOut] = []


class CompareOut(BaseModel):
    old_name: str
    new_name: str
    old_title: str
    new_title: str
    classification: Level
    sections_old: int
    sections_new: int
    paired: int
    counts: dict[str, int]
    changes: list[CompareChangeOut]


class FigureOut(BaseModel):
    doc_id: str
    document: str
    value: float = Field(..., description="In the unit's base (tỷ đồng, triệu USD, tấn …; a percentage as written).")
    value_text: str = Field(..., description="As written in the document, e.g. '8,02%'.")
    indicator: str
    period: str
    place: str
    target: bool = Field(..., description="A target (mục tiêu, kế hoạch, dự toán) rather than a result.")
    qualifier: str
    relation: str
    sentence: str
    start: int = Field(..., description="Offset of the value in the document's text.")
    end: int
    heading_path: str = ""


class FigureGroupOut(BaseModel):
    indicator: str
    unit: str
    period: str
    agree: bool = Field(..., description="False: the documents give different values for this indicator.")
    documents: list[str]
    figures: list[FigureOut]


class FiguresOut(BaseModel):
    figures: int = Field(..., description="Values with a unit found in the documents you may read.")
    documents: int
    groups: list[FigureGroupOut] = Field(..., description="Disagreements first.")
