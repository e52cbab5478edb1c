"""Receiving an upload: streamed to a temp file, cut off at the size limit, checked by content.

Starlette's own form parsing spools a whole upload before the route runs, so it cannot
enforce a limit on bytes received. Here the request body is fed chunk by chunk to
python-multipart's streaming parser and the upload stops the moment the file part passes
the limit (``UploadTooLargeError`` → 413); a declared Content-Length already over the limit
is refused before a byte is read. A body that is not well-formed multipart is a 400, and so
is one that ends before the closing boundary: a cut-off upload is never ingested.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header

from ingest.loaders import sniff_format
from ingest.loaders.zipped import is_zip, zip_kind
from policyqa.errors import PolicyQAError, UnsupportedFormatError
from policyqa.faults import write_point
from policyqa.storage import storage_errors

# Multipart framing and the small text fields around the file.
ENVELOPE_ALLOWANCE = 64 * 1024
_MAX_FIELD_BYTES = 4096
_SNIFF_BYTES = 4096
_MAX_NAME_CHARS = 120
_MAX_NAME_BYTES = 200  # under the 255-byte NAME_MAX, with room for a temp prefix


class UploadTooLargeError(PolicyQAError):
    """The upload passed the configured size limit."""

    def __init__(self, limit: int):
        super().__init__(f"upload larger than the limit of {limit} bytes")
        self.limit = limit


class BadUploadError(PolicyQAError):
    """A request that is not a usable multipart upload."""


@dataclass
class ReceivedUpload:
    """The file part saved to ``path`` (a temp file) and the form's text fields."""

    path: Path
    filename: str
    size: int
    fields: dict[str, str] = field(default_factory=dict)


def safe_filename(name: str) -> str:
    """A file name safe to store: no directories, controls, NUL or traversal, bounded length."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        name = "upload"
    stem, dot, suffix = name.rpartition(".")
    if dot and len(suffix) <= 10:
        name = stem[: _MAX_NAME_CHARS - len(suffix) - 1] + "." + suffix if stem else name[:_MAX_NAME_CHARS]
    else:
        stem, suffix = name, ""
        name = name[:_MAX_NAME_CHARS]
    # File systems count bytes (255 on ext4), and a hanzi is three of them in UTF-8: 120
    # characters of Chinese would not fit, so the stem is cut further, keeping the suffix.
    while len(name.encode("utf-8")) > _MAX_NAME_BYTES and len(stem) > 1:
        stem = stem[: min(len(stem), len(name)) - 1]
        name = f"{stem}.{suffix}" if suffix else stem
    return name


async def receive_upload(
    content_type: str | None, content_length: str | None, body: AsyncIterator[bytes], limit: int, tmp_dir: Path,
) -> ReceivedUpload:
    """Stream a ``multipart/form-data`` body with one ``file`` part into a temp file under ``tmp_dir``."""
    mime, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise BadUploadError("expected multipart/form-data with a 'file' part")
    if content_length and content_length.isdigit() and int(content_length) > limit + ENVELOPE_ALLOWANCE:
        raise UploadTooLargeError(limit)

    with storage_errors("接收上传文件"):
        write_point("upload_write")
        tmp_dir.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(dir=tmp_dir, prefix="upload-", delete=False)
    state = _PartState(handle, limit)
    parser = MultipartParser(boundary, state.callbacks())
    try:
        with storage_errors("接收上传文件"):
            async for chunk in body:
                parser.write(chunk)
                if state.error is not None:
                    raise state.error
            parser.finalize()
        if state.error is not None:
            raise state.error
        if parser.state != MultipartState.END or (state.filename is not None and not state.file_complete):
            raise BadUploadError("上传不完整：请求在结束边界之前中断 (truncated multipart body)")
        if state.filename is None:
            raise BadUploadError("表单中没有 file 部分 (the form has no 'file' part)")
    except FormParserError:
        handle.close()
        os.unlink(handle.name)
        raise BadUploadError("无法解析的上传请求：multipart 格式错误 (malformed multipart body)") from None
    except BaseException:
        handle.close()
        os.unlink(handle.name)
        raise
    handle.close()
    return ReceivedUpload(Path(handle.name), safe_filename(state.filename), state.file_bytes, state.fields)


class _PartState:
    """Callbacks of the streaming parser: routes the file part to disk, text fields to memory."""

    def __init__(self, handle, limit: int):
        self.handle = handle
        self.limit = limit
        self.fields: dict[str, str] = {}
        self.filename: str | None = None
        self.file_complete = False  # the file part reached its closing boundary
        self.file_bytes = 0
        self.error: PolicyQAError | None = None
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._current: str | None = None  # "file", a field name, or None (ignored part)
        self._field_value = bytearray()

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda data, start, end: self._append_header("_header_field", data[start:end]),
            "on_header_value": lambda data, start, end: self._append_header("_header_value", data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._headers = {}
        self._current = None
        self._field_value = bytearray()

    def _append_header(self, name: str, data: bytes) -> None:
        setattr(self, name, getattr(self, name) + data)

    def _header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = b""
        self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if name == "file" and b"filename" in options and self.filename is None:
            self.filename = options[b"filename"].decode("utf-8", "replace")
            self._current = "file"
        elif name and name != "file":
            self._current = name

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self.error is not None or self._current is None:
            return
        piece = data[start:end]
        if self._current == "file":
            self.file_bytes += len(piece)
            if self.file_bytes > self.limit:
                self.error = UploadTooLargeError(self.limit)
                return
            self.handle.write(piece)
        else:
            self._field_value += piece
            if len(self._field_value) > _MAX_FIELD_BYTES:
                self.error = BadUploadError(f"form field {self._current!r} is too long")

    def _part_end(self) -> None:
        if self._current == "file":
            self.file_complete = True
        if self._current not in (None, "file"):
            self.fields[self._current] = self._field_value.decode("utf-8", "replace")
        self._current = None


def check_content(path: Path, filename: str) -> str:
    """The format the content really is (pdf, docx, ofd, html, markdown, txt); else ``UnsupportedFormatError``.

    The file name is never trusted: a JPEG named ``.pdf`` or a ZIP named ``.docx`` is refused
    here, before it is queued for ingest.
    """
    with open(path, "rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if not head:
        raise UnsupportedFormatError(filename, "文件为空")
    if is_zip(head):
        return zip_kind(path, filename)  # DOCX or OFD by the parts it holds
    kind = sniff_format(Path(filename), head)
    if kind in ("txt", "markdown") and b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # NUL bytes outside UTF-16 mean binary data, whatever the name says.
        raise UnsupportedFormatError(filename, "二进制内容，不是可读取的文档")
    return kind
