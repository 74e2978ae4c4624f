"""Question sets: the schema (pydantic), loading from JSONL, and validation against a document.

A set is a JSONL file, one question per line (see docs/evaluation.md). Loading
checks each line on its own (types, required fields, answerable/unanswerable
consistency) and reports ``file:line: field: reason``; validation then checks
the set as a whole against the ingested document: ids unique, variants point to
existing ids, gold (topic, field) pairs exist in the recovered structure, spans
fit the normalized text, and every expected fact really occurs in the document.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from eval.metrics import contains_folded
from ingest.model import Document
from ingest.normalize import fold

INTRO_FIELD = "Mở đầu"
"""Pseudo-field for the text before topic 1 (gold topic is None)."""

BODY_FIELD = "Gợi ý"
"""Pseudo-field for the unlabelled body of a topic (topic 6 is a list of suggestions with no labels)."""

FIELDS = (INTRO_FIELD, "Thực trạng", "Vấn đề thảo luận", "Các TCCS Đảng chuẩn bị thảo luận", BODY_FIELD)
"""Field names a gold passage may use, spelled exactly as in the topic guide."""


class QuestionSetError(ValueError):
    """A question set that cannot be loaded; the message names the file, line and field."""


class GoldPassage(BaseModel):
    """Where the answer lives.

    Two forms: a topic-guide place (``topic`` number or None for the intro, and a ``field``), or a
    place in a named document (``document`` = file name, ``quote`` = words copied from it). The
    quote form works for any document and any rendition of it (.txt/.docx/.pdf), because the quote
    is looked up in each rendition's own text rather than stored as offsets.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    topic: int | None = Field(None, description="Topic number 1..n, or null for the intro ('Mở đầu').")
    field: str | None = Field(None, description="Field name; null means any part of the topic.")
    document: str | None = Field(None, min_length=1, description="File name of the document (any extension).")
    quote: str | None = Field(None, min_length=3, description="Words copied from the document where the answer is.")

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str | None) -> str | None:
        if value is not None and value not in FIELDS:
            raise ValueError(f"unknown field {value!r}; expected one of {', '.join(FIELDS)}")
        return value

    @model_validator(mode="after")
    def _one_form(self) -> GoldPassage:
        if self.document is not None or self.quote is not None:
            if not (self.document and self.quote):
                raise ValueError("a document gold needs both 'document' and 'quote'")
            if self.topic is not None or self.field is not None:
                raise ValueError("a document gold has no topic or field")
            return self
        if "topic" not in self.model_fields_set:
            raise ValueError("gold needs 'topic' (topic guide) or 'document' + 'quote'")
        if (self.field == INTRO_FIELD) != (self.topic is None):
            raise ValueError(f"field {INTRO_FIELD!r} goes with topic null, and only it")
        return self

    @property
    def is_document(self) -> bool:
        """True for the ``document`` + ``quote`` form."""
        return self.document is not None


class Span(BaseModel):
    """Character offsets into the normalized document text (``Document.text``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: int = Field(ge=0)
    end: int = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end <= self.start:
            raise ValueError(f"span end {self.end} must be greater than start {self.start}")
        return self


class Question(BaseModel):
    """One evaluation item."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    question: str = Field(min_length=3)
    answerable: bool
    expected_facts: list[str] = Field(default_factory=list)
    gold: list[GoldPassage] = Field(default_factory=list)
    gold_spans: list[Span] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    variant_of: str | None = None
    split: Literal["tune", "report"] | None = Field(
        None, description="'tune' (rules and thresholds may be fitted on it) or 'report' (published figures)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.answerable and not self.expected_facts:
            raise ValueError("answerable question needs at least one expected_facts entry")
        if self.answerable and not (self.gold or self.gold_spans):
            raise ValueError("answerable question needs gold passages or gold_spans")
        if not self.answerable and (self.expected_facts or self.gold or self.gold_spans):
            raise ValueError("unanswerable question must not have expected_facts, gold or gold_spans")
        if any(not f.strip() for f in self.expected_facts):
            raise ValueError("expected_facts entries must not be blank")
        return self

    @property
    def topics(self) -> list[int | None]:
        """Gold topic numbers (None = intro), in order, without duplicates (topic-guide gold only)."""
        return list(dict.fromkeys(g.topic for g in self.gold if not g.is_document))

    @property
    def documents(self) -> list[str]:
        """File names named by document gold, in order, without duplicates."""
        return list(dict.fromkeys(g.document for g in self.gold if g.document))

    @property
    def split_name(self) -> str:
        """``split_of(self)``: "tune" or "report"."""
        return split_of(self)


SPLITS = ("tune", "report")
"""The two halves of every question set: fit rules on "tune", publish figures on "report"."""


def split_of(q: Question | dict | str) -> str:
    """Which half a question belongs to: "tune" or "report".

    The question's explicit ``split`` field when it has one; otherwise a stable hash of its id
    (sha1 of the id's UTF-8 bytes; an even first byte → "tune", odd → "report"). Accepts a
    :class:`Question`, a raw dict (``id`` and optional ``split``) or a bare id.
    """
    if isinstance(q, Question):
        explicit, qid = q.split, q.id
    elif isinstance(q, dict):
        explicit, qid = q.get("split"), str(q.get("id", ""))
    else:
        explicit, qid = None, str(q)
    if explicit in SPLITS:
        return explicit
    return "tune" if hashlib.sha1(qid.encode("utf-8")).digest()[0] % 2 == 0 else "report"


def by_split(questions: Iterable[Question]) -> dict[str, list[Question]]:
    """``questions`` grouped by :func:`split_of` ({"tune": [...], "report": [...]}, order kept)."""
    out: dict[str, list[Question]] = {name: [] for name in SPLITS}
    for q in questions:
        out[split_of(q)].append(q)
    return out


def _describe(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "item"
    return f"{where}: {first.get('msg', 'invalid')}"


def parse_questions(lines: Iterable[str], source: str = "<set>") -> list[Question]:
    """Parse JSONL lines into questions; blank lines and ``#`` comments are skipped."""
    out: list[Question] = []
    for lineno, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise QuestionSetError(f"{source}:{lineno}: not valid JSON ({exc.msg})") from None
        try:
            out.append(Question.model_validate(raw))
        except ValidationError as exc:
            raise QuestionSetError(f"{source}:{lineno}: {_describe(exc)}") from None
    if not out:
        raise QuestionSetError(f"{source}: no questions found")
    return out


def load_questions(path: Path | str) -> list[Question]:
    """Load a JSONL question set; raises :class:`QuestionSetError` with a one-line reason."""
    path = Path(path)
    if not path.is_file():
        raise QuestionSetError(f"{path}: question set not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise QuestionSetError(f"{path}: not UTF-8 text") from None
    return parse_questions(text.splitlines(), source=str(path))


def structure_of(document: Document) -> set[tuple[int | None, str | None]]:
    """Every (topic, field) a gold passage may name in ``document``.

    (n, None) is there for each topic; (n, "Gợi ý") for a topic without
    labelled fields; (None, "Mở đầu") only when there is non-blank text
    before the first topic.
    """
    pairs: set[tuple[int | None, str | None]] = set()
    for topic in document.topics:
        pairs.add((topic.number, None))
        pairs.update((topic.number, name) for name in topic.fields)
        if not topic.fields:
            pairs.add((topic.number, BODY_FIELD))
    first = min((t.start for t in document.topics), default=len(document.text))
    if document.text[:first].strip():
        pairs.add((None, INTRO_FIELD))
    return pairs


def validate_questions(
    questions: Sequence[Question], document: Document | None = None, documents: Sequence[Document] = ()
) -> list[str]:
    """Problems in a set, one line each (empty list = valid).

    ``document`` is the topic guide that topic/field gold refers to; ``documents`` are the ones
    document/quote gold names (matched by file stem, so any rendition will do). Without either,
    only the set-internal checks run (ids, variants).
    """
    problems: list[str] = []
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            problems.append(f"{q.id}: duplicate id")
        seen.add(q.id)
    for q in questions:
        if q.variant_of is not None and q.variant_of not in seen:
            problems.append(f"{q.id}: variant_of points to unknown id {q.variant_of!r}")
        if q.variant_of == q.id:
            problems.append(f"{q.id}: variant_of points to itself")
    if document is not None:
        problems.extend(_check_against([q for q in questions if _has_topic_gold(q)], document))
    if documents:
        problems.extend(_check_quotes([q for q in questions if q.documents], documents))
    return problems


def _has_topic_gold(q: Question) -> bool:
    return bool(q.gold_spans) or any(not g.is_document for g in q.gold) or (not q.gold and not q.documents)


def _check_against(questions: Sequence[Question], document: Document) -> list[str]:
    problems: list[str] = []
    structure = structure_of(document)
    for q in questions:
        for gold in q.gold:
            if not gold.is_document and (gold.topic, gold.field) not in structure:
                label = "intro" if gold.topic is None else f"topic {gold.topic}"
                problems.append(f"{q.id}: gold {label} / {gold.field!r} not found in {document.doc_id}")
        for span in q.gold_spans:
            if span.end > len(document.text):
                problems.append(f"{q.id}: gold span {span.start}-{span.end} beyond text length {len(document.text)}")
            elif not document.text[span.start : span.end].strip():
                problems.append(f"{q.id}: gold span {span.start}-{span.end} is blank")
        gold_text = gold_text_of(document, q.gold)
        for fact in q.expected_facts:
            if not contains_folded(document.text, fact):
                problems.append(f"{q.id}: expected fact {fact!r} does not occur in {document.doc_id}")
            elif gold_text and not contains_folded(gold_text, fact):
                problems.append(f"{q.id}: expected fact {fact!r} is not inside its gold passages")
    return problems


QUOTE_CONTEXT = 1000
"""Characters either side of a located quote that count as its gold passage (where the key facts must be)."""


def _check_quotes(questions: Sequence[Question], documents: Sequence[Document]) -> list[str]:
    problems: list[str] = []
    for q in questions:
        context: list[str] = []
        for gold in q.gold:
            docs = documents_named(gold.document or "", documents)
            if not docs:
                problems.append(f"{q.id}: document {gold.document!r} is not loaded")
                continue
            found = [(doc, span) for doc in docs for span in locate_quote(doc.text, gold.quote or "")]
            if not found:
                problems.append(f"{q.id}: quote {gold.quote!r} not found in {Path(docs[0].path).name}")
            context.extend(doc.text[max(0, s - QUOTE_CONTEXT) : e + QUOTE_CONTEXT] for doc, (s, e) in found)
        joined = "\n".join(context)
        for fact in q.expected_facts:
            if joined and not contains_folded(joined, fact):
                problems.append(f"{q.id}: expected fact {fact!r} is not near its gold quote")
    return problems


def documents_named(name: str, documents: Sequence[Document]) -> list[Document]:
    """The documents read from the file with the stem of ``name`` ("plan.txt" matches plan.docx and plan.pdf;
    one file may hold several documents, e.g. a công văn and the report it covers)."""
    stem = Path(name).stem
    return [doc for doc in documents if Path(doc.path).stem == stem or doc.doc_id == name]


def _folded_with_offsets(text: str) -> tuple[str, list[int]]:
    """``text`` folded one character at a time (runs of whitespace → one space), with each folded
    character's offset in ``text`` – so a match in the folded text maps back to the document."""
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                offsets.append(i)
            continue
        folded = fold(ch) if ord(ch) > 127 else ch.lower()
        for c in folded:
            out.append(c)
            offsets.append(i)
    return "".join(out), offsets


def locate_quote(text: str, quote: str) -> list[tuple[int, int]]:
    """Every (start, end) in ``text`` where ``quote`` occurs, ignoring diacritics, case and line wraps."""
    needle = " ".join(fold(quote).split())
    if not needle:
        return []
    folded, offsets = _folded_with_offsets(text)
    spans: list[tuple[int, int]] = []
    at = folded.find(needle)
    while at >= 0:
        spans.append((offsets[at], offsets[at + len(needle) - 1] + 1))
        at = folded.find(needle, at + 1)
    return spans


def gold_text_of(document: Document, gold: Sequence[GoldPassage]) -> str:
    """Text of the topic-guide gold passages joined together ("" when none can be located).

    Used to catch a mislabelled gold: the expected facts must come from it.
    """
    by_number = {t.number: t for t in document.topics}
    parts: list[str] = []
    for g in gold:
        if g.is_document:
            continue
        if g.topic is None:
            first = min((t.start for t in document.topics), default=len(document.text))
            parts.append(document.text[:first])
        elif g.topic in by_number:
            topic = by_number[g.topic]
            if g.field is None or (g.field == BODY_FIELD and not topic.fields):
                parts.append(document.text[topic.start : topic.end])
            elif g.field in topic.fields:
                parts.append(topic.fields[g.field])
    return "\n".join(parts)
