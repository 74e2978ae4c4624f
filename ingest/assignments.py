"""Who is given which task: assignments extracted from plans, reports, resolutions and topic guides.

Office documents assign work in a few fixed shapes: "giao X chủ trì …" or "giao X hướng dẫn …", "X chủ trì,
phối hợp với Y …", "X chịu trách nhiệm / có trách nhiệm …", "X có các nhiệm vụ, quyền hạn sau đây:" with its
a), b) items, a list item that opens with a body's name ("- Sở Tài chính định kỳ hằng quý tổng hợp …"), a heading
naming one or more bodies with their tasks as bullets below ("a) Tổ đảng ở Thường trực Ủy ban Kinh tế" then
"- Chủ trì thẩm tra …"), table rows with a "cơ quan chủ trì/thực hiện" column (and a "phối hợp" and a "thời
gian" column), and in topic guides "Các TCCS Đảng chuẩn bị thảo luận: …" (role thao_luan, task = the topic).
Extracted once at ingest, they answer "X phải làm gì" and "cơ quan nào chủ trì việc Y" without searching.
Measured against assignments listed by hand: ``troly eval assignments`` (eval/assignments_eval.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.model import Assignment, Document, Heading, Topic
from ingest.normalize import fold
from ingest.paragraphs import Paragraph
from ingest.sentences import item_kind, sentence_spans
from ingest.structure import ORGANISATION_LABEL_KEYS
from ingest.tables import table_cells

ORG_HEADS = (
    "Bộ", "Ban", "Ủy ban", "Uỷ ban", "UBND", "UBTVQH", "Sở", "Đảng", "Tổ đảng", "Chi bộ", "Văn phòng", "Hội đồng",
    "Thường trực", "Chính phủ", "Thủ tướng", "Quốc hội", "Tòa án", "Viện", "Cơ quan", "Các", "Lãnh đạo", "Đoàn",
    "Trung tâm", "Tổng cục", "Cục", "Vụ", "Tập đoàn", "Ngân hàng", "Kiểm toán", "Mặt trận", "Tỉnh ủy", "Thành ủy",
    "Huyện ủy", "Đảng ủy", "Đảng đoàn", "Ban cán sự", "TCCS", "Tổ trưởng", "Trưởng", "Chủ nhiệm", "Hội",
    "Công an", "Bộ Tư lệnh", "Chánh Văn phòng", "Giám đốc", "Thủ trưởng", "Chủ tịch", "Bộ trưởng", "Cục trưởng",
    "Bí thư", "Người đứng đầu", "Người được giao", "Thành viên",
)  # fmt: skip
"""First words of a body's name ("Bộ Tài chính", "Tổ đảng ở Thường trực Ủy ban Kinh tế", "Các Đoàn đại biểu …")."""

PLURAL_BODIES = ("so", "nganh", "co quan", "don vi", "to chuc", "dai bieu", "dia phuong", "cap uy", "doan the")
"""What may follow "Các" in a body's name besides an organisation head ("các sở, ngành", "các đơn vị …")."""

GENERIC_BODIES = frozenset({"cac co quan", "cac don vi", "cac to chuc", "co quan", "cac cap", "cac co quan to chuc"})
"""Words that name no one in particular ("các cơ quan, tổ chức mới khác có trách nhiệm …")."""
_GENERIC = re.compile(
    r"^cac (?:co quan|don vi|to chuc|nganh|cap|dia phuong)\b.*\b(?:lien quan|huu quan|duoc phan cong)\b"
)
"""… and longer ones: "các đơn vị có liên quan", "các cơ quan, đơn vị được phân công nhiệm vụ"."""

TASK_VERBS = (
    "giúp", "tổ chức", "xây dựng", "thực hiện", "triển khai", "rà soát", "để", "nghiên cứu", "tham mưu", "theo dõi",
    "tổng hợp", "hướng dẫn", "chỉ đạo", "lãnh đạo", "báo cáo", "trình", "ban hành", "hoàn thiện", "đôn đốc",
    "kiểm tra", "thẩm định", "thẩm tra", "giám sát", "đề xuất", "bảo đảm", "phổ biến", "thu hút", "định kỳ",
    "thống nhất quản lý", "quy định", "quyết định", "cập nhật", "khẩn trương", "tiếp tục", "đánh giá", "lập",
    "bố trí", "thu thập", "cung cấp", "chuẩn bị", "tuyên truyền", "đào tạo", "tập huấn", "giải quyết", "xử lý",
    "phê duyệt", "sửa đổi", "số hóa", "góp ý", "tham gia",
)  # fmt: skip
"""Words that end a list of bodies and begin the task ("… phối hợp với Y, Z giúp Đảng đoàn …")."""

_VERB_STARTS = tuple(fold(v) + " " for v in TASK_VERBS if v.capitalize() not in ORG_HEADS)
"""A name may not open with a task verb ("Ban hành …"), unless the verb also heads bodies ("Lãnh đạo Ban …")."""
_DEADLINE = re.compile(
    r"(?:trước )?(?:ngày \d{1,2}[/-]\d{1,2}[/-]\d{4}"
    r"|quý [IV]+(?:/| năm )\d{4}|tháng \d{1,2}(?:/| năm )\d{4}|năm \d{4}|trong thời hạn \d+ năm"
    r"|thường xuyên|(?:định kỳ )?(?:hằng|hàng) (?:năm|quý|tháng)|định kỳ)",
    re.IGNORECASE,
)
_GIAO = re.compile(
    r"\bgiao(?: cho)? (?P<body>(?:[^,:;]|,(?=\S)){3,120}?) (?P<role>chủ trì|thực hiện|phối hợp)\b[,:]?\s*"
)
_GIAO_TASK = re.compile(r"^(?:Giao|[^.;:]*?(?<!được)\sgiao)(?: cho)? (?P<rest>.+)$")
"""'… giao X <task verb> …' without a role word ("Giao Văn phòng Trung ương Đảng hướng dẫn và kiểm tra …")."""
DUTIES_OPENING = re.compile(
    r"^(?:\d{1,3}[.-]\s*)?(?P<body>\w.{2,200}?)(?:,? (?:chịu|có) trách nhiệm[^:]*?)?,?\s+có\s+(?:những\s+|các\s+)?"
    r"(?P<what>trách nhiệm|nhiệm vụ|quyền)\b[^:]*:$",
    re.IGNORECASE,
)
"""A line naming who does the items below it ("Bộ Tài nguyên và Môi trường có các nhiệm vụ, quyền hạn sau đây:",
"Người tiếp công dân có trách nhiệm:", "1- Hội đồng nhân dân các cấp có nhiệm vụ, quyền hạn sau đây:"); ``what``
is "quyền" when the items are rights, not duties ("Công dân có quyền:")."""
_POINTER = re.compile(
    r"(?:^|,?\s+)(?:(?:trong )?(?:việc )?(?:thực hiện )?(?:có )?(?:các )?(?:việc|nhiệm vụ|nội dung|trách nhiệm)"
    r"(?:, quyền hạn)?\s+)?sau(?: đây)?\s*:?$"
)
"""The end of a sentence that only points at the items below it ("… trong các việc sau đây:")."""
_PASSIVE = re.compile(
    r"^(?P<task>.{3,300}?) do (?P<body>[A-ZĐÂĂÊÔƠƯ][^.;:]{2,120}?) "
    r"(?P<verb>quy định|quyết định|ban hành|hướng dẫn)\.?$"
)
"""A task written in the passive ("Quy chế phối hợp … do Thủ tướng Chính phủ quy định.")."""
_DUTY_TITLE = re.compile(
    r"^(?:Trách nhiệm|Nhiệm vụ(?:, quyền hạn)?|Nhiệm vụ và quyền hạn) của (?P<body>.+?)"
    r"(?:\s+(?:về|trong|đối với)\s.*)?$"
)
"""An article about one body's duties ("Điều 10. Trách nhiệm của Bộ trưởng Bộ Tài chính về bảo hiểm xã hội")."""
_DUTY_SECTION = re.compile(r"trach nhiem|thi hanh|to chuc thuc hien|phan cong")
"""Sections whose paragraphs assign work when they open with a body ("Điều 48. … hướng dẫn thi hành": "Chính phủ
quy định chi tiết …")."""
_ITEM_START = re.compile(r"^(?:[-–+•]\s*|[a-zđ]\)\s*|\d{1,2}\.\s*)")
_NAME = r"(?:[^,:;]|,(?=\S)){3,120}?"  # "Ủy ban KH,CN&MT": a comma without a space stays inside a name
_CHU_TRI = re.compile(rf"^(?P<body>{_NAME}) chủ trì,? phối hợp với (?P<rest>.+)$")
_RESPONSIBLE = re.compile(r"^(?P<body>.{3,400}?) (?:chịu trách nhiệm|có trách nhiệm)(?: về)? (?P<task>.+)$")
_PHOI_HOP = re.compile(r"^(?P<body>[^:;]{3,160}?) phối hợp với (?P<rest>.+)$")
"""'X phối hợp với Y …': X may be a list ("Bộ, cơ quan ngang bộ phối hợp với …"), read by :func:`split_bodies`."""
_FOCAL = re.compile(rf"^(?P<body>{_NAME}) là (?P<task>(?:cơ quan|đơn vị) đầu mối\b.+)$")
"""'X là cơ quan đầu mối giúp Chính phủ …': X leads the work."""
_MODAL_END = re.compile(r"\s+(?:phải|cần|sẽ|đều)$")
"""A modal verb the body's match ends with ("Người đứng đầu địa phương … phải chịu trách nhiệm …")."""
_CLAUSE = re.compile(r"\b(?:được|đã|là|có|về|để|đang|sẽ|thực hiện|triển khai)\b")
"""Words that make a heading a clause ("Ban Chỉ đạo các cấp được thành lập …"), not the name of a body."""
_CUE = re.compile(r"chủ trì|giao|[Gg]iao|trách nhiệm|phối hợp|nhiệm vụ|đầu mối|\sdo [A-ZĐÂĂÊÔƠƯ]")
"""Words without which a sentence assigns nothing."""
_QUALIFIER = re.compile(
    r"\s+(?:chịu trách nhiệm|có trách nhiệm|trong phạm vi|theo chức năng|căn cứ|trong (?:các )?việc|trong công tác)\b"
)
"""Where a body's name ends and a qualifier begins ("Bộ Quốc phòng trong phạm vi nhiệm vụ …")."""
_LEAD = re.compile(r"^(?:[-–+•]\s*)?(?:Điều \d+\.?\s+|\(?[\divx]{1,4}[.)]\s*|[a-zđ]\)\s*|\d{1,2}(?:\.\d{1,2})*\.?\s+)?")
_LEAD_ADVERB = re.compile(r"^(?:Định kỳ|Hằng năm|Hàng năm|Trước mắt|Đồng thời|Ngoài ra|Trong đó),\s*")


def looks_like_body(name: str) -> bool:
    """A short name that starts like an organisation ("Bộ Tài chính", "Bộ, cơ quan ngang bộ"), not a clause."""
    name = name.strip()
    words = name.split()
    if not 2 <= len(words) <= 16 or not name[:1].isupper() or fold(name) in GENERIC_BODIES:
        return False
    if name[1:] == name[1:].lower() and _GENERIC.match(fold(name)):
        return False
    plain = name.replace(",", " ", 1) if words[0].endswith(",") else name  # "Bộ, cơ quan ngang bộ"
    if fold(name).startswith(_VERB_STARTS):
        return False  # "Ban hành Kế hoạch …" starts like "Ban …" but is a task
    if words[0] == "Các":  # "Các sở, ngành", "Các Ủy ban …" — not "Các giải pháp …"
        rest = name[4:]
        return _starts_body(rest) or fold(rest).startswith(PLURAL_BODIES)
    return any(plain == head or plain.startswith(head + " ") for head in ORG_HEADS)


def split_bodies(text: str) -> list[str]:
    """ "Hội đồng Dân tộc, các Ủy ban của Quốc hội và Văn phòng Quốc hội" → three bodies ("các" capitalised);
    a part that goes on in lower case stays with the name before it ("Các sở, ngành, UBND xã, phường, đặc khu" →
    "Các sở, ngành" and "UBND xã, phường, đặc khu"; "Bộ, cơ quan ngang bộ"; "Các tỉnh ủy, thành ủy") unless it
    starts a body of its own ("…, lãnh đạo các cơ quan thuộc UBTVQH")."""
    heads = "|".join(re.escape(h) for h in ORG_HEADS if h != "Các") + "|các|Các"
    text = _QUALIFIER.split(text.strip(), maxsplit=1)[0]  # "… trong phạm vi chức năng, nhiệm vụ …" ends the list
    parts = re.split(rf"(,\s+|;\s+|\s+và\s+(?=(?:{heads})\b))", text.rstrip(".:;, "))
    names: list[str] = []
    for i in range(0, len(parts), 2):
        part = _QUALIFIER.split(parts[i].strip(), maxsplit=1)[0]
        if i and names and parts[i - 1].startswith(",") and part[:1].islower() and _continues(names[-1], part):
            names[-1] = f"{names[-1]}, {part}"
        elif i and names and parts[i - 1].startswith(",") and _names_a_field(part) and looks_like_body(names[-1]):
            names[-1] = f"{names[-1]}, {part}"  # "Ủy ban Văn hóa, Giáo dục", "Ủy ban Tài chính, Ngân sách"
        else:
            names.append(part[:1].upper() + part[1:] if _starts_body(part) else part)
    return [part for part in names if looks_like_body(part)]


def _names_a_field(part: str) -> bool:
    """A capitalised field of work that is no body of its own ("Giáo dục", "Ngân sách"): after a comma it is the
    rest of a committee's name (the National Assembly's Ủy ban Văn hóa, Giáo dục; Ủy ban Tài chính, Ngân sách)."""
    words = part.split()
    return 1 <= len(words) <= 3 and part[:1].isupper() and not looks_like_body(part) and not _starts_body(part)


def _starts_body(part: str) -> bool:
    """A lower-case part that opens like a body's name ("các Ủy ban …", "lãnh đạo các cơ quan …", "bộ")."""
    upper = (part[:1].upper() + part[1:]).replace(",", "", 1)
    return part.startswith("các ") or any(upper == h or upper.startswith(h + " ") for h in ORG_HEADS)


def _continues(before: str, part: str) -> bool:
    """Whether a lower-case part goes on with the name before it rather than starting a new one."""
    if len(before.split()) == 1 or before.split()[-1] == part.split()[-1]:
        return True  # "Bộ, cơ quan ngang bộ"; "Các tỉnh ủy, thành ủy"
    return not _starts_body(part)


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
        if head.strip() and not head.endswith(","):  # "Người đứng đầu cơ quan, tổ chức chỉ đạo …"
            return head.strip(" ,:"), text[match.end() :].strip()
    head, _, tail = text.partition(":")
    return head.strip(), tail.strip()


def from_sentence(
    sentence: str, start: int, end: int, path: str, following: str = "", items: Sequence[Paragraph] = ()
) -> list[Assignment]:
    """Assignments written in one sentence; ``following`` is the text of the lines after a sentence ending in ":",
    ``items`` those lines themselves (each item is then a task of its own for the sentence's bodies)."""
    text = _clean(sentence)
    out: list[Assignment] = []

    def add(body: str, task: str, role: str) -> None:
        body = _MODAL_END.sub("", _QUALIFIER.split(body, maxsplit=1)[0])
        task = _POINTER.sub("", task.strip()).strip(" :;,.") or following.strip()
        if looks_like_body(body) and (task or items):
            out.append(Assignment(body.strip(), task, role, deadline_in(task), start, end, path))

    def add_all(bodies: str, task: str, role: str) -> None:
        for body in split_bodies(bodies) or [bodies]:
            add(body, task, role)

    if match := _CHU_TRI.match(text):
        others, task = _until_verb(match.group("rest"))
        lead = re.sub(r"^(?:Giao|.*?\sgiao)(?: cho)? ", "", match.group("body"))  # "Giao X (tiếp tục) chủ trì, …"
        add(re.sub(r"\s+(?:tiếp tục|khẩn trương|trực tiếp)$", "", lead), task, "chu_tri")
        for body in split_bodies(others):
            add(body, task, "phoi_hop")
    else:
        for match in _GIAO.finditer(text):
            role = {"chủ trì": "chu_tri", "phối hợp": "phoi_hop"}.get(match.group("role"), "thuc_hien")
            add(match.group("body"), text[match.end() :], role)
        if not out and (match := _GIAO_TASK.match(text)):
            bodies, task = _until_verb(match.group("rest"))
            if task:
                add_all(bodies, task, "thuc_hien")
        if not out and (match := _RESPONSIBLE.match(text)):
            add_all(match.group("body"), match.group("task"), "chiu_trach_nhiem")
        if not out and (match := DUTIES_OPENING.match(text)) and match.group("what").lower() != "quyền":
            add_all(match.group("body"), "", "thuc_hien")
        if not out and (match := _PASSIVE.match(text)):
            add(match.group("body"), f"{match.group('verb')} {match.group('task')}", "thuc_hien")
        if not out and (match := _FOCAL.match(text)):
            add(match.group("body"), match.group("task"), "chu_tri")
        if not out and (match := _PHOI_HOP.match(text)):
            named = split_bodies(match.group("body"))
            whole = bool(named) and fold(match.group("body")).startswith(fold(named[0]))
            if whole and all(looks_like_body(b) for b in named):  # not "Trên cơ sở …, Sở Tài chính phối hợp …"
                others, task = _until_verb(match.group("rest"))
                for body in named:
                    add(body, task, "thuc_hien")
                for body in split_bodies(others) if out else []:
                    add(body, task, "phoi_hop")
        out.extend(_partners(out))
    if items and out:
        return _per_item(out, items, path)
    return out


def from_item(sentence: str, start: int, end: int, path: str) -> list[Assignment]:
    """A list item that opens with one or more bodies and a task verb assigns that task to them ("- Sở Tài chính
    định kỳ hằng quý tổng hợp báo cáo …", "1. Chính phủ thống nhất quản lý nhà nước về …")."""
    text = _clean(sentence)
    bodies, task = _until_verb(text)
    if text[len(bodies) :].lstrip().startswith(":"):
        return []  # "Thủ tướng …: thăm Ba Lan, …" — a name and what was done, no task verb after the name
    bodies = _QUALIFIER.split(bodies, maxsplit=1)[0]
    if not task or ":" in bodies or _CLAUSE.search(bodies) or ":" in " ".join(task.split()[:5]):
        return []  # "Các TCCS Đảng chuẩn bị thảo luận: …" is a label and its value, not a task
    names = split_bodies(bodies)
    if not names or len(" ".join(names)) < len(bodies) * 0.6:
        return []  # most of the opening words are no body's name: a sentence about something else
    found = [Assignment(n, task.strip(" .;"), "thuc_hien", deadline_in(task), start, end, path) for n in names]
    return found + _partners(found)


def _partners(found: Sequence[Assignment]) -> list[Assignment]:
    """Co-operating bodies named inside a task ("… tiếp tục phối hợp với Bộ Tư pháp và các cơ quan liên quan …")."""
    out: list[Assignment] = []
    for a in found:
        if a.role == "phoi_hop":
            continue
        match = re.search(r"\bphối hợp(?: với)? (?P<rest>.+)$", a.task)
        if not match:
            continue
        others, _ = _until_verb(match.group("rest"))
        for body in split_bodies(others):
            if fold(body) != fold(a.body):
                out.append(Assignment(body, a.task, "phoi_hop", a.deadline, a.start, a.end, a.heading_path))
    return out


def _per_item(heads: Sequence[Assignment], items: Sequence[Paragraph], path: str) -> list[Assignment]:
    """ "X chủ trì, phối hợp với Y trong các việc sau đây:" then a), b): each item is a task of X (and of Y); the
    sentence's own assignment stays when it says more than "the following"."""
    out = [h for h in heads if h.task.strip()]
    for item in items:
        task = _ITEM_START.sub("", item.text, count=1).strip()
        for head in heads:
            role = head.role
            if role != "phoi_hop" and fold(task).startswith("chu tri"):
                role = "chu_tri"
            out.append(Assignment(head.body, task, role, deadline_in(task), item.start, item.end, path))
    return out


def _role_of_task(task: str) -> str:
    folded = fold(task)
    if folded.startswith(("chu tri", "la co quan dau moi")):
        return "chu_tri"
    if folded.startswith(("phoi hop", "tham gia")):
        return "phoi_hop"
    return "thuc_hien"


def from_body_headings(text: str, pars: Sequence[Paragraph], headings: Sequence[Heading]) -> list[Assignment]:
    """Under a heading that names one or more bodies ("a) Tổ đảng ở Thường trực Ủy ban Kinh tế", "5. Các sở ngành
    liên quan, Viện Nghiên cứu phát triển Thành phố"), each bullet is a task of each of them."""
    out: list[Assignment] = []
    for heading in headings:
        if duty := _DUTY_TITLE.match(heading.title.strip()):
            out.extend(_duty_items(duty.group("body"), pars, heading))
            continue
        name = re.sub(r"\s*\([^)]*\)", "", heading.title).strip().rstrip(":").strip()
        if re.search(r"[.;]", name) or _CLAUSE.search(name):
            continue
        names = split_bodies(name) or ([name] if looks_like_body(name) else [])
        if not names or len(", ".join(names)) < len(name) * 0.8:
            continue
        for par in pars:
            if heading.start < par.start < heading.end and par.text.startswith(("-", "+", "•")):
                task = par.text.lstrip("-+• ").strip()
                deadline, role = deadline_in(task), _role_of_task(task)
                out.extend(Assignment(n, task, role, deadline, par.start, par.end, heading.path) for n in names)
    return out


def _duty_items(name: str, pars: Sequence[Paragraph], heading: Heading) -> list[Assignment]:
    """The numbered items (or bullets) of an article about a body's duties are that body's tasks; an item that
    opens with a body of its own ("2. Người đứng đầu lưu trữ lịch sử …") is left to the sentence rules."""
    names = split_bodies(name[:1].upper() + name[1:])
    out: list[Assignment] = []
    for par in pars:
        if not heading.start < par.start < heading.end or not re.match(r"^(?:\d{1,2}\.|[-+•])\s*\S", par.text):
            continue
        task = _ITEM_START.sub("", par.text, count=1).strip()
        if not task or split_bodies(_until_verb(task)[0]):
            continue
        deadline, role = deadline_in(task), _role_of_task(task)
        out.extend(Assignment(n, task, role, deadline, par.start, par.end, heading.path) for n in names)
    return out


def from_tables(pars: Sequence[Paragraph], doc: Document) -> list[Assignment]:
    """Rows of a table whose header has a "cơ quan chủ trì/thực hiện" column and a task column (and perhaps a
    "phối hợp" and a "thời gian/thời hạn" column). A row under merged cells carries fewer cells than the header
    (no number, and nothing after the bodies): its cells are read from the task column on."""
    out: list[Assignment] = []
    columns: dict[str, int] | None = None
    width = 0
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
            columns, width = _header_columns(cells), len(cells)
            continue
        if columns is None:
            continue
        row = _aligned(cells, columns, width)
        if row is None:
            continue
        task = row[columns["task"]]
        body = row[columns["body"]]
        deadline = row[columns["deadline"]] if columns.get("deadline", len(row)) < len(row) else ""
        deadline = deadline or deadline_in(task)
        role = "chu_tri" if columns.get("chu_tri") else "thuc_hien"
        path = doc.heading_path_at(par.start)
        for name in split_bodies(body) or ([body] if body else []):
            out.append(Assignment(name, task, role, deadline, par.start, par.end, path))
        if columns.get("with", len(row)) < len(row):
            for name in split_bodies(row[columns["with"]]):
                out.append(Assignment(name, task, "phoi_hop", deadline, par.start, par.end, path))
    return out


def _aligned(cells: list[str], columns: dict[str, int], width: int) -> list[str] | None:
    """A body row's cells at their header positions, or None for a row without a task and a body (a part's
    title row "I | Hoàn thiện thể chế …")."""
    first = columns["task"]
    cells = list(cells)
    while cells and not cells[-1]:
        cells.pop()  # a .docx/.pdf table pads a short row with empty cells
    if len(cells) < width and first > 0 and not re.fullmatch(r"[\dIVXLC]{1,5}\.?|[a-zđ]\)?|", cells[0]):
        cells = [""] * first + cells  # a row under a merged number cell starts at the task column
    if len(cells) <= max(columns["body"], first) or not cells[columns["body"]].strip():
        return None
    return cells


def _header_columns(cells: list[str]) -> dict[str, int] | None:
    folded = [fold(c) for c in cells]
    body = next(
        (i for i, c in enumerate(folded) if ("co quan" in c or "don vi" in c) and not re.search(r"phoi hop|tinh", c)),
        None,
    )  # "Cơ quan chủ trì", "Đơn vị thực hiện" — not "Cơ quan phối hợp" or "Đơn vị tính"
    task = next((i for i, c in enumerate(folded) if "nhiem vu" in c or "noi dung" in c or "cong viec" in c), None)
    if body is None or task is None:
        return None
    columns = {"body": body, "task": task}
    deadline = next((i for i, c in enumerate(folded) if "thoi gian" in c or "thoi han" in c), None)
    if deadline is not None:
        columns["deadline"] = deadline
    partner = next((i for i, c in enumerate(folded) if "phoi hop" in c and i != body), None)
    if partner is not None:
        columns["with"] = partner
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
    the numbered parts with labelled fields (a topic guide's topics, or a resolution's parts). ``body_end`` is
    where the closing block ("Nơi nhận", signature) begins; what is attached after the signature (a decision's
    plan, an appendix) is read too."""
    found: list[Assignment] = list(from_topics(parts or doc.topics, doc))
    found.extend(from_body_headings(doc.text, pars, doc.headings))
    found.extend(from_tables(pars, doc))
    signed = doc.meta.spans.get("signer", (0, 0))[1]
    body_pars = [
        p
        for p in pars
        if (p.end <= body_end or (signed > body_end and p.start >= signed)) and table_cells(p.text) is None
    ]
    for i, par in enumerate(body_pars):
        is_item = bool(_ITEM_START.match(par.text)) or _DUTY_SECTION.search(fold(doc.heading_path_at(par.start)))
        if not is_item and not _CUE.search(par.text):
            continue  # most paragraphs assign nothing: skip the sentence splitter for them
        for n, (s, e) in enumerate(sentence_spans(doc.text, par.start, par.end)):
            sentence = doc.text[s:e]
            path = doc.heading_path_at(s)
            items = _following_items(body_pars, i) if sentence.rstrip().endswith(":") else []
            got = from_sentence(sentence, s, e, path, items=items) if _CUE.search(sentence) or items else []
            if not got and is_item and n == 0 and not sentence.rstrip().endswith(":"):
                got = from_item(sentence, s, e, path)
            found.extend(got)
    seen: set[tuple[str, str, int]] = set()
    unique = []
    for a in sorted(found, key=lambda a: (a.start, a.body)):
        key = (fold(a.body), a.role, a.start)
        if key not in seen:
            seen.add(key)
            unique.append(a)
    return unique


def _following_items(pars: Sequence[Paragraph], i: int) -> list[Paragraph]:
    """The items after a sentence ending in ":" ("- …", "a) …" or "1. …", one kind): they are its tasks."""
    items: list[Paragraph] = []
    kind = ""
    for par in pars[i + 1 : i + 16]:
        mark = item_kind(par.text)
        if not mark or (kind and mark != kind):
            break
        kind = mark
        items.append(par)
    return items
