"""Cut a structured document into citable chunks.

A chunk is a run of whole sentences from one section (the introduction, a
topic heading, or one labelled field of one topic), so a citation never
mixes two topics or two fields, and the metadata a chunk carries (topic,
field, organisations) is true for every word in it. Sizes are measured with
the embedding model's own tokenizer because e5-small silently truncates
input beyond 512 tokens. Neighbouring chunks of a section repeat
``overlap`` sentences, so a fact split across a boundary is found whole in
at least one chunk.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from ingest.model import Chunk, Document, Topic, content_hash
from ingest.segment import segment_words
from ingest.sentences import sentence_spans
from ingest.structure import INTRO_SECTION

SAFETY_TOKENS = 8
"""Below budget minus this, summed sentence sizes are trusted without re-counting the joined text."""

WHOLE_DOCUMENT_SECTION = "Nội dung"
"""Section label for documents without numbered parts."""


@dataclass
class Section:
    """A stretch of ``doc.text`` that chunks must not cross."""

    start: int
    end: int
    label: str
    topic: Topic | None = None


CLOSING_SECTION = "Nơi nhận, chữ ký"
"""Section label of the closing block (Nơi nhận list and signature)."""


def document_sections(doc: Document) -> list[Section]:
    """Topic guides: introduction, then per topic its heading part and each labelled field, in text order.
    Other documents: one section per heading (a heading with no text of its own joins the next one), the
    header before the first heading, and the closing block (Nơi nhận, signature) on its own; an appendix after
    the signature has its own sections again."""
    if doc.topics:
        return _topic_sections(doc)
    closing = _closing_start(doc)
    bounds = sorted({0, closing, *(h.start for h in doc.headings)} - {len(doc.text)})
    sections: list[Section] = []
    for i, start in enumerate(bounds):
        end = bounds[i + 1] if i + 1 < len(bounds) else len(doc.text)
        sections.append(Section(start, end, _section_label(doc, start, closing)))
    sections = [s for s in sections if doc.text[s.start : s.end].strip()]
    merged = _merge_short_closing(doc, _merge_bare_headings(doc, sections, set(unit_starts(doc))))
    return _split_at_units(doc, merged, closing)


def unit_starts(doc: Document) -> list[int]:
    """Where the document's top-level units begin: its topics (topic guides; the introduction before them), or its
    top-level sections ("I. MỤC ĐÍCH" / "II. NHIỆM VỤ", a decision's "Điều 1" / "Điều 2"; the header before them).
    No passage, and no context shown around a passage, may run from one unit into the next."""
    if doc.topics:
        return sorted({0, *(t.start for t in doc.topics)})
    if not doc.headings:
        return [0]
    top = min(h.level for h in doc.headings)
    return sorted({0, *(h.start for h in doc.headings if h.level == top)})


def enclosing_unit(doc: Document, offset: int) -> tuple[int, int]:
    """The (start, end) of the top-level unit that holds ``offset`` (see :func:`unit_starts`)."""
    starts = unit_starts(doc)
    i = bisect.bisect_right(starts, offset) - 1
    return starts[max(i, 0)], starts[i + 1] if i + 1 < len(starts) else len(doc.text)


PASSAGE_MIN_CHARS = 600
"""A passage shorter than this is shown with its neighbouring lines."""
PASSAGE_MARGIN = 250
"""Characters of context added on each side of a short passage (then widened to whole lines)."""


def passage_window(doc: Document, start: int, end: int) -> tuple[int, int]:
    """The span to show for a cited passage [start, end): the passage itself, or with whole neighbouring lines when it
    is short – but never beyond its topic or top-level section (a passage of chuyên đề 5 opened on chuyên đề 4's
    text, issue 26)."""
    lo, hi = start, end
    if hi - lo >= PASSAGE_MIN_CHARS:
        return lo, hi
    unit_lo, unit_hi = enclosing_unit(doc, start)
    lo = max(unit_lo, doc.text.rfind("\n", 0, max(0, lo - PASSAGE_MARGIN)) + 1, 0)
    nl = doc.text.find("\n", min(len(doc.text), hi + PASSAGE_MARGIN))
    hi = min(unit_hi, len(doc.text) if nl < 0 else nl)
    return min(lo, start), max(hi, end)


def _split_at_units(doc: Document, sections: list[Section], closing: int) -> list[Section]:
    """Cut any section that still runs over a top-level unit boundary (the closing block may close the last unit)."""
    starts = [u for u in unit_starts(doc) if u < closing]
    out: list[Section] = []
    for section in sections:
        cuts = [u for u in starts if section.start < u < section.end]
        bounds = [section.start, *cuts, section.end]
        for i, (a, b) in enumerate(pairwise(bounds)):
            label = section.label if i == 0 else _section_label(doc, a, closing)
            if doc.text[a:b].strip():
                out.append(Section(a, b, label, section.topic))
    return out


SHORT_CLOSING_CHARS = 120
"""A closing block shorter than this (no Nơi nhận list: a position and a name) is no passage of its own."""


def _merge_short_closing(doc: Document, sections: list[Section]) -> list[Section]:
    """ "CHỦ TỊCH QUỐC HỘI / Nguyễn Phú Trọng" alone would be a chunk of a few words that matches every question
    about the document by its title; it closes the last passage of the body instead."""
    for i, section in enumerate(sections):
        text = doc.text[section.start : section.end].strip()
        if section.label != CLOSING_SECTION or i == 0 or "recipients" in doc.meta.spans:
            continue
        if len(text) < SHORT_CLOSING_CHARS:
            before = sections[i - 1]
            merged = Section(before.start, section.end, before.label, before.topic)
            return [*sections[: i - 1], merged, *sections[i + 1 :]]
    return sections


def _closing_start(doc: Document) -> int:
    """Where the Nơi nhận list or the signature begins (after the body), else the end of the text."""
    starts = [doc.meta.spans[k][0] for k in ("recipients", "signer_position", "signer") if k in doc.meta.spans]
    first_heading = doc.headings[0].start if doc.headings else 0
    after = [s for s in starts if s > first_heading]
    return min(after) if after else len(doc.text)


def _section_label(doc: Document, start: int, closing: int) -> str:
    path = doc.heading_path_at(start)
    if path:
        return path.split(" › ")[-1]
    if start >= closing:
        return CLOSING_SECTION
    return INTRO_SECTION if doc.headings else WHOLE_DOCUMENT_SECTION


def _merge_bare_headings(doc: Document, sections: list[Section], units: set[int]) -> list[Section]:
    """ "II. PHÂN CÔNG NHIỆM VỤ" directly followed by "1. …" is not a passage of its own: it starts the next one –
    unless the next one opens another top-level unit or is the closing block: the one-line items "c) …" "d) …"
    closing part I stay in part I rather than open part II's passage, and the last ones of the body stay out of
    "Nơi nhận"."""
    out: list[Section] = []
    pending: int | None = None
    for section in sections:
        lines = [ln.strip() for ln in doc.text[section.start : section.end].split("\n") if ln.strip()]
        closing = section.label == CLOSING_SECTION  # the body's last lines never open the closing block
        if pending is not None and (closing or any(pending < u <= section.start for u in units)):
            out.append(Section(pending, section.start, _section_label(doc, pending, len(doc.text))))
            pending = None
        start = pending if pending is not None else section.start
        pending = None
        bare = section.label not in {INTRO_SECTION, CLOSING_SECTION, WHOLE_DOCUMENT_SECTION}
        if len(lines) == 1 and bare and len(lines[0]) < 200:
            pending = start
            continue
        out.append(Section(start, section.end, section.label))
    if pending is not None:
        out.append(Section(pending, len(doc.text), _section_label(doc, pending, len(doc.text))))
    return out


def _topic_sections(doc: Document) -> list[Section]:
    sections = [Section(0, doc.topics[0].start, INTRO_SECTION)]
    for topic in doc.topics:
        field_starts = sorted((doc.text.rfind("\n", 0, s) + 1, label) for label, (s, _) in topic.field_spans.items())
        bounds = [(topic.start, topic.title), *field_starts]
        for i, (start, label) in enumerate(bounds):
            end = bounds[i + 1][0] if i + 1 < len(bounds) else topic.end
            sections.append(Section(start, end, label, topic))
    return [s for s in sections if doc.text[s.start : s.end].strip()]


def _split_long(text: str, span: tuple[int, int], count: Callable[[str], int], limit: int) -> list[tuple[int, int]]:
    """Cut a sentence longer than ``limit`` tokens (e5 would silently truncate it) after the last clause mark
    that keeps the piece at least half full — a ";" or ":" first, then a "," — else between two words: an
    enumeration's pieces start at an item ("cơ chế khuyến khích …"), not inside one ("nghiệm công nghệ mới")."""
    words = [(m.start() + span[0], m.end() + span[0]) for m in re.finditer(r"\S+", text[span[0] : span[1]])]
    pieces: list[tuple[int, int]] = []
    start = 0  # index in words of the piece's first word
    i = 1
    while i < len(words):
        if count(text[words[start][0] : words[i][1]]) <= limit:
            i += 1
            continue
        cut = i  # the piece is words[start:cut]
        for marks in (";:", ","):
            found = [j + 1 for j in range(start, i) if text[words[j][1] - 1] in marks]
            if found and count(text[words[start][0] : words[found[-1] - 1][1]]) * 2 >= limit:
                cut = found[-1]
                break
        pieces.append((words[start][0], words[cut - 1][1]))
        start, i = cut, cut + 1
    pieces.append((words[start][0], words[-1][1]))
    return pieces


def _pack(
    sizes: list[int], budget: int, overlap: int, exact: Callable[[int, int], int] | None = None
) -> list[tuple[int, int]]:
    """Greedy runs of sentences [i, j) that fit ``budget``, each repeating up to ``overlap`` sentences.

    Sizes are per-sentence estimates; near the budget the real count of the
    joined text (``exact(i, j)``) decides, since joining can add a token.
    """

    def fits(i: int, j: int, estimate: int) -> bool:
        if estimate > budget:
            return False
        return exact is None or estimate < budget - SAFETY_TOKENS or exact(i, j) <= budget

    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(sizes):
        j, used = i + 1, sizes[i]
        while j < len(sizes) and fits(i, j + 1, used + sizes[j]):
            used += sizes[j]
            j += 1
        runs.append((i, j))
        if j >= len(sizes):
            break
        i = max(j - overlap, i + 1)
        while i < j and not fits(i, j + 1, sum(sizes[i : j + 1])):  # drop overlap that leaves no room
            i += 1
    return runs


def chunk_document(
    doc: Document, count_tokens: Callable[[str], int], chunk_tokens: int = 256, overlap: int = 1
) -> list[Chunk]:
    """Sentence-bounded chunks of at most ``chunk_tokens`` tokens that never cross a section."""
    overhead = count_tokens("")  # special tokens the model adds once per input
    chunks: list[Chunk] = []
    for section in document_sections(doc):
        spans: list[tuple[int, int]] = []
        sizes: list[int] = []
        for span in sentence_spans(doc.text, section.start, section.end):
            tokens = count_tokens(doc.text[span[0] : span[1]])
            pieces = [span] if tokens <= chunk_tokens else _split_long(doc.text, span, count_tokens, chunk_tokens)
            spans.extend(pieces)
            sizes.extend([tokens] if len(pieces) == 1 else [count_tokens(doc.text[s:e]) for s, e in pieces])
        sizes = [max(n - overhead, 1) for n in sizes]

        def exact(i: int, j: int, spans: list[tuple[int, int]] = spans) -> int:
            return count_tokens(doc.text[spans[i][0] : spans[j - 1][1]]) - overhead

        for i, j in _pack(sizes, chunk_tokens - overhead, overlap, exact):
            chunks.append(_make_chunk(doc, section, spans[i][0], spans[j - 1][1]))
    return chunks


def _content_start(doc: Document, start: int, end: int) -> int:
    """The first offset after the bare heading lines a chunk opens with ("II- KẾT QUẢ\n1. Về …\n- (1) …" is
    about "1. Về …"), so the chunk's heading path names its innermost section."""
    starts = {h.start for h in doc.headings}
    offset = start
    while offset in starts:
        nxt = doc.text.find("\n", offset, end)
        if nxt < 0:
            break
        offset = nxt + 1
    return offset


def _make_chunk(doc: Document, section: Section, start: int, end: int) -> Chunk:
    text = doc.text[start:end]
    digest = content_hash(f"{doc.doc_id}\x00{start}\x00{end}\x00{text}")
    topic = section.topic
    chunk = Chunk(
        chunk_id=f"{doc.doc_id}:{start}-{end}:{digest[:8]}",
        doc_id=doc.doc_id,
        doc_title=doc.title,
        doc_type=doc.doc_type,
        text=text,
        start=start,
        end=end,
        topic=topic.number if topic else None,
        topic_title=topic.title if topic else "",
        section=section.label,
        page=doc.page_at(start),
        classification=doc.classification,
        organisations=list(topic.organisations) if topic else [],
        hash=digest,
        heading_path=doc.heading_path_at(_content_start(doc, start, end)),
    )
    chunk.segmented = segment_words(chunk.search_text)  # the lexical side indexes what the dense side embeds
    return chunk
