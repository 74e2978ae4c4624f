"""Table rows in a document's text: the one reader of the "| a | b |" lines every loader writes.

Text files carry Markdown tables; the .docx, .html and .pdf loaders write their tables the same way (one row per
line, a "| --- |" line under the header). Text copied from web pages often writes rows without the outer pipes
("TT | Nhiệm vụ | Cơ quan chủ trì", "1 | Tổng sản phẩm … | 172.033"): a line with " | " inside is a row too.
Assignments read the "cơ quan chủ trì" column from these rows and the answers read the cell a question asks for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ROW = re.compile(r"^[ \t]*(?:\|.*\||[^\n]*\S \| \S[^\n]*)[ \t]*$", re.MULTILINE)


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


def table_rows(text: str) -> list[TableRow]:
    """Every body row of every table in ``text``: a run of consecutive row lines whose first row is the header."""
    rows: list[TableRow] = []
    header: list[str] = []
    last_end = -2
    for match in _ROW.finditer(text):
        cells = table_cells(match.group(0))
        starts_table = match.start() > last_end + 1
        last_end = match.end()
        if cells is None:
            continue
        if starts_table:
            header = cells
            continue
        if cells:
            rows.append(TableRow(cells, header, match.start(), match.end()))
    return rows
