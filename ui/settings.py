"""The one place configuration is read (env ``POLICYQA_*`` or a ``.env`` file).

Only the CLI and the app factory build a ``Settings``; stage classes take plain arguments.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from index.snapshot import FusionParams
from index.texts import DEFAULT_DENSE_FIELDS, DEFAULT_KEYWORD_FIELDS
from ingest.chunk import DEFAULT_CHUNK_OVERLAP, DEFAULT_CHUNK_PACK, DEFAULT_CHUNK_SIZE

_FUSION = FusionParams()  # the defaults live with the retriever; settings may override them


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICYQA_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")

    # chunking (ingest/chunk.py): clause-bounded, short sibling clauses packed up to chunk_size
    chunk_size: int = DEFAULT_CHUNK_SIZE
    chunk_overlap: int = DEFAULT_CHUNK_OVERLAP
    chunk_pack: bool = DEFAULT_CHUNK_PACK
    # what each side of the index sees of a chunk (index/texts.py: title, doc_number, section, text);
    # env as JSON, e.g. POLICYQA_KEYWORD_FIELDS='["title","section","text"]'
    keyword_fields: tuple[str, ...] = DEFAULT_KEYWORD_FIELDS
    dense_fields: tuple[str, ...] = DEFAULT_DENSE_FIELDS

    # keyword side: "rjieba" (jieba-rs, ~17x faster) or "jieba" (pure Python); both cut alike,
    # and an index built with the other one is refused (its tokenizer version differs)
    segmenter: str = "rjieba"

    # dense side: "e5-small-q4" (bundled, offline) or "sentence-transformers"
    embedder: str = "e5-small-q4"
    embedder_model: str | None = None  # path or name for sentence-transformers
    faiss_exact_max: int = 50_000  # above this many vectors, an approximate (IVF) index
    # where the dense vectors are searched: "faiss" (in the index generation) or "milvus"
    # (milvus-lite file <data_dir>/milvus.db, or the server/cluster at milvus_uri)
    dense_backend: str = "faiss"

    # fusion (index/snapshot.FusionParams): weighted min-max fusion of the top 50 of each side,
    # chosen on the dev split of evals/corpus (RRF at k = 20 or 60 was below it on MRR@10)
    fusion: str = _FUSION.method  # "weighted" or "rrf"
    rrf_k: int = _FUSION.rrf_k  # used when fusion = "rrf"
    bm25_weight: float = _FUSION.bm25_weight
    dense_weight: float = _FUSION.dense_weight
    fusion_candidates: int = _FUSION.candidates  # per side, before fusion

    # answers
    answer_max_sentences: int = 4
    abstain_threshold: float | None = None  # None: the calibrated default of the answerer

    # optional generative answerer (OpenAI-compatible endpoint)
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 20.0

    # ingest limits
    max_file_mb: int = 100
    max_pages: int = 2000
    parse_timeout_s: int = 300
    parse_memory_mb: int = 2048
    # files parsed at once by `policyqa ingest` (each in its own sandboxed process; the store
    # is still written in file order by one thread); 1 reads them one after another
    ingest_workers: int = 2

    # service
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    queue_size: int = 16
    milvus_uri: str | None = None
    # signed file links (ui/api/links.py): None = a random secret kept in <data_dir>/link-secret
    link_secret: str | None = None
    link_ttl_s: int = 3600
    # access (ui/api/access.py): open while no key was ever created; true = open even with keys
    open_access: bool = False
    ui_session_ttl_s: int = 8 * 3600  # how long the UI's 登录 cookie is valid
    # request bodies other than uploads (JSON questions, drafts, chat histories), checked before parsing
    max_body_kb: int = 1024
    # the audit log rotates past this size, keeping this many older files (audit.sqlite3.1, .2, …)
    audit_max_kb: int = 100 * 1024
    audit_keep: int = 3
