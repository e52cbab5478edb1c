"""Tables as readers read them: each data row as "列名：值；列名：值".

Every table source (DOCX cells from the XML grid, PDF tables found by pdfplumber, tables
OCR'd from a picture) ends up as a ``Grid``: rows of cells, each cell knowing the grid area
it covers. A merged cell is one cell covering several grid positions, which is the only
thing that makes two positions share a value; equal text in neighbouring cells is two
values (a 16×16 matrix of "×" keeps every "×").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPACES = re.compile(r"\s+")
_WIDE = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_WRAP_IN_CJK = re.compile(rf"(?<=[{_WIDE}])[ \t]*\n\s*(?=[{_WIDE}])")
# Characters between a column name and its value, and between two cells of a row.
NAME_VALUE = "："
CELL_SEPARATOR = "；"


@dataclass(frozen=True)
class Cell:
    """One cell: its text and the grid area it covers (``row``/``col`` is the top-left)."""

    text: str
    row: int
    col: int
    rows: int = 1
    cols: int = 1


def cell_text(text: str) -> str:
    """A cell's text on one line: a line break inside Chinese text disappears (a narrow cell
    wraps every few characters), other line breaks and runs of spaces become one space."""
    text = _WRAP_IN_CJK.sub("", (text or "").strip())
    return _SPACES.sub(" ", text).strip()


class Grid:
    """A table as a grid of positions, each pointing at the cell that covers it."""

    def __init__(self, cells: list[Cell], header_rows: int = 1, names: list[str] | None = None):
        self.cells = cells
        self.height = max((c.row + c.rows for c in cells), default=0)
        self.width = max((c.col + c.cols for c in cells), default=0)
        self.header_rows = min(max(header_rows, 1), self.height) if self.height > 1 else 0
        # A table continued from the previous page: its columns keep the first part's names
        # and every row of this part is data.
        self.names = names if names is not None and len(names) == self.width else None
        if self.names is not None:
            self.header_rows = 0
        self._at: dict[tuple[int, int], Cell] = {}
        for cell in cells:
            for r in range(cell.row, cell.row + cell.rows):
                for c in range(cell.col, cell.col + cell.cols):
                    self._at.setdefault((r, c), cell)

    def at(self, row: int, col: int) -> Cell | None:
        """The cell covering grid position (row, col), if any."""
        return self._at.get((row, col))

    def continued(self, names: list[str]) -> Grid:
        """This grid as the continuation of a table whose columns are ``names``."""
        return Grid(self.cells, 1, names)

    def column_names(self) -> list[str]:
        """One name per grid column: the header texts above it, top-down, joined by "/"."""
        if self.names is not None:
            return list(self.names)
        names = []
        for col in range(self.width):
            parts: list[str] = []
            for row in range(self.header_rows):
                cell = self.at(row, col)
                text = cell_text(cell.text) if cell is not None else ""
                if text and text not in parts:
                    parts.append(text)
            names.append("/".join(parts))
        return names

    def is_layout_box(self) -> bool:
        """A one-column or one-cell table: a frame around text, not a table of values."""
        return self.width <= 1 or len({id(c) for c in self.cells}) <= 1

    def row_lines(self) -> list[str]:
        """The data rows as "列名：值；列名：值" lines (empty cells left out)."""
        if self.height == 0:
            return []
        if self.header_rows == 0 and self.names is None:  # a single row: its cells in order
            line = CELL_SEPARATOR.join(t for t in (cell_text(c.text) for c in self._row_cells(0)) if t)
            return [line] if line else []
        names = self.column_names()
        lines = []
        for row in range(self.header_rows, self.height):
            if self.names is not None and [cell_text(c.text) for c in self._row_cells(row)] == \
                    [n for n in dict.fromkeys(names)]:
                continue  # the header repeated at the top of a continuation page
            parts = []
            for cell in self._row_cells(row):
                value = cell_text(cell.text)
                if not value:
                    continue
                spanned = [names[c] for c in range(cell.col, cell.col + cell.cols) if names[c]]
                name = "、".join(dict.fromkeys(spanned))
                parts.append(f"{name}{NAME_VALUE}{value}" if name else value)
            if parts:
                lines.append(CELL_SEPARATOR.join(parts))
        return lines

    def _row_cells(self, row: int) -> list[Cell]:
        """The cells a reader sees on ``row``, left to right: a cell merged down repeats."""
        seen: list[Cell] = []
        for col in range(self.width):
            cell = self.at(row, col)
            if cell is not None and (not seen or seen[-1] is not cell):
                seen.append(cell)
        return seen


def grid_from_boxes(boxes: list[tuple[tuple[float, float, float, float], str]], header_rows: int = 1) -> Grid:
    """A grid from cell boxes ``((x0, top, x1, bottom), text)``: a box that spans several
    column (row) boundaries is one merged cell, whatever its neighbours hold."""
    def edges(values: list[float]) -> list[float]:
        merged: list[float] = []
        for value in sorted(values):
            if not merged or value - merged[-1] > 1.5:
                merged.append(value)
        return merged

    xs = edges([b[0] for b, _ in boxes] + [b[2] for b, _ in boxes])
    ys = edges([b[1] for b, _ in boxes] + [b[3] for b, _ in boxes])

    def index(edges_: list[float], value: float) -> int:
        return min(range(len(edges_)), key=lambda i: abs(edges_[i] - value))

    cells = []
    for (x0, top, x1, bottom), text in boxes:
        col, col_end = index(xs, x0), index(xs, x1)
        row, row_end = index(ys, top), index(ys, bottom)
        cells.append(Cell(text or "", row, col, max(row_end - row, 1), max(col_end - col, 1)))
    return Grid(cells, header_rows)
