"""Find a document's table of contents, so its entries are never taken for headings.

Three signs, any of which is enough: the loader says so (a DOCX paragraph in a TOC style);
a "目录"/"目次" title followed by entries (up to the entry that repeats the first one, the
real start of the body; else the run of lines with page-number leaders); or, with no title
and no leaders, the structure itself: a run of short lines near the start whose texts come
back later, in the same order, as the paragraphs that open the body.
"""

from __future__ import annotations

import bisect
import re

from ingest.headings import is_toc_line, strip_markup
from ingest.layout import TOC

_TOC_TITLE = re.compile(r"^目\s*[录次]$")
_TOC_LEADER = re.compile(r"(?:[.…·．]{2,}|\t|\s{3,})\s*\d{1,4}\s*$")
# An entry of a table of contents is a short line; a run needs this many of them.
_MAX_ENTRY = 50
_MIN_ENTRIES = 3
# Share of a run's entries that must come back later, in order, for it to be a TOC.
_MIN_REPEATED = 0.6
# Where a table of contents can start: within this share of the paragraphs.
_SEARCH_SHARE = 0.4


def entry_key(paragraph: str) -> str:
    """A TOC entry or heading without leaders, page number and spaces ("5.1 范围 …… 3" → "5.1范围")."""
    return re.sub(r"\s+", "", _TOC_LEADER.sub("", strip_markup(paragraph)))


def find_toc(paragraphs: list[str], roles: str = "") -> set[int]:
    """Indices of the paragraphs that form the table of contents (its title included)."""
    marked = {i for i, role in enumerate(roles[: len(paragraphs)]) if role == TOC}
    if marked:
        first = min(marked)
        if first > 0 and _TOC_TITLE.match(entry_key(paragraphs[first - 1])):
            marked.add(first - 1)
        return marked
    keys = [entry_key(p) for p in paragraphs]
    titled = _titled(paragraphs, keys)
    if titled:
        return titled
    return _by_structure(keys)


def _titled(paragraphs: list[str], keys: list[str]) -> set[int]:
    for index, key in enumerate(keys):
        if not _TOC_TITLE.match(key):
            continue
        if index + 1 >= len(keys):
            return {index}
        first = keys[index + 1]
        for later in range(index + 2, len(keys)):
            if keys[later] == first and not is_toc_line(paragraphs[later]):
                return set(range(index, later))
        last = index + 1
        while last < len(paragraphs) and is_toc_line(paragraphs[last]):
            last += 1
        return set(range(index, last))
    return set()


def _by_structure(keys: list[str]) -> set[int]:
    positions: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        if key:
            positions.setdefault(key, []).append(index)
    limit = max(int(len(keys) * _SEARCH_SHARE), 1)
    for start in range(min(limit, len(keys))):
        key = keys[start]
        if not key or len(key) > _MAX_ENTRY:
            continue
        repeats = [i for i in positions.get(key, ()) if i > start + _MIN_ENTRIES - 1]
        for body in repeats:
            run = keys[start:body]
            if len(run) < _MIN_ENTRIES or any(len(entry) > _MAX_ENTRY for entry in run):
                break
            if _repeated_in_order(run, keys, body, positions) >= _MIN_REPEATED * len(run):
                return set(range(start, body))
            break
    return set()


def _repeated_in_order(run: list[str], keys: list[str], body: int, positions: dict[str, list[int]]) -> int:
    """How many entries of ``run`` come back after ``body`` in the same order (as a paragraph
    or the start of one: an inline clause "5.1.1 一般而言…" starts with its TOC entry)."""
    found, cursor = 0, body - 1
    for entry in run:
        candidates = positions.get(entry, [])
        at = bisect.bisect_right(candidates, cursor)
        if at < len(candidates):
            cursor = candidates[at]
            found += 1
            continue
        later = next((i for i in range(cursor + 1, len(keys)) if keys[i].startswith(entry)), None)
        if later is not None:
            cursor = later
            found += 1
    return found
