"""Word segmentation for the lexical (BM25) index.

Vietnamese writes one syllable per space-separated token, but meaning lives
in multi-syllable words ("giải ngân", "đầu tư công"). underthesea joins
them with "_" so BM25 can match "giải_ngân" as one term. The text is split
into sentences first: underthesea's tokenizer otherwise glues words across
a sentence end ("?_Ông").
"""

from __future__ import annotations

import re
import string
from functools import lru_cache

_PUNCT_ONLY = re.compile(r"^[\W_]+$")
_EDGE_PUNCT = string.punctuation + "“”‘’«»…–—"


@lru_cache(maxsize=1)
def _tools():  # through the one door to underthesea (ingest/underthesea_tools.py), which loads only the tokenizers
    from ingest.underthesea_tools import sent_tokenize, word_tokenize

    return sent_tokenize, word_tokenize


def _clean_token(token: str) -> str:
    """Drop punctuation parts of a token ("?_ông" → "ông", "a." → "a"); keep inner punctuation ("6,42")."""
    parts = [p.strip(_EDGE_PUNCT) for p in token.split("_")]
    return "_".join(p for p in parts if p and not _PUNCT_ONLY.match(p))


def segment_words(text: str) -> str:
    """Lowercased words, compounds joined with "_", punctuation dropped, one space between words."""
    if not text.strip():
        return ""
    sent_tokenize, word_tokenize = _tools()
    words: list[str] = []
    for sentence in sent_tokenize(text):
        for token in word_tokenize(sentence, format="text").split():
            cleaned = _clean_token(token.lower())
            if cleaned:
                words.append(cleaned)
    return " ".join(words)
