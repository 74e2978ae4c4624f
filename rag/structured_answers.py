"""Answers read from a document's recovered structure instead of from its sentences.

"Ai ký Kế hoạch 3260?", "ban hành ngày nào", "số hiệu", "cơ quan nào ban hành" are answered from
``Document.meta`` (the header block and the signature); "Sở Tư pháp chuẩn bị thảo luận nội dung gì?",
"cơ quan nào chủ trì việc Y", "đơn vị nào thảo luận về Y" from ``Document.assignments`` (or, in a topic
guide whose assignments were not extracted, from its topic ↔ organisation lists). Each fact comes with
the span of ``Document.text`` that states it, so the answer pipeline can cite it like any sentence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ingest.model import Assignment, Document, DocumentMeta, Topic
from ingest.normalize import fold
from ingest.wordlists import ASSIGNMENT_VERBS, BODY_HEADS, FRAME_WORDS, QUESTION_SYLLABLES, STOPWORDS
from rag.citations import WORD_RE, name_tokens
from rag.query_understanding import Ask, organisation_core, topic_number

TOPIC_GUIDE_DISCUSSION = "Vấn đề thảo luận"
"""The topic-guide field that holds a topic's discussion questions."""
MAX_FACTS = 6
"""Most facts (sentences) in one structured answer."""

_ROLE_VERB = {
    "chu_tri": "chủ trì",
    "phoi_hop": "phối hợp",
    "thao_luan": "chuẩn bị thảo luận",
    "chiu_trach_nhiem": "chịu trách nhiệm",
    "thuc_hien": "thực hiện",
}
_ASSIGNMENT_VERB = re.compile("|".join(ASSIGNMENT_VERBS))
_CODE_LIKE = re.compile(r"\d")


@dataclass
class Fact:
    """One sentence of a structured answer and the span of its document that states it."""

    text: str
    doc: Document
    start: int
    end: int


def _title(meta: DocumentMeta, doc: Document) -> str:
    """How the answer names the document: "Kế hoạch số 3260-KH/ĐĐQH15" (else its title)."""
    kind = meta.kind_label.strip().capitalize()
    if kind and meta.number:
        return f"{kind} số {meta.number}"
    return kind or doc.title


def _span_of(doc: Document, names: Iterable[str], value: str) -> tuple[int, int] | None:
    """The span of ``doc`` holding ``value``: the header/signature spans recorded by ingest, else the value itself."""
    spans = [doc.meta.spans[n] for n in names if n in doc.meta.spans]
    if spans:
        start, end = min(s for s, _ in spans), max(e for _, e in spans)
        if fold(value) in fold(doc.text[start:end]):
            return start, end
    found = doc.text.find(value)
    return (found, found + len(value)) if found >= 0 and value else None


def _date_words(meta: DocumentMeta) -> str:
    """The date as the header writes it, without the place ("Hà Nội, ngày 10 …" → "ngày 10 …"), plus d/m/yyyy."""
    written = meta.date_text.split(",", 1)[-1].strip() if meta.date_text else ""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", meta.date)
    numeric = f"{match.group(3)}/{match.group(2)}/{match.group(1)}" if match else ""
    if written and numeric:
        return f"{written} ({numeric})"
    return written or numeric


def meta_fact(field_name: str, doc: Document) -> Fact | None:
    """The sentence answering a header/signature question about ``doc``, or None when ingest did not find it."""
    meta, title = doc.meta, _title(doc.meta, doc)
    if field_name == "signer" and meta.signer:
        position = f" ({meta.signer_position})" if meta.signer_position else ""
        text, value, names = f"{title} do {meta.signer}{position} ký.", meta.signer, ("signer_position", "signer")
    elif field_name == "date" and (meta.date_text or meta.date):
        when = _date_words(meta)
        place = f" tại {meta.place}" if meta.place else ""
        text, names = f"{title} được ban hành{place} {when}.", ("date",)
        value = meta.date_text or when
    elif field_name == "number" and meta.number:
        text, value, names = f"Số hiệu của văn bản là {meta.number}.", meta.number, ("number",)
    elif field_name == "issuer" and meta.issuer:
        parent = f" (thuộc {meta.parent_issuer})" if meta.parent_issuer else ""
        text, value, names = f"{title} do {meta.issuer}{parent} ban hành.", meta.issuer, ("parent_issuer", "issuer")
    elif field_name == "place" and meta.place:
        text, value, names = f"{title} được ban hành tại {meta.place}.", meta.place, ("date", "place")
    elif field_name == "trich_yeu" and meta.trich_yeu:
        text, value, names = f"Trích yếu: {meta.trich_yeu}.", meta.trich_yeu, ("trich_yeu",)
    else:
        return None
    span = _span_of(doc, names, value)
    return Fact(text, doc, *span) if span else None


def _numbers_named(question: str) -> set[str]:
    """Numbers and codes the question names ("3260", "3260-kh/ddqh15", "57"): they pick the document."""
    out: set[str] = set()
    for token in name_tokens(question):
        if _CODE_LIKE.search(token):
            out.add(token)
            out.add(re.match(r"\d*", token).group(0) or token)
    return {t for t in out if t}


def _number_matches(doc: Document, named: set[str]) -> bool:
    tokens = name_tokens(doc.meta.number)
    if not tokens:
        return False
    head = re.match(r"\d*", tokens[0]).group(0)
    return bool(named & {tokens[0], head} - {""})


def pick_document(
    question: str, docs: Sequence[Document], more: Callable[[], Iterable[Document]], field_name: str = ""
) -> Document | None:
    """The document a metadata question is about: the one whose number the question names ("Kế hoạch 3260"),
    else the best-ranked retrieved one. None when a named number matches no document (then the question is
    about a document troly does not hold, e.g. the Nghị quyết that a plan implements)."""
    named = {n for n in _numbers_named(question) if len(n) >= 2}
    if not named or field_name == "number":  # a question asking for the number cannot name it: numbers it
        # names are other documents' ("số hiệu của kế hoạch triển khai Nghị quyết 57")
        return docs[0] if docs else None
    for doc in [*docs, *more()]:
        if _number_matches(doc, named):
            return doc
    return None


# ---- assignments ---------------------------------------------------------------------------------------------


def assignments_of(doc: Document) -> list[Assignment]:
    """The document's assignments; a topic guide without extracted ones gets its topic ↔ organisation join."""
    if doc.assignments:
        return list(doc.assignments)
    derived = []
    for topic in doc.topics:
        for org in topic.organisations:
            title_end = topic.start + len(doc.text[topic.start : topic.end].split("\n", 1)[0])
            derived.append(
                Assignment(org, topic.title, "thao_luan", "", topic.start, title_end, f"{topic.number}. {topic.title}")
            )
    return derived


def _body_named(assignment: Assignment, question_words: list[str]) -> bool:
    """The question names the assignment's body ("Sở Tư pháp" in "Sở Tư pháp chuẩn bị thảo luận nội dung gì?")."""
    core = organisation_core(assignment.body)
    n = len(core)
    return n >= 2 and any(question_words[i : i + n] == core for i in range(len(question_words) - n + 1))


_ROLE_ASKED = (
    ("chu_tri", re.compile(r"\bchu tri\b")),
    ("phoi_hop", re.compile(r"\bphoi hop\b")),
    ("thao_luan", re.compile(r"\bthao luan\b|\bchuan bi\b")),
)
_BODY_WORDS = {w for head in BODY_HEADS for w in head.split()} | {"don", "vi", "co", "quan", "chuc", "nao", "nhung"}


def _key_words(question: str, drop: Iterable[str] = ()) -> set[str]:
    """The question's words that describe the task (not its function, question, body or verb words)."""
    skip = set(STOPWORDS) | set(QUESTION_SYLLABLES) | set(drop) | {w for f in FRAME_WORDS for w in f.split()}
    skip |= {w for v in ASSIGNMENT_VERBS for w in v.split()} | _BODY_WORDS | {"chuan", "bi"}
    return {w for w in WORD_RE.findall(fold(question)) if w not in skip and not w.isdigit()}


def _has_role(assignment: Assignment, roles: set[str]) -> bool:
    """The assignment's role is one asked for, or its task says it ("Tiếp tục rà soát, …, chủ trì thẩm tra …")."""
    if assignment.role in roles:
        return True
    task = fold(assignment.task)
    return any(pattern.search(task) for role, pattern in _ROLE_ASKED if role in roles)


def _roles_asked(question: str) -> set[str]:
    """The roles the question's verb allows ("chủ trì" → chu_tri); empty = any role."""
    folded = fold(question)
    return {role for role, pattern in _ROLE_ASKED if pattern.search(folded)}


def _topic_of(doc: Document, offset: int) -> Topic | None:
    return next((t for t in doc.topics if t.start <= offset < t.end), None)


def _statement(doc: Document, bodies: str, assignment: Assignment) -> list[Fact]:
    """ "<bodies> <role>: <task>" cited to the assignment's span; when that span does not hold the task (a topic
    guide's organisation list sits below its topic's title), the task becomes a second sentence cited where it
    is written, so every sentence is backed by the words of the passage it cites."""
    verb = _ROLE_VERB.get(assignment.role, "được giao")
    task = assignment.task.strip().rstrip(" .;:")
    where = f" (thời hạn: {assignment.deadline})" if assignment.deadline else ""
    if not task or fold(task) in fold(doc.text[assignment.start : assignment.end]):
        return [Fact(f"{bodies} {verb}: {task}{where}.", doc, assignment.start, assignment.end)]
    facts = [Fact(f"{bodies} {verb}{where}.", doc, assignment.start, assignment.end)]
    topic = _topic_of(doc, assignment.start)
    found = doc.text.rfind(task, 0, assignment.start)
    found = found if found >= 0 else doc.text.find(task)
    if found >= 0:
        label = f"Chuyên đề {topic.number}" if topic is not None else "Nội dung"
        facts.append(Fact(f"{label}: {task}.", doc, found, found + len(task)))
    return facts


def _task_facts(doc: Document, assignment: Assignment) -> list[Fact]:
    """What a body is asked to do, cited where the document says it; a topic guide adds the topic's discussion
    questions ("Vấn đề thảo luận")."""
    facts = _statement(doc, assignment.body, assignment)
    topic = _topic_of(doc, assignment.start) if assignment.role == "thao_luan" else None
    if topic is not None and TOPIC_GUIDE_DISCUSSION in topic.field_spans:
        s, e = topic.field_spans[TOPIC_GUIDE_DISCUSSION]
        facts.append(Fact(f"Vấn đề thảo luận: {topic.fields[TOPIC_GUIDE_DISCUSSION].rstrip(' .')}.", doc, s, e))
    return facts


def tasks_of_body(question: str, docs: Sequence[Document]) -> list[Fact]:
    """ "X phải làm gì / được giao gì / thảo luận nội dung gì": the tasks of the body the question names."""
    words = WORD_RE.findall(fold(question))
    facts: list[Fact] = []
    for doc in docs:
        for assignment in assignments_of(doc):
            if _body_named(assignment, words):
                facts.extend(_task_facts(doc, assignment))
    return facts[:MAX_FACTS]


def bodies_for_task(question: str, docs: Sequence[Document]) -> list[Fact]:
    """ "Cơ quan nào chủ trì việc Y", "đơn vị nào thảo luận về Y": the bodies of the best-matching task.

    The task is matched on the question's key words against the task text and its heading path; a topic
    number ("chuyên đề 3") picks the topic directly.
    """
    number = topic_number(question)
    wanted = _key_words(question, drop={"chuyen", "de"} if number is not None else ())
    roles = _roles_asked(question)
    pool: list[tuple[Document, Assignment, set[str]]] = []
    for doc in docs:
        for assignment in assignments_of(doc):
            if roles and not _has_role(assignment, roles):
                continue
            topic = _topic_of(doc, assignment.start)
            if number is not None:
                if topic is not None and topic.number == number:
                    pool.append((doc, assignment, set(wanted)))
                continue
            text = f"{assignment.task} {assignment.heading_path}"
            if topic is not None:
                text += " " + " ".join(topic.fields.values())
            pool.append((doc, assignment, set(WORD_RE.findall(fold(text)))))
    if number is not None:
        return _bodies_facts([(doc, a) for doc, a, _ in pool])
    if not pool or not wanted:
        return []
    # Words found in few tasks name the task ("đấu thầu"); words in every task ("thẩm tra", "luật") do not.
    weight = {w: math.log(1 + len(pool) / (1 + sum(w in have for _, _, have in pool))) for w in wanted}
    total = sum(weight.values())
    scored = [(sum(weight[w] for w in wanted & have) / total, doc, a) for doc, a, have in pool]
    best = max(score for score, _, _ in scored)
    if best < 0.6:
        return []
    chosen = [(d, a) for score, d, a in scored if score == best]
    return _bodies_facts(chosen)


def _bodies_facts(chosen: list[tuple[Document, Assignment]]) -> list[Fact]:
    """One sentence per task: the bodies in charge of it and their role, cited to the task's span."""
    by_task: dict[tuple[str, int, int], list[Assignment]] = {}
    docs: dict[tuple[str, int, int], Document] = {}
    for doc, assignment in chosen:
        key = (doc.doc_id, assignment.start, assignment.end)
        by_task.setdefault(key, []).append(assignment)
        docs[key] = doc
    facts: list[Fact] = []
    for key, group in by_task.items():
        facts.extend(_statement(docs[key], ", ".join(dict.fromkeys(a.body for a in group)), group[0]))
    return facts[:MAX_FACTS]


def asks_about_assignment(question: str, ask: Ask, docs: Sequence[Document]) -> str:
    """ "bodies" for "cơ quan nào chủ trì việc Y"; "tasks" for "X phải làm gì / thảo luận những chuyên đề nào"
    when X is a body with assignments in ``docs``; "" for anything else."""
    if ask.meta_field:
        return ""
    folded = fold(question)
    verb = _ASSIGNMENT_VERB.search(folded)
    if "body" in ask and verb:
        return "bodies"
    asks_which = "tasks" in ask or (verb and re.search(r"\b(?:gi|nao)\b", folded))
    if asks_which and not ({"body", "person"} & ask.wants) and body_named_in(question, docs):
        return "tasks"
    return ""


def body_named_in(question: str, docs: Sequence[Document]) -> bool:
    """Whether the question names a body that has assignments in ``docs``."""
    words = WORD_RE.findall(fold(question))
    return any(_body_named(a, words) for d in docs for a in assignments_of(d))
