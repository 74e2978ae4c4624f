"""Question sets: the schema (pydantic), loading from JSONL, and validation against a document.

A set is a JSONL file, one question per line (see docs/evaluation.md). Loading
checks each line on its own (types, required fields, answerable/unanswerable
consistency) and reports ``file:line: field: reason``; validation then checks
the set as a whole against the ingested document: ids unique, variants point to
existing ids, gold (topic, field) pairs exist in the recovered structure, spans
fit the normalized text, and every expected fact really occurs in the document.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from eval.metrics import contains_folded
from ingest.model import Document

INTRO_FIELD = "Mở đầu"
"""Pseudo-field for the text before topic 1 (gold topic is None)."""

BODY_FIELD = "Gợi ý"
"""Pseudo-field for the unlabelled body of a topic (topic 6 is a list of suggestions with no labels)."""

FIELDS = (INTRO_FIELD, "Thực trạng", "Vấn đề thảo luận", "Các TCCS Đảng chuẩn bị thảo luận", BODY_FIELD)
"""Field names a gold passage may use, spelled exactly as in the topic guide."""


class QuestionSetError(ValueError):
    """A question set that cannot be loaded; the message names the file, line and field."""


class GoldPassage(BaseModel):
    """Where the answer lives: a topic number (None for the intro) and a field of that topic."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topic: int | None = Field(description="Topic number 1..n, or null for the intro ('Mở đầu').")
    field: str | None = Field(None, description="Field name; null means any part of the topic.")

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str | None) -> str | None:
        if value is not None and value not in FIELDS:
            raise ValueError(f"unknown field {value!r}; expected one of {', '.join(FIELDS)}")
        return value

    @model_validator(mode="after")
    def _intro_has_no_topic(self) -> GoldPassage:
        if (self.field == INTRO_FIELD) != (self.topic is None):
            raise ValueError(f"field {INTRO_FIELD!r} goes with topic null, and only it")
        return self


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
        """Gold topic numbers (None = intro), in order, without duplicates."""
        return list(dict.fromkeys(g.topic for g in self.gold))


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


def validate_questions(questions: Sequence[Question], document: Document | None = None) -> list[str]:
    """Problems in a set, one line each (empty list = valid).

    Without a document only the set-internal checks run (ids, variants).
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
        problems.extend(_check_against(questions, document))
    return problems


def _check_against(questions: Sequence[Question], document: Document) -> list[str]:
    problems: list[str] = []
    structure = structure_of(document)
    for q in questions:
        for gold in q.gold:
            if (gold.topic, gold.field) not in structure:
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


def gold_text_of(document: Document, gold: Sequence[GoldPassage]) -> str:
    """Text of the gold passages joined together ("" when none can be located).

    Used to catch a mislabelled gold: the expected facts must come from it.
    """
    by_number = {t.number: t for t in document.topics}
    parts: list[str] = []
    for g in gold:
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
