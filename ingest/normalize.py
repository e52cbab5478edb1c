"""The one text normalisation used for documents and queries at index and match time.

Its output is only ever compared, never shown: citations quote the cleaned original.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ingest.clean import repair_characters

_WHITESPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # the dictionary load is deferred to first use, not import time

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """``text`` with traditional characters folded to simplified (OpenCC t2s), nothing else changed."""
    return _t2s().convert(text)


def normalize_text(text: str) -> str:
    """Fold ``text`` for matching: repaired, NFKC, whitespace collapsed, simplified, lower-case.

    NFKC folds full-width ASCII (２０２１ → 2021, （ → "("), OpenCC t2s folds traditional
    characters so a Big5 document and a simplified query meet. The length may change.
    """
    text = unicodedata.normalize("NFKC", repair_characters(text))
    text = _WHITESPACE.sub(" ", text).strip()
    return _t2s().convert(text).lower()
