"""Assignment recall and precision against assignments listed by hand (``eval/assignments_gold.jsonl``).

The gold file names parts of real documents (a *scope*: from a start quote up to an end quote) and lists every
assignment written there: the body in charge, its role, words copied from its task, the co-operating bodies and
the deadline. Each body in charge and each co-operating body is one *unit* to find. An extracted assignment
(:func:`ingest.assignments.extract_assignments`, run by the ordinary loaders) finds a unit when

- its body is the unit's body (diacritics, case, a leading "các" and a bracketed remark ignored),
- its role fits (a body in charge: chủ trì / thực hiện / chịu trách nhiệm; a co-operating body: phối hợp;
  role "any" in the gold accepts every role),
- the unit's task words occur in its task or in the sentence or row it was read from.

Recall = units found / units; precision = extracted assignments inside the scopes that find a unit (or name a
body the gold lists as acceptable for a task they carry) / extracted assignments inside the scopes. Every scope
has an explicit tune/report split (:func:`eval.questions.split_of`): rules are fitted on "tune", figures are
published for "report". Run: ``troly eval assignments``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eval.questions import SPLITS, locate_quote, split_of
from ingest.model import Assignment, Document
from ingest.normalize import fold

DEFAULT_GOLD = Path(__file__).resolve().parent / "assignments_gold.jsonl"
LEAD_ROLES = frozenset({"chu_tri", "thuc_hien", "chiu_trach_nhiem"})
ROLES = (*sorted(LEAD_ROLES), "phoi_hop", "any")


class GoldError(ValueError):
    """A gold file that cannot be read; the message names the file, line and reason."""


@dataclass(frozen=True)
class Scope:
    """A part of a document whose assignments are all listed."""

    id: str
    document: str
    start: str
    end: str
    split: str


@dataclass(frozen=True)
class GoldAssignment:
    id: str
    scope: str
    body: str
    role: str
    task: str
    with_: tuple[str, ...] = ()
    deadline: str = ""
    optional: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unit:
    """One body to find for one task: the body in charge (``lead``) or a co-operating body."""

    gold: GoldAssignment
    body: str
    lead: bool


@dataclass
class Counts:
    units: int = 0
    found: int = 0
    extracted: int = 0
    correct: int = 0
    deadlines: int = 0
    deadlines_right: int = 0
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    def add(self, other: Counts) -> None:
        for name in ("units", "found", "extracted", "correct", "deadlines", "deadlines_right"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses.extend(other.misses)
        self.wrong.extend(other.wrong)

    @property
    def recall(self) -> float:
        return self.found / self.units if self.units else 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.extracted if self.extracted else 0.0

    @property
    def deadline_accuracy(self) -> float:
        return self.deadlines_right / self.deadlines if self.deadlines else 0.0


@dataclass
class AssignmentReport:
    by_scope: dict[str, Counts]
    scopes: list[Scope]

    def by_split(self) -> dict[str, Counts]:
        out = {name: Counts() for name in SPLITS}
        for scope in self.scopes:
            out[scope.split].add(self.by_scope[scope.id])
        return out


def load_gold(path: Path | str = DEFAULT_GOLD) -> tuple[list[Scope], list[GoldAssignment]]:
    """Scopes and assignments of a gold file; raises :class:`GoldError` naming the line and the reason."""
    path = Path(path)
    if not path.is_file():
        raise GoldError(f"{path}: không tìm thấy tệp đáp án phân công")
    scopes: list[Scope] = []
    gold: list[GoldAssignment] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        where = f"{path}:{lineno}"
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GoldError(f"{where}: không phải JSON hợp lệ ({exc.msg})") from None
        try:
            if "body" in raw:
                gold.append(_assignment(raw))
            else:
                scopes.append(
                    Scope(
                        raw["scope"], raw["document"], raw["start"], raw["end"], split_of({"id": raw["scope"], **raw})
                    )
                )
        except (KeyError, TypeError) as exc:
            raise GoldError(f"{where}: thiếu trường {exc}") from None
        except ValueError as exc:
            raise GoldError(f"{where}: {exc}") from None
    known = {s.id for s in scopes}
    for g in gold:
        if g.scope not in known:
            raise GoldError(f"{path}: {g.id}: phạm vi {g.scope!r} chưa được khai báo")
    if len({g.id for g in gold}) != len(gold):
        raise GoldError(f"{path}: có mã phân công trùng nhau")
    return scopes, gold


def _assignment(raw: dict) -> GoldAssignment:
    if raw["role"] not in ROLES:
        raise ValueError(f"vai trò {raw['role']!r} không hợp lệ (một trong {', '.join(ROLES)})")
    return GoldAssignment(
        id=raw["id"],
        scope=raw["scope"],
        body=raw["body"],
        role=raw["role"],
        task=raw["task"],
        with_=tuple(raw.get("with", ())),
        deadline=raw.get("deadline", ""),
        optional=tuple(raw.get("optional", ())),
    )


def units_of(gold: Iterable[GoldAssignment]) -> list[Unit]:
    """The body in charge and each co-operating body of every gold assignment."""
    return [Unit(g, body, body == g.body) for g in gold for body in (g.body, *g.with_)]


def body_key(name: str) -> str:
    """A body's name for comparison: folded, a bracketed remark and a leading "các" dropped."""
    name = re.sub(r"\([^)]*\)", " ", name)
    folded = " ".join(re.sub(r"[^\w&,\- ]", " ", fold(name)).split()).strip(" ,-")
    return folded[4:] if folded.startswith("cac ") else folded


def _role_fits(unit: Unit, role: str) -> bool:
    if unit.gold.role == "any":
        return True
    if unit.lead and unit.gold.role != "phoi_hop":
        return role in LEAD_ROLES
    return role == "phoi_hop"


def _carries(found: Assignment, task: str, text: str) -> bool:
    words = " ".join(fold(task).split())
    return words in " ".join(fold(found.task).split()) or words in " ".join(fold(text[found.start : found.end]).split())


def finds(found: Assignment, unit: Unit, text: str) -> bool:
    """Whether an extracted assignment finds a gold unit (see the module docstring)."""
    return (
        body_key(found.body) == body_key(unit.body)
        and _role_fits(unit, found.role)
        and _carries(found, unit.gold.task, text)
    )


def _acceptable(found: Assignment, gold: Sequence[GoldAssignment], text: str) -> bool:
    key = body_key(found.body)
    return any(key in {body_key(b) for b in g.optional} and _carries(found, g.task, text) for g in gold)


def scope_span(doc: Document, scope: Scope) -> tuple[int, int] | None:
    """Where a scope lies in a document's text: its start quote up to the first end quote after it."""
    starts = locate_quote(doc.text, scope.start)
    if not starts:
        return None
    begin = starts[0][0]
    ends = [s for s, _ in locate_quote(doc.text, scope.end) if s > begin]
    return begin, (ends[0] if ends else len(doc.text))


def measure_scope(docs: Sequence[Document], scope: Scope, gold: Sequence[GoldAssignment]) -> Counts:
    """Recall, precision and deadlines of one scope, over the documents read from its file."""
    for doc in docs:
        span = scope_span(doc, scope)
        if span is not None:
            break
    else:
        raise GoldError(f"{scope.id}: không tìm thấy đoạn {scope.start!r} trong {scope.document}")
    begin, end = span
    inside = [a for a in doc.assignments if begin <= a.start < end]
    counts = Counts()
    used: set[int] = set()
    for unit in units_of(gold):
        counts.units += 1
        hits = [i for i, a in enumerate(inside) if finds(a, unit, doc.text)]
        if not hits:
            counts.misses.append(
                f"{unit.gold.id}: {unit.body} ({'chủ trì' if unit.lead else 'phối hợp'}) — {unit.gold.task}"
            )
            continue
        counts.found += 1
        used.update(hits)
        if unit.lead and unit.gold.deadline:
            counts.deadlines += 1
            want = fold(unit.gold.deadline)
            got = [inside[i].deadline for i in hits]
            if any(d and (want in fold(d) or fold(d) in want) for d in got):
                counts.deadlines_right += 1
            else:
                counts.misses.append(f"{unit.gold.id}: thời hạn {unit.gold.deadline!r}, đọc được {got}")
    counts.extracted = len(inside)
    for i, a in enumerate(inside):
        if i in used or _acceptable(a, gold, doc.text):
            counts.correct += 1
        else:
            counts.wrong.append(f"{scope.id}: {a.body} ({a.role}) — {a.task[:80]}")
    return counts


def measure(gold_path: Path | str = DEFAULT_GOLD, shared: Path | str = "../shared/data") -> AssignmentReport:
    """Load every document the gold names (from ``shared``) with the ordinary loaders and measure each scope."""
    from ingest.pipeline import load_documents

    scopes, gold = load_gold(gold_path)
    shared = Path(shared)
    loaded: dict[str, list[Document]] = {}
    by_scope: dict[str, Counts] = {}
    for scope in scopes:
        if scope.document not in loaded:
            source = shared / scope.document
            if not source.is_file():
                raise GoldError(f"{source}: không tìm thấy văn bản (dữ liệu dùng chung không nằm trong kho mã)")
            loaded[scope.document] = load_documents(source)
        by_scope[scope.id] = measure_scope(loaded[scope.document], scope, [g for g in gold if g.scope == scope.id])
    return AssignmentReport(by_scope, scopes)


def report_lines(report: AssignmentReport, show_misses: bool = False) -> list[str]:
    """The figures per split and per scope, as printed by ``troly eval assignments``; misses and wrong
    extractions are listed for the tune split only (the report split is not looked at while tuning)."""
    lines = ["split   units found recall | extracted correct precision | deadlines right"]
    for name, c in report.by_split().items():
        lines.append(
            f"{name:<7} {c.units:>5} {c.found:>5} {c.recall:>6.3f} | {c.extracted:>9} {c.correct:>7} "
            f"{c.precision:>9.3f} | {c.deadlines:>9} {c.deadlines_right:>5}"
        )
    lines.append("")
    lines.append("scope                 split  recall precision")
    for scope in report.scopes:
        c = report.by_scope[scope.id]
        lines.append(f"{scope.id:<21} {scope.split:<6} {c.found:>3}/{c.units:<3} {c.correct:>3}/{c.extracted:<3}")
    if show_misses:
        for scope in report.scopes:
            if scope.split != "tune":
                continue
            c = report.by_scope[scope.id]
            lines.extend(f"  thiếu  {m}" for m in c.misses)
            lines.extend(f"  thừa   {w}" for w in c.wrong)
    return lines
