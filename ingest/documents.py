"""One file, one or several documents, each with its metadata, heading tree and assignments.

Offices send a covering công văn with the draft it asks comments on in the same file: "Công văn 402-CV/VPĐU …
Trần Văn Sơn" then "DỰ THẢO BÁO CÁO …" with its own letterhead, number and signature. Treated as one document,
the draft's parts look like parts of the letter and the letter's signer signs the report. A new document starts
after a signature when a letterhead follows (an issuing body with a "Số …" line, or "ĐẢNG CỘNG SẢN VIỆT NAM"/the
Quốc hiệu) — an appendix ("Phụ lục 1", "Mẫu biểu số 01", "(Kèm theo …)") stays with the document it is attached to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ingest.assignments import extract_assignments
from ingest.header import is_person_name, kind_of, parse_closing, parse_header
from ingest.model import Document, Topic
from ingest.normalize import fold
from ingest.outline import find_headings
from ingest.paragraphs import Paragraph, paragraphs

LOOKAHEAD = 8
"""Paragraphs after a signature searched for the next letterhead."""
_LETTERHEAD = ("dang cong san viet nam", "cong hoa xa hoi chu nghia viet nam")
_SIGN_NOISE = re.compile(r"^\((?:Đã ký|Dấu|Ký)[^)]*\)$", re.IGNORECASE)


def document_starts(text: str) -> list[int]:
    """Offsets where the documents of one file begin (always starts with 0)."""
    pars = paragraphs(text)
    starts = [0]
    for i, par in enumerate(pars):
        if not is_person_name(par.text) or not _after_signature_lines(pars, i):
            continue
        nxt = _next_content(pars, i + 1)
        if nxt is None or pars[nxt].start <= starts[-1]:
            continue
        if _opens_document(pars, nxt):
            starts.append(pars[nxt].start)
    return starts


def _after_signature_lines(pars: list[Paragraph], i: int) -> bool:
    """A name closes a document when a position line or a "Nơi nhận" list comes just before it."""
    before = [p.text for p in pars[max(0, i - 4) : i]]
    return any(re.match(r"^(?:T/M|TM\.|KT\.|TL\.|\(Đã ký\))", b) or (b.isupper() and len(b) < 60) for b in before)


def _next_content(pars: list[Paragraph], i: int) -> int | None:
    while i < len(pars) and _SIGN_NOISE.match(pars[i].text):
        i += 1
    return i if i < len(pars) else None


def _opens_document(pars: list[Paragraph], i: int) -> bool:
    first = fold(pars[i].text)
    if first.startswith(("phu luc", "(kem theo", "kem theo", "mau bieu", "bieu mau", "mau so", "bieu so")):
        return False
    window = pars[i : i + LOOKAHEAD]
    has_number = any(re.match(r"^(?:[\w ]{0,20})?[Ss]ố\s*:?\s", p.text) and len(p.text) < 60 for p in window)
    has_letterhead = any(fold(p.text).startswith(_LETTERHEAD) for p in window)
    return has_number or (has_letterhead and bool(kind_of(pars[i].text)[0] or pars[i].text.isupper()))


def enrich(doc: Document, parts: Sequence[Topic] = (), styled: Mapping[str, int] | None = None) -> None:
    """Fill ``doc.meta``, ``doc.headings`` and ``doc.assignments`` from its text (in place); ``parts`` are the
    numbered parts :func:`ingest.structure.parse_structure` found (their organisation fields are assignments),
    ``styled`` the .docx lines in "Heading N" styles."""
    pars = paragraphs(doc.text)
    body_start = _body_start(pars)
    closing = parse_closing(pars, doc.meta)
    header_meta = parse_header(pars, body_start)
    header_meta.recipients, header_meta.signer, header_meta.signer_position = (
        doc.meta.recipients,
        doc.meta.signer,
        doc.meta.signer_position,
    )
    header_meta.spans.update({k: v for k, v in doc.meta.spans.items() if k not in header_meta.spans})
    doc.meta = header_meta
    can_cu = []
    for par in (p for p in pars if p.start >= body_start):
        if not fold(par.text).startswith(("can cu", "xet de nghi", "theo de nghi")):
            break
        can_cu.append(par)
    if can_cu:  # the legal bases ("Căn cứ …;" lines) right after the title, cited as one span
        doc.meta.spans["can_cu"] = (can_cu[0].start, can_cu[-1].end)
    if doc.doc_type == "topic_guide":
        doc.meta.kind = "topic_guide"
    elif doc.doc_type == "other" and doc.meta.kind in {"luat", "bo_luat"}:
        doc.doc_type = "law"
    closings = [closing] if closing is not None else []
    doc.headings = find_headings(doc.text, pars, body_start, closings, styled=styled)
    body_end = closing if closing is not None else len(doc.text)
    doc.assignments = extract_assignments(doc, pars, body_end, parts)


def _body_start(pars: list[Paragraph]) -> int:
    """Where the body begins: the first heading-like line or long paragraph after the header block."""
    for par in pars[:40]:
        text = par.text
        if re.match(r"^V\s*/\s*v\b", text):
            continue  # "V/v …" is the subject line of a công văn, not the Roman numeral V
        if len(text) > 200 or fold(text).startswith(("can cu", "kinh gui")):
            return par.start
        if re.match(r"^(?:[A-Z]\.|[IVX]+[.\-–/]|\d+\.|Chương|CHƯƠNG|Điều|Phần|PHẦN|Chuyên đề)\s*\S", text):
            return par.start
    return pars[0].start if pars else 0
