"""Markdown loader: the text as written, minus link/image/code syntax.

Heading ``#`` and ``**`` markers stay: ``ingest.paragraphs.join_lines`` strips them for
every format, and they help it recognise headings.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.limits import LoadLimits
from ingest.loaders.txt import decode_text
from policyqa.errors import IngestError
from policyqa.records import LoadedDocument

_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_FENCE = re.compile(r"^\s*(```|~~~).*$", re.MULTILINE)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def markdown_to_text(markdown: str) -> str:
    """Plain text of ``markdown``: links keep their label, images their alt text."""
    text = _HTML_COMMENT.sub("", markdown)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    return _FENCE.sub("", text)


class MarkdownLoader:
    """Loads a Markdown file as one page of text."""

    def __init__(self, limits: LoadLimits = LoadLimits()):
        self._limits = limits

    def load(self, path: Path) -> LoadedDocument:
        """Decode ``path`` and drop the Markdown syntax that is not text."""
        data = path.read_bytes()
        if not data.strip():
            raise IngestError(path.name, "文件为空")
        markdown, _ = decode_text(data, path.name)
        return LoadedDocument(source=path.name, pages=(markdown_to_text(markdown.replace("\r\n", "\n")),))
