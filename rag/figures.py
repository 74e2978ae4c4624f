"""Figures checked across documents: every quantitative statement with its source span, the same indicator grouped
across documents, disagreements first.

A political report, a draft resolution and a topic guide must quote the same figures ("tăng trưởng GRDP năm 2025
đạt 8,02%" in the report, "8%" in the draft resolution). For each sentence of each document this module finds
the values that carry a unit (%, tỷ đồng, triệu USD, tấn, lượt khách …), and for each value:

* the **indicator** — the sentence's subject up to its verb ("Kim ngạch xuất khẩu"), the clause before the value
  ("ước cả năm đạt") and the qualifier after it ("kế hoạch", "so cùng kỳ");
* the **period** (a year, "giai đoạn 2026 - 2028", "quý I/2025"), the **place** ("tỉnh Cà Mau", "cả nước") and
  whether it is a **target** (mục tiêu, phấn đấu, kế hoạch, dự toán) or a result.

Two figures are the same indicator only when unit kind, period and qualifier agree, places do not contradict and
their indicator words overlap enough (``SAME_INDICATOR``, chosen on the tune split of
eval/figures_pairs.jsonl). Precision matters more than recall: a false "disagreement" sends a speech-writer
chasing nothing, so anything uncertain stays ungrouped.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import Any

from ingest.model import Document
from ingest.normalize import fold
from ingest.sentences import sentence_spans
from ingest.wordlists import FIGURE_FRAME_SYLLABLES, STOPWORDS

logger = logging.getLogger(__name__)

SAME_INDICATOR = 0.5
"""Least share (weighted Jaccard) of indicator words two figures must have in common to be one indicator."""

_NUMBER = r"(?<![\d/.,\-])(\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?)"
_UNITS: tuple[tuple[str, str, float], ...] = (
    # (as written, unit kind, factor to the kind's base unit)
    ("%", "phan_tram", 1.0),
    ("nghìn tỷ đồng", "dong", 1000.0),
    ("ngàn tỷ đồng", "dong", 1000.0),
    ("tỷ đồng", "dong", 1.0),
    ("triệu đồng", "dong", 0.001),
    ("tỷ USD", "usd", 1000.0),
    ("triệu USD", "usd", 1.0),
    ("triệu tấn", "tan", 1_000_000.0),
    ("nghìn tấn", "tan", 1000.0),
    ("tấn", "tan", 1.0),
    ("triệu lượt khách", "luot_khach", 1_000_000.0),
    ("lượt khách", "luot_khach", 1.0),
    ("nghìn ha", "ha", 1000.0),
    ("ha", "ha", 1.0),
    ("km", "km", 1.0),
    ("doanh nghiệp", "doanh_nghiep", 1.0),
    ("hợp tác xã", "hop_tac_xa", 1.0),
    ("trạm", "tram", 1.0),
)
UNIT_NAMES = {
    "phan_tram": "%",
    "dong": "tỷ đồng",
    "usd": "triệu USD",
    "tan": "tấn",
    "luot_khach": "lượt khách",
    "ha": "ha",
    "km": "km",
    "doanh_nghiep": "doanh nghiệp",
    "hop_tac_xa": "hợp tác xã",
    "tram": "trạm",
}
_VALUE = re.compile(
    _NUMBER + r"\s?(" + "|".join(re.escape(u) for u, _, _ in _UNITS) + r")(?![\w])",
)
_FACTORS = {u: (kind, factor) for u, kind, factor in _UNITS}
_CLAUSE_BREAK = re.compile(r"[;:()\n]|[.!?](?:\s|$)|,\s(?=(?:đạt|tăng|giảm|bằng|chiếm|trong đó|vượt|so)\b)")
_VERB = re.compile(
    r"\b(?:ước đạt|ước thực hiện|ước|đạt|tăng|giảm|chiếm|là|bằng|khoảng|có|thu hút|bố trí|phấn đấu|vượt)\b"
)
_YEAR_SPAN = re.compile(r"(?:giai đoạn\s+)?(20\d\d)\s*[-–]\s*(20\d\d)")
_YEAR = re.compile(r"(?:quý\s+[IV]+\s*/\s*|tháng\s+\d{1,2}\s*/\s*|năm\s+|/)(20\d\d)\b|\b(20\d\d)\b", re.IGNORECASE)
_PLACE = re.compile(
    r"\b((?:tỉnh|thành phố|TP\.)\s+[A-ZĐÂ][\wÀ-ỹ]*(?:\s+[A-ZĐÂ][\wÀ-ỹ]*){0,3}|cả nước|toàn quốc)",
)
_TARGET = re.compile(r"\b(?:mục tiêu|phấn đấu|chỉ tiêu|kế hoạch đề ra|dự kiến|dự toán|dự báo|đến năm)\b", re.I)
_QUALIFIERS = (
    ("so cung ky", "so cùng kỳ"),
    ("so voi cung ky", "so cùng kỳ"),
    ("ke hoach", "kế hoạch"),
    ("du toan", "dự toán"),
    ("muc tieu", "mục tiêu"),
)
_STOP = STOPWORDS | FIGURE_FRAME_SYLLABLES


@dataclass
class Figure:
    """One quantitative statement, cited by its span in the document."""

    doc_id: str
    document: str
    value: float
    """In the unit kind's base unit (tỷ đồng, triệu USD, tấn …; a percentage as written)."""
    unit: str
    """Unit kind (see UNIT_NAMES)."""
    value_text: str
    """The value as written ("8,02%", "172.033 tỷ đồng")."""
    indicator: str
    """What it measures, from the sentence ("Tốc độ tăng trưởng kinh tế của tỉnh … ước đạt")."""
    period: str
    place: str
    target: bool
    qualifier: str
    relation: str
    """How the value relates to the indicator: đạt (reaches, is), vượt (exceeds by), tăng, giảm, chiếm (share)."""
    sentence: str
    start: int
    end: int
    """Offsets of the value in ``Document.text``."""
    sentence_start: int
    heading_path: str = ""
    words: dict[str, float] = field(default_factory=dict, repr=False)


@dataclass
class FigureGroup:
    """Figures of one indicator; ``agree`` is False when their values differ."""

    indicator: str
    unit: str
    period: str
    figures: list[Figure]

    @property
    def agree(self) -> bool:
        return len({round(f.value, 6) for f in self.figures}) <= 1

    @property
    def documents(self) -> list[str]:
        return sorted({f.doc_id for f in self.figures})


@dataclass
class FiguresReport:
    groups: list[FigureGroup]
    """Disagreements first, then groups spanning several documents, then the rest."""
    figures: int
    documents: int

    def to_dict(self) -> dict[str, Any]:
        out = []
        for g in self.groups:
            figs = [{k: v for k, v in asdict(f).items() if k != "words"} for f in g.figures]
            out.append(
                {
                    "indicator": g.indicator,
                    "unit": UNIT_NAMES.get(g.unit, g.unit),
                    "period": g.period,
                    "agree": g.agree,
                    "documents": g.documents,
                    "figures": figs,
                }
            )
        return {"figures": self.figures, "documents": self.documents, "groups": out}


# ---- extraction ----------------------------------------------------------------------------
def parse_number(text: str) -> float:
    """Vietnamese notation: "172.033" → 172033, "8,02" → 8.02, "10.367,700" → 10367.7."""
    return float(text.replace(".", "").replace(",", "."))


def _clause_start(sentence: str, at: int) -> int:
    last = 0
    for m in _CLAUSE_BREAK.finditer(sentence, 0, at):
        last = m.end()
    return last


def _subject(sentence: str) -> str:
    """The sentence's subject: its start (after a list mark or a "Label:") up to the first verb, at most 10 words."""
    body = re.sub(r"^[\s\-–+•*]*(?:\(\w{1,4}\)\s*)?", "", sentence)
    if ":" in body[:80]:
        body = body.split(":", 1)[0] if len(body.split(":", 1)[0].split()) >= 2 else body.split(":", 1)[1]
    verb = _VERB.search(body)
    head = body[: verb.start()] if verb else body
    return " ".join(head.split()[:10]).strip(" ,;")


def _period(*texts: str) -> str:
    for text in texts:
        span = _YEAR_SPAN.search(text)
        if span:
            return f"{span.group(1)}-{span.group(2)}"
        year = _YEAR.search(text)
        if year:
            return year.group(1) or year.group(2)
    return ""


def _heading_titles(doc: Document, offset: int) -> list[str]:
    """Full titles of the headings around ``offset``, innermost first ("… của tỉnh Cà Mau năm 2025")."""
    around = [h for h in doc.headings if h.start <= offset < max(h.end, h.start + 1)]
    return [h.title for h in sorted(around, key=lambda h: -h.level)]


def _place(sentence: str, doc: Document) -> str:
    match = _PLACE.search(sentence)
    if match:  # "tỉnh Cà Mau" and the date line's "Cà Mau" are one place
        return re.sub(r"^(?:tỉnh|thành phố|TP\.)\s+", "", match.group(1))
    return doc.meta.place if doc.meta and doc.meta.place else ""


_RELATIONS = (("vuot", "vượt"), ("tang", "tăng"), ("giam", "giảm"), ("chiem", "chiếm"))


def _relation(local: str) -> str:
    """The verb closest before the value: "vượt 11,69%" is not "đạt 102,70%" of the same estimate."""
    words = fold(local).split()[-4:]
    for word in reversed(words):
        for key, label in _RELATIONS:
            if word == key:
                return label
    return "đạt"


def _qualifier(after: str) -> str:
    folded = fold(after)
    for key, label in _QUALIFIERS:
        if key in folded:
            return label
    return ""


def _weights(text: str) -> dict[str, float]:
    """Indicator words (folded, no stop words, no numbers nor their units); word pairs weigh a little more."""
    text = _VALUE.sub(" ", text)  # "11.580 tỷ đồng, vượt": the other value's unit says nothing about the indicator
    words = [w for w in re.findall(r"[^\W\d_]+", fold(text)) if w not in _STOP and len(w) > 1]
    pairs = [f"{a}_{b}" for a, b in pairwise(words)]
    out: dict[str, float] = {}
    for w in words:
        out[w] = 1.0
    for p in pairs:
        out[p] = 1.5  # "tang truong", "xuat khau": a compound says more than its syllables
    return out


def extract_figures(doc: Document) -> list[Figure]:
    """Every value with a unit in ``doc``, with its indicator, period, place and span."""
    text = doc.text
    out: list[Figure] = []
    for s, e in sentence_spans(text):
        sentence = text[s:e]
        if sentence.lstrip().startswith("|"):
            continue  # table rows: their indicator sits in another cell and column headers; not read here
        if not _VALUE.search(sentence):
            continue
        subject = _subject(sentence)
        for m in _VALUE.finditer(sentence):
            unit_kind, factor = _FACTORS[m.group(2)]
            clause_from = _clause_start(sentence, m.start())
            if clause_from and len(_weights(sentence[clause_from : m.start()])) <= 3:
                clause_from = _clause_start(sentence, max(0, clause_from - 2))  # ", đạt tỷ lệ 12%": the clause before
            local = sentence[clause_from : m.start()].strip(" ,")
            tail = sentence[m.end() : m.end() + 60]
            cut = _CLAUSE_BREAK.search(tail)
            after = tail[: cut.start()] if cut else tail
            after = " ".join(after.split()[:5])
            indicator = local if clause_from == 0 or subject in local else f"{subject} … {local}"
            indicator = re.sub(r"^[\s\-–+•*]+", "", indicator).strip(" …")
            titles = _heading_titles(doc, s + m.start())
            period = _period(local, after, sentence, *titles)
            out.append(
                Figure(
                    doc_id=doc.doc_id,
                    document=doc.title,
                    value=parse_number(m.group(1)) * factor,
                    unit=unit_kind,
                    value_text=m.group(0),
                    indicator=indicator or subject,
                    period=period,
                    place=_place(sentence, doc),
                    target=bool(_TARGET.search(" ".join([local, after, *titles[:1]]))),  # innermost heading only
                    qualifier=_qualifier(after + " " + local[-30:]),
                    relation=_relation(local),
                    sentence=sentence,
                    start=s + m.start(),
                    end=s + m.end(),
                    sentence_start=s,
                    heading_path=doc.heading_path_at(s + m.start()),
                    words=_weights(f"{indicator or subject} {after}"),
                )
            )
    return out


# ---- grouping --------------------------------------------------------------------------------
def similarity(a: Figure, b: Figure) -> float:
    """Weighted Jaccard of the two indicators' words."""
    keys = set(a.words) | set(b.words)
    if not keys:
        return 0.0
    inter = sum(min(a.words.get(k, 0.0), b.words.get(k, 0.0)) for k in keys)
    union = sum(max(a.words.get(k, 0.0), b.words.get(k, 0.0)) for k in keys)
    return inter / union if union else 0.0


def same_indicator(a: Figure, b: Figure, threshold: float = SAME_INDICATOR) -> bool:
    """The precision-first rule: unit kind, period and qualifier equal, places not contradicting, words alike."""
    if a.unit != b.unit or not a.period or a.period != b.period or a.qualifier != b.qualifier:
        return False
    if a.relation != b.relation:
        return False
    if a.place and b.place and fold(a.place) != fold(b.place):
        return False
    if a.doc_id == b.doc_id and a.sentence_start == b.sentence_start:
        return False  # two values of one sentence measure two things
    return similarity(a, b) >= threshold


def group_figures(figures: Sequence[Figure], threshold: float = SAME_INDICATOR) -> list[FigureGroup]:
    """Figures joined when :func:`same_indicator` holds (single-link within a unit kind and period)."""
    parent = list(range(len(figures)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    buckets: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for i, f in enumerate(figures):
        if f.period:
            buckets[(f.unit, f.period, f.qualifier)].append(i)
    sentences: dict[int, set[tuple[str, int]]] = {i: {(f.doc_id, f.sentence_start)} for i, f in enumerate(figures)}
    for members in buckets.values():
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                a, b = root(i), root(j)
                if a == b or sentences[a] & sentences[b]:
                    continue  # two values of one sentence never end up as one indicator through a third figure
                if same_indicator(figures[i], figures[j], threshold):
                    parent[a] = b
                    sentences[b] |= sentences.pop(a)
    grouped: dict[int, list[Figure]] = defaultdict(list)
    for i, f in enumerate(figures):
        grouped[root(i)].append(f)
    groups = [
        FigureGroup(members[0].indicator, members[0].unit, members[0].period, members)
        for members in grouped.values()
        if len(members) > 1
    ]
    groups.sort(key=lambda g: (g.agree, -len(g.documents), g.indicator))
    return groups


def check_figures(documents: Sequence[Document], threshold: float = SAME_INDICATOR) -> FiguresReport:
    """All figures of ``documents`` grouped by indicator, disagreements first."""
    figures = [f for doc in documents for f in extract_figures(doc)]
    return FiguresReport(group_figures(figures, threshold), len(figures), len(documents))
