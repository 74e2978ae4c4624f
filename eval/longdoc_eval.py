"""Document-level retrieval on long official documents: law articles and the shared party documents.

The development set of issue 24, built from ``../shared/data`` at run time (nothing from it is committed):

* **law articles** – six laws cut into one document per article (``Điều N``); the article's title is removed from
  what is indexed and becomes a *known-item* query ("Thời gian thử việc" must find Điều 25 of the labour code);
* **citizen questions** – ``eval/devsets/laws_citizen.jsonl``, written in a worker's or an official's words
  ("Thử việc tối đa được bao lâu?"), gold = (law, article);
* **party documents** – the questions of ``eval/questions/party_docs.jsonl`` whose gold document is one of the six
  party documents, asked over the same collection (articles + party documents), gold = that document.

A question is a hit@k when its gold document is among the first k *distinct documents* of the ranking. Every
figure is given per split (``eval.questions.split_of``: tune on one half, report on the other), per mode (dense,
lexical, hybrid) and with and without diacritics (stripped queries go through the configured tone restoration).

Run: ``troly eval retrieval`` (or ``python -m eval.longdoc_eval``); embeddings are cached under the data dir.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.questions import split_of
from ingest.model import Chunk, Document, content_hash
from ingest.normalize import strip_diacritics
from rag.settings import Settings

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
CITIZEN_SET = ROOT / "eval" / "devsets" / "laws_citizen.jsonl"
PARTY_SET = ROOT / "eval" / "questions" / "party_docs.jsonl"
COLLECTION = "eval-longdoc"

DEV_LAWS = (
    "bo-luat-lao-dong",
    "luat-bao-hiem-xa-hoi",
    "luat-giao-thong-duong-bo",
    "luat-cong-chung",
    "luat-binh-dang-gioi",
    "luat-cong-doan",
)
"""Six laws a citizen or an official asks about (≈ 590 articles, ≈ 790 kB): small enough to embed on 2 busy cores."""

MODES = ("dense", "lexical", "hybrid")
DOC_DEPTH = 5
"""Distinct documents scored per question (hit@1, hit@5, MRR over the first five)."""
PASSAGE_DEPTH = 40
"""Passages asked of the retriever to fill :data:`DOC_DEPTH` distinct documents."""

_ARTICLE = re.compile(r"^Điều (\d+)\.\s*(.*)$")
_OUTLINE = re.compile(r"^(Chương|CHƯƠNG|Mục|MỤC|Phần|PHẦN)\s+[0-9IVXLC]+\b")


class DevSetError(RuntimeError):
    """The shared data the development set is built from is missing or unreadable."""


@dataclass
class Article:
    """One article of a law: its number, its title (the known-item query) and its body without the title."""

    law: str
    number: int
    title: str
    body: str
    outline: str = ""
    """The chapter (and section) above the article as a whole law's ingestion writes its heading path ("Chương II
    QUYỀN, TRÁCH NHIỆM CỦA CÔNG ĐOÀN › Mục 1 …"): what a real collection's passages of the article carry."""


@dataclass
class DevQuestion:
    qid: str
    text: str
    group: str
    """known_item | citizen | party"""
    gold: set[str]
    """doc ids that answer it"""
    split: str = field(default="")

    def __post_init__(self) -> None:
        self.split = self.split or split_of(self.qid)


# ---- building the set ----------------------------------------------------------------------------------
def law_title(text: str, stem: str) -> str:
    """ "LUẬT\\n\\nCÔNG ĐOÀN" → "Luật công đoàn" (the law's name as its header writes it; the file stem otherwise)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for i, line in enumerate(lines[:40]):
        if line in ("LUẬT", "BỘ LUẬT") and i + 1 < len(lines):
            name = f"{line} {lines[i + 1]}"
            return name[:1] + name[1:].lower()
    return stem.replace("-", " ")


def law_articles(path: Path) -> list[Article]:
    """Articles of a law file: from each "Điều N. title" line to the next article, chapter or section line."""
    law = path.stem
    articles: list[Article] = []
    current: tuple[int, str] | None = None
    body: list[str] = []
    outline: dict[int, str] = {}  # level (Phần 0, Chương 1, Mục 2) → "Chương II QUYỀN, …"
    untitled: int | None = None  # the level whose title is the next line ("Chương II" alone on its line)

    def close() -> None:
        if current is not None and "".join(body).strip():
            path_text = " › ".join(outline[k] for k in sorted(outline))
            articles.append(Article(law, current[0], current[1].strip(), "\n".join(body).strip(), path_text))

    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        m = _ARTICLE.match(stripped)
        if m:
            close()
            current, body, untitled = (int(m.group(1)), m.group(2)), [], None
        elif o := _OUTLINE.match(stripped):
            close()
            current, body = None, []
            level = _OUTLINE_LEVELS[o.group(1).lower()]
            outline = {k: v for k, v in outline.items() if k < level}
            title = stripped[o.end() :].strip(" .:-–")
            outline[level] = f"{o.group(0)} {title}".strip()
            untitled = None if title else level
        elif untitled is not None and stripped:
            outline[untitled] += f" {stripped}"
            untitled = None
        elif current is not None:
            body.append(line)
    close()
    return articles


_OUTLINE_LEVELS = {"phần": 0, "chương": 1, "mục": 2}


def article_doc_id(law: str, number: int) -> str:
    return f"{law}:dieu-{number}"


def article_documents(law_dir: Path, laws: Sequence[str] = DEV_LAWS) -> tuple[list[Document], list[Article]]:
    """One document per article, titled by its law and number only ("Bộ luật lao động – Điều 25"): the article's
    own title is what a known-item query asks, so it must not be indexed."""
    docs: list[Document] = []
    articles: list[Article] = []
    for law in laws:
        path = law_dir / f"{law}.txt"
        if not path.is_file():
            raise DevSetError(f"{path}: không tìm thấy tệp luật của bộ dữ liệu phát triển")
        name = law_title(path.read_text(encoding="utf-8"), law)
        for a in law_articles(path):
            text = f"Điều {a.number}.\n{a.body}"
            docs.append(
                Document(
                    doc_id=article_doc_id(law, a.number),
                    title=f"{name} – Điều {a.number}",
                    path=str(path),
                    doc_type="law",
                    text=text,
                    source_hash=content_hash(text),
                )
            )
            articles.append(a)
    return docs, articles


def chunk_articles(
    docs: Iterable[Document], settings: Settings, count_tokens: Any, articles: Sequence[Article] = ()
) -> list[Chunk]:
    """The articles cut by the same chunker as every ingested document, each passage under its article's chapter
    (:attr:`Article.outline` of ``articles``) as a whole law's ingestion puts it."""
    from ingest.chunking import chunk_document

    outlines = {article_doc_id(a.law, a.number): a.outline for a in articles}
    chunks: list[Chunk] = []
    for doc in docs:
        above = outlines.get(doc.doc_id, "")
        for chunk in chunk_document(doc, count_tokens, settings.chunk_tokens, settings.chunk_overlap):
            chunk.heading_path = " › ".join(p for p in (above, chunk.heading_path) if p)
            chunks.append(chunk)
    return chunks


def known_item_questions(articles: Sequence[Article]) -> list[DevQuestion]:
    """ "Thời gian thử việc" → Điều 25 of the labour code (titles naming several articles count for each)."""
    by_title: dict[tuple[str, str], set[str]] = {}
    for a in articles:
        by_title.setdefault((a.law, a.title.rstrip(".").lower()), set()).add(article_doc_id(a.law, a.number))
    out = []
    for a in articles:
        title = a.title.rstrip(".")
        if len(title.split()) < 2:
            continue
        qid = f"ki-{a.law}-{a.number}"
        out.append(DevQuestion(qid, title, "known_item", by_title[(a.law, title.lower())]))
    return out


def citizen_questions(path: Path = CITIZEN_SET) -> list[DevQuestion]:
    out = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            raw = json.loads(line)
            gold = {article_doc_id(g["law"], int(g["article"])) for g in raw["gold"]}
            out.append(DevQuestion(raw["id"], raw["question"], "citizen", gold, raw.get("split", "")))
        except (ValueError, KeyError, TypeError) as exc:
            raise DevSetError(f"{path}:{lineno}: câu hỏi không hợp lệ ({exc})") from None
    return out


def party_questions(party_docs: Sequence[Document], path: Path = PARTY_SET) -> list[DevQuestion]:
    """Answerable questions of the party set whose gold documents are all among ``party_docs``."""
    from eval.questions import load_questions

    by_file: dict[str, set[str]] = {}
    for d in party_docs:  # one file may hold several documents (a cover letter and its report)
        by_file.setdefault(Path(d.path).stem, set()).add(d.doc_id)
    out = []
    for q in load_questions(path):
        files = {Path(g.document).stem for g in q.gold if g.document}
        if q.answerable and files and files <= set(by_file):
            gold = set().union(*(by_file[f] for f in files))
            out.append(DevQuestion(q.id, q.question, "party", gold, split_of(q)))
    return out


@dataclass
class DevSet:
    documents: list[Document]
    chunks: list[Chunk]
    questions: list[DevQuestion]
    articles: list[Article]


def build_dev_set(shared: Path, settings: Settings, count_tokens: Any, known_items: int | None = None) -> DevSet:
    """Articles + party documents (chunked by troly's own pipeline) and the three question groups."""
    from ingest.pipeline import ingest_files

    law_dir, party_dir = shared / "vn_laws", shared / "party_docs"
    if not law_dir.is_dir() or not party_dir.is_dir():
        raise DevSetError(f"{shared}: thiếu thư mục vn_laws hoặc party_docs của dữ liệu dùng chung")
    docs, articles = article_documents(law_dir)
    chunks = chunk_articles(docs, settings, count_tokens, articles)
    party = ingest_files(sorted(party_dir.glob("*.txt")), count_tokens, settings.chunk_tokens, settings.chunk_overlap)
    if party.errors:
        raise DevSetError(f"{party_dir}: không đọc được {[str(e) for e in party.errors]}")
    known = known_item_questions(articles)
    if known_items is not None and known_items < len(known):
        step = len(known) / known_items  # spread over every law, deterministic
        known = [known[int(i * step)] for i in range(known_items)]
    questions = known + citizen_questions() + party_questions(party.documents)
    return DevSet(docs + party.documents, chunks + party.chunks, questions, articles)


# ---- scoring ---------------------------------------------------------------------------------------
def document_rank(doc_ids: Sequence[str], gold: set[str], depth: int = DOC_DEPTH) -> int | None:
    """1-based rank of the first gold document among the distinct documents of a passage ranking."""
    seen: list[str] = []
    for d in doc_ids:
        if d not in seen:
            seen.append(d)
            if d in gold:
                return len(seen)
            if len(seen) >= depth:
                return None
    return None


def summarize(ranks: Sequence[int | None]) -> dict[str, float]:
    from eval.retrieval_eval import summarize as passage_summary

    return passage_summary(ranks, ks=(1, DOC_DEPTH))


def run_mode(index: Any, settings: Settings, questions: Sequence[DevQuestion], mode: str, diacritics: bool) -> list:
    """The document rank of every question under one mode and one query form."""
    from rag.retrieval import HybridRetriever

    retriever = HybridRetriever(index=index, settings=settings, mode=mode)  # type: ignore[arg-type]
    ranks = []
    for q in questions:
        text = q.text if diacritics else strip_diacritics(q.text)
        hits = retriever.search(text, k=PASSAGE_DEPTH)
        ranks.append(document_rank([h.chunk.doc_id for h in hits], q.gold))
    return ranks


def table_rows(questions: Sequence[DevQuestion], results: dict[tuple[str, bool], list]) -> list[dict]:
    """One row per (group, split, mode, diacritics) plus the 'all' group, from the ranks of every run."""
    rows = []
    groups = [*sorted({q.group for q in questions}), "all"]
    for (mode, diacritics), ranks in results.items():
        for group in groups:
            for split in ("tune", "report"):
                picked = [
                    r for q, r in zip(questions, ranks, strict=True) if q.split == split and group in ("all", q.group)
                ]
                if picked:
                    rows.append(
                        {"group": group, "split": split, "mode": mode, "diacritics": diacritics, **summarize(picked)}
                    )
    return rows


def open_dev_index(
    shared: Path, data_dir: Path, known_items: int | None = 300, settings: Settings | None = None
) -> tuple[Any, Settings, DevSet, float]:
    """The development set indexed in a collection of its own build (returns index, its settings, set, seconds)."""
    from rag.embeddings import make_embeddings
    from rag.index import Index, search_text

    settings = settings or Settings(data_dir=data_dir, collection=COLLECTION)
    embeddings = make_embeddings(settings)
    dev = build_dev_set(shared, settings, embeddings.count_tokens, known_items)
    # one collection per build of the set (chunker, what is embedded): the upsert keeps a document whose source is
    # unchanged, so a changed chunker would otherwise be measured on the old passages; vectors come from the cache
    print_ = content_hash("\n".join(f"{c.chunk_id}\x00{search_text(c)}" for c in dev.chunks))[:10]
    settings = settings.model_copy(update={"collection": f"{settings.collection}-{print_}"})
    started = time.perf_counter()
    index = Index.open(settings, embeddings=embeddings)
    index.upsert(dev.documents, dev.chunks)
    return index, settings, dev, time.perf_counter() - started


def evaluate(
    shared: Path,
    data_dir: Path,
    known_items: int | None = 300,
    modes: Sequence[str] = MODES,
    forms: Sequence[bool] = (True, False),
    settings: Settings | None = None,
    split: str | None = None,
) -> dict:
    """Index the development set into its own collection (cached embeddings) and score every mode and form."""
    index, settings, dev, indexed_s = open_dev_index(shared, data_dir, known_items, settings)
    if split is not None:
        dev.questions = [q for q in dev.questions if q.split == split]
    results: dict[tuple[str, bool], list] = {}
    timing = {}
    for mode in modes:
        for diacritics in forms:
            t0 = time.perf_counter()
            results[(mode, diacritics)] = run_mode(index, settings, dev.questions, mode, diacritics)
            timing[f"{mode}/{'with' if diacritics else 'without'}"] = (time.perf_counter() - t0) / len(dev.questions)
    return {
        "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load": Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else [],
        "documents": len(dev.documents),
        "passages": len(dev.chunks),
        "questions": {g: sum(1 for q in dev.questions if q.group == g) for g in ("known_item", "citizen", "party")},
        "index_seconds": round(indexed_s, 1),
        "seconds_per_query": {k: round(v, 3) for k, v in timing.items()},
        "settings": {
            "chunk_tokens": settings.chunk_tokens,
            "chunk_overlap": settings.chunk_overlap,
            "rrf_k": settings.rrf_k,
            "dense_weight": settings.dense_weight,
            "lexical_weight": settings.lexical_weight,
        },
        "rows": table_rows(dev.questions, results),
        "ranks": {f"{m}/{'with' if d else 'without'}": r for (m, d), r in results.items()},
        "qids": [q.qid for q in dev.questions],
    }


# ---- fusion weights per collection kind (issue 24 point 3) ----------------------------------------------
SWEEP_RRF_K = (1, 2, 5, 10, 60)
SWEEP_DENSE_WEIGHT = (0.2, 0.4, 0.7, 1.0, 1.5)
SWEEP_DOCUMENT_VOTE = (0.0, 0.5, 1.0, 2.0)
SWEEP_EVIDENCE = (1, 3)
SWEEP: dict[str, tuple[float, ...]] = {
    "rrf_k": SWEEP_RRF_K,
    "dense_weight": SWEEP_DENSE_WEIGHT,
    "document_vote": SWEEP_DOCUMENT_VOTE,
    "evidence": SWEEP_EVIDENCE,
}
KINDS = {"laws": ("known_item", "citizen"), "party": ("party",)}
"""Collection kinds the weights are chosen for: law articles (many short documents) and long party documents."""


@dataclass
class Candidates:
    """One question's dense and lexical lists (50 each) in one form, and the document of every listed passage."""

    question: DevQuestion
    diacritics: bool
    dense: list
    lexical: list
    doc_of: dict[str, str]


def collect_candidates(index: Any, settings: Settings, questions: Sequence[DevQuestion]) -> list[Candidates]:
    from rag.retrieval import HybridRetriever

    retriever = HybridRetriever(index=index, settings=settings)
    out = []
    for q in questions:
        for diacritics in (True, False):
            dense, lexical = retriever.rankings(q.text if diacritics else strip_diacritics(q.text), 50)
            ids = sorted({c for c, _ in dense + lexical})
            doc_of = {c.chunk_id: c.doc_id for c in index.get_chunks(ids)}
            out.append(Candidates(q, diacritics, dense, lexical, doc_of))
    return out


def fused_rank(c: Candidates, rrf_k: int, dense_weight: float, document_vote: float, evidence: int) -> int | None:
    """The gold document's rank under one fusion setting (the retriever's RRF and document vote, no code vote)."""
    from rag.retrieval import document_ranking, rrf_fuse

    scores = rrf_fuse([(dense_weight, c.dense), (1.0, c.lexical)], rrf_k)
    if document_vote > 0:
        w = document_vote * max(dense_weight, 1.0)
        for rank, cid in enumerate(document_ranking(scores, c.doc_of, evidence), start=1):
            scores[cid] += w / (rrf_k + rank)
    order = sorted(scores, key=lambda cid: -scores[cid])
    return document_rank([c.doc_of[cid] for cid in order if cid in c.doc_of], c.question.gold)


SWEEP_DENSE_SHARE = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
"""Linear fusion: the dense side's shares tried (settings.dense_share)."""


def linear_rank(c: Candidates, dense_share: float) -> int | None:
    """The gold document's rank as the retriever fuses under linear fusion (:func:`rag.retrieval.fused_scores`,
    shipped rrf_k and weights) with its document vote."""
    from rag.retrieval import DOCUMENT_EVIDENCE, DOCUMENT_VOTE, document_ranking, fused_scores

    settings = Settings(fusion="linear", dense_share=dense_share)
    scores = fused_scores(c.dense, c.lexical, settings)
    vote = DOCUMENT_VOTE * max(settings.dense_weight, settings.lexical_weight)
    for rank, cid in enumerate(document_ranking(scores, c.doc_of, DOCUMENT_EVIDENCE), start=1):
        scores[cid] += vote / (settings.rrf_k + rank)
    order = sorted(scores, key=lambda cid: -scores[cid])
    return document_rank([c.doc_of[cid] for cid in order if cid in c.doc_of], c.question.gold)


def linear_sweep(cands: Sequence[Candidates], split: str = "tune") -> list[dict]:
    """Every dense share of :data:`SWEEP_DENSE_SHARE` scored per collection kind on one split (both forms)."""
    rows = []
    for share in SWEEP_DENSE_SHARE:
        row: dict[str, Any] = {"dense_share": share}
        for kind, groups in KINDS.items():
            row[kind] = summarize(
                [linear_rank(c, share) for c in cands if c.question.split == split and c.question.group in groups]
            )
        row["mean_hit@1"] = sum(row[k]["hit@1"] for k in KINDS) / len(KINDS)
        rows.append(row)
    return sorted(rows, key=lambda r: -r["mean_hit@1"])


def _hit_then_mrr(kind: str, row: dict[str, Any]) -> tuple[float, float]:
    """Sort key of a sweep row for one collection kind: hit@1, then MRR."""
    return row[kind]["hit@1"], row[kind]["mrr"]


def fusion_sweep(cands: Sequence[Candidates], split: str = "tune") -> list[dict]:
    """Every setting of :data:`SWEEP` scored per collection kind on one split: hit@1 (both forms together), MRR."""
    import itertools

    rows = []
    for rrf_k, dw, vote, ev in itertools.product(SWEEP_RRF_K, SWEEP_DENSE_WEIGHT, SWEEP_DOCUMENT_VOTE, SWEEP_EVIDENCE):
        if vote == 0 and ev != SWEEP_EVIDENCE[0]:
            continue  # evidence is unused without the document vote
        row: dict[str, Any] = {"rrf_k": rrf_k, "dense_weight": dw, "document_vote": vote, "evidence": ev}
        for kind, groups in KINDS.items():
            ranks = [
                fused_rank(c, rrf_k, dw, vote, ev)
                for c in cands
                if c.question.split == split and c.question.group in groups
            ]
            row[kind] = summarize(ranks)
        row["mean_hit@1"] = sum(row[k]["hit@1"] for k in KINDS) / len(KINDS)
        rows.append(row)
    return sorted(rows, key=lambda r: -r["mean_hit@1"])


# ---- what the embedder sees (issue 24 point 2) ---------------------------------------------------------
EMBED_TEXTS = {
    "title+path+text": lambda c: c.search_text,
    "text": lambda c: c.text,
    "title+text": lambda c: f"{c.doc_title}\n{c.text}",
    "path+text": lambda c: f"{c.heading_path}\n{c.text}" if c.heading_path else c.text,
}
"""What a passage can be embedded as: today's search text (title › heading path, then the passage), the passage
alone (what the first release embedded), the title without the heading path, or the heading path without the
title."""


def dense_probe(
    shared: Path,
    data_dir: Path,
    variants: Sequence[tuple[str, int, int]],
    known_items: int | None = 300,
    laws: Sequence[str] = DEV_LAWS,
) -> list[dict]:
    """Dense-only document ranks of the law questions (numpy cosine over cached e5 vectors, no index) for each
    (embedded text, chunk tokens, overlap): isolates what the embedder sees from everything else the retriever does.
    Queries are asked as written (with diacritics)."""
    import numpy as np

    from rag.embeddings import make_embeddings
    from rag.retrieval import normalize_query

    base = Settings(data_dir=data_dir, collection=COLLECTION)
    embeddings = make_embeddings(base)
    docs, articles = article_documents(shared / "vn_laws", laws)
    questions = known_item_questions(articles)
    if known_items is not None and known_items < len(questions):
        step = len(questions) / known_items
        questions = [questions[int(i * step)] for i in range(known_items)]
    questions += [q for q in citizen_questions() if all(g.split(":")[0] in laws for g in q.gold)]
    queries = np.asarray(embeddings.embed_queries([normalize_query(q.text) for q in questions]))
    rows = []
    for name, chunk_tokens, overlap in variants:
        settings = base.model_copy(update={"chunk_tokens": chunk_tokens, "chunk_overlap": overlap})
        chunks = chunk_articles(docs, settings, embeddings.count_tokens, articles)  # as the development set has them
        vectors = np.asarray(embeddings.embed_documents_array([EMBED_TEXTS[name](c) for c in chunks]))
        doc_of = [c.doc_id for c in chunks]
        ranks = []
        for q, vector in zip(questions, queries, strict=True):
            order = np.argsort(-(vectors @ vector))[:PASSAGE_DEPTH]
            ranks.append(document_rank([doc_of[i] for i in order], q.gold))
        for row in table_rows(questions, {("dense", True): ranks}):
            rows.append({"variant": name, "chunk_tokens": chunk_tokens, "overlap": overlap, **row})
    return rows


def render(report: dict) -> str:
    """The report as a Markdown table (one line per group × split × mode × form)."""
    lines = [
        f"Dev set: {report['documents']} documents, {report['passages']} passages; questions {report['questions']}; "
        f"load {' '.join(report['load'])}; {report['generated']}.",
        "",
        "| group | split | mode | diacritics | n | hit@1 | hit@5 | MRR |",
        "|---|---|---|---|---:|---:|---:|---:|",
    ]
    order = {"known_item": 0, "citizen": 1, "party": 2, "all": 3}
    rows = sorted(report["rows"], key=lambda r: (order.get(r["group"], 9), r["split"], not r["diacritics"], r["mode"]))
    for r in rows:
        lines.append(
            f"| {r['group']} | {r['split']} | {r['mode']} | {'có' if r['diacritics'] else 'không'} | {r['n']} | "
            f"{r['hit@1']:.3f} | {r['hit@5']:.3f} | {r['mrr']:.3f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    import argparse

    from rag.offline import enforce_offline

    enforce_offline()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--known-items", type=int, default=300)
    parser.add_argument("--out", type=Path, default=None, help="Write the full report (JSON) here.")
    parser.add_argument(
        "--probe", nargs="*", default=None, help="Dense-only probe of what is embedded: NAME:TOKENS:OVERLAP ..."
    )
    parser.add_argument("--laws", nargs="*", default=None, help="Probe only these laws (file stems).")
    parser.add_argument("--split", choices=("tune", "report"), default=None, help="Score one half only.")
    parser.add_argument("--sweep", action="store_true", help="Choose fusion weights per collection kind (tune).")
    args = parser.parse_args(argv)
    if args.sweep:
        index, settings, dev, _ = open_dev_index(args.shared, args.data_dir, args.known_items)
        cands = collect_candidates(index, settings, dev.questions)
        tune = fusion_sweep(cands, "tune")
        report = {json.dumps({k: r[k] for k in SWEEP}): r for r in fusion_sweep(cands, "report")}
        for r in tune[:15]:
            key = json.dumps({k: r[k] for k in SWEEP})
            print(
                key,
                "tune",
                {k: round(r[k]["hit@1"], 3) for k in KINDS},
                "report",
                {k: round(report[key][k]["hit@1"], 3) for k in KINDS},
            )
        for kind in KINDS:
            best = max(tune, key=functools.partial(_hit_then_mrr, kind))
            print("best for", kind, {k: best[k] for k in SWEEP}, best[kind])
        linear_report = {r["dense_share"]: r for r in linear_sweep(cands, "report")}
        for r in linear_sweep(cands, "tune"):
            share = r["dense_share"]
            print(
                "linear dense_share",
                share,
                "tune",
                {k: round(r[k]["hit@1"], 3) for k in KINDS},
                "report",
                {k: round(linear_report[share][k]["hit@1"], 3) for k in KINDS},
            )
        return
    if args.probe is not None:
        variants = [(v.split(":")[0], int(v.split(":")[1]), int(v.split(":")[2])) for v in args.probe]
        rows = dense_probe(args.shared, args.data_dir, variants, args.known_items, args.laws or DEV_LAWS)
        print(json.dumps(rows, ensure_ascii=False))
        return
    report = evaluate(args.shared, args.data_dir, args.known_items, split=args.split)
    if args.out:
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(render(report))


if __name__ == "__main__":
    main()
