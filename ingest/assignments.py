"""Who is given which task: assignments extracted from plans, reports, resolutions and topic guides.

Office documents assign work in a few fixed shapes: "giao X chủ trì …", "X chủ trì, phối hợp với Y …",
"X chịu trách nhiệm / có trách nhiệm …", a heading naming a body with its tasks as bullets below ("a) Tổ đảng ở
Thường trực Ủy ban Kinh tế" then "- Chủ trì thẩm tra …"), table rows with a "cơ quan chủ trì/thực hiện" column, and
in topic guides "Các TCCS Đảng chuẩn bị thảo luận: …" (role thao_luan, task = the topic). Extracted once at
ingest, they answer "X phải làm gì" and "cơ quan nào chủ trì việc Y" without searching.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.model import Assignment, Document, Heading, Topic
from ingest.normalize import fold
from ingest.paragraphs import Paragraph
from ingest.sentences import sentence_spans
from ingest.structure import ORGANISATION_LABEL_KEYS
from ingest.tables import table_cells

ORG_HEADS = (
    "Bộ", "Ban", "Ủy ban", "Uỷ ban", "UBND", "UBTVQH", "Sở", "Đảng", "Tổ đảng", "Chi bộ", "Văn phòng", "Hội đồng",
    "Thường trực", "Chính phủ", "Thủ tướng", "Quốc hội", "Tòa án", "Viện", "Cơ quan", "Các", "Lãnh đạo", "Đoàn",
    "Trung tâm", "Tổng cục", "Cục", "Vụ", "Tập đoàn", "Ngân hàng", "Kiểm toán", "Mặt trận", "Tỉnh ủy", "Thành ủy",
    "Huyện ủy", "Đảng ủy", "Đảng đoàn", "Ban cán sự", "TCCS", "Tổ trưởng", "Trưởng", "Chủ nhiệm", "Hội",
)  # fmt: skip
"""First words of a body's name ("Bộ Tài chính", "Tổ đảng ở Thường trực Ủy ban Kinh tế", "Các Đoàn đại biểu …")."""

GENERIC_BODIES = frozenset({"cac co quan", "cac don vi", "cac to chuc", "co quan", "cac cap", "cac co quan to chuc"})
"""Words that name no one in particular ("các cơ quan, tổ chức mới khác có trách nhiệm …")."""

TASK_VERBS = (
    "giúp", "tổ chức", "xây dựng", "thực hiện", "triển khai", "rà soát", "để", "nghiên cứu", "tham mưu", "theo dõi",
    "tổng hợp", "hướng dẫn", "chỉ đạo", "lãnh đạo", "báo cáo", "trình", "ban hành", "hoàn thiện", "đôn đốc",
    "kiểm tra", "thẩm định", "thẩm tra", "giám sát", "đề xuất", "bảo đảm", "phổ biến", "thu hút",
)  # fmt: skip
"""Words that end a list of bodies and begin the task ("… phối hợp với Y, Z giúp Đảng đoàn …")."""

_DEADLINE = re.compile(
    r"(?:trước )?(?:ngày \d{1,2}[/-]\d{1,2}[/-]\d{4}"
    r"|quý [IV]+(?:/| năm )\d{4}|tháng \d{1,2}(?:/| năm )\d{4}|năm \d{4}|thường xuyên|hằng năm|hàng năm|định kỳ)",
    re.IGNORECASE,
)
_GIAO = re.compile(
    r"\bgiao(?: cho)? (?P<body>(?:[^,:;]|,(?=\S)){3,120}?) (?P<role>chủ trì|thực hiện|phối hợp)\b[,:]?\s*"
)
_NAME = r"(?:[^,:;]|,(?=\S)){3,120}?"  # "Ủy ban KH,CN&MT": a comma without a space stays inside a name
_CHU_TRI = re.compile(rf"^(?P<body>{_NAME}) chủ trì,? phối hợp với (?P<rest>.+)$")
_RESPONSIBLE = re.compile(r"^(?P<body>.{3,400}?) (?:chịu trách nhiệm|có trách nhiệm)(?: về)? (?P<task>.+)$")
_PHOI_HOP = re.compile(rf"^(?P<body>{_NAME}) phối hợp với (?P<rest>.+)$")
_CLAUSE = re.compile(r"\b(?:được|đã|là|có|về|để|đang|sẽ|thực hiện|triển khai)\b")
"""Words that make a heading a clause ("Ban Chỉ đạo các cấp được thành lập …"), not the name of a body."""
_CUE = re.compile(r"chủ trì|giao|trách nhiệm|phối hợp với")
"""Words without which a sentence assigns nothing."""
_QUALIFIER = re.compile(r"\s+(?:chịu trách nhiệm|có trách nhiệm|trong phạm vi|theo chức năng|căn cứ)\b")
"""Where a body's name ends and a qualifier begins ("Bộ Quốc phòng trong phạm vi nhiệm vụ …")."""
_LEAD = re.compile(r"^(?:[-–+•]\s*)?(?:\(?[\divx]{1,4}[.)]\s*|[a-zđ]\)\s*|\d{1,2}(?:\.\d{1,2})*\.?\s+)?")
_LEAD_ADVERB = re.compile(r"^(?:Định kỳ|Hằng năm|Hàng năm|Trước mắt|Đồng thời|Ngoài ra|Trong đó),\s*")


def looks_like_body(name: str) -> bool:
    """A short name that starts like an organisation ("Bộ Tài chính"), not a clause."""
    name = name.strip()
    words = name.split()
    if not 2 <= len(words) <= 16 or not name[:1].isupper() or fold(name) in GENERIC_BODIES:
        return False
    return any(name == head or name.startswith(head + " ") for head in ORG_HEADS)


def split_bodies(text: str) -> list[str]:
    """ "Hội đồng Dân tộc, các Ủy ban của Quốc hội và Văn phòng Quốc hội" → three bodies ("các" capitalised)."""
    heads = "|".join(re.escape(h) for h in ORG_HEADS if h != "Các") + "|các|Các"
    parts = re.split(rf",\s+|;\s+|\s+và\s+(?=(?:{heads})\b)", text.strip().rstrip(".:;, "))
    out = []
    for part in parts:
        part = part.strip()
        if part[:4] == "các ":
            part = "C" + part[1:]
        if looks_like_body(part):
            out.append(part)
    return out


def deadline_in(text: str) -> str:
    """The first deadline written in ``text`` ("trong năm 2025", "Quý II/2025", "thường xuyên"), as written."""
    match = _DEADLINE.search(text)
    return match.group(0).strip() if match else ""


def _clean(sentence: str) -> str:
    return _LEAD_ADVERB.sub("", _LEAD.sub("", sentence.strip(), count=1))


def _until_verb(text: str) -> tuple[str, str]:
    """Split "Y, Z giúp Đảng đoàn …" into ("Y, Z", "giúp Đảng đoàn …") at the first task verb."""
    pattern = r"\s(?=(?:" + "|".join(re.escape(v) for v in TASK_VERBS) + r")\b)"
    for match in re.finditer(pattern, text):
        head = text[: match.start()]
        if head.strip():
            return head.strip(" ,:"), text[match.end() :].strip()
    head, _, tail = text.partition(":")
    return head.strip(), tail.strip()


def from_sentence(sentence: str, start: int, end: int, path: str, following: str = "") -> list[Assignment]:
    """Assignments written in one sentence; ``following`` is the text of the lines after a sentence ending in ":"."""
    text = _clean(sentence)
    out: list[Assignment] = []

    def add(body: str, task: str, role: str) -> None:
        body = _QUALIFIER.split(body, maxsplit=1)[0]
        task = task.strip(" :;,.") or following.strip()
        if looks_like_body(body) and task:
            out.append(Assignment(body.strip(), task, role, deadline_in(task), start, end, path))

    if match := _CHU_TRI.match(text):
        others, task = _until_verb(match.group("rest"))
        add(match.group("body"), task, "chu_tri")
        for body in split_bodies(others):
            add(body, task, "phoi_hop")
        return out
    for match in _GIAO.finditer(text):
        role = {"chủ trì": "chu_tri", "phối hợp": "phoi_hop"}.get(match.group("role"), "thuc_hien")
        add(match.group("body"), text[match.end() :], role)
    if out:
        return out
    if match := _RESPONSIBLE.match(text):
        for body in split_bodies(match.group("body")) or [match.group("body")]:
            add(body, match.group("task"), "chiu_trach_nhiem")
        return out
    if match := _PHOI_HOP.match(text):
        others, task = _until_verb(match.group("rest"))
        add(match.group("body"), task, "thuc_hien")
        for body in split_bodies(others):
            add(body, task, "phoi_hop")
    return out


def _role_of_task(task: str) -> str:
    folded = fold(task)
    if folded.startswith(("chu tri", "la co quan dau moi")):
        return "chu_tri"
    if folded.startswith(("phoi hop", "tham gia")):
        return "phoi_hop"
    return "thuc_hien"


def from_body_headings(text: str, pars: Sequence[Paragraph], headings: Sequence[Heading]) -> list[Assignment]:
    """Under a heading that names a body ("a) Tổ đảng ở Thường trực Ủy ban Kinh tế"), each bullet is its task."""
    out: list[Assignment] = []
    for heading in headings:
        name = heading.title.strip().rstrip(":").strip()
        if not looks_like_body(name) or re.search(r"[.;]", name) or _CLAUSE.search(name):
            continue
        for par in pars:
            if heading.start < par.start < heading.end and par.text.startswith(("-", "+", "•")):
                task = par.text.lstrip("-+• ").strip()
                deadline = deadline_in(task)
                out.append(Assignment(name, task, _role_of_task(task), deadline, par.start, par.end, heading.path))
    return out


def from_tables(pars: Sequence[Paragraph], doc: Document) -> list[Assignment]:
    """Rows of a table whose header has a "cơ quan chủ trì/thực hiện" column (and a task column)."""
    out: list[Assignment] = []
    columns: dict[str, int] | None = None
    in_table = False
    for par in pars:
        cells = table_cells(par.text)
        if cells is None:
            columns, in_table = None, False
            continue
        if not cells:
            continue
        if not in_table:  # only the first row of a table is its header
            in_table = True
            columns = _header_columns(cells)
            continue
        if columns is None or len(cells) <= max(columns.values()):
            continue
        body, task = cells[columns["body"]], cells[columns["task"]]
        deadline = cells[columns["deadline"]] if "deadline" in columns else deadline_in(task)
        role = "chu_tri" if columns.get("chu_tri") else "thuc_hien"
        for name in split_bodies(body) or ([body] if body else []):
            out.append(Assignment(name, task, role, deadline, par.start, par.end, doc.heading_path_at(par.start)))
    return out


def _header_columns(cells: list[str]) -> dict[str, int] | None:
    folded = [fold(c) for c in cells]
    body = next((i for i, c in enumerate(folded) if "co quan" in c or "don vi" in c), None)
    task = next((i for i, c in enumerate(folded) if "nhiem vu" in c or "noi dung" in c or "cong viec" in c), None)
    if body is None or task is None:
        return None
    columns = {"body": body, "task": task}
    deadline = next((i for i, c in enumerate(folded) if "thoi gian" in c or "thoi han" in c), None)
    if deadline is not None:
        columns["deadline"] = deadline
    if "chu tri" in folded[body]:
        columns["chu_tri"] = 1
    return columns


def from_topics(topics: Sequence[Topic], doc: Document) -> list[Assignment]:
    """Organisations listed under a numbered part: in a topic guide ("Các TCCS Đảng chuẩn bị thảo luận") they
    discuss it (role thao_luan, task = the topic title); elsewhere ("Đơn vị chuẩn bị") they carry it out."""
    out: list[Assignment] = []
    for topic in topics:
        label, span = next(
            ((k, s) for k, s in topic.field_spans.items() if any(key in fold(k) for key in ORGANISATION_LABEL_KEYS)),
            ("", (topic.start, topic.end)),
        )
        role = "thao_luan" if "thao luan" in fold(label) else "thuc_hien"
        path = doc.heading_path_at(span[0])
        for org in topic.organisations:
            out.append(Assignment(org, topic.title, role, "", span[0], span[1], path))
    return out


def extract_assignments(
    doc: Document, pars: Sequence[Paragraph], body_end: int, parts: Sequence[Topic] = ()
) -> list[Assignment]:
    """Every assignment of ``doc`` in text order, duplicates (same body, role and span) removed; ``parts`` are
    the numbered parts with labelled fields (a topic guide's topics, or a resolution's parts)."""
    found: list[Assignment] = list(from_topics(parts or doc.topics, doc))
    found.extend(from_body_headings(doc.text, pars, doc.headings))
    found.extend(from_tables(pars, doc))
    body_pars = [p for p in pars if p.end <= body_end and table_cells(p.text) is None]
    for i, par in enumerate(body_pars):
        if not _CUE.search(par.text):
            continue  # most paragraphs assign nothing: skip the sentence splitter for them
        for s, e in sentence_spans(doc.text, par.start, par.end):
            sentence = doc.text[s:e]
            if not _CUE.search(sentence):
                continue
            following = _following_items(body_pars, i) if sentence.rstrip().endswith(":") else ""
            found.extend(from_sentence(sentence, s, e, doc.heading_path_at(s), following))
    seen: set[tuple[str, str, int]] = set()
    unique = []
    for a in sorted(found, key=lambda a: (a.start, a.body)):
        key = (fold(a.body), a.role, a.start)
        if key not in seen:
            seen.add(key)
            unique.append(a)
    return unique


def _following_items(pars: Sequence[Paragraph], i: int) -> str:
    """The bulleted lines after a sentence ending in ":" (they are its task)."""
    items = []
    for par in pars[i + 1 : i + 12]:
        if not par.text.startswith(("-", "+", "•")):
            break
        items.append(par.text.lstrip("-+• ").strip())
    return " ".join(items)
