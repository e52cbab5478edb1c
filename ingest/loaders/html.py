"""HTML loader (stdlib ``html.parser``): visible text, one line per block element."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from ingest.limits import LoadLimits
from ingest.loaders.txt import decode_text
from policyqa.errors import IngestError
from policyqa.records import LoadedDocument

_HIDDEN = {"script", "style", "noscript", "template", "head", "svg"}
_BLOCKS = {
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section",
    "article", "header", "footer", "blockquote", "pre", "ul", "ol", "dd", "dt", "title", "hr",
}


class _VisibleTextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden_depth += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            # Source line breaks inside a block are layout, not text.
            self.parts.append(data.replace("\r", "").replace("\n", ""))


def html_to_text(markup: str) -> str:
    """Visible text of ``markup``: scripts, styles and the head dropped, blocks on their own lines."""
    parser = _VisibleTextParser()
    parser.feed(markup)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


class HtmlLoader:
    """Loads an HTML page as one page of text."""

    def __init__(self, limits: LoadLimits = LoadLimits()):
        self._limits = limits

    def load(self, path: Path) -> LoadedDocument:
        """Decode ``path`` and keep its visible text."""
        markup, _ = decode_text(path.read_bytes(), path.name)
        text = html_to_text(markup)
        if not text:
            raise IngestError(path.name, "HTML 页面没有可见文字")
        return LoadedDocument(source=path.name, pages=(text,))
