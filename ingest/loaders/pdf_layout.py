"""Lines of a PDF page with their geometry (pdfium), and the layout marks they earn.

A typeset paragraph shows where it ends: its lines fill the text column to the right edge
and its last line stops short; the next paragraph's first line starts indented (or after
a gap). The edges of the text column are measured over the whole document, from the lines
themselves (the most common left start and the right edge many lines reach), because one
page of short lines (a cover, a list) says nothing about the page width.
"""

from __future__ import annotations

import bisect
import math
import statistics
from dataclasses import dataclass

import pypdfium2.raw as pdfium_c

from ingest.layout import line_mark

# A line ends at the edge when it stops less than this many em before it (a justified
# line's last glyph box ends short of its advance, most of all for ，。).
_EDGE_SLACK_EM = 1.2
# A line starts indented when it begins at least this far right of the column's left edge
# (a first-line indent is 2 em; an opening bracket's side bearing is about 0.5 em).
_INDENT_EM = 0.8
# A vertical gap this many times the usual line pitch separates paragraphs (or a header).
_GAP_FACTOR = 1.7
# Lines needed at an edge position before it counts as the column's edge.
_EDGE_SUPPORT = 3
_MIN_CHARS_FOR_EDGES = 6
# Share of the lines that must end at a position for it to be the column's right edge.
_RIGHT_EDGE_SHARE = 0.1
# A line ending within this many em of the edge may still be full (ragged or char-count layouts).
_NEAR_EDGE_EM = 3.5
# ... and within this many em when the document does not indent its paragraphs' first lines
# (nothing else then shows where a paragraph starts: the text decides more often).
_NEAR_EDGE_UNINDENTED_EM = 6.0
# A digit at most this share of the line's size, raised this share of it, is a superscript.
_SUPERSCRIPT_SIZE = 0.75
_SUPERSCRIPT_RISE = 0.2
_TO_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
# Text this many times larger or smaller than its neighbour is another line (a title).
_SIZE_JUMP = 1.3


@dataclass
class Line:
    """One line of text on a page, in PDF points with the origin at the bottom left."""

    text: str
    x0: float
    x1: float
    bottom: float
    top: float
    em: float  # the font size of the line's characters (one CJK character's width)

    @property
    def middle(self) -> float:
        """The line's vertical centre."""
        return (self.bottom + self.top) / 2


Box = tuple[float, float, float, float]  # left, bottom, right, top (PDF points)


def _inside(x: float, y: float, boxes: list[Box]) -> bool:
    return any(left <= x <= right and bottom <= y <= top for left, bottom, right, top in boxes)


def page_lines(textpage, exclude: list[Box] = ()) -> list[Line]:
    """The page's text lines, top to bottom; characters inside ``exclude`` boxes are skipped.

    pdfium reports characters in content order with generated line breaks; characters on
    one baseline that arrive as separate runs are merged into one line.
    """
    count = textpage.count_chars()
    raw_lines: list[list[tuple[str, Box, float]]] = [[]]
    for index in range(count):
        code = pdfium_c.FPDFText_GetUnicode(textpage, index)
        char = chr(code) if 0 < code < 0x110000 else ""
        if char in ("\r", "\n"):
            if raw_lines[-1]:
                raw_lines.append([])
            continue
        if not char or 0xD800 <= code <= 0xDFFF:
            continue
        if char == " " and pdfium_c.FPDFText_IsGenerated(textpage, index) == 1 and _next_to_wide(textpage, index, count):
            continue  # pdfium's guess at a word gap next to Chinese text is layout (autospace), not a space
        box = textpage.get_charbox(index)
        if exclude and _inside((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, exclude):
            continue
        size = pdfium_c.FPDFText_GetFontSize(textpage, index)
        raw_lines[-1].append((char, box, size))
    lines = [line for chars in raw_lines for segment in _split_runs(chars)
             if (line := _make_line(segment)) is not None]
    return _merge_same_baseline(sorted(lines, key=lambda line: (-line.middle, line.x0)))


def _is_wide(code: int) -> bool:
    return 0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF


def _next_to_wide(textpage, index: int, count: int) -> bool:
    before = pdfium_c.FPDFText_GetUnicode(textpage, index - 1) if index > 0 else 0
    after = pdfium_c.FPDFText_GetUnicode(textpage, index + 1) if index + 1 < count else 0
    return _is_wide(before) or _is_wide(after)


def _split_runs(chars: list[tuple[str, Box, float]]) -> list[list[tuple[str, Box, float]]]:
    """Split what pdfium calls one line where the font size jumps across a wide gap (or back
    to the left): a cover's "A 13" and its big title, side by side on one band, are two lines."""
    runs: list[list[tuple[str, Box, float]]] = [[]]
    previous: tuple[str, Box, float] | None = None
    for char in chars:
        if previous is not None and not char[0].isspace():
            size, last_size = char[2] or 1.0, previous[2] or 1.0
            gap = char[1][0] - previous[1][2]
            if max(size, last_size) / min(size, last_size) > _SIZE_JUMP and (gap > max(size, last_size) or gap < 0):
                runs.append([])
        runs[-1].append(char)
        if not char[0].isspace():
            previous = char
    return runs


def _make_line(chars: list[tuple[str, Box, float]]) -> Line | None:
    visible = [(c, box, size) for c, box, size in chars if not c.isspace() and box[2] > box[0]]
    if not visible:
        return None
    sizes = [size for _, _, size in visible if size > 0]
    em = statistics.median(sizes) if sizes else max(box[3] - box[1] for _, box, _ in visible)
    em = em or 10.0
    text = "".join(_superscripts(chars, em)).strip()
    return Line(
        text=text,
        x0=min(box[0] for _, box, _ in visible),
        x1=max(box[2] for _, box, _ in visible),
        bottom=min(box[1] for _, box, _ in visible),
        top=max(box[3] for _, box, _ in visible),
        em=em,
    )


def _superscripts(chars: list[tuple[str, Box, float]], em: float) -> list[str]:
    """The line's characters, digits set small and raised written as superscripts ("m²", a
    footnote call "5.2%¹"), as the page shows them."""
    normal = [box[1] for c, box, size in chars if not c.isspace() and size >= 0.9 * em]
    if not normal:
        return [c for c, _, _ in chars]
    baseline = statistics.median(normal)
    out = []
    for char, box, size in chars:
        raised = char.isdigit() and 0 < size <= _SUPERSCRIPT_SIZE * em and box[1] >= baseline + _SUPERSCRIPT_RISE * em
        out.append(char.translate(_TO_SUPERSCRIPT) if raised else char)
    return out


def _merge_same_baseline(lines: list[Line]) -> list[Line]:
    merged: list[Line] = []
    for line in lines:
        last = merged[-1] if merged else None
        if last is not None and abs(last.middle - line.middle) < 0.3 * min(last.em, line.em) \
                and max(last.em, line.em) / min(last.em, line.em) <= _SIZE_JUMP \
                and (line.x0 >= last.x1 or last.x0 >= line.x1):
            left, right = (last, line) if last.x0 < line.x0 else (line, last)
            gap = " " if right.x0 - left.x1 > 0.25 * left.em else ""
            merged[-1] = Line(left.text + gap + right.text, left.x0, right.x1, min(left.bottom, right.bottom),
                              max(left.top, right.top), max(left.em, right.em))
        else:
            merged.append(line)
    return merged


def _supported_edge(values: list[float], tolerance: float, highest: bool, support: int = _EDGE_SUPPORT) -> float | None:
    """The highest (or lowest) value that at least ``support`` values lie close to."""
    ordered = sorted(values)
    for value in (reversed(ordered) if highest else ordered):
        near = bisect.bisect_right(ordered, value + tolerance) - bisect.bisect_left(ordered, value - tolerance)
        if near >= support:
            return value
    return None


@dataclass(frozen=True)
class Column:
    """The left and right edges of the text column (PDF points), and whether the document
    marks its paragraphs with a first-line indent (most lines after a sentence end start
    indented): where it does not, a line ending short of the edge says less."""

    left: float
    right: float
    indents: bool = True


def text_column(pages: list[list[Line]]) -> Column | None:
    """The document's text column, from the lines of all its pages."""
    lines = [line for page in pages for line in page if len(line.text) >= _MIN_CHARS_FOR_EDGES]
    if not lines:
        lines = [line for page in pages for line in page]
    if not lines:
        return None
    em = statistics.median(line.em for line in lines)
    left = _supported_edge([line.x0 for line in lines], 0.3 * em, highest=False)
    # The right edge is where many lines end (a tenth of them), not the one line that a long
    # Latin word pushed past it.
    support = max(_EDGE_SUPPORT, math.ceil(_RIGHT_EDGE_SHARE * len(lines)))
    right = _supported_edge([line.x1 for line in lines], 0.5 * em, highest=True, support=support)
    left = left if left is not None else min(line.x0 for line in lines)
    right = right if right is not None else max(line.x1 for line in lines)
    return Column(left, right, _uses_indents(pages, left))


def _uses_indents(pages: list[list[Line]], left: float) -> bool:
    starts = indented = 0
    for page in pages:
        for previous, line in zip(page, page[1:]):
            if previous.text.rstrip("”’」』）)】》").endswith(("。", "！", "？")):
                starts += 1
                indented += line.x0 - left >= _INDENT_EM * line.em
    return starts < _EDGE_SUPPORT or indented >= 0.5 * starts


def _pitch(lines: list[Line]) -> float | None:
    steps = [upper.middle - lower.middle for upper, lower in zip(lines, lines[1:])
             if 0 < upper.middle - lower.middle < 4 * upper.em]
    return statistics.median(steps) if steps else None


def page_marks(lines: list[Line], column: Column | None) -> str:
    """One ``ingest.layout`` mark per line: reaches the column edge? starts indented?"""
    if column is None:
        return "." * len(lines)
    pitch = _pitch(lines)
    marks = []
    for index, line in enumerate(lines):
        gap = column.right - line.x1
        reaches = gap <= _EDGE_SLACK_EM * line.em
        near = not reaches and gap <= (_NEAR_EDGE_EM if column.indents else _NEAR_EDGE_UNINDENTED_EM) * line.em
        following = lines[index + 1] if index + 1 < len(lines) else None
        if (reaches or near) and following is not None and pitch is not None \
                and line.middle - following.middle > _GAP_FACTOR * pitch:
            reaches = near = False  # a paragraph gap (or a header's gap) closes the line whatever its width
        indented = line.x0 - column.left >= _INDENT_EM * line.em
        marks.append(line_mark(reaches_edge=reaches, indented=indented, near_edge=near))
    return "".join(marks)
