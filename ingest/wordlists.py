"""Vietnamese word lists: the one home of stop words, question words, the words that say what is asked and the words
that name a kind of document.

Every list is written folded (``ingest.normalize.fold``: no diacritics, lowercase) unless its name says
otherwise, because callers compare folded text. Lists of different purpose stay separate on purpose:
a syllable that carries no content ("của") is not the same thing as a word that frames a question
("mục đích") or one that asks for something ("bao nhiêu").
"""

from __future__ import annotations

from typing import NamedTuple


def _words(text: str) -> frozenset[str]:
    """A word list written as space-separated words (compounds are given in lists instead)."""
    return frozenset(text.split())


STOPWORDS = _words(
    """
    a ai anh bao bi boi cac cai can cho chu chua co con cua cung da dang dau de den deu do duoc gi gia hay hien
    hoac hon khi khong la lai lam luc ma minh moi mot nao nay neu ngay nhieu nhu nhung nhat noi o phai qua ra rang
    rat roi sau se sao tai the theo thi thu tren trong tu tung va vao van ve vi voi xin
    """
)
"""Folded syllables with no content of their own: a citation's support is measured without them."""

FUNCTION_TERMS = frozenset(
    [
        *_words("cua la va cac nhung mot co duoc trong cho voi ve theo tai tu den de thi ma nay do khi nhu hay hoac"),
        *["ra", "sao", "gi", "nao", "bao nhieu", "nhu the nao", "the nao", "la gi", "hien nay", "don vi", "o"],
        "nhu vay",
    ]
)
"""Folded words (underthesea compounds kept whole) that never name a question's subject; "đơn vị" is here because
in "đơn vị nào" it only asks for a name."""

FUNCTION_TERMS_WRITTEN = frozenset(
    [
        *["của", "là", "và", "các", "những", "nhưng", "một", "có", "được", "trong", "cho", "với", "về", "theo"],
        *["tại", "từ", "đến", "để", "thì", "mà", "này", "nay", "do", "đó", "khi"],
        *["như", "hay", "hoặc", "ra", "sao", "gì", "nào", "bao nhiêu", "như thế nào", "thế nào", "là gì", "hiện nay"],
        *["đơn vị", "ở", "như vậy", "cứ"],
    ]
)
""":data:`FUNCTION_TERMS` as written with their marks. Folding merges them with content words ("chó", "chợ" fold
to "cho"; "đề", "dược", "cổ", "khí", "mã" to a function word's key), so a question typed with its marks is read
with this list: "thả chó chạy rông" keeps its dog. "cứ" (keeps on) is only here: folded it is also "cũ", "cụ"."""

QUESTION_PHRASE_WRITTEN = _words(
    """
    là những các có cơ quan đơn vị tổ chức ngày tháng năm quý khi lúc thời gian điểm do người tại ở đồng chí nơi
    ban sở số bộ ủy uỷ
    """
)
"""Words that belong to the question phrase before its question word ("là những cơ quan nào", "do ai"), written
with their marks: "sơ" of "hồ sơ" folds like "số" but is none of them."""

LINKING_WRITTEN = frozenset(
    ["vào", "cho", "tại", "ở", "với", "đến", "trong", "của", "từ", "theo", "về", "trên", "dưới", "đối", "giữa"]
)
"""Prepositions, written with their marks, that open a phrase parallel to one before it ("vào lưu trữ hiện hành và
vào lưu trữ lịch sử"): a content word repeated ("bình đẳng giới, giới tính") opens no such phrase."""

QUESTION_SYLLABLES = _words("bao nhieu gi nao sao the nhu dau ai may hoi khong chua phai hay")
"""Folded syllables of question words: they say what kind of answer is wanted but are never in it."""

QUESTION_WORDS_ACCENTED = (
    *["có bao nhiêu", "như thế nào", "bao nhiêu", "bao lâu", "khi nào", "ở đâu", "thế nào", "là gì", "những gì"],
    "ra sao",
    *["tại sao", "vì sao", "hay không", "phải không", "ngày nào", "năm nào", "tháng nào", "nào", "gì", "không"],
)
"""Question words as typed with their marks, longest first: documents rarely ask questions, so the diacritic
restorer, which learns from the documents, cannot put these back ("bao nhieu" came back as "báo nhiều")."""

QUESTION_PHRASES = frozenset(
    [
        *["bao nhiêu", "gì", "nào", "sao", "thế nào", "như thế nào", "đâu", "ai", "mấy"],
        *["không", "chưa", "phải không", "hay không", "là gì", "ra sao"],
    ]
)
"""Question words WITH tone marks (lowercase), so "bão" (storm) is not mistaken for "bao" (nhiêu)."""

FRAME_WORDS = frozenset(
    [
        *["muc dich", "doi tuong", "doi voi", "su kien", "noi dung", "lien quan", "con so"],
        *["gom", "nham", "dieu", "viec", "can", "tat ca", "khoang", "ten"],
    ]
)
"""Folded words that frame a question ("nhằm mục đích gì", "những nội dung nào") without naming its subject."""

FIGURE_FRAME_SYLLABLES = _words(
    """
    uoc dat tang giam chiem bang thuc hien ca nam thang quy giai doan het so ky ke hoach du toan muc tieu de nghi
    quyet phan dau toan tinh thanh pho rieng tong muc vuot khoang gan tren duoi hon nay
    """
)
"""Folded syllables that frame a figure in a document ("ước đạt", "so cùng kỳ", "toàn tỉnh") without naming what it
measures: rag/figures.py drops them from an indicator's words. Kept apart from FRAME_WORDS, which frame a question:
merged, "mục tiêu" would drop out of a question's key terms and "đối tượng" out of a figure's indicator."""

RELATIVE_TIME = frozenset(
    ["truoc day", "hien tai", "gan day", "sap toi", "nam nay", "nam ngoai", "nam truoc", "nam toi", "nam sau"]
)
"""Folded relative time expressions ("trước đây", "năm ngoái"): they place a question in time, they never name
what it is about (the tagger reads some of them as nouns)."""

# ---- what a question asks for (folded regular-expression alternatives, see rag/query_understanding.py) ------------

ASKS_DATE = (
    r"ngay nao",
    r"khi nao",
    r"bao gio",
    r"thang nao",
    r"nam nao",
    r"quy nao",
    r"thoi gian nao",
    r"thoi diem nao",
    r"luc nao",
    r"thoi han",
    r"han chot",
    r"hieu luc tu",
    r"ngay ban hanh",
    r"ngay ky",
)
"""A date or time: "ban hành ngày nào", "khi nào hoàn thành", "thời hạn"."""

DATE_NOUNS = ("thoi han", "han chot")
"""Entries of ``ASKS_DATE`` that name a deadline rather than ask for one: "Thời hạn lưu trữ … áp dụng cho tài liệu
nào?" asks for the documents, "Thời hạn nộp báo cáo là ngày nào?" for a date."""

TIME_BEFORE_NAO = frozenset({"ngay", "thang", "nam", "quy", "gian", "diem", "luc", "khi", "han", "the", "sao"})
"""Folded words before "nào" that still ask a time or a manner ("thời gian nào", "thời hạn nào", "thế nào")."""

ASKS_FIGURE = (r"bao nhieu", r"may phan tram", r"bao lau", r"\bmay\b")
"""A figure: "bao nhiêu", "mấy", "tỷ lệ". Folded "may" is also "máy" (machine): query_understanding checks the
accented spelling when the question has tone marks."""

HINTS_FIGURE = (r"muc tieu", r"chi tieu", r"ty le", r"tang truong", r"dat duoc", r"so lieu", r"con so")
"""Words after which a figure is the likely answer ("mục tiêu … là gì", "những con số nào") without a figure being
required: the extractive generator prefers sentences with a figure, the refusal check does not demand one."""

ASKS_PERSON = (r"\bai\b", r"nhung ai", r"nguoi nao", r"ho ten", r"ho va ten", r"dong chi nao")
"""A person: "Ai ký", "Ai là Bí thư", "đồng chí nào"."""

ASKS_NAME = (r"ten (?:la )?gi", r"ten (?:la )?nao", r"mang ten")
"""A proper name of anything ("Cơn bão … tên là gì?")."""

ASKS_BODY = (
    r"don vi nao",
    r"co quan nao",
    r"to chuc nao",
    r"dang bo nao",
    r"chi bo nao",
    r"dang uy nao",
    r"dang doan nao",
    r"to dang nao",
    r"ban nao",
    r"bo nao",
    r"so nao",
    r"uy ban nao",
    r"(?<!bo )cuc nao",
    r"tccs (?:dang )?nao",
    r"nhung don vi",
    r"cac don vi nao",
    r"noi nao",
)
"""A body or organisation: "đơn vị nào", "cơ quan nào chủ trì"."""

ASKS_CODE = (r"so hieu", r"so ky hieu", r"ky hieu", r"so van ban", r"van ban so (?:may|bao nhieu)")
"""A document number/symbol ("số hiệu", "số ký hiệu")."""

ASKS_TASKS = (
    r"lam gi",
    r"phai lam",
    r"duoc giao",
    r"nhiem vu (?:gi|nao)",
    r"noi dung (?:gi|nao)",
    r"thao luan (?:ve )?(?:gi|nao)",
    r"can lam",
    r"chiu trach nhiem (?:gi|ve gi|viec gi)",
    r"phu trach (?:gi|viec gi|nhung gi)",
)
"""A list of tasks or contents: "X phải làm gì", "được giao nhiệm vụ gì", "thảo luận nội dung gì"."""

# ---- metadata questions (answered from the header / signature) ------------------------------------------------

ASKS_META = {
    "signer": (r"\bai ky\b", r"nguoi ky", r"ky boi ai", r"do ai ky", r"ai da ky", r"ky ten", r"ai la nguoi ky"),
    "number": ASKS_CODE,
    "issuer": (
        r"co quan nao ban hanh",
        r"don vi nao ban hanh",
        r"ai ban hanh",
        r"do ai ban hanh",
        r"(?:co quan|don vi) ban hanh",
        r"ban hanh boi",
        # "Kế hoạch này là của cơ quan nào", not "theo đề nghị / tờ trình / ý kiến của cơ quan nào" (the proposer)
        r"(?<!de nghi )(?<!to trinh )(?<!y kien )(?<!bao cao )(?<!cong van )cua co quan nao",
    ),
    "date": (
        r"ban hanh (?:vao )?(?:ngay nao|khi nao|bao gio|thang nao|nam nao)",
        r"ngay ban hanh",
        r"ky (?:vao )?(?:ngay nao|khi nao)",
        r"ngay ky",
        r"(?:van ban|ke hoach|nghi quyet|bao cao|cong van|quyet dinh|ket luan|chi thi|to trinh)"
        r"(?: [\w/.-]+){0,6} (?:ngay nao|khi nao)",
    ),
    "place": (r"ban hanh (?:o|tai) dau", r"noi ban hanh"),
    "recipients": (
        r"\bkinh gui (?:co quan|don vi|ai|nhung|cac|noi|den)\b",
        r"\bnoi nhan\b",
        r"\b(?:duoc )?gui (?:cho |den |toi )?(?:co quan nao|don vi nao|ai\b|dau\b|noi nao"
        r"|nhung (?:co quan|don vi|ai|noi)|cac (?:co quan|don vi) nao)",
        r"\bgui (?:\w+ ){1,8}de (?:lam gi|nham muc dich gi|lam viec gi)\b",
    ),
    "trich_yeu": (r"trich yeu", r"ve viec gi"),
    # the document's own "… này có hiệu lực" clause, not its date of issue ("Quyết định 2820 có hiệu lực khi nào")
    "effective": (
        r"\b(?:co|bat dau co|phat sinh) hieu luc(?: thi hanh)?(?: (?:tu|ke tu|vao))?"
        r" (?:ngay nao|khi nao|bao gio|luc nao|thoi diem nao|thang nao|nam nao)",
        r"\b(?:ngay|thoi diem|thoi gian) (?:bat dau )?(?:co )?hieu luc\b",
        r"\bhieu luc (?:thi hanh )?(?:tu|ke tu) (?:ngay nao|khi nao|bao gio)",
    ),
}
"""Per DocumentMeta field, the folded phrasings that ask for it ("Ai ký Kế hoạch 3260?", "ban hành ngày nào")."""

ASSIGNMENT_VERBS = (
    r"chu tri",
    r"phoi hop",
    r"thao luan",
    r"chiu trach nhiem",
    r"co trach nhiem",
    r"phu trach",
    r"thuc hien",
    r"duoc giao",
    r"(?<!ban )giao cho",
    r"giao nhiem vu",
    r"dam nhiem",
    r"tham muu",
)
"""Verbs that tie a body to a task ("Bộ Tài chính chủ trì", "Đảng bộ Sở Nội vụ chuẩn bị thảo luận")."""

BODY_HEADS = (
    *["dang bo", "chi bo", "dang uy", "dang doan", "ban can su", "to dang", "tccs"],
    *["bo", "so", "ban", "uy ban", "ubnd", "hdnd", "hoi dong", "van phong", "cuc", "vu", "tong cuc", "vien"],
    *["truong", "trung tam", "quoc hoi", "chinh phu", "thu tuong", "mat tran", "doan", "kiem toan", "toa an"],
    *["vien kiem sat", "ngan hang", "tap doan", "tong cong ty", "cong an", "bo chinh tri", "ban bi thu"],
    "ubtvqh",
)
"""Folded first words of a body's name ("Sở Tư pháp", "Ủy ban Kinh tế", "Đảng bộ Viễn thông tỉnh")."""

ORG_PREFIXES = ("dang bo co so", "dang bo", "chi bo", "dang uy", "to chuc co so dang", "to dang o", "to dang")
"""Folded party prefixes put before a body's name ("Đảng bộ Sở Nội vụ" is the Sở Nội vụ's party organisation)."""

PERIODS = (
    r"hang (?:nam|quy|thang|tuan|ngay)\b",
    r"\d+ (?:ngay|tuan|thang|nam) (?:mot|1) lan\b",
    r"(?:mot|1) lan ?/ ?(?:ngay|tuan|thang|quy|nam)\b",
    r"moi (?:tuan|thang|quy|nam) (?:mot|1) lan\b",
    r"(?:mot|hai|ba|\d+) lan (?:mot|moi|trong|1) (?:ngay|tuan|thang|quy|nam)\b",
    r"dinh ky (?:\d+|hai|ba|bon|nam|sau|muoi) (?:ngay|tuan|thang|quy|nam)\b",
)
"""Folded periods, what "bao lâu một lần" asks ("hằng quý", "6 tháng một lần", "một lần/năm", "hai lần mỗi năm",
"định kỳ 06 tháng"); "định kỳ" or "thường xuyên" alone says that something recurs, not how often."""

RELATIVE_DATES = (
    *PERIODS,
    r"ke tu ngay (?:ky|ban hanh)",
    r"tu ngay (?:ky|ban hanh)",
    r"dinh ky",
    r"thuong xuyen",
    r"truoc mat",
    r"quy (?:i|ii|iii|iv|1|2|3|4)\b",
    r"6 thang (?:dau|cuoi)",
    r"dau nhiem ky",
    r"the ky (?:\d{1,2}|[ivx]+)\b",
    r"thap (?:nien|ky) \d{2,4}\b",
    r"nhung nam \d{2,4}\b",
)
"""Folded time expressions that answer "khi nào" without a written day/month/year ("kể từ ngày ký", "hằng năm",
"Quý II/2025", "giữa thế kỷ 18", "thập niên 1990", "những năm 1980") and how often ("6 tháng một lần", "một
lần/năm"); a year ("trong năm 2025") is found as a
figure instead."""

ABBREVIATIONS = frozenset(["TP", "Tp", "TT", "TX", "Q", "P", "GS", "PGS", "TS", "ThS", "CN", "Th", "KT", "TM", "TL"])
"""Abbreviations written with a dot inside a name ("TP. Hồ Chí Minh", "PGS. TS. Nguyễn Văn A", "KT. BỘ TRƯỞNG"):
their dot never ends a sentence."""

ACRONYMS = {
    "UBND": "Ủy ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "MTTQ": "Mặt trận Tổ quốc",
    "BCH": "Ban Chấp hành",
    "BTV": "Ban Thường vụ",
    "ĐBQH": "đại biểu Quốc hội",
    "NSNN": "ngân sách nhà nước",
    "NSĐP": "ngân sách địa phương",
    "NSTW": "ngân sách trung ương",
    "KH&CN": "khoa học và công nghệ",
    "CNTT": "công nghệ thông tin",
    "CĐS": "chuyển đổi số",
    "ĐMST": "đổi mới sáng tạo",
    "KT-XH": "kinh tế - xã hội",
    "CBCCVC": "cán bộ, công chức, viên chức",
    "TTHC": "thủ tục hành chính",
    "CSDL": "cơ sở dữ liệu",
    "BHXH": "bảo hiểm xã hội",
    "BHYT": "bảo hiểm y tế",
    "GD&ĐT": "giáo dục và đào tạo",
    "HTX": "hợp tác xã",
    "DNNN": "doanh nghiệp nhà nước",
}
"""Acronyms of the administrative vocabulary (Nghị định 30/2020 and Hướng dẫn 36-HD/VPTW let a document use one
once it has been written out): a question that writes "UBND" asks about the "Ủy ban nhân dân" its document names,
and "ngân sách nhà nước" is what a table's "NSNN" means. None of them is a Vietnamese syllable, so they are
recognised in questions typed in lower case too ("ubnd tinh")."""

SURNAMES = frozenset(
    [
        *["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"],
        *["Dương", "Lý", "Đinh", "Trương", "Lương", "Mai", "Tô", "Đào", "Lâm", "Trịnh", "Đoàn", "Cao", "Hà", "Tạ"],
        *["Chu", "Lưu", "Thái", "Văn", "Quách", "Kiều", "Triệu", "Lại", "Thân", "Tăng", "Khổng", "Âu", "Mạc", "Giang"],
    ]
)
"""Common Vietnamese family names, as written: a capitalised run starting with one is read as a person's name
("Trần Thanh Mẫn"); "Ai ký", "Ai là Bí thư" are answered only by a sentence that holds such a name."""

COUNT_UNITS = (
    "phan tram",
    *["nguoi", "dang vien", "ho", "doanh nghiep", "du an", "to chuc", "co so", "xa", "tinh", "truong hop", "van ban"],
    *["ngay", "thang", "nam", "lan", "km", "ha", "tram", "ty dong", "trieu dong", "ty", "trieu", "nghin", "ngan"],
)
"""Folded units a "bao nhiêu" question may name ("bao nhiêu người", "bao nhiêu tỷ đồng"): the answer's figure must
carry the same unit."""

POSITIONS = (
    *["bi thu", "pho bi thu", "chu tich", "pho chu tich", "giam doc", "pho giam doc", "bo truong", "thu truong"],
    *["truong ban", "pho truong ban", "chu nhiem", "thu tuong", "tong bi thu", "chanh van phong", "nguoi ky"],
)
"""Folded positions held by a person: "Ai là Bí thư …" wants a person's name, while "ai chủ trì …" may be
answered by a body."""

PEOPLE_HEADS = (
    *["nha", "nguoi", "tin do", "can bo", "dang vien", "cong dan", "giao vien", "hoc sinh", "sinh vien"],
    *["cong nhan", "nong dan", "thanh vien", "dai bieu", "chuyen gia", "nhan vien", "binh si", "thuong nhan"],
)
"""Folded heads of a class of people ("các nhà địa tầng học", "những tín đồ", "các đảng viên"): written after
"các" or "những", they answer an "Ai …" question when no name, office or body does."""

LEGAL_ROLES = (
    *["nguoi giam ho", "nguoi dai dien", "than nhan", "nguoi thua ke", "chu so huu", "nguoi su dung lao dong"],
    *["thay thuoc", "nguoi dung dau", "thu truong co quan", "nguoi phat hien"],
)
"""Folded roles a law gives rights and duties to ("phải được sự đồng ý của thân nhân hoặc người giám hộ"): they
answer "của ai", "ai có quyền" as a person's name would."""

GENERIC_BODY_HEADS = (
    *["co quan", "bao tang", "uy ban nhan dan", "toa an nhan dan", "vien kiem sat nhan dan"],
    *["thu vien", "benh vien", "co so kham benh", "bo doi bien phong", "cong an"],
)
GENERIC_BODY_QUALIFIERS = (
    r"cap (?:tinh|huyen|xa|trung uong|bo|co so)",
    r"nha nuoc",
    r"co tham quyen",
    r"quan ly nha nuoc",
    r"chuyen mon",
)
"""A body a law names by kind and level, not by name ("bảo tàng cấp tỉnh", "cơ quan nhà nước có thẩm quyền",
"Ủy ban nhân dân cấp huyện"): head, up to four words, qualifier; folded."""

OFFICE_TITLES = (
    *["Tổng Bí thư", "Bí thư", "Chủ tịch", "Phó Thủ tướng", "Thủ tướng", "Bộ trưởng", "Thứ trưởng", "Giám đốc"],
    *["Chủ nhiệm", "Trưởng ban", "Chánh Văn phòng", "Tổng Kiểm toán", "Chánh án", "Viện trưởng"],
)
"""Offices written before the body they head ("Bộ trưởng Bộ Nội vụ", "Thủ tướng Chính phủ"): documents often
name the office-holder this way, so "ai làm Tổ trưởng" is answered by them."""

# ---- kinds of document ------------------------------------------------------------------------------------------


class DocumentKind(NamedTuple):
    """One kind of document: how its title line and questions name it, its ``DocumentMeta.kind`` and the letters
    its numbers carry."""

    phrase: str
    """Folded kind words ("nghi quyet")."""
    kind: str
    """``DocumentMeta.kind`` ("nghi_quyet")."""
    code: str
    """Folded letters in its numbers ("nq": 57-NQ/TW); "" when its numbers carry none (59/2020/QH14 is a Luật)."""


DOCUMENT_KINDS = (
    DocumentKind("bo luat", "bo_luat", ""),  # before "luat": "Bộ luật Dân sự" is a bộ luật
    DocumentKind("luat", "luat", ""),
    DocumentKind("nghi quyet", "nghi_quyet", "nq"),
    DocumentKind("ket luan", "ket_luan", "kl"),
    DocumentKind("chi thi", "chi_thi", "ct"),
    DocumentKind("bao cao", "bao_cao", "bc"),
    DocumentKind("ke hoach", "ke_hoach", "kh"),
    DocumentKind("chuong trinh", "chuong_trinh", "ctr"),
    DocumentKind("cong van", "cong_van", "cv"),
    DocumentKind("quyet dinh", "quyet_dinh", "qd"),
    DocumentKind("to trinh", "to_trinh", "ttr"),
    DocumentKind("huong dan", "huong_dan", "hd"),
    DocumentKind("thong bao", "thong_bao", "tb"),
    DocumentKind("nghi dinh", "nghi_dinh", "nd"),
    DocumentKind("thong tu", "thong_tu", "tt"),
    DocumentKind("goi y", "topic_guide", ""),
    DocumentKind("quy dinh", "quy_dinh", "qd"),  # a party "Quy định 383" is 383-QĐ/TW, like a quyết định
)
"""Every kind of document troly reads, in the order a title line is tried (longer phrase first where one starts
another), per the numbering rules of Hướng dẫn 36-HD/VPTW and Nghị định 30/2020/NĐ-CP. ingest/header.py's KINDS
and rag/document_numbers.py's KIND_CODES are read from it."""

NATIONAL_NAMES = (
    *["Việt Nam", "Quốc hội", "Ủy ban thường vụ Quốc hội", "Chính phủ", "Hội đồng nhân dân", "Ủy ban nhân dân"],
    *["Mặt trận Tổ quốc", "Tòa án nhân dân", "Viện kiểm sát nhân dân", "Kiểm toán nhà nước", "Công an nhân dân"],
    "Quân đội nhân dân",
)
"""Names a law's title writes with capitals although the subject line that gives it is all upper case ("Luật Hoạt
động giám sát của Quốc hội và Hội đồng nhân dân"); the rest of the name is lower case, as laws are cited."""
