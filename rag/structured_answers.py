"""Answers read from a document's recovered structure instead of from its sentences.

"Ai ký Kế hoạch 3260?", "ban hành ngày nào", "số hiệu", "cơ quan nào ban hành" are answered from
``Document.meta`` (the header block and the signature); "Sở Tư pháp chuẩn bị thảo luận nội dung gì?",
"cơ quan nào chủ trì việc Y", "đơn vị nào thảo luận về Y" from ``Document.assignments`` (or, in a topic
guide whose assignments were not extracted, from its topic ↔ organisation lists). Each fact comes with
the span of ``Document.text`` that states it, so the answer pipeline can cite it like any sentence.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from ingest.header import KINDS
from ingest.model import ROLE_LABELS, Assignment, Document, DocumentMeta, Heading, Topic
from ingest.normalize import fold, strip_diacritics
from ingest.tables import TableRow, is_number_header, table_rows
from ingest.wordlists import (
    ASSIGNMENT_VERBS,
    BODY_HEADS,
    DOCUMENT_KINDS,
    FRAME_WORDS,
    QUESTION_SYLLABLES,
    STOPWORDS,
)
from rag.citations import WORD_RE, has_phrase
from rag.query_understanding import (
    DATE_WRITTEN,
    REPLACES,
    Ask,
    analyse,
    asked_part_kind,
    asked_unit,
    asks_for,
    number_matches,
    numbers_named,
    organisation_core,
    reference_words,
    topic_number,
)

TOPIC_GUIDE_DISCUSSION = "Vấn đề thảo luận"
"""The topic-guide field that holds a topic's discussion questions."""
MAX_FACTS = 6
"""Most facts (sentences) in one structured answer."""

_ASSIGNMENT_VERB = re.compile("|".join(ASSIGNMENT_VERBS))


@dataclass
class Fact:
    """One sentence of a structured answer and the span of its document that states it."""

    text: str
    doc: Document
    start: int
    end: int
    context: str = ""
    """Words the fact may take from outside its span (a table's header row: "Tiến độ" names the cell's column)."""
    lead: tuple[int, int] | None = None
    """Where the line naming the fact's body stands when its span does not ("Ủy ban nhân dân cấp tỉnh có trách
    nhiệm:" above "3. Kiểm tra …"): cited too when the passage cited for the span does not hold it."""


def _title(meta: DocumentMeta, doc: Document) -> str:
    """How the answer names the document: "Kế hoạch số 3260-KH/ĐĐQH15" (else its title)."""
    kind = meta.kind_label.strip().capitalize()
    if kind and meta.number:
        return f"{kind} số {meta.number}"
    return kind or doc.title


def document_name(doc: Document) -> str:
    """How an answer calls ``doc`` ("Kết luận số 221-KL/TW")."""
    return _title(doc.meta, doc)


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


def _issuer(meta: DocumentMeta) -> str:
    """The issuing body as it is called: a unit named by its kind alone ("VĂN PHÒNG" under "ĐẢNG ỦY CHÍNH PHỦ") takes
    its parent's name (Văn phòng Đảng ủy Chính phủ); a named body keeps its parent in brackets."""
    if not meta.parent_issuer:
        return meta.issuer
    if len(meta.issuer.split()) <= 2:
        return f"{meta.issuer} {meta.parent_issuer}"
    return f"{meta.issuer} (thuộc {meta.parent_issuer})"


def _recipients(doc: Document, question: str) -> tuple[str, tuple[str, ...]] | None:
    """Who the document is sent to, and the span names that hold it: the addressee under its title ("Kính gửi: …")
    (unless the Nơi nhận is asked) else its Nơi nhận list without the file copy ("Lưu: VT") and "Như trên". When
    the question names recipients of the list ("gửi Ban cán sự đảng Chính phủ để làm gì"), only those, with what the
    list adds ("(để phối hợp)")."""
    skip = set(STOPWORDS) | set(QUESTION_SYLLABLES)

    def words(text: str) -> set[str]:
        return set(WORD_RE.findall(fold(re.sub(r"\([^)]*\)", " ", text)))) - skip  # "(để phối hợp)" names no one

    wanted = words(question)
    items = [i for i in doc.meta.recipients if not fold(i).startswith(("luu", "nhu tren"))]
    named = [i for i in items if (name := words(i)) and len(name & wanted) >= 0.8 * len(name)]
    if named and "recipients" in doc.meta.spans:
        return "; ".join(named), ("recipients",)
    if "addressee" in doc.meta.spans and "noi nhan" not in fold(question):
        start, end = doc.meta.spans["addressee"]
        lines = [line.strip().lstrip("-+• ").rstrip(",;. ") for line in doc.text[start:end].splitlines()]
        return "; ".join(line for line in lines if line), ("addressee",)
    if items and "recipients" in doc.meta.spans:
        return "; ".join(items), ("recipients",)
    return None


_SELF_EFFECT = re.compile(
    r"\b(?:" + "|".join(word for word, _ in KINDS) + r"|van ban)\s+nay\b[^.;\n]{0,240}?\bco hieu luc\b"
)
_AFTER_DATE = re.compile(r"\b(?:ngay|truoc|sau|khi)\s*$")


def _effective_clause(doc: Document) -> tuple[str, int, int] | None:
    """The sentence in which ``doc`` says when it takes effect ("Quyết định này có hiệu lực thi hành kể từ ngày
    ký.", "Luật này có hiệu lực thi hành từ ngày 01 tháng 7 năm 2007."), its own article label dropped, with its
    span; not a sentence that only refers to that moment ("Kể từ ngày Quy định này có hiệu lực thi hành: …")."""
    return _effective_in(doc.text)


@functools.lru_cache(maxsize=16)
def _effective_in(text: str) -> tuple[str, int, int] | None:
    """:func:`_effective_clause` of a document's text, read once per text (retrieval's structure vote and the
    structured answer both ask, for every retrieved document)."""
    plain = _plain(text)
    for match in _SELF_EFFECT.finditer(plain):
        if not _AFTER_DATE.search(plain[max(0, match.start() - 12) : match.start()]):
            return _sentence_around(text, plain, match)
    return None


@functools.lru_cache(maxsize=16)
def _plain(text: str) -> str:
    """``text`` without tone marks, lower case, place for place (a long law takes tens of milliseconds)."""
    return strip_diacritics(text).lower()


_DOCUMENT_CODE = re.compile(r"\d{1,4}(?:/\d{4})?[/-][^\W\d_]{1,6}\b|\d{1,4}/\d{4}/\w+")
"""A document's number as written in a sentence ("35/2005/QH11", "270-QĐ/TW", "598/QĐ-TTg")."""


def _replaced_clause(doc: Document) -> tuple[str, int, int] | None:
    """The sentence in which ``doc`` says which document it replaces ("Quy định này thay thế Quy định số 270-QĐ/TW,
    ngày 06/12/2014 …", "2. Luật Đường sắt số 35/2005/QH11 hết hiệu lực kể từ ngày Luật này có hiệu lực thi
    hành."), with its span; only one naming that document by its number."""
    return _replaced_in(doc.text)


@functools.lru_cache(maxsize=16)
def _replaced_in(text: str) -> tuple[str, int, int] | None:
    """:func:`_replaced_clause` of a document's text, read once per text (see :func:`_effective_in`)."""
    plain = _plain(text)
    for match in REPLACES.finditer(plain):
        sentence, start, end = _sentence_around(text, plain, match)
        if _DOCUMENT_CODE.search(sentence):
            return sentence, start, end
    return None


def _sentence_around(text: str, plain: str, match: re.Match[str]) -> tuple[str, int, int]:
    """The sentence of ``text`` holding ``match`` (found in ``plain``, ``text`` folded place for place), its
    article label dropped, with its span."""
    line_start = plain.rfind("\n", 0, match.start()) + 1
    stop = plain.rfind(". ", line_start, match.start())  # an earlier sentence, or the article's label
    sentence_start = stop + 2 if stop >= 0 else line_start
    ends = [i for i in (plain.find(". ", match.end()), plain.find("\n", match.end())) if i >= 0]
    end = min(ends) + 1 if ends else len(plain)
    sentence = text[sentence_start:end].strip()
    start = text.index(sentence, sentence_start)
    return sentence.rstrip(". ") + ".", start, start + len(sentence)


def meta_fact(field_name: str, doc: Document, question: str = "") -> Fact | None:
    """The sentence answering a header/signature question about ``doc``, or None when ingest did not find it."""
    meta, title = doc.meta, _title(doc.meta, doc)
    names: tuple[str, ...]
    sent = _recipients(doc, question) if field_name == "recipients" else None
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
        text, value, names = f"{title} do {_issuer(meta)} ban hành.", meta.issuer, ("parent_issuer", "issuer")
    elif field_name == "place" and meta.place:
        text, value, names = f"{title} được ban hành tại {meta.place}.", meta.place, ("date", "place")
    elif field_name == "trich_yeu" and meta.trich_yeu:
        text, value, names = f"Trích yếu: {meta.trich_yeu}.", meta.trich_yeu, ("trich_yeu",)
    elif field_name == "effective":
        clause = _effective_clause(doc)
        return Fact(clause[0], doc, clause[1], clause[2]) if clause else None
    elif field_name == "replaced":
        clause = _replaced_clause(doc)
        if clause is None or ("date" in asks_for(question) and not DATE_WRITTEN.search(clause[0])):
            return None  # "Luật Đường sắt cũ thông qua ngày nào": the clause names the old law by number only
        return Fact(clause[0], doc, clause[1], clause[2])
    elif sent is not None:
        value, names = sent
        text = f"{title} gửi: {value}." if names == ("recipients",) else f"{title} kính gửi {value}."
        start, end = meta.spans[names[0]]
        return Fact(text, doc, start, end)
    else:
        return None
    span = _span_of(doc, names, value)
    return Fact(text, doc, *span) if span else None


def _number_matches(doc: Document, named: AbstractSet[str]) -> bool:
    return number_matches(doc.meta.number, named)


def _documents_named(
    question: str, docs: Sequence[Document], more: Callable[[], Iterable[Document]], skip: Iterable[str] = ()
) -> list[Document]:
    """The documents (retrieved first, then ``more``) whose number the question names, ``skip`` aside."""
    named = numbers_named(question) - set(skip)
    return [d for d in [*docs, *more()] if _number_matches(d, named)] if named else []


def _of_kind_named(question: str, docs: Sequence[Document]) -> Document | None:
    """The best-ranked document of the kind the question names first ("Báo cáo của … do ai ký" → the report,
    not the công văn that covers it in the same file)."""
    kind = analyse(question).constraints.kind
    return next((d for d in docs if d.meta.kind == kind), None) if kind else None


def subject_documents(
    question: str, docs: Sequence[Document], more: Callable[[], Iterable[Document]]
) -> list[Document] | None:
    """The documents the question is about by name: those whose number it names and, when it names a kind of
    document, of the kind it names first ("Kết luận 221 giao cơ quan nào …" → Kết luận 221-KL/TW, whatever
    other documents the passages come from). None when it names no document troly holds: "Kế hoạch triển khai
    Nghị quyết 57 …" is about a plan, so a held Nghị quyết 57 is not its subject."""
    named = {n for n in numbers_named(question) if not re.fullmatch(r"(?:19|20)\d\d", n)}
    if not named:
        return [d for d in docs if named_by_title(question, d)] or None
    kind = analyse(question).constraints.kind
    held = {d.doc_id: d for d in [*docs, *more()] if _number_matches(d, named) and kind in ("", d.meta.kind)}
    return list(held.values()) or None


def named_by_title(question: str, doc: Document) -> bool:
    """Whether the question calls ``doc`` by its kind and its whole subject ("Luật Biên giới quốc gia được thông qua
    ngày nào" names "Luật biên giới quốc gia 06/2003/QH11"; "Quy định về phông lưu trữ Đảng …" names Quy định
    383-QĐ/TW): officials name a law by its title more often than by its number. A subject of one word names nothing."""
    kind = fold(doc.meta.kind_label)
    if not kind:
        return False
    subject = fold(doc.title).replace(fold(doc.meta.number), " ") if doc.meta.number else fold(doc.title)
    subject = " ".join(re.sub(r"[^\w\s-]", " ", subject).split())
    while subject.startswith(kind + " "):
        subject = subject[len(kind) + 1 :]
    subject = subject.removeprefix("ve ")
    if len(subject.split()) < 2:
        return False
    asked = fold(question)
    return any(has_phrase(asked, f"{kind} {between}{subject}") for between in ("", "ve "))


def pick_document(
    question: str, docs: Sequence[Document], more: Callable[[], Iterable[Document]], field_name: str = ""
) -> Document | None:
    """The document a metadata question is about: the one whose number the question names ("Kế hoạch 3260"),
    else the best-ranked retrieved one. None when a named number matches no document (then the question is
    about a document troly does not hold, e.g. the Nghị quyết that a plan implements)."""
    named = numbers_named(question)
    if field_name == "replaced":
        # "Quy định 270-QĐ/TW … trước đây ban hành ngày nào": a number named is the old document's, read in the
        # clause of the one that replaced it
        words = set(fold(question).split())
        clauses = [(doc, fold(c[0])) for doc in docs if (c := _replaced_clause(doc)) is not None]
        held = [(doc, c) for doc, c in clauses if not named or any(n in c for n in named)]
        if held:  # the clause sharing most of the question's words: "luật giám sát trước đó" is not Luật đấu thầu's
            return max(held, key=lambda dc: len(words & set(dc[1].split())))[0]
        return _of_kind_named(question, docs) or (docs[0] if docs else None)
    if not named or field_name == "number":  # a question asking for the number cannot name it: numbers it
        # names are other documents' ("số hiệu của kế hoạch triển khai Nghị quyết 57")
        return _of_kind_named(question, docs) or (docs[0] if docs else None)
    for doc in [*docs, *more()]:
        if _number_matches(doc, named):
            return doc
    if _about_another_kind(question):
        # "Dự thảo báo cáo … về triển khai Nghị quyết 57 kính gửi cơ quan nào?": the report is asked about, the
        # resolution it carries out (which troly does not hold) only describes it
        return _of_kind_named(question, docs)
    return None


def _about_another_kind(question: str) -> bool:
    """The question names a kind of document first, and every number it names belongs to another kind."""
    from rag.document_numbers import query_codes

    kind = analyse(question).constraints.kind
    letters = {k.code for k in DOCUMENT_KINDS if k.kind == kind and k.code}
    refs = query_codes(question)
    return bool(kind and letters and refs) and all(r.kind and r.kind not in letters for r in refs)


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
    """The question names the assignment's body ("Sở Tư pháp" in "Sở Tư pháp chuẩn bị thảo luận nội dung gì?"), or
    one of the bodies it lists ("Các Đoàn đại biểu Quốc hội, các đại biểu Quốc hội")."""
    parts = [assignment.body, *re.split(r",\s*|\s+và\s+", assignment.body)]
    return any(_body_written(part, question_words) for part in parts)


def _body_written(body: str, question_words: list[str]) -> bool:
    """The question writes ``body`` whole (its name's words, two or more, in order)."""
    core = organisation_core(body)
    n = len(core)
    return n >= 2 and any(question_words[i : i + n] == core for i in range(len(question_words) - n + 1))


_ROLE_ASKED = (
    ("chu_tri", re.compile(r"\bchu tri\b")),
    ("phoi_hop", re.compile(r"\bphoi hop\b")),
    ("thao_luan", re.compile(r"\bthao luan\b|\bchuan bi\b")),
)
_BODY_WORDS = {w for head in BODY_HEADS for w in head.split()} | {"don", "vi", "co", "quan", "chuc", "nao", "nhung"}


def _key_words(question: str, drop: Iterable[str] = ()) -> set[str]:
    """The question's words that describe the task (not its function, question, body or verb words, nor the
    words naming the document it is in)."""
    skip = set(STOPWORDS) | set(QUESTION_SYLLABLES) | set(drop) | {w for f in FRAME_WORDS for w in f.split()}
    skip |= reference_words(question)
    skip |= {w for v in ASSIGNMENT_VERBS for w in v.split()} | _BODY_WORDS | {"chuan", "bi"}
    return {w for w in WORD_RE.findall(fold(question)) if w not in skip and not w.isdigit()}


def _has_role(assignment: Assignment, roles: set[str]) -> bool:
    """The assignment's role is one asked for, or its task says it ("Tiếp tục rà soát, …, chủ trì thẩm tra …")."""
    if assignment.role in roles:
        return True
    task = fold(assignment.task)
    return any(pattern.search(task) for role, pattern in _ROLE_ASKED if role in roles)


def _roles_asked(question: str) -> set[str]:
    """The roles the question's verb allows ("chủ trì" → chu_tri); empty = any role. In "cơ quan nào chủ trì,
    phối hợp với Bộ X …" the "phối hợp với" names the partner the question already knows: chủ trì is asked."""
    folded = fold(question)
    roles = {role for role, pattern in _ROLE_ASKED if pattern.search(folded)}
    lead = re.search(r"\bchu tri\b", folded)
    if lead and re.search(r"\bphoi hop voi\b", folded[lead.end() :]):
        roles.discard("phoi_hop")
    return roles


def _topic_of(doc: Document, offset: int) -> Topic | None:
    return next((t for t in doc.topics if t.start <= offset < t.end), None)


def _statement(doc: Document, bodies: str, assignment: Assignment, who: str = "") -> list[Fact]:
    """ "<bodies> <role>: <task>" (or "<who>: <task>" when ``who`` already says each body's role) cited to the
    assignment's span; when that span does not hold the task (a topic guide's organisation list sits below its
    topic's title), the task becomes a second sentence cited where it is written, so every sentence is backed by
    the words of the passage it cites."""
    verb = ROLE_LABELS.get(assignment.role, "được giao")
    if who:
        bodies, verb = who, ""
    task = assignment.task.strip().rstrip(" .;:")
    where = f" (thời hạn: {assignment.deadline})" if assignment.deadline else ""
    said = f"{bodies} {verb}".strip()
    if not task or fold(task) in fold(doc.text[assignment.start : assignment.end]):
        lead = _lead_line(doc, assignment)
        context = doc.text[lead[0] : lead[1]] if lead else ""
        return [Fact(f"{said}: {task}{where}.", doc, assignment.start, assignment.end, context, lead)]
    facts = [Fact(f"{said}{where}.", doc, assignment.start, assignment.end)]
    topic = _topic_of(doc, assignment.start)
    found = doc.text.rfind(task, 0, assignment.start)
    found = found if found >= 0 else doc.text.find(task)
    if found >= 0:
        label = f"Chuyên đề {topic.number}" if topic is not None else "Nội dung"
        facts.append(Fact(f"{label}: {task}.", doc, found, found + len(task)))
    return facts


LEAD_REACH = 2000
"""Characters before an item that its lead line ("X chủ trì, phối hợp với Y:") may be found in."""


def _lead_line(doc: Document, assignment: Assignment) -> tuple[int, int] | None:
    """Where the line that names an item's body stands when the item itself does not ("Văn phòng Trung ương Đảng
    chủ trì, phối hợp với Bộ Khoa học và Công nghệ:" above "(i) Nghiên cứu …"): the fact may take the body's name
    from it."""
    if fold(assignment.body) in fold(doc.text[assignment.start : assignment.end]):
        return None
    offset = max(0, assignment.start - LEAD_REACH)
    before = doc.text[offset : assignment.start]
    bare = strip_diacritics(before).lower()  # one character per character: offsets hold
    at = bare.rfind(strip_diacritics(assignment.body).lower()) if len(bare) == len(before) else -1
    if at < 0:
        return None
    line_start = before.rfind("\n", 0, at) + 1
    line_end = before.find("\n", at)
    line = before[line_start : line_end if line_end >= 0 else len(before)]
    start = offset + line_start + (len(line) - len(line.lstrip()))
    return start, offset + line_start + len(line.rstrip())


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
    """ "X phải làm gì / được giao gì / thảo luận nội dung gì": the tasks of the body the question names; when the
    question also says which task ("giám sát việc gì tại địa phương"), the tasks that match it best."""
    words = WORD_RE.findall(fold(question))
    found = [(doc, a) for doc in docs for a in assignments_of(doc) if _body_named(a, words)]
    # "Các Đoàn đại biểu Quốc hội" also names "Quốc hội": keep the bodies no other named body contains
    cores = {a.body: " ".join(organisation_core(a.body)) for _, a in found}
    found = [
        (doc, a)
        for doc, a in found
        if not any(cores[a.body] != other and f" {cores[a.body]} " in f" {other} " for other in cores.values())
    ]
    body_words = {w for _, a in found for w in WORD_RE.findall(fold(a.body))}
    wanted = _key_words(question, drop=body_words)
    if wanted and found:
        overlap = [len(wanted & set(WORD_RE.findall(fold(f"{a.task} {a.heading_path}")))) for _, a in found]
        best = max(overlap)
        if best:
            found = [pair for pair, n in zip(found, overlap, strict=True) if n == best]
    facts: list[Fact] = []
    for doc, assignment in found:
        facts.extend(_task_facts(doc, assignment))
    return facts[:MAX_FACTS]


def bodies_for_task(
    question: str, docs: Sequence[Document], retrieved: Sequence[tuple[str, int, int]] | None = None
) -> list[Fact]:
    """ "Cơ quan nào chủ trì việc Y", "đơn vị nào thảo luận về Y": the bodies of the best-matching task.

    The task is matched on the question's key words against the task text and its heading path; a topic
    number ("chuyên đề 3") picks the topic directly. With ``retrieved`` ((doc id, start, end) of the passages
    found for the question), only tasks written in those passages compete: a task elsewhere that shares a few
    words ("tiếp tục", "thực hiện") does not answer "ai tiếp tục chỉ đạo thực hiện Kế hoạch này".
    """
    number = topic_number(question)
    roles = _roles_asked(question)
    # the partner a question names ("… chủ trì, phối hợp với Bộ X …") is not what it asks for: its words are no task's
    partner = re.search(r"\bphoi hop voi\b(.*)", fold(question)) if "phoi_hop" not in roles and roles else None
    partner_words = WORD_RE.findall(partner.group(1)) if partner else []
    partners = {
        w
        for doc in docs
        for a in assignments_of(doc)
        if _body_named(a, partner_words)
        for w in WORD_RE.findall(fold(a.body))
    }
    wanted = _key_words(question, drop=partners | ({"chuyen", "de"} if number is not None else set()))
    if _IMPLEMENTS_NAMED.search(fold(question)):
        wanted -= {"trien", "khai", "thuc", "hien", "to", "chuc"}  # carrying out the named document is no task
    asked_words = WORD_RE.findall(fold(question))
    pool: list[tuple[Document, Assignment, set[str]]] = []
    for doc in docs:
        for assignment in assignments_of(doc):
            if roles and not _has_role(assignment, roles):
                continue
            if partner_words and _body_named(assignment, partner_words):
                continue  # the partner the question names
            if _body_written(assignment.body, asked_words):
                continue  # "Hội đồng nào tham mưu cho người đứng đầu cơ quan, tổ chức": the body named is not asked
            inside = _within(doc.doc_id, assignment.start, assignment.end, retrieved)
            if retrieved is not None and number is None and not inside:
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
    if pool and not wanted and roles and reference_words(question):
        # "Ai chủ trì triển khai Kết luận 221?": the question names the document and a role, no task: the bodies
        # the document gives that role
        facts = _bodies_facts([(doc, a) for doc, a, _ in pool if a.role in roles])
        for fact in facts:  # a role the document gives is a responsibility for carrying it out
            fact.context = f"{fact.context}\nchịu trách nhiệm triển khai thực hiện".strip()
        return facts
    if not pool or not wanted:
        return []
    shares = _weighted_overlap(wanted, [have for _, _, have in pool])
    scored = [(share, doc, a) for share, (doc, a, _) in zip(shares, pool, strict=True)]
    best = max(score for score, _, _ in scored)
    if best < 0.6:
        return []
    chosen = [(d, a) for score, d, a in scored if score == best]
    return _bodies_facts(chosen)


_IMPLEMENTS_NAMED = re.compile(
    r"\b(?:trien khai|thuc hien|to chuc thuc hien)(?: (?:cac|noi dung|nhiem vu))?"
    r" (?:" + "|".join(word for word, _ in KINDS) + r")(?: so)? \d"
)
"""Carrying out a document named by number ("triển khai Kết luận 221", "thực hiện Kế hoạch số 3260")."""


def _weighted_overlap(wanted: set[str], candidates: Sequence[set[str]]) -> list[float]:
    """For each candidate's words, the share of ``wanted`` it holds, each word weighted by its rarity among the
    candidates: words found in few tasks or rows name them ("đấu thầu"); words in all ("thẩm tra", "luật") do not."""
    # summed in a fixed order: a set's order changes from run to run (string hashing), and two rows that tie would
    # otherwise be ranked by the last bits of the sum (new-tab-10/17 answered from one table or another)
    ordered = sorted(wanted)
    weight = {w: math.log(1 + len(candidates) / (1 + sum(w in c for c in candidates))) for w in ordered}
    total = math.fsum(weight.values())
    return [math.fsum(weight[w] for w in ordered if w in c) / total for c in candidates]


def _within(doc_id: str, start: int, end: int, spans: Sequence[tuple[str, int, int]] | None) -> bool:
    """The span [start, end) of the document overlaps one of the passages (any span when none are given)."""
    return spans is None or any(d == doc_id and s < end and start < e for d, s, e in spans)


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
        roles: dict[str, list[str]] = {}
        for a in sorted(group, key=lambda a: _ROLE_ORDER.get(a.role, len(_ROLE_ORDER))):
            roles.setdefault(a.role, [])
            if a.body not in roles[a.role]:
                roles[a.role].append(a.body)
        # bodies of different roles keep their own ("Văn phòng Trung ương Đảng chủ trì, Bộ Khoa học và Công nghệ
        # phối hợp"), never the first one's for all
        who = ", ".join(f"{', '.join(b)} {ROLE_LABELS.get(r, 'được giao')}" for r, b in roles.items())
        facts.extend(_statement(docs[key], ", ".join(b for bs in roles.values() for b in bs), group[0], who))
    return facts[:MAX_FACTS]


_ROLE_ORDER = {"chu_tri": 0, "thuc_hien": 1, "thao_luan": 2, "phoi_hop": 3}


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
    # "X có bao nhiêu hội viên?" names a body but asks a figure, not its tasks
    if asks_which and not ({"body", "person", "figure", "date"} & ask.wants) and body_named_in(question, docs):
        return "tasks"
    return ""


def body_named_in(question: str, docs: Sequence[Document]) -> bool:
    """Whether the question names a body that has assignments in ``docs``."""
    words = WORD_RE.findall(fold(question))
    return any(_body_named(a, words) for d in docs for a in assignments_of(d))


# ---- headings ------------------------------------------------------------------------------------------------

_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_PART_KINDS = ("phu luc", "chuong", "dieu", "phan", "muc", "khoan", "diem")
_KIND_NAMES = {
    "phu luc": "Phụ lục",
    "chuong": "Chương",
    "dieu": "Điều",
    "phan": "Phần",
    "muc": "Mục",
    "khoan": "Khoản",
    "diem": "Điểm",
}
_HEADING_REF = re.compile(r"\b(" + "|".join(_PART_KINDS) + r")\s+(?:so\s+)?([ivxlc]+|\d{1,3}|[a-z])\b")
_ASKS_TITLE = re.compile(
    r"\btieu de\b|\bten (?:goi )?(?:la )?gi\b|\b(?:noi dung|van de|linh vuc) gi\b|\bnoi ve\b|\bde cap\b"
    r"|\bquy dinh (?:ve )?(?:gi|nhung gi)\b|\bve gi\b"
)
_LABEL = re.compile(r"^\s*(phu luc|chuong|dieu|phan|muc)?\s*([ivxlc]+|\d{1,3}|[a-z])\s*[.)/:-]?\s*$")


def _roman(text: str) -> int | None:
    """ "iv" → 4; None when ``text`` is not a Roman numeral."""
    if not text or any(c not in _ROMAN for c in text):
        return None
    values = [_ROMAN[c] for c in text]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def _same_number(a: str, b: str) -> bool:
    """ "4" meets "iv" (Chương 4 = Chương IV); letters meet letters ("A" = "a")."""
    if a == b:
        return True
    as_int = [int(x) if x.isdigit() else _roman(x) for x in (a, b)]
    return None not in as_int and as_int[0] == as_int[1]


def _label_key(label: str) -> tuple[str, str] | None:
    """("chuong", "iv") for "Chương IV", ("", "ii") for "II-" / "II.", ("phu luc", "1") for "Phụ lục 1"."""
    match = _LABEL.match(fold(label))
    return (match.group(1) or "", match.group(2)) if match else None


def _matches(heading: Heading, kind: str, number: str) -> bool:
    key = _label_key(heading.label)
    if key is None or not _same_number(key[1], number):
        return False
    if key[0]:
        return key[0] == kind or (kind in ("phan", "muc") and key[0] in ("phan", "muc"))
    # an unnamed label: "II." / "II-" is a part or a section, "A." a part, "1." a section or a clause
    return kind in ("phan", "muc", "khoan", "diem") and (kind != "diem" or number.isalpha())


def _heading_line(doc: Document, heading: Heading) -> tuple[int, int]:
    """The span of the heading as written: its line, plus the next line when the label stands alone
    ("Chương IV" / "TRÁCH NHIỆM CỦA …")."""
    start = heading.start
    end = doc.text.find("\n", start)
    end = len(doc.text) if end < 0 else end
    if _LABEL.match(fold(doc.text[start:end])):
        following = doc.text.find("\n", end + 1)
        end = len(doc.text) if following < 0 else following
    while end > start and doc.text[end - 1].isspace():
        end -= 1
    return start, end


def heading_facts(question: str, docs: Sequence[Document], more: Callable[[], Iterable[Document]]) -> list[Fact]:
    """ "Phần II của Kế hoạch 3260 có tiêu đề là gì?", "Chương 4 của luật … quy định về nội dung gì?", "Mục I
    của phần A …": the heading the question numbers, read from the heading tree and cited to its line.

    The first reference is the heading asked about; a second one ("của phần A") is the part that holds it. A
    number the question names picks the document; otherwise the best-ranked retrieved document that has such
    a heading, preferring one whose title shares the question's words.
    """
    folded = fold(question)
    refs = [(m.group(1), m.group(2)) for m in _HEADING_REF.finditer(folded)]
    if not refs:
        return section_facts(question, docs, more)
    if not _ASKS_TITLE.search(folded):
        return []
    numbered = {number for _, number in refs}  # "Điều 43" numbers a heading, not a document
    # "Nghị quyết 57" in "báo cáo … triển khai Nghị quyết 57" may be a document troly does not hold: then the
    # retrieved ones are asked
    pool = _documents_named(question, docs, more, numbered) or list(docs)
    words = set(WORD_RE.findall(folded))
    ranked = sorted(
        enumerate({d.doc_id: d for d in pool}.values()),  # one per document, in rank order
        key=lambda item: (-len(words & set(WORD_RE.findall(fold(item[1].title)))), item[0]),
    )
    kind, number = refs[0]
    for _, doc in ranked:
        found = [h for h in doc.headings if _matches(h, kind, number)]
        for outer_kind, outer_number in refs[1:2]:
            outer = [h for h in doc.headings if _matches(h, outer_kind, outer_number)]
            found = [h for h in found if any(o.start < h.start < o.end for o in outer)]
        if found:
            heading = min(found, key=lambda h: (h.level, h.start))
            start, end = _heading_line(doc, heading)
            written = " ".join(doc.text[start:end].split())
            asked = f"{_KIND_NAMES[kind]} {number.upper() if _roman(number) or number.isalpha() else number}"
            return [Fact(f"{asked} của {_title(doc.meta, doc)} có tiêu đề: {written}.", doc, start, end)]
    return []


def part_facts(question: str, places: Sequence[tuple[str, int, str]], docs: Sequence[Document]) -> list[Fact]:
    """ "Thời hạn nộp hồ sơ … được quy định tại điều nào?": the article (chapter, section) that holds a passage
    found and whose title says most of what the question asks, cited to its heading line. ``places`` are (document
    id, offset, text) of the best sentence of each retrieved passage, best passage first (the sentence goes with the
    fact as its context: it is what the question's words are found in): a title that names the subject
    ("Điều 16. Giải mật tài liệu") beats a passage ranked higher under another title ("Điều 23. Quy định chuyển
    tiếp" mentions it); between untitled articles the best-ranked passage decides."""
    kind = asked_part_kind(question)
    if not kind:
        return []
    by_id = {d.doc_id: d for d in docs}
    words = set(_key_words(question, drop=set()))
    found: dict[tuple[str, int], tuple[float, Document, Heading, str]] = {}
    for rank, (doc_id, offset, sentence) in enumerate(places):
        doc = by_id.get(doc_id)
        if doc is None:
            continue
        around = [h for h in doc.headings if h.start <= offset < h.end and (_label_key(h.label) or ("", ""))[0] == kind]
        if not around:
            continue
        heading = max(around, key=lambda h: (h.level, h.start))
        titled = set(WORD_RE.findall(fold(heading.title)))
        score = (len(words & titled) / len(words) if words else 0.0) + 0.2 / (rank + 1)
        key = (doc_id, heading.start)
        if key not in found or score > found[key][0]:
            found[key] = (score, doc, heading, sentence)
    if not found:
        return []
    _, doc, heading, sentence = max(found.values(), key=lambda item: item[0])
    start, end = _heading_line(doc, heading)
    label, _, rest = doc.text[start:end].partition("\n")
    # a label on a line of its own ("Điều 9" / "Lãnh hải của Việt Nam rộng …"): the article's first line follows it
    written = f"{label.strip().rstrip('.')}: {' '.join(rest.split())}" if rest.strip() else " ".join(label.split())
    text = f"{_title(doc.meta, doc)} quy định nội dung này tại {written.rstrip('.:')}."
    return [Fact(text, doc, start, end, context=sentence)]


# ---- table cells ---------------------------------------------------------------------------------------------

_MIN_ROW_MATCH = 0.5
"""Share (rarity-weighted) of the question's key words a table row must hold to be the row asked about."""


def _columns_asked(question: str, header: list[str]) -> list[int]:
    """Header cells the question names by their first two words ("tiến độ", "thời gian hoàn thành", "cơ quan
    thực hiện"); "thời hạn" and "khi nào" also name a "thời gian/thời hạn" column. A column named by a year
    ("Năm 2026", "Dự kiến 03 năm kế hoạch – Năm 2027") is asked when the question names that year; under a group
    (a two-row header, "Năm hiện hành 2025 – Kế hoạch"), by the year and the column's own name, or by the year
    alone when the question names none of the columns under it."""
    folded = fold(question)
    years = set(_YEAR_IN.findall(folded))
    asked, by_year = [], []
    for i, cell in enumerate(header):
        cell_years = set(_YEAR_IN.findall(fold(cell)))
        if cell_years and not cell_years <= years:
            continue
        own = fold(cell.split(" – ")[-1])
        words = WORD_RE.findall(own)
        if not words or is_number_header(own):
            continue
        if cell_years:
            by_year.append(i)
            if _YEAR_IN.search(own) or re.search(rf"\b{' '.join(words[:2])}\b", folded):
                asked.append(i)
            continue
        if len(words) < 2:
            continue
        head = " ".join(words[:2])
        timely = head in ("thoi gian", "thoi han") and re.search(r"\bthoi han\b|\bkhi nao\b|\bthoi gian\b", folded)
        if re.search(rf"\b{head}\b", folded) or timely:
            asked.append(i)
    return asked or by_year


_UNIT_WORDS = frozenset({"phan", "tram", "trieu", "ty", "dong", "usd", "bang"})
"""Words of the unit a figure question asks in ("bao nhiêu phần trăm", "triệu đồng"), not of the row it is about."""


def _row_names(row: TableRow) -> str:
    """What a row is about: its subject cell, the numbered row it is a part of ("Kim ngạch xuất khẩu hàng hóa" for
    its "Tốc độ tăng trưởng") and its unit cell ("Đơn vị tính": "Người", "Tỷ đồng")."""
    subject = row.cells[_subject_column(row.header)] if _subject_column(row.header) < len(row.cells) else ""
    units = [
        row.cells[i]
        for i, cell in enumerate(row.header)
        if i < len(row.cells) and re.match(r"(?:don vi|dvt)\b", fold(cell))
    ]
    return _spelled(" ".join([row.parent, subject, *units]))


_SPELLED = {
    "NSNN": "ngân sách nhà nước",
    "NSĐP": "ngân sách địa phương",
    "NSTW": "ngân sách trung ương",
    "HĐND": "Hội đồng nhân dân",
    "UBND": "Ủy ban nhân dân",
    "KT-XH": "kinh tế - xã hội",
    "BHYT": "bảo hiểm y tế",
    "DTTS": "dân tộc thiểu số",
    "XDCB": "xây dựng cơ bản",
}
"""Abbreviations of public finance and administration that table rows write for the words a question uses."""


def _spelled(text: str) -> str:
    """``text`` with each abbreviation of :data:`_SPELLED` followed by its words ("TỔNG CHI NSĐP ngân sách địa
    phương")."""
    return re.sub(
        r"(?<!\w)(" + "|".join(map(re.escape, _SPELLED)) + r")(?!\w)",
        lambda m: f"{m.group(1)} {_SPELLED[m.group(1)]}",
        text,
    )


_UNIT_IN_CAPTION = re.compile(r"Đơn vị(?: tính)?\s*:\s*([^.\n]+)", re.IGNORECASE)


def _unit_of(row: TableRow) -> str:
    """The unit of a row's figures: "%" for a row of shares ("Tỷ lệ … (%)"), its "Đơn vị tính" cell, else the
    table's "Đơn vị: Triệu đồng."."""
    subject = _subject_column(row.header)
    if subject < len(row.cells) and "(%)" in row.cells[subject]:
        return "%"
    for i, cell in enumerate(row.header):
        if i < len(row.cells) and row.cells[i] and re.match(r"(?:don vi|dvt)\b", fold(cell)):
            return row.cells[i]
    found = _UNIT_IN_CAPTION.search(row.caption)
    return found.group(1).strip() if found else ""


def _column_unit(header: str, unit: str) -> str:
    """A column of shares or comparisons ("DT 2026 với UTH 2025 (%)", "So sánh …") is in % whatever the row's unit."""
    return "%" if "%" in header or re.match(r"(?:so sanh|ty le)\b", fold(header)) else unit


def _with_unit(value: str, unit: str) -> str:
    """A cell's figure with its unit. A share the table prints bare (its column or row says "(%)", or it is a
    comparison column) is written as the table writes the unit, "99,6 (%)": "99,6%" is a figure the document does
    not print, and the citation check rightly finds it in no source."""
    if not value or not unit or not re.fullmatch(r"[\d.,\s%-]+", value):
        return value
    if unit == "%":
        return value if "%" in value else f"{value} (%)"
    return f"{value} {unit[:1].lower()}{unit[1:]}"


def _owner_words(doc: Document) -> str:
    """Who issues ``doc`` and where (its issuer, parent issuer, place): true of every row of its tables."""
    meta = doc.meta
    return " ".join(p for p in (meta.issuer, meta.parent_issuer, meta.place) if p)


_MONEY_OR_SHARE = re.compile(r"\b(?:dong|usd|ty|trieu|nghin|ngan)\b|%|\bphan tram\b")
"""Units of a sum of money or a share: a row in them does not count people, households or firms."""
_YEAR_IN = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _subject_column(header: list[str]) -> int:
    """The column that says what a row is about ("NHIỆM VỤ", "Nội dung"), else the first after a "TT" column."""
    folded = [fold(cell) for cell in header]
    named = next((i for i, cell in enumerate(folded) if re.search(r"\bnhiem vu\b|\bnoi dung\b|\bten\b", cell)), None)
    if named is not None:
        return named
    return 1 if len(header) > 1 and is_number_header(header[0]) else 0


def _unit_fits(question: str, unit: str) -> bool:
    """A row in ``unit`` may answer ``question``: a sum or a count is not read from a row of shares ("%"), and a
    count of people, households or firms ("tổng số doanh nghiệp") not from a row of money either."""
    if unit == "%" and re.search(r"\b(?:trieu|ty) (?:dong|usd)\b|\bnguoi\b", fold(question)):
        return False
    counted = asked_unit(question)
    return counted is None or bool(_MONEY_OR_SHARE.search(counted)) or not _MONEY_OR_SHARE.search(fold(unit))


def table_facts(
    question: str, docs: Sequence[Document], retrieved: Sequence[tuple[str, int, int]] | None = None
) -> list[Fact]:
    """ "Tiến độ của nhiệm vụ … thế nào?", "… giao cho cơ quan nào, thời hạn khi nào?": the cells of the
    columns the question names, in the table row that holds the question's other words (rows in the
    retrieved passages first), cited to that row."""
    candidates = []
    inside: list[bool] = []
    for doc in docs:
        for row in table_rows(doc.text):
            columns = [c for c in _columns_asked(question, row.header) if c != _subject_column(row.header)]
            if columns and 2 <= len(row.cells) <= len(row.header):
                candidates.append((doc, row, columns))
                inside.append(_within(doc.doc_id, row.start, row.end, retrieved))
    kept = [i for i, (_, row, _) in enumerate(candidates) if _unit_fits(question, _unit_of(row))]
    candidates, inside = [candidates[i] for i in kept], [inside[i] for i in kept]
    if not any(inside):
        return []
    asked_words = {
        w
        for (_, row, cols), held in zip(candidates, inside, strict=True)
        if held
        for c in cols
        for w in WORD_RE.findall(fold(row.header[c]))
    }
    unyeared = re.sub(r"\b(?:năm|nam)\s+(?:19|20)\d\d\b", " ", question, flags=re.IGNORECASE)  # years pick columns
    wanted = _key_words(unyeared, drop=asked_words | _UNIT_WORDS)
    if not wanted:
        return []
    # a row is about its subject cell and its unit, and about what its table's caption and its document say for
    # every row ("Mẫu biểu số 01 – dự báo … chỉ tiêu", the plan of tỉnh Cà Mau)
    have = [
        set(WORD_RE.findall(fold(f"{_row_names(row)} {row.caption} {_owner_words(doc)}"))) for doc, row, _ in candidates
    ]
    scores = _weighted_overlap(wanted, have)
    # rows as close by the key words: the one whose subject holds more of the question's other words ("bán trú",
    # "tổng"), then the one whose asked column the question names more fully ("So sánh năm 2026 với … năm 2025")
    said = set(WORD_RE.findall(fold(unyeared))) - set(STOPWORDS) - set(QUESTION_SYLLABLES)
    named = _weighted_overlap(said, [set(WORD_RE.findall(fold(_row_names(row)))) for _, row, _ in candidates])

    def specific(i: int) -> int:
        row, columns = candidates[i][1], candidates[i][2]
        return max(len(said & set(WORD_RE.findall(fold(row.header[c])))) for c in columns)

    # words of a row's subject the question does not say: "Chi từ nguồn thu tiền sử dụng đất" is not the row
    # "Thu tiền sử dụng đất" asked about, though it holds all its words
    unasked = [len(set(WORD_RE.findall(fold(_row_names(row)))) - said - STOPWORDS) for _, row, _ in candidates]
    # rows of the retrieved passages first; a row elsewhere in the same documents only when it holds more of the
    # question's words (a long table's row "TỔNG CHI NSĐP" that retrieval missed, beside its "BỘI CHI …" row)
    ranked = sorted(range(len(candidates)), key=lambda i: (scores[i], named[i], -unasked[i], specific(i)), reverse=True)
    closest = next(i for i in ranked if inside[i])
    if scores[closest] < _MIN_ROW_MATCH:
        return []  # no retrieved row is what the question asks about: the answer is not in a table
    outside = next((i for i in ranked if not inside[i]), None)
    if outside is not None and (scores[outside], named[outside], -unasked[outside]) > (
        scores[closest],
        named[closest],
        -unasked[closest],
    ):
        closest = outside
    doc, row, columns = candidates[closest]
    cells = row.cells + [""] * (len(row.header) - len(row.cells))  # a short row leaves its last cells empty
    if not any(cells[c] for c in columns):
        return []  # the row leaves the asked cells empty: the table does not say
    # "Y tế:" above "- Số giường bệnh" reads "Y tế – Số giường bệnh"
    subject = " – ".join(
        p.strip(" .:").lstrip("-+• ") for p in (row.parent, cells[_subject_column(row.header)]) if p.strip(" .:-+•")
    )
    unit = _unit_of(row)
    stated = "; ".join(
        f"{row.header[c].capitalize()}: {_with_unit(cells[c], _column_unit(row.header[c], unit)) or '(để trống)'}"
        for c in columns
    )
    context = "\n".join(part for part in (" | ".join(row.header), row.parent, row.caption) if part)
    return [Fact(f"{subject.rstrip(' .')} – {stated}.", doc, row.start, row.end, context)]


MAX_SECTION_SENTENCES = 3
"""Most sentences quoted from a section asked for by its title."""
_ASKS_WHAT = re.compile(r"\b(?:la gi|gom nhung gi|gom nhung noi dung nao|nhu the nao|the nao|ra sao)\s*\??\s*$")


def section_facts(question: str, docs: Sequence[Document], more: Callable[[], Iterable[Document]]) -> list[Fact]:
    """ "Mục đích của kế hoạch là gì?", "Yêu cầu của Kế hoạch 3260 là gì?": the question is a heading's title and a
    document word; the answer is the section under that heading (its first sentences), not a sentence elsewhere
    that happens to share the words."""
    from ingest.sentences import sentence_spans

    folded = fold(question)
    if not _ASKS_WHAT.search(folded):
        return []
    words = set(WORD_RE.findall(folded))
    kind_words = {w for word, _ in KINDS for w in word.split()}
    named = numbers_named(question)
    pool = _documents_named(question, docs, more) if named else list(docs)
    for doc in {d.doc_id: d for d in pool}.values():
        for heading in doc.headings:
            title = WORD_RE.findall(fold(heading.title.rstrip(" …")))
            if not 1 <= len(title) <= 6 or not re.search(rf"\b{' '.join(title)}\b", folded):
                continue
            rest = words - set(title) - kind_words - set(QUESTION_SYLLABLES) - set(STOPWORDS) - named
            if rest - {"cua", "gom", "nhung"}:
                continue  # the question says more than the title: answered from sentences
            _, line_end = _heading_line(doc, heading)
            inner = [h.start for h in doc.headings if line_end <= h.start < heading.end]
            body_end = min(inner, default=heading.end)
            spans = sentence_spans(doc.text, line_end, body_end)[:MAX_SECTION_SENTENCES]
            facts = [Fact(" ".join(doc.text[s:e].split()).lstrip("-–+• "), doc, s, e) for s, e in spans]
            if facts:
                return facts
    return []
