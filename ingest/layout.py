"""Layout hints: one character per line that loaders attach to the text they recover.

Plain text says nothing about where a paragraph ends, so ``ingest.paragraphs`` has to guess
from line widths and what the next line starts with. Loaders that know more say so, one
mark per line of each page (``LoadedDocument.marks``):

- ``o`` / ``O``: a PDF/OFD line that reaches the right edge of the text column, so the
  paragraph may go on (``O``: the line itself starts indented, i.e. opens a paragraph);
- ``e`` / ``E``: a line that ends a little short of the edge (a few characters): full in
  a ragged or character-counted layout, or a paragraph's last line; the text decides;
- ``c`` / ``C``: a line that ends well short of the edge (or before a paragraph gap): the
  paragraph ends here;
- ``p``: a whole paragraph (a DOCX paragraph, an HTML block): never joined to a neighbour;
- ``s``: a line after a manual line break inside a DOCX paragraph (a title broken by hand,
  a signature block): joined to the line before unless it opens a block or that line is complete;
- ``t``: a whole table-of-contents entry (a DOCX TOC style);
- ``r``: a whole table row, already written as "列名：值；列名：值";
- ``n``: a whole footnote text;
- ``.``: nothing known (decide from the text).
"""

from __future__ import annotations

from collections.abc import Sequence

UNKNOWN = "."
OPEN, OPEN_INDENTED = "o", "O"
CLOSED, CLOSED_INDENTED = "c", "C"
NEAR, NEAR_INDENTED = "e", "E"
PARAGRAPH = "p"
SOFT_BREAK = "s"
TOC = "t"
TABLE_ROW = "r"
NOTE = "n"

# Marks of lines that are complete paragraphs by themselves.
WHOLE = frozenset(PARAGRAPH + TOC + TABLE_ROW + NOTE)
GEOMETRY = frozenset(OPEN + OPEN_INDENTED + CLOSED + CLOSED_INDENTED + NEAR + NEAR_INDENTED)


def line_mark(*, reaches_edge: bool, indented: bool, near_edge: bool = False) -> str:
    """The mark of a typeset line from its geometry."""
    if reaches_edge:
        return OPEN_INDENTED if indented else OPEN
    if near_edge:
        return NEAR_INDENTED if indented else NEAR
    return CLOSED_INDENTED if indented else CLOSED


def is_indented(mark: str) -> bool:
    """True for a typeset line that starts indented (a paragraph's first line, a centred line)."""
    return mark in (OPEN_INDENTED, CLOSED_INDENTED, NEAR_INDENTED)


def page_marks(pages: Sequence[str], marks: Sequence[str]) -> list[str]:
    """One mark string per page, as long as the page's line count; unknown ('.') where missing."""
    out = []
    for index, page in enumerate(pages):
        count = page.count("\n") + 1
        given = marks[index] if index < len(marks) else ""
        out.append(given[:count] if len(given) >= count else given + UNKNOWN * (count - len(given)))
    return out
