"""Retrieval on public data (XQuAD-vi + law distractors): loader correctness and a small quality check."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.public_sets import load_law_distractors, load_xquad, load_xquad_with_laws
from eval.retrieval_eval import VARIANTS, EvalQuestion, _id_checker, score_variant
from rag.index import Index
from rag.settings import Settings


def test_loader_counts_and_offsets(shared_data: Path) -> None:
    data = load_xquad_with_laws(shared_data, law_passages_limit=300)
    assert len([c for c in data.chunks if c.doc_id.startswith("xquad-")]) == 240
    assert len(data.questions) == 1190
    assert len(data.chunks) == 540
    docs = {d.doc_id: d for d in data.documents}
    for chunk in data.chunks:
        assert docs[chunk.doc_id].text[chunk.start : chunk.end] == chunk.text
    assert len({c.chunk_id for c in data.chunks}) == len(data.chunks)
    gold = {c.chunk_id for c in data.chunks}
    assert all(set(q.gold_chunk_ids) <= gold for q in data.questions)


@pytest.mark.slow
def test_small_public_set_hybrid_quality(shared_data: Path, tmp_path: Path) -> None:
    """30 XQuAD paragraphs among 150 law passages: hybrid finds most gold paragraphs, with or without marks."""
    xq = load_xquad(shared_data / "xquad_vi" / "xquad.vi.json")
    law_docs, law_chunks = load_law_distractors(shared_data / "vn_laws", 150)
    keep = {c.chunk_id for c in xq.chunks[:30]}
    settings = Settings(data_dir=tmp_path / "data")
    index = Index.open(settings)
    docs = [d for d in xq.documents if f"{d.doc_id}#0" in keep] + law_docs
    index.upsert(docs, [c for c in xq.chunks if c.chunk_id in keep] + law_chunks)
    questions = [EvalQuestion(q.qid, q.question, _id_checker(set(q.gold_chunk_ids))) for q in xq.questions]
    questions = [q for q in questions if any(q.is_relevant(c) for c in index.get_chunks(sorted(keep)))][::3]
    rows = {(v.name, v.diacritics): score_variant(index, settings, questions, v) for v in VARIANTS}
    with_marks = rows[("hybrid", True)]
    without = rows[("hybrid (restored dense query)", False)]
    assert with_marks["hit@5"] >= 0.9
    assert with_marks["hit@5"] - without["hit@5"] <= 0.05
    assert without["mrr"] > rows[("dense (raw query)", False)]["mrr"]  # restoring marks helps the dense side
