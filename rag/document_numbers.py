"""Document numbers a question names: a whole code ("57-NQ/TW", "01/2011/TT-BNV") or a kind and a number
("Nghị quyết 57", "kế hoạch số 3260"). Retrieval votes for the documents carrying them; the learned second
stage (rag/rerank.py) reads the same references as a feature."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.wordlists import DOCUMENT_KINDS

KIND_CODES: dict[tuple[str, ...], str] = {tuple(k.phrase.split()): k.code for k in DOCUMENT_KINDS if k.code}
"""Folded kind syllables → the letters its numbers carry ("Nghị quyết 57" is 57-NQ/TW, "Kế hoạch 3260" is
3260-KH/ĐĐQH15, a party "Quy định 383" is 383-QĐ/TW); read from ingest/wordlists.py's DOCUMENT_KINDS."""

_CODE_PARTS = re.compile(r"[-/&.]")


@dataclass(frozen=True)
class CodeRef:
    """A document number named in a query: a whole code ("57-nq/tw") or a kind and a number ("nq", "57")."""

    code: str = ""
    kind: str = ""
    number: str = ""

    def matches_token(self, token: str) -> bool:
        """Whether one folded token of a text is this document's number."""
        if self.code:
            return token == self.code
        parts = _CODE_PARTS.split(token)
        return len(parts) > 1 and parts[0] == self.number and self.kind in parts[1:3]

    def found_in(self, tokens: Sequence[str]) -> bool:
        """Whether the folded tokens of a text name this document (as its code, or "<kind> [số] <number>")."""
        if any(self.matches_token(t) for t in tokens):
            return True
        if self.code:
            return False
        for i, token in enumerate(tokens):
            if token != self.number or i < 2:
                continue
            before = tokens[max(0, i - 3) : i]
            if before and before[-1] == "so":
                before = before[:-1]
            if KIND_CODES.get(tuple(before[-2:])) == self.kind:
                return True
        return False


def _is_code(token: str) -> bool:
    """ "57-nq/tw", "01/2011/tt-bnv" – digits and letters joined by - / & . (a date such as 22/12/2024 is not)."""
    return bool(_CODE_PARTS.search(token)) and any(c.isdigit() for c in token) and any(c.isalpha() for c in token)


def query_codes(query: str) -> list[CodeRef]:
    """Document numbers a query names: whole codes, and "<kind> [số] <number>" ("Nghị quyết 57", "kế hoạch số 3260")."""
    from ingest.normalize import fold_tokens

    tokens = fold_tokens(query)
    refs = [CodeRef(code=t) for t in tokens if _is_code(t)]
    for i in range(2, len(tokens)):
        number = tokens[i]
        if not number.isdigit():
            continue
        j = i - 1 if tokens[i - 1] == "so" else i
        kind = KIND_CODES.get(tuple(tokens[j - 2 : j]))
        if kind and not any(r.code.startswith(number) for r in refs):
            refs.append(CodeRef(kind=kind, number=number))
    return list(dict.fromkeys(refs))
