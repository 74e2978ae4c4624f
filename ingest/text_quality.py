"""Is extracted text readable Vietnamese? Catches PDFs whose text layer comes out glyph-spaced.

When a PDF's font falls back, pypdf can return "ch ứ c", "Đi ề u" — a space around every glyph — for the whole
document: it still "has text", so nothing fails, but no word matches and no answer is found. Well-formed text is
mostly Vietnamese syllables of two to seven letters; glyph-spaced text is short fragments, many of which are not
syllables at all ("ch", "c", "nh"). The same measure decides which extractor's text to keep and when to warn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.normalize import is_vietnamese_syllable

MAX_BAD_SHARE = 0.30
"""Above this share of lower-case words that are not Vietnamese syllables, the text is not readable."""
MIN_MEAN_LETTERS = 2.4
"""Glyph-spaced text averages well under this many letters per word (normal Vietnamese prose: about 3.5)."""
MIN_WORDS = 30
"""Too few words to judge (a cover page, a table of figures): assume fine."""

_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Quality:
    """How a text reads: share of non-syllables among lower-case words, mean letters per word, word count."""

    bad_share: float
    mean_letters: float
    words: int

    @property
    def readable(self) -> bool:
        if self.words < MIN_WORDS:
            return True
        return self.bad_share <= MAX_BAD_SHARE and self.mean_letters >= MIN_MEAN_LETTERS

    def describe(self) -> str:
        """One line for the ingest report (numbers only, never document text)."""
        return (
            f"low text quality: {self.bad_share:.0%} of words are not Vietnamese syllables, "
            f"{self.mean_letters:.1f} letters per word (glyph-spaced or mis-encoded PDF text?)"
        )


def measure(text: str) -> Quality:
    """Quality of ``text``; capitalised words (names, abbreviations such as "UBND", "ĐMST") are not judged."""
    words = _WORD.findall(text)
    if not words:
        return Quality(0.0, 0.0, 0)
    lower = [w for w in words if w.islower()]
    bad = sum(1 for w in lower if not is_vietnamese_syllable(w))
    mean = sum(len(w) for w in words) / len(words)
    return Quality(bad / len(lower) if lower else 0.0, mean, len(words))


def better(a: Quality, b: Quality) -> bool:
    """True when ``a`` reads better than ``b`` (fewer broken words, then longer words)."""
    return (a.readable, -a.bad_share, a.mean_letters) > (b.readable, -b.bad_share, b.mean_letters)
