"""Vietnamese text normalization shared by documents and queries.

Two spellings of the same word must become one string, or exact matching,
BM25 and the embedding cache all see different tokens for the same thing:

* Unicode NFC – text from Word/PDF often arrives decomposed (a + U+0301);
* tone-mark placement – "hoà"/"hòa", "thuỷ"/"thủy", "khoẻ"/"khỏe" are both
  in use. We unify on the placement the corpus and most state documents
  use (hòa, thủy, khỏe; the brief calls it "modern"; linguists call it the
  traditional or "old" style). Misplaced marks such as "qủa" (mark on the
  u of the consonant "qu") or "gìa" are corrected too;
* the look-alike Icelandic eth (Ð/ð), which some legacy converters emit
  instead of Đ/đ.

Every rule rewrites a character into exactly one character, so after the
NFC step the length never changes; all offsets refer to the returned text.

Why not underthesea ``text_normalize``: it re-tokenizes and re-joins the
text – "đạt 100%; thuỷ lợi (7,5%)." comes back as "đạt 100 % ; thủy lợi
( 7,5 % ) ." – so document offsets, quotes and punctuation spacing would no
longer match the source. It is not used on documents; our own
character-level rules are applied to documents and queries alike (the
query side may still use it on a copy, e.g. for diacritic restoration).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

TONE_MARKS = {
    "\u0300": "huyền",
    "\u0301": "sắc",
    "\u0303": "ngã",
    "\u0309": "hỏi",
    "\u0323": "nặng",
}
"""Combining tone marks (as they appear after NFD)."""

VOWELS = set("aăâeêioôơuưy")
MARKED_VOWELS = set("ăâêôơư")
"""Vowels with a hat/breve/horn; they attract the tone mark."""

INITIALS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", *"bcdđghklmnprstvx")
FINALS = ("ch", "ng", "nh", "c", "m", "n", "p", "t")
_NUCLEI_TEXT = """
a ă â e ê i o ô ơ u ư y
ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi oo ua uâ uê ui uô uơ uy ưa ưi ưu ươ yê
iêu yêu oai oay oeo uây uôi uya uyê uyu ươi ươu
"""
NUCLEI = frozenset(_NUCLEI_TEXT.split())
"""Vowel clusters that form a Vietnamese syllable nucleus (tone marks removed)."""

LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})
"""Icelandic Ð/ð → Vietnamese Đ/đ."""

_WORD = re.compile(r"[^\W\d_]+")


def split_tone(char: str) -> tuple[str, str]:
    """("ấ") → ("â", "\\u0301"): the letter without its tone, and the tone mark ("" if none)."""
    decomposed = unicodedata.normalize("NFD", char)
    tones = "".join(c for c in decomposed if c in TONE_MARKS)
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
    return base, tones


def parse_syllable(word: str) -> tuple[str, str, str] | None:
    """Split a toneless lowercase syllable into (initial, nucleus, final), or None if not Vietnamese."""
    initial = next((i for i in INITIALS if word.startswith(i)), "")
    if initial == "gi" and not any(c in VOWELS for c in word[2:]):
        initial = "g"  # "gì", "gìn": the i is the vowel
    rest = word[len(initial) :]
    final = next((f for f in FINALS if rest.endswith(f) and len(rest) > len(f)), "")
    nucleus = rest[: len(rest) - len(final)]
    if nucleus not in NUCLEI:
        return None
    return initial, nucleus, final


def tone_position(nucleus: str, final: str) -> int:
    """Index in the nucleus that carries the tone (hòa/thủy placement)."""
    if "ươ" in nucleus:
        return nucleus.index("ơ")
    marked = [i for i, c in enumerate(nucleus) if c in MARKED_VOWELS]
    if marked:
        return marked[-1]
    if final or len(nucleus) == 1:
        return len(nucleus) - 1
    return 1 if len(nucleus) == 3 else 0  # open: "hòa", "thủy", "ngoài", "khuya"


@lru_cache(maxsize=1 << 16)
def is_vietnamese_syllable(word: str) -> bool:
    """True when ``word`` is a well-formed Vietnamese syllable with at most one tone mark."""
    parts = [split_tone(c) for c in unicodedata.normalize("NFC", word).lower()]
    if sum(len(t) for _, t in parts) > 1:
        return False
    return parse_syllable("".join(b for b, _ in parts)) is not None


@lru_cache(maxsize=1 << 16)
def place_tone(word: str) -> str:
    """Move the single tone mark of one syllable to its standard vowel; other words are returned unchanged.

    Cached: a document repeats a few thousand distinct words many times.
    """
    if word.isascii():
        return word
    parts = [split_tone(c) for c in word]
    tones = [t for _, t in parts if t]
    if len(tones) != 1 or len(tones[0]) != 1:
        return word
    bases = "".join(b for b, _ in parts)
    parsed = parse_syllable(bases.lower())
    if parsed is None:
        return word
    initial, nucleus, final = parsed
    target = len(initial) + tone_position(nucleus, final)
    current = next(i for i, (_, t) in enumerate(parts) if t)
    if target == current:
        return word
    toned = unicodedata.normalize("NFC", bases[target] + tones[0])
    return bases[:target] + toned + bases[target + 1 :]


def normalize_text(text: str) -> str:
    """NFC, Đ look-alikes fixed, tone marks placed uniformly (hoà→hòa, thuỷ→thủy, qủa→quả).

    Used on document text and on queries, so both meet in the same spelling.
    """
    text = unicodedata.normalize("NFC", text).translate(LOOKALIKES)
    return _WORD.sub(lambda m: place_tone(m.group(0)), text)


def _strip_char(char: str) -> str:
    if char in "đĐ":
        return "d" if char == "đ" else "D"
    decomposed = unicodedata.normalize("NFD", char)
    if len(decomposed) > 1 and all(unicodedata.combining(c) for c in decomposed[1:]):
        return decomposed[0]
    return char


def _lower_char(char: str) -> str:
    low = char.lower()
    return low if len(low) == 1 else char


class _CharTable(dict[int, str]):
    """A ``str.translate`` table filled on first sight of each character (one character out per character in)."""

    def __init__(self, per_char: Callable[[str], str]) -> None:
        super().__init__()
        self.per_char = per_char

    def __missing__(self, code: int) -> str:
        out = self[code] = self.per_char(chr(code))
        return out


_STRIP = _CharTable(_strip_char)
_LOWER_STRIP = _CharTable(lambda c: _strip_char(_lower_char(c)))


def strip_diacritics(text: str) -> str:
    """Remove tone and vowel marks (ế→e, ư→u, đ→d); one character out per character in, so offsets survive."""
    return text.translate(_STRIP)


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """THE comparison key of the project: NFC, Đ look-alikes fixed, diacritics removed (đ→d), lowercase,
    runs of whitespace collapsed to one space ("Thủy  LỢI\nĐột phá" → "thuy loi dot pha").

    rag and eval import it; never re-implement it. Use :func:`strip_diacritics` when offsets must survive.
    Answering folds the same sentences many times: the last 65,536 results are kept.
    """
    text = unicodedata.normalize("NFC", text).translate(LOOKALIKES)
    return " ".join(text.translate(_LOWER_STRIP).split())


_CODE_TOKEN = re.compile(r"[^\W_]+(?:[-/&.][^\W_]+)*\.?")
_JOINER = re.compile(r"([-/&.])")
DOTTED_ABBREVIATIONS = frozenset({"tp", "tx", "tt", "q", "p", "ts", "ths", "pgs", "gs", "bs", "ks", "th"})
"""Folded abbreviations written with a dot before a name ("TP. Hồ Chí Minh", "PGS. TS."): the dot is kept."""


def _strong(run: str) -> bool:
    """A run that belongs to a code: it has a digit, is all capitals, or has two capitals ("TTr", "ĐMST")."""
    return any(c.isdigit() for c in run) or run.isupper() or sum(c.isupper() for c in run) >= 2


def _split_code(token: str) -> list[str]:
    """Split "kinh-tế" at its joiner but keep "36-NQ/TW", "KH&CN", "12/TTr-BNV", "1.500" whole: a joiner
    stays when the runs on both sides are strong (digits or capitals)."""
    pieces = _JOINER.split(token)
    parts = [pieces[0]]
    for i in range(1, len(pieces), 2):
        joiner, run = pieces[i], pieces[i + 1]
        left = pieces[i - 1]
        if run and _strong(left) and _strong(run):
            parts[-1] += joiner + run
        else:
            parts.append(run)
    return [p for p in parts if p]


def fold_tokens(text: str) -> list[str]:
    """Folded tokens with document codes kept whole: "Nghị quyết 36-NQ/TW" → ["nghi", "quyet", "36-nq/tw"].

    A token is a run of letters/digits; "-", "/", "&" and "." join runs when a digit or capital sits on both
    sides, so "KH&CN" → "kh&cn", "12/TTr-BNV" → "12/ttr-bnv", "TP. Hồ Chí Minh" → ["tp.", "ho", "chi", "minh"]
    (the dot of a known abbreviation is kept). Sentence-final dots are dropped.
    """
    text = unicodedata.normalize("NFC", text).translate(LOOKALIKES)
    tokens: list[str] = []
    for match in _CODE_TOKEN.finditer(text):
        raw = match.group(0)
        dotted = raw.endswith(".") and fold(raw[:-1]) in DOTTED_ABBREVIATIONS
        for part in _split_code(raw.rstrip(".")):
            tokens.append(fold(part))
        if dotted:
            tokens[-1] += "."
    return [t for t in tokens if t]


@lru_cache(maxsize=1)
def _acronym_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    from ingest.wordlists import ACRONYMS

    written = {fold(short): full for short, full in ACRONYMS.items()}
    alternatives = sorted({*ACRONYMS, *(strip_diacritics(a) for a in ACRONYMS)}, key=len, reverse=True)
    # not inside a document code: the "UBND" of "2820/QĐ-UBND" names the issuer's code, not a phrase
    body = "|".join(re.escape(a) for a in alternatives)
    return re.compile(rf"(?<![\w&/-])(?:{body})(?![\w&]|[/-]\w)", re.IGNORECASE), written


@lru_cache(maxsize=1 << 16)
def spell_out(text: str) -> str:
    """``text`` with the administrative acronyms of :data:`ingest.wordlists.ACRONYMS` written out ("UBND tỉnh" →
    "Ủy ban nhân dân tỉnh"): a question and a sentence that write one differently then compare equal. Codes keep
    theirs ("2820/QĐ-UBND")."""
    pattern, written = _acronym_pattern()
    plain = text == strip_diacritics(text)  # typed without marks: written out without them too

    def full(m: re.Match[str]) -> str:
        found = written.get(fold(m.group(0)), m.group(0))
        return strip_diacritics(found) if plain else found

    return pattern.sub(full, text)
