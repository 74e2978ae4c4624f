"""Recover the parts of a party document from its normalized text.

Topic guides, draft resolutions and reports share a recognisable shape: a
header (issuing body, "Số: …", date, sometimes a secrecy stamp "MẬT"), a
title, an introduction, then numbered parts ("1.", "I.", "Chuyên đề 2",
"Phần II"), and inside each part labelled fields ("- Thực trạng: …",
"- Vấn đề thảo luận: …", "- Các TCCS Đảng chuẩn bị thảo luận: …"). Knowing
these lets retrieval answer "which organisations discuss topic 3?" exactly
and lets every chunk say which topic and field it quotes.

The parser works on paragraphs (one per line after :mod:`ingest.reflow`)
and reports character offsets into the very text it was given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ingest.model import Topic, level_rank
from ingest.normalize import fold
from ingest.paragraphs import Paragraph, paragraphs

INTRO_SECTION = "Mở đầu"

KNOWN_LABELS = (
    "Các TCCS Đảng chuẩn bị thảo luận",
    "Vấn đề thảo luận",
    "Thực trạng",
    "Nhiệm vụ",
    "Giải pháp",
    "Mục tiêu",
    "Kết quả",
    "Hạn chế",
    "Nguyên nhân",
    "Kiến nghị",
    "Đề xuất",
    "Đơn vị chuẩn bị",
    "Đơn vị thực hiện",
    "Gợi ý thảo luận",
)
ORGANISATION_LABEL_KEYS = ("chuan bi thao luan", "don vi chuan bi", "don vi thuc hien", "to chuc thuc hien")
"""Folded label fragments whose field lists the assigned organisations."""

ORG_HEADS = ("Đảng bộ", "Chi bộ", "Đảng ủy", "Ban", "Sở", "Ủy ban", "UBND", "Văn phòng", "Cơ quan", "Chi đoàn")

_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_HEADINGS = (
    ("named", re.compile(r"^(?i:chuyên đề|phần)\s+(\d{1,2}|[IVXLC]{1,6})\b\s*[.:\-–]?\s*(.*)$")),
    ("article", re.compile(r"^(?:Điều|ĐIỀU)\s+(\d{1,3})\b\s*[.:]?\s*(.*)$")),
    ("roman", re.compile(r"^([IVXLC]{1,6})[.)]\s+(.+)$")),
    ("arabic", re.compile(r"^(\d{1,2})[.)]\s+(.+)$")),
)
_BULLET = re.compile(r"^[-–—•*+▪●○◦]\s*")
_LABEL = re.compile(r"^([^:\d]{2,80}?)\s*:\s*")
_CLASSIFICATIONS = (("tuyệt mật", "tuyet_mat"), ("tối mật", "toi_mat"), ("mật", "mat"))
_DOC_TYPES = (
    ("nghi quyet", "resolution"),
    ("bao cao", "report"),
    ("bo luat", "law"),
    ("luat", "law"),
    ("phap lenh", "law"),
    ("hien phap", "law"),
)


@dataclass
class Structure:
    """What :func:`parse_structure` found; offsets refer to the parsed text."""

    title: str | None
    doc_type: str
    classification: str
    topics: list[Topic] = field(default_factory=list)
    intro_span: tuple[int, int] | None = None
    """The introduction (text before the first topic, after nothing), if any."""


def roman_to_int(numeral: str) -> int:
    """'XIV' → 14 (only used on validated numerals)."""
    total = 0
    for i, ch in enumerate(numeral):
        value = _ROMAN[ch]
        total += -value if i + 1 < len(numeral) and _ROMAN[numeral[i + 1]] > value else value
    return total


def _heading(par: Paragraph, style: str) -> tuple[int, str] | None:
    pattern = dict(_HEADINGS)[style]
    match = pattern.match(par.text)
    if not match:
        return None
    raw, title = match.group(1), match.group(2)
    number = int(raw) if raw.isdigit() else roman_to_int(raw.upper())
    title = title.strip().rstrip(":").strip()
    return number, title or par.text  # "Điều 1" alone: the heading is its own title


def _find_headings(pars: list[Paragraph]) -> list[tuple[Paragraph, int, str]]:
    """Topic headings of the first style that numbers at least two parts 1, 2, … in order.

    Styles are tried from the most to the least specific ("Chuyên đề"/"Phần", "Điều", "I.", "1."); the
    numbering must start at 1 and rise by one, so stray "3." lines inside a part are not topics.
    """
    for style, _ in _HEADINGS:
        found: list[tuple[Paragraph, int, str]] = []
        gap = 3 if style == "article" else 1  # laws as published sometimes skip a repealed article
        for par in pars:
            head = _heading(par, style)
            last = found[-1][1] if found else 0
            if head and (head[0] == 1 if not found else last < head[0] <= last + gap):
                found.append((par, *head))
        if len(found) >= 2:
            return found
    return []


def _label_of(par: Paragraph) -> tuple[str, int] | None:
    """(label, offset where its value starts) for a "- Label: value" paragraph, else None."""
    bullet = _BULLET.match(par.text)
    body = par.text[bullet.end() :] if bullet else par.text
    match = _LABEL.match(body)
    if not match:
        return None
    label = match.group(1).strip()
    known = next((k for k in KNOWN_LABELS if fold(k) == fold(label)), None)
    if known is None and not (bullet and len(label.split()) <= 6 and label[:1].isupper()):
        return None
    value_start = par.start + (bullet.end() if bullet else 0) + match.end()
    return known or label, value_start


def split_organisations(value: str) -> list[str]:
    """'Đảng bộ Sở A, Đảng bộ B 1,2,3; Chi bộ C.' → ['Đảng bộ Sở A', 'Đảng bộ B 1,2,3', 'Chi bộ C'].

    Separators are "," or ";" followed by a space; pieces that do not start
    with a capital (a wrapped "và …") are glued back to the previous one, so
    "Ban quản lý dự án 1,2,3" stays whole.
    """
    pieces = [p.strip() for p in re.split(r"\s*[,;]\s+", value.strip().rstrip(".;,").strip())]
    orgs: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        if orgs and not piece[:1].isupper():
            orgs[-1] = f"{orgs[-1]}, {piece}"
        else:
            orgs.append(piece)
    return orgs


def organisations_of(value: str) -> list[str]:
    """Organisations named in a field value: its first line, or, when the label stands alone on its
    line, the bulleted lines that follow ("- Đảng bộ Sở A;" / "- Chi bộ B."). Later lines (a table,
    a note) are not part of the list."""
    lines = [ln.strip() for ln in value.split("\n")]
    if lines and not _BULLET.match(lines[0]):
        return split_organisations(lines[0])
    items = [_BULLET.sub("", ln) for ln in lines if _BULLET.match(ln)]
    return [org for item in items for org in split_organisations(item)]


def _fill_fields(topic: Topic, text: str, pars: list[Paragraph]) -> None:
    """Find labelled fields inside one topic; each runs until the next field or the topic end."""
    inside = [p for p in pars if topic.start < p.start < topic.end]
    labelled = [(p, *lab) for p in inside if (lab := _label_of(p))]
    for i, (_, label, value_start) in enumerate(labelled):
        end = labelled[i + 1][0].start if i + 1 < len(labelled) else topic.end
        raw_value = text[value_start:end]
        value_start += len(raw_value) - len(raw_value.lstrip())
        value = raw_value.strip()
        name = label if label not in topic.fields else f"{label} ({sum(k.startswith(label) for k in topic.fields) + 1})"
        topic.fields[name] = value
        topic.field_spans[name] = (value_start, value_start + len(value))
        if not topic.organisations and any(key in fold(label) for key in ORGANISATION_LABEL_KEYS):
            topic.organisations = organisations_of(value)


def detect_classification(pars: list[Paragraph]) -> str:
    """Secrecy level stamped in the header ("MẬT", "TỐI MẬT", "Độ mật: Tuyệt mật"); "public" otherwise."""
    for par in pars[:15]:
        line = re.sub(r"^độ mật\s*:\s*", "", par.text.lower()).strip(" .*-–")
        for word, level in _CLASSIFICATIONS:
            if line == word:
                return level
    return "public"


_SKIP_TITLE = ("cong hoa xa hoi", "doc lap", "dang cong san", "so:", "so ", "kinh gui", "noi nhan")
_ISSUERS = ("dang bo", "dang uy", "chi bo", "tinh uy", "huyen uy", "thanh uy", "ban chap hanh", "ubnd", "uy ban", "so ",
            "quoc hoi", "chinh phu", "bo ", "van phong")  # fmt: skip
_TITLE_WORDS = ("nghi quyet", "bao cao", "goi y", "ke hoach", "chuong trinh", "de an", "to trinh", "du thao",
                "huong dan", "chi thi", "ket luan", "quyet dinh", "thong bao", "de cuong", "tai lieu",
                "bo luat", "luat", "phap lenh", "hien phap", "nghi dinh", "thong tu")  # fmt: skip


def _starts_with_word(key: str, words: tuple[str, ...]) -> bool:
    return any(key == w or key.startswith(w + " ") for w in words)


def _is_upper_line(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) > 0.8 * len(letters) and len(text.split()) >= 2


def _strictest(*levels: str) -> str:
    return max(levels, key=level_rank)


def detect_title(pars: list[Paragraph]) -> str | None:
    """The document title from the header: a line naming the document kind ("NGHỊ QUYẾT", "BÁO CÁO",
    "GỢI Ý …"), else the first upper-case line that is not the motto, the issuing body, number or date.
    A following "Về …" line or upper-case line is its subtitle."""
    candidates = [
        i
        for i, p in enumerate(pars)
        if not any(fold(p.text).startswith(s) for s in _SKIP_TITLE)
        and ", ngay" not in fold(p.text)
        and not re.search(r"\bso\s*:", fold(p.text))
    ]
    named = [i for i in candidates if _starts_with_word(fold(pars[i].text), _TITLE_WORDS)]
    upper = [
        i
        for i in candidates
        if _is_upper_line(pars[i].text)
        and not any(fold(pars[i].text).startswith(w) for w in _ISSUERS)
        and fold(pars[i].text) not in {"mat", "toi mat", "tuyet mat"}
    ]
    chosen = next(iter(named or upper), None)
    if chosen is None:
        return None
    title = pars[chosen].text
    nxt = pars[chosen + 1].text if chosen + 1 < len(pars) else ""
    if fold(nxt).startswith("ve ") or (_is_upper_line(nxt) and not fold(nxt).startswith(_ISSUERS)):
        title = f"{title} {nxt}"
    return title


def detect_doc_type(title: str | None, text: str, topics: list[Topic]) -> str:
    """topic_guide | resolution | report | other, from the title first and then from content signals."""
    head = fold(title or "")
    for key, kind in _DOC_TYPES:
        if _starts_with_word(head, (key, "du thao " + key)):
            return kind
    if "goi y" in head or "chuyen de" in head or "thao luan" in head:
        return "topic_guide"
    labels = " ".join(fold(k) for t in topics for k in t.fields)
    intro = fold(text[:3000])
    if "thao luan" in labels or ("goi y" in intro and "thao luan" in intro):
        return "topic_guide"
    return "other"


def parse_structure(text: str, header_lines: Sequence[str] = ()) -> Structure:
    """Title, type, classification, topics (with fields and organisations) and the introduction span.

    ``header_lines`` are lines that are not part of ``text`` but were printed on the
    page – Word page headers, PDF running headers removed by reflow. Only the
    classification looks at them: a "MẬT" stamp there still marks the document.
    """
    pars = paragraphs(text)
    headings = _find_headings(pars)
    topics: list[Topic] = []
    for i, (par, number, heading) in enumerate(headings):
        end = headings[i + 1][0].start if i + 1 < len(headings) else len(text)
        end = len(text[:end].rstrip())
        topics.append(Topic(number=number, title=heading, start=par.start, end=end))
    for topic in topics:
        _fill_fields(topic, text, pars)
    first = topics[0].start if topics else len(text)
    header = [p for p in pars if p.end <= first][:15] or pars[:15]
    title = detect_title(header)
    intro_start = next((p.start for p in pars if p.start < first and p.text != title), None)
    intro = (intro_start, len(text[:first].rstrip())) if intro_start is not None else None
    return Structure(
        title=title,
        doc_type=detect_doc_type(title, text, topics),
        classification=_strictest(
            detect_classification(header), detect_classification(paragraphs("\n".join(header_lines)))
        ),
        topics=topics,
        intro_span=intro if intro and intro[1] > intro[0] else None,
    )
