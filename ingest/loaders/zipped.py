"""ZIP-based formats: Word (DOCX) and OFD (GB/T 33190, the fixed-layout format of Chinese
government documents), told apart by what the archive holds and checked before parsing.

Two attacks are checked before any XML parser sees a part: a zip bomb (entries whose
declared uncompressed size or compression ratio is absurd) and XML entity expansion (any
DTD in a part is refused; neither Word nor OFD writers emit one).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ingest.limits import LoadLimits
from policyqa.errors import IngestError, ResourceLimitError, UnsupportedFormatError

NOT_A_DOCUMENT_ZIP = "ZIP 压缩包，但既不是 Word（DOCX）文档，也不是 OFD 版式文件"
# Deflate cannot legitimately compress XML text much beyond ~100:1; bombs reach 1000:1.
_MAX_COMPRESSION_RATIO = 200
_RATIO_CHECK_MIN_BYTES = 1024 * 1024
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_XML_SUFFIXES = (".xml", ".rels")
# The part that makes an archive each format.
_MARKERS = {"docx": "word/document.xml", "ofd": "OFD.xml"}


def is_zip(head: bytes) -> bool:
    """Whether a file's first bytes are a ZIP's."""
    return head.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def zip_kind(path: Path, source: str | None = None) -> str:
    """"docx" or "ofd" from the archive's parts; ``UnsupportedFormatError`` (naming ``source``,
    default the file name) for any other ZIP."""
    source = source or path.name
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsupportedFormatError(source, f"ZIP/DOCX/OFD 文件已损坏：{exc}") from None
    for kind, marker in _MARKERS.items():
        if marker in names:
            return kind
    raise UnsupportedFormatError(source, NOT_A_DOCUMENT_ZIP)


def check_zip_container(path: Path, limits: LoadLimits, kind: str) -> None:
    """Raise unless ``path`` is a ZIP of ``kind`` ("docx"/"ofd") that is safe to parse."""
    source = path.name
    label = kind.upper()
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if _MARKERS[kind] not in {entry.filename for entry in entries}:
                raise UnsupportedFormatError(source, NOT_A_DOCUMENT_ZIP)
            # Declared sizes can lie, but zipfile never inflates past them (it fails the
            # CRC instead), so checking the directory bounds what parsing can allocate.
            total = sum(entry.file_size for entry in entries)
            if total > limits.max_decompressed_bytes:
                raise ResourceLimitError(
                    source, f"{label} 解压后为 {total} 字节，超过上限 {limits.max_decompressed_bytes} 字节（压缩炸弹？）",
                )
            for entry in entries:
                ratio = entry.file_size // max(entry.compress_size, 1)
                if entry.file_size > _RATIO_CHECK_MIN_BYTES and ratio > _MAX_COMPRESSION_RATIO:
                    raise ResourceLimitError(source, f"{label} 部件 {entry.filename} 的压缩比为 {ratio}:1（压缩炸弹？）")
            for entry in entries:
                if entry.filename.endswith(_XML_SUFFIXES):
                    with archive.open(entry) as part:
                        head = part.read(4096)  # a DTD must precede the root element
                    if any(marker in head for marker in _DTD_MARKERS):
                        raise IngestError(source, f"{label} 部件 {entry.filename} 声明了 DTD/实体（XML 炸弹？）")
    except zipfile.BadZipFile as exc:
        raise IngestError(source, f"{label} 已损坏或不完整：{exc}") from exc
