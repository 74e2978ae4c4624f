"""Vietnamese text typed with pre-Unicode fonts (TCVN3/ABC and VNI), back to Unicode.

Older office documents were typed with ".VnTime" (TCVN3, also called ABC)
or "VNI-Times" fonts. The bytes are ordinary Latin-1/cp1252 characters that
only *look* Vietnamese through the font, so the extracted text reads
"Céng hoµ x· héi" (TCVN3) or "Coäng hoøa xaõ hoäi" (VNI).

Where the tables come from (written out by hand for this project):

* TCVN3: the VN3 character set of the Vietnamese standard TCVN 5712:1993
  (the subset implemented by the ABC fonts). It gives one byte per
  precomposed lowercase letter in 0xA1–0xFE and only the plain capitals
  Ă Â Ê Ô Ơ Ư Đ; capital letters *with a tone* have no code in VN3 (the
  ABC "H" fonts such as .VnTimeH draw the lowercase codes as capitals), so
  they come back as lowercase – the one lossy spot, documented in tests.
* VNI: the VNI-Windows layout by VNI Software. A toned vowel is the plain
  ASCII base letter followed by one modifier byte that combines the vowel
  mark and the tone (e.g. "a" + 0xF9 "ù" = "á", "e" + 0xE4 "ä" = "ệ");
  ơ, ư, đ and four toned i/y forms have single bytes of their own. Capital
  forms use the capital modifier bytes.

Detection does not rely on single tell-tale characters: every candidate
decoding is tried and the one that yields the most well-formed Vietnamese
syllables wins, and only if it clearly beats leaving the text alone.
"""

from __future__ import annotations

import re

from ingest.normalize import is_vietnamese_syllable

TCVN3 = "tcvn3"
VNI = "vni"
ENCODINGS = (TCVN3, VNI)

# --- TCVN3 (TCVN 5712:1993, VN3): byte -> Unicode -------------------------------------------
_TCVN3_BYTES: dict[int, str] = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}  # fmt: skip
TCVN3_DECODE: dict[str, str] = {chr(b): u for b, u in _TCVN3_BYTES.items()}
"""Character as read through Latin-1/cp1252 -> Unicode letter (0xA1–0xFE coincide in both)."""
TCVN3_ENCODE: dict[str, str] = {u: c for c, u in TCVN3_DECODE.items()}

# --- VNI-Windows ------------------------------------------------------------------------------
# Modifier bytes after a base vowel: (lowercase char, capital char) -> (vowel mark, tone).
# Vowel mark: "" none, "^" circumflex, "(" breve. Tone: "" none or one of ` ' ? ~ .
_VNI_MODIFIERS: dict[tuple[str, str], tuple[str, str]] = {
    ("ù", "Ù"): ("", "'"), ("ø", "Ø"): ("", "`"), ("û", "Û"): ("", "?"), ("õ", "Õ"): ("", "~"), ("ï", "Ï"): ("", "."),
    ("â", "Â"): ("^", ""), ("á", "Á"): ("^", "'"), ("à", "À"): ("^", "`"), ("å", "Å"): ("^", "?"),
    ("ã", "Ã"): ("^", "~"), ("ä", "Ä"): ("^", "."),
    ("ê", "Ê"): ("(", ""), ("é", "É"): ("(", "'"), ("è", "È"): ("(", "`"), ("ú", "Ú"): ("(", "?"),
    ("ü", "Ü"): ("(", "~"), ("ë", "Ë"): ("(", "."),
}  # fmt: skip
# Single VNI bytes with a letter of their own: (lowercase, capital) -> Unicode lowercase.
_VNI_SINGLES: dict[tuple[str, str], str] = {
    ("ô", "Ô"): "ơ", ("ö", "Ö"): "ư", ("ñ", "Ñ"): "đ",
    ("í", "Í"): "í", ("ì", "Ì"): "ì", ("æ", "Æ"): "ỉ", ("ó", "Ó"): "ĩ", ("ò", "Ò"): "ị", ("î", "Î"): "ỵ",
}  # fmt: skip
_TONES = {"'": "\u0301", "`": "\u0300", "?": "\u0309", "~": "\u0303", ".": "\u0323"}
_MARKS = {"^": "\u0302", "(": "\u0306"}


def _vni_tables() -> tuple[dict[str, str], dict[str, str]]:
    """(VNI sequence -> Unicode, Unicode -> VNI sequence), built from the layout above."""
    import unicodedata

    decode: dict[str, str] = {}
    for (low, cap), letter in _VNI_SINGLES.items():
        decode[low], decode[cap] = letter, letter.upper()
    bases = {"a": "a", "e": "e", "o": "o", "u": "u", "y": "y", "ô": "ơ", "ö": "ư"}
    for vni_base, letter in bases.items():
        for (low, cap), (mark, tone) in _VNI_MODIFIERS.items():
            if (mark and vni_base not in ("a", "e", "o")) or (mark == "(" and vni_base != "a"):
                continue  # only a/e/o take a circumflex, only a takes a breve
            composed = unicodedata.normalize("NFC", letter + _MARKS.get(mark, "") + _TONES.get(tone, ""))
            decode[vni_base + low] = composed
            decode[vni_base.upper() + cap] = composed.upper()
    encode = {u: seq for seq, u in decode.items()}
    return decode, encode


VNI_DECODE, VNI_ENCODE = _vni_tables()
_VNI_PATTERN = re.compile("|".join(re.escape(k) for k in sorted(VNI_DECODE, key=len, reverse=True)))
_SYLLABLE = re.compile(r"[^\W\d_]+")


def convert_legacy(text: str, encoding: str) -> str:
    """Decode text typed in a legacy font (``"tcvn3"`` or ``"vni"``) into Unicode."""
    if encoding == TCVN3:
        return "".join(TCVN3_DECODE.get(c, c) for c in text)
    if encoding == VNI:
        return _VNI_PATTERN.sub(lambda m: VNI_DECODE[m.group(0)], text)
    raise ValueError(f"unknown legacy encoding {encoding!r} (expected one of {ENCODINGS})")


def encode_legacy(text: str, encoding: str) -> str:
    """Unicode -> legacy font text; the reverse tables, used to build test fixtures."""
    if encoding == TCVN3:
        return "".join(TCVN3_ENCODE.get(c, c) for c in text)
    if encoding == VNI:
        return "".join(VNI_ENCODE.get(c, c) for c in text)
    raise ValueError(f"unknown legacy encoding {encoding!r} (expected one of {ENCODINGS})")


def vietnamese_score(text: str) -> tuple[int, int]:
    """(well-formed syllables, non-ASCII words): how Vietnamese the text reads.

    Only words with a non-ASCII character are counted, because plain ASCII
    words ("Nam", "chi") are the same in every encoding and decide nothing.
    """
    words = [w for w in _SYLLABLE.findall(text) if not w.isascii()]
    return sum(is_vietnamese_syllable(w) for w in words), len(words)


def detect_legacy_encoding(text: str, min_words: int = 3) -> str | None:
    """``"tcvn3"``/``"vni"`` when the text reads as Vietnamese only after that conversion, else None."""
    sample = text[:50_000]
    base_ok, base_total = vietnamese_score(sample)
    if base_total >= 20 and base_ok >= 0.9 * base_total:
        return None  # already reads as Unicode Vietnamese; no need to try conversions
    best, best_ok = None, base_ok
    for encoding in ENCODINGS:
        ok, _ = vietnamese_score(convert_legacy(sample, encoding))
        if ok > best_ok:
            best, best_ok = encoding, ok
    if best is None or best_ok < min_words:
        return None
    # Must win clearly: at least half again as many good syllables as the text as it stands.
    if best_ok < max(base_ok * 1.5, base_ok + min_words) or best_ok < 0.5 * max(base_total, 1):
        return None
    return best


def convert_lines(text: str, encoding: str) -> str:
    """Convert line by line, keeping lines that already read as Unicode Vietnamese.

    Office files are often mixed: an old .VnTime body with a header retyped
    in Unicode. Converting such a header blindly would corrupt it (Unicode
    "á" is byte 0xE1, which TCVN3 reads as "ỏ"), so a line is converted only
    when that gives more well-formed syllables than it has already.
    """
    out = []
    for line in text.split("\n"):
        converted = convert_legacy(line, encoding)
        if converted != line and vietnamese_score(converted)[0] > vietnamese_score(line)[0]:
            line = converted
        out.append(line)
    return "\n".join(out)
