"""PDF text rebuilt from glyph positions (PDFium): ruled tables as "| a | b |" rows, paragraph gaps as blank lines.

A PDF holds glyphs and ruling lines, not paragraphs or tables. Read in content order, a table comes out one cell
per line ("TT", "NHIỆM VỤ", "KẾT QUẢ", "YÊU CẦU" …), so no row can be read. Offices print tables with borders, so
the ruling lines give the grid back: each glyph goes to the cell its centre falls in and each row becomes one
"| TT | NHIỆM VỤ | … |" line, as in a text file; a row cut by a page break (its side borders run past the last
rule) is joined with its rest at the top of the next page. Outside tables, a vertical gap wider than the line
spacing is a paragraph break (a blank line), and a line that filled the text width and goes on without a gap is
a wrapped line (joined here), so reflow only has to guess where the layout says nothing.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from ingest.loaders import pdfium
from ingest.loaders.base import pipe_row, separator_row

RULE = 3.0
"""A path object thinner than this (points) is a ruling line."""
NEAR = 2.0
"""Positions closer than this (points) are the same rule."""
BUCKET = 24.0
"""Side of the squares rules are sorted into before pairs are compared (a dense grid has thousands of rules)."""
GAP = 1.3
"""Baseline distance above this many times the line spacing is a paragraph gap."""
_SENTENCE_END = re.compile(r"[.?!:;…][\"”’»)\]]*$")
_Rule = tuple[str, float, float, float, float]
"""("h" | "v", left, bottom, right, top)."""


@dataclass
class _Table:
    bands: list[tuple[float, float, list[float]]]
    """(top, bottom, column x positions) from the top of the page down."""
    open_top: bool
    open_bottom: bool
    cells: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    continued: bool = False
    """The rest of a table begun on the previous page (no header separator)."""

    def locate(self, x: float, y: float) -> tuple[int, int] | None:
        """(row, column) of the cell holding point (x, y), or None outside the grid."""
        for b, (top, bottom, xs) in enumerate(self.bands):
            if bottom - 0.5 <= y <= top + 0.5:
                for c in range(len(xs) - 1):
                    if xs[c] - 0.5 <= x <= xs[c + 1] + 0.5:
                        return b, c
                return None
        return None

    def rows(self) -> list[list[str]]:
        """Each row's cell texts, line breaks inside a cell read as spaces."""
        out = []
        for b, (_, _, xs) in enumerate(self.bands):
            cells = [" ".join("".join(self.cells.get((b, c), [])).split()) for c in range(len(xs) - 1)]
            out.append(cells)
        return out


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    baseline: float
    size: float
    first_word: float
    """Width of the first word (points): whether it would have fitted at the end of the line above."""


@dataclass
class _Page:
    items: list[_Line | _Table]


def page_texts(path: Path) -> list[str] | None:
    """Text of each page with tables as pipe rows and blank lines at paragraph gaps; None without PDFium."""
    pages = pdfium.read_pages(path, _read_page)
    if pages is None:
        return None
    _join_split_rows(pages)
    return _render(pages)


def _read_page(page: Any) -> _Page:
    import pypdfium2.raw as pdfium_raw  # read_pages has imported pypdfium2 already

    tables = _tables(page, pdfium_raw)
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count).replace("\ufffe", "-") if count else ""  # PDFium's line-end hyphen
        boxes = [textpage.get_charbox(i) for i in range(count)]
        sizes = [pdfium_raw.FPDFText_GetFontSize(textpage.raw, i) for i in range(count)]
    finally:
        textpage.close()
        page.close()
    if len(text) != count:  # positions no longer line up with characters: plain lines, no geometry
        return _Page(items=[_plain_line(line.strip()) for line in text.splitlines() if line.strip()])
    return _Page(items=_items(text, boxes, sizes, tables))


def _plain_line(text: str) -> _Line:
    """A line without geometry (size 0): never joined or split here, reflow alone decides."""
    return _Line(text, 0.0, 0.0, 0.0, 0.0, 0.0)


def _tables(page: Any, pdfium_raw: Any) -> list[_Table]:
    """Grids drawn with ruling lines: rules that touch are one table; a cell needs rules on both sides."""
    rules: list[_Rule] = []
    for obj in page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_PATH], max_depth=1):
        left, bottom, right, top = obj.get_bounds()
        width, height = right - left, top - bottom
        if height < RULE and width > 3 * RULE:
            rules.append(("h", left, bottom, right, top))
        elif width < RULE and height > 3 * RULE:
            rules.append(("v", left, bottom, right, top))
    tables = []
    for group in _touching(rules):
        table = _grid(group)
        if table is not None:
            tables.append(table)
    return tables


def _touching(rules: list[_Rule]) -> list[list[_Rule]]:
    """Rules that touch (directly or through others) belong to one table."""
    parent = list(range(len(rules)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    buckets: dict[tuple[int, int], list[int]] = {}  # a grid of BUCKET-point squares: only neighbours are compared
    for i, (_, left, bottom, right, top) in enumerate(rules):
        for bx in range(int((left - NEAR) // BUCKET), int((right + NEAR) // BUCKET) + 1):
            for by in range(int((bottom - NEAR) // BUCKET), int((top + NEAR) // BUCKET) + 1):
                buckets.setdefault((bx, by), []).append(i)
    for members in buckets.values():
        for k, i in enumerate(members):
            a = rules[i]
            for j in members[k + 1 :]:
                b = rules[j]
                if a[1] <= b[3] + NEAR and b[1] <= a[3] + NEAR and a[2] <= b[4] + NEAR and b[2] <= a[4] + NEAR:
                    parent[find(i)] = find(j)
    groups: dict[int, list] = {}
    for i, rule in enumerate(rules):
        groups.setdefault(find(i), []).append(rule)
    return list(groups.values())


def _distinct(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > NEAR:
            out.append(v)
    return out


def _grid(rules: list[_Rule]) -> _Table | None:
    horizontals = [r for r in rules if r[0] == "h"]
    verticals = [r for r in rules if r[0] == "v"]
    if not horizontals or len(verticals) < 2:
        return None
    ys = sorted(_distinct([(r[2] + r[4]) / 2 for r in horizontals]), reverse=True)
    v_top, v_bottom = max(r[4] for r in verticals), min(r[2] for r in verticals)
    open_top, open_bottom = v_top > ys[0] + NEAR, v_bottom < ys[-1] - NEAR
    edges = ([v_top] if open_top else []) + ys + ([v_bottom] if open_bottom else [])
    bands = []
    for top, bottom in pairwise(edges):
        if top - bottom <= NEAR:
            continue
        mid = (top + bottom) / 2
        xs = _distinct([(r[1] + r[3]) / 2 for r in verticals if r[2] - NEAR <= mid <= r[4] + NEAR])
        if len(xs) >= 2:
            bands.append((top, bottom, xs))
    if not bands or (len(bands) < 3 and all(len(xs) == 2 for _, _, xs in bands)):
        return None  # a framed paragraph or a page border with a divider, not a table
    return _Table(bands=bands, open_top=open_top, open_bottom=open_bottom)


def _items(text: str, boxes: list, sizes: list[float], tables: list[_Table]) -> list[_Line | _Table]:
    """Lines outside tables (with their geometry) and each table once, where its first glyph comes."""
    items: list[_Line | _Table] = []
    seen: set[int] = set()
    current: list[int] = []
    last_cell: tuple[int, int, int] | None = None

    def flush() -> None:
        line = _line(text, boxes, sizes, current)
        if line is not None:
            items.append(line)
        current.clear()

    for i, ch in enumerate(text):
        if ch in "\r\n":
            if last_cell is not None:
                t, b, c = last_cell
                cell_chars = tables[t].cells.setdefault((b, c), [])
                if not (ch == "\n" or _broken_after_hyphen(cell_chars)):
                    cell_chars.append(" ")
            else:
                flush()
            continue
        cell = None if ch.isspace() else _cell_of(tables, boxes[i])
        if ch.isspace() and last_cell is not None:
            cell = last_cell
        if cell is None:
            last_cell = None
            current.append(i)
            continue
        t, b, c = cell
        if t not in seen:
            flush()
            seen.add(t)
            items.append(tables[t])
        tables[t].cells.setdefault((b, c), []).append(ch)
        last_cell = cell
    flush()
    if items and isinstance(items[-1], _Line) and _clipped_accents(items[-1].text):
        items.pop()
    if items and isinstance(items[0], _Line) and _clipped_accents(items[0].text):
        items.pop(0)
    return items


def _clipped_accents(text: str) -> bool:
    """ "Ồ Ậ Ở" or "Ủ" as a page's last (or first) line: Chromium paints the tall accented capitals of a line cut
    by the page break into the neighbouring page's margin, where they are clipped (invisible) but still in the
    text layer."""
    words = text.split()
    return bool(words) and all(len(w) == 1 and not w.isascii() and w.isupper() for w in words)


def _broken_after_hyphen(chars: list[str]) -> bool:
    """ "57-" at the end of a cell line goes on without a space ("57-NQ/TW"); a dash after a space does not."""
    return len(chars) >= 2 and chars[-1] == "-" and not chars[-2].isspace()


def _cell_of(tables: list[_Table], box: tuple[float, float, float, float]) -> tuple[int, int, int] | None:
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    for t, table in enumerate(tables):
        where = table.locate(x, y)
        if where is not None:
            return t, *where
    return None


def _line(text: str, boxes: list, sizes: list[float], indices: list[int]) -> _Line | None:
    glyphs = [i for i in indices if not text[i].isspace()]
    if not glyphs:
        return None
    line = "".join(text[i] for i in indices).strip()
    first_end = next((i for i in glyphs if i + 1 < len(text) and text[i + 1].isspace()), glyphs[-1])
    return _Line(
        text=line,
        x0=min(boxes[i][0] for i in glyphs),
        x1=max(boxes[i][2] for i in glyphs),
        baseline=statistics.median(boxes[i][1] for i in glyphs),
        size=max(sizes[i] for i in glyphs) or 1.0,
        first_word=boxes[first_end][2] - boxes[glyphs[0]][0],
    )


def _join_split_rows(pages: list[_Page]) -> None:
    """A row the page break cut (open bottom, then open top on the next page) becomes one row again."""
    for page, nxt in pairwise(pages):
        if not page.items or not nxt.items:
            continue
        last, first = page.items[-1], nxt.items[0]
        if not (isinstance(last, _Table) and isinstance(first, _Table)):
            continue
        first.continued = True
        if not (last.open_bottom and first.open_top) or not first.bands:
            continue
        tail, head = last.rows()[-1], first.rows()[0]
        b = len(last.bands) - 1
        if len(tail) == len(head):
            for c, value in enumerate(head):
                last.cells.setdefault((b, c), []).append(" " + value)
        else:
            last.cells.setdefault((b, len(tail) - 1), []).append(" " + " ".join(head))
        first.bands = first.bands[1:]
        first.cells = {(bb - 1, c): v for (bb, c), v in first.cells.items() if bb > 0}


def _render(pages: list[_Page]) -> list[str]:
    geometry = _Geometry.measure(pages)
    out: list[str] = []
    prev: _Line | _Table | None = None
    for page in pages:
        parts: list[str] = []
        for item in page.items:
            if isinstance(item, _Table):
                parts.append("\n" + "\n\n".join(_table_rows(item)) + "\n")
            elif not parts:  # a page's first line: a new paragraph when the last one above did not fill its line
                ended = isinstance(prev, _Table) or (
                    isinstance(prev, _Line) and geometry.spaced and not geometry.full(prev, item)
                )
                parts.append(("\n" if ended else "") + item.text)
            elif isinstance(prev, _Line) and geometry.wraps(prev, item):
                parts[-1] += " " + item.text
            else:
                gap = isinstance(prev, _Table) or (isinstance(prev, _Line) and geometry.gap(prev, item))
                parts.append(("\n" if gap else "") + item.text)
            prev = item
        out.append("\n".join(parts))
    return out


def _table_rows(table: _Table) -> list[str]:
    rows = table.rows()
    rendered = [pipe_row(r) for r in rows if any(r)]
    if rendered and not table.continued:
        rendered.insert(1, separator_row(len(rows[0])))
    return rendered


@dataclass
class _Geometry:
    """What one PDF's layout looks like: text margins, line spacing per font size, gaps between paragraphs."""

    right: float
    left: float
    spacing: dict[float, float]
    spaced: bool = False
    """The PDF leaves a gap between paragraphs: then a full line with no gap after it is always wrapped, even
    when it ends with a full stop; a layout without gaps (typewriter-like) leaves that to reflow."""

    @classmethod
    def measure(cls, pages: list[_Page]) -> _Geometry:
        lines = [item for page in pages for item in page.items if isinstance(item, _Line) and item.size > 0]
        ends = sorted(line.x1 for line in lines)
        right = ends[int(len(ends) * 0.9)] if len(ends) >= 10 else float("inf")  # most prose lines reach it
        starts = [round(line.x0) for line in lines]
        left = float(max(set(starts), key=starts.count)) if starts else 0.0  # every wrapped line starts there
        pairs = [
            (a, b)
            for page in pages
            for a, b in pairwise(page.items[1:-1])  # running headers and page numbers are no paragraphs
            if isinstance(a, _Line) and isinstance(b, _Line) and a.size > 0 and abs(a.size - b.size) <= 0.5
        ]
        pitches: dict[float, list[float]] = {}
        for a, b in pairs:
            pitch = a.baseline - b.baseline
            if 0.8 * b.size < pitch < 4 * b.size:
                pitches.setdefault(round(b.size * 2) / 2, []).append(pitch)
        spacing = {size: sorted(v)[len(v) // 7] for size, v in pitches.items() if len(v) >= 3}
        geometry = cls(right=right, left=left, spacing=spacing)
        geometry.spaced = bool(pairs) and sum(geometry.gap(a, b) for a, b in pairs) >= 0.1 * len(pairs)
        return geometry

    def gap(self, prev: _Line, line: _Line) -> bool:
        """A paragraph gap: clearly more than this size's line spacing, a column or cell higher up, another
        font size (a heading)."""
        if abs(prev.size - line.size) > 0.5:
            return True
        pitch = prev.baseline - line.baseline
        spacing = self.spacing.get(round(line.size * 2) / 2, 1.2 * line.size)
        return pitch > max(GAP * spacing, spacing + 0.4 * line.size) or pitch < -line.size

    def full(self, prev: _Line, line: _Line) -> bool:
        """The first word of ``line`` would not have fitted at the end of ``prev``."""
        return prev.size > 0 and prev.x1 + line.first_word + 0.3 * line.size >= self.right - NEAR

    def wraps(self, prev: _Line, line: _Line) -> bool:
        """``line`` goes on ``prev``'s paragraph: ``prev`` filled the width (its next word did not fit), no gap,
        ``line`` starts at the left margin (centred header lines do not), and ``prev`` does not end a hyphenated
        word (reflow decides those)."""
        if prev.size <= 0 or self.gap(prev, line) or prev.baseline <= line.baseline:
            return False
        if (_SENTENCE_END.search(prev.text) and not self.spaced) or prev.text.endswith(("-", "\u00ad")):
            return False
        at_margin = abs(line.x0 - self.left) <= NEAR and prev.x0 >= self.left - NEAR
        return (at_margin and self.full(prev, line)) or self.centred_wrap(prev, line)

    def centred_wrap(self, prev: _Line, line: _Line) -> bool:
        """A centred title broken over lines: both lines share a centre and ``prev`` left no room for the next
        word across the whole text width (a letterhead cell is narrower, so its lines stay apart)."""
        same_centre = abs((prev.x0 + prev.x1) - (line.x0 + line.x1)) <= 4 * NEAR
        width = self.right - self.left
        return same_centre and prev.x1 - prev.x0 + line.first_word + 0.3 * line.size >= width - 2 * NEAR
