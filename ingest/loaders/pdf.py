"""PDF loader: pypdf opens it under its resource limits, pdfium reads the text with its
geometry, pdfplumber finds ruled tables, RapidOCR reads scans and pictures of text.

Each page becomes lines in reading order (top to bottom), each with a layout mark
(``ingest.layout``) from its geometry, so paragraphs are rebuilt from where lines really
end and start. Tables become "列名：值" rows where they stand on the page; a picture on
a text page that holds text (a table pasted as an image) is OCR'd in place; an image-only
page is OCR'd whole. OCR'd pictures without sentences (sample forms, charts) are left out.
"""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PdfReadError, PyPdfError

from ingest.clean import is_page_number
from ingest.layout import NOTE, TABLE_ROW, UNKNOWN
from ingest.limits import LoadLimits
from ingest.loaders.pdf_layout import Line, page_lines, page_marks, text_column
from ingest.tables import Grid
from policyqa.errors import IngestError, ResourceLimitError
from policyqa.records import LoadedDocument

# A page with fewer visible characters than this but with an image is a scan (perhaps
# with a stamped page number); its image goes to OCR, the other pages keep their text.
_MIN_TEXT_CHARS_PER_PAGE = 20
# Pages drawing fewer path objects than this hold no ruled table (pdfplumber is skipped).
_MIN_PATHS_FOR_TABLE = 6
# Pictures on text pages OCR'd per document (each costs a second or two), and the share of
# the read's time limit that finding ruled tables may take.
_MAX_PICTURES = 60
_TABLE_TIME_SHARE = 0.3
# Footnotes sit below the body after a gap of this many line pitches; their labels are the
# numbers of the calls on the page, set as superscripts or plain.
_NOTE_GAP = 1.5
_SUPERSCRIPT_CALL = re.compile(r"(?<=[^\sA-Za-z])([⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3})")
_NOTE_LABEL = re.compile(r"^\s*(?:([⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3})|(\d{1,3}))(?=\s*[^\s\d.．、,，)）%])")
_PLAIN_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
# A picture on a text page is OCR'd when it is at least this big (points and pixels).
_MIN_PICTURE_POINTS = 60
_MIN_PICTURE_PIXELS = 120


def pypdf_limits(limits: LoadLimits) -> dict[str, int]:
    """pypdf configuration overrides that cap decompression at the load limits."""
    cap = limits.max_decompressed_bytes
    return {
        "maximum_declared_stream_length": cap,
        "array_based_stream_maximum_output_length": cap,
        "zlib_maximum_output_length": cap,
        "lzw_maximum_output_length": cap,
        "run_length_maximum_output_length": cap,
        "brotli_maximum_output_length": cap,
        "jbig2_maximum_output_length": cap,
        "image_maximum_buffer_size": cap,
        "stream_decoding_work_maximum_length": cap,
    }


def open_pdf(path: Path, limits: LoadLimits) -> pypdf.PdfReader:
    """Open ``path`` with pypdf, decrypting with the empty user password when needed.

    Must run inside ``pypdf.apply_configuration(**pypdf_limits(limits))``. Checks the page
    count against ``limits.max_pages``; raises ``IngestError`` subclasses naming the file.
    """
    source = path.name
    try:
        reader = pypdf.PdfReader(path, strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise IngestError(source, "PDF 已加密，需要密码才能打开")
            except (FileNotDecryptedError, NotImplementedError, DependencyError) as exc:
                raise IngestError(source, f"PDF 已加密，无法打开：{exc}") from exc
        page_count = len(reader.pages)
    except LimitReachedError as exc:
        raise ResourceLimitError(source, f"PDF 超出解析限制：{exc}") from exc
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IngestError(source, f"PDF 已损坏或不完整：{exc}") from exc
    if page_count == 0:
        raise IngestError(source, "PDF 没有页面")
    if page_count > limits.max_pages:
        raise ResourceLimitError(source, f"PDF 共 {page_count} 页，超过上限 {limits.max_pages} 页")
    return reader


class PdfLoader:
    """Reads the text layer page by page with its layout; pages without one are read by OCR."""

    def __init__(self, limits: LoadLimits = LoadLimits()):
        self._limits = limits

    def load(self, path: Path) -> LoadedDocument:
        """Return one string per PDF page (page numbers are list positions + 1) and its marks."""
        source = path.name
        with pypdf.apply_configuration(**pypdf_limits(self._limits)):
            reader = open_pdf(path, self._limits)
            for number, page in enumerate(reader.pages, start=1):
                _check_page(page, number, source, self._limits)
            document = _open_pdfium(path)
            try:
                return _Reader(path, reader, document, self._limits).read()
            finally:
                document.close()


def _open_pdfium(path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(str(path), password="")
    except pdfium.PdfiumError as exc:
        raise IngestError(path.name, f"PDF 已损坏或不完整：{exc}") from exc


class _Reader:
    """One PDF being read: its pages' lines, tables and pictures put together."""

    def __init__(self, path: Path, reader: pypdf.PdfReader, document: pdfium.PdfDocument, limits: LoadLimits):
        self.path, self.reader, self.document, self.limits = path, reader, document, limits
        self.warnings: list[str] = []
        self.ocr = False
        self.silent_pictures: set[int] = set()  # pages whose pictures held no sentence
        self.pictures_read = self.pictures_skipped = 0

    def read(self) -> LoadedDocument:
        source = self.path.name
        count = len(self.document)
        tables = self._tables(count)
        lines: list[list[Line]] = []
        for index in range(count):
            textpage = self.document[index].get_textpage()
            exclude = [box for box, _ in tables.get(index, ())]
            lines.append(page_lines(textpage, exclude))
        column = text_column(lines)
        pages, marks = [], []
        scanned, figures, pictures = [], [], []
        header: list[str] | None = None
        for index in range(count):
            visible = sum(len(line.text.replace(" ", "")) for line in lines[index])
            if visible < _MIN_TEXT_CHARS_PER_PAGE and _has_images(self.reader.pages[index]):
                text, page_mark, figure = self._ocr_page(index, source)
                (figures if figure else scanned).append(index + 1)
                pages.append(text)
                marks.append(page_mark)
                header = None
                continue
            items = [(-line.top, line.x0, line.text, mark)
                     for line, mark in zip(lines[index], page_marks(lines[index], column))]
            for box, grid in tables.get(index, ()):
                if header is not None and self._continues(items, box) and len(header) == grid.width:
                    grid = grid.continued(header)
                elif grid.header_rows:
                    header = grid.column_names()
                items += [(-box[3] + 0.001 * i, box[0], row, TABLE_ROW) for i, row in enumerate(grid.row_lines())]
            found = self._pictures(index)
            if found:
                pictures.append(index + 1)
            items += found
            items.sort(key=lambda item: (item[0], item[1]))
            items = _foot_notes(items)
            pages.append("\n".join(item[2] for item in items))
            marks.append("".join(item[3] for item in items))
            if not tables.get(index) or not items or items[-1][3] != TABLE_ROW:
                header = None
        self._warn(scanned, figures, pictures)
        title = _title_property(self.document)
        return LoadedDocument(source=source, pages=tuple(pages), ocr=self.ocr, warnings=tuple(self.warnings),
                              marks=tuple(marks), title=title)

    @staticmethod
    def _continues(items, box) -> bool:
        """A table at the top of its page (nothing but a header line above it) goes on from the
        previous page's table."""
        above = [item for item in items if item[0] < -box[3] and item[3] != TABLE_ROW]
        return len(above) <= 1

    def _tables(self, count: int) -> dict[int, list[tuple[tuple[float, float, float, float], Grid]]]:
        candidates = []
        for index in range(count):
            paths = sum(1 for obj in self.document[index].get_objects(max_depth=3)
                        if obj.type == pdfium_c.FPDF_PAGEOBJ_PATH)
            if paths >= _MIN_PATHS_FOR_TABLE:
                candidates.append(index)
        if not candidates:
            return {}
        from ingest.loaders.pdf_tables import find_tables

        try:
            # Tables get a share of the read's time limit; the rest of the pages keep their text.
            found, stopped = find_tables(self.path, candidates, budget_s=self.limits.timeout_s * _TABLE_TIME_SHARE)
        except Exception as exc:  # noqa: BLE001 - a table finder failure costs the tables, not the file
            self.warnings.append(f"表格识别失败（{type(exc).__name__}），表格按普通文字读取")
            return {}
        if stopped is not None:
            self.warnings.append(f"表格识别用时达到上限，第 {stopped + 1} 页起的表格按普通文字读取")
        return found

    def _ocr_page(self, index: int, source: str) -> tuple[str, str, bool]:
        from ingest.loaders.ocr import OcrPdfLoader  # heavy (onnxruntime): only for scans

        self.ocr = True
        return OcrPdfLoader(self.limits).read_page_marked(self.reader.pages[index], source)

    def _pictures(self, index: int) -> list[tuple[float, float, str, str]]:
        """OCR'd text of the pictures on a text page, placed where each picture stands."""
        items: list[tuple[float, float, str, str]] = []
        for obj in self.document[index].get_objects(max_depth=3):
            if obj.type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
                continue
            left, bottom, right, top = obj.get_bounds()
            if right - left < _MIN_PICTURE_POINTS or top - bottom < _MIN_PICTURE_POINTS / 2:
                continue
            try:
                width, height = obj.get_px_size()
                if min(width, height) < _MIN_PICTURE_PIXELS or width * height * 4 > self.limits.max_decompressed_bytes:
                    continue
                image = obj.get_bitmap(render=False).to_pil()
            except pdfium.PdfiumError:
                continue
            if self.pictures_read >= _MAX_PICTURES:
                self.pictures_skipped += 1
                continue
            from ingest.loaders.ocr import ocr_image

            self.pictures_read += 1
            self.ocr = True
            found, marks = ocr_image(image)
            if not found:
                self.silent_pictures.add(index + 1)
            items += [(-top + 0.001 * i, left, text, mark or UNKNOWN) for i, (text, mark) in enumerate(zip(found, marks))]
        return items

    def _warn(self, scanned: list[int], figures: list[int], pictures: list[int]) -> None:
        if scanned:
            self.warnings.append(f"{_describe_pages(scanned)}没有文字层，文字经OCR识别，引用前请核对原件")
        if figures:
            self.warnings.append(f"{_describe_pages(figures)}是没有成句文字的图样，未编入索引")
        if pictures:
            self.warnings.append(f"{_describe_pages(pictures)}的图片经OCR识别（表格或文字），引用前请核对原件")
        if self.pictures_skipped:
            self.warnings.append(f"图片过多，另有 {self.pictures_skipped} 张图片未经OCR识别")
        if self.silent_pictures:
            pages = sorted(self.silent_pictures)
            self.warnings.append(f"{_describe_pages(pages)}的图片没有成句文字（图样或图表），未编入索引")


def _foot_notes(items: list[tuple[float, float, str, str]]) -> list[tuple[float, float, str, str]]:
    """Label the page's footnotes: below the last footnote call, after a gap, a line that
    starts with a called number is a note ("1地区生产总值…" → "[1]地区生产总值…", marked
    a note); the lines under it, up to the next note or the page number, go on with it."""
    calls = {m.translate(_PLAIN_DIGITS) for _, _, text, _ in items for m in _SUPERSCRIPT_CALL.findall(text)}
    if not calls:
        return items
    last_call = max(i for i, (_, _, text, _) in enumerate(items) if _SUPERSCRIPT_CALL.search(text))
    steps = sorted(b[0] - a[0] for a, b in zip(items, items[1:]) if b[0] > a[0])
    pitch = steps[len(steps) // 2] if steps else 0.0
    out, in_notes = list(items[: last_call + 1]), False
    for index in range(last_call + 1, len(items)):
        top, x0, text, mark = items[index]
        label = _NOTE_LABEL.match(text)
        number = label and (label.group(1) or label.group(2) or "").translate(_PLAIN_DIGITS)
        after_gap = in_notes or top - items[index - 1][0] > _NOTE_GAP * pitch
        if label is not None and number in calls and after_gap:
            out.append((top, x0, f"[{number}]{text[label.end():].strip()}", NOTE))
            in_notes = True
        elif in_notes and not is_page_number(text, at_page_edge=True) and out[-1][3] == NOTE:
            last = out[-1]
            out[-1] = (last[0], last[1], last[2] + text.strip(), NOTE)  # a note's next line
        else:
            in_notes = in_notes and not is_page_number(text, at_page_edge=True)
            out.append(items[index])
    return out


def _check_page(page: pypdf.PageObject, number: int, source: str, limits: LoadLimits) -> None:
    """Decode the page's content streams under the limits: a bomb fails here, loudly."""
    try:
        contents = page.get_contents()
        if contents is not None:
            contents.get_data()
    except LimitReachedError as exc:
        raise ResourceLimitError(
            source, f"第 {number} 页解压后超过 {limits.max_decompressed_bytes} 字节的上限（解压炸弹？）：{exc}",
        ) from exc
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IngestError(source, f"PDF 第 {number} 页已损坏：{exc}") from exc


def _title_property(document: pdfium.PdfDocument) -> str | None:
    try:
        title = (document.get_metadata_dict().get("Title") or "").strip()
    except pdfium.PdfiumError:
        return None
    return title or None


def _has_images(page: pypdf.PageObject) -> bool:
    try:
        return len(page.images) > 0  # lists image ids (also inside forms) without decoding
    except (PyPdfError, AttributeError, KeyError, TypeError, ValueError):
        return False


def _describe_pages(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"第 {numbers[0]} 页"
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"第 {numbers[0]}-{numbers[-1]} 页"
    return "第 " + "、".join(map(str, numbers)) + " 页"
