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
from collections.abc import Iterable
from dataclasses import dataclass, field

from ingest import wordlists
from ingest.model import Document, Topic
from ingest.normalize import fold, is_vietnamese_syllable
from rag.citations import entities_in, has_phrase, has_tokens, name_tokens, numbers_in
from rag.diacritics import syllables

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
    match = _TOPIC_REF.search(fold(query))
    return int(match.group(1)) if match else None


def organisation_core(name: str) -> list[str]:
    """Folded syllables of an organisation name without its party prefix ("Đảng bộ Sở Nội vụ" → sở nội vụ)."""
    folded = " ".join(syllables(fold(name)))
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
    words = syllables(fold(query))
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
_FIGURE = _any(p for p in wordlists.ASKS_FIGURE if p != r"\bmay\b")
_PERSON = _any(wordlists.ASKS_PERSON)
_NAME = _any(wordlists.ASKS_NAME)
_BODY = _any(wordlists.ASKS_BODY)
_CODE = _any(wordlists.ASKS_CODE)
_TASKS = _any(wordlists.ASKS_TASKS)
_META = {name: _any(patterns) for name, patterns in wordlists.ASKS_META.items()}
_POSITION = re.compile(r"\b(?:" + "|".join(wordlists.POSITIONS) + r")\b")
_MAY_ACCENTED = re.compile(r"(?<!\w)mấy(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Ask:
    """What a question wants back. ``wants`` ⊆ {figure, date, person, name, body, code, tasks}."""

    wants: frozenset[str] = frozenset()
    meta_field: str = ""
    """The DocumentMeta field asked for ("signer", "date", "number", "issuer", "place", "trich_yeu"), if any."""

    def __contains__(self, kind: object) -> bool:
        return kind in self.wants


def asks_for(question: str) -> Ask:
    """What ``question`` asks for, from its folded wording ("bao nhiêu" → figure, "ngày nào" → date, "Ai ký" →
    person + the signer field). Dates are not figures: "ngày nào" wants a date, which may be written in words."""
    folded = fold(question)
    wants: set[str] = set()
    if _DATE.search(folded):
        wants.add("date")
    accented = folded != question.lower()
    if _FIGURE.search(folded) or (
        _MAY_ACCENTED.search(question) if accented else re.search(r"(?<!\w)may(?!\w)", folded)
    ):
        wants.add("figure")
    # "AI" (trí tuệ nhân tạo) written in capitals is not "ai" (who)
    if _PERSON.search(fold(re.sub(r"(?<!\w)AI(?!\w)", " ", question))):
        wants.add("person")
        if not _POSITION.search(folded):
            wants.add("body")  # "ai tiếp tục chỉ đạo", "ai chủ trì": a body answers as well as a person
    if _NAME.search(folded):
        wants.add("name")
    if _BODY.search(folded):
        wants.add("body")
    if _CODE.search(folded):
        wants.add("code")
    if _TASKS.search(folded):
        wants.add("tasks")
    if re.search(r"\bbao lau\b", folded):
        wants.discard("date")  # "thời hạn … bao lâu" wants a duration ("hai mươi bốn giờ"), not a date
    meta = next((name for name, pattern in _META.items() if pattern.search(folded)), "")
    if meta == "signer":
        wants.discard("body")  # a person signs: "Ai ký Nghị quyết 57?" is not answered by a body's name
    if meta == "issuer":
        wants.add("body")
    return Ask(frozenset(wants), meta)


_RELATIVE_DATE = _any(wordlists.RELATIVE_DATES)
_RELATIVE_DAY = _any(p for p in wordlists.RELATIVE_DATES if "ngay" in p)
_BODY_FIRST = frozenset(head.split()[0] for head in wordlists.BODY_HEADS)


def _new(found: set[str], question: str, tokens_of_question: list[str]) -> set[str]:
    """Names of ``found`` not already written in the question (an answer must add something)."""
    return {f for f in found if not has_tokens(tokens_of_question, f.split(" "))}


_ASKS_DAY = re.compile(r"\bngay nao\b")
_ASKS_YEAR = re.compile(r"\bnam nao\b|\bkhi nao\b|\bbao gio\b|\bthoi (?:gian|han|diem)\b|\bhan chot\b")
_YEAR = re.compile(r"(?:19|20)\d\d")


def _has_date(sentence: str, question: str) -> bool:
    """A date the question does not hold, in any written form: "15/3/2025", "ngày 15 tháng 3 năm 2025",
    "Quý II/2025", a relative term ("kể từ ngày ký", "hằng năm"); a year alone ("năm 2026") answers
    "năm nào / khi nào" but not "ngày nào"."""
    folded_question = fold(question)
    sentence = _LEADING_LABEL.sub("", sentence, count=1)
    new = numbers_in(sentence) - numbers_in(question)
    if _ASKS_DAY.search(folded_question) and not _ASKS_YEAR.search(folded_question):
        # d/m/yyyy or d/m; "5/2025" is a month
        dated = any(n.count("/") == 2 or (n.count("/") == 1 and len(n.split("/")[1]) <= 2) for n in new)
        return dated or bool(_RELATIVE_DAY.search(fold(sentence)))
    if any("/" in n or _YEAR.fullmatch(n) for n in new):
        return True
    return bool(_RELATIVE_DATE.search(fold(sentence)))


def _has_person(text: str, question: str) -> bool:
    """A person's name ("Trần Thanh Mẫn": a family name then 1-3 capitalised syllables) not in the question."""
    words = [w.strip(',.;:()"“”') for w in text.split()]
    for i, word in enumerate(words):
        if word not in wordlists.SURNAMES:
            continue
        given = list(itertools.takewhile(lambda w: w[:1].isupper() and w[1:].islower(), words[i + 1 : i + 4]))
        if given and fold(" ".join([word, *given])) not in fold(question):
            return True
    return False


_OFFICE = re.compile(r"(?<!\w)(" + "|".join(wordlists.OFFICE_TITLES) + r")\s+(\w+)", re.IGNORECASE)


def _has_office(text: str, question: str) -> bool:
    """An office-holder named by office and body ("Bộ trưởng Bộ Nội vụ", "Thủ tướng Chính phủ"), not the office
    the question asks about."""
    folded_question = fold(question)
    for match in _OFFICE.finditer(text):
        if match.group(2)[:1].isupper() and fold(match.group(0)) not in folded_question:
            return True
    return False


_HEADS = sorted({tuple(h.split()) for h in wordlists.BODY_HEADS}, key=len, reverse=True)


def _headed_bodies(text: str) -> set[str]:
    """Bodies named by a head word and a capitalised name ("Đảng ủy Quốc hội", "Bộ Tài chính"), folded: head + the
    first two words of the name. Vietnamese capitalises only the first syllable of each part, so the run of
    capitals alone ("Đảng", "Quốc") does not show where such a name starts."""
    words = re.findall(r"[^\W_][\w&-]*", text)
    folded = [fold(w) for w in words]
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
    folded_question = fold(question)
    return any(not has_phrase(folded_question, body) for body in _headed_bodies(text))


_RATE_OF = re.compile(r"\bty le (\w+ \w+)")
"""What a rate is of ("tỷ lệ hộ nghèo" → "ho ngheo"): the answer's sentence must name it."""
_COUNT_UNIT = re.compile(r"\bbao nhieu (" + "|".join(wordlists.COUNT_UNITS) + r")\b")


_LEADING_LABEL = re.compile(r"^\s*(?:[-–•+*]\s*)?(?:\d{1,3}(?:\.\d{1,3})*[.)]|[IVXLC]{1,6}[.\-–)]|\(\d{1,3}\))\s+")
"""A list or heading label ("1.", "2.1.", "II-", "(3)"): its number numbers the item, it is not a figure."""


_NUMBER_WORD = r"(?:một|hai|ba|bốn|tư|năm|lăm|sáu|bảy|tám|chín|mười|mươi|trăm|nghìn|ngàn|vạn|triệu|tỷ|tỉ|linh|lẻ|rưỡi)"
_UNIT_WORD = (
    r"(?:giờ|ngày|tháng|năm|tuần|phút|đồng|người|lần|hộ|xã|tỉnh|km|ha|trường hợp|doanh nghiệp|dự án|đảng viên"
    r"|phần trăm)"
)
_AMOUNT_IN_WORDS = re.compile(rf"(?<!\w)(?:{_NUMBER_WORD} )*{_NUMBER_WORD} {_UNIT_WORD}(?!\w)")
"""A quantity written in words ("hai mươi bốn giờ", "bốn tháng", "năm vạn đồng"): laws write durations so."""


def _quantities(sentence: str) -> set[str]:
    """Figures that measure something: numbers outside document codes ("659/QĐ-TTg") and dates, plus amounts
    written in words. "Quyết định số 659/QĐ-TTg ngày 23/03/2025" states no quantity."""
    plain = _REFERENCE.sub(" ", _CODE_OR_DATE.sub(" ", sentence))
    # "22/22" (a share) measures; "5/2025" (a month) does not
    found = {n for n in numbers_in(plain) if n.count("/") == 0 or (n.count("/") == 1 and len(n.split("/")[1]) != 4)}
    # read with the marks: folded, "vận động" would be "vạn đồng"
    found |= {fold(m.group(0)) for m in _AMOUNT_IN_WORDS.finditer(unicodedata.normalize("NFC", sentence.lower()))}
    return found


_CODE_OR_DATE = re.compile(
    r"\d+(?:[/.-]\d+)*[/-][A-ZĐa-zđ][\wĐđ&/.-]*"  # 659/QĐ-TTg, 57-NQ/TW, 73/2006/QH
    r"|\b\d{1,2}[/-]\d{1,2}[/-]\d{2,4}\b"  # 23/03/2025
    r"|(?i:ngày)\s+\d{1,2}\s+(?i:tháng)\s+\d{1,2}(?:\s+(?i:năm)\s+\d{4})?"  # ngày 23 tháng 3 năm 2025
)


_REFERENCE = re.compile(
    r"(?<!\w)(?:(?i:tháng|năm|quý|ngày|điều|khoản|điểm|chương|mục|phụ lục|số)\s+|[TQ])\d+(?:\s*[-–,]\s*\d+)*(?:/\d{4})?"
)
"""Numbers that name a time or a part ("tháng 3, 4", "Điều 5", "Phụ lục 1", "T5"): they count nothing."""


def _figure_with_unit(sentence: str, question: str) -> bool:
    """A new figure; when the question names its unit ("bao nhiêu người", "bao nhiêu đảng viên"), a figure
    followed by that unit, so "90% dân số" does not answer "dân số là bao nhiêu người". Numbers inside codes
    and dates measure nothing."""
    sentence = _LEADING_LABEL.sub("", sentence, count=1)
    new = _quantities(sentence) - numbers_in(question)
    if not new:
        return False
    rate_of = _RATE_OF.search(fold(question))
    if rate_of is not None and not has_phrase(fold(sentence), rate_of.group(1)):
        return False  # "Tỷ lệ hộ nghèo … bao nhiêu": a rate of something else is no answer
    unit = _COUNT_UNIT.search(fold(question))
    if unit is None:
        return True
    if unit.group(1) == "phan tram":
        return re.search(r"\d\s*%|\d phan tram", fold(sentence)) is not None
    pattern = r"\d[\d.,]*\s*%?\s*(?:\w+\s+){0,2}?" + re.escape(unit.group(1)) + r"\b"
    return re.search(pattern, fold(sentence)) is not None


def _strong_name(name: str, question: str) -> bool:
    """A name the answer must be about: two words or more ("Sơn La", "Phạm Minh Chính"), a code ("598/QĐ-TTg"),
    or one word that is not a capitalised common word ("SpaceX", "AI"; not "Nghị" of "Nghị quyết")."""
    tokens = name.split(" ")
    if len(tokens) >= 2 or any(c.isdigit() for c in name):
        return True
    for word in re.findall(r"[^\W_]+", question):
        if fold(word) == tokens[0] and (sum(c.isupper() for c in word) >= 2 or not word.isalpha()):
            return True
    return False


@functools.lru_cache(maxsize=512)
def named_in(question: str) -> tuple[tuple[str, ...], ...]:
    """The names and codes a question is about, as token tuples: an answer must come from a passage that names
    them (in the sentence, its heading path or its document's title) – "Tỉnh Sơn La có bao nhiêu dân số?" is
    not answered by a sentence on the population of the country."""
    names = [name for name in entities_in(question) if _strong_name(name, question)]
    first = re.match(r"\s*([^\W\d_]{3,})", question)
    accented = fold(question) != question.lower()  # unaccented syllables ("Hien") are not syllables either
    if accented and first and first.group(1)[0].isupper() and not is_vietnamese_syllable(first.group(1).lower()):
        names.append(fold(first.group(1)))  # a foreign name opening the question ("Shopee có bao nhiêu …")
    return tuple(tuple(name.split(" ")) for name in sorted(names))


def _names_held(names: Iterable[tuple[str, ...]], text: str) -> bool:
    """Every name occurs in ``text``; a bare number also meets the code it starts ("3260" → "3260-KH/ĐĐQH15")."""
    tokens = name_tokens(text)
    heads = {m.group(0) for m in (re.match(r"\d+", t) for t in tokens) if m}
    for name in names:
        if has_tokens(tokens, list(name)):
            continue
        if len(name) == 1 and name[0].isdigit() and name[0] in heads:
            continue
        return False
    return True


_SUBJECT_SKIP = frozenset({"theo", "hien", "nay", "nam", "co", "den", "het", "trong", "tai", "tinh", "ca"})
_MONEY = frozenset({"tien", "kinh phi", "von"})
_ASKING = frozenset({"gi", "nao", "sao", "ai", "may", "khong", "chua", "bao", "nhieu"})
"""Folded question syllables that end a measured phrase ("hội" of "hội viên" is not "hỏi")."""
_DOC_WORDS = frozenset({"luat", "nghi", "ke", "bao", "quyet", "chi", "chuong", "cong", "thong", "bo", "theo"})
_SAYS = frozenset({"quy dinh", "de ra", "xac dinh", "dat ra", "neu ra", "yeu cau"})


@functools.lru_cache(maxsize=512)
def measured(question: str) -> tuple[str, bool]:
    """What a "bao nhiêu" question measures, folded: the words after "bao nhiêu" ("bao nhiêu nhiệm vụ" → "nhiem
    vu"), or, when it ends the question, the words that open it ("Mức lương … là bao nhiêu?" → "muc luong").
    Two syllables at most; "" when the question names a unit (checked with the figure) or money ("bao nhiêu
    tiền" is answered in đồng, not by the word). Read on folded syllables, so typed without marks it reads the
    same. The flag says whether the whole phrase must be found (after "bao nhiêu") or two adjacent syllables of
    it (up to three opening words, which a document may word a little differently: "tăng trưởng kinh tế" /
    "trưởng kinh tế")."""
    words = re.findall(r"[^\W_]+|[^\w\s]", fold(question))  # punctuation kept: it ends a phrase
    at = next((i for i in range(len(words) - 1) if words[i : i + 2] == ["bao", "nhieu"]), None)
    if at is None:
        return "", True
    stop = {w for term in wordlists.FUNCTION_TERMS for w in term.split()} | _ASKING
    stop |= {w for w in words if not w[0].isalnum()}
    after = words[at + 2 :]
    if after and after[0] not in stop:
        if _COUNT_UNIT.search(fold(question)):
            return "", True
        picked, strict = list(itertools.takewhile(lambda w: w not in stop, after)), True
    else:
        lead = words[:at]
        if lead[:1] == ["theo"] and "," in lead:  # "Theo Nghị quyết, tăng trưởng … là bao nhiêu"
            lead = lead[lead.index(",") + 1 :]
        if lead and lead[0] in _DOC_WORDS:  # "Luật … quy định mức phạt … là bao nhiêu": the thing follows the verb
            verbs = [i for i in range(len(lead) - 1) if " ".join(lead[i : i + 2]) in _SAYS]
            lead = lead[verbs[0] + 2 :] if verbs else lead
        lead = list(itertools.dropwhile(lambda w: w in _SUBJECT_SKIP or w.isdigit(), lead))
        picked, strict = list(itertools.takewhile(lambda w: w not in stop, lead)), False
    phrase = " ".join(picked[: 2 if strict else 3])
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
    folded = fold(where)
    if strict or len(thing.split()) < 2:
        return has_phrase(folded, thing)
    return any(has_phrase(folded, f"{a} {b}") for a, b in itertools.pairwise(thing.split()))


def gives(ask: Ask, sentence: str, question: str, heading: str = "", title: str = "") -> bool:
    """Whether ``sentence`` (under ``heading``, its heading path) holds what ``ask`` wants: a new figure, a date,
    a person's or a body's name, a document code – about what the question names (:func:`about`). A task
    sentence often leaves its body to the heading ("a) Tổ đảng ở Thường trực Ủy ban KH,CN&MT" › "- Là cơ quan
    đầu mối …"), so names may come from there."""
    around = f"{heading}\n{sentence}" if heading else sentence
    if ask.wants and not about(question, sentence, heading, title):
        return False
    if "figure" in ask and not _figure_with_unit(sentence, question):
        return False
    if "date" in ask and not _has_date(sentence, question):
        return False
    names = {"person", "body", "name"} & ask.wants
    if names:
        found = ("person" in names and (_has_person(around, question) or _has_office(around, question))) or (
            "body" in names and _has_body(around, question)
        )
        if "name" in names and not found:
            found = bool(_new(entities_in(sentence), question, name_tokens(question))) or "“" in sentence
        if not found:
            return False
    if "code" in ask:
        q_tokens = set(name_tokens(question))
        codes = [t for t in name_tokens(around) if re.search(r"\d", t) and re.search(r"[a-z]", t) and "/" in t]
        if not any(code not in q_tokens for code in codes):
            return False
    return True
