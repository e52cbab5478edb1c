"""Build a ``ClaimChecker`` over a data directory's index and store."""

from __future__ import annotations

import re
from pathlib import Path

from index import STORE_NAME, open_index
from index.base import Retriever
from ingest.store import DocumentStore
from qa.claims.checker import ClaimChecker


# Addressees are often people (吴焯光代表, 郑俊彦、余映涛委员); only organisations are bodies.
_ORGANISATION = re.compile(r"(?:局|委|办|中心|公司|集团|政府|厅|院|委员会|办公室|支队)$")


def known_bodies(data_dir: Path) -> list[str]:
    """Issuing and addressed organisations of the stored documents: bodies the corpus names."""
    with DocumentStore(Path(data_dir) / STORE_NAME) as store:
        docs = store.list_documents()
    names = {name for d in docs for name in (d.issuer, d.addressee) if name}
    return sorted(n for n in names if len(n) >= 3 and _ORGANISATION.search(n))


def build_claim_checker(
    data_dir: Path, retriever: Retriever | None = None, lexical: Retriever | None = None
) -> ClaimChecker:
    """A checker over the live index of ``data_dir`` (hybrid plus a BM25 pass), or over the
    given retrievers."""
    if retriever is None:
        snapshot = open_index(Path(data_dir))
        retriever, lexical = snapshot.retriever("hybrid"), snapshot.retriever("bm25")
    return ClaimChecker(retriever, known_bodies=known_bodies(data_dir), lexical=lexical)
