"""Walk a DOCX body in reading order: paragraphs (with their list numbers), tables by their
real grid, footnotes, and the page breaks Word recorded.

python-docx's ``iter_inner_content`` skips content controls (``w:sdt``, where Word puts a
generated table of contents and where templates put whole sections) and its paragraph text
drops footnote references; this walker reads the XML itself.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from lxml import etree
from PIL import Image

from ingest.layout import NOTE, PARAGRAPH, SOFT_BREAK, TABLE_ROW, TOC
from ingest.loaders.docx_numbering import NumberingRenderer
from ingest.tables import Cell, Grid

_TOC_STYLE = re.compile(r"^(?:toc|目录)\s*\d+$", re.IGNORECASE)
_FOOTNOTES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
_W_P, _W_TBL, _W_SDT, _W_R = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:r")
_W_T, _W_TAB, _W_BR, _W_CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_W_FOOTNOTE_REF, _W_RENDERED_BREAK = qn("w:footnoteReference"), qn("w:lastRenderedPageBreak")
_A_BLIP, _R_EMBED = qn("a:blip"), qn("r:embed")
# Pictures smaller than this (pixels, shorter side) are icons, seals or rules, not text.
_MIN_PICTURE_PIXELS = 120


@dataclass
class Body:
    """What the walk collected: lines with their marks, grouped into pages, and which
    pictures were read by OCR (``read_pictures``) or held no sentence (``silent_pictures``)."""

    pages: list[list[tuple[str, str]]] = field(default_factory=lambda: [[]])
    read_pictures: int = 0
    silent_pictures: int = 0

    @property
    def paginated(self) -> bool:
        """Whether any page break was found (else there are no page numbers to give)."""
        return len(self.pages) > 1

    def add(self, text: str, mark: str) -> None:
        """Append a line with its ``ingest.layout`` mark to the current page."""
        self.pages[-1].append((text, mark))

    def new_page(self) -> None:
        """Start the next page (a page break was found)."""
        self.pages.append([])


def footnote_texts(document) -> dict[str, str]:
    """Footnote id → its text, from the footnotes part (empty when there is none)."""
    for rel in document.part.rels.values():
        if rel.reltype == _FOOTNOTES_REL and not rel.is_external:
            root = etree.fromstring(rel.target_part.blob, etree.XMLParser(resolve_entities=False, no_network=True))
            notes = {}
            for note in root.findall(qn("w:footnote")):
                if note.get(qn("w:type")) in (None, "normal"):
                    notes[note.get(qn("w:id"))] = "".join(t.text or "" for t in note.iter(_W_T)).strip()
            return notes
    return {}


class BodyWalker:
    """Turns a python-docx ``Document`` into page-grouped, marked lines."""

    def __init__(self, document):
        self.document = document
        self.numbering = NumberingRenderer(document)
        self.notes = footnote_texts(document)
        self.note_calls: list[str] = []  # footnote ids in the order they are referenced
        # Word's own record of where its pages began (w:lastRenderedPageBreak, written on
        # save) wins over counting explicit breaks, which miss every page that simply filled up.
        self.rendered = document.element.body.find(f".//{_W_RENDERED_BREAK}") is not None

    def walk(self) -> Body:
        """Read the whole body; footnote texts follow it as note lines."""
        body = Body()
        self._blocks(self.document.element.body, body)
        for number, note_id in enumerate(self.note_calls, start=1):
            if self.notes.get(note_id):
                body.add(f"[{number}]{self.notes[note_id]}", NOTE)
        return body

    def _blocks(self, parent, body: Body) -> None:
        for child in parent.iterchildren():
            if child.tag == _W_P:
                self._paragraph(child, body)
            elif child.tag == _W_TBL:
                self._table(child, body)
            elif child.tag == _W_SDT:
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    self._blocks(content, body)

    def _paragraph(self, p, body: Body, mark: str | None = None) -> None:
        paragraph = Paragraph(p, self.document.part)
        text, breaks_before, breaks_after = self._paragraph_text(p)
        if self._page_break_before(p):
            breaks_before += 1
        for _ in range(breaks_before):
            body.new_page()
        if text.strip():
            label = self.numbering.label(paragraph)
            style = paragraph.style.name if paragraph.style is not None else ""
            kind = mark or (TOC if _TOC_STYLE.match(style or "") else PARAGRAPH)
            for number, line in enumerate((label + text).split("\n")):
                body.add(line, kind if number == 0 or kind != PARAGRAPH else SOFT_BREAK)
        self._pictures(p, body)
        for _ in range(breaks_after):
            body.new_page()
        if self._ends_section_on_new_page(p):
            body.new_page()

    def _pictures(self, p, body: Body) -> None:
        """OCR the pictures of a paragraph (a table pasted as an image); figures without
        sentences are left out."""
        for blip in p.iter(_A_BLIP):
            part = self.document.part.related_parts.get(blip.get(_R_EMBED) or "")
            blob = getattr(part, "blob", None)
            if not blob:
                continue
            try:
                image = Image.open(io.BytesIO(blob))
                if min(image.size) < _MIN_PICTURE_PIXELS:
                    continue
                image.load()
            except (OSError, ValueError, Image.DecompressionBombError):
                continue  # not a raster image we can read (EMF/WMF, damaged)
            from ingest.loaders.ocr import ocr_image  # heavy (onnxruntime): only for documents with pictures

            lines, marks = ocr_image(image)
            if not lines:
                body.silent_pictures += 1
                continue
            body.read_pictures += 1
            for line, mark in zip(lines, marks):
                body.add(line, TABLE_ROW if mark == TABLE_ROW else PARAGRAPH)

    def _paragraph_text(self, p) -> tuple[str, int, int]:
        """The paragraph's visible text, and page breaks before / after its first character."""
        parts: list[str] = []
        before = after = 0
        for node in p.iter(_W_T, _W_TAB, _W_BR, _W_CR, _W_FOOTNOTE_REF, _W_RENDERED_BREAK):
            run = node.getparent()
            if run is None or run.tag != _W_R or self._hidden(run):
                continue
            tag = node.tag
            if tag == _W_T:
                parts.append(node.text or "")
            elif tag == _W_TAB:
                parts.append("\t")
            elif tag in (_W_BR, _W_CR) and node.get(qn("w:type")) in (None, "textWrapping"):
                parts.append("\n")
            elif tag == _W_FOOTNOTE_REF:
                self.note_calls.append(node.get(qn("w:id")))
                parts.append(f"[{len(self.note_calls)}]")
            elif (tag == _W_RENDERED_BREAK) if self.rendered else (node.get(qn("w:type")) == "page"):
                # A break before the first character moves the whole paragraph to the next
                # page; one after it starts the next page after this paragraph.
                if "".join(parts).strip():
                    after += 1
                else:
                    before += 1
        return "".join(parts), before, after

    @staticmethod
    def _hidden(run) -> bool:
        properties = run.find(qn("w:rPr"))
        vanish = properties.find(qn("w:vanish")) if properties is not None else None
        return vanish is not None and vanish.get(qn("w:val")) not in ("0", "false")

    def _page_break_before(self, p) -> bool:
        if self.rendered:
            return False
        properties = p.find(qn("w:pPr"))
        flag = properties.find(qn("w:pageBreakBefore")) if properties is not None else None
        return flag is not None and flag.get(qn("w:val")) not in ("0", "false")

    def _ends_section_on_new_page(self, p) -> bool:
        if self.rendered:
            return False
        properties = p.find(qn("w:pPr"))
        section = properties.find(qn("w:sectPr")) if properties is not None else None
        if section is None:
            return False
        kind = section.find(qn("w:type"))
        return kind is None or kind.get(qn("w:val")) != "continuous"

    def _table(self, tbl, body: Body) -> None:
        grid = self._grid(tbl)
        if grid.is_layout_box():
            # A frame around text: its paragraphs are ordinary paragraphs.
            for tc in tbl.iter(qn("w:tc")):
                self._blocks(tc, body)
            return
        for line in grid.row_lines():
            body.add(line, TABLE_ROW)

    def _grid(self, tbl) -> Grid:
        """Cells by their real grid position: gridSpan and vMerge from the XML."""
        cells: list[Cell] = []
        open_down: dict[int, int] = {}  # grid column -> index of the cell a vMerge continues
        header_rows = 0
        for r, tr in enumerate(tbl.findall(qn("w:tr"))):
            properties = tr.find(qn("w:trPr"))
            if properties is not None and properties.find(qn("w:tblHeader")) is not None and header_rows == r:
                header_rows = r + 1
            col = 0
            if properties is not None and properties.find(qn("w:gridBefore")) is not None:
                col = int(properties.find(qn("w:gridBefore")).get(qn("w:val"), "0"))
            for tc in tr.findall(qn("w:tc")):
                tc_pr = tc.find(qn("w:tcPr"))
                span = 1
                merge = None
                if tc_pr is not None:
                    span_node = tc_pr.find(qn("w:gridSpan"))
                    span = int(span_node.get(qn("w:val"), "1")) if span_node is not None else 1
                    merge_node = tc_pr.find(qn("w:vMerge"))
                    if merge_node is not None:
                        merge = merge_node.get(qn("w:val"), "continue")
                if merge == "continue" and col in open_down:
                    index = open_down[col]
                    above = cells[index]
                    cells[index] = Cell(above.text, above.row, above.col, r - above.row + 1, above.cols)
                else:
                    text = "\n".join(self._cell_paragraphs(tc))
                    if merge == "restart":
                        open_down[col] = len(cells)
                    else:
                        open_down.pop(col, None)
                    cells.append(Cell(text, r, col, 1, span))
                col += span
        return Grid(cells, header_rows or 1)

    def _cell_paragraphs(self, tc) -> list[str]:
        lines = []
        for p in tc.iter(_W_P):
            text = self._paragraph_text(p)[0].strip()
            if text:
                lines.append(self.numbering.label(Paragraph(p, self.document.part)) + text)
        return lines
