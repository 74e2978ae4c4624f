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
from collections.abc import Container, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

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


@dataclass(frozen=True)
class RestorerDelta:
    """The restorer counts a main's delta changes, advanced by the log entries past ``seq`` only.

    Each refresh of a serving index used to recount every passage added since the main (an editor's uploads
    during a conference: thousands of passages, counted again after every commit, on the searches' GIL). This
    keeps what was counted: the text each delta passage is counted with (``counted``), the main passages whose
    main text is subtracted (``removed``), the net counts of all that (``net_*``) and the resulting counts of
    every touched key (``unigrams``/``bigrams``, read in front of the main's). Advancing reads only the new log
    entries and recounts only the keys they touch; a delta is never changed in place (a search may hold it).
    """

    main: str
    seq: int = 0
    counted: Mapping[str, str] = field(default_factory=dict)
    removed: frozenset[str] = frozenset()
    net_unigrams: Mapping[str, Counter[str]] = field(default_factory=dict)
    net_bigrams: Mapping[str, Counter[str]] = field(default_factory=dict)
    unigrams: Mapping[str, Counter[str]] = field(default_factory=dict)
    bigrams: Mapping[str, Counter[str]] = field(default_factory=dict)

    def advance(
        self,
        main: DiacriticRestorer,
        in_main: Container[str],
        entries: Sequence[tuple[int, str, str, str]],
        current: Mapping[str, str],
    ) -> RestorerDelta:
        """This delta after the log ``entries`` (seq, chunk id, op, logged text; in seq order, all past
        ``self.seq``); ``current`` holds the text of every touched passage that still exists."""
        if not entries:
            return self
        first_removal: dict[str, str] = {}
        for _seq, chunk_id, op, text in entries:
            if op == "-":
                first_removal.setdefault(chunk_id, text)
        counted, removed = dict(self.counted), set(self.removed)
        plus: list[str] = []
        minus: list[str] = []
        for chunk_id in dict.fromkeys(e[1] for e in entries):
            if chunk_id in counted:  # a delta passage touched again: its old text leaves the counts
                minus.append(counted.pop(chunk_id))
            elif chunk_id in first_removal and chunk_id in in_main and chunk_id not in removed:
                minus.append(first_removal[chunk_id])  # the first removal of a main passage logs the main's text
                removed.add(chunk_id)
            if chunk_id in current:
                plus.append(current[chunk_id])
                counted[chunk_id] = current[chunk_id]
        added, taken = DiacriticRestorer.from_texts(plus), DiacriticRestorer.from_texts(minus)
        net_uni, uni = _advanced(self.net_unigrams, self.unigrams, main.unigrams, added.unigrams, taken.unigrams)
        net_bi, bi = _advanced(self.net_bigrams, self.bigrams, main.bigrams, added.bigrams, taken.bigrams)
        return RestorerDelta(self.main, entries[-1][0], counted, frozenset(removed), net_uni, net_bi, uni, bi)

    def restorer(self, main: DiacriticRestorer) -> DiacriticRestorer:
        """The restorer of the main with this delta applied (untouched keys are the main's, not copied)."""
        if not self.unigrams and not self.bigrams:
            return main
        return DiacriticRestorer(_in_front(self.unigrams, main.unigrams), _in_front(self.bigrams, main.bigrams))


def _in_front(delta: Mapping[str, Counter[str]], main: Mapping[str, Counter[str]]) -> Mapping[str, Counter[str]]:
    """``delta``'s keys read in front of ``main``'s, neither copied."""
    # ChainMap's stub asks for MutableMapping (it writes to its first map); this one is only read. Both maps are
    # dicts (or a ChainMap) at run time, typed Mapping because nobody writes them.
    return ChainMap(cast(MutableMapping[str, Counter[str]], delta), cast(MutableMapping[str, Counter[str]], main))


def _advanced(
    net: Mapping[str, Counter[str]],
    result: Mapping[str, Counter[str]],
    base: Mapping[str, Counter[str]],
    plus: Mapping[str, Counter[str]],
    minus: Mapping[str, Counter[str]],
) -> tuple[dict[str, Counter[str]], dict[str, Counter[str]]]:
    """New net counts and resulting counts of the keys ``plus``/``minus`` touch; the others are shared."""
    net, result = dict(net), dict(result)
    for key in set(plus) | set(minus):
        counts = Counter(net.get(key, Counter()))
        counts.update(plus.get(key, Counter()))
        counts.subtract(minus.get(key, Counter()))
        net[key] = counts
        total = Counter(base.get(key, Counter()))
        total.update(counts)
        result[key] = Counter({form: n for form, n in total.items() if n > 0})
    return net, result
