"""When does a retrieved chunk hold a gold quote.

The rule (issue 4): with whitespace removed, the chunk contains the quote, or at least 80% of
it as one contiguous run (longest common substring ≥ 0.8·len(quote)). The partial rule exists
because chunk boundaries may cut a quote; a chunk holding most of it still answers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable

MIN_RUN_FRACTION = 0.8

_WHITESPACE = re.compile(r"\s+")


def _load_normalizer() -> Callable[[str], str]:
    # Documents and queries are folded by ingest's normaliser at index time; matching must fold
    # the same way (Kangxi radicals, full-width forms, traditional characters) or a chunk the
    # retriever found correctly would count as a miss.
    try:
        from ingest.normalize import normalize_text
    except ImportError:  # the ingest stage is optional for matching alone
        import unicodedata

        return lambda text: unicodedata.normalize("NFKC", text)
    return normalize_text


_normalize: Callable[[str], str] | None = None


def fold_for_matching(text: str) -> str:
    """``text`` normalised like the index normalises it, with all whitespace removed."""
    global _normalize
    if _normalize is None:
        _normalize = _load_normalizer()
    return _WHITESPACE.sub("", _normalize(text))


def chunk_hits_quote(chunk_text: str, quote: str, min_fraction: float = MIN_RUN_FRACTION) -> bool:
    """True when ``chunk_text`` holds ``quote`` or a contiguous run of ≥ ``min_fraction`` of it."""
    return folded_hits(fold_for_matching(chunk_text), fold_for_matching(quote), min_fraction)


def folded_hits(folded_chunk: str, folded_quote: str, min_fraction: float = MIN_RUN_FRACTION) -> bool:
    """:func:`chunk_hits_quote` on texts already passed through :func:`fold_for_matching`.

    The longest common substring is ≥ w exactly when some window of w characters of the quote
    occurs in the chunk, so testing the (few) windows with ``in`` is exact and far faster
    than a dynamic-programming LCS over every chunk × quote pair.
    """
    if not folded_quote:
        return False
    if folded_quote in folded_chunk:
        return True
    width = math.ceil(min_fraction * len(folded_quote))
    if width > len(folded_chunk):
        return False
    return any(
        folded_quote[start : start + width] in folded_chunk
        for start in range(len(folded_quote) - width + 1)
    )


def chunk_hits_any(folded_chunk: str, folded_quotes: Iterable[str]) -> bool:
    """True when the (folded) chunk hits at least one of the (folded) quotes."""
    return any(folded_hits(folded_chunk, q) for q in folded_quotes)
