"""PDF loader (pypdf) with its resource limits on; hands image-only PDFs to OCR."""

from __future__ import annotations

from pathlib import Path

import pypdf
from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PdfReadError, PyPdfError

from ingest.limits import LoadLimits
from policyqa.errors import IngestError, ResourceLimitError
from policyqa.records import LoadedDocument

# A page with fewer visible characters than this but with an image is a scan (perhaps
# with a stamped page number); its image goes to OCR, the other pages keep their text.
_MIN_TEXT_CHARS_PER_PAGE = 20


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
                    raise IngestError(source, "the PDF is encrypted with a password")
            except (FileNotDecryptedError, NotImplementedError, DependencyError) as exc:
                raise IngestError(source, f"the PDF is encrypted and cannot be opened: {exc}") from exc
        page_count = len(reader.pages)
    except LimitReachedError as exc:
        raise ResourceLimitError(source, f"the PDF exceeds a parser limit: {exc}") from exc
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IngestError(source, f"the PDF is damaged or truncated: {exc}") from exc
    if page_count == 0:
        raise IngestError(source, "the PDF has no pages")
    if page_count > limits.max_pages:
        raise ResourceLimitError(source, f"the PDF has {page_count} pages, more than the limit of {limits.max_pages}")
    return reader


class PdfLoader:
    """Extracts the text layer page by page; a PDF without one is read by OCR."""

    def __init__(self, limits: LoadLimits = LoadLimits()):
        self._limits = limits

    def load(self, path: Path) -> LoadedDocument:
        """Return one string per PDF page (page numbers are list positions + 1)."""
        source = path.name
        with pypdf.apply_configuration(**pypdf_limits(self._limits)):
            reader = open_pdf(path, self._limits)
            pages = []
            for number, page in enumerate(reader.pages, start=1):
                pages.append(_extract_page_text(page, number, source, self._limits))
            scanned = [i for i, text in enumerate(pages) if _visible_length(text) < _MIN_TEXT_CHARS_PER_PAGE
                       and _has_images(reader.pages[i])]
            if not scanned:
                return LoadedDocument(source=source, pages=tuple(pages))
            from ingest.loaders.ocr import OcrPdfLoader  # heavy (onnxruntime): only for scans

            ocr = OcrPdfLoader(self._limits)
            for i in scanned:
                pages[i] = ocr.read_page(reader.pages[i], source)
        numbers = _describe_pages([i + 1 for i in scanned])
        warning = f"no text layer on {numbers}: text recovered by OCR, check quotes against the original"
        return LoadedDocument(source=source, pages=tuple(pages), ocr=True, warnings=(warning,))


def _extract_page_text(page: pypdf.PageObject, number: int, source: str, limits: LoadLimits) -> str:
    try:
        # extract_text() swallows a decompression-limit error and returns "", which would
        # disguise a bomb as a scan; decoding the contents first surfaces it (pypdf caches it).
        contents = page.get_contents()
        if contents is not None:
            contents.get_data()
        return page.extract_text() or ""
    except LimitReachedError as exc:
        raise ResourceLimitError(
            source,
            f"page {number} expands beyond the limit of {limits.max_decompressed_bytes} bytes "
            f"(decompression bomb?): {exc}",
        ) from exc
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IngestError(source, f"page {number} of the PDF is damaged: {exc}") from exc


def _has_images(page: pypdf.PageObject) -> bool:
    try:
        return len(page.images) > 0  # lists image ids (also inside forms) without decoding
    except (PyPdfError, AttributeError, KeyError, TypeError, ValueError):
        return False


def _describe_pages(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"page {numbers[0]}"
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"pages {numbers[0]}-{numbers[-1]}"
    return "pages " + ", ".join(map(str, numbers))


def _visible_length(text: str) -> int:
    return sum(1 for c in text if not c.isspace())
