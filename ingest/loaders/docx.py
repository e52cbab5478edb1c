"""DOCX loader (python-docx): body paragraphs (with their list numbers) and tables in order.

A DOCX is a zip of XML parts, so two attacks are checked before python-docx sees it:
a zip bomb (entries whose declared uncompressed size or compression ratio is absurd)
and XML entity expansion (any DTD in a part is refused; Word never writes one).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from ingest.limits import LoadLimits
from ingest.loaders.docx_numbering import NumberingRenderer
from policyqa.errors import IngestError, ResourceLimitError, UnsupportedFormatError
from policyqa.records import LoadedDocument

# Deflate cannot legitimately compress XML text much beyond ~100:1; bombs reach 1000:1.
_MAX_COMPRESSION_RATIO = 200
_RATIO_CHECK_MIN_BYTES = 1024 * 1024
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_XML_SUFFIXES = (".xml", ".rels")


def check_docx_container(path: Path, limits: LoadLimits) -> None:
    """Raise unless ``path`` is a zip holding a Word document that is safe to parse."""
    source = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            if "word/document.xml" not in names:
                raise UnsupportedFormatError(source, "a ZIP archive that is not a Word (DOCX) document")
            # Declared sizes can lie, but zipfile never inflates past them (it fails the
            # CRC instead), so checking the directory bounds what parsing can allocate.
            total = sum(entry.file_size for entry in entries)
            if total > limits.max_decompressed_bytes:
                raise ResourceLimitError(
                    source,
                    f"the DOCX expands to {total} bytes, more than the limit of "
                    f"{limits.max_decompressed_bytes} (zip bomb?)",
                )
            for entry in entries:
                ratio = entry.file_size // max(entry.compress_size, 1)
                if entry.file_size > _RATIO_CHECK_MIN_BYTES and ratio > _MAX_COMPRESSION_RATIO:
                    raise ResourceLimitError(
                        source, f"the DOCX part {entry.filename} is compressed {ratio}:1 (zip bomb?)"
                    )
            for entry in entries:
                if entry.filename.endswith(_XML_SUFFIXES):
                    with archive.open(entry) as part:
                        head = part.read(4096)  # a DTD must precede the root element
                    if any(marker in head for marker in _DTD_MARKERS):
                        raise IngestError(source, f"the DOCX part {entry.filename} declares a DTD/entities (XML bomb?)")
    except zipfile.BadZipFile as exc:
        raise IngestError(source, f"the DOCX is damaged or truncated: {exc}") from exc


def _table_rows(table: Table) -> list[str]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = cell.text.strip()
            # Merged cells repeat the same cell object along the row; keep one copy.
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            rows.append(" ".join(cells))
    return rows


class DocxLoader:
    """Loads a Word document as one page of lines (DOCX has no fixed pages)."""

    def __init__(self, limits: LoadLimits = LoadLimits()):
        self._limits = limits

    def load(self, path: Path) -> LoadedDocument:
        """Return the paragraphs and table rows of ``path`` in reading order."""
        check_docx_container(path, self._limits)
        try:
            document = docx.Document(str(path))
        except Exception as exc:  # python-docx raises bare KeyError/ValueError/lxml errors
            raise IngestError(path.name, f"the DOCX cannot be parsed: {exc}") from exc
        numbering = NumberingRenderer(document)
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                text = block.text
                lines.append(numbering.label(block) + text if text.strip() else text)
            elif isinstance(block, Table):
                lines.extend(_table_rows(block))
        return LoadedDocument(source=path.name, pages=("\n".join(lines),))
