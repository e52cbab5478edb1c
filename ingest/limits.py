"""Resource limits applied to every untrusted file the ingest stage parses."""

from __future__ import annotations

from dataclasses import dataclass

_MB = 1024 * 1024


@dataclass(frozen=True)
class LoadLimits:
    """Ceilings for one file: size on disk, pages, wall-clock time, memory, decompressed bytes, text length.

    ``max_decompressed_bytes`` bounds what a compressed container (DOCX zip entries, PDF
    content streams) may expand to, which is what defeats decompression bombs.
    """

    max_bytes: int = 100 * _MB
    max_pages: int = 2000
    timeout_s: float = 300.0
    memory_mb: int = 2048
    max_decompressed_bytes: int = 200 * _MB
    # ~1,300 printed pages of Chinese. Every chunk is embedded on a CPU (a few per second on
    # two cores), so a text far past this would hold the ingest lock for hours; such a
    # file is refused with a clear error instead (split it, or raise the limit).
    max_text_chars: int = 2_000_000
