"""Sentence spans of Chinese policy text.

Answers are built from, and citations quote, whole sentences; this is the one place that
decides where a sentence ends.
"""

from __future__ import annotations

# A clause ends at these marks. "；" counts because policy text chains whole clauses
# (一是…；二是…) with it, and each clause is what a citation should quote.
_TERMINATORS = frozenset("。！？；!?;")
_OPENERS = {"《": "》", "“": "”", "（": "）", "(": ")", "〔": "〕", "「": "」", "『": "』", "【": "】", "‘": "’"}
_CLOSERS = frozenset(_OPENERS.values())
# Closing marks that belong to the sentence they follow (…。” or …！）).
_TRAILERS = frozenset("”’）)》」』】")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences of ``text``, in order.

    A sentence ends after 。！？； (and ASCII !?;) or at a line break, but never inside
    《》, “”, （）, 〔〕 and similar pairs, so titles, quotations, 文号 such as
    东政数函〔2022〕37号 and parenthesised numbers stay whole. Decimal points are not
    terminators, so numbers are never cut. Spans exclude surrounding whitespace; empty
    spans are dropped.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    depth: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            # A line break is a paragraph or heading boundary whatever the brackets say:
            # an unbalanced bracket must not swallow the rest of the document.
            _append_span(text, start, i, spans)
            start = i + 1
            depth.clear()
        elif ch in _OPENERS:
            depth.append(_OPENERS[ch])
        elif ch in _CLOSERS:
            if ch in depth:
                # Close up to the matching opener; tolerates a missing inner closer.
                while depth and depth.pop() != ch:
                    pass
        elif ch in _TERMINATORS and not depth:
            end = i + 1
            while end < n and (text[end] in _TERMINATORS or text[end] in _TRAILERS):
                end += 1
            _append_span(text, start, end, spans)
            start = end
            i = end
            continue
        i += 1
    _append_span(text, start, n, spans)
    return spans


def _append_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
