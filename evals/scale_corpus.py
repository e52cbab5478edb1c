"""A synthetic corpus of any size grown from the demo documents, for the scale benchmark.

Text: each synthetic chunk recombines clauses (sentences split at 。；！？) drawn from the real
demo chunks, at the real chunks' lengths, so the keyword side sees Chinese policy text with
realistic term statistics. Vectors: embedding millions of chunks would take days on 2 cores, so a
chunk's vector is a normalised random mixture of the real embeddings of the chunks its clauses
came from, plus a little noise: it lies where a real embedding of that text would roughly be.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from policyqa.records import Chunk, DocumentInfo

CHUNKS_PER_DOC = 40
_CLAUSE_END = re.compile(r"(?<=[。；！？])")
_DOC_TYPES = ("plan", "proposal_reply", "evaluation_report", "rectification_letter", "other")
_ISSUERS = ("东营市大数据局", "东营市人民政府办公室", "东营市财政局", "东营区政务服务中心", "垦利区大数据中心")
_ACCESS = ("public", "public", "public", "internal")


@dataclass(frozen=True)
class SeedCorpus:
    """The real material: demo chunk texts, their clauses, and their real passage embeddings."""

    texts: list[str]
    vectors: np.ndarray  # (n, dim), unit rows
    clauses: list[str]
    clause_source: np.ndarray  # index into texts/vectors of each clause's chunk


def load_seed(corpus_dir: Path, work_dir: Path) -> SeedCorpus:
    """Ingest the demo TXT files and embed their chunks (through the passage cache: normally no model run)."""
    from index import default_embedder
    from index.texts import DEFAULT_DENSE_FIELDS, compose_index_text
    from ingest.chunk import ClauseChunker
    from ingest.pipeline import Ingestor
    from ingest.store import DocumentStore

    with DocumentStore(work_dir / "seed.sqlite3") as store:
        Ingestor(store, ClauseChunker(), files_dir=work_dir / "seed_files").ingest_paths(
            sorted(Path(corpus_dir).glob("*.txt")), progress=False)
        documents = {d.doc_id: d for d in store.list_documents()}
        chunks = list(store.iter_chunks())
    texts = [c.text for c in chunks]
    vectors = default_embedder().embed(
        [compose_index_text(documents[c.doc_id], c, DEFAULT_DENSE_FIELDS) for c in chunks], "passage")
    clauses, sources = [], []
    for i, text in enumerate(texts):
        for clause in _CLAUSE_END.split(text):
            if len(clause.strip()) >= 6:
                clauses.append(clause.strip())
                sources.append(i)
    return SeedCorpus(texts, np.asarray(vectors, dtype=np.float32), clauses, np.asarray(sources))


def synthesise(seed: SeedCorpus, count: int, rng_seed: int = 7, noise: float = 0.25
               ) -> Iterator[tuple[DocumentInfo, list[Chunk], np.ndarray]]:
    """Synthetic documents of ``CHUNKS_PER_DOC`` chunks each, with one vector per chunk, ``count`` chunks in all."""
    rng = np.random.default_rng(rng_seed)
    lengths = np.asarray([len(t) for t in seed.texts])
    dim = seed.vectors.shape[1]
    for doc_no in range((count + CHUNKS_PER_DOC - 1) // CHUNKS_PER_DOC):
        n = min(CHUNKS_PER_DOC, count - doc_no * CHUNKS_PER_DOC)
        doc_id = f"syn{doc_no:07d}"
        doc = DocumentInfo(
            doc_id=doc_id, source=f"{doc_id}.txt", path=f"synthetic/{doc_id}.txt", content_hash=doc_id,
            title=seed.clauses[rng.integers(len(seed.clauses))][:30], issuer=_ISSUERS[doc_no % len(_ISSUERS)],
            date=f"{2015 + doc_no % 10}-{1 + doc_no % 12:02d}-{1 + doc_no % 28:02d}",
            doc_type=_DOC_TYPES[doc_no % len(_DOC_TYPES)], access=_ACCESS[doc_no % len(_ACCESS)], chunks=n,
        )
        chunks, vectors, offset = [], np.empty((n, dim), dtype=np.float32), 0
        for ordinal in range(n):
            target = int(lengths[rng.integers(len(lengths))])
            picked: list[int] = []
            text = ""
            while len(text) < target:
                clause = int(rng.integers(len(seed.clauses)))
                picked.append(clause)
                text += seed.clauses[clause]
            sources = seed.clause_source[picked]
            mixed = rng.dirichlet(np.ones(len(sources))) @ seed.vectors[sources]
            mixed = mixed + rng.normal(0, noise / np.sqrt(dim), dim)
            vectors[ordinal] = mixed / np.linalg.norm(mixed)
            chunks.append(Chunk(chunk_id=f"{doc_id}-{ordinal:03d}", doc_id=doc_id, ordinal=ordinal,
                                section=("一、合成条款",), pages=(1,), start=offset, end=offset + len(text), text=text))
            offset += len(text)
        yield doc, chunks, vectors
