"""Public evaluation sets: XQuAD-vi paragraphs + questions, Vietnamese laws as distractors.

Read from ``../shared/data`` (never copied into the repo). Each XQuAD
paragraph becomes one document with one chunk (the gold passage of its
questions); laws are cut into article-sized passages and a deterministic,
evenly spread sample of them is mixed in, so the retriever has to find the
right paragraph among thousands of passages of real Vietnamese legal text.

Law passages are built here rather than through the ingest pipeline so the
set stays fixed whatever the chunker does later – the report's numbers stay
comparable from run to run, and the embedding cache keeps reruns free.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ingest.model import Chunk, Document, content_hash

LAW_PASSAGE_CHARS = 700
"""Upper bound of a law passage (≈ 150-200 e5 tokens, comparable to an XQuAD paragraph)."""


@dataclass
class Question:
    """A question whose gold passage is a chunk id."""

    qid: str
    question: str
    gold_chunk_ids: list[str]
    answerable: bool = True
    """False for a question of a paragraph left out of the index (:func:`load_xquad_held_out`)."""


@dataclass
class PublicSet:
    documents: list[Document]
    chunks: list[Chunk]
    questions: list[Question]


def _single_chunk_doc(doc_id: str, title: str, path: str, doc_type: str, text: str) -> tuple[Document, Chunk]:
    doc = Document(doc_id=doc_id, title=title, path=path, doc_type=doc_type, text=text, source_hash=content_hash(text))
    chunk = Chunk(
        chunk_id=f"{doc_id}#0",
        doc_id=doc_id,
        doc_title=title,
        doc_type=doc_type,
        text=text,
        start=0,
        end=len(text),
        hash=content_hash(text),
    )
    return doc, chunk


def load_xquad(path: Path) -> PublicSet:
    """All XQuAD-vi paragraphs (one chunk each) and all their questions."""
    data = json.loads(path.read_text(encoding="utf-8"))
    docs: list[Document] = []
    chunks: list[Chunk] = []
    questions: list[Question] = []
    n = 0
    for article in data["data"]:
        for para in article["paragraphs"]:
            doc_id = f"xquad-{n:03d}"
            doc, chunk = _single_chunk_doc(doc_id, article.get("title", doc_id), str(path), "other", para["context"])
            docs.append(doc)
            chunks.append(chunk)
            questions.extend(Question(qa["id"], qa["question"], [chunk.chunk_id]) for qa in para["qas"])
            n += 1
    return PublicSet(docs, chunks, questions)


def law_passages(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of consecutive non-empty lines packed up to LAW_PASSAGE_CHARS, never across an article."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    end = 0  # set with start: read only while start is not None
    for m in re.finditer(r"[^\n]+", text):
        line_start, line_end = m.span()
        if not m.group(0).strip():
            continue
        new_article = m.group(0).lstrip().startswith(("Điều ", "Chương "))
        if start is not None and (new_article or line_end - start > LAW_PASSAGE_CHARS):
            spans.append((start, end))
            start = None
        if start is None:
            start = line_start
        end = line_end
    if start is not None:
        spans.append((start, end))
    return [(s, e) for s, e in spans if e - s >= 200]  # headers and signatures are no use as distractors


def load_law_distractors(law_dir: Path, limit: int) -> tuple[list[Document], list[Chunk]]:
    """``limit`` law passages spread evenly over all laws (documents keep their full text)."""
    per_doc: list[tuple[Document, list[tuple[int, int]]]] = []
    for path in sorted(law_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        doc = Document(
            doc_id=f"law-{path.stem}",
            title=path.stem.replace("-", " "),
            path=str(path),
            doc_type="law",
            text=text,
            source_hash=content_hash(text),
        )
        per_doc.append((doc, law_passages(text)))
    every = [(doc, span) for doc, spans in per_doc for span in spans]
    step = max(1, len(every) // max(1, limit))
    picked = every[::step][:limit]
    docs = {doc.doc_id: doc for doc, _ in picked}
    chunks = []
    for doc, (s, e) in picked:
        text = doc.text[s:e]
        chunks.append(
            Chunk(
                chunk_id=f"{doc.doc_id}@{s}",
                doc_id=doc.doc_id,
                doc_title=doc.title,
                doc_type="law",
                text=text,
                start=s,
                end=e,
                hash=content_hash(text),
            )
        )
    return list(docs.values()), chunks


def held_out_paragraph(title: str, n_paragraphs: int) -> int:
    """Which paragraph of an article is left out of the index: a stable hash of the article's title."""
    return hashlib.sha1(title.encode("utf-8")).digest()[0] % n_paragraphs if n_paragraphs else 0


def load_xquad_held_out(path: Path) -> PublicSet:
    """XQuAD-vi with one paragraph per article left out of the index: its questions are asked all the same and the
    right outcome is a refusal – unless the answer turns up from a sibling paragraph, which the evaluation checks
    by the gold answer text (:func:`eval.public_eval.run_public`)."""
    full = load_xquad(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    left_out: set[str] = set()
    n = 0
    for article in data["data"]:
        skip = held_out_paragraph(article.get("title", ""), len(article["paragraphs"]))
        for i, _ in enumerate(article["paragraphs"]):
            if i == skip:
                left_out.add(f"xquad-{n:03d}#0")
            n += 1
    chunks = [c for c in full.chunks if c.chunk_id not in left_out]
    documents = [d for d in full.documents if f"{d.doc_id}#0" not in left_out]
    questions = [
        Question(
            q.qid,
            q.question,
            [] if set(q.gold_chunk_ids) & left_out else q.gold_chunk_ids,
            not set(q.gold_chunk_ids) & left_out,
        )
        for q in full.questions
    ]
    return PublicSet(documents, chunks, questions)


def load_xquad_with_laws(shared: Path, law_passages_limit: int = 1800, held_out: bool = False) -> PublicSet:
    """XQuAD-vi paragraphs mixed with law distractors (the 'thousands of passages' set); with ``held_out``, one
    paragraph per article is left out and its questions are unanswerable (:func:`load_xquad_held_out`)."""
    path = shared / "xquad_vi" / "xquad.vi.json"
    xq = load_xquad_held_out(path) if held_out else load_xquad(path)
    law_docs, law_chunks = load_law_distractors(shared / "vn_laws", law_passages_limit)
    return PublicSet(xq.documents + law_docs, xq.chunks + law_chunks, xq.questions)
