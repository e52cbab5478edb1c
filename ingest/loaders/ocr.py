"""OCR for image-only PDF pages (scans) with rapidocr-onnxruntime.

A scanned page is one embedded image, which pypdf hands over already decoded (under
its image buffer limit), so no renderer is needed. RapidOCR returns text boxes in
detection order; they are regrouped into lines top-to-bottom, left-to-right.
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

from ingest.limits import LoadLimits
from policyqa.errors import IngestError, ResourceLimitError
from policyqa.records import LoadedDocument

# Images smaller than this are logos, stamps or rules, not scanned text.
_MIN_IMAGE_SIDE = 200
# Two boxes are on one line when their vertical overlap covers this share of the shorter box.
_SAME_LINE_OVERLAP = 0.5

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


def restore_doc_number_brackets(line: str) -> str:
    """``东财函（2021）1159号`` → ``东财函〔2021〕1159号`` (the printed form)."""
    return _DOC_NUMBER_BRACKETS.sub(r"\1〔\2〕\3号", line)


def order_ocr_lines(detections: Sequence[tuple[Sequence[Sequence[float]], str]]) -> list[str]:
    """Group OCR boxes ``(corner points, text)`` into reading-order lines of text."""
    boxes = sorted(((_bounds(points), text) for points, text in detections if text.strip()),
                   key=lambda item: (item[0][1] + item[0][3]) / 2)
    lines: list[list[tuple[Box, str]]] = []
    for box, text in boxes:
        if lines and any(_same_line(box, other) for other, _ in lines[-1]):
            lines[-1].append((box, text))
        else:
            lines.append([(box, text)])
    return [_join_words([text for _, text in sorted(line, key=lambda item: item[0][0])]) for line in lines]


class OcrPdfLoader:
    """Reads every page of a PDF by OCR of its scanned images."""

    def __init__(self, limits: LoadLimits = LoadLimits()):
        self._limits = limits

    def read_page(self, page: PageObject, source: str) -> str:
        """OCR text of one page's scanned image(s), in reading order ("" when it has none)."""
        try:
            images = [image.image for image in page.images]
        except LimitReachedError as exc:
            raise ResourceLimitError(source, f"a scanned page image exceeds a parser limit: {exc}") from exc
        except (PyPdfError, ValueError, OSError, KeyError, TypeError) as exc:
            raise IngestError(source, f"a scanned page image cannot be decoded: {exc}") from exc
        lines: list[str] = []
        for image in images:
            if image is None or min(image.size) < _MIN_IMAGE_SIDE:
                continue
            result, _ = _engine()(np.asarray(image.convert("RGB")))
            detections = [(points, text) for points, text, _score in result or ()]
            lines.extend(restore_doc_number_brackets(line) for line in order_ocr_lines(detections))
        return "\n".join(lines)

    def load(self, path: Path) -> LoadedDocument:
        """OCR all pages of ``path``; page numbers are list positions + 1."""
        from ingest.loaders.pdf import open_pdf, pypdf_limits

        with pypdf.apply_configuration(**pypdf_limits(self._limits)):
            reader = open_pdf(path, self._limits)
            pages = tuple(self.read_page(page, path.name) for page in reader.pages)
        return LoadedDocument(source=path.name, pages=pages, ocr=True,
                              warnings=(f"text of all {len(pages)} pages recovered by OCR; check quotes against the original",))
