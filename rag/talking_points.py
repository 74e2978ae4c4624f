"""Talking points (dàn ý tham luận) for one topic of a topic guide, backed by every ingested document.

A speech-writer asked to prepare an organisation's contribution to topic N
needs: who speaks on what (opening), the situation with its figures (Thực
trạng), one point per discussion question (Vấn đề thảo luận) and, under each
point, the strongest evidence the other documents hold – the report's
figures, the draft resolution's targets, the tasks a plan assigns to *that*
organisation (``Document.assignments``) – so two organisations get different
drafts when the documents say different things about them.

Without an LLM every factual sentence is a document's own sentence, quoted and
cited, and no sentence appears twice; the parts only the organisation can
write (its own proposals) are marked placeholders and the whole is a draft.
The guide's own citations stay within the topic or the guide's introduction.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from ingest.model import ROLE_LABELS
from ingest.normalize import fold
from ingest.sentences import sentence_spans, split_sentences
from rag.answer import Citation
from rag.citations import (
    check_sentence,
    content_words,
    has_phrase,
    markers_of,
    numbers_in,
    strip_markers,
    unsupported_facts,
)
from rag.generators.extractive import clean_sentence, with_marker

if TYPE_CHECKING:
    from ingest.model import Chunk, Document, Topic
    from rag.settings import Settings

DRAFT_NOTE = "BẢN NHÁP – các phần trong [ ] do người viết hoàn thiện; mỗi ý dẫn nguồn từ tài liệu gợi ý."
MIN_POINTS, MAX_POINTS = 1, 12
MIN_SHARED = 2
PROSE_SUPPORT = 0.5
"""Least share of a generated factual sentence's content words found in the passages it cites."""
MIN_WEIGHT = 9.0
"""Least summed rarity (idf) of the shared two-syllable words for a sentence to count as evidence."""
"""Evidence must share at least this many two-syllable content words with the question (or the topic title)."""
MAX_EVIDENCE = {"ngan": 1, "vua": 2, "day_du": 3}
"""Evidence sentences from other documents under each point, by length."""
_PARTY_PREFIX = re.compile(
    r"^(?:dang bo|dang uy|chi bo|dang doan|ban can su dang|to chuc co so dang|tccs dang|ban thuong vu)\s+"
)
_TASK_WORDS = ("giao", "chu tri", "phoi hop", "chiu trach nhiem", "thuc hien", "trien khai", "tham muu")
_TARGET_WORDS = ("muc tieu", "phan dau", "chi tieu", "den nam", "dat tren", "dat it nhat", "bao dam")

TONES: dict[str, str] = {
    "trang_trong": "Trang trọng",
    "ngan_gon": "Ngắn gọn",
    "de_xuat": "Nhấn mạnh đề xuất",
}
"""Tone (giọng văn) → Vietnamese label. A tone changes only our own template wording, never a cited sentence."""

LENGTHS: dict[str, str] = {
    "ngan": "Ngắn",
    "vua": "Vừa",
    "day_du": "Đầy đủ",
}
"""Length → label. ngắn: the cited issue only; vừa: + the direction placeholder; đầy đủ: + the related
Thực trạng sentence, cited."""

# Template wording per tone: {org}, {topic}, {title}, {target} are filled in; nothing here is a fact.
_OPENINGS = {
    "trang_trong": (
        "Kính thưa Đoàn Chủ tịch hội nghị, thưa các đồng chí! "
        "Thay mặt {org}, tôi xin phát biểu tham luận về chuyên đề {topic}: “{title}”."
    ),
    "ngan_gon": "{org} báo cáo tóm tắt ý kiến về chuyên đề {topic}: “{title}”.",
    "de_xuat": (
        "Kính thưa Đoàn Chủ tịch hội nghị, thưa các đồng chí! "
        "Từ thực tiễn của đơn vị, {org} xin tập trung nêu các đề xuất về chuyên đề {topic}: “{title}”."
    ),
}
_CLOSINGS = {
    "trang_trong": (
        "Trên đây là một số ý kiến tham luận của {org} về chuyên đề {topic}. "
        "[Kiến nghị của {org} với Đảng ủy, UBND tỉnh: người viết bổ sung.] "
        "Xin trân trọng cảm ơn!"
    ),
    "ngan_gon": "[Kiến nghị của {org}: người viết bổ sung, mỗi kiến nghị một dòng.] Xin cảm ơn!",
    "de_xuat": (
        "Để các đề xuất trên đi vào thực tiễn, {org} kiến nghị: "
        "[các kiến nghị cụ thể với Đảng ủy, UBND tỉnh, mỗi kiến nghị gắn với một ý ở trên: người viết bổ sung.] "
        "Xin trân trọng cảm ơn!"
    ),
}
_DIRECTIONS = {
    "trang_trong": "[Đề xuất của {org}: nêu giải pháp cụ thể, người chịu trách nhiệm và thời hạn{target}.]",
    "ngan_gon": "[Đề xuất của {org}: giải pháp – đầu mối – thời hạn{target}.]",
    "de_xuat": (
        "[Đề xuất của {org} (trọng tâm): giải pháp ưu tiên, nguồn lực cần có, "
        "người chịu trách nhiệm, thời hạn và kết quả đo được{target}.]"
    ),
}
_TONE_PROMPTS = {
    "trang_trong": "Văn phong trang trọng, như phát biểu tham luận tại hội nghị.",
    "ngan_gon": "Văn phong ngắn gọn, súc tích, như báo cáo nhanh; mỗi hướng đề xuất một câu.",
    "de_xuat": "Nhấn mạnh đề xuất: nêu rõ giải pháp ưu tiên, ai thực hiện và kết quả cần đạt.",
}


def check_choice(name: str, value: str, allowed: dict[str, str]) -> str:
    """``value`` if it is one of ``allowed``; otherwise a ValueError naming the field and the allowed values."""
    if value not in allowed:
        choices = ", ".join(f"{key} ({label})" for key, label in allowed.items())
        raise ValueError(f"{name} không hợp lệ: {value!r} – chọn một trong: {choices}.")
    return value


@dataclass
class Evidence:
    """One cited sentence of another document that bears on a point (a figure, a target, a task)."""

    text: str
    """The sentence as the document writes it, with its [n] marker."""
    document: str
    kind: str = "noi_dung"
    """so_lieu (a figure) | muc_tieu (a target) | nhiem_vu (a task assigned to the organisation) | noi_dung."""
    label: str = ""
    """How the outline introduces it: "Báo cáo … nêu", "Nhiệm vụ được giao (chủ trì, Quý II/2025)"."""


@dataclass
class Point:
    """One numbered point of the speech: the issue (cited), the evidence under it and the proposed direction."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    direction: str = ""
    context: str = ""
    """Length "day_du" only: the related Thực trạng sentence, cited (its citation is in ``citations``)."""
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class TalkingPoints:
    """A speech outline for one organisation on one topic."""

    topic: int
    topic_title: str
    organisation: str
    organisations: list[str] = field(default_factory=list)
    """Every organisation the document assigns to the topic."""
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
    """Every document the outline draws on (the guide first) – re-checked against clearance at download."""
    superior: str = ""
    """The party committee above the organisation, when the guide's header names it (for the .docx)."""
    place: str = ""
    """The guide's place name (for the .docx date line)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        from dataclasses import asdict

        return asdict(self)


def find_topic(index: Any, number: int, guide_id: str | None = None) -> tuple[Document, Topic]:
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


def spans_in(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]`` as document offsets."""
    return sentence_spans(text, start, end)


def clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split one sentence span at semicolons into clause spans (document offsets, trimmed)."""
    spans, pos = [], start
    for match in re.finditer(r";\s+", text[start:end]):
        spans.append((pos, start + match.start()))
        pos = start + match.end()
    spans.append((pos, end))
    return [(s, e) for s, e in spans if len(text[s:e].split()) >= 3]


def strip_label(sentence: str) -> str:
    """Drop a leading field label ("Thực trạng: …") – the outline's headings already say it."""
    return re.sub(r"^[^:]{2,40}:\s*", "", sentence) if ":" in sentence[:42] else sentence


def sentence_key(text: str) -> str:
    """What makes two sentences "the same" for the no-repetition rule: folded words without markers/labels."""
    return " ".join(content_words(strip_label(strip_markers(text))))


class _Citer:
    """Numbers citations across documents and keeps every quoted sentence unique.

    The guide's own sentences may only cite the topic's chunks or its introduction; other documents'
    sentences cite whichever of their chunks holds them.
    """

    def __init__(self, guide: Document, chunks: list[Chunk], topic: int, documents: dict[str, Document]) -> None:
        self.guide = guide
        self.documents = documents
        self.chunks: dict[str, list[Chunk]] = {}
        for c in chunks:
            self.chunks.setdefault(c.doc_id, []).append(c)
        own = self.chunks.get(guide.doc_id, [])
        self.allowed = [c for c in own if c.topic == topic] or [c for c in own if c.topic is None]
        self.intro = [c for c in own if c.topic is None]
        self.citations: list[Citation] = []
        self.used: set[str] = set()

    def _chunk_for(self, doc_id: str, start: int, end: int) -> Chunk | None:
        pools = (self.allowed, self.intro) if doc_id == self.guide.doc_id else (self.chunks.get(doc_id, []),)
        for pool in pools:
            overlap = [(min(end, c.end) - max(start, c.start), c) for c in pool]
            overlap = [(o, c) for o, c in overlap if o > 0]
            if overlap:
                return max(overlap, key=lambda oc: (oc[0], -oc[1].start))[1]
        return None

    def cite(self, doc_id: str, start: int, end: int) -> Citation | None:
        chunk = self._chunk_for(doc_id, start, end)
        if chunk is None:
            return None
        doc = self.documents[doc_id]
        s, e = max(start, chunk.start), min(end, chunk.end)
        for existing in self.citations:
            if existing.doc_id == doc_id and (existing.start, existing.end) == (s, e):
                return existing
        citation = Citation(
            n=len(self.citations) + 1,
            chunk_id=chunk.chunk_id,
            document=doc.title,
            doc_id=doc_id,
            topic=chunk.topic,
            topic_title=chunk.topic_title,
            section=chunk.section,
            quote=doc.text[s:e],
            start=s,
            end=e,
            page=doc.page_at(s),
        )
        if hasattr(citation, "heading_path"):
            citation.heading_path = getattr(chunk, "heading_path", "") or doc.heading_path_at(s)
        self.citations.append(citation)
        return citation

    def is_used(self, doc_id: str, start: int, end: int) -> bool:
        return sentence_key(self.documents[doc_id].text[start:end]) in self.used

    def sentence(self, start: int, end: int, doc_id: str | None = None) -> tuple[str, list[Citation]]:
        """The document's sentence, cleaned for reading, with its [n] marker; remembered as used."""
        doc_id = doc_id or self.guide.doc_id
        raw = self.documents[doc_id].text[start:end]
        self.used.add(sentence_key(raw))
        citation = self.cite(doc_id, start, end)
        text = clean_sentence(strip_label(raw))
        return (with_marker(text, citation.n), [citation]) if citation else (text, [])


def _direction(sentence: str, org: str, tone: str = "trang_trong") -> str:
    """A placeholder proposal that names what the organisation must answer (never invented content)."""
    targets = [n for n in numbers_in(strip_markers(sentence)) if not re.fullmatch(r"(19|20)\d\d", n)]
    target = " (bám sát các chỉ tiêu nêu trong tài liệu)" if targets else ""
    return _DIRECTIONS[tone].format(org=org, target=target)


def _bigrams(text: str) -> set[tuple[str, str]]:
    """Adjacent content syllables – Vietnamese words are mostly two syllables ("giải ngân", "đầu tư")."""
    words = content_words(strip_markers(text))
    return set(pairwise(words))


def related_span(text: str, point: str, spans: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The Thực trạng sentence closest to ``point``: most shared words, then one with figures, then the first.

    The point's own sentence is never its own context (a point may itself be
    a Thực trạng sentence when the topic has few discussion questions).
    """
    own = sentence_key(point)
    ranked = [
        (len(_bigrams(point) & _bigrams(text[s:e])), bool(numbers_in(text[s:e])), -i, (s, e))
        for i, (s, e) in enumerate(spans)
        if sentence_key(text[s:e]) not in own
    ]
    return max(ranked)[3] if ranked else None


# ---- evidence from the other documents ---------------------------------------------------------
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


@dataclass
class _Candidate:
    doc_id: str
    start: int
    end: int
    score: float
    kind: str
    label: str = ""


def _kind_of(doc: Document, folded: str, has_figure: bool) -> str:
    if has_figure and any(w in folded for w in _TARGET_WORDS):
        return "muc_tieu"
    return "so_lieu" if has_figure else ("muc_tieu" if any(w in folded for w in _TARGET_WORDS) else "noi_dung")


def _doc_label(doc: Document) -> str:
    meta = getattr(doc, "meta", None)
    kind = (getattr(meta, "kind_label", "") or "").strip()
    number = (getattr(meta, "number", "") or "").strip()
    if kind and number:
        return f"{kind.capitalize()} số {number}"
    return " ".join(doc.title.split())


def _sentences_of(doc: Document, chunks: list[Chunk]) -> list[tuple[int, int]]:
    """Every sentence of the indexed part of ``doc`` once (chunks overlap), as document offsets."""
    seen: set[tuple[int, int]] = set()
    out = []
    for c in sorted(chunks, key=lambda c: c.start):
        for s, e in sentence_spans(doc.text, c.start, c.end):
            if (s, e) not in seen and len(doc.text[s:e].split()) >= 6:
                seen.add((s, e))
                out.append((s, e))
    return out


Grams = set[tuple[str, str]]


def _evidence_candidates(
    doc: Document, sentences: list[tuple[int, int, Grams]], query: Grams, org: str, weights: dict, rivals: list[str]
) -> list[_Candidate]:
    """Sentences of ``doc`` sharing words with the question, strongest first.

    Shared two-syllable words are weighted by how rare they are across the documents (inverse
    document frequency over sentences), so "mục tiêu", "giải pháp" alone never make evidence while
    "giải ngân" + "vốn đầu tư" do; figures and the organisation's own tasks weigh more. A sentence
    assigning a task to another organisation of the topic is left to that organisation's draft.
    """
    out = []
    core = org_core(org)
    for s, e, grams in sentences:
        shared = grams & query
        weight = sum(weights.get(g, 0.0) for g in shared)
        if len(shared) < MIN_SHARED or weight < MIN_WEIGHT:
            continue
        sentence = doc.text[s:e]
        folded = fold(sentence)
        mentions = bool(core) and len(core.split()) >= 2 and has_phrase(folded, core)
        if not mentions and any(has_phrase(folded, r) for r in rivals):
            continue
        figure = bool({n for n in numbers_in(sentence) if not re.fullmatch(r"(19|20)\d\d", n)})
        kind = "nhiem_vu" if mentions and any(w in folded for w in _TASK_WORDS) else _kind_of(doc, folded, figure)
        bonus = (2.0 if figure else 0) + (8.0 if kind == "nhiem_vu" else 0) + (1.0 if kind == "muc_tieu" else 0)
        out.append(_Candidate(doc.doc_id, s, e, weight + bonus, kind))
    out.sort(key=lambda c: (-c.score, c.start))
    return out


def gram_weights(sentence_grams: list[Grams]) -> dict[tuple[str, str], float]:
    """Inverse document frequency of each two-syllable word over ``sentence_grams``."""
    df: dict[tuple[str, str], int] = {}
    for grams in sentence_grams:
        for g in grams:
            df[g] = df.get(g, 0) + 1
    n = max(1, len(sentence_grams))
    return {g: math.log((n + 1) / (count + 0.5)) for g, count in df.items()}


def _assignment_candidates(doc: Document, org: str) -> list[_Candidate]:
    """Tasks ``doc`` assigns to the organisation (``Document.assignments``), in document order."""
    out = []
    for a in getattr(doc, "assignments", []) or []:
        if not names_organisation(a.body, org) or a.end <= a.start:
            continue
        role = ROLE_LABELS.get(a.role, a.role)
        extra = ", ".join(p for p in (role, a.deadline) if p)
        label = "Nhiệm vụ được giao" + (f" ({extra})" if extra else "")
        out.append(_Candidate(doc.doc_id, a.start, a.end, 10.0, "nhiem_vu", label))
    return out


def _evidence_label(doc: Document, kind: str) -> str:
    where = _doc_label(doc)
    return {
        "so_lieu": f"Số liệu – {where}",
        "muc_tieu": f"Mục tiêu – {where}",
        "nhiem_vu": f"Nhiệm vụ – {where}",
    }.get(kind, where)


def gather_evidence(
    citer: _Citer,
    others: list[Document],
    points: list[Point],
    title: str,
    org: str,
    per_point: int,
    topic_orgs: list[str] = (),  # type: ignore[assignment]
) -> list[_Candidate]:
    """Attach to each point the strongest unused sentence of every other document (up to ``per_point``).

    Returns the organisation's assigned tasks that matched no point, for the caller to make points of.
    """
    leftovers: list[_Candidate] = []
    title_grams = _bigrams(title)
    per_doc = {
        doc.doc_id: [(s, e, _bigrams(doc.text[s:e])) for s, e in _sentences_of(doc, citer.chunks.get(doc.doc_id, []))]
        for doc in others
    }
    guide = citer.guide
    pool = [_bigrams(guide.text[s:e]) for s, e in _sentences_of(guide, citer.chunks.get(guide.doc_id, []))]
    weights = gram_weights(pool + [g for sents in per_doc.values() for _, _, g in sents])
    core = org_core(org)
    rivals = {org_core(name) for doc in others for name in (a.body for a in getattr(doc, "assignments", []) or [])}
    rivals |= {org_core(name) for name in topic_orgs}
    rivals = [r for r in rivals if len(r.split()) >= 2 and r != core and not has_phrase(core, r)]
    for doc in others:
        tasks = _assignment_candidates(doc, org)
        placed: set[tuple[int, int]] = set()
        for point in points:
            if len(point.evidence) >= per_point:
                continue
            query = _bigrams(point.text) | title_grams
            own_tasks = [t for t in tasks if len(_bigrams(doc.text[t.start : t.end]) & query) >= MIN_SHARED]
            candidates = _evidence_candidates(doc, per_doc[doc.doc_id], query, org, weights, rivals)
            for cand in [*own_tasks, *candidates]:
                if (cand.start, cand.end) in placed or citer.is_used(doc.doc_id, cand.start, cand.end):
                    continue
                _attach(citer, point, doc, cand)
                placed.add((cand.start, cand.end))
                break  # one sentence per document per point: every document gets its say
        leftovers += [
            t for t in tasks if (t.start, t.end) not in placed and not citer.is_used(t.doc_id, t.start, t.end)
        ]
    return leftovers


def _attach(citer: _Citer, point: Point, doc: Document, cand: _Candidate) -> None:
    text, cites = citer.sentence(cand.start, cand.end, doc.doc_id)
    point.evidence.append(Evidence(text, doc.title, cand.kind, cand.label or _evidence_label(doc, cand.kind)))
    point.citations += [c for c in cites if c not in point.citations]


DIRECTION_PROMPT = (
    "Bạn giúp viết tham luận cho {org}. Dựa trên đoạn tài liệu sau, viết 1-2 câu tiếng Việt nêu hướng đề xuất "
    "của đơn vị cho vấn đề được nêu. {tone} Không thêm số liệu hay tên cơ quan không có trong tài liệu.\n\n"
    "Tài liệu:\n{topic}\n\nVấn đề: {point}"
)


def checked_prose(written: str, point: Point, own_words: list[str]) -> str:
    """The generated sentences that may stay: a sentence stating a figure or a name (beyond the
    organisation's own name and the topic title) must pass the citation validator against the point's
    cited sentences, and carries their markers; a sentence of pure proposal stays as written."""
    sources = {c.n: c.quote for c in point.citations}
    kept = []
    for sentence in split_sentences(written):
        if not unsupported_facts(sentence, own_words):
            kept.append(sentence)  # nothing factual beyond our own words: a proposal, not a claim
            continue
        marked = sentence if markers_of(sentence) else with_marker(sentence.rstrip(), *sources)
        result = check_sentence(marked, sources, min_support=PROSE_SUPPORT)
        if result.ok:
            kept.append(with_marker(clean_sentence(result.text), *result.markers))
    return " ".join(kept)


def write_directions(
    generator: Any, points: list[Point], org: str, topic_text: str, tone: str = "trang_trong", title: str = ""
) -> str:
    """Let an LLM write each point's proposed direction; returns a notice when the endpoint is down.

    The prompt gives the model the topic and the point's evidence; what comes back goes through
    :func:`checked_prose`, so every factual sentence it keeps passes the citation validator
    (rag/citations.py) – otherwise the placeholder stays.
    """
    from rag.generators.base import GeneratorUnavailable

    stream = getattr(generator, "stream_messages", None)
    if stream is None:  # the extractive generator writes nothing of its own
        return ""
    topic = " ".join(topic_text.split())
    for point in points:
        evidence = [strip_markers(e.text) for e in point.evidence]
        prompt = DIRECTION_PROMPT.format(
            org=org, tone=_TONE_PROMPTS[tone], topic="\n".join([topic, *evidence]), point=strip_markers(point.text)
        )
        try:
            written = " ".join("".join(stream([("human", prompt)])).split())
        except GeneratorUnavailable as exc:
            return f"Máy chủ LLM không phản hồi ({exc}) – giữ dàn ý trích xuất."
        prose = checked_prose(written, point, [org, title]) if written else ""
        if prose:
            point.direction = prose
    return ""


def resolve_organisation(topic: Topic, organisation: str | None) -> tuple[str, str]:
    """(organisation to speak for, warning) – defaults to the first assigned one.

    The warning is a plain sentence: the front ends put their own "Lưu ý:" in front of it.
    """
    assigned = topic.organisations
    listed = "; ".join(assigned) if assigned else "không có danh sách"
    if organisation is None:
        if assigned:
            return assigned[0], ""
        return "[Tên tổ chức cơ sở đảng]", f"Chuyên đề {topic.number} không phân công tổ chức cơ sở đảng cụ thể."
    if assigned and fold(organisation).strip() not in {fold(o).strip() for o in assigned}:
        return organisation, (
            f"{organisation} không nằm trong danh sách được phân công thảo luận chuyên đề {topic.number} ({listed})."
        )
    if not assigned:
        return organisation, f"Chuyên đề {topic.number} không phân công tổ chức cơ sở đảng cụ thể."
    return organisation, ""


def _question_spans(text: str, top: Topic) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(Thực trạng sentences, discussion questions) of a topic; a topic without fields gives its body."""
    situation_span = field_span(top, "thuc trang")
    discussion_span = field_span(top, "van de thao luan")
    situation = spans_in(text, *situation_span) if situation_span else []
    questions = spans_in(text, *discussion_span) if discussion_span else []
    if not situation and not questions:
        heading = fold(" ".join(top.title.split()))
        body = spans_in(text, top.start, top.end)
        questions = [s for s in body if heading not in fold(" ".join(text[s[0] : s[1]].split()))]
    return situation, questions


def draft_talking_points(
    settings: Settings,
    index: Any,
    topic: int,
    organisation: str | None = None,
    n_points: int = 5,
    generator: Any = None,
    tone: str = "trang_trong",
    length: str = "vua",
    guide_id: str | None = None,
) -> TalkingPoints:
    """Build the outline for ``topic`` (see the module docstring).

    ``guide_id`` names the guide holding the topic when several are indexed; the evidence still comes
    from every document ``index`` holds (pass a clearance-filtered view, not one narrowed to the guide).

    One point per discussion question (long questions split at semicolons
    when there are fewer questions than points asked); then the
    organisation's assigned tasks that matched no question. When that is
    fewer than ``n_points`` the warning says how many the documents support
    (the Thực trạng sentences stay in the situation paragraph, never padded
    out as points). ``tone`` (see :data:`TONES`)
    picks our own template wording, never a cited sentence; ``length`` (see
    :data:`LENGTHS`) sets how much each point carries. With an LLM
    ``generator`` (one offering ``stream_messages``) each point's proposed
    direction is written by the model and kept only when every figure and
    name in it is in the cited material. Raises ValueError with a Vietnamese
    message when the topic does not exist or ``tone``/``length`` is unknown.
    """
    check_choice("tone", tone, TONES)
    check_choice("length", length, LENGTHS)
    doc, top = find_topic(index, topic, guide_id)
    asked = max(MIN_POINTS, min(MAX_POINTS, int(n_points)))
    org, warning = resolve_organisation(top, organisation)
    documents = {d.doc_id: d for d in index.documents()}
    documents[doc.doc_id] = doc
    citer = _Citer(doc, index.all_chunks(), topic, documents)
    text = doc.text

    situation_sents, question_sents = _question_spans(text, top)
    if len(question_sents) < asked:
        # Few but long questions ("…; nâng cao tỷ lệ hồ sơ trực tuyến toàn trình; …"): one point per clause.
        split = [c for s, e in question_sents for c in clause_spans(text, s, e)]
        question_sents = split if len(split) > len(question_sents) else question_sents
    points = [Point(*citer.sentence(s, e)) for s, e in question_sents[:asked]]

    contexts: set[tuple[int, int]] = set()
    if length == "day_du":
        contexts = _add_context(citer, points, situation_sents)
    others = [d for d in documents.values() if d.doc_id != doc.doc_id]
    title = " ".join(top.title.split())
    leftovers = gather_evidence(citer, others, points, title, org, MAX_EVIDENCE[length], list(top.organisations))
    for task in leftovers:
        if len(points) >= asked:
            break
        other = documents[task.doc_id]
        text_, cites = citer.sentence(task.start, task.end, other.doc_id)
        points.append(Point(f"{task.label} cho {org} ({_doc_label(other)}): {text_}", cites))
    if len(points) < asked:
        note = (
            f"Tài liệu chỉ đủ căn cứ cho {len(points)} ý (đã yêu cầu {asked}): chuyên đề có {len(question_sents)} "
            "vấn đề thảo luận và các tài liệu khác không nêu thêm nội dung riêng cho đơn vị."
        )
        warning = f"{warning} {note}".strip()

    situation = " ".join(
        citer.sentence(s, e)[0]
        for s, e in situation_sents
        if (s, e) not in contexts and not _in_points(points, text, s, e)
    )
    notice = ""
    if length != "ngan":
        for point in points:
            point.direction = _direction(point.text, org, tone)
        if generator is not None:
            notice = write_directions(generator, points, org, text[top.start : top.end], tone, title)
    if notice:
        warning = f"{warning} {notice}".strip()

    meta = getattr(doc, "meta", None)
    cited_docs = [doc.doc_id, *sorted({c.doc_id for c in citer.citations} - {doc.doc_id})]
    return TalkingPoints(
        topic=topic,
        topic_title=title,
        organisation=org,
        organisations=list(top.organisations),
        warning=warning,
        opening=_OPENINGS[tone].format(org=org, topic=topic, title=title),
        situation=situation,
        points=points,
        closing=_CLOSINGS[tone].format(org=org, topic=topic),
        is_draft=True,
        citations=_renumber(citer.citations, points, situation),
        document=doc.title,
        tone=tone,
        length=length,
        doc_ids=cited_docs,
        superior=(getattr(meta, "parent_issuer", "") or getattr(meta, "issuer", "") or "") if meta else "",
        place=(getattr(meta, "place", "") or "") if meta else "",
    )


def _in_points(points: list[Point], text: str, start: int, end: int) -> bool:
    """True when a point already quotes this sentence (the situation paragraph then leaves it out)."""
    key = sentence_key(text[start:end])
    return any(sentence_key(p.text) == key or sentence_key(p.context) == key for p in points)


def _renumber(citations: list[Citation], points: list[Point], situation: str) -> list[Citation]:
    """Drop citations no text carries any more (a situation sentence that moved into a point)."""
    carried = " ".join([situation, *(p.text + p.context + " ".join(e.text for e in p.evidence) for p in points)])
    return [c for c in citations if f"[{c.n}]" in carried]


def _add_context(citer: _Citer, points: list[Point], situation: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Length "day_du": give each point its related Thực trạng sentence – each sentence to one point only."""
    taken: set[tuple[int, int]] = set()
    for point in points:
        free = [sp for sp in situation if sp not in taken and not citer.is_used(citer.guide.doc_id, *sp)]
        span = related_span(citer.guide.text, point.text, free)
        if span is not None:
            taken.add(span)
            point.context, cites = citer.sentence(*span)
            point.citations += [c for c in cites if c not in point.citations]
    return taken
