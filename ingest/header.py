"""Metadata from the header block and the signature of party and state documents.

Party documents (Hướng dẫn 36-HD/VPTW) put the issuing body top left (its parent body above it), "ĐẢNG CỘNG SẢN
VIỆT NAM" top right, "Số 3260-KH/ĐĐQH15" under the issuer and "Hà Nội, ngày 10 tháng 01 năm 2025" under the
party name; state documents (Nghị định 30/2020/NĐ-CP) put the Quốc hiệu–Tiêu ngữ top right. Then comes the kind
("KẾ HOẠCH", "LUẬT") and the trích yếu; at the end the Nơi nhận list and the signature (T/M …, position, name).
Once extracted to fields, "ai ký", "số hiệu", "ban hành ngày nào" are answered from them and cited to the span.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from ingest.model import KIND_NAMES, DocumentMeta
from ingest.normalize import fold
from ingest.paragraphs import Paragraph
from ingest.wordlists import DOCUMENT_KINDS, NATIONAL_NAMES

HEADER_WINDOW = 25
"""Paragraphs searched for the header block (letterhead, number, date, kind, trích yếu)."""

KINDS = tuple((k.phrase, k.kind) for k in DOCUMENT_KINDS)
"""Folded kind words of the title line → DocumentMeta.kind, in the order they are tried (ingest/wordlists.py)."""

SYMBOL_KINDS = {code: kind for _, kind, code in reversed(DOCUMENT_KINDS) if code}
"""Kind from the letters of the số/ký hiệu ("3260-KH/…" is a kế hoạch) when the title does not say, folded; read
from ingest.wordlists.DOCUMENT_KINDS (reversed, so of two kinds with one code the first listed wins: "QĐ" is a
quyết định, and a party quy định says so in its title)."""

_PARTY = "dang cong san viet nam"
_STATE = ("cong hoa xa hoi chu nghia viet nam", "doc lap - tu do - hanh phuc", "doc lap tu do hanh phuc")
_DATE = re.compile(
    r"^(?:(?P<place>[^\W\d][^,\n]{1,40}?),\s*)?ngày\s+(?P<day>\d{1,2})?\s*tháng\s+(?P<month>\d{1,2})\s+năm\s+"
    r"(?P<year>\d{4})",
    re.IGNORECASE,
)
_SKIP_ISSUER = ("*", "-", "—", "_")
_POSITION_START = re.compile(r"^(?:T/M|TM\.?|KT\.?|K/T|TL\.?|TUQ\.?|Q\.\s|Q/)\s*", re.IGNORECASE)
_SIGN_NOISE = re.compile(r"^\((?:Đã ký|đã ký|Dấu|dấu|Ký|ký)[^)]*\)$")
_NAME_WORD = re.compile(r"^[A-ZĐÂĂÊÔƠƯÁÀẢÃẠẮẰẲẴẶẤẦẨẪẬÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ][^\W\d_A-Z]*$")
_NOT_NAMES = {"trân trọng", "nơi nhận", "như trên", "kính gửi"}


def _upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.85 * len(letters)


def kind_of(title: str) -> tuple[str, str]:
    """("KẾ HOẠCH", "ke_hoach") from a title line; the label is the kind words as written, with "DỰ THẢO"."""
    folded = fold(title)
    draft = folded.startswith("du thao ")
    rest = folded[len("du thao ") :] if draft else folded
    for key, kind in KINDS:
        if rest == key or rest.startswith(key + " ") or rest.startswith(key + ":"):
            words = len(key.split()) + (2 if draft else 0)
            return " ".join(title.split()[:words]), kind
    return "", ""


def kind_from_number(number: str) -> str:
    """ "3260-KH/ĐĐQH15" → "ke_hoach"; "30/2020/NĐ-CP" → "nghi_dinh"; "" when the symbol is not a known kind."""
    for part in re.split(r"[-/]", fold(number)):
        if part in SYMBOL_KINDS:
            return SYMBOL_KINDS[part]
    return ""


def parse_header(pars: Sequence[Paragraph], body_start: int) -> DocumentMeta:
    """Letterhead, number, place and date, kind and trích yếu from the paragraphs before ``body_start``."""
    meta = DocumentMeta()
    window = [p for p in pars[:HEADER_WINDOW] if p.start < body_start] or list(pars[:3])
    number_at = _number_line(window)
    if number_at is not None:
        meta.number = _number_in(window[number_at].text)
        if meta.number:
            _set(meta, "number", window[number_at])
    dated = _dated_number(meta, window)
    number_at = dated if dated is not None else number_at
    title_at: int | None = None
    for i, par in enumerate(window):
        folded = fold(par.text)
        if folded.startswith(_PARTY) or folded.startswith(_STATE):
            meta.layout = "party" if folded.startswith(_PARTY) else (meta.layout or "state")
            _set(meta, "layout", par)
        elif i == number_at:
            continue
        elif not meta.date_text and (date := _DATE.match(par.text)):
            _set_date(meta, par, date)
        elif folded.startswith("v/v") and not meta.trich_yeu:
            meta.trich_yeu = par.text[3:].strip(" :.")
            _set(meta, "trich_yeu", par)
        elif title_at is None and (kind := kind_of(par.text))[0] and not re.match(r"^Số\b", par.text):
            meta.kind_label, meta.kind = kind
            _set(meta, "kind_label", par)
            title_at = i
            meta.trich_yeu = meta.trich_yeu or _inline_trich_yeu(par.text, meta.kind_label)
    _fill_issuer(meta, _issuer_lines(window, number_at, title_at))
    if title_at is not None and not meta.trich_yeu:
        _trich_yeu_after(meta, window, title_at)
    if not meta.kind:
        meta.kind = kind_from_number(meta.number) or ("cong_van" if "trich_yeu" in meta.spans else "")
    _addressee(meta, pars[:HEADER_WINDOW])
    return meta


def _addressee(meta: DocumentMeta, pars: Sequence[Paragraph]) -> None:
    """ "Kính gửi: Hội đồng nhân dân tỉnh Cà Mau" under the title (Nghị định 30/2020, Phụ lục I): the body the
    document is addressed to, kept as the span of the name."""
    for i, par in enumerate(pars):
        if fold(par.text).startswith("kinh gui") and ":" in par.text:
            colon = par.text.index(":") + 1
            name = par.text[colon:]
            if name.strip(" .,;"):
                meta.spans["addressee"] = (par.start + colon + len(name) - len(name.lstrip()), par.end)
                return
            listed = list(itertools.takewhile(lambda p: p.text.startswith(("-", "+", "•")), pars[i + 1 :]))
            if listed:  # "Kính gửi:" then one addressee per "- " line
                meta.spans["addressee"] = (listed[0].start, listed[-1].end)
            return


def _number_line(window: Sequence[Paragraph]) -> int | None:
    """The "Số …" line: one starting with "Số" first ("Công Văn Số 402-CV/VPĐU" is a caption), else "Luật số: …"."""
    for i, par in enumerate(window):
        if re.match(r"^Số\b", par.text) and len(par.text) < 80:
            return i
    for i, par in enumerate(window):
        if _number_in(par.text):
            return i
    return None


def _issuer_lines(window: Sequence[Paragraph], number_at: int | None, title_at: int | None) -> list[Paragraph]:
    """Upper-case letterhead lines just above the number line (else above the title), motto and stars skipped."""
    anchor = number_at if number_at is not None else title_at
    if anchor is None:
        return []
    picked: list[Paragraph] = []
    for par in reversed(window[:anchor]):
        folded = fold(par.text)
        if folded.startswith(_PARTY) or folded.startswith(_STATE) or not folded.strip("*-_ "):
            continue
        if not _upper(par.text) or len(par.text) > 80 or kind_of(par.text)[0] or _DATE.match(par.text):
            break
        picked.insert(0, par)
        if len(picked) == 3:
            break
    return picked


_NUMBER_DATE = re.compile(
    r"^SỐ\s+(?P<number>\d+[-/][\w./-]*\w)\s+NGÀY\s+(?P<day>\d{1,2})[-/](?P<month>\d{1,2})[-/](?P<year>\d{4})\b\s*"
    r"(?P<rest>.*)$"
)
"""Older laws put number, date and subject on one line: "SỐ 101-SL/L.003 NGÀY 20-5-1957 QUY ĐỊNH QUYỀN TỰ DO
HỘI HỌP", "SỐ 18-L/CTN NGÀY 06/07/1993 CỦA QUỐC HỘI VỀ DẦU KHÍ"."""


def _dated_number(meta: DocumentMeta, window: Sequence[Paragraph]) -> int | None:
    """Number, date and trích yếu from a "SỐ … NGÀY d-m-yyyy …" line (when no "Số:" line gave a number)."""
    if meta.number:
        return None
    for i, par in enumerate(window):
        match = _NUMBER_DATE.match(par.text)
        if not match:
            continue
        meta.number = match.group("number")
        _set(meta, "number", par)
        meta.date = f"{match.group('year')}-{int(match.group('month')):02d}-{int(match.group('day')):02d}"
        date_end = match.start("rest") if match.group("rest") else len(par.text)
        meta.date_text = par.text[match.start("day") - len("NGÀY ") : date_end].strip()
        meta.spans["date"] = (par.start, par.start + date_end)
        if match.group("rest"):
            meta.trich_yeu = match.group("rest").strip()
            meta.spans["trich_yeu"] = (par.start + match.start("rest"), par.end)
        return i
    return None


def _number_in(text: str) -> str:
    """ "Số 3260-KH/ĐĐQH15" → "3260-KH/ĐĐQH15"; "Luật số: 95/2015/QH13" → "95/2015/QH13"; a blank draft number → ""."""
    if len(text) > 80:
        return ""
    match = re.search(r"\b[Ss]ố(?:\s+hiệu)?\s*:?\s*(\S.*)$", text)
    if not match:
        return ""
    raw = re.sub(r"\s*([-/])\s*", r"\1", match.group(1).strip())
    # "Luật số: 73/2006/QH 11" is kept as written: the "11" (the legislature) belongs to the number
    spaced = re.match(r"^(\S*[A-ZĐ])\s+(\d{1,2})$", raw)
    raw = spaced.group(0) if spaced else (raw.split()[0] if raw else "")
    return raw if re.search(r"\d", raw) and re.search(r"[-/]", raw) else ""


def _set(meta: DocumentMeta, name: str, par: Paragraph) -> None:
    meta.spans[name] = (par.start, par.end)


def _set_date(meta: DocumentMeta, par: Paragraph, date: re.Match[str]) -> None:
    meta.date_text = date.group(0).strip()
    meta.place = (date.group("place") or "").strip()
    if date.group("day"):
        meta.date = f"{date.group('year')}-{int(date.group('month')):02d}-{int(date.group('day')):02d}"
    meta.spans["date"] = (par.start, par.start + len(date.group(0).rstrip()))


def _fill_issuer(meta: DocumentMeta, issuers: list[Paragraph]) -> None:
    """The lowest upper-case line of the letterhead is the issuer, the one above it its parent body."""
    names = [p for p in issuers if not fold(p.text).startswith(("mat", "toi mat", "tuyet mat", "khan"))]
    if not names:
        return
    meta.issuer = names[-1].text
    meta.spans["issuer"] = (names[-1].start, names[-1].end)
    if len(names) >= 2:
        meta.parent_issuer = names[-2].text
        meta.spans["parent_issuer"] = (names[-2].start, names[-2].end)


def _inline_trich_yeu(title: str, label: str) -> str:
    """ "DỰ THẢO BÁO CÁO Kết quả triển khai …" → "Kết quả triển khai …" (the subject written on the title line)."""
    rest = title[len(label) :].strip(" :.-–")
    return "" if re.match(r"^[Ss]ố\b", rest) else rest


def _trich_yeu_after(meta: DocumentMeta, window: list[Paragraph], title_at: int) -> None:
    """The subject lines right after the title: short, no sentence end, not "Căn cứ"/"Kính gửi"/a heading."""
    picked: list[Paragraph] = []
    for par in window[title_at + 1 :]:
        folded = fold(par.text)
        if folded.startswith(("can cu", "kinh gui", "xet de nghi", "theo de nghi")) or len(par.text) > 200:
            break
        if re.match(r"^(?:[IVX]+[.\-]|\d+\.|Chương|CHƯƠNG|Điều|Phần|PHẦN|Mục)\s", par.text):
            break
        if picked and par.text.rstrip().endswith((".", ";", ":")):
            break  # a sentence of the body ("Hội nghị thống nhất các nhiệm vụ sau đây."), not the subject
        picked.append(par)
        if len(picked) == 4:
            break
    if picked:
        meta.trich_yeu = " ".join(p.text for p in picked)
        meta.spans["trich_yeu"] = (picked[0].start, picked[-1].end)


def parse_closing(pars: Sequence[Paragraph], meta: DocumentMeta) -> int | None:
    """Nơi nhận and signature from the last paragraphs; returns where the closing block starts (None if absent).

    "- Lưu: VT, …" is a recipient line, never a labelled field; "(Đã ký)" and "(Dấu …)" are skipped.
    """
    start: int | None = None
    noi_nhan = next((i for i in range(len(pars) - 1, -1, -1) if fold(pars[i].text).startswith("noi nhan")), None)
    if noi_nhan is not None:
        start = pars[noi_nhan].start
        inline = pars[noi_nhan].text.split(":", 1)[1].strip() if ":" in pars[noi_nhan].text else ""
        items = [inline] if inline else []
        spans = [(pars[noi_nhan].start, pars[noi_nhan].end)]
        for par in pars[noi_nhan + 1 :]:
            if not par.text.startswith(("-", "+", "•")):
                break
            items.append(par.text.lstrip("-+• ").rstrip(",;. "))
            spans.append((par.start, par.end))
        meta.recipients = [i for i in items if i]
        meta.spans["recipients"] = (spans[0][0], spans[-1][1])
    sign_start = _signature(pars, meta, noi_nhan)
    if sign_start is not None:
        start = sign_start if start is None else min(start, sign_start)
    return start


def _signature(pars: Sequence[Paragraph], meta: DocumentMeta, noi_nhan: int | None) -> int | None:
    """Position lines (T/M …, KT. …, BÍ THƯ) and the signer's name next to the Nơi nhận list, or near the end
    when there is none (an appendix may follow the signature, so "the last lines" is not enough)."""
    if noi_nhan is not None:
        after = noi_nhan + 1
        while after < len(pars) and pars[after].text.startswith(("-", "+", "•")):
            after += 1
        window = list(range(max(noi_nhan - 8, 0), noi_nhan)) + list(range(after, min(after + 8, len(pars))))
    else:
        window = list(range(max(len(pars) - 14, 0), len(pars)))
    positions: list[Paragraph] = []
    name: Paragraph | None = None
    for i in window:
        par = pars[i]
        text = par.text.strip()
        if name is not None and noi_nhan is not None and i > noi_nhan:
            break
        after_list = noi_nhan is not None and i > noi_nhan
        if _POSITION_START.match(text) or (_upper(text) and len(text) < 70 and (positions or after_list)):
            if name is None:
                positions.append(par)
            continue
        if _SIGN_NOISE.match(text):
            continue
        if is_person_name(text) and (positions or i >= len(pars) - 4 or noi_nhan is not None):
            name = par
            if noi_nhan is not None and i > noi_nhan:
                break
    if name is None:
        return None
    if not positions and noi_nhan is None:
        positions = _position_above(pars, name)
    meta.signer = name.text.strip()
    meta.spans["signer"] = (name.start, name.end)
    if positions:
        meta.signer_position = ", ".join(p.text.strip() for p in positions)
        meta.spans["signer_position"] = (positions[0].start, positions[-1].end)
        return positions[0].start
    return name.start


def _position_above(pars: Sequence[Paragraph], name: Paragraph) -> list[Paragraph]:
    """ "CHỦ TỊCH QUỐC HỘI" right above "Nguyễn Phú Trọng" at the end of a law (no Nơi nhận list to anchor it):
    the upper-case line just before the name, "(Đã ký)" skipped, is the signer's position."""
    i = next(k for k, p in enumerate(pars) if p.start == name.start) - 1
    while i >= 0 and _SIGN_NOISE.match(pars[i].text.strip()):
        i -= 1
    if i < 0:
        return []
    text = pars[i].text.strip()
    return [pars[i]] if _upper(text) and len(text) < 70 and not kind_of(text)[0] else []


def compose_title(meta: DocumentMeta, limit: int = 160) -> str:
    """ "Kế hoạch 3260-KH/ĐĐQH15: khai thực hiện Nghị quyết số 57-NQ/TW …" — kind, number and trích yếu, which
    is how people name a document; "" without a number (the title line then names the document best)."""
    if not meta.number:
        return ""
    kind = KIND_NAMES.get(meta.kind, "")
    if meta.kind_label:
        kind = meta.kind_label[:1] + meta.kind_label[1:].lower() if meta.kind_label.isupper() else meta.kind_label
    if meta.kind in {"luat", "bo_luat"} and (name := law_name(meta.trich_yeu)):
        return f"{kind} {name} {meta.number}"  # "Luật An ninh quốc gia 32/2004/QH11", as laws are cited
    head = " ".join(p for p in (kind, meta.number) if p)
    if not head:
        return ""
    title = f"{head}: {meta.trich_yeu}" if meta.trich_yeu else head
    return title if len(title) <= limit else title[:limit].rsplit(" ", 1)[0] + " …"


_ENACTED = re.compile(
    r"\bCỦA QUỐC HỘI(?:\s+NƯỚC\s+CỘNG\s+HO[ÀÒ]A\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM)?\s+SỐ\s+\S+"
    r"(?:\s+NGÀY\s+(?:\d{1,2}[-/]\d{1,2}[-/]\d{4}|\d{1,2}\s+THÁNG\s+\d{1,2}\s+NĂM\s+\d{4}))?"
)
"""How an older law's subject line says who enacted it and when: "CỦA QUỐC HỘI SỐ 09/1998/QH10 NGÀY 02 THÁNG 12 NĂM
1998", before its name ("… KHIẾU NẠI, TỐ CÁO") or after it ("PHỔ CẬP GIÁO DỤC TIỂU HỌC CỦA QUỐC HỘI SỐ …")."""


def law_name(subject: str) -> str:
    """The name of a law from its subject line: "… VỀ AN NINH QUỐC GIA" → "An ninh quốc gia", "HÌNH SỰ" → "Hình sự",
    "CỦA QUỐC HỘI SỐ 09/1998/QH10 NGÀY … KHIẾU NẠI, TỐ CÁO" → "Khiếu nại, tố cáo", "VỀ LUẬT BIÊN GIỚI QUỐC GIA" →
    "Biên giới quốc gia"; the national bodies it names keep their capitals ("… của Quốc hội và Hội đồng nhân
    dân")."""
    subject = " ".join(_ENACTED.sub(" ", subject).split())
    if not subject or not _upper(subject):
        return ""
    match = re.search(r"\bVỀ\s+(.+)$", subject)
    name = re.sub(r"^LUẬT\s+", "", match.group(1) if match else subject)
    if not name or re.search(r"\b(?:SỐ|NGÀY)\b", name):
        return ""
    name = name[:1] + name[1:].lower()
    for proper in NATIONAL_NAMES:
        name = re.sub(rf"\b{re.escape(proper)}\b", proper, name, flags=re.IGNORECASE)
    return name


def is_person_name(text: str) -> bool:
    """ "Trần Thanh Mẫn" yes; "Trân trọng", "Nơi nhận", "BÍ THƯ", "Hà Nội, ngày …" no."""
    words = text.split()
    if not 2 <= len(words) <= 5 or fold(text) in {fold(n) for n in _NOT_NAMES}:
        return False
    return all(_NAME_WORD.match(w) for w in words) and not _upper(text)
