"""The one check of text coming from outside: no control characters, no invalid code points.

Lone surrogates ("\\ud800") cannot be encoded as UTF-8 and made the JSON
error handler crash (500); C0 control characters ("\\x1f") are not allowed in
XML and made python-docx crash while writing a .docx. Both are refused at the
edge – the API answers 422, the CLI prints one line – instead of failing deep
inside. Tab, line feed and carriage return stay allowed.
"""

from __future__ import annotations

import re

_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def text_problem(text: str) -> str | None:
    """Why ``text`` is refused (a Vietnamese message naming the character), or None when it is fine."""
    found = _BAD.search(text)
    if found is None:
        return None
    char = found.group()
    kind = "mã thay thế (surrogate) đơn lẻ" if "\ud800" <= char <= "\udfff" else "ký tự điều khiển"
    return f"văn bản chứa {kind} U+{ord(char):04X} ở vị trí {found.start()}; hãy xoá ký tự này"


def check_text(text: str) -> str:
    """Pydantic validator: the text unchanged, or ValueError with the reason."""
    problem = text_problem(text)
    if problem:
        raise ValueError(problem)
    return text
