"""Compare two versions of a draft: sections aligned by the heading tree, then words within aligned sections.

A drafting team revises a draft resolution several times (dự thảo lần 1, lần 2 …). What a reviewer needs is
what changed in substance, section by section, with both versions quoted:

1. each side's heading tree (recovered by ingest) becomes sections — the text a heading owns up to the next
   heading — plus the letterhead before the first heading and the Nơi nhận/signature block after the last;
2. sections are paired by the word 3-grams they share and by their titles, so a renamed section (same body,
   new title) or a moved one (same body, other parent or place) stays one section; a new section whose words
   come from an old section already paired elsewhere is that section *split*, an old section whose words went
   into a paired new one is *merged*;
3. within each group of paired sections the word streams are diffed (punctuation, layout and list numbers
   ignored, so a .txt and its .docx/.pdf rendition compare equal); a removed run of words that reappears
   elsewhere is a *move*, not a removal plus an addition;
4. each change is widened to whole sentences and cites both sides (section path and exact text); a changed
   figure, date or body is called out ("tăng trưởng 7,5% → 8%", "trước 31/12/2025 → trước 30/6/2026",
   "Sở Nội vụ chủ trì → Sở Tư pháp chủ trì").

Nothing here reads or writes the index: the two versions are ingested in memory by the caller.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from ingest.model import Document, Heading, level_rank
from ingest.normalize import fold
from ingest.sentences import sentence_spans
from ingest.wordlists import BODY_HEADS

logger = logging.getLogger(__name__)

KIND_LABELS = {
    "sua": "Sửa đổi",
    "them": "Bổ sung",
    "bo": "Lược bỏ",
    "chuyen": "Chuyển vị trí",
    "doi_ten": "Đổi tên mục",
    "tach": "Tách mục",
    "gop": "Gộp mục",
    "them_muc": "Thêm mục mới",
    "bo_muc": "Bỏ mục",
}
"""How the table, the JSON and the .docx name each kind of change."""
NOTE_LABELS = {"so_lieu": "Số liệu", "thoi_han": "Thời hạn", "co_quan": "Cơ quan", "cau_chu": "Câu chữ", "muc": "Mục"}
HEAD_PATH = "(Phần đầu văn bản)"
TAIL_PATH = "(Phần cuối văn bản)"
PAIR_THRESHOLD = 0.45
"""Lowest pairing score (shared 3-grams as a Dice share, + 0.5 for the same title) for two sections to be one."""
PART_SHARE = 0.6
"""Share of a section's 3-grams found in another version's section for it to count as split off or merged in."""
MOVE_RATIO = 0.9
MOVE_MIN_WORDS = 5
"""A removed run and an added run this alike, and at least this long, are one move."""

_WORD = re.compile(r"[^\W_]+(?:[.,/%\-&][^\W_]+)*%?")
_DATE = re.compile(
    r"^(?:\d{1,2}/\d{1,2}/\d{4}|\d{1,2}/\d{4}|\d{1,2}-\d{1,2}-\d{4}|(?:quý|tháng|năm)\s+[\dIVX]+(?:/\d{4})?)$",
    re.IGNORECASE,
)
_DATE_WORDS = re.compile(r"\b(?:\d{1,2}/\d{1,2}/\d{4}|\d{1,2}/\d{4}|(?:quý|Quý)\s+[IVX]+/\d{4}|năm\s+\d{4})\b")
_DATE_PARTS = frozenset({"ngay", "thang", "nam", "quy"})
"""Folded words after which a changed number is part of a date ("ngày 15 tháng 3 năm 2025" → "… năm 2026")."""
_BODY_STARTS = frozenset(head.split()[0] for head in BODY_HEADS)
"""First words of a body's name ("so" of "Sở Tư pháp", "uy" of "Ủy ban …"): a changed name is quoted from them."""


@dataclass
class Side:
    """One version's side of a change: where it sits and its exact text (offsets into that document's text)."""

    path: str
    text: str
    start: int
    end: int
    document: str = ""


@dataclass
class Note:
    """A call-out of a changed figure, date, body or wording inside a changed sentence."""

    kind: str
    """so_lieu | thoi_han | co_quan | cau_chu | muc (where a section went)"""
    text: str

    @property
    def label(self) -> str:
        return f"{NOTE_LABELS.get(self.kind, self.kind)}: {self.text}"


@dataclass
class Change:
    kind: str
    """sua | them | bo | chuyen | doi_ten | tach | gop | them_muc | bo_muc (see KIND_LABELS)."""
    old: Side | None
    new: Side | None
    notes: list[Note] = field(default_factory=list)
    order: tuple[int, int] = (0, 0)

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def section(self) -> str:
        """Where a reader finds it: the new version's section, or the old one's for what was removed."""
        return (self.new or self.old).path if (self.new or self.old) else ""  # type: ignore[union-attr]

    def remark(self) -> str:
        """The Ghi chú of the comparison table: the kind, then each call-out."""
        return "; ".join([self.label, *(n.label for n in self.notes)])


@dataclass
class Comparison:
    old_name: str
    new_name: str
    old_title: str
    new_title: str
    classification: str
    """The higher of the two versions' levels: the comparison quotes both."""
    changes: list[Change] = field(default_factory=list)
    sections_old: int = 0
    sections_new: int = 0
    paired: int = 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.changes:
            out[c.kind] = out.get(c.kind, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for raw, change in zip(data["changes"], self.changes, strict=True):
            raw["label"] = change.label
            raw["section"] = change.section
            raw["remark"] = change.remark()
            raw.pop("order", None)
            for note_raw, note in zip(raw["notes"], change.notes, strict=True):
                note_raw["label"] = note.label
        data["counts"] = self.counts()
        return data


# ---- sections ---------------------------------------------------------------------------------
@dataclass
class _Word:
    norm: str
    start: int
    end: int


@dataclass
class _Section:
    doc: int
    path: str
    title: str
    heading: Heading | None
    start: int
    end: int
    words: list[_Word]
    parent: int | None
    order: int
    title_span: tuple[int, int] | None = None
    grams: set[tuple[str, ...]] = field(default_factory=set)


@dataclass
class _Version:
    docs: list[Document]
    sections: list[_Section]

    def text(self, section: _Section) -> str:
        return self.docs[section.doc].text

    def title(self) -> str:
        return self.docs[0].title if self.docs else ""


def _words(text: str, start: int, end: int) -> list[_Word]:
    return [_Word(m.group(0).lower(), m.start(), m.end()) for m in _WORD.finditer(text, start, end)]


def _grams(words: Sequence[_Word]) -> set[tuple[str, ...]]:
    norms = [w.norm for w in words]
    if len(norms) < 3:
        return {tuple(norms)} if norms else set()
    return {tuple(norms[i : i + 3]) for i in range(len(norms) - 2)}


def _heading_line(text: str, heading: Heading) -> tuple[int, int, bool]:
    """(line start, line end, is a title): a long numbered paragraph is body text under its label."""
    nl = text.find("\n", heading.start)
    line_end = len(text) if nl < 0 else nl
    line = text[_label_end(text, heading) : line_end].strip()
    is_title = len(line) <= 220 and re.search(r"[.;?!]\s+\S", line) is None
    return heading.start, line_end, is_title


def _label_end(text: str, heading: Heading) -> int:
    """End of the heading's label ("2.1.", "a)", "Điều 3.") so that renumbering is never a change."""
    if not heading.label:
        return heading.start
    idx = text.find(heading.label.rstrip(".)-–/"), heading.start)
    if idx < 0 or idx > heading.start + 10:
        return heading.start
    end = idx + len(heading.label.rstrip(".)-–/"))
    while end < len(text) and text[end] in ".)-–/: ":
        end += 1
    return end


def _sections(doc: Document, doc_no: int, prefix: str) -> list[_Section]:
    """The document's own text per heading, plus the letterhead before and the closing after the headings."""
    text = doc.text
    heads = sorted(doc.headings, key=lambda h: h.start)
    first = heads[0].start if heads else len(text)
    last = max((h.end for h in heads), default=len(text))
    out: list[_Section] = [
        _Section(doc_no, prefix + HEAD_PATH, HEAD_PATH, None, 0, first, _words(text, 0, first), None, 0)
    ]
    stack: list[tuple[int, int]] = []  # (level, index in out)
    for i, h in enumerate(heads):
        _, line_end, is_title = _heading_line(text, h)
        own_end = heads[i + 1].start if i + 1 < len(heads) else max(last, h.start)
        body_from = _label_end(text, h)  # the title's words are diffed too: a PDF may wrap a long title
        while stack and stack[-1][0] >= h.level:
            stack.pop()
        section = _Section(
            doc_no,
            prefix + h.path,
            h.title if is_title else "",
            h,
            h.start,
            own_end,
            _words(text, min(body_from, own_end), own_end),
            stack[-1][1] if stack else None,
            len(out),
            (_label_end(text, h), line_end) if is_title else None,
        )
        stack.append((h.level, len(out)))
        out.append(section)
    out.append(
        _Section(
            doc_no, prefix + TAIL_PATH, TAIL_PATH, None, last, len(text), _words(text, last, len(text)), None, len(out)
        )
    )
    return out


def _version(docs: Sequence[Document]) -> _Version:
    sections: list[_Section] = []
    for n, doc in enumerate(docs):
        prefix = f"Văn bản {n + 1} › " if n else ""  # a second document in one file (an attached plan)
        part = _sections(doc, n, prefix)
        base = len(sections)
        for s in part:
            s.order += base
            s.parent = None if s.parent is None else s.parent + base
            s.grams = _grams(s.words)
        sections.extend(part)
    return _Version(list(docs), sections)


# ---- pairing sections ----------------------------------------------------------------------------
def _shared(old: _Version, new: _Version) -> dict[tuple[int, int], int]:
    """3-grams each (old section, new section) pair has in common, counted through an inverted index."""
    where: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for j, s in enumerate(new.sections):
        for g in s.grams:
            where[g].append(j)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for i, s in enumerate(old.sections):
        for g in s.grams:
            for j in where.get(g, ()):
                shared[(i, j)] += 1
    return shared


def _ancestors(sections: list[_Section], i: int) -> list[int]:
    out = [i]
    while sections[out[-1]].parent is not None:
        out.append(sections[out[-1]].parent)  # type: ignore[arg-type]
    return out


def _subtree_sizes(sections: list[_Section]) -> list[int]:
    sizes = [len(s.grams) for s in sections]
    totals = [0] * len(sections)
    for i in range(len(sections)):
        for a in _ancestors(sections, i):
            totals[a] += sizes[i]
    return totals


def _title_key(title: str) -> str:
    return fold(title).strip(" .:")


def _title_keys(version: _Version) -> list[str]:
    """Each section's folded title ("" for the letterhead and closing), computed once."""
    return [_title_key(s.title) if s.heading is not None and s.title else "" for s in version.sections]


def _pair(old: _Version, new: _Version, shared: dict[tuple[int, int], int]) -> dict[int, int]:
    """One-to-one pairs old → new, best score first (see PAIR_THRESHOLD)."""
    scores: dict[tuple[int, int], float] = {}
    subtree: dict[tuple[int, int], int] = defaultdict(int)
    for (i, j), count in shared.items():
        for a in _ancestors(old.sections, i):
            for b in _ancestors(new.sections, j):
                subtree[(a, b)] += count
    old_sub, new_sub = _subtree_sizes(old.sections), _subtree_sizes(new.sections)
    old_keys, new_keys = _title_keys(old), _title_keys(new)
    titles: dict[str, list[int]] = defaultdict(list)
    for j, s in enumerate(new.sections):
        if s.heading is not None and s.title:
            titles[new_keys[j]].append(j)
    candidates = set(subtree)
    for i, s in enumerate(old.sections):
        if s.heading is not None and s.title:
            candidates.update((i, j) for j in titles.get(old_keys[i], ()))
    for i, j in candidates:
        so, sn = old.sections[i], new.sections[j]
        if (so.heading is None) != (sn.heading is None) or (so.doc != sn.doc and so.heading is None):
            continue
        own = len(so.grams) + len(sn.grams)
        if min(len(so.grams), len(sn.grams)) >= 8:
            dice = 2 * shared.get((i, j), 0) / own
        else:
            total = old_sub[i] + new_sub[j]
            dice = 2 * subtree.get((i, j), 0) / total if total else 0.0
        same_title = bool(old_keys[i]) and old_keys[i] == new_keys[j]
        scores[(i, j)] = dice + (0.5 if same_title else 0.0)
    for i, so in enumerate(old.sections):  # the letterhead and closing of the n-th document always pair
        if so.heading is None:
            for j, sn in enumerate(new.sections):
                if sn.heading is None and sn.doc == so.doc and sn.title == so.title:
                    scores[(i, j)] = 10.0
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for (i, j), score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
        if score < PAIR_THRESHOLD or i in pairs or j in taken:
            continue
        pairs[i] = j
        taken.add(j)
    return pairs


def _parts(
    old: _Version, new: _Version, pairs: dict[int, int], shared: dict[tuple[int, int], int]
) -> tuple[dict[int, int], dict[int, int]]:
    """(new section → old it was split from, old section → new it was merged into), among unpaired sections."""
    paired_new = set(pairs.values())
    split = _absorbed(new.sections, paired_new, list(pairs), lambda j, i: shared.get((i, j), 0))
    merged = _absorbed(old.sections, set(pairs), list(paired_new), lambda i, j: shared.get((i, j), 0))
    return split, merged


def _absorbed(
    sections: list[_Section], paired: set[int], others: list[int], common: Callable[[int, int], int]
) -> dict[int, int]:
    """Unpaired sections whose 3-grams lie mostly (PART_SHARE) in one paired section of the other version."""
    out: dict[int, int] = {}
    for k, s in enumerate(sections):
        if k in paired or len(s.grams) < 5:
            continue
        best = max(((common(k, o), o) for o in others), default=(0, -1))
        if best[0] >= PART_SHARE * len(s.grams):
            out[k] = best[1]
    return out


# ---- words → changes -----------------------------------------------------------------------------
@dataclass
class _Run:
    """Words of one side of a group, with where each word came from."""

    words: list[_Word] = field(default_factory=list)
    section: list[int] = field(default_factory=list)


@dataclass
class _Edit:
    group: int
    a: tuple[int, int]
    b: tuple[int, int]
    ops: list[tuple[str, int, int, int, int]]


def _run(version: _Version, members: list[int]) -> _Run:
    run = _Run()
    for k in sorted(members, key=lambda m: version.sections[m].order):
        run.words.extend(version.sections[k].words)
        run.section.extend([k] * len(version.sections[k].words))
    return run


def _edits(group: int, old_run: _Run, new_run: _Run) -> list[_Edit]:
    a, b = [w.norm for w in old_run.words], [w.norm for w in new_run.words]
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    edits: list[_Edit] = []
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(_Edit(group, (a1, a2), (b1, b2), [(tag, a1, a2, b1, b2)]))
    return edits


class _Builder:
    """Turns word edits into sentence-wide, cited changes."""

    def __init__(self, old: _Version, new: _Version) -> None:
        self.old, self.new = old, new
        self._spans: dict[tuple[int, int], list[tuple[int, int]]] = {}

    def sentences(self, version: _Version, k: int) -> list[tuple[int, int]]:
        key = (id(version), k)
        if key not in self._spans:
            s = version.sections[k]
            self._spans[key] = sentence_spans(version.text(s), s.start, s.end)
        return self._spans[key]

    def cover(self, version: _Version, run: _Run, lo: int, hi: int) -> Side | None:
        """The whole sentences holding words lo..hi of ``run`` (an empty range inside a sentence: that sentence)."""
        if hi <= lo:
            if lo <= 0 or lo >= len(run.words) or run.section[lo - 1] != run.section[lo]:
                return None
            k = run.section[lo]
            left, right = run.words[lo - 1], run.words[lo]
            spans = [sp for sp in self.sentences(version, k) if sp[0] <= left.start and right.end <= sp[1]]
            if not spans:
                return None
            return self.side(version, k, spans[0][0], spans[0][1])
        k = run.section[lo]
        first, last = run.words[lo], run.words[min(hi, len(run.words)) - 1]
        if run.section[hi - 1] != k:  # a run across two sections is cited in the first; the next holds the rest
            last = max((run.words[x] for x in range(lo, hi) if run.section[x] == k), key=lambda w: w.end)
        start, end = first.start, last.end
        for sp in self.sentences(version, k):
            if sp[0] <= first.start < sp[1]:
                start = sp[0]
            if sp[0] < last.end <= sp[1]:
                end = sp[1]
        return self.side(version, k, start, end)

    def side(self, version: _Version, k: int, start: int, end: int) -> Side:
        s = version.sections[k]
        doc = version.docs[s.doc]
        return Side(s.path, doc.text[start:end], start, end, doc.title)

    def anchor(self, version: _Version, members: list[int]) -> Side:
        """Where the other version has nothing: the section it would be in, no text."""
        k = min(members, key=lambda m: version.sections[m].order)
        s = version.sections[k]
        return Side(s.path, "", s.start, s.start, version.docs[s.doc].title)


def _phrase(words: list[_Word], text: str, lo: int, hi: int) -> str:
    return text[words[lo].start : words[hi - 1].end] if hi > lo else ""


def _note(op: tuple[str, int, int, int, int], old_run: _Run, new_run: _Run, old_text: str, new_text: str) -> Note:
    """A call-out of one word-level edit, with the words around it that name what changed."""
    _, a1, a2, b1, b2 = op
    ow, nw = old_run.words, new_run.words
    before, after = _phrase(ow, old_text, a1, a2), _phrase(nw, new_text, b1, b2)
    both = f"{before} {after}"
    in_date = a1 > 0 and fold(ow[a1 - 1].norm) in _DATE_PARTS and all(p.isdigit() for p in (before, after) if p)
    if in_date or _DATE_WORDS.search(both) or any(_DATE.match(p) for p in (before, after) if p):
        prev = _context(ow, old_text, a1, 1)
        return Note("thoi_han", f"{prev}{before or '…'} → {prev}{after or '…'}".strip())
    if any(ch.isdigit() for ch in both):
        prev = _clause(ow, old_text, a1)
        return Note("so_lieu", f"{prev}{before or '…'} → {after or '…'}".strip())
    initial = a1 < len(ow) and _starts_sentence(old_text, ow[a1].start)
    if _is_name(before, initial) or _is_name(after, initial):
        lead = a1
        while lead > 0 and (fold(ow[lead - 1].norm) in _BODY_STARTS or old_text[ow[lead - 1].start].isupper()):
            if _breaks(old_text, ow[lead - 1], ow[lead]):
                break
            lead -= 1
        head = _phrase(ow, old_text, lead, a1)
        head = f"{head} " if head else ""
        tail = _phrase(ow, old_text, a2, min(a2 + 2, len(ow)))
        tail = f" {tail}" if tail else ""
        return Note("co_quan", f"{head}{before}{tail} → {head}{after}{tail}")
    if not before:
        return Note("cau_chu", f"thêm “{after}”")
    if not after:
        return Note("cau_chu", f"bỏ “{before}”")
    return Note("cau_chu", f"“{before}” → “{after}”")


def _context(words: list[_Word], text: str, at: int, n: int) -> str:
    lo = max(0, at - n)
    phrase = _phrase(words, text, lo, at)
    return f"{phrase} " if phrase else ""


def _breaks(text: str, left: _Word, right: _Word) -> bool:
    """A clause or line ends between two neighbouring words."""
    return re.search(r"[,;:()\n]|[.!?]\s|\s[-–+•]\s", text[left.end : right.start]) is not None


def _clause(words: list[_Word], text: str, at: int) -> str:
    """What a changed figure measures: its clause up to the figure ("Tăng trưởng kinh tế đạt "), a long one
    shortened to its first four and last two words ("Tốc độ tăng trưởng … ước đạt ")."""
    lo = at
    while lo > 0 and not _breaks(text, words[lo - 1], words[lo]):
        lo -= 1
    kept = [text[w.start : w.end] for w in words[lo:at]]
    if len(kept) > 8:
        kept = [*kept[:4], "…", *kept[-2:]]
    return " ".join(kept) + " " if kept else ""


def _is_name(phrase: str, initial: bool) -> bool:
    """A proper name: most words capitalised ("Tư pháp", "Sở Nội vụ"); a sentence's first word does not count."""
    words = phrase.split()[1:] if initial else phrase.split()
    return bool(words) and sum(w[:1].isupper() for w in words) >= max(1, (len(words) + 1) // 2)


def _starts_sentence(text: str, at: int) -> bool:
    """Nothing but a list mark or a label between ``at`` and the start of its line or sentence."""
    lead = text[max(0, at - 12) : at]
    return re.search(r"(?:^|\n|[.!?:]\s)[\s\-–+•]*(?:[\dIVXa-zđ]{1,4}[.)]\s*)*$", lead) is not None


def compare_documents(
    old_docs: Sequence[Document], new_docs: Sequence[Document], old_name: str = "", new_name: str = ""
) -> Comparison:
    """What changed from ``old_docs`` (one file's documents) to ``new_docs``; see the module docstring."""
    old, new = _version(old_docs), _version(new_docs)
    shared = _shared(old, new)
    pairs = _pair(old, new, shared)
    split, merged = _parts(old, new, pairs, shared)
    levels = [d.classification for d in [*old_docs, *new_docs]] or ["public"]
    result = Comparison(
        old_name=old_name,
        new_name=new_name,
        old_title=old.title(),
        new_title=new.title(),
        classification=max(levels, key=level_rank),
        sections_old=len(old.sections),
        sections_new=len(new.sections),
        paired=len(pairs),
    )
    builder = _Builder(old, new)
    groups: list[tuple[list[int], list[int]]] = []
    group_of_old: dict[int, int] = {}
    for i, j in sorted(pairs.items(), key=lambda kv: new.sections[kv[1]].order):
        group_of_old[i] = len(groups)
        groups.append(([i], [j]))
    for j, i in split.items():
        groups[group_of_old[i]][1].append(j)
    new_to_group = {j: g for g, (_, news) in enumerate(groups) for j in news}
    for i, j in merged.items():
        groups[new_to_group[j]][0].append(i)
    changes: list[Change] = []
    changes += _section_changes(old, new, pairs, split, merged)
    changes += _text_changes(builder, groups)
    for i, s in enumerate(old.sections):
        if i not in pairs and i not in merged and s.words:
            side = builder.side(old, i, s.start, s.end)
            changes.append(Change("bo_muc", side, None, order=(s.order, -1)))
    for j, s in enumerate(new.sections):
        if j not in new_to_group and s.words:
            side = builder.side(new, j, s.start, s.end)
            changes.append(Change("them_muc", None, side, order=(s.order, 0)))
    result.changes = sorted(changes, key=lambda c: c.order)
    return result


def _section_changes(
    old: _Version, new: _Version, pairs: dict[int, int], split: dict[int, int], merged: dict[int, int]
) -> list[Change]:
    """Renamed, moved, split and merged sections (their text is diffed with the rest)."""
    out: list[Change] = []
    moved = _moved_sections(old, new, pairs)
    for i in moved:
        j = pairs[i]
        note = Note("muc", f"từ “{old.sections[i].path}” sang “{new.sections[j].path}”")
        out.append(
            Change("chuyen", _title_side(old, i), _title_side(new, j), [note], order=(new.sections[j].order, -1))
        )
    by_old: dict[int, list[int]] = defaultdict(list)
    for j, i in split.items():
        by_old[i].append(j)
    for i, parts in by_old.items():
        names = "; ".join(new.sections[j].path for j in sorted([pairs[i], *parts]))
        out.append(
            Change(
                "tach",
                _title_side(old, i),
                _title_side(new, min(parts)),
                [Note("muc", f"tách thành: {names}")],
                order=(new.sections[min(parts)].order, -1),
            )
        )
    by_new: dict[int, list[int]] = defaultdict(list)
    for i, j in merged.items():
        by_new[j].append(i)
    inverse = {j: i for i, j in pairs.items()}
    for j, parts in by_new.items():
        names = "; ".join(old.sections[i].path for i in sorted([inverse[j], *parts]))
        out.append(
            Change(
                "gop",
                _title_side(old, min(parts)),
                _title_side(new, j),
                [Note("muc", f"gộp từ: {names}")],
                order=(new.sections[j].order, -1),
            )
        )
    return out


def _title_side(version: _Version, k: int) -> Side:
    s = version.sections[k]
    doc = version.docs[s.doc]
    hi = s.title_span[1] if s.title_span else s.start
    if s.heading is not None and not s.title_span:
        nl = doc.text.find("\n", s.start)
        hi = len(doc.text) if nl < 0 else nl
    return Side(s.path, doc.text[s.start : hi].strip(), s.start, hi, doc.title)


def _moved_sections(old: _Version, new: _Version, pairs: dict[int, int]) -> list[int]:
    """Paired sections out of order (not in the longest run kept in order) or under another parent."""
    items = sorted(pairs.items(), key=lambda kv: old.sections[kv[0]].order)
    seq = [new.sections[j].order for _, j in items]
    keep = _longest_increasing(seq)
    moved = []
    for n, (i, j) in enumerate(items):
        so, sn = old.sections[i], new.sections[j]
        if so.heading is None:
            continue
        parent_ok = (so.parent is None and sn.parent is None) or (
            so.parent is not None and pairs.get(so.parent) == sn.parent
        )
        if n not in keep or not parent_ok:
            moved.append(i)
    return moved


def _longest_increasing(seq: list[int]) -> set[int]:
    """Indices of one longest strictly increasing subsequence (patience sorting)."""
    import bisect

    tails: list[int] = []
    tail_idx: list[int] = []
    prev = [-1] * len(seq)
    for n, x in enumerate(seq):
        pos = bisect.bisect_left(tails, x)
        if pos == len(tails):
            tails.append(x)
            tail_idx.append(n)
        else:
            tails[pos] = x
            tail_idx[pos] = n
        prev[n] = tail_idx[pos - 1] if pos else -1
    out: set[int] = set()
    k = tail_idx[-1] if tail_idx else -1
    while k >= 0:
        out.add(k)
        k = prev[k]
    return out


def _text_changes(builder: _Builder, groups: list[tuple[list[int], list[int]]]) -> list[Change]:
    old, new = builder.old, builder.new
    runs = [(_run(old, olds), _run(new, news)) for olds, news in groups]
    edits = [e for g, (ro, rn) in enumerate(runs) for e in _edits(g, ro, rn)]
    moves = _moves(edits, runs)
    out: list[Change] = []
    for (ed, ea), (ad, ab) in moves:
        ro, _ = runs[ed.group]
        _, rn = runs[ad.group]
        old_side = builder.cover(old, ro, *ea)
        new_side = builder.cover(new, rn, *ab)
        if old_side and new_side and old.sections[ro.section[ea[0]]].heading is not None:
            note = Note("muc", f"từ “{old_side.path}” sang “{new_side.path}”")
            order = (new.sections[rn.section[ab[0]]].order, new_side.start)
            out.append(Change("chuyen", old_side, new_side, [note], order=order))
    for g, (ro, rn) in enumerate(runs):
        mine = [e for e in edits if e.group == g and (e.a[1] > e.a[0] or e.b[1] > e.b[0])]
        out.extend(_sentence_changes(builder, groups[g], ro, rn, mine))
    return out


def _alike(a_words: list[str], b_words: list[str], same_group: bool) -> bool:
    """A removed run and an added run that are one move: equal within a section, nearly equal and long elsewhere."""
    if same_group and a_words == b_words:  # a line put elsewhere in the same section
        return True
    shortest, longest = min(len(a_words), len(b_words)), max(len(a_words), len(b_words))
    if shortest < MOVE_MIN_WORDS or longest - shortest > 0.2 * longest:
        return False
    return SequenceMatcher(None, a_words, b_words, autojunk=False).ratio() >= MOVE_RATIO


_Moved = tuple[_Edit, tuple[int, int]]  # an edit and the span it had before the move took its words


def _moves(edits: list[_Edit], runs: list[tuple[_Run, _Run]]) -> list[tuple[_Moved, _Moved]]:
    """Removed runs that reappear as added runs elsewhere; both edits lose those words."""
    removed = [e for e in edits if e.a[1] > e.a[0]]
    added = [e for e in edits if e.b[1] > e.b[0]]
    found: list[tuple[_Moved, _Moved]] = []
    used: set[int] = set()
    for d in removed:
        a_words = [w.norm for w in runs[d.group][0].words[d.a[0] : d.a[1]]]
        for ad in added:
            if id(ad) in used or ad is d:
                continue
            b_words = [w.norm for w in runs[ad.group][1].words[ad.b[0] : ad.b[1]]]
            if not _alike(a_words, b_words, ad.group == d.group):
                continue
            found.append(((d, d.a), (ad, ad.b)))
            used.add(id(ad))
            d.a, ad.b = (d.a[0], d.a[0]), (ad.b[0], ad.b[0])
            d.ops, ad.ops = [], []  # what is left of a replaced run is reported as added or removed
            break
    return found


def _sentence_changes(
    builder: _Builder, group: tuple[list[int], list[int]], ro: _Run, rn: _Run, edits: list[_Edit]
) -> list[Change]:
    """Edits widened to whole sentences; edits that share a sentence become one change."""
    old, new = builder.old, builder.new
    merged: list[tuple[Side | None, Side | None, list[_Edit]]] = []
    for e in edits:
        os_, ns_ = builder.cover(old, ro, *e.a), builder.cover(new, rn, *e.b)
        if merged and (_overlaps(merged[-1][0], os_) or _overlaps(merged[-1][1], ns_)):
            po, pn, pe = merged[-1]
            merged[-1] = (_union(po, os_, old), _union(pn, ns_, new), [*pe, e])
        else:
            merged.append((os_, ns_, [e]))
    out: list[Change] = []
    for os_, ns_, es in merged:
        if os_ is None and ns_ is None:
            continue
        kind = "sua" if os_ and ns_ else ("them" if ns_ else "bo")
        renamed = _renamed(builder, ro, rn, es)
        if renamed is not None:
            out.append(renamed)
            continue
        if all(_only_titles(builder, ro, rn, e) for e in es):
            continue  # the title of a section split off or merged in: reported by its "tach"/"gop" change
        if kind == "them":
            os_ = builder.anchor(old, group[0])
        elif kind == "bo":
            ns_ = builder.anchor(new, group[1])
        notes: list[Note] = []
        if kind == "sua":
            old_text = builder.old.docs[builder.old.sections[group[0][0]].doc].text
            new_text = builder.new.docs[builder.new.sections[group[1][0]].doc].text
            for e in es:
                for op in e.ops:
                    note = _note(op, ro, rn, old_text, new_text)
                    if note.text not in {n.text for n in notes}:
                        notes.append(note)
        anchor = ns_ if ns_ is not None else os_
        order_section = rn.section[min(es[0].b[0], len(rn.section) - 1)] if rn.section else group[1][0]
        out.append(
            Change(kind, os_, ns_, notes, order=(new.sections[order_section].order, anchor.start if anchor else 0))
        )
    return out


def _title_of(version: _Version, run: _Run, lo: int, hi: int) -> int | None:
    """The section whose title line holds words lo..hi of ``run`` (or the insertion point lo), if any."""
    for x in range(max(0, lo - (hi <= lo)), min(max(hi, lo + 1), len(run.words))):
        s = version.sections[run.section[x]]
        if s.title_span and s.title_span[0] <= run.words[x].start < s.title_span[1]:
            return run.section[x]
    return None


def _only_titles(builder: _Builder, ro: _Run, rn: _Run, e: _Edit) -> bool:
    """Every word the edit adds or removes lies on a heading's title line."""
    words = [(builder.old, ro, x) for x in range(*e.a)] + [(builder.new, rn, x) for x in range(*e.b)]
    return bool(words) and all(_title_of(v, r, x, x + 1) is not None for v, r, x in words)


def _renamed(builder: _Builder, ro: _Run, rn: _Run, edits: list[_Edit]) -> Change | None:
    """Edits inside a heading's title line are a renamed section, cited by both title lines."""
    for e in edits:
        i, j = _title_of(builder.old, ro, *e.a), _title_of(builder.new, rn, *e.b)
        if i is not None and j is not None:
            old_side, new_side = _title_side(builder.old, i), _title_side(builder.new, j)
            note = Note("cau_chu", f"“{builder.old.sections[i].title}” → “{builder.new.sections[j].title}”")
            return Change("doi_ten", old_side, new_side, [note], order=(builder.new.sections[j].order, -2))
    return None


def _overlaps(a: Side | None, b: Side | None) -> bool:
    return a is not None and b is not None and a.path == b.path and a.start < b.end and b.start < a.end


def _union(a: Side | None, b: Side | None, version: _Version) -> Side | None:
    if a is None or b is None:
        return a or b
    if a.path != b.path:
        return a
    start, end = min(a.start, b.start), max(a.end, b.end)
    doc = next(d for d in version.docs if d.title == a.document)
    return Side(a.path, doc.text[start:end], start, end, a.document)


def compare_files(old_path: Path, new_path: Path, max_bytes: int | None = None) -> Comparison:
    """Ingest both files in memory (never indexed) and compare them. Raises IngestFileError for a bad file."""
    from ingest.pipeline import load_documents

    kwargs: dict[str, Any] = {} if max_bytes is None else {"max_bytes": max_bytes}
    old_docs = load_documents(Path(old_path), **kwargs)
    new_docs = load_documents(Path(new_path), **kwargs)
    return compare_documents(old_docs, new_docs, Path(old_path).name, Path(new_path).name)
