"""The data that flows out of ingest and into rag: documents, topics, chunks.

These are plain dataclasses so that every later stage (index, retrieval,
answers, UI, evaluation) shares one vocabulary. Offsets always refer to
``Document.text`` – the *normalized* text – so a citation can be checked by
slicing: ``doc.text[chunk.start:chunk.end] == chunk.text``.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import asdict, dataclass, field, fields
from typing import Any

CLASSIFICATION_LEVELS = ("public", "internal", "mat", "toi_mat", "tuyet_mat")
"""Ordered clearance levels: public < internal < Mật < Tối mật < Tuyệt mật."""
LEVEL_NAMES = {
    "public": "Công khai",
    "internal": "Nội bộ",
    "mat": "Mật",
    "toi_mat": "Tối mật",
    "tuyet_mat": "Tuyệt mật",
}
"""What a user reads for each level (UI, CLI, error messages)."""

KIND_NAMES = {
    "nghi_quyet": "Nghị quyết", "ket_luan": "Kết luận", "chi_thi": "Chỉ thị", "bao_cao": "Báo cáo",
    "ke_hoach": "Kế hoạch", "chuong_trinh": "Chương trình", "cong_van": "Công văn", "quyet_dinh": "Quyết định",
    "to_trinh": "Tờ trình", "huong_dan": "Hướng dẫn", "thong_bao": "Thông báo", "luat": "Luật", "bo_luat": "Bộ luật",
    "nghi_dinh": "Nghị định", "thong_tu": "Thông tư", "topic_guide": "Gợi ý chuyên đề", "quy_dinh": "Quy định",
}  # fmt: skip
"""Vietnamese name of each ``DocumentMeta.kind`` (the kind read from the header's title line or số/ký hiệu)."""
DOC_TYPE_NAMES = {"topic_guide": "Gợi ý chuyên đề", "resolution": "Nghị quyết", "report": "Báo cáo", "law": "Luật"}
"""Names for the coarse ``Document.doc_type`` when the header names no kind; anything else reads "Văn bản khác"."""


def level_rank(level: str) -> int:
    """Numeric rank of a classification level (unknown levels rank as the highest, to fail closed)."""
    try:
        return CLASSIFICATION_LEVELS.index(level)
    except ValueError:
        return len(CLASSIFICATION_LEVELS) - 1


def content_hash(text: str) -> str:
    """Stable short hash used for change detection and chunk ids."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class Topic:
    """One numbered topic of a topic guide (or a numbered part of any party document)."""

    number: int
    title: str
    start: int
    end: int
    fields: dict[str, str] = field(default_factory=dict)
    """Labelled fields, e.g. {"Thực trạng": "...", "Vấn đề thảo luận": "..."} (normalized text)."""
    field_spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    organisations: list[str] = field(default_factory=list)
    """Grassroots party organisations assigned to discuss the topic."""


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _spans(raw: dict[str, Any] | None) -> dict[str, tuple[int, int]]:
    return {k: (int(v[0]), int(v[1])) for k, v in (raw or {}).items()}


@dataclass
class DocumentMeta:
    """What the header block and the signature say about a document (Hướng dẫn 36-HD/VPTW, Nghị định 30/2020).

    Kept as fields so "ai ký", "số hiệu", "ban hành ngày nào" are answered from the header itself, cited to ``spans``.
    """

    kind: str = ""
    """nghi_quyet|ket_luan|chi_thi|bao_cao|ke_hoach|chuong_trinh|cong_van|quyet_dinh|to_trinh|huong_dan|thong_bao|
    luat|bo_luat|nghi_dinh|thong_tu|topic_guide|other"""
    kind_label: str = ""
    """As written, e.g. "KẾ HOẠCH"."""
    layout: str = ""
    """party (ĐẢNG CỘNG SẢN VIỆT NAM) | state (Quốc hiệu–Tiêu ngữ) | "" """
    number: str = ""
    """Số/ký hiệu, e.g. "3260-KH/ĐĐQH15", "30/2020/NĐ-CP"."""
    issuer: str = ""
    parent_issuer: str = ""
    """The body above the issuer in the letterhead ("ĐẢNG ỦY CHÍNH PHỦ" above "VĂN PHÒNG")."""
    place: str = ""
    date: str = ""
    """ISO yyyy-mm-dd ("" when the header leaves the day blank, as drafts do)."""
    date_text: str = ""
    trich_yeu: str = ""
    signer: str = ""
    signer_position: str = ""
    recipients: list[str] = field(default_factory=list)
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Field name → (start, end) in ``Document.text``."""


@dataclass
class Heading:
    """One heading of the body hierarchy (Phần/Chương/Mục/Điều, I./I-, 1./1.1., a), Phụ lục …)."""

    label: str
    title: str
    level: int
    """1 = top."""
    start: int
    """Offset of the heading line in ``Document.text``."""
    end: int
    """End of the section the heading opens."""
    path: str
    """Labels and short titles from the top, joined by " › "."""


ROLE_LABELS = {
    "chu_tri": "chủ trì",
    "phoi_hop": "phối hợp",
    "thao_luan": "chuẩn bị thảo luận",
    "chiu_trach_nhiem": "chịu trách nhiệm",
    "thuc_hien": "thực hiện",
}
"""How an answer or a draft says an Assignment's role in Vietnamese."""


@dataclass
class Assignment:
    """A task given to a body ("giao X chủ trì", a table row's "cơ quan chủ trì", a topic guide's organisations)."""

    body: str
    task: str
    role: str
    """chu_tri | phoi_hop | thao_luan | chiu_trach_nhiem | thuc_hien"""
    deadline: str = ""
    """As written ("Quý II/2025", "năm 2025", "thường xuyên")."""
    start: int = 0
    end: int = 0
    heading_path: str = ""


def kind_name(meta: DocumentMeta, doc_type: str) -> str:
    """What kind of document this is, in Vietnamese, as its header says ("KẾ HOẠCH" → "Kế hoạch"); the
    coarse ``doc_type`` only when the header names no kind. A draft ("DỰ THẢO NGHỊ QUYẾT") says so."""
    name = KIND_NAMES.get(meta.kind) or DOC_TYPE_NAMES.get(doc_type, "Văn bản khác")
    draft = meta.kind_label.upper().startswith("DỰ THẢO")
    return f"Dự thảo {name[:1].lower()}{name[1:]}" if draft and meta.kind in KIND_NAMES else name


def _meta_from_dict(meta: dict[str, Any] | None) -> DocumentMeta:
    meta = meta or {}
    return DocumentMeta(**{**_known(DocumentMeta, meta), "spans": _spans(meta.get("spans"))})


@dataclass
class DocumentSummary:
    """One row of the index's documents summary table: id, title, classification and header metadata, no text.

    Document lists and clearance checks read these, so at 100k chunks they do not parse every document's text.
    """

    doc_id: str
    title: str
    path: str
    doc_type: str
    classification: str = "public"
    source_hash: str = ""
    meta: DocumentMeta = field(default_factory=DocumentMeta)
    topics: int = 0
    """Number of topics (a topic guide's numbered parts)."""
    chars: int = 0
    """Length of the normalized text."""

    @property
    def kind_name(self) -> str:
        return kind_name(self.meta, self.doc_type)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentSummary:
        """Inverse of ``dataclasses.asdict`` (unknown keys ignored, as :meth:`Document.from_dict`)."""
        return cls(**{**_known(cls, data), "meta": _meta_from_dict(data.get("meta"))})


@dataclass
class Document:
    """A normalized source document with its recovered structure."""

    doc_id: str
    title: str
    path: str
    doc_type: str
    """topic_guide | resolution | report | law | other"""
    text: str
    source_hash: str
    classification: str = "public"
    topics: list[Topic] = field(default_factory=list)
    page_starts: list[int] = field(default_factory=list)
    """Offsets in ``text`` where each PDF page starts (empty for non-paged formats)."""
    meta: DocumentMeta = field(default_factory=DocumentMeta)
    headings: list[Heading] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)

    @property
    def kind_name(self) -> str:
        return kind_name(self.meta, self.doc_type)

    def summary(self) -> DocumentSummary:
        """What a document list shows and a clearance check reads, without the text."""
        return DocumentSummary(
            doc_id=self.doc_id,
            title=self.title,
            path=self.path,
            doc_type=self.doc_type,
            classification=self.classification,
            source_hash=self.source_hash,
            meta=self.meta,
            topics=len(self.topics),
            chars=len(self.text),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """Inverse of ``dataclasses.asdict``: nested dataclasses rebuilt, tuples restored, unknown keys ignored
        (an index written by an older or newer troly still opens)."""
        data = _known(cls, data)
        data["topics"] = [
            Topic(**{**_known(Topic, t), "field_spans": _spans(t.get("field_spans"))}) for t in data.get("topics", [])
        ]
        data["meta"] = _meta_from_dict(data.get("meta"))
        data["headings"] = [Heading(**_known(Heading, h)) for h in data.get("headings", [])]
        data["assignments"] = [Assignment(**_known(Assignment, a)) for a in data.get("assignments", [])]
        return cls(**data)

    def heading_path_at(self, offset: int) -> str:
        """Path of the innermost heading whose section contains ``offset`` ("" outside every heading).

        Sections nest, so walking back from the last heading that starts at or before ``offset`` the first one
        still open is the innermost; a law has thousands of headings, so the starts are bisected, not scanned.
        """
        key = (id(self.headings), len(self.headings))
        cached = self.__dict__.get("_starts")
        if cached is None or cached[0] != key:
            cached = (key, [h.start for h in self.headings])
            self.__dict__["_starts"] = cached
        i = bisect.bisect_right(cached[1], offset) - 1
        while i >= 0:
            heading = self.headings[i]
            if offset < max(heading.end, heading.start + 1):
                return heading.path
            i -= 1
        return ""

    def page_at(self, offset: int) -> int | None:
        """1-based page number containing ``offset``, or None for non-paged documents."""
        if not self.page_starts:
            return None
        page = 0
        for i, start in enumerate(self.page_starts):
            if start <= offset:
                page = i
        return page + 1


@dataclass
class Chunk:
    """A citable passage: a run of whole sentences inside one topic/section."""

    chunk_id: str
    doc_id: str
    doc_title: str
    doc_type: str
    text: str
    start: int
    end: int
    topic: int | None = None
    topic_title: str = ""
    section: str = ""
    page: int | None = None
    classification: str = "public"
    organisations: list[str] = field(default_factory=list)
    segmented: str = ""
    """underthesea word_tokenize output joined by spaces, compounds joined with '_' (for BM25)."""
    hash: str = ""
    heading_path: str = ""
    """"II. Nhiệm vụ › 3. … › b)": where the passage sits in the document's outline."""

    @property
    def search_text(self) -> str:
        """What retrieval indexes: a passage alone ("Chủ trì thẩm tra …") does not say which document or
        section it belongs to, so the title and heading path are put in front of it."""
        head = " › ".join(p for p in (self.doc_title.strip(), self.heading_path.strip()) if p)
        return f"{head}\n{self.text}" if head else self.text

    def to_metadata(self) -> dict[str, Any]:
        """Flat, Chroma-compatible metadata (no None, no lists)."""
        meta = asdict(self)
        meta.pop("text")
        meta["topic"] = -1 if self.topic is None else self.topic
        meta["page"] = -1 if self.page is None else self.page
        meta["organisations"] = " | ".join(self.organisations)
        return meta

    @classmethod
    def from_metadata(cls, text: str, meta: dict[str, Any]) -> Chunk:
        """Inverse of :meth:`to_metadata`."""
        data = dict(meta)
        data["topic"] = None if data.get("topic", -1) == -1 else int(data["topic"])
        data["page"] = None if data.get("page", -1) == -1 else int(data["page"])
        orgs = data.get("organisations") or ""
        data["organisations"] = [o for o in orgs.split(" | ") if o]
        known = {f.name for f in fields(cls)}
        return cls(text=text, **{k: v for k, v in data.items() if k in known})


def search_text(chunk: Any) -> str:
    """What a passage is embedded and indexed under (``Chunk.search_text``: title + heading path + text); an object
    of the chunk's shape without it is searched under its text alone."""
    return str(getattr(chunk, "search_text", chunk.text))


@dataclass
class Citation:
    """A numbered source of an answer or a talking point: the passage and the exact sentence quoted from it.

    The one declaration of the citation fields: the JSON form (``rag.serialize.CITATION_KEYS``) and the API's
    response schema (``ui.routes.models.CitationOut``) are derived from it. Offsets are in the cited document's
    normalized text.
    """

    n: int
    chunk_id: str
    document: str
    """The document's title (``doc_id`` is its id)."""
    doc_id: str
    topic: int | None
    topic_title: str
    section: str
    quote: str
    start: int
    end: int
    page: int | None = None
    heading_path: str = ""
    """Where the quote sits: headings joined by " › "."""


@dataclass
class IngestError:
    """One file that could not be ingested, and why (shown one line each)."""

    path: str
    reason: str
