"""OCR for image-only PDF pages (scans) and for pictures on text pages, with rapidocr-onnxruntime.

A scanned page is one embedded image, which pypdf hands over already decoded (under
its image buffer limit), so no renderer is needed. RapidOCR returns text boxes in
detection order; they are regrouped into lines top-to-bottom, left-to-right. Boxes far
apart on one line are separate cells: a run of such lines is read as a table (rows of
"列名：值"), and otherwise the cells stay apart by a space. A picture whose text holds no
sentence (a sample form of "XXXXXXX" placeholders, a chart's labels) is left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pypdf
from pypdf import PageObject
from pypdf.errors import LimitReachedError, PyPdfError

from ingest.layout import TABLE_ROW, UNKNOWN
from ingest.limits import LoadLimits
from ingest.tables import Cell, Grid
from policyqa.errors import IngestError, ResourceLimitError
from policyqa.records import LoadedDocument

# Images smaller than this are logos, stamps or rules, not scanned text.
_MIN_IMAGE_SIDE = 200
# Two boxes are on one line when their vertical overlap covers this share of the shorter box.
_SAME_LINE_OVERLAP = 0.5
# Boxes on one line further apart than this many box heights are different cells.
_CELL_GAP = 1.0
# A table: this many consecutive lines of two or more cells.
_MIN_TABLE_ROWS = 3
# Placeholder text of sample forms ("XXXXXXXX文件") and what makes a line a sentence.
_PLACEHOLDER = re.compile(r"[XxＸｘ×]")
_PLACEHOLDER_SHARE = 0.4
_MIN_SENTENCE_IDEOGRAPHS = 6
_CAPTION = re.compile(r"^[图表]\s*(?:[A-Z][.．]?)?\d+(?:[.．]\d+)*")
_IDEOGRAPH = re.compile(r"[\u3400-\u9fff]")

Box = tuple[float, float, float, float]  # left, top, right, bottom

# OCR reads the hexagonal brackets of a 文号 (东财函〔2021〕1159号) as parentheses; the
# document number is what metadata extraction and citations key on, so restore them.
_DOC_NUMBER_BRACKETS = re.compile(r"([\u4e00-\u9fff]{1,10})\s*[（(［\[【]\s*((?:19|20)\d{2})\s*[）)］\]】]\s*(\d{1,5})\s*号")


@lru_cache(maxsize=1)
def _engine():
    # Loading the ONNX models takes ~0.5 s and ~150 MB: only on the first scanned page.
    from rapidocr_onnxruntime import RapidOCR

    # One thread: onnxruntime's pool spin-waits, and on a busy 2-core machine that halved
    # throughput (measured 20 s vs 11 s per page); ingest parallelism belongs to callers.
    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)


def _bounds(points: Sequence[Sequence[float]]) -> Box:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _same_line(a: Box, b: Box) -> bool:
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    shorter = min(a[3] - a[1], b[3] - b[1])
    return shorter > 0 and overlap >= _SAME_LINE_OVERLAP * shorter


def _join_words(parts: Sequence[str]) -> str:
    text = ""
    for part in parts:
        # Chinese needs no spaces between boxes; Latin words and numbers do.
        if text and text[-1].isascii() and text[-1].isalnum() and part[:1].isascii() and part[:1].isalnum():
            text += " "
        text += part
    return text


def _cells(line: list[tuple[Box, str]]) -> list[tuple[Box, str]]:
    """Merge the boxes of one line into cells: boxes closer than a gap are one cell."""
    cells: list[tuple[Box, str]] = []
    for box, text in sorted(line, key=lambda item: item[0][0]):
        if cells:
            last_box, last_text = cells[-1]
            height = min(last_box[3] - last_box[1], box[3] - box[1])
            if box[0] - last_box[2] <= _CELL_GAP * height:
                merged = (last_box[0], min(last_box[1], box[1]), box[2], max(last_box[3], box[3]))
                cells[-1] = (merged, _join_words([last_text, text]))
                continue
        cells.append((box, text))
    return cells


def _grouped_lines(detections) -> list[list[tuple[Box, str]]]:
    boxes = sorted(((_bounds(points), text) for points, text in detections if text.strip()),
                   key=lambda item: (item[0][1] + item[0][3]) / 2)
    lines: list[list[tuple[Box, str]]] = []
    for box, text in boxes:
        if lines and any(_same_line(box, other) for other, _ in lines[-1]):
            lines[-1].append((box, text))
        else:
            lines.append([(box, text)])
    return lines


def _table_grid(rows: list[list[tuple[Box, str]]]) -> Grid:
    """Rows of cells → a grid whose columns are the header row's cells."""
    header = rows[0]
    cells = []
    for r, row in enumerate(rows):
        for box, text in row:
            centre = (box[0] + box[2]) / 2
            col = min(range(len(header)), key=lambda c: _distance(centre, header[c][0]))
            cells.append(Cell(restore_doc_number_brackets(text), r, col))
    return Grid(cells, header_rows=1)


def _distance(x: float, box: Box) -> float:
    return 0.0 if box[0] <= x <= box[2] else min(abs(x - box[0]), abs(x - box[2]))


def read_detections(detections) -> tuple[list[str], str]:
    """OCR boxes → ``(lines, marks)``: a run of multi-cell lines is a table ("r" rows),
    other lines are text ("."), their cells kept apart by a space."""
    rows = [_cells(line) for line in _grouped_lines(detections)]
    lines: list[str] = []
    marks: list[str] = []
    index = 0
    while index < len(rows):
        end = index
        while end < len(rows) and len(rows[end]) >= 2:
            end += 1
        if end - index >= _MIN_TABLE_ROWS:
            for line in _table_grid(rows[index:end]).row_lines():
                lines.append(line)
                marks.append(TABLE_ROW)
            index = end
            continue
        text = " ".join(restore_doc_number_brackets(cell) for _, cell in rows[index])
        lines.append(text)
        marks.append(UNKNOWN)
        index += 1
    return lines, "".join(marks)


def is_placeholder(line: str) -> bool:
    """A line of a sample form: mostly X placeholders ("XXXXXXXX文件")."""
    visible = [c for c in line if not c.isspace()]
    return bool(visible) and sum(1 for c in visible if _PLACEHOLDER.match(c)) >= _PLACEHOLDER_SHARE * len(visible)


def holds_sentences(lines: list[str], marks: str) -> bool:
    """Whether OCR text is worth indexing: a table, or a line of real words that is no caption."""
    if TABLE_ROW in marks:
        return True
    return any(
        len(_IDEOGRAPH.findall(_PLACEHOLDER.sub("", line))) >= _MIN_SENTENCE_IDEOGRAPHS
        and not is_placeholder(line) and not _CAPTION.match(line.strip())
        for line in lines
    )


def ocr_image(image) -> tuple[list[str], str]:
    """OCR one PIL image → ``(lines, marks)``; placeholder lines dropped, and nothing at all
    when what is left holds no sentence (a figure)."""
    result, _ = _engine()(np.asarray(image.convert("RGB")))
    detections = [(points, text) for points, text, _score in result or ()]
    lines, marks = read_detections(detections)
    kept = [(line, mark) for line, mark in zip(lines, marks) if not is_placeholder(line)]
    lines, marks = [line for line, _ in kept], "".join(mark for _, mark in kept)
    if not holds_sentences(lines, marks):
        return [], ""
    return lines, marks


def restore_doc_number_brackets(line: str) -> str:
    """``东财函（2021）1159号`` → ``东财函〔2021〕1159号`` (the printed form)."""
    return _DOC_NUMBER_BRACKETS.sub(r"\1〔\2〕\3号", line)


def order_ocr_lines(detections: Sequence[tuple[Sequence[Sequence[float]], str]]) -> list[str]:
    """Group OCR boxes ``(corner points, text)`` into reading-order lines of text (cells far
    apart on a line are kept apart by a space)."""
    return [" ".join(text for _, text in _cells(line)) for line in _grouped_lines(detections)]


class OcrPdfLoader:
    """Reads every page of a PDF by OCR of its scanned images."""

    def __init__(self, limits: LoadLimits = LoadLimits()):
        self._limits = limits

    def read_page(self, page: PageObject, source: str) -> str:
        """OCR text of one page's scanned image(s), in reading order ("" when it has none)."""
        return self.read_page_marked(page, source)[0]

    def read_page_marked(self, page: PageObject, source: str) -> tuple[str, str, bool]:
        """``(text, marks, figure)`` of a scanned page; ``figure`` is True when its images
        held text but no sentence, so it was left out."""
        try:
            images = [image.image for image in page.images]
        except LimitReachedError as exc:
            raise ResourceLimitError(source, f"扫描页图像超出解析限制：{exc}") from exc
        except (PyPdfError, ValueError, OSError, KeyError, TypeError) as exc:
            raise IngestError(source, f"扫描页图像无法解码：{exc}") from exc
        lines: list[str] = []
        marks = ""
        read_any = False
        for image in images:
            if image is None or min(image.size) < _MIN_IMAGE_SIDE:
                continue
            read_any = True
            found, found_marks = ocr_image(image)
            lines.extend(found)
            marks += found_marks
        return "\n".join(lines), marks, read_any and not lines

    def load(self, path: Path) -> LoadedDocument:
        """OCR all pages of ``path``; page numbers are list positions + 1."""
        from ingest.loaders.pdf import open_pdf, pypdf_limits

        with pypdf.apply_configuration(**pypdf_limits(self._limits)):
            reader = open_pdf(path, self._limits)
            pages = tuple(self.read_page(page, path.name) for page in reader.pages)
        return LoadedDocument(source=path.name, pages=pages, ocr=True,
                              warnings=(f"全部{len(pages)}页文字经OCR识别，引用前请核对原件",))
