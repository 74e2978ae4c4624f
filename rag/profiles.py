"""What a kind of document means for a speech drawn from it: where the speech is given, whom it addresses.

A talking point's opening and closing used to address "Đảng ủy, UBND tỉnh" whatever the documents said.
Here each document kind (``DocumentMeta.kind``) has one profile, and the names come from the document's
recovered header (issuer, parent issuer, recipients), so a speech on the Đảng đoàn Quốc hội's plan addresses
the Đảng đoàn Quốc hội and one on a topic guide addresses the conference it was written for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingest.normalize import fold

if TYPE_CHECKING:
    from ingest.model import Document


@dataclass(frozen=True)
class Profile:
    """How a speech on a document of one kind is framed (our own wording, never a fact of the document)."""

    kind: str
    occasion: str
    """Where the speech is given: "hội nghị", "cuộc họp góp ý dự thảo"."""
    salutation: str
    """The opening's address to the chair."""
    request: str
    """What the closing asks of the addressee ("{addressee}" is filled in)."""


_CONFERENCE = Profile(
    "topic_guide",
    "hội nghị",
    "Kính thưa Đoàn Chủ tịch hội nghị, thưa các đồng chí!",
    "kính đề nghị {addressee} xem xét, tiếp thu các đề xuất trên",
)
_DRAFT = Profile(
    "du_thao",
    "cuộc họp góp ý dự thảo",
    "Kính thưa đồng chí chủ trì, thưa các đồng chí!",
    "kính đề nghị {addressee} nghiên cứu, tiếp thu các ý kiến trên khi hoàn thiện văn bản",
)
_DIRECTIVE = Profile(
    "chi_dao",
    "hội nghị quán triệt, triển khai",
    "Kính thưa đồng chí chủ trì hội nghị, thưa các đồng chí!",
    "kính đề nghị {addressee} quan tâm lãnh đạo, chỉ đạo để các đề xuất trên sớm đi vào thực tiễn",
)
_WORKING = Profile(
    "lam_viec",
    "cuộc họp",
    "Kính thưa đồng chí chủ trì, thưa các đồng chí!",
    "kính đề nghị {addressee} quan tâm, tạo điều kiện để các đề xuất trên được triển khai",
)
PROFILES: dict[str, Profile] = {
    "topic_guide": _CONFERENCE,
    **dict.fromkeys(("nghi_quyet", "ket_luan", "chi_thi", "quyet_dinh", "huong_dan", "quy_dinh"), _DIRECTIVE),
    **dict.fromkeys(("bao_cao", "ke_hoach", "chuong_trinh", "to_trinh", "cong_van", "thong_bao"), _WORKING),
}
"""Document kind → profile; a draft (dự thảo) of any kind takes :data:`_DRAFT`."""

_PLACES = ("tinh ", "thanh pho ", "huyen ", "quan ", "xa ", "phuong ")
"""A state letterhead's second line names the place ("TỈNH CÀ MAU" under "ỦY BAN NHÂN DÂN")."""
_TO_REPORT = ("b/c", "bao cao")
"""A recipient marked "(để b/c)" is a body the document reports to: the issuer's superior."""


def _clean(name: str, doc: Document) -> str:
    """One line, parenthesised remarks dropped, a letterhead's capitals as the body text writes the name:
    "ĐẢNG ĐOÀN QUỐC HỘI" → "Đảng đoàn Quốc hội" (found in the text; only the first letter capital if not)."""
    name = " ".join(name.split())
    if "(" in name:
        name = name[: name.index("(")].strip()
    if not name.isupper():
        return name
    pattern = r"\s+".join(re.escape(w) for w in name.split())
    for match in re.finditer(pattern, doc.text, re.IGNORECASE):
        if not match.group(0).isupper():
            return " ".join(match.group(0).split())
    return name[:1] + name[1:].lower()


def profile_of(doc: Document | None) -> Profile:
    """The profile of ``doc``'s kind: a draft is read as a draft whatever its kind."""
    if doc is None:
        return _WORKING
    meta = doc.meta
    if fold(meta.kind_label).startswith("du thao"):
        return _DRAFT
    kind = meta.kind or ("topic_guide" if doc.doc_type == "topic_guide" else "")
    return PROFILES.get(kind, _WORKING)


def issuer_of(doc: Document | None) -> str:
    """The body that issued ``doc`` ("Đảng đoàn Quốc hội"), with the body above it when the issuer is an office
    of it ("Văn phòng" under "Đảng ủy Chính phủ" reads "Văn phòng Đảng ủy Chính phủ"); "" when the header has none."""
    if doc is None:
        return ""
    issuer, parent = _clean(doc.meta.issuer, doc), _clean(doc.meta.parent_issuer, doc)
    if issuer and parent and fold(issuer).startswith(_PLACES):  # "ỦY BAN NHÂN DÂN" over "TỈNH CÀ MAU"
        return f"{parent} {issuer[:1].lower()}{issuer[1:]}"
    if issuer and parent and len(issuer.split()) <= 2:
        return f"{issuer} {parent}"
    return issuer


def superior_of(doc: Document | None) -> str:
    """The body above the issuer: the letterhead's parent line, else the first recipient the document reports to."""
    if doc is None:
        return ""
    parent = _clean(doc.meta.parent_issuer, doc)
    if parent and not fold(doc.meta.issuer).startswith(_PLACES):
        return parent
    for recipient in doc.meta.recipients:
        if any(mark in fold(recipient) for mark in _TO_REPORT):
            return _clean(recipient, doc)
    return ""


def addressee_of(doc: Document | None) -> str:
    """Whom the closing's recommendations go to: a guide's conference, otherwise the document's issuer."""
    profile = profile_of(doc)
    if profile is _CONFERENCE:
        return issuer_of(doc) or "Đoàn Chủ tịch hội nghị"
    return issuer_of(doc) or "cấp ủy, cơ quan có thẩm quyền"
