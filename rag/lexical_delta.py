"""What the lexical side adds to a saved main: the diacritic restorer's counts, kept exact under updates.

The restorer maps "giai ngan" to its most frequent accented form in the
indexed text. Its counts are sums over passages, so the restorer of a
generation is the main's counts plus the passages added since, minus the
main passages deleted since – no rescan of the collection. The main keeps
every count (not only the top few forms, as :meth:`DiacriticRestorer.save`
does), otherwise a form that climbs into the top after an update would be
missing and the result would differ from a full rebuild.
"""

from __future__ import annotations

import json
from collections import ChainMap, Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rag.diacritics import DiacriticRestorer

RESTORER_FILE = "restorer.json"
COLUMNS_FILE = "columns.json"


class RestorerCounts:
    """Full restorer counts accumulated batch by batch, so a main is built without holding every text."""

    def __init__(self) -> None:
        self.unigrams: dict[str, Counter[str]] = {}
        self.bigrams: dict[str, Counter[str]] = {}

    def add(self, texts: Iterable[str]) -> None:
        part = DiacriticRestorer.from_texts(texts)
        for mine, theirs in ((self.unigrams, part.unigrams), (self.bigrams, part.bigrams)):
            for key, counts in theirs.items():
                mine.setdefault(key, Counter()).update(counts)

    def to_json(self) -> str:
        """JSON written into a main's directory (every form, not only the most frequent)."""
        data = {
            "unigrams": {k: dict(v) for k, v in self.unigrams.items()},
            "bigrams": {k: dict(v) for k, v in self.bigrams.items()},
        }
        return json.dumps(data, ensure_ascii=False)


def restorer_json(texts: Iterable[str]) -> str:
    """Full unigram/bigram counts of ``texts`` as JSON."""
    counts = RestorerCounts()
    counts.add(texts)
    return counts.to_json()


def load_restorer(path: Path) -> DiacriticRestorer:
    """A main's restorer; raises OSError/ValueError when the file is missing or torn (the caller retries)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return DiacriticRestorer(
        {k: Counter(v) for k, v in data["unigrams"].items()}, {k: Counter(v) for k, v in data["bigrams"].items()}
    )


def _overlay(base: Mapping[str, Counter[str]], plus: dict[str, Counter[str]], minus: dict[str, Counter[str]]) -> Any:
    """``base`` with the touched keys recounted; untouched keys are shared with ``base``, not copied."""
    changed: dict[str, Counter[str]] = {}
    for key in set(plus) | set(minus):
        counts = Counter(base.get(key, Counter()))
        counts.update(plus.get(key, Counter()))
        counts.subtract(minus.get(key, Counter()))
        changed[key] = Counter({form: n for form, n in counts.items() if n > 0})
    return ChainMap(changed, base) if changed else base


def updated_restorer(main: DiacriticRestorer, added: list[str], removed: list[str]) -> DiacriticRestorer:
    """The restorer of main + ``added`` passages − ``removed`` main passages (cost ∝ those passages)."""
    if not added and not removed:
        return main
    plus = DiacriticRestorer.from_texts(added)
    minus = DiacriticRestorer.from_texts(removed)
    return DiacriticRestorer(
        _overlay(main.unigrams, plus.unigrams, minus.unigrams),
        _overlay(main.bigrams, plus.bigrams, minus.bigrams),
    )
