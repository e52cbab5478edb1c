"""Query expansion: a question in everyday words reaches clauses written in the documents' own words."""

from __future__ import annotations

from index.synonyms import SYNONYMS_PATH, SynonymTable
from index.tokenize import ChineseTokenizer


def test_everyday_word_finds_the_document_word(demo_snapshot):
    # No document says 花钱; they say 资金 / 经费.
    assert not any("花钱" in c.text for c in demo_snapshot.catalog.store.iter_chunks())
    hits = demo_snapshot.retriever("bm25").retrieve("数字政府建设花钱的情况", k=5)
    assert hits and all(("资金" in h.chunk.text) or ("经费" in h.chunk.text) or ("支出" in h.chunk.text) for h in hits)
    assert {"资金", "经费", "支出"} & {t for h in hits for t in h.matched_terms}


def test_expansion_touches_queries_only_so_editing_the_list_needs_no_reindex():
    with_list = ChineseTokenizer()
    without = ChineseTokenizer(synonyms=SynonymTable(()))
    assert with_list.version == without.version
    assert with_list.tokenize("老人办事") == without.tokenize("老人办事")
    assert "老年人" in with_list.tokenize_query("老人办事") and "老年人" not in without.tokenize_query("老人办事")


def test_every_synonym_entry_maps_a_word_to_other_words():
    table = SynonymTable.from_file(SYNONYMS_PATH)
    assert len(table.entries) >= 30
    for word, alternatives in table.entries:
        assert alternatives and word not in alternatives, word
    assert len({w for w, _ in table.entries}) == len(table.entries), "a word is listed twice"
