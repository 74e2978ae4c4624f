"""Talking points (dàn ý tham luận) for one topic of a topic guide.

A speech-writer asked to prepare an organisation's contribution to topic N
needs: who speaks on what (opening), the situation with its figures (Thực
trạng), one point per discussion question (Vấn đề thảo luận) with the
direction the organisation proposes, and a closing with recommendations.

Without an LLM every factual sentence is the topic guide's own sentence,
quoted and cited; the parts only the organisation can write (its own
proposals) are left as marked placeholders and the whole is flagged as a
draft. Citations are restricted to passages of that topic or of the
document's introduction, so a point can never rest on another topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from rag.answer import Citation
from rag.citations import content_words, fold, numbers_in, sentence_spans, strip_markers, unsupported_facts
from rag.generators.extractive import clean_sentence, with_marker

if TYPE_CHECKING:
    from ingest.model import Chunk, Document, Topic
    from rag.settings import Settings

DRAFT_NOTE = "BẢN NHÁP – các phần trong [ ] do người viết hoàn thiện; mỗi ý dẫn nguồn từ tài liệu gợi ý."
MIN_POINTS, MAX_POINTS = 3, 7

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
class Point:
    """One numbered point of the speech: the issue (cited) and the proposed direction."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    direction: str = ""
    context: str = ""
    """Length "day_du" only: the related Thực trạng sentence, cited (its citation is in ``citations``)."""


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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        from dataclasses import asdict

        return asdict(self)


def find_topic(index: Any, number: int) -> tuple[Document, Topic]:
    """The topic with this number (topic guides first); a clear error listing the topics otherwise."""
    pairs = index.topics()
    matching = [(d, t) for d, t in pairs if t.number == number]
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
    return [(start + s, start + e) for s, e in sentence_spans(text[start:end])]


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


class _Citer:
    """Numbers citations and maps document spans to the topic's own chunks (or the introduction)."""

    def __init__(self, doc: Document, chunks: list[Chunk], topic: int) -> None:
        self.doc = doc
        self.allowed = [c for c in chunks if c.topic == topic] or [c for c in chunks if c.topic is None]
        self.intro = [c for c in chunks if c.topic is None]
        self.citations: list[Citation] = []

    def cite(self, start: int, end: int) -> Citation | None:
        for pool in (self.allowed, self.intro):
            overlap = [(min(end, c.end) - max(start, c.start), c) for c in pool]
            overlap = [(o, c) for o, c in overlap if o > 0]
            if overlap:
                chunk = max(overlap, key=lambda oc: oc[0])[1]
                break
        else:
            return None
        s, e = max(start, chunk.start), min(end, chunk.end)
        for existing in self.citations:
            if existing.chunk_id == chunk.chunk_id and (existing.start, existing.end) == (s, e):
                return existing
        citation = Citation(
            n=len(self.citations) + 1,
            chunk_id=chunk.chunk_id,
            document=self.doc.title,
            doc_id=self.doc.doc_id,
            topic=chunk.topic,
            topic_title=chunk.topic_title,
            section=chunk.section,
            quote=self.doc.text[s:e],
            start=s,
            end=e,
            page=self.doc.page_at(s),
        )
        self.citations.append(citation)
        return citation

    def sentence(self, start: int, end: int) -> tuple[str, list[Citation]]:
        """The document's sentence, cleaned for reading, with its [n] marker."""
        citation = self.cite(start, end)
        text = clean_sentence(strip_label(self.doc.text[start:end]))
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
    own = fold(" ".join(strip_markers(point).split()))
    ranked = [
        (len(_bigrams(point) & _bigrams(text[s:e])), bool(numbers_in(text[s:e])), -i, (s, e))
        for i, (s, e) in enumerate(spans)
        if fold(" ".join(clean_sentence(strip_label(text[s:e])).split())) not in own
    ]
    return max(ranked)[3] if ranked else None


DIRECTION_PROMPT = (
    "Bạn giúp viết tham luận cho {org}. Dựa trên đoạn tài liệu sau, viết 1-2 câu tiếng Việt nêu hướng đề xuất "
    "của đơn vị cho vấn đề được nêu. {tone} Không thêm số liệu hay tên cơ quan không có trong tài liệu.\n\n"
    "Tài liệu:\n{topic}\n\nVấn đề: {point}"
)


def write_directions(generator: Any, points: list[Point], org: str, topic_text: str, tone: str = "trang_trong") -> str:
    """Let an LLM write each point's proposed direction; returns a notice when the endpoint is down.

    A proposal is new by nature, so it is not required to overlap the
    source; but every figure and capitalised name in it must occur in the
    topic's text, otherwise the placeholder stays.
    """
    from rag.generators.base import GeneratorUnavailable

    stream = getattr(generator, "stream_messages", None)
    if stream is None:  # the extractive generator writes nothing of its own
        return ""
    topic = " ".join(topic_text.split())
    for point in points:
        prompt = DIRECTION_PROMPT.format(
            org=org, tone=_TONE_PROMPTS[tone], topic=topic, point=strip_markers(point.text)
        )
        try:
            written = " ".join("".join(stream([("human", prompt)])).split())
        except GeneratorUnavailable as exc:
            return f"Máy chủ LLM không phản hồi ({exc}) – giữ dàn ý trích xuất."
        if written and not unsupported_facts(written, [topic_text, org]):
            marks = "".join(f"[{c.n}]" for c in point.citations)
            point.direction = f"{written} {marks}".strip()
    return ""


def resolve_organisation(topic: Topic, organisation: str | None) -> tuple[str, str]:
    """(organisation to speak for, warning) – defaults to the first assigned one."""
    assigned = topic.organisations
    listed = "; ".join(assigned) if assigned else "không có danh sách"
    if organisation is None:
        if assigned:
            return assigned[0], ""
        return "[Tên tổ chức cơ sở đảng]", f"Chuyên đề {topic.number} không phân công tổ chức cơ sở đảng cụ thể."
    if assigned and fold(organisation).strip() not in {fold(o).strip() for o in assigned}:
        return organisation, (
            f"Lưu ý: {organisation} không nằm trong danh sách được phân công thảo luận chuyên đề "
            f"{topic.number} ({listed})."
        )
    if not assigned:
        return organisation, f"Chuyên đề {topic.number} không phân công tổ chức cơ sở đảng cụ thể."
    return organisation, ""


def draft_talking_points(
    settings: Settings,
    index: Any,
    topic: int,
    organisation: str | None = None,
    n_points: int = 5,
    generator: Any = None,
    tone: str = "trang_trong",
    length: str = "vua",
) -> TalkingPoints:
    """Build the outline for ``topic`` (see the module docstring).

    ``tone`` (see :data:`TONES`) picks the wording of our own template text –
    opening, closing, direction placeholders – and is passed into the LLM's
    prompt; it never touches a cited sentence. ``length`` (see :data:`LENGTHS`)
    sets how much each point carries. With an LLM ``generator`` (one offering
    ``stream_messages``, i.e. the ``openai`` one) each point's proposed
    direction is written out by the model; a direction naming a figure or a
    body not found in the topic is rejected and the placeholder kept. Raises
    ValueError with a Vietnamese message when the topic does not exist or
    ``tone``/``length`` is not one of the allowed values.
    """
    check_choice("tone", tone, TONES)
    check_choice("length", length, LENGTHS)
    doc, top = find_topic(index, topic)
    n_points = max(MIN_POINTS, min(MAX_POINTS, n_points))
    org, warning = resolve_organisation(top, organisation)
    chunks = [c for c in index.all_chunks() if c.doc_id == doc.doc_id]
    citer = _Citer(doc, chunks, topic)
    text = doc.text

    situation_span = field_span(top, "thuc trang")
    discussion_span = field_span(top, "van de thao luan")
    situation_sents = spans_in(text, *situation_span) if situation_span else []
    discussion_sents = spans_in(text, *discussion_span) if discussion_span else []
    if not situation_sents and not discussion_sents:
        # A topic without labelled fields (e.g. a list of suggestions): its body sentences are the points.
        heading = fold(" ".join(top.title.split()))
        body = spans_in(text, top.start, top.end)
        discussion_sents = [s for s in body if heading not in fold(" ".join(text[s[0] : s[1]].split()))]
    if len(discussion_sents) < MIN_POINTS:
        # Few but long questions ("…; nâng cao tỷ lệ hồ sơ trực tuyến toàn trình; …"): one point per clause.
        discussion_sents = [c for s, e in discussion_sents for c in clause_spans(text, s, e)]

    situation_parts = [citer.sentence(s, e) for s, e in situation_sents]
    points = [Point(*citer.sentence(s, e)) for s, e in discussion_sents[:n_points]]
    for s, e in situation_sents:
        if len(points) >= MIN_POINTS:
            break
        text_, cites = citer.sentence(s, e)
        points.append(Point("Về thực trạng: " + text_[:1].lower() + text_[1:], cites))
    if length == "day_du":
        _add_context(citer, points, situation_sents)
    notice = ""
    if length != "ngan":
        for point in points:
            point.direction = _direction(point.text, org, tone)
        if generator is not None:
            notice = write_directions(generator, points, org, text[top.start : top.end], tone)
    if notice:
        warning = f"{warning} {notice}".strip()

    title = " ".join(top.title.split())
    return TalkingPoints(
        topic=topic,
        topic_title=title,
        organisation=org,
        organisations=list(top.organisations),
        warning=warning,
        opening=_OPENINGS[tone].format(org=org, topic=topic, title=title),
        situation=" ".join(t for t, _ in situation_parts),
        points=points,
        closing=_CLOSINGS[tone].format(org=org, topic=topic),
        is_draft=length == "ngan" or any(p.direction.startswith("[") for p in points),
        citations=citer.citations,
        document=doc.title,
        tone=tone,
        length=length,
    )


def _add_context(citer: _Citer, points: list[Point], situation: list[tuple[int, int]]) -> None:
    """Length "day_du": give each point its related Thực trạng sentence, cited like the point itself."""
    for point in points:
        span = related_span(citer.doc.text, point.text, situation)
        if span is not None:
            point.context, cites = citer.sentence(*span)
            point.citations += [c for c in cites if c not in point.citations]
