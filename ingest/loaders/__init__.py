"""Format loaders and the content-sniffing dispatcher ``load_file``.

The format is decided by the file's first bytes, never by its extension alone: a JPEG
renamed ``.pdf`` or a PDF renamed ``.txt`` must reach the right loader or a clear
``UnsupportedFormatError``, not a parser crash.
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path

from ingest.limits import LoadLimits
from ingest.loaders.base import Loader
from policyqa.errors import IngestError, ResourceLimitError, UnsupportedFormatError
from policyqa.records import LoadedDocument

__all__ = ["Loader", "load_file", "loader_for", "sniff_format"]

# Magic numbers of formats people drop into a document folder that we do not read.
_FOREIGN_SIGNATURES = (
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office file (.doc/.xls/.wps); save it as DOCX or PDF"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "a Windows executable"),
    (b"{\\rtf", "an RTF document; save it as DOCX or PDF"),
)
# PDF readers accept the header anywhere in the first KiB (some generators prepend junk).
_PDF_HEADER_WINDOW = 1024
_HTML_OPENINGS = (b"<!doctype html", b"<html")
_MARKDOWN_SUFFIXES = {".md", ".markdown"}


def sniff_format(path: Path, head: bytes) -> str:
    """Name the loader for a file from its first bytes: pdf, docx, html, markdown or txt."""
    if b"%PDF-" in head[:_PDF_HEADER_WINDOW]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "docx"  # DocxLoader refuses a ZIP that is not a Word document
    for signature, description in _FOREIGN_SIGNATURES:
        if head.startswith(signature):
            raise UnsupportedFormatError(path.name, f"the content is {description}, not a document we read")
    opening = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if opening.startswith(_HTML_OPENINGS) or (
        path.suffix.lower() in {".html", ".htm"} and opening.startswith(b"<")
    ):
        return "html"
    if path.suffix.lower() in _MARKDOWN_SUFFIXES:
        return "markdown"
    return "txt"


# Imported on demand: each sandboxed load is a fresh interpreter, and pypdf/python-docx
# would add a quarter second to every plain-text file.
_LOADERS = {
    "pdf": ("ingest.loaders.pdf", "PdfLoader"),
    "docx": ("ingest.loaders.docx", "DocxLoader"),
    "html": ("ingest.loaders.html", "HtmlLoader"),
    "markdown": ("ingest.loaders.markdown", "MarkdownLoader"),
    "txt": ("ingest.loaders.txt", "TxtLoader"),
}


def loader_for(kind: str, limits: LoadLimits) -> Loader:
    """The loader for a format name returned by ``sniff_format``."""
    module_name, class_name = _LOADERS[kind]
    return getattr(importlib.import_module(module_name), class_name)(limits)


_SUFFIXES = {
    "pdf": {".pdf"},
    "docx": {".docx"},
    "html": {".html", ".htm"},
    "markdown": {".md", ".markdown"},
    "txt": {".txt", ".text", ""},
}


def load_file(path: Path, limits: LoadLimits = LoadLimits()) -> LoadedDocument:
    """Load ``path`` in this process with the loader its content calls for.

    Raises ``IngestError`` (or a subclass) whose message names the file and the reason.
    Untrusted input should go through ``ingest.sandbox.load_file_isolated`` instead.
    """
    path = Path(path)
    source = path.name
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(_PDF_HEADER_WINDOW)
    except OSError as exc:
        raise IngestError(source, f"cannot read the file: {exc.strerror or exc}") from exc
    if size == 0:
        raise IngestError(source, "the file is empty")
    if size > limits.max_bytes:
        raise ResourceLimitError(source, f"the file has {size} bytes, more than the limit of {limits.max_bytes}")
    kind = sniff_format(path, head)
    document = loader_for(kind, limits).load(path)
    if not any(page.strip() for page in document.pages):
        raise IngestError(source, "no text could be recovered from the file")
    if path.suffix.lower() not in _SUFFIXES[kind]:
        extension = path.suffix or "(none)"
        warning = f"the content is {kind.upper()} although the extension is {extension}"
        document = replace(document, warnings=document.warnings + (warning,))
    return document
