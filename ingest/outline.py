"""The heading tree of a document: Phần/Chương/Mục/Điều, A./B., I./I-, 1./1.1./1.1.1., a), Phụ lục.

Levels are not fixed per style: like a reader, the parser nests a style under the one before it the first time it
appears and returns to a style's level when it appears again ("I-" → "1." → "a)" → "1." closes the "a)").
Attached parts (Phụ lục, "Chương trình hành động … kèm theo", a second document's title) always restart at the top,
so "Điều 3" never swallows the programme attached after it; the Nơi nhận/signature block closes every open section.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ingest.model import Heading
from ingest.normalize import fold
from ingest.paragraphs import Paragraph

TITLE_CHARS = 60
"""Heading titles longer than this are shortened in paths ("2. Lãnh đạo, chỉ đạo rà soát, hoàn thiện …")."""
MAX_HEADING_CHARS = 220
"""Longer numbered lines are numbered paragraphs (khoản, điểm): labelled in the tree, titled by their first words."""

PHU_LUC = re.compile(r"^(?:Phụ lục|PHỤ LỤC)(?:\s+(?:số\s+)?([\dIVXLC]+))?\b\s*[.:\-–]?\s*(.*)$")
STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("phu_luc", PHU_LUC),
    ("phan", re.compile(r"^(?:Phần|PHẦN)\s+(thứ\s+\w+|THỨ\s+\w+|[\dIVXLC]+)\b\s*[.:\-–]?\s*(.*)$")),
    ("chuong", re.compile(r"^(?:Chương|CHƯƠNG)\s+([\dIVXLC]+)\b\s*[.:\-–]?\s*(.*)$")),
    ("muc", re.compile(r"^(?:Mục|MỤC)\s+(\d+)\b\s*[.:\-–]?\s*(.*)$")),
    ("dieu", re.compile(r"^(?:Điều|ĐIỀU)\s+(\d+[a-z]?)\b\s*[.:]?\s*(.*)$")),
    ("chuyen_de", re.compile(r"^(?:Chuyên đề|CHUYÊN ĐỀ)\s+(\d+|[IVXLC]+)\b\s*[.:\-–]?\s*(.*)$")),
    ("alpha", re.compile(r"^([A-ZĐ])\.\s+(\S.*)$")),
    ("roman", re.compile(r"^([IVXLC]{1,6})\s*([.\-–/)])\s*(\S.*)$")),
    ("decimal3", re.compile(r"^(\d{1,2}\.\d{1,2}\.\d{1,2})\.?\s+(\S.*)$")),
    ("decimal2", re.compile(r"^(\d{1,2}\.\d{1,2})\.?\s+(\S.*)$")),
    ("arabic", re.compile(r"^(\d{1,2})(?:[.)]|-(?=\s))\s+(\S.*)$")),  # "1.", "1)", and older laws' "1- "
    ("letter", re.compile(r"^(?:[-–+]\s*)?([a-zđ])\)\s*(\S.*)$")),
)
ATTACHED_TITLE = re.compile(r"^(?:CHƯƠNG TRÌNH|KẾ HOẠCH|QUY CHẾ|QUY ĐỊNH|ĐỀ ÁN|DANH MỤC)\b")
ATTACHED_NOTE = re.compile(r"^\(?(?:Ban hành )?[Kk]èm theo\b")
"""An attached part: an upper-case title ("CHƯƠNG TRÌNH HÀNH ĐỘNG") with a "(Kèm theo …)" line right after it."""
FORM_LABEL = re.compile(r"^(?:Mẫu biểu|Biểu mẫu|Mẫu|Biểu|MẪU BIỂU|BIỂU MẪU|MẪU|BIỂU)(?:\s+(?:số|SỐ))?\s+\d+[\w./-]*$")
"""A form attached after the signature ("Mẫu biểu số 01", "Biểu số 2", "Mẫu số 01/KH"): a line by itself."""
NAMED = {"phu_luc", "phan", "chuong", "muc", "dieu", "chuyen_de"}


def _match(par: Paragraph) -> tuple[str, str, str] | None:
    """(style, label, title) when the paragraph starts with a heading label."""
    text = par.text
    if text.startswith("|") or " | " in text:
        return None  # a table row
    for style, pattern in STYLES:
        match = pattern.match(text)
        if not match:
            continue
        if style == "alpha" and match.group(1) in "IVX":
            continue  # "I. MỤC ĐÍCH" is a Roman numeral, not the letter I
        if style == "roman":
            numeral, sep, title = match.groups()
            if numeral == "V" and sep == "/" and title[:1] in "vV":
                continue  # "V/v …" (về việc), the subject line of a công văn
            if numeral in {"C", "L"} or (sep == ")" and len(numeral) > 3):
                continue
            return style, f"{numeral}{sep}", title
        number, title = match.group(1) or "", match.group(2).lstrip(".:–- ")  # "Điều 2.. Luật này …"
        label = _label(style, number, text)
        return style, label, title
    return None


def _label(style: str, number: str, text: str) -> str:
    if style in {"phu_luc", "phan", "chuong", "muc", "dieu", "chuyen_de"}:
        word = text.split()[0] if style not in {"phu_luc", "chuyen_de"} else " ".join(text.split()[:2])
        return f"{word} {number}".strip()
    if style == "alpha":
        return f"{number}."
    if style == "letter":
        return f"{number})"
    if style == "arabic":
        return f"{number}{text.lstrip()[len(number)]}"
    return f"{number}."


def short_title(title: str) -> str:
    """A heading title fit for a path: the first sentence or clause, at most ``TITLE_CHARS`` characters."""
    title = title.strip().rstrip(":").strip()
    if len(title) <= TITLE_CHARS:
        return title
    cut = title[:TITLE_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


def find_headings(
    text: str,
    pars: Sequence[Paragraph],
    body_start: int,
    closings: Sequence[int],
    restarts: Sequence[int] = (),
    styled: Mapping[str, int] | None = None,
) -> list[Heading]:
    """Headings of ``text`` between ``body_start`` and the end; ``closings`` are offsets where every open section
    ends (Nơi nhận, signature), ``restarts`` offsets of attached parts that begin a new top level, ``styled`` the
    lines a .docx author put in Word's "Heading N" styles (headings even without a number: "Mục đích")."""
    styled = styled or {}
    after_signature = min(closings, default=len(text))
    found: list[tuple[Paragraph, str, str, str]] = []
    titled = -1  # the index of a form's title line, taken into the form's heading
    for i, par in enumerate(pars):
        if par.start < body_start or i == titled:
            continue
        signed = par.start > after_signature
        if signed and FORM_LABEL.match(par.text):
            title = pars[i + 1].text if i + 1 < len(pars) and _upper(pars[i + 1].text) else ""
            titled = i + 1 if title else -1
            found.append((par, "attached", par.text, title or par.text))
            continue
        if par.start in restarts or _is_attached(pars, i, signed):
            found.append((par, "attached", _attached_label(par.text), par.text))
            continue
        hit = _match(par)
        if hit is None and par.text in styled and len(par.text) <= MAX_HEADING_CHARS:
            hit = (f"styled{styled[par.text]}", "", par.text)
        if hit is None:
            continue
        style, label, title = hit
        if style in NAMED and not title and i + 1 < len(pars) and _upper(pars[i + 1].text):
            title = pars[i + 1].text  # "Chương 1:" with "NHỮNG QUY ĐỊNH CHUNG" on the next line
        found.append((par, style, label, title or (label if style in NAMED else "")))
    found = [f for f in found if not _is_inline_list(f)]
    return _nest(text, found, closings)


def _upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and sum(c.isupper() for c in letters) >= 0.85 * len(letters)


def _is_attached(pars: Sequence[Paragraph], i: int, signed: bool = False) -> bool:
    """An upper-case part title followed within three lines by "(Kèm theo …)"; before the signature only the titles
    of ``ATTACHED_TITLE`` (a programme attached to a resolution), after it any title ("DỰ BÁO …", "BIỂU TỔNG HỢP …")."""
    text = pars[i].text
    if "|" in text or not ((signed or ATTACHED_TITLE.match(text)) and _upper(text)):
        return False  # a table row in capitals is no title
    if signed and not ATTACHED_TITLE.match(text) and (_match(pars[i]) or (i and _upper(pars[i - 1].text))):
        return False  # a labelled heading ("PHỤ LỤC 1: …"), or the second line of a title ("TRIỂN KHAI …")
    for par in pars[i + 1 : i + 4]:
        if ATTACHED_NOTE.match(par.text):
            return True
        if FORM_LABEL.match(par.text) or PHU_LUC.match(par.text):
            return False  # the note belongs to the next form or Phụ lục (a letterhead repeated above it is no title)
    return False


def _attached_label(text: str) -> str:
    return " ".join(text.split()[:4]) if len(text) > 40 else text


def _is_inline_list(item: tuple[Paragraph, str, str, str]) -> bool:
    """ "1.500 tỷ đồng" is not a heading: a decimal label must be followed by a letter."""
    _, _, _, title = item
    return not title or not (title[:1].isalpha() or title[:1] in '“"(')


def _nest(text: str, found: list[tuple[Paragraph, str, str, str]], closings: Sequence[int]) -> list[Heading]:
    """Assign levels from the order styles appear in, and ends from the next heading of the same or a higher level."""
    headings: list[Heading] = []
    stack: list[tuple[str, Heading]] = []
    for par, style, label, title in found:
        top = style in {"phu_luc", "attached"}
        if top:
            stack = []
        else:
            styles = [s for s, _ in stack]
            if style in styles:
                stack = stack[: styles.index(style)]
            elif style == "roman" and "alpha" not in styles:
                stack = [(s, h) for s, h in stack if s in {"phu_luc", "attached", "phan", "chuong"}]
        level = len(stack) + 1
        long_par = len(par.text) > MAX_HEADING_CHARS or re.search(r"[.;?!]\s+\S", title or "") is not None
        shown = short_title(title) if title else ""
        path_part = f"{label} {shown if shown != label else ''}".strip()  # "Điều 9." alone: "Điều 9", not twice
        if style == "attached":  # a part's title line; a form's label then its title ("Mẫu biểu số 01 DỰ BÁO …")
            path_part = short_title(title) if title.startswith(label) else f"{label} {short_title(title)}"
        path = " › ".join([h.path.split(" › ")[-1] for _, h in stack] + [path_part])
        heading = Heading(
            label=label, title=title if not long_par else shown, level=level, start=par.start, end=len(text), path=path
        )
        headings.append(heading)
        stack.append((style, heading))
    for i, heading in enumerate(headings):
        nxt = next((h.start for h in headings[i + 1 :] if h.level <= heading.level), len(text))
        closing = next((c for c in sorted(closings) if c > heading.start), len(text))
        heading.end = len(text[: min(nxt, closing)].rstrip())
    return headings


def is_body_heading(heading: Heading) -> bool:
    """Not an attached part: its level-1 label is I./A./Chương/Điều …, not Phụ lục or a form (Mẫu biểu số 01)."""
    return not fold(heading.label).startswith(("phu luc", "chuong trinh", "mau ", "bieu "))
