"""OFD loader: the text layer of an OFD file (GB/T 33190, the Chinese government's
fixed-layout format), read from its XML.

An OFD is a ZIP: ``OFD.xml`` names the document root, whose ``Document.xml`` lists the
pages; each page's ``Content.xml`` places ``TextObject``s (a boundary box, a font size)
holding ``TextCode`` runs (a start point and per-character advances, ``DeltaX``, which
may be compressed as ``g <count> <advance>``). Runs are put on lines by their baseline and
marked from their geometry like PDF lines (``ingest.loaders.pdf_layout``). Units are
millimetres with y growing downwards; lines are converted to the PDF convention.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

from lxml import etree

from ingest.limits import LoadLimits
from ingest.loaders.pdf_layout import Line, page_marks, text_column
from ingest.loaders.zipped import check_zip_container
from policyqa.errors import IngestError, ResourceLimitError
from policyqa.records import LoadedDocument

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_SAME_BASELINE = 0.3  # em


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element, name: str):
    return [child for child in element.iter() if _local(child.tag) == name]


def _first_text(element, name: str) -> str | None:
    for child in _children(element, name):
        if child.text and child.text.strip():
            return child.text.strip()
    return None


def _numbers(value: str | None) -> list[float]:
    """Numbers of an OFD list attribute; "g 3 5.6" repeats 5.6 three times."""
    tokens = (value or "").split()
    out: list[float] = []
    index = 0
    while index < len(tokens):
        if tokens[index] == "g" and index + 2 < len(tokens):
            out.extend([float(tokens[index + 2])] * int(float(tokens[index + 1])))
            index += 3
        else:
            out.append(float(tokens[index]))
            index += 1
    return out


class OfdLoader:
    """Loads an OFD's text layer, one string per page, with layout marks."""

    def __init__(self, limits: LoadLimits = LoadLimits()):
        self._limits = limits

    def load(self, path: Path) -> LoadedDocument:
        """Return the pages of ``path`` in order (an OFD without a text layer is refused)."""
        check_zip_container(path, self._limits, "ofd")
        source = path.name
        try:
            with zipfile.ZipFile(path) as archive:
                root = self._xml(archive, "OFD.xml")
                doc_root = _first_text(root, "DocRoot")
                if doc_root is None:
                    raise IngestError(source, "OFD.xml 中没有 DocRoot（不是有效的 OFD 文件）")
                title = _first_text(root, "Title")
                document_path = doc_root.lstrip("/")
                document = self._xml(archive, document_path)
                base = posixpath.dirname(document_path)
                pages = [self._page_lines(archive, base, page) for page in _children(document, "Page")
                         if page.get("BaseLoc")]
        except (etree.XMLSyntaxError, KeyError, ValueError) as exc:
            raise IngestError(source, f"OFD 已损坏或不完整：{exc}") from exc
        if len(pages) > self._limits.max_pages:
            raise ResourceLimitError(source, f"OFD 共 {len(pages)} 页，超过上限 {self._limits.max_pages} 页")
        if not pages:
            raise IngestError(source, "OFD 没有页面")
        column = text_column(pages)
        return LoadedDocument(
            source=source,
            pages=tuple("\n".join(line.text for line in lines) for lines in pages),
            marks=tuple(page_marks(lines, column) for lines in pages),
            title=title,
        )

    @staticmethod
    def _xml(archive: zipfile.ZipFile, name: str):
        return etree.fromstring(archive.read(name), _PARSER)

    def _page_lines(self, archive: zipfile.ZipFile, base: str, page) -> list[Line]:
        location = posixpath.normpath(posixpath.join(base, page.get("BaseLoc").lstrip("/")))
        content = self._xml(archive, location)
        runs: list[tuple[float, float, float, str, float]] = []  # baseline y, x0, x1, text, size
        for text_object in _children(content, "TextObject"):
            box = _numbers(text_object.get("Boundary"))
            if len(box) < 2:
                continue
            size = float(text_object.get("Size") or 3.5)
            for code in _children(text_object, "TextCode"):
                text = code.text or ""
                if not text.strip():
                    continue
                x = box[0] + float(code.get("X") or 0)
                y = box[1] + float(code.get("Y") or 0)
                advances = _numbers(code.get("DeltaX"))
                width = sum(advances[: len(text) - 1]) + size
                runs.append((y, x, x + width, text, size))
        return _lines(runs)


def _lines(runs: list[tuple[float, float, float, str, float]]) -> list[Line]:
    """Runs on one baseline, left to right, as lines top to bottom (PDF convention: y up)."""
    lines: list[list[tuple[float, float, float, str, float]]] = []
    for run in sorted(runs, key=lambda r: (r[0], r[1])):
        if lines and abs(lines[-1][0][0] - run[0]) <= _SAME_BASELINE * run[4]:
            lines[-1].append(run)
        else:
            lines.append([run])
    out = []
    for group in lines:
        group.sort(key=lambda r: r[1])
        baseline, size = group[0][0], max(r[4] for r in group)
        out.append(Line(text="".join(r[3] for r in group).strip(), x0=group[0][1], x1=max(r[2] for r in group),
                        bottom=-baseline, top=-baseline + size, em=size))
    return out
