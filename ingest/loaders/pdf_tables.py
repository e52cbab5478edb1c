"""Ruled tables of PDF pages (pdfplumber), as grids of cells.

Only pages that draw enough lines to hold a table are handed to pdfplumber (its layout
analysis costs about a tenth of a second a page); a table needs two rows and two columns.
Boxes come back in PDF points with the origin at the bottom left, like ``pdf_layout``'s.
"""

from __future__ import annotations

import time
from pathlib import Path

from ingest.tables import Grid, grid_from_boxes

Box = tuple[float, float, float, float]  # left, bottom, right, top


def find_tables(path: Path, page_indexes: list[int], budget_s: float = float("inf")) -> tuple[dict[int, list[tuple[Box, Grid]]], int | None]:
    """Tables on the given pages (0-based): ``({page index: [(box, grid)] top to bottom},
    first page left unread)``; pages are read until ``budget_s`` seconds are spent (the
    second item is None when every page was read)."""
    if not page_indexes:
        return {}, None
    import pdfplumber  # heavy (pdfminer): only for PDFs that draw tables

    found: dict[int, list[tuple[Box, Grid]]] = {}
    deadline = time.monotonic() + budget_s
    with pdfplumber.open(path) as pdf:
        for index in page_indexes:
            if time.monotonic() > deadline:
                return found, index
            page = pdf.pages[index]
            height = float(page.height)
            tables = []
            for table in page.find_tables():
                boxes = []
                for row, texts in zip(table.rows, table.extract()):
                    for cell, text in zip(row.cells, texts):
                        if cell is not None:
                            boxes.append((cell, text or ""))
                grid = grid_from_boxes(boxes)
                if grid.height < 2 or grid.width < 2:
                    continue
                x0, top, x1, bottom = table.bbox
                tables.append(((x0, height - bottom, x1, height - top), grid))
            if tables:
                found[index] = sorted(tables, key=lambda item: -item[0][3])
    return found, None
