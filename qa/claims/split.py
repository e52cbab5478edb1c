"""Split a pasted paragraph into atomic claims.

Sentences first (``qa.sentences.split_sentences``, which already cuts at ；), then the
clauses a report chains with ``，并`` / ``，同时`` / ``。同时`` — but only where each side holds
its own fact, so "已建成平台，并对各单位开放使用" stays one claim while
"汇聚数据超360亿条，同时形成目录4384个" becomes two.
"""

from __future__ import annotations

import re

from qa.claims.facts import extract_facts
from qa.sentences import split_sentences

# A clause joined by one of these may be a claim of its own.
_JOINERS = re.compile(r"[，,](?=并且|并|同时|此外|另外)|(?<=[，,])(?=其中)")
_MIN_CLAIM_CHARS = 6
_TRAILING = "。！？；;!?，, "
_CONNECTIVE = re.compile(r"^(?:并且|并|同时|此外|另外)[，,]?")


def _holds_fact(clause: str) -> bool:
    """A clause with an amount, a date, a grade, a rank or a named body states a fact."""
    return any(f.kind in ("number", "year", "date", "grade", "rank", "body") for f in extract_facts(clause))


def _clauses(sentence: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _JOINERS.finditer(sentence):
        pieces.append(sentence[start: match.start()])
        start = match.end()
    pieces.append(sentence[start:])
    pieces = [p.strip(_TRAILING) for p in pieces]
    if len(pieces) > 1 and all(len(p) >= _MIN_CLAIM_CHARS and _holds_fact(p) for p in pieces):
        return [_CONNECTIVE.sub("", p) for p in pieces]
    return [sentence.strip(_TRAILING)]


def split_claims(paragraph: str) -> list[str]:
    """Atomic claims of ``paragraph``, in order; fragments too short to assert anything dropped."""
    claims: list[str] = []
    for start, end in split_sentences(paragraph):
        for clause in _clauses(paragraph[start:end]):
            if len(clause) >= _MIN_CLAIM_CHARS:
                claims.append(clause)
    return claims
