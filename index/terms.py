"""Mining dictionary terms from the corpus at index time.

Government documents coin their own short names (“一网统管”, “粤省事”, 以下简称“市政数局”)
that jieba's general dictionary splits apart; the documents mark them with quotes or an
abbreviation clause, so they can be harvested instead of hand-listed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_QUOTED = re.compile(r"[“\"「]([\w\u4e00-\u9fff+]{2,10})[”\"」]")
_ABBREVIATION = re.compile(r"以下简称[“\"《]?([\w\u4e00-\u9fff+]{2,10})[”\"》]?")
_HAS_HAN = re.compile(r"[\u4e00-\u9fff]")


def mine_terms(texts: Iterable[str], min_count: int = 1) -> list[str]:
    """Quoted coinages and declared abbreviations of the corpus, sorted, spaces removed."""
    counts: Counter[str] = Counter()
    for text in texts:
        compact = re.sub(r"\s+", "", text)
        for pattern in (_QUOTED, _ABBREVIATION):
            counts.update(m.group(1) for m in pattern.finditer(compact) if _HAS_HAN.search(m.group(1)))
    return sorted(term for term, n in counts.items() if n >= min_count)
