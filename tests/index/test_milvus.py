"""The Milvus backend on milvus-lite, against the FAISS backend over the same demo index vectors.

Vectors are copied from the shared demo generation (``sync_from_snapshot``): nothing is re-embedded.
"""

from __future__ import annotations

import pytest

from index.backends import make_retriever
from index.milvus import MilvusChunkIndex, MilvusDenseRetriever, MilvusKeywordRetriever
from policyqa.errors import IndexMismatchError
from policyqa.records import SearchFilter

pytestmark = pytest.mark.slow

QUERIES = (
    "政务数据大脑整改措施有哪些",
    "一网统管怎么推进",
    "项目预算执行率是多少",
    "市民用手机办理政务服务",
    "数据共享存在什么问题",
    "东政数函〔2022〕37号",
)


@pytest.fixture(scope="module")
def milvus_index(demo_snapshot, tmp_path_factory):
    """A milvus-lite collection (dense + Milvus BM25) holding the demo generation."""
    index = MilvusChunkIndex(str(tmp_path_factory.mktemp("milvus") / "milvus.db"), demo_snapshot.manifest.dim,
                             keyword="milvus")
    added, removed = index.sync_from_snapshot(demo_snapshot)
    assert (added, removed) == (len(demo_snapshot.catalog), 0)
    yield index
    index.close()


@pytest.fixture(scope="module")
def milvus_dense(demo_snapshot, milvus_index):
    return MilvusDenseRetriever(demo_snapshot.catalog, milvus_index, demo_snapshot.embedder)


def _filters(documents):
    docs = sorted(documents.values(), key=lambda d: d.source)
    dated = sorted(d.date for d in docs if d.date)
    yield SearchFilter(doc_types=(docs[0].doc_type,))
    yield SearchFilter(doc_ids=(docs[1].doc_id, docs[3].doc_id))
    yield SearchFilter(sources=(docs[2].source,))
    yield SearchFilter(issuers=((docs[0].issuer or "东营")[:3],))
    yield SearchFilter(date_from=dated[len(dated) // 2])
    yield SearchFilter(date_to=dated[0])
    yield SearchFilter(access=("internal",))
    yield SearchFilter(access=("public",), doc_types=("proposal_reply",))


def test_filters_never_return_a_filtered_out_chunk(demo_snapshot, milvus_dense, milvus_index):
    documents = demo_snapshot.catalog.documents()
    keyword = MilvusKeywordRetriever(demo_snapshot.catalog, milvus_index)
    for filters in _filters(documents):
        admitted = {d.doc_id for d in documents.values() if filters.allows(d)}
        for retriever in (milvus_dense, keyword):
            hits = retriever.retrieve("数据共享和政务服务", k=30, filters=filters)
            assert all(filters.allows(h.doc) for h in hits), filters
            # The filter is inside the search: a narrow filter still fills k from what it admits.
            if admitted and retriever is milvus_dense:
                expected = sum(1 for d in demo_snapshot.catalog.doc_ids if d in admitted)
                assert len(hits) == min(30, expected), filters
            if not admitted:
                assert hits == [], filters


@pytest.mark.parametrize("mode", ("dense", "hybrid"))
def test_both_backends_give_the_same_top_results(demo_snapshot, demo_index_dir, milvus_index, mode):
    faiss_side = demo_snapshot.retriever(mode)
    milvus_side = make_retriever(demo_snapshot, mode, backend="milvus", data_dir=demo_index_dir,
                                 milvus_uri=milvus_index.uri)
    for query in QUERIES:
        expected = [h.chunk.chunk_id for h in faiss_side.retrieve(query, k=5)]
        got = [h.chunk.chunk_id for h in milvus_side.retrieve(query, k=5)]
        assert got[0] == expected[0], query
        assert len(set(got) & set(expected)) >= 4, query


def test_filtered_results_match_the_faiss_backend(demo_snapshot, milvus_dense):
    faiss_dense = demo_snapshot.retriever("dense")
    for filters in _filters(demo_snapshot.catalog.documents()):
        expected = [h.chunk.chunk_id for h in faiss_dense.retrieve("一网统管怎么推进", k=3, filters=filters)]
        got = [h.chunk.chunk_id for h in milvus_dense.retrieve("一网统管怎么推进", k=3, filters=filters)]
        assert got == expected, filters


def test_deleting_a_document_then_syncing_removes_exactly_its_chunks(scratch_index_dir, demo_snapshot):
    from index import make_manager, open_index
    from ingest.store import DocumentStore

    snapshot = open_index(scratch_index_dir, embedder=demo_snapshot.embedder, build_missing=False)
    index = MilvusChunkIndex(str(scratch_index_dir / "milvus.db"), snapshot.manifest.dim)
    try:
        assert index.sync_from_snapshot(snapshot) == (len(snapshot.catalog), 0)
        assert index.sync_from_snapshot(snapshot) == (0, 0)  # nothing to do the second time
        gone = sorted(snapshot.catalog.documents().values(), key=lambda d: d.source)[0]
        gone_chunks = {c for c, d in zip(snapshot.catalog.chunk_ids, snapshot.catalog.doc_ids) if d == gone.doc_id}
        with DocumentStore(scratch_index_dir / "policyqa.sqlite3") as store:
            store.delete_document(gone.doc_id)
            make_manager(scratch_index_dir, embedder=demo_snapshot.embedder).sync(store)
        after = open_index(scratch_index_dir, embedder=demo_snapshot.embedder, build_missing=False)
        assert index.sync_from_snapshot(after) == (0, len(gone_chunks))
        assert index.chunk_ids() == set(snapshot.catalog.chunk_ids) - gone_chunks
        hits = MilvusDenseRetriever(after.catalog, index, after.embedder).retrieve(gone.title or "整改", k=50)
        assert hits and all(h.doc.doc_id != gone.doc_id for h in hits)
        # Incremental add: syncing to a generation that has the document again adds just its rows.
        assert index.sync_from_snapshot(demo_snapshot) == (len(gone_chunks), 0)
        back = MilvusDenseRetriever(demo_snapshot.catalog, index, demo_snapshot.embedder).retrieve(
            gone.title or "整改", k=5, filters=SearchFilter(doc_ids=(gone.doc_id,)))
        assert back and {h.chunk.chunk_id for h in back} <= gone_chunks
    finally:
        index.close()


def test_a_collection_built_for_another_embedder_is_refused(milvus_index):
    other = MilvusChunkIndex(milvus_index.uri, milvus_index.dim + 1, keyword="milvus")
    with pytest.raises(IndexMismatchError, match="dim"):
        other.count()


def test_milvus_full_text_search_finds_chinese_terms(demo_snapshot, milvus_index):
    hits = MilvusKeywordRetriever(demo_snapshot.catalog, milvus_index).retrieve("一网统管", k=5)
    assert len(hits) == 5
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))
    assert "一网统管" in hits[0].chunk.text
