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
from ingest.loaders.zipped import is_zip, zip_kind
from policyqa.errors import IngestError, ResourceLimitError, UnsupportedFormatError
from policyqa.records import LoadedDocument

__all__ = ["Loader", "load_file", "loader_for", "sniff_format"]

# Magic numbers of formats people drop into a document folder that we do not read.
_FOREIGN_SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"\x89PNG\r\n\x1a\n", "PNG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"II*\x00", "TIFF 图片"),
    (b"MM\x00*", "TIFF 图片"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "旧版 Office 文件（.doc/.xls/.wps），请另存为 DOCX 或 PDF 后上传"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip 压缩包"),
    (b"Rar!", "RAR 压缩包"),
    (b"\x7fELF", "可执行程序"),
    (b"MZ", "Windows 可执行程序"),
    (b"{\\rtf", "RTF 文档，请另存为 DOCX 或 PDF 后上传"),
)
# PDF readers accept the header anywhere in the first KiB (some generators prepend junk).
_PDF_HEADER_WINDOW = 1024
_HTML_OPENINGS = (b"<!doctype html", b"<html")
_MARKDOWN_SUFFIXES = {".md", ".markdown"}


def sniff_format(path: Path, head: bytes) -> str:
    """Name the loader for a file from its first bytes: pdf, docx, ofd, html, markdown or txt.

    A ZIP is a DOCX or an OFD by the parts it holds (``path`` is opened to list them);
    any other ZIP is refused by name.
    """
    if b"%PDF-" in head[:_PDF_HEADER_WINDOW]:
        return "pdf"
    if is_zip(head):
        return zip_kind(path)
    for signature, description in _FOREIGN_SIGNATURES:
        if head.startswith(signature):
            raise UnsupportedFormatError(path.name, f"文件内容是{description}，不是可读取的文档")
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
    "ofd": ("ingest.loaders.ofd", "OfdLoader"),
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
    "ofd": {".ofd"},
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
        raise IngestError(source, f"无法读取文件：{exc.strerror or exc}") from exc
    if size == 0:
        raise IngestError(source, "文件为空")
    if size > limits.max_bytes:
        raise ResourceLimitError(source, f"文件大小为 {size} 字节，超过上限 {limits.max_bytes} 字节")
    kind = sniff_format(path, head)
    document = loader_for(kind, limits).load(path)
    if not any(page.strip() for page in document.pages):
        raise IngestError(source, "无法从文件中提取文字")
    if path.suffix.lower() not in _SUFFIXES[kind]:
        extension = path.suffix or "(none)"
        warning = f"文件内容是 {kind.upper()}，但扩展名是 {extension}"
        document = replace(document, warnings=document.warnings + (warning,))
    return document
