"""Table rows in a document's text: the one reader of the "| a | b |" lines every loader writes.

Text files carry Markdown tables; the .docx, .html and .pdf loaders write their tables the same way (one row per
line, a "| --- |" line under the header). Text copied from web pages often writes rows without the outer pipes
("TT | Nhiệm vụ | Cơ quan chủ trì", "1 | Tổng sản phẩm … | 172.033"): a line with " | " inside is a row too.
Assignments read the "cơ quan chủ trì" column from these rows and the answers read the cell a question asks for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.normalize import fold

_ROW = re.compile(r"^[ \t]*(?:\|.*\||[^\n]*\S \| \S[^\n]*|\| \S[^\n]*)[ \t]*$", re.MULTILINE)
"""A row line; "| Trong đó:" (one cell, no closing pipe) is a line of the table too, so the rows after it keep
the table's header."""


def table_cells(line: str) -> list[str] | None:
    """Cells of a table row ("| a | b |" from text files, "a | b" from .docx/.html tables and web copies), [] for
    the "|---|" line under a header, None for a line that is not a row."""
    if "|" not in line or (line.count("|") < 2 and " | " not in line):
        return None
    row = line.strip()
    if row.startswith("|") and row.endswith("|") and len(row) > 1:
        row = row[1:-1]  # "| a | b |": the outer pipes are borders; "| a | b" keeps its empty first cell
    cells = [c.strip() for c in row.split("|")]
    if all(re.fullmatch(r":?-*:?", c) for c in cells):
        return []
    return cells


@dataclass
class TableRow:
    """One body row of a table, with its table's header row and its span in the document text."""

    cells: list[str]
    header: list[str]
    start: int
    end: int
    caption: str = ""
    """The lines just above the table ("Mẫu biểu số 01", "DỰ BÁO MỘT SỐ CHỈ TIÊU …", "Đơn vị: Triệu đồng."): what
    every row of it is about."""
    parent: str = ""
    """For a row without a number under a numbered one ("| Tốc độ tăng trưởng | % | …" under "6 | Kim ngạch xuất
    khẩu hàng hóa | …"), the numbered row's subject: what the row is a part or a measure of."""


def table_rows(text: str) -> list[TableRow]:
    """Every body row of every table in ``text``: a run of consecutive row lines whose first row is the header
    (with a second header row and a column-number row merged into it, :func:`merged_header`)."""
    rows: list[TableRow] = []
    table: list[tuple[list[str], int, int]] = []
    last_end = -2
    for match in _ROW.finditer(text):
        cells = table_cells(match.group(0))
        if match.start() > last_end + 1 and table:
            rows.extend(_body_rows(table, _caption(text, table[0][1])))
            table = []
        last_end = match.end()
        if cells is not None:
            table.append((cells, match.start(), match.end()))
    if table:
        rows.extend(_body_rows(table, _caption(text, table[0][1])))
    return rows


CAPTION_LINES = 4
"""Most non-empty lines above a table read as its caption."""


def _caption(text: str, start: int) -> str:
    lines = [line.strip() for line in text[max(0, start - 600) : start].splitlines() if line.strip()]
    return "\n".join(lines[-CAPTION_LINES:])


def _body_rows(table: list[tuple[list[str], int, int]], caption: str) -> list[TableRow]:
    header = table[0][0]
    body = [(cells, start, end) for cells, start, end in table[1:] if cells]
    header, skip = merged_header(header, [cells for cells, _, _ in body])
    rows = [TableRow(cells, header, start, end, caption) for cells, start, end in body[skip:]]
    if len(header) > 2 and is_number_header(header[0]):
        parent = ""
        for row in rows:
            if row.cells[0]:
                parent = row.cells[1] if len(row.cells) > 1 else ""
            elif len(row.cells) > 1 and row.cells[1]:
                row.parent = parent
    return rows


_NUMBER_HEADERS = frozenset({"stt", "tt", "so tt", "so thu tu"})


def is_number_header(cell: str) -> bool:
    """``cell`` heads a numbering column ("STT", "TT.", "Số thứ tự"): a row left unnumbered under it belongs to the
    numbered row above, and the column after it names what each row is about."""
    return fold(cell).strip().rstrip(".").strip() in _NUMBER_HEADERS


_NUMBER = re.compile(r"[-+]?\d[\d.,]*(?:\s*[-–]\s*\d[\d.,]*)?\s*%?")
_COLUMN_NUMBER = re.compile(r"[A-Z]|\d{1,2}(?:\s*=\s*[\d/+*().-]+)?")


def merged_header(header: list[str], body: list[list[str]]) -> tuple[list[str], int]:
    """The header of a table whose header takes two rows, and how many body rows it took.

    Budget and statistics forms (a province's "Mẫu biểu") head a group of figure columns with one cell
    ("Năm hiện hành 2025") and name the columns under it in a second row ("Kế hoạch | Ước thực hiện"), then number
    the columns ("1 | 2 | 3 …", "A | B | 1 …"). Written as text, the second row holds only the cells under a group,
    so the data rows have more cells than the first row. The groups are the first header cells over figure columns,
    as many as the second row has cells beyond what the data rows add; each takes an even share of the second row
    (the last one the rest). The merged name is "group – column"; the column-number row is dropped."""
    width = _data_width(body)
    taken = 0
    merged = header
    if width > len(header) and body and _is_subheader(body[0], width):
        sub = body[0]
        extra = width - len(header)
        groups = len(sub) - extra
        first = _first_figure_column(body[1:], width)
        if groups >= 1 and first is not None and first + groups <= len(header) and len(sub) >= 2 * groups:
            share = len(sub) // groups
            names = []
            for g in range(groups):
                under = sub[g * share : (g + 1) * share] if g < groups - 1 else sub[g * share :]
                names += [f"{header[first + g]} – {cell}" for cell in under]
            merged = header[:first] + names + header[first + groups :]
            taken = 1
    if len(body) > taken and _is_column_numbers(body[taken], len(merged)):
        taken += 1
    return merged, taken


def _data_width(body: list[list[str]]) -> int:
    """The number of cells most body rows have."""
    counts: dict[int, int] = {}
    for cells in body:
        counts[len(cells)] = counts.get(len(cells), 0) + 1
    return max(counts, key=lambda n: (counts[n], n)) if counts else 0


def _is_subheader(cells: list[str], width: int) -> bool:
    """A second header row: fewer cells than a data row, every one a name (no figure, no empty first cell)."""
    return 2 <= len(cells) < width and all(c and not _NUMBER.fullmatch(c) for c in cells)


def _first_figure_column(body: list[list[str]], width: int) -> int | None:
    """The first column whose filled cells (in rows of the data width) are mostly figures; a column of row
    numbers ("1", "21", "I", "a") is not one."""
    full = [cells for cells in body if len(cells) == width]
    for i in range(width):
        filled = [cells[i] for cells in full if cells[i]]
        if all(len(c) <= 3 for c in filled):
            continue
        if sum(bool(_NUMBER.fullmatch(c)) for c in filled) * 2 > len(filled):
            return i
    return None


def _is_column_numbers(cells: list[str], width: int) -> bool:
    """ "1 | 2 | 3 …", "A | B | 1 | 2 …", "… | 4=3/2 | …": the row that numbers the columns, as wide as the header."""
    if len(cells) != width or not all(_COLUMN_NUMBER.fullmatch(c) for c in cells):
        return False
    numbers = [int(c) for c in cells if c.isdigit()]
    return len(numbers) * 2 >= len(cells) and numbers == sorted(numbers)
