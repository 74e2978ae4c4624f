"""``troly doctor``: do Chroma, the SQLite chunk table and the lexical index agree (and does a search find every
vector), and how to repair them.

The chunk table is the source of truth (see rag/index.py). Chroma must hold
exactly its ids, the lexical side of the committed generation must hold
exactly its rows, the lexical main must be complete (restorer included).
Each finding says what is wrong, for which document, and what the repair does.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rag.index import Index
from rag.lexical import LexicalIndex, read_pointer
from rag.lexical_delta import COLUMNS_FILE, RESTORER_FILE

log = logging.getLogger(__name__)

REPAIR = "run `troly doctor --repair`"


@dataclass
class Finding:
    """One disagreement and the repair that fixes it."""

    problem: str
    repair: str


@dataclass
class HealthReport:
    """Counts of each store and every disagreement found."""

    collection: str
    generation: int
    documents: int
    chunks: int
    vectors: int
    lexical_rows: int
    lexical_generation: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        return {
            "collection": self.collection,
            "ok": self.ok,
            "generation": self.generation,
            "documents": self.documents,
            "chunks": self.chunks,
            "vectors": self.vectors,
            "lexical_rows": self.lexical_rows,
            "lexical_generation": self.lexical_generation,
            "findings": [{"problem": f.problem, "repair": f.repair} for f in self.findings],
        }


def check(index: Index) -> HealthReport:
    """Compare the three stores id by id, per document (reads only)."""
    table = dict(index.db.execute("SELECT chunk_id, doc_id FROM chunks").fetchall())
    documents = {r[0] for r in index.db.execute("SELECT doc_id FROM documents").fetchall()}
    got = index.collection.get(include=["metadatas"])
    chroma = {cid: str((meta or {}).get("doc_id", "?")) for cid, meta in zip(got["ids"], got["metadatas"], strict=True)}
    side = index.side
    lexical = dict(zip(side.lexical.ids, side.columns.doc_id.tolist(), strict=True))
    report = HealthReport(
        collection=index.settings.collection,
        generation=index.generation(),
        documents=len(documents),
        chunks=len(table),
        vectors=len(chroma),
        lexical_rows=len(lexical),
        lexical_generation=side.lexical.generation,
    )
    report.findings += _main_findings(index)
    if index._state("pending") == "1":
        report.findings.append(
            Finding("an upsert or delete was interrupted (pending flag set)", f"{REPAIR} (reconciles Chroma)")
        )
    if side.lexical.generation != report.generation:
        report.findings.append(
            Finding(
                f"lexical index serves generation {side.lexical.generation}, SQLite is at {report.generation}",
                f"{REPAIR} (rebuilds the lexical index)",
            )
        )
    report.findings += _id_findings(table, chroma, "vector", "Chroma", "re-embeds missing vectors, deletes stray ones")
    report.findings += _id_findings(table, lexical, "lexical row", "the lexical index", "rebuilds the lexical index")
    lost = Counter(chroma[cid] for cid in index.unreachable(list(chroma))) if chroma else Counter()
    for doc_id, n in sorted(lost.items()):
        report.findings.append(
            Finding(
                f"{n} vector(s) of {doc_id!r} are never returned by a search (Chroma lost them after deletes)",
                f"{REPAIR} (copies every vector into a fresh Chroma collection)",
            )
        )
    orphans = Counter(d for d in table.values() if d not in documents)
    for doc_id, n in sorted(orphans.items()):
        report.findings.append(
            Finding(f"{n} chunk(s) of {doc_id!r} have no document row", f"`troly docs remove {doc_id}`")
        )
    return report


def _main_findings(index: Index) -> list[Finding]:
    """The saved lexical main: named by the pointer, complete, with its restorer and filter columns."""
    cdir = index.settings.collection_dir
    name = read_pointer(cdir)
    fix = f"{REPAIR} (rebuilds the lexical index)"
    if name is None:
        return [Finding(f"no lexical index pointer ({cdir.name}/lexical.current)", fix)]
    found = []
    if LexicalIndex.load(cdir) is None:
        found.append(Finding(f"lexical main {name} is missing or unreadable", fix))
    for file_name in (RESTORER_FILE, COLUMNS_FILE):
        if not (cdir / name / file_name).is_file():
            found.append(Finding(f"lexical main {name} has no {file_name}", fix))
    return found


def _id_findings(table: dict[str, str], other: dict[str, str], what: str, where: str, fix: str) -> list[Finding]:
    """Per document: chunk ids the other store lacks, and ids it has that the chunk table does not."""
    missing = Counter(doc for cid, doc in table.items() if cid not in other)
    extra = Counter(doc for cid, doc in other.items() if cid not in table)
    found = [
        Finding(f"{n} {what}(s) of {doc!r} missing from {where}", f"{REPAIR} ({fix})")
        for doc, n in sorted(missing.items())
    ]
    found += [
        Finding(f"{n} {what}(s) of {doc!r} in {where} have no chunk row", f"{REPAIR} ({fix})")
        for doc, n in sorted(extra.items())
    ]
    return found


def repair(index: Index) -> list[str]:
    """Make Chroma and the lexical side match the chunk table, under the writer lock; returns what was done."""
    done = []
    with index._writer():
        table = {r[0] for r in index.db.execute("SELECT chunk_id FROM chunks").fetchall()}
        in_chroma = set(index.collection.get(include=[])["ids"])
        if table != in_chroma:
            index._reconcile_chroma()
            done.append(
                f"Chroma: re-embedded {len(table - in_chroma)} missing vector(s), "
                f"deleted {len(in_chroma - table)} stray vector(s)"
            )
        index.db.execute("INSERT OR REPLACE INTO state VALUES ('pending', '0')")
        index._rebuild_main()
        done.append(f"lexical index rebuilt from {len(table)} chunk row(s) at generation {index.generation()}")
        lost = index.unreachable(sorted(table))  # Chroma holds exactly the table's ids by now
        if lost:
            copied = index._rebuild_dense()
            done.append(f"Chroma: {len(lost)} vector(s) no search returned; {copied} copied into a fresh collection")
    index.side = index._read_side() or index.side
    log.info("doctor repaired %s: %s", index.settings.collection, "; ".join(done))
    return done
