"""Lines of normalized text with exact offsets: the unit every structure parser works on."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass
class Paragraph:
    """One line of the reflowed text with its offsets."""

    text: str
    start: int
    end: int


def paragraphs(text: str) -> list[Paragraph]:
    """Non-blank lines with exact offsets (leading/trailing spaces excluded)."""
    out = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group(0)
        lead = len(line) - len(line.lstrip())
        body = line.strip()
        if body:
            start = match.start() + lead
            out.append(Paragraph(body, start, start + len(body)))
    return out
