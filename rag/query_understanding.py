"""What a conference question says about *where* to look.

People ask "chuyên đề 3 bàn về gì?", "vấn đề 2", "nhóm vấn đề 4", or name an
organisation ("Sở Tài chính thảo luận nội dung nào?"). Topic numbers become a
topic filter; an organisation becomes a boost for the topics assigned to it.
Both are matched on the folded text so unaccented questions work too.

:func:`asks_for` says *what* a question wants (a figure, a date, a body, a person,
a document number, a list of tasks, a header field): the one place where the
extractive generator, the refusal decision and the structured answers learn it.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from ingest import wordlists
from ingest.assignments import DUTIES_OPENING
from ingest.header import KINDS as _KINDS
from ingest.model import Document, Topic
from ingest.normalize import fold, is_vietnamese_syllable, spell_out
from ingest.sentences import NUMBER_LABEL
from rag.citations import entities_in, has_phrase, has_tokens, name_tokens, numbers_in
from rag.diacritics import has_diacritics, syllables

_fold = functools.lru_cache(maxsize=8192)(fold)
"""fold, remembered: the analysis folds the same words and questions many times over."""

_TOPIC_REF = re.compile(r"\b(?:nhom van de|chuyen de|van de|chu de|nhom)\s+(?:so\s+)?(\d{1,2})\b")


@dataclass
class QueryIntent:
    """Structured hints found in a question."""

    topic: int | None = None
    boosted_topics: set[tuple[str, int]] = field(default_factory=set)
    """(doc_id, topic number) pairs whose topic assigns an organisation named in the query."""
    organisations: list[str] = field(default_factory=list)


def topic_number(query: str) -> int | None:
    """The topic number referred to ("chuyên đề 3", "van de 2", "nhóm vấn đề số 4"), if any."""
    match = _TOPIC_REF.search(_fold(query))
    return int(match.group(1)) if match else None


def organisation_core(name: str) -> list[str]:
    """Folded syllables of an organisation name without its party prefix ("Đảng bộ Sở Nội vụ" → sở nội vụ)."""
    folded = " ".join(syllables(_fold(name)))
    for prefix in wordlists.ORG_PREFIXES:
        if folded.startswith(prefix + " "):
            folded = folded[len(prefix) + 1 :]
            break
    return folded.split()


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def understand(query: str, topics: Iterable[tuple[Document, Topic]]) -> QueryIntent:
    """Topic reference and organisation boosts for ``query`` given the indexed topics."""
    intent = QueryIntent(topic=topic_number(query))
    words = syllables(_fold(query))
    for doc, topic in topics:
        for org in topic.organisations:
            core = organisation_core(org)
            # Two syllables at least: "Sở" alone or a bare number would match everything.
            if len(core) >= 2 and _contains(words, core):
                intent.boosted_topics.add((doc.doc_id, topic.number))
                if org not in intent.organisations:
                    intent.organisations.append(org)
    return intent


def _any(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_DATE = _any(wordlists.ASKS_DATE)
_DATE_ASKED = _any(p for p in wordlists.ASKS_DATE if p not in wordlists.DATE_NOUNS)
"""A date asked by a question word ("ngày nào", "khi nào"), not only named by a noun ("thời hạn", "hạn chót")."""
_THING_ASKED = re.compile(r"\b(\w+) nao\b")
_FIGURE = _any(p for p in wordlists.ASKS_FIGURE if p != r"\bmay\b")
_PERSON = _any(wordlists.ASKS_PERSON)
_NAME = _any(wordlists.ASKS_NAME)
_BODY = _any([*wordlists.ASKS_BODY, *(rf"{head} nao" for head in wordlists.BODY_HEADS if " " in head)])
"""A body asked for: "cơ quan nào", "đơn vị nào", and a body's head word of two syllables or more before "nào"
("Hội đồng nào", "Trung tâm nào", "Văn phòng nào"). One-syllable heads are left to the word list: "vụ", "đoàn",
"trường" are also the end of "nhiệm vụ", "giai đoạn", "thị trường"."""
_CODE = _any(wordlists.ASKS_CODE)
_TASKS = _any(wordlists.ASKS_TASKS)
_META = {name: _any(patterns) for name, patterns in wordlists.ASKS_META.items()}
_POSITION = re.compile(r"\b(?:" + "|".join(wordlists.POSITIONS) + r")\b")
_MAY_ACCENTED = re.compile(r"(?<!\w)mấy(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Ask:
    """What a question wants back. ``wants`` ⊆ {figure, date, person, name, body, place, code, tasks}."""

    wants: frozenset[str] = frozenset()
    meta_field: str = ""
    """The DocumentMeta field asked for ("signer", "date", "number", "issuer", "place", "trich_yeu", "recipients":
    the addressee or the Nơi nhận list; "effective": the document's own "… này có hiệu lực" clause), if any."""
    meta_fields: tuple[str, ...] = ()
    """Every DocumentMeta field asked for, in the question's order ("số hiệu và ngày ban hành": number, date)."""

    def __contains__(self, kind: object) -> bool:
        return kind in self.wants


def asks_for(question: str) -> Ask:
    """What ``question`` asks for, from its folded wording ("bao nhiêu" → figure, "ngày nào" → date, "Ai ký" →
    person + the signer field). Dates are not figures: "ngày nào" wants a date, which may be written in words."""
    folded = _fold(question)
    wants: set[str] = set()
    if _DATE.search(folded):
        wants.add("date")
    accented = folded != question.lower()
    if _FIGURE.search(folded) or (
        _MAY_ACCENTED.search(question) if accented else re.search(r"(?<!\w)may(?!\w)", folded)
    ):
        wants.add("figure")
    # "AI" (trí tuệ nhân tạo) written in capitals is not "ai" (who)
    if _PERSON.search(_fold(re.sub(r"(?<!\w)AI(?!\w)", " ", question))):
        wants.add("person")
        if not _POSITION.search(folded):
            wants.add("body")  # "ai tiếp tục chỉ đạo", "ai chủ trì": a body answers as well as a person
    if _NAME.search(folded):
        wants.add("name")
    if _BODY.search(folded):
        wants.add("body")
    if _PLACE.search(folded):
        wants.add("place")
    if _CODE.search(folded):
        wants.add("code")
    if _TASKS.search(folded):
        wants.add("tasks")
    part_number = _PART_NUMBER.search(folded)
    if part_number and (part_number.group(1) == "khoan" or _CITES.search(folded)):
        # "căn cứ vào các điều số mấy của Hiến pháp", "tại khoản nào": the number of an article cited or of a clause,
        # not a figure: "Điều 47, Điều 61 và Điều 83" answers it. Which article of the document holds something
        # ("… quy định tại điều nào") is read from its headings instead (structured_answers.part_facts)
        wants.discard("figure")
        wants.add("reference")
    if _HOW_OFTEN.search(folded):
        # "báo cáo bao lâu một lần" asks how often: "hằng quý", "định kỳ 6 tháng một lần", not a figure
        wants.discard("figure")
        wants.add("date")
    elif re.search(r"\bbao lau\b", folded) or _DURATION.search(folded):
        # "thời hạn … bao lâu", "trong thời hạn bao nhiêu ngày" want a duration ("hai mươi bốn giờ", "15 ngày"),
        # not a date: the deadline noun names what is measured
        wants.discard("date")
    if "date" in wants and not _DATE_ASKED.search(folded) and _asks_another_thing(folded, wants):
        # "Thời hạn lưu trữ vĩnh viễn áp dụng cho tài liệu nào?", "Cơ quan nào hướng dẫn về thời hạn lưu trữ?":
        # the deadline is what the question is about, the documents or the body are what it asks
        wants.discard("date")
    found = sorted((m.start(), name) for name, pattern in _META.items() for m in [pattern.search(folded)] if m)
    metas = tuple(dict.fromkeys(name for _, name in found))
    if asks_earlier(question):
        # its own header is not the answer: the clause naming the document it replaces is, when the question asks
        # that document's number or date
        metas = ("replaced",) if wants & {"code", "date"} or _CODE_ASKED.search(folded) else ()
    if "date" in metas and not _ISSUED.search(folded) and (_DEADLINE.search(folded) or "effective" in metas):
        # "Kế hoạch … hạn báo cáo là ngày nào": a deadline in the text, not the date of issue; "Quyết định 2820 có
        # hiệu lực khi nào" also reads "<văn bản> … khi nào": the document's effect clause, not the date of issue
        metas = tuple(m for m in metas if m != "date")
    meta = metas[0] if metas else ""
    if meta == "signer" and "issuer" not in metas:
        wants.discard("body")  # a person signs: "Ai ký Nghị quyết 57?" is not answered by a body's name
    if "issuer" in metas:
        wants.add("body")
    return Ask(frozenset(wants), meta, metas)


def _asks_another_thing(folded: str, wants: set[str]) -> bool:
    """Whether a question that names a deadline ("thời hạn") asks for something else: a person, a body, tasks, a
    name or a place, or "<thing> nào" ("tài liệu nào") where the thing is not a time ("thời gian nào")."""
    if wants & {"person", "body", "tasks", "name", "place", "code"}:
        return True
    return any(m.group(1) not in wordlists.TIME_BEFORE_NAO for m in _THING_ASKED.finditer(folded))


_RELATIVE_DATE = _any(wordlists.RELATIVE_DATES)
_RELATIVE_DAY = _any(p for p in wordlists.RELATIVE_DATES if "ngay" in p and p not in wordlists.PERIODS)
_PERIOD = _any(wordlists.PERIODS)
_BODY_FIRST = frozenset(head.split()[0] for head in wordlists.BODY_HEADS)


def _new(found: set[str], question: str, tokens_of_question: list[str]) -> set[str]:
    """Names of ``found`` not already written in the question (an answer must add something)."""
    return {f for f in found if not has_tokens(tokens_of_question, f.split(" "))}


_ASKS_DAY = re.compile(r"\bngay nao\b")
_ASKS_FULL_DATE = re.compile(r"\bngay thang nam nao\b")
""""vào ngày tháng năm nào" asks a day as "ngày nào" does, although "năm nào" is in it."""
_ASKS_YEAR = re.compile(r"\bnam nao\b|\bkhi nao\b|\bbao gio\b|\bthoi (?:gian|han|diem)\b|\bhan chot\b")
_YEAR = re.compile(r"(?:19|20)\d\d")
_YEAR_SAID = re.compile(r"\bnam (\d{3,4})\b")


_CITED_DOCUMENT = re.compile(
    r"(?P<code>\d+(?:[/.-]\d+)*[/-][A-ZĐa-zđ][\wĐđ&/.-]*)(?:\s*,?\s*(?:(?i:ngày)\s+)?"
    r"(?:\d{1,2}[/-]\d{1,2}[/-]\d{4}|\d{1,2}\s+(?i:tháng)\s+\d{1,2}\s+(?i:năm)\s+\d{4}))?"
)
"""A document cited by its code, with its date of issue ("Quy định số 270-QĐ/TW, ngày 06/12/2014",
"Quyết định 12/2020/QĐ-UBND"): the year in the code and the date are that document's, not dates the sentence
states."""


def _without_cited_dates(sentence: str, question: str) -> str:
    """``sentence`` with the codes and dates of the documents it cites removed, unless the question names that document
    ("Quyết định 659/QĐ-TTg ban hành ngày nào?" is answered by "Quyết định số 659/QĐ-TTg ngày 23/03/2025")."""
    named = numbers_named(question)
    unnumbered = _kinds_without_number(question)

    def drop(match: re.Match[str]) -> str:
        code = _fold(match.group("code"))
        head = re.match(r"\d+", code)
        letters = set(re.split(r"[^a-z]+", code))
        asked = code in named or (head and head.group(0) in named) or bool(letters & unnumbered)
        return match.group(0) if asked else " "

    return _CITED_DOCUMENT.sub(drop, sentence)


def _kinds_without_number(question: str) -> set[str]:
    """The code letters of the kinds of document the question names without a number ("căn cứ Báo cáo nào, ngày
    nào" → {"bc"}): a document of that kind cited in a sentence may be the one it asks about."""
    from rag.document_numbers import KIND_CODES

    tokens = _fold(question).split()
    found = set()
    for i in range(len(tokens) - 1):
        if (tokens[i], tokens[i + 1]) == ("quy", "dinh"):
            continue  # without a number, "quy định" is the verb ("Luật quy định … khi nào?")
        letters = KIND_CODES.get((tokens[i], tokens[i + 1]))
        after = tokens[i + 2 : i + 4]
        if after[:1] == ["so"]:
            after = after[1:]
        if letters and not (after and re.match(r"\d", after[0])):
            found.add(letters)
    return found


def _has_date(sentence: str, question: str) -> bool:
    """A date the question does not hold, in any written form: "15/3/2025", "ngày 15 tháng 3 năm 2025",
    "Quý II/2025", a relative term ("kể từ ngày ký", "hằng năm"); a year alone ("năm 2026") answers
    "năm nào / khi nào" but not "ngày nào". The date of a document the sentence cites is not one it states."""
    folded_question = _fold(question)
    sentence = _without_cited_dates(NUMBER_LABEL.sub("", sentence, count=1), question)
    if _HOW_OFTEN.search(folded_question):
        return bool(_PERIOD.search(_fold(sentence)))  # how often: a period, not "định kỳ" alone nor a date
    new = numbers_in(sentence) - numbers_in(question)
    if (_ASKS_DAY.search(folded_question) and not _ASKS_YEAR.search(folded_question)) or _ASKS_FULL_DATE.search(
        folded_question
    ):
        # d/m/yyyy or d/m; "5/2025" is a month
        dated = any(n.count("/") == 2 or (n.count("/") == 1 and len(n.split("/")[1]) <= 2) for n in new)
        return dated or bool(_RELATIVE_DAY.search(_fold(sentence)))
    if any("/" in n or _YEAR.fullmatch(n) for n in new):
        return True
    if any(n in new for n in _YEAR_SAID.findall(_fold(sentence))):
        return True  # "vào năm 1788": any year the sentence calls one
    return bool(_RELATIVE_DATE.search(_fold(sentence)))


_CAPITALISED = r"[A-ZĐÂĂÊÔƠƯÁÀẢÃẠẮẰẲẴẶẤẦẨẪẬÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ]\w*"
_PLACE_NAME = re.compile(
    rf"(?:(?<!\w)(?:tại|ở|trên địa bàn|đặt tại)\s+(?:các\s+)?|"
    rf"(?<!\w)(?:[Tt]ỉnh|[Tt]hành phố|TP\.?|[Hh]uyện|[Qq]uận|[Tt]hị xã|[Xx]ã|[Pp]hường|[Đđ]ặc khu)\s*)"
    rf"(?P<name>{_CAPITALISED}(?:\s+{_CAPITALISED}){{0,3}})"
)
"""A place: a capitalised name after a locative ("tại Hà Nội", "ở Cà Mau") or an administrative unit ("tỉnh Cà Mau",
"TP.Hồ Chí Minh")."""
_LOCAL_LIST = re.compile(rf"địa phương\s*\((?P<names>{_CAPITALISED}[^)]*)\)")
"""Places listed after "địa phương" ("02 địa phương (Hà Nam, Thái Nguyên)")."""


def _has_place(text: str, question: str) -> bool:
    """A place the question does not name: "tại TP.Hồ Chí Minh", "tỉnh Cà Mau", "địa phương (Hà Nam, Thái Nguyên)"
    — not a body ("tại Bộ Tài chính") and not "tại lưu trữ lịch sử" (no name)."""
    text = unicodedata.normalize("NFC", text)
    # each name with the words that follow it: "tại Văn bản số 687" names a document ("Văn" alone is capitalised)
    names = [(m.group("name"), text[m.start("name") : m.start("name") + 40]) for m in _PLACE_NAME.finditer(text)]
    names += [(n.strip(), n.strip()) for m in _LOCAL_LIST.finditer(text) for n in m.group("names").split(",")]
    folded_question = _fold(question)
    if any(
        name and not _fold(around).startswith(_NOT_PLACES) and _fold(name) not in folded_question
        for name, around in names
    ):
        return True
    return _says_where(_fold(text), folded_question)


_WHERE_ASKED = re.compile(r"(\w+) (?:o|tai) dau\b")
_HERE_THERE = frozenset({"day", "do", "kia", "nay", "noi", "cho"})
"""Folded "đây", "đó", "kia", "này", "nơi", "chỗ": they point at a place, they do not name one."""


def _says_where(folded_text: str, folded_question: str) -> bool:
    """The text repeats the verb the question asks "ở đâu" of and goes on "ở/tại <something new>": "được thực hiện
    ở đâu" → "… được thực hiện ở ủy ban", though "ủy ban" is no capitalised place name."""
    asked = _WHERE_ASKED.search(folded_question)
    if asked is None:
        return False
    question_words = set(folded_question.split())
    return any(
        m.group(1) not in question_words and m.group(1) not in _HERE_THERE
        for m in re.finditer(rf"\b{re.escape(asked.group(1))} (?:o|tai) (\w+)", folded_text)
    )


_NOT_PLACES = (
    *(_fold(head) for head in wordlists.BODY_HEADS),
    *(word for word, _ in _KINDS),
    *("van ban", "dieu", "khoan", "muc", "phan", "chuong", "phu luc", "hoi nghi", "phien hop", "ky hop"),
)
"""What a capitalised name after "tại" may be that is no place: a body ("tại Bộ Tài chính"), a document or a part
of one ("tại Văn bản số 687/…", "tại Điều 5"), a meeting ("tại Hội nghị")."""


def _has_person(text: str, question: str) -> bool:
    """A person's name ("Trần Thanh Mẫn": a family name then 1-3 capitalised syllables) not in the question."""
    words = [w.strip(',.;:()"“”') for w in text.split()]
    for i, word in enumerate(words):
        if word not in wordlists.SURNAMES:
            continue
        given = list(itertools.takewhile(lambda w: w[:1].isupper() and w[1:].islower(), words[i + 1 : i + 4]))
        if given and _fold(" ".join([word, *given])) not in _fold(question):
            return True
    return _has_foreign_name(words, question)


def _name_word(word: str) -> bool:
    """A capitalised word ("Deák", "Haydon") or an initial ("W.")."""
    if len(word) == 2 and word[0].isupper() and word[1] == ".":
        return True
    rest = word[1:].replace("-", "")
    return word[:1].isupper() and rest.isalpha() and rest.islower()


def _has_foreign_name(words: list[str], question: str) -> bool:
    """A foreign person's name ("Ferenc Deák", "W. Haydon Burns"): two or more capitalised words in a row, one at
    least no Vietnamese syllable, not written in the question. Vietnamese names are read by their family name."""
    folded_question = _fold(question)
    run: list[str] = []
    for word in [*words, ""]:
        if word and _name_word(word):
            run.append(word)
            continue
        foreign = any(not is_vietnamese_syllable(w.lower()) for w in run if not w.endswith("."))
        if len(run) >= 2 and foreign and _fold(" ".join(run)) not in folded_question:
            return True
        run = []
    return False


_OFFICE = re.compile(r"(?<!\w)(" + "|".join(wordlists.OFFICE_TITLES) + r")\s+(\w+)", re.IGNORECASE)


def _has_office(text: str, question: str) -> bool:
    """An office-holder named by office and body ("Bộ trưởng Bộ Nội vụ", "Thủ tướng Chính phủ"), not the office
    the question asks about."""
    folded_question = _fold(question)
    for match in _OFFICE.finditer(text):
        if match.group(2)[:1].isupper() and _fold(match.group(0)) not in folded_question:
            return True
    return False


_PEOPLE = re.compile(r"\b(?:cac|nhung) (?:" + "|".join(wordlists.PEOPLE_HEADS) + r")(?: \w+){0,3}")


_ROLE = re.compile(r"\b(?:" + "|".join(wordlists.LEGAL_ROLES) + r")\b")


def _has_people(text: str, question: str) -> bool:
    """A class of people ("các nhà địa tầng học", "những tín đồ") or a role a law names ("người giám hộ", "thân
    nhân") the question does not already name."""
    folded_question, folded = _fold(question), _fold(text)
    if any(not has_phrase(folded_question, m.group(0)) for m in _ROLE.finditer(folded)):
        return True
    return any(not has_phrase(folded_question, " ".join(m.group(0).split()[1:3])) for m in _PEOPLE.finditer(folded))


_WHO_IS = re.compile(r"\bai la\b|\bla ai\b")
""""Ai là Bí thư …", "… là ai": one person is asked for, never a class of people."""

_HEADS = sorted({tuple(h.split()) for h in wordlists.BODY_HEADS}, key=len, reverse=True)


def _headed_bodies(text: str) -> set[str]:
    """Bodies named by a head word and a capitalised name ("Đảng ủy Quốc hội", "Bộ Tài chính"), folded: head + the
    first two words of the name. Vietnamese capitalises only the first syllable of each part, so the run of
    capitals alone ("Đảng", "Quốc") does not show where such a name starts."""
    words = re.findall(r"[^\W_][\w&-]*", text)
    folded = [_fold(w) for w in words]
    found: set[str] = set()
    for i in range(len(words)):
        for head in _HEADS:
            n = len(head)
            if tuple(folded[i : i + n]) == head and words[i][:1].isupper() and i + n < len(words):
                if words[i + n][:1].isupper():
                    found.add(" ".join(folded[i : i + n + 2]))
                break
    return found


def _has_body(text: str, question: str) -> bool:
    """An organisation's name ("Sở Tư pháp", "Ủy ban KH,CN&MT", "UBND tỉnh", "Đảng ủy Quốc hội") not already in
    the question."""
    q_tokens = name_tokens(question)
    for name in _new(entities_in(text), question, q_tokens):
        first = name.split(" ")[0]
        if first in _BODY_FIRST or (len(first) >= 3 and first.isalpha() and first.upper() in text):
            return True
    folded_question = _fold(question)
    if any(not has_phrase(folded_question, body) for body in _headed_bodies(text)):
        return True
    return any(not has_phrase(folded_question, m.group(0)) for m in _GENERIC_BODY.finditer(_fold(text)))


def _list_actor(heading: str, question: str) -> bool:
    """Whether the line opening a sentence's list names who does its items and the question does not: "Người tiếp
    công dân có trách nhiệm:" › "2- Hướng dẫn công dân …", "1- Hội đồng nhân dân các cấp có nhiệm vụ, quyền hạn sau
    đây:" › "a) Xem xét báo cáo …" (the opening reaches :func:`gives` as a line of its heading)."""
    folded_question = _fold(question)
    for line in heading.splitlines():
        match = DUTIES_OPENING.match(line.strip())
        if match and not has_phrase(folded_question, _fold(match.group("body"))):
            return True
    return False


def _named_in_slot(sentence: str, question: str) -> bool:
    """A name standing where the question puts "ai" / "cơ quan nào": the sentence repeats the (two or three) words
    the question writes before it and goes on with a capitalised name ("… thuộc sở hữu của ai?" → "… thuộc sở hữu
    của Đảng, …"). Such a name counts even when its words also name the question's subject ("Phông lưu trữ Đảng
    …"), which :func:`_new` would not let it do. ``fold`` keeps every character's place, so the folded match
    points into the sentence as written."""
    folded_question = _fold(question)
    slot = min((m for p in (_PERSON, _BODY) if (m := p.search(folded_question))), key=lambda m: m.start(), default=None)
    if slot is None:
        return False
    before = WORD_RE_FOLDED.findall(folded_question[: slot.start()])[-3:]
    if len(before) < 2:
        return False
    lead = re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, before)) + r"(?!\w)")
    folded = _fold(sentence)
    if len(folded) != len(sentence):
        return False
    return any(sentence[m.end() :].lstrip()[:1].isupper() for m in lead.finditer(folded))


_GENERIC_BODY = re.compile(
    rf"\b(?:{'|'.join(wordlists.GENERIC_BODY_HEADS)})(?: \w+){{0,4}}? "
    rf"(?:{'|'.join(wordlists.GENERIC_BODY_QUALIFIERS)})\b"
)


_RATE_OF = re.compile(r"\bty le (\w+ \w+)")
"""What a rate is of ("tỷ lệ hộ nghèo" → "ho ngheo"): the answer's sentence must name it."""
_COUNT_UNIT = re.compile(r"\bbao nhieu (" + "|".join(wordlists.COUNT_UNITS) + r")\b")
_COUNT_BY_NOUN = re.compile(r"\bso (" + "|".join(wordlists.COUNT_UNITS) + r")\b(?=.*\bbao nhieu\b)")
"""A count asked by its noun: "số người được giải quyết việc làm là bao nhiêu" asks "bao nhiêu người"."""


def asked_unit(question: str) -> str | None:
    """The folded unit a "bao nhiêu" question names ("bao nhiêu tỷ đồng" → "ty dong", "số người … là bao nhiêu"
    → "nguoi"), or None."""
    folded = _fold(question)
    found = _COUNT_UNIT.search(folded) or _COUNT_BY_NOUN.search(folded)
    return found.group(1) if found else None


_NUMBER_WORD = r"(?:một|hai|ba|bốn|tư|năm|lăm|sáu|bảy|tám|chín|mười|mươi|trăm|nghìn|ngàn|vạn|triệu|tỷ|tỉ|linh|lẻ|rưỡi)"
_UNIT_WORD = (
    r"(?:giờ|ngày|tháng|năm|tuần|phút|đồng|người|lần|hộ|xã|tỉnh|km|ha|trường hợp|doanh nghiệp|dự án|đảng viên"
    r"|phần trăm)"
)
_AMOUNT_IN_WORDS = re.compile(rf"(?<!\w)(?:{_NUMBER_WORD} )*{_NUMBER_WORD} {_UNIT_WORD}(?!\w)")
"""A quantity written in words ("hai mươi bốn giờ", "bốn tháng", "năm vạn đồng"): laws write durations so."""
_LARGE_IN_WORDS = re.compile(
    r"(?<!\w)(?:mười|(?:một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười) (?:mươi|trăm|nghìn|ngàn|vạn|triệu|tỷ|tỉ))"
    rf"(?: {_NUMBER_WORD})*(?= [^\W\d_])"
)
"""Ten or more written in words before whatever it counts ("mười hai hải lý", "hai trăm hải lý", "một trăm năm
tuổi"): older laws write their figures so, in any unit. "hàng trăm" (hundreds of) is no figure."""


def _quantities(sentence: str) -> set[str]:
    """Figures that measure something: numbers outside document codes ("659/QĐ-TTg") and dates, plus amounts
    written in words. "Quyết định số 659/QĐ-TTg ngày 23/03/2025" states no quantity."""
    plain = _REFERENCE.sub(" ", _CODE_OR_DATE.sub(" ", sentence))
    # "22/22" (a share) measures; "5/2025" (a month) does not
    found = {n for n in numbers_in(plain) if n.count("/") == 0 or (n.count("/") == 1 and len(n.split("/")[1]) != 4)}
    # read with the marks: folded, "vận động" would be "vạn đồng"
    lowered = unicodedata.normalize("NFC", sentence.lower())
    found |= {_fold(m.group(0)) for m in _AMOUNT_IN_WORDS.finditer(lowered)}
    found |= {_fold(m.group(0)) for m in _LARGE_IN_WORDS.finditer(lowered)}
    return found


_SMALL_IN_WORDS = re.compile(rf"(?<!\w)(?:{_NUMBER_WORD} )*{_NUMBER_WORD}(?= )")


def _in_words_before(sentence: str, unit: str, patterns: Sequence[re.Pattern[str]], right_before: bool) -> bool:
    """A figure written in words (one of ``patterns``) before ``unit`` (folded): right before it, or within the next
    words. Read with the marks: folded, "vận động" would be "vạn đồng" and "bà con" "ba con"."""
    lowered = unicodedata.normalize("NFC", sentence.lower())
    follows = re.compile(rf"{re.escape(unit)}(?!\w)" if right_before else rf"(?:\S+ )*?{re.escape(unit)}\b")
    for pattern in patterns:
        for m in pattern.finditer(lowered):
            after = lowered[m.end() + 1 : m.end() + 40] if right_before else lowered[m.start() : m.end() + 40]
            if follows.match(_fold(after)):
                return True
    return False


def _few_in_words(sentence: str, noun: str) -> bool:
    """A small figure written in words right before what the question counts: "lập thành ba bản" for "mấy bản",
    "từ một đến hai con" for "mấy con"."""
    return _in_words_before(sentence, noun, (_SMALL_IN_WORDS,), right_before=True)


def _counted_in_words(sentence: str, unit: str) -> bool:
    """A figure written in words followed by ``unit`` (folded), or ending with it: "một trăm năm tuổi" for "bao
    nhiêu năm", "mười hai hải lý" for "bao nhiêu hải lý"."""
    return _in_words_before(sentence, unit, (_AMOUNT_IN_WORDS, _LARGE_IN_WORDS), right_before=False)


_CODE_OR_DATE = re.compile(
    r"\d+(?:[/.-]\d+)*[/-][A-ZĐa-zđ][\wĐđ&/.-]*"  # 659/QĐ-TTg, 57-NQ/TW, 73/2006/QH
    r"|\b\d{1,2}[/-]\d{1,2}[/-]\d{2,4}\b"  # 23/03/2025
    r"|(?i:ngày)\s+\d{1,2}\s+(?i:tháng)\s+\d{1,2}(?:\s+(?i:năm)\s+\d{4})?"  # ngày 23 tháng 3 năm 2025
)


_REFERENCE = re.compile(
    r"(?<!\w)(?:(?i:tháng|năm|quý|ngày|điều|khoản|điểm|chương|mục|phụ lục|số)\s+|[TQ])\d+(?:\s*[-–,]\s*\d+)*(?:/\d{4})?"
)
"""Numbers that name a time or a part ("tháng 3, 4", "Điều 5", "Phụ lục 1", "T5"): they count nothing."""


def _said_loosely(folded: str, phrase: str) -> bool:
    """Whether the words of a two-word ``phrase`` stand in ``folded`` in order with at most two words between
    them: "hộ gia đình nghèo" says "hộ nghèo", "người Anh di cư" says "người di cư"."""
    first, second = phrase.split()
    return re.search(rf"\b{re.escape(first)}(?:\s+\w+){{0,2}}\s+{re.escape(second)}\b", folded) is not None


_PERCENT = re.compile(r"\d\s*\(?%|\d phan tram")
"""A percentage, folded: "6,42%", "6,42 phần trăm", a table's "99,6 (%)" (the unit in the column header)."""


def _says_counted(folded: str, noun: str) -> bool:
    """Whether ``folded`` names what a "mấy" question counts: the phrase, or its two words with at most two between
    them ("hòm phiếu phụ" for "mấy hòm phiếu", "hai bản chính" for "mấy bản")."""
    if noun == "phan tram":
        return _PERCENT.search(folded) is not None
    return has_phrase(folded, noun) or (len(noun.split()) == 2 and _said_loosely(folded, noun))


def _figure_with_unit(sentence: str, question: str) -> bool:
    """A new figure; when the question names its unit ("bao nhiêu người", "bao nhiêu đảng viên"), a figure
    followed by that unit, so "90% dân số" does not answer "dân số là bao nhiêu người". Numbers inside codes
    and dates measure nothing."""
    sentence = NUMBER_LABEL.sub("", sentence, count=1)
    noun = counted_noun(question)
    if noun is not None and _few_in_words(sentence, noun):
        return True
    # a figure the question says ("Chiến tranh Bảy năm", "5 năm tới") is what it asks about, not its answer
    new = _quantities(sentence) - numbers_in(question) - _quantities(question)
    if not new:
        return False
    if noun is not None and not measured(question)[0] and not _says_counted(_fold(sentence), noun):
        return False  # "mấy hòm phiếu phụ": a count of voters is no count of ballot boxes
    rate_of = _RATE_OF.search(_fold(question))
    if rate_of is not None and not _said_loosely(_fold(sentence), rate_of.group(1)):
        return False  # "Tỷ lệ hộ nghèo … bao nhiêu": a rate of something else is no answer
    unit = asked_unit(question)
    if unit is None:
        return True
    if unit == "phan tram":
        # "6,42%", "6,42 phần trăm", and a table's "99,6 (%)" (the unit in the column header, in brackets)
        return _PERCENT.search(_fold(sentence)) is not None
    pattern = r"\d[\d.,]*\s*%?\s*(?:\w+\s+){0,2}?" + re.escape(unit) + r"\b"
    return re.search(pattern, _fold(sentence)) is not None or _counted_in_words(sentence, unit)


def _strong_name(name: str, question: str) -> bool:
    """A name the answer must be about: two words or more ("Sơn La", "Phạm Minh Chính"), a code ("598/QĐ-TTg"),
    or one word that is not a capitalised common word ("SpaceX", "AI"; not "Nghị" of "Nghị quyết")."""
    tokens = name.split(" ")
    if len(tokens) >= 2 or any(c.isdigit() for c in name):
        return True
    for word in re.findall(r"[^\W_]+", question):
        if _fold(word) == tokens[0] and (sum(c.isupper() for c in word) >= 2 or not word.isalpha()):
            return True
    return False


@functools.lru_cache(maxsize=512)
def named_in(question: str) -> tuple[tuple[str, ...], ...]:
    """The names and codes a question is about, as token tuples: an answer must come from a passage that names
    them (in the sentence, its heading path or its document's title) – "Tỉnh Sơn La có bao nhiêu dân số?" is
    not answered by a sentence on the population of the country."""
    names = [name for name in entities_in(question) if _strong_name(name, question)]
    first = re.match(r"\s*([^\W\d_]{3,})", question)
    accented = _fold(question) != question.lower()  # unaccented syllables ("Hien") are not syllables either
    if accented and first and first.group(1)[0].isupper() and not is_vietnamese_syllable(first.group(1).lower()):
        names.append(_fold(first.group(1)))  # a foreign name opening the question ("Shopee có bao nhiêu …")
    # a word of letters then digits names something however it is typed ("internet2", "covid19"): no syllable is so
    names += [_fold(m.group(0)) for m in _LETTERS_THEN_DIGITS.finditer(question) if _fold(m.group(0)) not in names]
    opening = _opening_name(question)
    if opening:  # entities_in skips a sentence's first word: "Hà Nội có …" gave "noi", "James Hutton …" "hutton"
        rest = opening.split(" ", 1)[1] if " " in opening else ""
        names = [name for name in names if name not in (rest, opening.split(" ")[0])] + [opening]
    return tuple(tuple(name.split(" ")) for name in sorted(set(names)))


_LETTERS_THEN_DIGITS = re.compile(r"(?<![\w/.&-])[^\W\d_]{2,}\d+(?![\w/.&-])")
_OPENING_RUN = re.compile(r"\s*((?:[^\W\d_][\w-]*)(?:\s+[^\W\d_][\w-]*)*)")


def _opening_name(question: str) -> str:
    """The proper name a question opens with ("Hà Nội có bao nhiêu quận?", "James Hutton xuất bản … năm nào?"),
    folded, when underthesea's tagger reads its first word as a proper noun ("Np") and at least two capitalised
    words open it (their run is the name); else "".
    """
    found = _OPENING_RUN.match(question)
    if not found:
        return ""
    run = []
    for word in found.group(1).split():
        if not word[0].isupper():
            break
        run.append(word)
    if len(run) < 2:
        return ""  # one word: the tagger reads "Thu xổ số …" as a name "Thu"; a foreign one is caught above
    from ingest.underthesea_tools import pos_tag

    tagged = pos_tag(question)
    if not tagged or tagged[0][1] != "Np":
        return ""
    return " ".join(t for word in run for t in name_tokens(word))


def _one_edit_apart(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with at most one letter changed, added or dropped ("arpnet" / "arpanet")."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = next((k for k in range(len(a)) if a[k] != b[k]), len(a))
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


_SEPARATORS = re.compile(r"[-./]")


@functools.lru_cache(maxsize=1 << 12)
def _loose_tokens(text: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """``text``'s name tokens without separators, and its all-letter tokens: what :func:`_spelled_near` compares,
    kept per text (an answer tests the same passage and title for every sentence)."""
    tokens = name_tokens(text)
    return frozenset(_SEPARATORS.sub("", t) for t in tokens), tuple(t for t in tokens if t.isalpha())


def _spelled_near(name: tuple[str, ...], text: str) -> bool:
    """A one-word name the text writes a little differently: without its hyphen ("AS-206" / "AS206"), or, a foreign
    word of six letters or more, one letter apart ("ARPNET" / "ARPANET", "Cloroplastidan" / "chloroplastidan").
    Numbers must match: "57-NQ/TW" is not "56-NQ/TW"."""
    if len(name) != 1:
        return False
    unseparated, words = _loose_tokens(text)
    word = _SEPARATORS.sub("", name[0])
    if word in unseparated:
        return True
    if len(word) < 6 or not word.isalpha() or is_vietnamese_syllable(word):
        return False
    return any(_one_edit_apart(word, t) for t in words)


def _code_starts_with(token: str, number: str) -> bool:
    """ "3260-kh/ddqh15" starts with the number "3260" (not "326")."""
    return token.startswith(number) and not token[len(number) : len(number) + 1].isdigit()


def _names_held(names: Iterable[tuple[str, ...]], text: str) -> bool:
    """Every name occurs in ``text``; a bare number also meets the code it starts ("3260" → "3260-KH/ĐĐQH15"),
    and a one-word name may be spelled a little differently (:func:`_spelled_near`)."""
    tokens = name_tokens(text)
    for name in names:
        if has_tokens(tokens, list(name)) or _spelled_near(name, text):
            continue
        if len(name) >= 2 and not any(is_vietnamese_syllable(t) for t in name) and name[-1] in tokens:
            continue  # a foreign person is named by the surname after the first mention ("James Hutton" → "Hutton")
        if len(name) == 1 and name[0].isdigit() and any(_code_starts_with(t, name[0]) for t in tokens):
            continue
        return False
    return True


def names_absent(question: str, texts: Iterable[str]) -> list[str]:
    """The names and codes the question gives (:func:`named_in`) that none of ``texts`` holds, as the question
    writes them: "Abilene …" asked of passages that never say "Abilene" cannot be answered from them."""
    question = spell_out(question)  # "UBND Thành phố" is held by "Ủy ban nhân dân Thành phố", and the other way
    held = [spell_out(text) for text in texts]
    words = re.findall(r"[^\W_][\w.&/-]*", question)
    absent = []
    for name in named_in(question):
        if any(_names_held([name], text) for text in held):
            continue
        n = len(name)
        runs = (words[i : i + n] for i in range(len(words)))
        absent.append(next((" ".join(r) for r in runs if tuple(_fold(w) for w in r) == name), " ".join(name)))
    return absent


_SUBJECT_SKIP = frozenset({"theo", "hien", "nay", "nam", "co", "den", "het", "trong", "tai", "tinh", "ca"})
_MONEY = frozenset({"tien", "kinh phi", "von"})
_ENDS_MEASURE = frozenset({"gi", "nao", "sao", "ai", "may", "khong", "chua", "bao", "nhieu"})
"""Folded question syllables that end a measured phrase ("hội" of "hội viên" is not "hỏi")."""
_DOC_WORDS = frozenset({"luat", "nghi", "ke", "bao", "quyet", "chi", "chuong", "cong", "thong", "bo", "theo"})
_SAYS = frozenset({"quy dinh", "de ra", "xac dinh", "dat ra", "neu ra", "yeu cau"})


_QUESTION_TOKEN = re.compile(r"[^\W_]+|[^\w\s]")
"""A question's words and its punctuation (which ends a phrase), for reading what it measures or counts."""


def _phrase_stop(words: Sequence[str]) -> set[str]:
    """Folded words that end what a question measures: function syllables, question syllables, punctuation."""
    function = {w for term in wordlists.FUNCTION_TERMS for w in term.split()}
    return function | _ENDS_MEASURE | {w for w in words if not w[0].isalnum()}


@functools.lru_cache(maxsize=512)
def counted_noun(question: str) -> str | None:
    """What a "bao nhiêu" / "mấy" question counts when it names none of the listed units, folded, two syllables at
    most: "lập thành mấy bản" → "ban", "mấy ảnh màu" → "anh mau", "bao nhiêu giải Grammy" → "giai grammy" (what
    :func:`measured` reads after "bao nhiêu"). "mấy" is read with its marks: unaccented "may" is also "máy"."""
    if asked_unit(question) is not None:
        return None
    thing, strict = measured(question)
    if thing and strict:
        return thing
    written = _QUESTION_TOKEN.findall(unicodedata.normalize("NFC", question.lower()))
    if "mấy" not in written:
        return None
    words = [_fold(w) for w in written]
    stop = _phrase_stop(words)
    picked = list(itertools.takewhile(lambda w: w not in stop, words[written.index("mấy") + 1 :]))[:2]
    return " ".join(picked) if picked and picked[0] not in _MONEY else None


@functools.lru_cache(maxsize=512)
def measured(question: str) -> tuple[str, bool]:
    """What a "bao nhiêu" question measures, folded: the words after "bao nhiêu" ("bao nhiêu nhiệm vụ" → "nhiem
    vu"), or, when it ends the question, the words that open it ("Mức lương … là bao nhiêu?" → "muc luong").
    Two syllables at most; "" when the question names a unit (checked with the figure) or money ("bao nhiêu
    tiền" is answered in đồng, not by the word). Read on folded syllables, so typed without marks it reads the
    same. The flag says whether the whole phrase must be found (after "bao nhiêu") or two adjacent syllables of
    it (up to three opening words, which a document may word a little differently: "tăng trưởng kinh tế" /
    "trưởng kinh tế")."""
    words = _QUESTION_TOKEN.findall(_fold(question))  # punctuation kept: it ends a phrase
    at = next((i for i in range(len(words) - 1) if words[i : i + 2] == ["bao", "nhieu"]), None)
    if at is None:
        return "", True
    stop = _phrase_stop(words)
    after = words[at + 2 :]
    if after and after[0] not in stop:
        if asked_unit(question) is not None:
            return "", True
        picked, strict = list(itertools.takewhile(lambda w: w not in stop, after)), True
    else:
        lead = words[:at]
        about = _ABOUT_LAST.search(question)
        said = _QUESTION_TOKEN.findall(_fold(question[about.end() :])) if about else []
        ends = [i for i in range(len(said) - 1) if said[i : i + 2] == ["bao", "nhieu"]]
        if ends:  # "Kết quả năm 2025 về doanh thu du lịch là bao nhiêu": what follows "về" is measured
            lead = said[: ends[0]]
        if lead[:1] == ["theo"] and "," in lead:  # "Theo Nghị quyết, tăng trưởng … là bao nhiêu"
            lead = lead[lead.index(",") + 1 :]
        if lead and lead[0] in _DOC_WORDS:  # "Luật … quy định mức phạt … là bao nhiêu": the thing follows the verb
            verbs = [i for i in range(len(lead) - 1) if " ".join(lead[i : i + 2]) in _SAYS]
            lead = lead[verbs[0] + 2 :] if verbs else lead
        lead = list(itertools.dropwhile(lambda w: w in _SUBJECT_SKIP or w.isdigit(), lead))
        picked, strict = list(itertools.takewhile(lambda w: w not in stop, lead)), False
    phrase = " ".join(picked[: 2 if strict else 3])
    if (picked[:1] == ["so"] or picked[:2] == ["tong", "so"]) and asked_unit(question) is not None:
        return "", True  # "số người … là bao nhiêu": a count, checked by its unit with the figure
    if not phrase or picked[0] in _MONEY or " ".join(picked[:2]) in _MONEY:
        return "", True
    return phrase, strict


def about(question: str, sentence: str, heading: str = "", title: str = "") -> bool:
    """Whether ``sentence`` (with its heading path and document title) is about what ``question`` names: its
    names and codes, and what a "bao nhiêu" question measures."""
    where = "\n".join(p for p in (title, heading, sentence) if p)
    if not _names_held(named_in(question), where):
        return False
    thing, strict = measured(question)
    if not thing:
        return True
    folded = _fold(where)
    if strict or len(thing.split()) < 2:
        return has_phrase(folded, thing)
    return any(has_phrase(folded, f"{a} {b}") for a, b in itertools.pairwise(thing.split()))


_SIGNED = re.compile(r"(?<!\w)ký(?!\w)", re.IGNORECASE)


def _signature_line(text: str) -> bool:
    """A signature block's line: the position in capitals, then a name ("BÍ THƯ Trần Thanh Mẫn", "KT. CHỦ TỊCH
    PHÓ CHỦ TỊCH Nguyễn Lộc Hà")."""
    words = text.strip().rstrip(".").split()
    cut = next((i for i, w in enumerate(words) if not w.isupper()), len(words))
    name = words[cut:]
    return cut >= 1 and 2 <= len(name) <= 5 and all(w[:1].isupper() and w[1:].islower() for w in name)


def _says_signed(text: str) -> bool:
    """Whether ``text`` says someone signed ("… do Bộ trưởng … ký", "Người ký: …", a signature line): "ký", not
    "kỳ/kỷ/kỹ" — the folded "ky" is read only when the text has no diacritics at all."""
    text = unicodedata.normalize("NFC", text)
    if any(_signature_line(line) for line in text.splitlines()):
        return True
    if not has_diacritics(text):
        return re.search(r"\bky\b", text.lower()) is not None
    return _SIGNED.search(text) is not None


def gives(ask: Ask, sentence: str, question: str, heading: str = "", title: str = "") -> bool:
    """Whether ``sentence`` (under ``heading``, its heading path) holds what ``ask`` wants: a new figure, a date,
    a person's or a body's name, a document code – about what the question names (:func:`about`). A task
    sentence often leaves its body to the heading ("a) Tổ đảng ở Thường trực Ủy ban KH,CN&MT" › "- Là cơ quan
    đầu mối …"), so names may come from there."""
    # acronyms written out on both sides: "UBND Thành phố" asks about the "Ủy ban nhân dân Thành phố" of a sentence
    question, sentence, heading = spell_out(question), spell_out(sentence), spell_out(heading)
    around = f"{heading}\n{sentence}" if heading else sentence
    if ask.wants and not about(question, sentence, heading, title):
        return False
    if "figure" in ask and not _figure_with_unit(sentence, question):
        return False
    if "figure" in ask and sentence.count(" | ") >= 2:
        return False  # a bare table row does not say which figure is which column's: its table is read instead
    if "date" in ask and not _has_date(sentence, question):
        return False
    if "date" in ask and is_deadline_question(question) and not _DEADLINE_SAID.search(_fold(around)):
        return False  # "phải xong trước ngày nào": a date the sentence does not call a deadline is not the answer
    if ask.meta_field == "replaced" and not (
        REPLACES.search(_fold(sentence)) and ("date" not in ask or DATE_WRITTEN.search(sentence))
    ):
        return False  # "Luật Đường sắt cũ …": only the clause naming the document replaced speaks of that one
    if ask.meta_field == "signer" and not _says_signed(around):
        return False  # "Ai ký Quyết định 3103": an office named in a citing sentence did not sign anything
    names = {"person", "body", "name"} & ask.wants
    if names:
        found = ("person" in names and (_has_person(around, question) or _has_office(around, question))) or (
            "body" in names and _has_body(around, question)
        )
        if "person" in names and not found and not _WHO_IS.search(_fold(question)):
            found = _has_people(around, question)  # "Ai phân tích …?" → "các nhà địa tầng học": a class of people
        if "name" in names and not found:
            found = bool(_new(entities_in(sentence), question, name_tokens(question))) or "“" in sentence
        if not found:
            found = _named_in_slot(sentence, question)
        if not found:
            found = _list_actor(heading, question)
        if not found:
            return False
    if "place" in ask and not _has_place(around, question):
        return False  # "… đặt ở đâu": a sentence naming no place (or only the places the question names) is no answer
    if "reference" in ask and not {m.group(1) for m in _PART_NAMED.finditer(sentence)} - {
        m.group(1) for m in _PART_NAMED.finditer(question)
    }:
        return False  # no article or clause the question does not already name
    if "code" in ask:
        q_tokens = set(name_tokens(question))
        codes = [t for t in name_tokens(around) if re.search(r"\d", t) and re.search(r"[a-z]", t) and "/" in t]
        if not any(code not in q_tokens for code in codes):
            return False
    return True


# ---- the question analysis: what is asked, in how many parts, under which constraints ----------------------------

_CODE_LIKE = re.compile(r"\d")


_KIND_WORDS = {tuple(word.split()) for word, _ in _KINDS}


def reference_words(question: str) -> set[str]:
    """The folded words that name a document by its number ("Quyết định 2820/QĐ-UBND" → quyet, dinh, 2820, qd,
    ubnd; "Kết luận số 221" → ket, luan, 221): they say which document to read, not what to find in it."""
    words = re.findall(r"\w+", fold(question))
    found: set[str] = set()
    for i, word in enumerate(words):
        if not any(c.isdigit() for c in word):
            continue
        j = i - 1 if i and words[i - 1] == "so" else i
        for size in (2, 1):
            if j >= size and tuple(words[j - size : j]) in _KIND_WORDS:
                found |= {*words[j - size : j], word}
                break
    for code in re.findall(r"\d+(?:[/.-]\w+)+", fold(question)):  # "221-kl/tw": its letters and digits
        found |= {part for part in re.split(r"[/.-]", code) if part}
    return found


_COUNTED = frozenset({"nam", "thang", "ngay", "quy", "tuan", "gio", "nguoi", "lan", "trieu", "ty", "nghin", "ha", "km"})
"""Words after a number that make it a quantity or a time ("03 năm 2026 - 2028", "5 tháng"), not a document's."""


def numbers_named(question: str) -> frozenset[str]:
    """Numbers and codes of two characters or more the question names ("3260", "3260-kh/ddqh15", "57"): they may
    pick the document. A year ("năm 2026 - 2028") and a counted number ("03 năm") name no document."""
    out: set[str] = set()
    tokens = name_tokens(question)
    for i, token in enumerate(tokens):
        if not _CODE_LIKE.search(token):
            continue
        after_kind = (i and tokens[i - 1] == "so") or any(
            tuple(tokens[max(0, i - n) : i]) in _KIND_WORDS for n in (1, 2)
        )  # "Nghị quyết 57 năm 2024", "số 03"
        if (
            token.isdigit()
            and not after_kind
            and (re.fullmatch(r"(?:19|20)\d\d", token) or (i + 1 < len(tokens) and tokens[i + 1] in _COUNTED))
        ):
            continue
        out.add(token)
        head = re.match(r"\d*", token)
        out.add(head.group(0) if head and head.group(0) else token)
    return frozenset(t for t in out if len(t) >= 2)


def number_matches(number: str, named: AbstractSet[str]) -> bool:
    """A document number ("3260-KH/ĐĐQH15") is one the question names ("3260", "3260-kh/ddqh15")."""
    tokens = name_tokens(number)
    if not tokens:
        return False
    head = re.match(r"\d*", tokens[0])
    return bool(named & {tokens[0], head.group(0) if head else ""} - {""})


_REASON = re.compile(r"\bvi sao\b|\btai sao\b|\bnguyen nhan (?:nao|gi|la gi)\b|\bly do\b|\bdo dau\b")
_YES_NO = re.compile(r"\b(?:co|da|duoc)\b.*\b(?:khong|chua)\s*\??\s*$|\b(?:phai|dung|hay) khong\s*\??\s*$")
_LIST = re.compile(r"\bnhung (?:gi|ai|\w+(?: \w+)? nao)\b|\bcac \w+(?: \w+)? nao\b|\bbao gom\b|\bgom (?:nhung|cac)\b")
_HOW_OFTEN = re.compile(
    r"\bbao lau (?:mot|1) lan\b|\b(?:may|bao nhieu) lan (?:mot|moi|1) (?:nam|quy|thang|tuan|ngay)\b"
)
"""How often, not how long: "bao lâu một lần", "mấy lần một năm"."""
_EARLIER = re.compile(r"\btruoc (?:do|day)\b|\bthay the\b")
"""What asks about an earlier document, after a kind of document the question names (:func:`asks_earlier`)."""
_CODE_ASKED = re.compile(r"\bso (?:may|nao|bao nhieu)\s*\??\s*$")
"""A number asked at the end of a question about an earlier document ("thay thế Luật hải quan số mấy?")."""
_OLD = re.compile(r"(?<!\w)cũ(?!\w)")
""""Luật Đấu thầu cũ": read with its marks, as unaccented "cu" is also "cư", "cứ", "cử" ("bầu cử")."""
REPLACES = re.compile(
    r"\bnay\b[^.;\n]{0,80}\bthay the\b|\bhet hieu luc\b[^.;\n]{0,80}\bnay\b|\bbai bo\b[^.;\n]{0,120}\bnay\b"
)
"""Where a document says, of itself, which document it replaces, folded: "Quy định này thay thế Quy định số 270-
QĐ/TW …", "Luật Đường sắt số 35/2005/QH11 hết hiệu lực kể từ ngày Luật này có hiệu lực thi hành"; "này" makes it
the document's own clause, not one it reports ("Quyết định số 929/QĐ-TTg … thay thế Quyết định số 598/QĐ-TTg")."""


DATE_WRITTEN = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b|\bngày \d{1,2} tháng \d{1,2} năm \d{4}\b", re.IGNORECASE)
"""A day written out ("06/12/2014", "ngày 28 tháng 12 năm 1989"), not a relative one ("kể từ ngày … có hiệu lực")."""


def field_words(question: str, field_name: str) -> set[str]:
    """The folded words with which ``question`` asks for a header field rather than name its subject: for the
    document replaced, "trước đây", "trước đó", "cũ", "thay thế", "(mang) số hiệu" ("Luật Đường sắt trước đây mang
    số hiệu gì?" is about Luật Đường sắt). They are not looked for in the answer: the clause answering it says
    "Luật Đường sắt số 35/2005/QH11 hết hiệu lực …"."""
    if field_name != "replaced":
        return set()
    folded = _fold(question)
    found = {m.group(0) for p in (_EARLIER, _CODE) for m in p.finditer(folded)}
    if _OLD.search(unicodedata.normalize("NFC", question.lower())):
        found.add("cu")
    if re.search(r"\bmang so\b", folded):
        found.add("mang")
    return {w for phrase in found for w in (phrase, *phrase.split())}


def asks_earlier(question: str) -> bool:
    """Whether ``question`` asks about the document an earlier one was replaced by or replaced ("Luật Đường sắt
    trước đây mang số hiệu gì?", "Luật Đấu thầu cũ …")."""
    folded = _fold(question)
    cues = [m.start() for m in _EARLIER.finditer(folded)]
    cues += [m.start() for m in _OLD.finditer(unicodedata.normalize("NFC", question.lower()))]
    named = [at for at, _ in _kinds_named(question)] + [m.start() for m in re.finditer(r"\bvan ban\b", folded)]
    return any(cue - at > 0 and len(folded[at:cue].split()) <= _EARLIER_REACH for cue in cues for at in named)


_EARLIER_REACH = 12
"""Words from a document's kind to "trước đây"/"cũ"/"thay thế" ("Luật hoạt động giám sát của Quốc hội ban hành
trước đây"). "trước đó" alone is time ("thông báo trước đó 30 ngày"), "thay thế" alone any replacing ("thay thế
hoa tiêu"), "cũ" alone any old thing ("nhà cũ")."""
_DURATION = re.compile(r"\b(?:bao nhieu|may) (?:ngay|tuan|thang|quy|nam)\b|\bbao nhieu gio\b")
"""A count of time units asked ("tối đa bao nhiêu năm", "mấy ngày"), a duration; "ngày bao nhiêu", "năm nào" and
"mấy giờ" (a time of day) ask when."""
_NARRATIVE = re.compile(
    r"\s*(?:nha toi|gia dinh toi|cho toi|(?:con|bo|me|vo|chong|ong|ba) toi|hom (?:qua|truoc|kia))\b"
)
"""A clause that tells what happened to the asker ("Nhà tôi …", "Hôm qua …") before the question itself."""
_INDEFINITE = re.compile(r"\bmay (?:cai|con|chiec|mon|quyen|cuon|tam|buc|can|manh|thua|cay|nguoi)\b|\b(?:bi|duoc) ai\b")
"""Question words used as indefinites in a story: "mấy món đồ cổ" (a few), "bị ai làm" (by someone)."""


def _told(clause: str) -> bool:
    """A clause that tells what happened to the asker rather than asks: it opens like a story ("Nhà tôi …", "Hôm
    qua …"), or it speaks of the asker ("tôi") and its only question words are indefinites ("Ông nội để lại cho tôi
    mấy món đồ cổ")."""
    folded = _fold(clause)
    if _NARRATIVE.match(folded):
        return True
    return bool(re.search(r"\b(?:toi|chung toi)\b", folded)) and bool(_INDEFINITE.search(folded))


_PART_NUMBER = re.compile(r"\b(dieu|khoan|chuong) (?:so )?(?:may|nao|bao nhieu)\b")
"""The number of an article, clause or chapter asked ("các điều số mấy", "tại khoản nào")."""
_ASKS_WHICH_PART = re.compile(r"\b(dieu|chuong|muc) (?:nao|may|so may|so bao nhieu|thu may)\b")
"""Which article / chapter / section holds something ("quy định tại điều nào", "Điều nào … nói về", "ở điều mấy");
"điều gì" asks what, not which article."""
_CITES = re.compile(r"\bcan cu\b")
""" "ban hành căn cứ vào các điều số mấy của Hiến pháp": the articles a preamble cites, named in a sentence."""


def asked_part_kind(question: str) -> str:
    """The kind of part of the document a question asks to be pointed to ("dieu", "chuong", "muc"), or "": read
    from the document's headings (structured_answers.part_facts), not from a sentence; the articles a preamble cites
    are the ``reference`` kind of :func:`asks_for` instead."""
    folded = _fold(question)
    if _CITES.search(folded):
        return ""
    found = _ASKS_WHICH_PART.search(folded)
    return found.group(1) if found else ""


_PART_NAMED = re.compile(r"(?<!\w)(?:Điều|điều|Khoản|khoản|Chương|chương)\s+(\d{1,3}|[IVXLC]{1,6})\b")
_PLACE = re.compile(r"\bo dau\b|\btai dau\b|\bnoi nao\b|\bdia phuong nao\b|\b(?:tinh|xa|huyen|phuong) nao\b")
_DEADLINE = re.compile(
    r"\bthoi han\b|\bhan chot\b|\bhan (?:bao cao|hoan thanh|nop|gui|cuoi)\b|\bcham nhat\b|\btruoc ngay nao\b"
    r"|\bhoan thanh (?:truoc |vao |trong )?(?:ngay nao|khi nao|thang nao|nam nao|bao gio)"
)
"""A deadline, not a date of issue: "hạn báo cáo là ngày nào", "hoàn thành khi nào", "thời hạn"."""
_ISSUED = re.compile(r"\bban hanh\b|\bky\b|\bngay ky\b")
_DEADLINE_SAID = re.compile(
    r"\b(?:truoc|cham nhat|muon nhat|han chot|thoi han|han)\s+(?:ngay|thang|quy|nam|\d)"
    r"|\bcham nhat\b|\bthoi han\b|\bhan chot\b"
    r"|\b(?:hoan thanh|xong|ket thuc|hoan tat)\b[^.;]{0,40}?\b(?:trong|truoc|vao|den|nam|quy|thang|ngay)\b"
    r"|\bthoi gian (?:du kien )?(?:hoan thanh|thuc hien)\b|\btien do\b|\bhang (?:nam|quy|thang)\b|\bdinh ky\b"
)
"""What makes a date a deadline in a sentence: "trước ngày 31/12/2025", "chậm nhất", "hoàn thành trong năm 2025",
"thời hạn", a table's "Thời gian dự kiến hoàn thành" column, a recurring "hằng quý"."""


def is_deadline_question(question: str) -> bool:
    """ "… phải xong trước ngày nào", "hạn hoàn thành khi nào", "thời hạn …": a deadline is asked, not the date a
    document was issued or an event took place."""
    folded = _fold(question)
    return bool(
        _DEADLINE.search(folded) or re.search(r"(?:xong|hoan thanh).*(?:ngay|khi|thang|nam) nao", folded)
    ) and not _ISSUED.search(folded)


_POSITION_ASKED = re.compile(r"\bchuc vu\b|\bchuc danh\b|\bcuong vi\b|\bgiu chuc\b|\bdung dau\b")
_HEADING_REF = re.compile(
    r"\b(phu luc|chuong|dieu|phan|muc|khoan|diem)\s+(?:so\s+)?([ivxlc]+|\d{1,3}|[a-z])\b(?!\s*[/-])"
)
_YEARS = re.compile(r"(?<![\d/.,])(?:19|20)\d\d(?![\d/])")


@dataclass(frozen=True)
class Constraints:
    """Where the answer must come from, as the question says it."""

    numbers: frozenset[str] = frozenset()
    """Document numbers and codes named ("3260", "57-nq/tw")."""
    kind: str = ""
    """The kind of document named first (a DocumentMeta.kind: "ke_hoach", "nghi_quyet", …)."""
    section: tuple[str, str] | None = None
    """The part named ("chuong", "4"), folded."""
    years: tuple[str, ...] = ()
    topic: int | None = None
    names: tuple[tuple[str, ...], ...] = ()
    """Names and codes the answer must be about (see :func:`named_in`): an organisation, a place, a document."""


@dataclass(frozen=True)
class Part:
    """One thing the question asks, as a question of its own ("… năm 2025 và năm 2030 là bao nhiêu?" has two)."""

    text: str
    ask: Ask
    kinds: frozenset[str]

    def missing(self) -> str:
        """What the documents do not hold when this part finds no answer, in plain Vietnamese ("hạn báo cáo")."""
        return missing_phrase(self.text, self.ask, self.kinds)


@dataclass(frozen=True)
class Analysis:
    """The one reading of a question that retrieval, structured answers, the generator, refusal and the LLM prompt
    share: what it asks for (``kinds``), its parts, its constraints."""

    question: str
    ask: Ask
    kinds: frozenset[str]
    parts: tuple[Part, ...]
    constraints: Constraints

    @property
    def several(self) -> bool:
        return len(self.parts) > 1


KIND_LABELS = {
    "figure": "số liệu",
    "date": "ngày tháng",
    "deadline": "thời hạn",
    "person": "người",
    "position": "chức vụ",
    "body": "cơ quan, đơn vị",
    "place": "địa điểm",
    "code": "số hiệu văn bản",
    "reference": "điều, khoản",
    "list": "danh sách",
    "reason": "lý do",
    "yes_no": "có hay không",
    "name": "tên gọi",
    "tasks": "nhiệm vụ",
}
"""How a kind of answer is named to the reader ("tài liệu không nêu thời hạn …")."""

_META_WANTS = {
    "signer": frozenset({"person"}),
    "date": frozenset({"date"}),
    "number": frozenset({"code"}),
    "issuer": frozenset({"body"}),
    "place": frozenset({"place"}),
    "recipients": frozenset({"body"}),
    "effective": frozenset({"date"}),
    "replaced": frozenset({"code"}),
}
_META_LABELS = {
    "signer": "người ký",
    "date": "ngày ban hành",
    "number": "số hiệu",
    "issuer": "cơ quan ban hành",
    "place": "nơi ban hành",
    "trich_yeu": "trích yếu",
    "recipients": "nơi nhận",
    "effective": "ngày có hiệu lực",
    "replaced": "văn bản được thay thế",
}


def kinds_of(question: str, ask: Ask) -> frozenset[str]:
    """The kinds of answer ``question`` wants (see :data:`KIND_LABELS`), from :func:`asks_for` plus the kinds
    it does not tell apart: a deadline from a date, a position, a place, a list, a reason, a yes/no."""
    folded = _fold(question)
    kinds = set(ask.wants)
    if "date" in kinds and is_deadline_question(question):
        kinds.add("deadline")
    if _POSITION_ASKED.search(folded):
        kinds.add("position")
    for kind, pattern in (("place", _PLACE), ("list", _LIST), ("reason", _REASON), ("yes_no", _YES_NO)):
        if pattern.search(folded):
            kinds.add(kind)
    return frozenset(kinds)


_ASKING = frozenset({"gi", "nao", "ai", "sao", "dau", "may"})
"""Folded syllables that ask by themselves; "bao" asks with "nhiêu", "giờ" or "lâu" after it."""
_ASKING_WRITTEN = frozenset({"gì", "nào", "ai", "sao", "đâu", "mấy", "nhiêu", "giờ", "lâu", "bao"})
"""The same syllables as written with their marks: an accented word asks only in this spelling ("đầu tư", "máy",
"ải" fold like "đâu", "mấy", "ai" and ask nothing); a word typed without marks asks by its folded form."""
_PHRASE_WORDS = frozenset(_fold(word) for word in wordlists.QUESTION_PHRASE_WRITTEN)
"""The words of the question phrase before its question word, folded."""
_WORD = re.compile(r"\S+")


def _as_written(word: str, spellings: AbstractSet[str]) -> bool:
    """Whether ``word``, whose folded form is one of a list's, is that word as written: typed without marks, or in
    one of the list's ``spellings`` ("đầu" folds like "đâu" but is not written so)."""
    bare = unicodedata.normalize("NFC", word.strip(',.;:?!()"“”').lower())
    return bare == _fold(bare) or bare in spellings


def _written(word: str) -> bool:
    """Whether ``word`` may be a question word as written: typed without marks, or in the asking spelling."""
    stripped = word.strip(',.;:?!()"“”')
    if len(stripped) > 1 and stripped.isupper():
        return False  # an abbreviation ("ứng dụng AI"), not the question word "ai"
    return _as_written(stripped, _ASKING_WRITTEN)


def _question_span(text: str) -> tuple[int, int] | None:
    """The characters of ``text`` that ask (the first question word with the phrase around it: "là bao nhiêu",
    "những cơ quan nào", "do ai", "ngày nào"), or None when nothing asks."""
    words = [(m.start(), m.end(), _fold(m.group()).strip(',.;:?!()"“”')) for m in _WORD.finditer(text)]
    written = [_written(m.group()) for m in _WORD.finditer(text)]
    at = None
    for i, (_, _, w) in enumerate(words):
        following = words[i + 1][2] if i + 1 < len(words) and written[i + 1] else ""
        if not written[i]:
            continue
        if w in _ASKING or (w == "bao" and following in ("nhieu", "gio", "lau")):
            at = i
            break
    if at is None:
        return None
    first = at
    while first > 0 and words[first - 1][2] in _PHRASE_WORDS:
        if not _as_written(text[words[first - 1][0] : words[first - 1][1]], wordlists.QUESTION_PHRASE_WRITTEN):
            break
        first -= 1
    last = at + 1 if words[at][2] == "bao" and at + 1 < len(words) else at
    return words[first][0], words[last][1]


def _asks_something(text: str) -> bool:
    """A piece asks when a word of it asks ("ai", "nào", "bao nhiêu") or it names a header field ("ngày ban hành");
    "được giao rà soát" in "… được giao rà soát, thẩm tra những luật nào" asks nothing by itself."""
    if _question_span(text) is not None:
        return True
    ask = asks_for(text)
    return bool(ask.meta_fields or ask.wants - {"tasks"})


def _subject(question: str) -> str:
    """A question without what it asks ("Tỷ lệ hộ nghèo năm 2025 là bao nhiêu" → "Tỷ lệ hộ nghèo năm 2025", "Cơ
    quan nào chủ trì xây dựng đề án" → "chủ trì xây dựng đề án"): the subject a later part may leave unsaid."""
    span = _question_span(question)
    text = question if span is None else question[: span[0]] + " " + question[span[1] :]
    return re.sub(r"\s+", " ", text).strip(" ,?")


_CONNECTOR = re.compile(
    r"\s*,?\s+(?:và|va|đồng thời|dong thoi|cùng với|cung voi|còn|con)\s+(?:(?:thì|thi)\s+)?|\s*[;,]\s+(?=\S)",
    re.IGNORECASE,
)
_INDICATOR_HEADS = frozenset(
    {"ty le", "so luong", "tong so", "muc tieu", "chi tieu", "toc do", "kim ngach", "thu nhap"}
)
"""Words that open an indicator ("tỷ lệ hộ nghèo và tỷ lệ …"); "số"/"sở" fold alike, so "số" alone is not one."""
_YEAR_PHRASE = re.compile(r"(?:\b(?:năm|nam)\s+)?(?<![\d/.,])(?:19|20)\d\d(?![\d/])", re.IGNORECASE)
_ASSIGNING = re.compile(r"\b(?:" + "|".join(wordlists.ASSIGNMENT_VERBS) + r")\b")


def _head(text: str) -> str:
    words = _fold(text).split()
    two = " ".join(words[:2])
    return two if two in _INDICATOR_HEADS else (words[0] if words and words[0] in _INDICATOR_HEADS else "")


def _with_subject(part: str, subject: str) -> str:
    """A part that leaves its subject unsaid ("năm 2030 là bao nhiêu", "do ai ký", "phối hợp là những cơ quan
    nào") gets the first part's, without the years and the assignment verb the part replaces."""
    if not subject or _names_its_subject(part):
        return part
    if _YEAR_PHRASE.search(part):
        subject = _YEAR_PHRASE.sub(" ", subject)
    if _ASSIGNING.search(_fold(part)):
        kept = [w for w in subject.split() if not _ASSIGNING.search(_fold(w))]
        subject = " ".join(w for w in kept if _fold(w) not in ("chu", "tri", "phoi", "hop"))
    subject = re.sub(r"\s+", " ", subject).strip(" ,")
    return f"{subject} {part}".strip()


WORD_RE_FOLDED = re.compile(r"[^\W_]+")


def _names_its_subject(part: str) -> bool:
    """A part that says what it is about before its question word: three words of its own ("tăng trưởng kinh tế
    đạt bao nhiêu"), an indicator ("chỉ tiêu tăng trưởng …"), a name written with capitals after its first word
    ("… còn Sở Nội vụ …") or a number; "bằng bao nhiêu phần trăm dự toán" and "năm 2030 là bao nhiêu" do not,
    and keep the subject of the part before them."""
    span = _question_span(part)
    before = _YEAR_PHRASE.sub(" ", part[: span[0]] if span else part)
    words = before.split()
    own = [w for w in WORD_RE_FOLDED.findall(_fold(before)) if w not in wordlists.STOPWORDS]
    named = any(w[:1].isupper() or any(c.isdigit() for c in w) for w in words[1:])
    return len(own) >= 3 or bool(_head(part)) or named


_FRAME = re.compile(r"(?:theo|trong|tai|o|doi voi|ve|can cu)\b")
"""A leading phrase that frames every part ("Theo Kết luận 221, …", "Trong kế hoạch của Cà Mau, …")."""


_THEN = re.compile(r"\s+thì\s+", re.IGNORECASE)
"""The "thì" of "còn X thì …", which joins, not asks; "thi" of "thi hành" is another word."""
_THEN_FOLDED = re.compile(r"\s+thi\s+(?!(?:hanh|dua|cong|tuyen)\b)", re.IGNORECASE)
""":data:`_THEN` typed without marks: "thi" is then also "thi hành", "thi đua", "thi công", "thi tuyển"."""


def _split(question: str) -> list[str]:
    """The question's parts as questions of their own: coordinated questions that each ask something ("ban hành
    ngày nào và do ai ký"), and parallel subjects before one question word ("Tỷ lệ … năm 2025 và năm 2030 là bao
    nhiêu?", "tỷ lệ hộ nghèo và tỷ lệ bao phủ bảo hiểm y tế là bao nhiêu?"). A leading frame ("Theo Kết luận
    221, …") is said again in every part, and a phrase that asks nothing belongs to the part that asks before it
    (the first part's to the one after it: "việc sắp xếp trường học, trạm y tế do ai làm")."""
    body = re.sub(_THEN if has_diacritics(question) else _THEN_FOLDED, " ", question.strip().rstrip("?").strip())
    split = re.split(f"({_CONNECTOR.pattern})", body, flags=re.IGNORECASE)
    pieces: list[str] = []
    joints: list[str] = []  # what joins each piece to the one before ("", ", ", " và ")
    for at in range(0, len(split), 2):
        piece = split[at]
        if not piece.strip():
            continue
        if (
            pieces
            and split[at - 1].strip() == ","
            and (_continues_a_list(pieces[-1], piece) or _goes_on(pieces[-1], piece))
        ):
            pieces[-1] += ", " + piece
        else:
            pieces.append(piece)
            joints.append(split[at - 1] if at else "")
    lead: list[str] = []
    while len(pieces) > 2 and _FRAME.match(_fold(pieces[0])) and not _asks_something(pieces[0]):
        lead.append(pieces.pop(0))
        joints.pop(0)
    parts = _parts_of(pieces, and_joined=len(joints) == 2 and _fold(joints[1]).strip(" ,") == "va")
    if parts is None:
        return [question]
    frame = ", ".join(lead)
    return [f"{frame}, {p}" if frame else p for p in parts]


def _goes_on(before: str, piece: str) -> bool:
    """After a comma, a piece with no question word that asks only by a noun deep inside it goes on with the
    piece before: "Hội đồng nào tham mưu cho người đứng đầu cơ quan, tổ chức trong việc xác định thời hạn lưu
    trữ?" is one question ("cơ quan, tổ chức"); ", thời hạn hoàn thành?" opens with what it asks and is a part."""
    if _question_span(piece) is not None or _question_span(before) is None:
        return False
    return not _asks_something(" ".join(piece.split()[:3]))


def _continues_a_list(before: str, piece: str) -> bool:
    """Whether ``piece`` is the last noun of a list the piece ``before`` it opened ("… cho những hồ sơ, tài liệu
    nào"): at most three words, no year and no "là" before its question word and nothing after it, behind a piece
    with no question word of its own (it asks only by its noun, "thời hạn"). "…, cơ quan nào tiếp nhận" says more
    and "…, năm 2027 là bao nhiêu" asks for a second year: both are parts."""
    span = _question_span(piece)
    if span is None or piece[span[1] :].strip(" ,?") or _question_span(before) is not None:
        return False
    head = piece[: span[0]]
    return len(head.split()) <= 3 and not _YEAR_PHRASE.search(head) and _fold(piece[span[0] :]).split()[0] != "la"


_ABOUT_LAST = re.compile(r"(?<!\S)(?:về|ve)\s+(?!.*(?<!\S)(?:về|ve)\s)(?=\S+\s+\S)", re.IGNORECASE)
"""The last "về" of a piece with two words after it: in "Các mục tiêu năm 2026 về tăng trưởng kinh tế và ứng dụng AI
là gì?" what stands before it ("Các mục tiêu năm 2026 về") is said once for both subjects that follow."""


_LINKING_FOLDED = frozenset(_fold(word) for word in wordlists.LINKING_WRITTEN)


def _said_once(left: str, right: str) -> list[str] | None:
    """Two subjects joined by "và" under words said once, before one question word: the second part repeats them.
    Either the preposition that opens the second subject is written in the first too ("thời hạn nộp hồ sơ vào lưu
    trữ hiện hành và vào lưu trữ lịch sử là bao lâu"), or the first subject follows a "về" ("Kết quả năm 2025 về
    kim ngạch xuất khẩu và doanh thu du lịch là bao nhiêu")."""
    span = _question_span(right)
    if span is None:
        return None
    tail, before = right[span[0] :].strip(), right[: span[0]].strip(" ,")
    if not before or _YEAR_PHRASE.fullmatch(before):
        return None
    words, first = left.split(), before.split()[0].lower()
    linking = _fold(first) in _LINKING_FOLDED and _as_written(first, wordlists.LINKING_WRITTEN)
    again = [i for i, word in enumerate(words) if i > 0 and word.lower() == first] if linking else []
    if again:
        shared = " ".join(words[: again[-1]])
    else:
        about = _ABOUT_LAST.search(left)
        if about is None or _ABOUT_LAST.search(before):
            return None
        shared = left[: about.end()].strip()
    return [f"{left.strip()} {tail}?", f"{shared} {before} {tail}?"]


def _parts_of(pieces: list[str], and_joined: bool = False) -> list[str] | None:
    """Parts of the pieces the question's connectors cut; ``and_joined``: two pieces joined by "và"."""
    if len(pieces) < 2:
        return None
    asking = [_asks_something(p) for p in pieces]
    if and_joined and _question_span(pieces[0]) is None and asking[0] and asking[1]:
        shared = _said_once(*pieces)  # "thời hạn … vào lưu trữ hiện hành và vào lưu trữ lịch sử là bao lâu"
        if shared:
            return shared
    if len(pieces) == 2 and not asking[0] and asking[1]:
        left, right = pieces
        span = _question_span(right)
        tail = right[span[0] :].strip() if span else ""
        before = right[: span[0]].strip(" ,") if span else right
        parallel_years = bool(_YEAR_PHRASE.search(left)) and bool(_YEAR_PHRASE.fullmatch(before))
        parallel_heads = bool(_head(left)) and _head(left) == _head(right)
        if tail and (parallel_years or parallel_heads):
            return [f"{left} {tail}?", _with_subject(right, left) + "?"]
        return _said_once(left, right) if and_joined else None
    grouped: list[str] = []
    pending: list[str] = []
    for piece, asks in zip(pieces, asking, strict=True):
        if asks:
            grouped.append(", ".join([*pending, piece]))
            pending = []
        elif grouped:
            grouped[-1] += ", " + piece
        else:
            pending.append(piece)
    if len(grouped) < 2:
        return None
    subject = _subject(grouped[0])
    return [grouped[0] + "?", *(_with_subject(p, subject) + "?" for p in grouped[1:])]


def missing_phrase(question: str, ask: Ask, kinds: frozenset[str]) -> str:
    """What a part asked for, named for the reader: "thời hạn hoàn thành", "số liệu về tỷ lệ hộ nghèo năm 2030"."""
    if ask.meta_field:
        return _META_LABELS[ask.meta_field]
    order = ("deadline", "figure", "date", "position", "person", "body", "place", "code", "reason", "tasks", "name")
    kind = next((k for k in order if k in kinds), "")
    subject = _subject(question)
    if subject and _fold(subject).split()[0] in ("vi", "tai"):  # "Vì sao …": the reason is asked, not a subject
        subject = ""
    label = KIND_LABELS.get(kind, "nội dung")
    if kind in ("person", "body", "position"):
        label = "người hoặc cơ quan"
    if subject and len(subject.split()) <= 12:
        return f"{label} về “{subject[:1].lower()}{subject[1:]}”"
    return label


_NAMED_AFTER = re.compile(r"\s+(?:so\s+)?\d|\s+nay\b")
"""After a kind word, what makes it a document's name: a number ("Kết luận 221", "Quyết định số 06") or "này"."""
_OPENING_MARKS = " \"“'‘(-–"
_NOUN_BEFORE = re.compile(r"\b(?:cua|trong|tai|du thao|cac|nhung|ban)\s+$")
"""Before a kind word, what makes it a noun: "số hiệu của kế hoạch …", "dự thảo báo cáo của …", "trong kế hoạch"
(not a verb: "phải báo cáo", "được quy định", "ai quyết định")."""


def named_kind(question: str) -> str:
    """The kind of document the question names first (a ``DocumentMeta.kind``), "" when it names none. A kind word
    names a document when it opens the question ("Kế hoạch tài chính … ban hành ngày nào?"), is capitalised ("mà
    Nghị quyết đề ra"), has a number or "này" after it ("ket luan 221") or a noun's word before it ("của kế hoạch
    …"). Otherwise it is a verb or a common noun: "do cơ quan nào quyết định", "được quy định tại", "để báo cáo",
    "hướng dẫn công dân", "chương trình tiểu học"."""
    found = _kinds_named(question)
    return found[0][1] if found else ""


def _kinds_named(question: str) -> list[tuple[int, str]]:
    """(place in the question, kind) of every kind word that names a document (:func:`named_kind`), in order."""
    folded = _fold(question)
    same_places = len(folded) == len(question)
    found = []
    for word, kind in _KINDS:
        for match in re.finditer(rf"\b{word}\b", folded):
            if (
                _NAMED_AFTER.match(folded, match.end())
                or _NOUN_BEFORE.search(folded, 0, match.start())
                or not question[: match.start()].strip(_OPENING_MARKS)
                or (same_places and question[match.start()].isupper())
            ):
                found.append((match.start(), kind))
    return sorted(found)


@functools.lru_cache(maxsize=1024)
def analyse(question: str) -> Analysis:
    """Read ``question`` once: what it asks for, its parts (each a question of its own, with its own
    :class:`Ask`), the constraints it sets. Pure text work, well under 5 ms."""
    ask = asks_for(question)
    folded = _fold(question)
    parts: list[Part] = []
    if len(ask.meta_fields) > 1 and not any(asks_earlier(piece) for piece in _split(question)):
        # "số hiệu và ngày ban hành": one part per field, each about the whole question (not when a part asks
        # about an earlier document: "… có hiệu lực từ ngày nào, và luật … trước đó mang số hiệu gì")
        for name in ask.meta_fields:
            part_ask = Ask(_META_WANTS.get(name, frozenset()), name, (name,))
            parts.append(Part(question, part_ask, kinds_of(question, part_ask)))
    else:
        # "Thời hạn nộp hồ sơ, tài liệu … được quy định tại điều nào?" asks one thing, where: no parts at its commas
        for text in [question] if asked_part_kind(question) else _split(question):
            part_ask = asks_for(text)
            parts.append(Part(text, part_ask, kinds_of(text, part_ask)))
        told = [p for p in parts[:-1] if _told(p.text)]
        if told and len(parts) - len(told) == 1:
            # "Nhà tôi đào ao thì lòi ra mấy cái bình gốm cổ, tôi … phải nộp cho ai?": what happened is told, not
            # asked ("mấy cái" is "a few", "bị ai làm" "by someone"); the last clause asks, about all of it
            ask = parts[-1].ask
            parts = [Part(question, ask, kinds_of(question, ask))]
    heading = _HEADING_REF.search(folded)
    constraints = Constraints(
        numbers=numbers_named(question),
        kind=named_kind(question),
        section=(heading.group(1), heading.group(2)) if heading else None,
        years=tuple(dict.fromkeys(_YEARS.findall(question))),
        topic=topic_number(question),
        names=named_in(question),
    )
    return Analysis(question, ask, kinds_of(question, ask), tuple(parts), constraints)


def who_found(text: str, question: str) -> str:
    """What answers an "Ai …" question in ``text``, in the order of preference: "person" (a name), "office" ("Bộ
    trưởng Bộ Nội vụ"), "body" ("Ban Thường vụ Tỉnh ủy"), "people" ("các nhà địa tầng học"); "" when none is there."""
    if _has_person(text, question):
        return "person"
    if _has_office(text, question):
        return "office"
    if _has_body(text, question):
        return "body"
    if _has_people(text, question):
        return "people"
    return ""
