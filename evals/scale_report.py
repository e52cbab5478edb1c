"""Markdown table and chart of the scale benchmark's results (evals/reports/scale.md, scale.png)."""

from __future__ import annotations

from pathlib import Path

P95_TARGET_MS = 150.0
RECALL_TARGET = 0.95
RSS_TARGET_MIB = 6 * 1024
INGEST_TARGET = 2000.0

_COLUMNS = (
    ("size", "chunks", "{:,}"),
    ("backend", "backend", "{}"),
    ("ef", "efSearch", "{}"),
    ("ingest_chunks_per_s", "ingest chunks/s (no embedding)", "{:,.0f}"),
    ("synthesise_and_store_s", "store s", "{:.1f}"),
    ("tokenize_s", "tokenize s", "{:.1f}"),
    ("bm25_index_s", "BM25 s", "{:.1f}"),
    ("vector_index_s", "vector index s", "{:.1f}"),
    ("disk_mib", "disk MiB (all)", "{:,.0f}"),
    ("dense_index_mib", "dense index MiB", "{:,.0f}"),
    ("rss_mib", "serving RSS MiB", "{:,.0f}"),
    ("dense_p50_ms", "dense p50 ms", "{:.1f}"),
    ("dense_p95_ms", "dense p95 ms", "{:.1f}"),
    ("hybrid_p50_ms", "hybrid p50 ms (no emb.)", "{:.1f}"),
    ("hybrid_p95_ms", "hybrid p95 ms (no emb.)", "{:.1f}"),
    ("hybrid_with_embedding_p95_ms", "hybrid p95 ms (with emb.)", "{:.1f}"),
    ("recall_at_10", "recall@10 vs exact", "{:.3f}"),
)


def write_report(rows: list[dict], stopped: list[str], path: Path, seed_chunks: int, queries: int,
                 ef: list[int]) -> None:
    """Write the markdown report and its chart next to it."""
    rows = sorted(rows, key=lambda r: (r["size"], r["backend"], r["ef"]))
    lines = [
        "# Scale benchmark: FAISS vs Milvus (milvus-lite)",
        "",
        "Produced by `python -m evals.bench_scale` on this machine (2 cores, shared with other test runs",
        "while it ran, so absolute times are pessimistic). Do not edit by hand: rerun the benchmark.",
        "",
        "## Method",
        f"- Corpus: synthetic chunks grown from the {seed_chunks} real demo chunks: each chunk recombines",
        "  clauses (sentences) drawn from real chunks, at the real chunks' lengths; 40 chunks per document.",
        "- **Vectors are synthesised, not embedded**: each chunk's vector is a normalised random (Dirichlet)",
        "  mixture of the real e5-small-q4 embeddings of the chunks its clauses came from, plus small",
        "  Gaussian noise. Embedding 1M chunks on 2 cores would take days.",
        f"- Queries: the first {queries} gold-set questions, embedded for real with e5-small-q4.",
        "- Ingest without embedding = write documents and chunks to SQLite + tokenize (jieba, 2 processes)",
        "  + build and save bm25s + build and save the backend's vector index.",
        f"- Approximate index: FAISS `IndexHNSWFlat` (M=32, efConstruction=80) / Milvus HNSW (same",
        f"  parameters); efSearch in {ef}. Exact search = brute-force inner product in numpy; recall@10 =",
        "  overlap of the approximate top 10 with the exact top 10.",
        "- Serving process: a fresh process that loads the store, BM25, the dense index (or a milvus-lite",
        "  connection, which runs Milvus inside that process) and the query embedder; RSS measured after",
        "  all queries. Dense = ANN top 10 only; hybrid = BM25 top 50 + dense top 50 + RRF + fetch the",
        "  top 10 chunks from SQLite; 'with emb.' adds the real query embedding.",
        "",
        "## Results",
        "",
        "| " + " | ".join(title for _k, title, _f in _COLUMNS) + " |",
        "|" + "---|" * len(_COLUMNS),
    ]
    for row in rows:
        lines.append("| " + " | ".join(fmt.format(row[key]) if key in row else "–" for key, _t, fmt in _COLUMNS) + " |")
    lines += ["", "## Targets", ""]
    for row in rows:
        if row["size"] >= 1_000_000:
            ok = row["dense_p95_ms"] <= P95_TARGET_MS and row["recall_at_10"] >= RECALL_TARGET and row["rss_mib"] < RSS_TARGET_MIB
            lines.append(f"- 1M, {row['backend']}, ef {row['ef']}: search p95 ≤ {P95_TARGET_MS:g} ms at recall@10 ≥ {RECALL_TARGET}, "
                         f"RSS < 6 GiB: {'met' if ok else 'NOT met'}")
        if row["size"] == 100_000:
            ok = row["ingest_chunks_per_s"] >= INGEST_TARGET
            lines.append(f"- 100k, {row['backend']}, ef {row['ef']}: ingest ≥ {INGEST_TARGET:,.0f} chunks/s without embedding: "
                         f"{'met' if ok else 'NOT met'} ({row['ingest_chunks_per_s']:,.0f}/s)")
    if not any(r["size"] >= 1_000_000 for r in rows):
        lines.append("- 1M chunks: not run in this report (time on the shared machine; see the closing note).")
    if stopped:
        lines += ["", "## Stopped", ""] + [f"- {s}" for s in stopped]
    lines += ["", "![scale chart](scale.png)", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), "utf-8")
    _write_chart(rows, path.with_suffix(".png"))


def _write_chart(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on servers
    import matplotlib.pyplot as plt

    panels = (("dense_p95_ms", "dense search p95 (ms)"), ("recall_at_10", "recall@10 vs exact"),
              ("rss_mib", "serving RSS (MiB)"), ("ingest_chunks_per_s", "ingest chunks/s (no embedding)"))
    figure, axes = plt.subplots(1, len(panels), figsize=(16, 3.6))
    for axis, (key, title) in zip(axes, panels):
        for backend in sorted({r["backend"] for r in rows}):
            best_ef = max(r["ef"] for r in rows if r["backend"] == backend)
            mine = [r for r in rows if r["backend"] == backend and r["ef"] == best_ef and key in r]
            axis.plot([r["size"] for r in mine], [r[key] for r in mine], marker="o", label=f"{backend} ef={best_ef}")
        axis.set_xscale("log")
        axis.set_xlabel("chunks")
        axis.set_title(title)
        axis.grid(alpha=0.3)
    axes[0].legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
