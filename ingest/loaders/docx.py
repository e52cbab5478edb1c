"""DOCX loader (python-docx): body paragraphs (with their list numbers), tables and footnotes in order.

A DOCX is a zip of XML parts; ``ingest.loaders.zipped`` checks it for zip and XML bombs
before python-docx sees it.
"""

from __future__ import annotations

from pathlib import Path

import docx

from ingest.limits import LoadLimits
from ingest.loaders.docx_body import BodyWalker
from ingest.loaders.zipped import check_zip_container
from policyqa.errors import IngestError
from policyqa.records import LoadedDocument

def check_docx_container(path: Path, limits: LoadLimits) -> None:
    """Raise unless ``path`` is a zip holding a Word document that is safe to parse."""
    check_zip_container(path, limits, "docx")


class DocxLoader:
    """Loads a Word document: its paragraphs as marked lines, pages where Word broke them."""

    def __init__(self, limits: LoadLimits = LoadLimits()):
        self._limits = limits

    def load(self, path: Path) -> LoadedDocument:
        """Return the paragraphs, table rows and footnotes of ``path`` in reading order.

        Every paragraph is marked a whole paragraph (``ingest.layout``): Word's paragraph
        marks are the author's boundaries and are never re-joined. Without page breaks the
        document is not paginated (no page numbers rather than "page 1" everywhere).
        """
        check_docx_container(path, self._limits)
        try:
            document = docx.Document(str(path))
        except Exception as exc:  # python-docx raises bare KeyError/ValueError/lxml errors
            raise IngestError(path.name, f"DOCX 文件无法解析：{exc}") from exc
        body = BodyWalker(document).walk()
        pages = tuple("\n".join(text for text, _ in lines) for lines in body.pages)
        marks = tuple("".join(mark for _, mark in lines) for lines in body.pages)
        title = (document.core_properties.title or "").strip() or None
        warnings = []
        if body.read_pictures:
            warnings.append(f"{body.read_pictures} 张图片经OCR识别（表格或文字），引用前请核对原件")
        if body.silent_pictures:
            warnings.append(f"{body.silent_pictures} 张图片没有成句文字（图样或图表），未编入索引")
        return LoadedDocument(source=path.name, pages=pages, marks=marks, paginated=body.paginated, title=title,
                              ocr=body.read_pictures > 0, warnings=tuple(warnings))
