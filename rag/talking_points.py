"""Talking points (dàn ý tham luận): positions an organisation can state, built from the documents.

A speech-writer keeps a point only if it reads as the organisation's view: the situation (with its figure and
period), the gap or its cause, what the organisation proposes. Without an LLM each point is composed of whole
document sentences (:mod:`rag.point_evidence`), each cited, joined by short connective frames of our own
("Thực tiễn cho thấy, …", "Trên cơ sở đó, … đề xuất: …") that carry no citation and state no fact. With an LLM
the point is written from the same evidence and kept only if every sentence passes the citation check
(:func:`rag.citations.validate_answer`); otherwise the composed point stays.

Two ways in: a numbered topic of a topic guide (:func:`draft_talking_points` – one point per discussion
question, the question standing above the point as its heading, never as the point), or any subject
(:func:`draft_about` – one point per section of the documents most about it). Evidence from every document the
caller may read is used only when :func:`rag.point_evidence.relevance` says it is about the point; no passage is
used twice in one draft. Whom the closing addresses comes from the documents' header (:mod:`rag.profiles`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ingest.model import ROLE_LABELS, Citation
from ingest.normalize import fold
from ingest.sentences import sentence_spans
from rag.citations import has_phrase, markers_of, strip_markers, validate_answer
from rag.generators.extractive import with_marker
from rag.point_evidence import RELEVANCE_THRESHOLD, Scorer, Unit, trim, units_of
from rag.profiles import addressee_of, issuer_of, profile_of, superior_of

if TYPE_CHECKING:
    from ingest.model import Chunk, Document, Topic
    from rag.protocols import DocumentReader, Embedder, Streamer
    from rag.settings import Settings

log = logging.getLogger(__name__)

MIN_POINTS, MAX_POINTS = 1, 12
SPEAKER = "đơn vị"
"""Who speaks when no organisation is named: "Thay mặt đơn vị, …", "Đơn vị kính đề nghị …" – never a
bracketed placeholder a speech-writer would have to find and fill."""
PROSE_SUPPORT = 0.5
"""Least share of a generated sentence's content words found in the passages it cites."""
MAX_EVIDENCE = {"ngan": 0, "vua": 2, "day_du": 3}
"""Further cited sentences listed under each point, by length."""
_PARTY_PREFIX = re.compile(
    r"^(?:dang bo|dang uy|chi bo|dang doan|ban can su dang|to chuc co so dang|tccs dang|ban thuong vu)\s+"
)
_TASK_WORDS = ("giao", "chu tri", "phoi hop", "chiu trach nhiem", "thuc hien", "trien khai", "tham muu")
_PROPER_HEADS = ("dang", "nha nuoc", "chinh phu", "quoc hoi", "bo ", "so ", "uy ban", "ubnd", "hdnd", "ban ",
                 "thu tuong", "trung uong", "tinh uy", "thanh uy", "mat tran", "viet nam", "hoi dong", "van phong",
                 "tong bi thu", "chu tich", "nghi quyet", "ket luan", "chi thi", "luat ", "nghi dinh", "kho bac",
                 "thanh pho", "tinh ", "doan ", "kiem toan", "toa an", "vien kiem sat")  # fmt: skip
"""Folded starts of a proper name: a sentence opening with one keeps its capital after a frame ("Thực tiễn cho
thấy, Chính phủ đã …"); any other first letter is lowered ("Thực tiễn cho thấy, tỷ lệ …")."""

TONES: dict[str, str] = {
    "trang_trong": "Trang trọng",
    "ngan_gon": "Ngắn gọn",
    "de_xuat": "Nhấn mạnh đề xuất",
}
"""Tone (giọng văn) → Vietnamese label. A tone changes only our own frame wording, never a cited sentence."""

LENGTHS: dict[str, str] = {
    "ngan": "Ngắn",
    "vua": "Vừa",
    "day_du": "Đầy đủ",
}
"""Length → label. ngắn: the point alone; vừa: + two further cited sentences; đầy đủ: + three."""

# Our own wording per tone. {org}, {subject}, {addressee}, {request} are filled in; nothing here is a fact.
_OPENINGS = {
    "trang_trong": "{salutation} Thay mặt {org}, tôi xin phát biểu tham luận về {subject}.",
    "ngan_gon": "{org} báo cáo tóm tắt ý kiến về {subject}.",
    "de_xuat": "{salutation} Từ thực tiễn của đơn vị, {org} xin tập trung nêu các đề xuất về {subject}.",
}
_CLOSINGS = {
    "trang_trong": (
        "Trên đây là một số ý kiến tham luận của {org} về {subject}. {org} {request}. Xin trân trọng cảm ơn!"
    ),
    "ngan_gon": "{org} {request}. Xin cảm ơn!",
    "de_xuat": "Để các đề xuất trên đi vào thực tiễn, {org} {request}. Xin trân trọng cảm ơn!",
}
_FRAMES = {
    "trang_trong": {"situation": "Thực tiễn cho thấy, ", "gap": "Tuy nhiên, ", "gap_first": "Đáng lưu ý, ",
                    "proposal": "Trên cơ sở đó, {org} đề xuất: ", "proposal_first": "{org} đề xuất: "},
    "ngan_gon": {"situation": "", "gap": "", "gap_first": "", "proposal": "Đề xuất: ", "proposal_first": "Đề xuất: "},
    "de_xuat": {"situation": "Từ thực tế, ", "gap": "Tuy nhiên, ", "gap_first": "Đáng lưu ý, ",
                "proposal": "{org} đề xuất trọng tâm là: ", "proposal_first": "{org} đề xuất trọng tâm là: "},
}  # fmt: skip
"""Connective frames by tone and role ("_first": the point opens with it). They state no fact and carry no [n]."""
_TONE_PROMPTS = {
    "trang_trong": "Văn phong trang trọng, như phát biểu tham luận tại hội nghị.",
    "ngan_gon": "Văn phong ngắn gọn, súc tích, như báo cáo nhanh.",
    "de_xuat": "Nhấn mạnh đề xuất: nêu rõ giải pháp ưu tiên và kết quả cần đạt.",
}


def check_choice(name: str, value: str, allowed: dict[str, str]) -> str:
    """``value`` if it is one of ``allowed``; otherwise a ValueError naming the field and the allowed values."""
    if value not in allowed:
        choices = ", ".join(f"{key} ({label})" for key, label in allowed.items())
        raise ValueError(f"{name} không hợp lệ: {value!r} – chọn một trong: {choices}.")
    return value


@dataclass
class Evidence:
    """One further cited sentence under a point (a figure, a target, a task of the organisation)."""

    text: str
    """The sentence as quoted (whole, trimmed, ≤ 300 characters), with its [n] marker."""
    document: str
    kind: str = "noi_dung"
    """so_lieu (has a figure) | muc_tieu (a target) | nhiem_vu (a task assigned to the organisation) | noi_dung."""
    label: str = ""
    """How the outline introduces it: "Số liệu – Kế hoạch 3260-KH/ĐĐQH15", "Nhiệm vụ được giao (chủ trì)"."""


@dataclass
class Point:
    """One numbered point: the organisation's position (composed or written), under the issue as its heading."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    direction: str = ""
    """Unused since points state their proposal themselves; kept so older clients reading it get ""."""
    context: str = ""
    """Unused (see ``direction``)."""
    evidence: list[Evidence] = field(default_factory=list)
    heading: str = ""
    """The issue the point answers: a guide's discussion question or a document's section title (no citation)."""
    relevance: list[float] = field(default_factory=list)
    """Relevance of each cited document sentence of the point, in citation order (for the evaluation)."""


@dataclass
class TalkingPoints:
    """A speech outline for one organisation on one topic of a guide, or on any subject (``topic`` = 0)."""

    topic: int
    topic_title: str
    organisation: str
    organisations: list[str] = field(default_factory=list)
    """Every organisation the guide assigns to the topic."""
    warning: str = ""
    opening: str = ""
    situation: str = ""
    points: list[Point] = field(default_factory=list)
    closing: str = ""
    is_draft: bool = True
    citations: list[Citation] = field(default_factory=list)
    document: str = ""
    tone: str = "trang_trong"
    length: str = "vua"
    doc_ids: list[str] = field(default_factory=list)
    """Every document the outline draws on – re-checked against clearance at download."""
    superior: str = ""
    """The body above the organisation's addressee, from the main document's header (for the .docx)."""
    place: str = ""
    """The main document's place name (for the .docx date line)."""
    about: str = ""
    """The free-text subject of a draft on any subject ("" for a guide's topic)."""
    addressee: str = ""
    """Whom the closing addresses, from the main document's header and kind (rag.profiles)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def doc_label(doc: Document) -> str:
    """A document named by type and number in Vietnamese ("Kế hoạch 3260-KH/ĐĐQH15"), else by its title."""
    number = (doc.meta.number or "").strip()
    if number:
        return f"{doc.kind_name} {number}"
    return " ".join(doc.title.split())


def sentence_key(text: str) -> str:
    """What makes two sentences "the same" for the no-repetition rule: folded words without markers."""
    return " ".join(fold(strip_markers(text)).split()).strip(" .…")


class _Citer:
    """Numbers citations across documents and remembers every quoted unit, so none is used twice."""

    def __init__(self, chunks: list[Chunk], documents: dict[str, Document]) -> None:
        self.documents = documents
        self.chunks: dict[str, list[Chunk]] = {}
        for c in chunks:
            self.chunks.setdefault(c.doc_id, []).append(c)
        self.citations: list[Citation] = []
        self.used: set[tuple[str, int, int]] = set()
        self.used_text: set[str] = set()

    def is_used(self, unit: Unit) -> bool:
        return unit.key in self.used or sentence_key(unit.text) in self.used_text

    def cite(self, unit: Unit) -> Citation | None:
        """The citation of ``unit`` (the chunk holding it whole), numbered on first use."""
        holding = [c for c in self.chunks.get(unit.doc_id, []) if c.start <= unit.start and unit.end <= c.end]
        if not holding:
            return None
        chunk = min(holding, key=lambda c: (c.end - c.start, c.start))
        for existing in self.citations:
            if (existing.doc_id, existing.start, existing.end) == unit.key:
                return existing
        doc = self.documents[unit.doc_id]
        citation = Citation(
            n=len(self.citations) + 1,
            chunk_id=chunk.chunk_id,
            document=doc.title,
            doc_id=unit.doc_id,
            topic=chunk.topic,
            topic_title=chunk.topic_title,
            section=chunk.section,
            quote=doc.text[unit.start : unit.end],
            start=unit.start,
            end=unit.end,
            page=doc.page_at(unit.start),
        )
        if hasattr(citation, "heading_path"):
            citation.heading_path = getattr(chunk, "heading_path", "") or doc.heading_path_at(unit.start)
        self.citations.append(citation)
        return citation

    def take(self, unit: Unit) -> tuple[str, Citation | None]:
        """The unit's text with its [n] marker; the unit is used from now on."""
        self.used.add(unit.key)
        self.used_text.add(sentence_key(unit.text))
        citation = self.cite(unit)
        return (with_marker(unit.text, citation.n) if citation else unit.text), citation


def _lower_first(text: str) -> str:
    """Lower a sentence's first letter after a frame, unless it opens a proper name or an abbreviation."""
    folded = fold(text[:24]) + " "
    first = text.split(" ", 1)[0]
    if any(folded.startswith(h) for h in _PROPER_HEADS) or (len(first) > 1 and first[:2].isupper()):
        return text
    return text[:1].lower() + text[1:]


def _framed(frame: str, text: str) -> str:
    if not frame:
        return text
    return frame + (text if frame.rstrip().endswith(":") else _lower_first(text))


# ---- composing one point -------------------------------------------------------------------------
@dataclass
class _Scored:
    score: float
    unit: Unit
    task_label: str = ""


def compose_point(citer: _Citer, heading: str, ranked: list[_Scored], org: str, tone: str) -> Point:
    """A point from the on-topic units ``ranked`` (best first): a situation with a figure, a gap, a proposal –
    whichever the evidence holds, at most one of each (further units go under it: :func:`attach_evidence`).

    The organisation's own task, when one is on topic, is its proposal. Returns a point without text (having
    taken nothing) when no unit is left.
    """
    free = [s for s in ranked if not citer.is_used(s.unit)]
    chosen: dict[str, _Scored] = {}
    task = next((s for s in free if s.task_label), None)
    if task:
        chosen["proposal"] = task
    # One document speaks in a point: "the province's growth reached 8%" from one province's plan next to 6.42%
    # from another's guide would read as a contradiction. The others' sentences go under it, named.
    anchor = (task or free[0]).unit.doc_id if free else ""
    for s in (s for s in free if s.unit.doc_id == anchor):
        role = s.unit.role if not s.task_label else "proposal"
        if role == "situation" and not s.unit.figure:
            continue  # a situation is stated with its figure; one without goes to the evidence
        if role not in chosen and s.unit.key not in {c.unit.key for c in chosen.values()}:
            chosen[role] = s
    if not chosen and free:  # only situations without a figure: the best of them states the point
        chosen["situation"] = free[0]
    frames = _FRAMES[tone]
    parts: list[str] = []
    point = Point("", heading=heading)
    for role in ("situation", "gap", "proposal"):
        if role not in chosen:
            continue
        text, citation = citer.take(chosen[role].unit)
        frame = frames[role if parts or role == "situation" else f"{role}_first"]
        parts.append(_framed(_sentences_capitalised(frame.format(org=org)), text))
        if citation:
            point.citations.append(citation)
            point.relevance.append(round(chosen[role].score, 3))
    point.text = " ".join(parts)
    return point


def attach_evidence(citer: _Citer, drafted: list[tuple[Point, list[_Scored]]], per_point: int) -> None:
    """Under each point, up to ``per_point`` further on-topic units no point has used – once every point has
    taken its own, so how much evidence is shown never changes what a point says."""
    for point, ranked in drafted:
        for s in ranked:
            if len(point.evidence) >= per_point:
                break
            if citer.is_used(s.unit):
                continue
            text, citation = citer.take(s.unit)
            doc = citer.documents[s.unit.doc_id]
            point.evidence.append(Evidence(text, doc.title, *_evidence_kind(doc, s)))
            if citation:
                point.citations.append(citation)
                point.relevance.append(round(s.score, 3))


def _evidence_kind(doc: Document, scored: _Scored) -> tuple[str, str]:
    """(kind, label): "Số liệu" only for a unit with a figure; the organisation's task named as such."""
    where = doc_label(doc)
    if scored.task_label:
        return "nhiem_vu", f"{scored.task_label} – {where}"
    if scored.unit.target:
        return "muc_tieu", f"Mục tiêu – {where}"
    if scored.unit.figure:
        return "so_lieu", f"Số liệu – {where}"
    return "noi_dung", where


# ---- the organisation's tasks and other organisations' -----------------------------------------------
def org_core(name: str) -> str:
    """The organisation's own name without the party prefix: "Đảng bộ Sở Tài chính" → "so tai chinh"."""
    return _PARTY_PREFIX.sub("", fold(" ".join(name.split()))).strip()


def names_organisation(body: str, organisation: str) -> bool:
    """True when an assignment's body is the organisation ("Sở Tài chính" ~ "Đảng bộ Sở Tài chính").

    Whole words only, and at least two syllables, so "Bộ Tài chính" never matches "Sở Tài chính".
    """
    a, b = org_core(body), org_core(organisation)
    if not a or not b or min(len(a.split()), len(b.split())) < 2:
        return False
    return a == b or has_phrase(a, b) or has_phrase(b, a)


def _task_labels(documents: list[Document], org: str) -> dict[tuple[str, int, int], str]:
    """Span of each task a document assigns to ``org`` (``Document.assignments``) → "Nhiệm vụ được giao (…)"."""
    out = {}
    for doc in documents:
        for a in getattr(doc, "assignments", []) or []:
            if a.end > a.start and names_organisation(a.body, org):
                extra = ", ".join(p for p in (ROLE_LABELS.get(a.role, a.role), a.deadline) if p)
                out[(doc.doc_id, a.start, a.end)] = "Nhiệm vụ được giao" + (f" ({extra})" if extra else "")
    return out


def _task_of(unit: Unit, tasks: dict[tuple[str, int, int], str]) -> str:
    for (doc_id, s, e), label in tasks.items():
        if doc_id == unit.doc_id and s < unit.end and unit.start < e:
            return label
    return ""


def _rivals(documents: list[Document], org: str, assigned: list[str]) -> list[str]:
    """Other organisations named in assignments or in the topic: their tasks stay in their own drafts."""
    core = org_core(org)
    names = {org_core(a.body) for d in documents for a in getattr(d, "assignments", []) or []}
    names |= {org_core(n) for n in assigned}
    return [r for r in names if len(r.split()) >= 2 and r != core and not has_phrase(core, r)]


class _Evidence:
    """Every quotable unit the caller may read, scored against a query and filtered to what is on topic."""

    def __init__(
        self,
        documents: dict[str, Document],
        citer: _Citer,
        embeddings: Embedder | None,
        org: str,
        assigned: list[str],
        guide: Document | None = None,
        guide_units: list[Unit] | None = None,
    ) -> None:
        others = [d for d in documents.values() if d.doc_type != "topic_guide" and d is not guide]
        self.units = [u for d in others for u in units_of(d, citer.chunks.get(d.doc_id, []))]
        self.units += guide_units or []
        self.own = frozenset(u.key for u in guide_units or []) if guide is not None else frozenset()
        """The topic's own Thực trạng sentences: on topic for its questions by the guide's own structure (every
        such pair of the labelled set is labelled on topic), whatever their score."""
        self.scorer = Scorer(embeddings, self.units)
        self.tasks = _task_labels(others, org) if org else {}
        self.rivals = _rivals(others, org, assigned) if org else []
        self.core = org_core(org) if org else ""

    def _other_orgs_task(self, unit: Unit) -> bool:
        folded = fold(unit.text)
        mentions = bool(self.core) and len(self.core.split()) >= 2 and has_phrase(folded, self.core)
        return (
            not mentions and any(has_phrase(folded, r) for r in self.rivals) and any(w in folded for w in _TASK_WORDS)
        )

    def on_topic(self, query: str, units: list[Unit] | None = None) -> list[_Scored]:
        """Units about ``query`` (relevance ≥ threshold), best first; the organisation's tasks first among them."""
        out = []
        for score, unit in self.scorer.score(query, units if units is not None else self.units, always=self.own):
            if (score < RELEVANCE_THRESHOLD and unit.key not in self.own) or self._other_orgs_task(unit):
                continue
            out.append(_Scored(score, unit, _task_of(unit, self.tasks)))
        return sorted(out, key=lambda s: (not s.task_label, -s.score))


def find_topic(index: DocumentReader, number: int, guide_id: str | None = None) -> tuple[Document, Topic]:
    """The topic with this number (of ``guide_id`` when given; topic guides first); a clear error otherwise."""
    pairs = index.topics()
    matching = [(d, t) for d, t in pairs if t.number == number and (guide_id is None or d.doc_id == guide_id)]
    if not matching:
        known = sorted({t.number for _, t in pairs})
        raise ValueError(f"Không có chuyên đề số {number} trong chỉ mục (có: {known or 'chưa nạp tài liệu nào'}).")
    matching.sort(key=lambda dt: dt[0].doc_type != "topic_guide")
    return matching[0]


def field_span(topic: Topic, *labels: str) -> tuple[int, int] | None:
    """Span of the first field whose (folded) label contains one of ``labels``."""
    for name, span in topic.field_spans.items():
        if any(label in fold(name) for label in labels):
            return int(span[0]), int(span[1])
    return None


def clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split one sentence span at semicolons into clause spans (document offsets, trimmed)."""
    spans, pos = [], start
    for match in re.finditer(r";\s+", text[start:end]):
        spans.append((pos, start + match.start()))
        pos = start + match.end()
    spans.append((pos, end))
    return [(s, e) for s, e in spans if len(text[s:e].split()) >= 3]


def resolve_organisation(topic: Topic, organisation: str | None) -> tuple[str, str]:
    """(organisation to speak for, warning) – defaults to the first assigned one.

    The warning is a plain sentence: the front ends put their own "Lưu ý:" in front of it.
    """
    assigned = topic.organisations
    listed = "; ".join(assigned) if assigned else "không có danh sách"
    if organisation is None:
        if assigned:
            return assigned[0], ""
        return SPEAKER, f"Chuyên đề {topic.number} không phân công tổ chức cơ sở đảng cụ thể."
    if assigned and fold(organisation).strip() not in {fold(o).strip() for o in assigned}:
        return organisation, (
            f"{organisation} không nằm trong danh sách được phân công thảo luận chuyên đề {topic.number} ({listed})."
        )
    if not assigned:
        return organisation, f"Chuyên đề {topic.number} không phân công tổ chức cơ sở đảng cụ thể."
    return organisation, ""


# ---- a topic of a topic guide ----------------------------------------------------------------------
def _question_spans(text: str, top: Topic) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(Thực trạng sentences, discussion questions) of a topic; a topic without fields gives its body."""
    situation_span = field_span(top, "thuc trang")
    discussion_span = field_span(top, "van de thao luan")
    situation = sentence_spans(text, *situation_span) if situation_span else []
    questions = sentence_spans(text, *discussion_span) if discussion_span else []
    if not situation and not questions:
        heading = fold(" ".join(top.title.split()))
        body = sentence_spans(text, top.start, top.end)
        questions = [s for s in body if heading not in fold(" ".join(text[s[0] : s[1]].split()))]
    return situation, questions


def _heading(text: str) -> str:
    """A discussion question or section title as a heading: one line, no field label or list marker, a capital
    title in sentence case ("TỒN TẠI, HẠN CHẾ" → "Tồn tại, hạn chế"; "71/NQ-CP" kept as written)."""
    text = re.sub(r"^(?:[-–•+*]\s*)?(?:Vấn đề thảo luận|Thực trạng)\s*:\s*", "", " ".join(text.split()))
    text = re.sub(r"^(?:[IVXLC]+[.-]|\d{1,2}(?:\.\d{1,2})*[.)]|[a-zđ]\)|[A-Z]\.)\s*", "", text).strip(" ;,")
    if text.isupper():
        text = " ".join(w if re.search(r"[\d/-]", w) else w.lower() for w in text.split())
    return text[:1].upper() + text[1:]


def _guide_units(guide: Document, situation: list[tuple[int, int]]) -> list[Unit]:
    """The topic's Thực trạng sentences as units: the only sentences of the guide a point may quote."""
    from rag.point_evidence import _unit

    out = []
    for s, e in situation:
        trimmed = trim(guide.text, s, e)
        if trimmed:
            out.append(_unit(guide, *trimmed, ""))
    return out


def draft_talking_points(
    settings: Settings,
    index: DocumentReader,
    topic: int,
    organisation: str | None = None,
    n_points: int = 5,
    generator: Streamer | None = None,
    tone: str = "trang_trong",
    length: str = "vua",
    guide_id: str | None = None,
    embeddings: Embedder | None = None,
) -> TalkingPoints:
    """Points for ``topic`` of a topic guide (see the module docstring).

    ``guide_id`` names the guide holding the topic when several are indexed; the evidence comes from every
    document ``index`` holds (pass a clearance-filtered view). One point per discussion question (long questions
    split at semicolons when there are fewer than asked); a question no document speaks to gives no point, and
    the warning says so. ``embeddings`` (default: the index's) scores relevance. Raises ValueError with a
    Vietnamese message when the topic does not exist or ``tone``/``length`` is unknown.
    """
    check_choice("tone", tone, TONES)
    check_choice("length", length, LENGTHS)
    guide, top = find_topic(index, topic, guide_id)
    asked = max(MIN_POINTS, min(MAX_POINTS, int(n_points)))
    org, warning = resolve_organisation(top, organisation)
    documents = {d.doc_id: d for d in index.documents()}
    documents[guide.doc_id] = guide
    citer = _Citer(index.all_chunks(), documents)
    citer.chunks[guide.doc_id] = [c for c in citer.chunks.get(guide.doc_id, []) if c.topic in (topic, None)]
    situation_spans, question_spans = _question_spans(guide.text, top)
    if len(question_spans) < asked:
        # Few but long questions ("…; nâng cao tỷ lệ hồ sơ trực tuyến toàn trình; …"): one issue per clause.
        split = [c for s, e in question_spans for c in clause_spans(guide.text, s, e)]
        question_spans = split if len(split) > len(question_spans) else question_spans
    situation_units = _guide_units(guide, situation_spans)
    evidence = _Evidence(documents, citer, _embedder(index, embeddings), org, list(top.organisations), guide,
                         situation_units)  # fmt: skip
    title = " ".join(top.title.split())
    headings = [_heading(guide.text[s:e]) for s, e in question_spans][:asked]
    rankings = _own_to_best([evidence.on_topic(f"{heading} {title}") for heading in headings], evidence.own)
    drafted: list[tuple[Point, list[_Scored]]] = []
    silent = []
    for heading, ranked in zip(headings, rankings, strict=True):
        point = compose_point(citer, heading, ranked, org, tone)
        if point.text:
            drafted.append((point, ranked))
        else:
            silent.append(heading)
    points = [p for p, _ in drafted] + _task_points(citer, evidence, org, tone, asked - len(drafted))
    attach_evidence(citer, drafted, MAX_EVIDENCE[length])
    warning = _count_warning(warning, points, asked, silent)
    situation = " ".join(citer.take(u)[0] for u in situation_units if not citer.is_used(u))
    notice = write_points(generator, points, citer, org, tone, [title]) if generator is not None else ""
    profile = profile_of(guide)
    addressee = addressee_of(guide)
    subject = f"chuyên đề {topic}: “{title}”"
    return TalkingPoints(
        topic=topic,
        topic_title=title,
        organisation=org,
        organisations=list(top.organisations),
        warning=f"{warning} {notice}".strip(),
        opening=_as_proposed(
            _sentences_capitalised(_OPENINGS[tone].format(salutation=profile.salutation, org=org, subject=subject)),
            points,
        ),
        situation=situation,
        points=points,
        closing=_as_proposed(
            _closing(tone, org, f"chuyên đề {topic}", profile.request.format(addressee=addressee)), points
        ),
        citations=_carried(citer.citations, points, situation),
        document=guide.title,
        tone=tone,
        length=length,
        doc_ids=[guide.doc_id, *sorted({c.doc_id for c in citer.citations} - {guide.doc_id})],
        superior=superior_of(guide) or issuer_of(guide),
        place=guide.meta.place or "",
        addressee=addressee,
    )


def _own_to_best(rankings: list[list[_Scored]], own: frozenset) -> list[list[_Scored]]:
    """Each of the topic's own Thực trạng sentences only under the question it scores best for (they are on
    topic for every question of the topic, so the first question would otherwise take them all)."""
    best: dict[tuple[str, int, int], tuple[float, int]] = {}
    for i, ranked in enumerate(rankings):
        for s in ranked:
            if s.unit.key in own and s.score > best.get(s.unit.key, (-1.0, 0))[0]:
                best[s.unit.key] = (s.score, i)
    return [
        [s for s in ranked if s.unit.key not in own or best[s.unit.key][1] == i] for i, ranked in enumerate(rankings)
    ]


def _embedder(index: DocumentReader, embeddings: Embedder | None) -> Embedder | None:
    return embeddings if embeddings is not None else getattr(index, "embeddings", None)


def _closing(tone: str, org: str, subject: str, request: str) -> str:
    return _sentences_capitalised(_CLOSINGS[tone].format(org=org, subject=subject, request=request))


def _as_proposed(text: str, points: list[Point]) -> str:
    """Our opening/closing speak of "các đề xuất" only when a point states one: a draft whose points only state
    the situation or the gap would otherwise thank the audience for proposals it never heard."""
    if any("đề xuất" in p.text.lower() for p in points):
        return text
    return text.replace("tập trung nêu các đề xuất", "tập trung nêu các vấn đề đặt ra").replace(
        "các đề xuất trên", "các ý kiến trên"
    )


def _sentences_capitalised(text: str) -> str:
    """Our own wording with each sentence's first letter capital ("đơn vị kính đề nghị …" opening a sentence)."""
    return re.sub(r"(^|[.!?]\s+)([a-zà-ỹđ])", lambda m: m.group(1) + m.group(2).upper(), text)


def _task_points(citer: _Citer, evidence: _Evidence, org: str, tone: str, room: int) -> list[Point]:
    """The organisation's tasks that no point used, as points of their own (up to ``room``)."""
    out: list[Point] = []
    for unit in evidence.units:
        if len(out) >= room:
            break
        label = _task_of(unit, evidence.tasks)
        if not label or citer.is_used(unit):
            continue
        heading = f"{label} cho {org} ({doc_label(citer.documents[unit.doc_id])})"
        point = compose_point(citer, heading, [_Scored(1.0, unit, label)], org, tone)
        if point.text:
            out.append(point)
    return out


def _count_warning(warning: str, points: list[Point], asked: int, silent: list[str]) -> str:
    if silent:
        listed = "; ".join(f"“{q}”" for q in silent)
        warning = f"{warning} Không tài liệu nào bàn đủ sát để làm căn cứ cho vấn đề: {listed}.".strip()
    if len(points) < asked:
        warning = (f"{warning} Tài liệu chỉ đủ căn cứ cho {len(points)} ý (đã yêu cầu {asked}).").strip()
    return warning


def _carried(citations: list[Citation], points: list[Point], situation: str) -> list[Citation]:
    """The citations some text still carries (a generated point may have dropped one)."""
    carried = " ".join([situation, *(p.text + " ".join(e.text for e in p.evidence) for p in points)])
    return [c for c in citations if f"[{c.n}]" in carried]


# ---- any subject -------------------------------------------------------------------------------------
def draft_about(
    settings: Settings,
    index: DocumentReader,
    about: str,
    organisation: str | None = None,
    n_points: int = 5,
    generator: Streamer | None = None,
    tone: str = "trang_trong",
    length: str = "vua",
    embeddings: Embedder | None = None,
) -> TalkingPoints:
    """Points on a free-text subject from every document ``index`` holds (pass a clearance-filtered view).

    The on-topic units are grouped by the section (level-1/2 heading) holding them; the ``n_points`` sections
    most about the subject become the points, each headed by its section's title. Raises ValueError (Vietnamese)
    when the subject is empty or no document speaks to it.
    """
    check_choice("tone", tone, TONES)
    check_choice("length", length, LENGTHS)
    about = " ".join((about or "").split())
    if len(about) < 3:
        raise ValueError("Chủ đề trống – hãy nhập chủ đề tham luận (ví dụ: “thu ngân sách nhà nước năm 2026”).")
    asked = max(MIN_POINTS, min(MAX_POINTS, int(n_points)))
    org = " ".join((organisation or "").split()) or SPEAKER
    documents = {d.doc_id: d for d in index.documents()}
    citer = _Citer(index.all_chunks(), documents)
    guides = [d for d in documents.values() if d.doc_type == "topic_guide"]
    situations = [u for g in guides for t in g.topics for u in _guide_units(g, _question_spans(g.text, t)[0])]
    speaker = org if organisation else ""
    evidence = _Evidence(documents, citer, _embedder(index, embeddings), speaker, [], None, situations)
    ranked = evidence.on_topic(about)
    if not ranked:
        raise ValueError(f"Không tài liệu nào (trong phạm vi được xem) bàn đủ sát về “{about}” để soạn ý.")
    groups: dict[tuple[str, str], list[_Scored]] = {}
    for s in ranked:
        groups.setdefault((s.unit.doc_id, s.unit.section), []).append(s)
    drafted: list[tuple[Point, list[_Scored]]] = []
    for (doc_id, section), members in sorted(groups.items(), key=lambda g: -g[1][0].score):
        if len(drafted) >= asked:
            break
        heading = _heading(section) if section else doc_label(documents[doc_id])
        point = compose_point(citer, heading, members, org, tone)
        if point.text:
            drafted.append((point, members))
    attach_evidence(citer, drafted, MAX_EVIDENCE[length])
    points = [p for p, _ in drafted]
    warning = _count_warning("", points, asked, [])
    notice = write_points(generator, points, citer, org, tone, [about]) if generator is not None else ""
    main = _main_document(points, documents)
    profile, addressee = profile_of(main), addressee_of(main)
    return TalkingPoints(
        topic=0,
        topic_title=about,
        organisation=org,
        warning=f"{warning} {notice}".strip(),
        opening=_as_proposed(
            _sentences_capitalised(
                _OPENINGS[tone].format(salutation=profile.salutation, org=org, subject=f"“{about}”")
            ),
            points,
        ),
        points=points,
        closing=_as_proposed(_closing(tone, org, f"“{about}”", profile.request.format(addressee=addressee)), points),
        citations=_carried(citer.citations, points, ""),
        document=main.title if main else "",
        tone=tone,
        length=length,
        doc_ids=sorted({c.doc_id for c in citer.citations}),
        superior=superior_of(main),
        place=(main.meta.place if main else "") or "",
        about=about,
        addressee=addressee,
    )


def _main_document(points: list[Point], documents: dict[str, Document]) -> Document | None:
    """The document the points cite most: its header gives the closing's addressee."""
    counts: dict[str, int] = {}
    for p in points:
        for c in p.citations:
            counts[c.doc_id] = counts.get(c.doc_id, 0) + 1
    return documents.get(max(counts, key=lambda d: counts[d])) if counts else None


# ---- with an LLM -------------------------------------------------------------------------------------
POINT_PROMPT = (
    "Bạn giúp viết tham luận cho {org}. Viết MỘT đến HAI câu tiếng Việt nêu quan điểm của đơn vị về vấn đề dưới "
    "đây: thực trạng (kèm số liệu và thời gian nếu có), hạn chế hoặc nguyên nhân, và đề xuất. Chỉ dùng thông tin "
    "trong các đoạn trích; cuối mỗi câu ghi số trích dẫn dạng [n] của đoạn đã dùng. {tone} Không lặp lại "
    "nguyên văn câu hỏi.\n\nVấn đề: {heading}\n\nĐoạn trích:\n{sources}"
)


def checked_point(written: str, sources: dict[int, str], heading: str) -> str:
    """``written`` when every sentence cites a source that supports it (negation and figures checked by
    :func:`rag.citations.validate_answer`) and it does not repeat the heading; "" otherwise."""
    written = " ".join(written.split())
    if not written or sentence_key(written) == sentence_key(heading):
        return ""
    checked = validate_answer(written, sources, min_support=PROSE_SUPPORT)
    if not checked or not all(c.ok for c in checked):
        return ""
    return " ".join(with_marker(c.text.rstrip(), *c.markers) for c in checked)


def write_points(
    generator: Streamer | None, points: list[Point], citer: _Citer, org: str, tone: str, own: list[str]
) -> str:
    """Let an LLM write each point from its cited units; a point it cannot write within the citation check keeps
    its composed form. Returns a notice when the endpoint is down (the composed points stay)."""
    from rag.generators.base import GeneratorUnavailable

    stream = getattr(generator, "stream_messages", None)
    if stream is None:  # the extractive generator writes nothing of its own
        return ""
    by_n = {c.n: c for c in citer.citations}
    for point in points:
        sources = {c.n: c.quote for c in point.citations if c.n in by_n and f"[{c.n}]" in point.text}
        if not sources:
            continue
        listing = "\n".join(f"[{n}] {' '.join(q.split())}" for n, q in sources.items())
        prompt = POINT_PROMPT.format(org=org, tone=_TONE_PROMPTS[tone], heading=point.heading, sources=listing)
        try:
            written = "".join(stream([("human", prompt)]))
        except GeneratorUnavailable as exc:
            return f"Máy chủ LLM không phản hồi ({exc}) – giữ các ý soạn từ câu của tài liệu."
        kept = checked_point(written, sources, point.heading)
        if kept and set(markers_of(kept)):
            point.text = kept
    return ""
