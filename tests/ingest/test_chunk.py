"""Clause-aware chunking of the real documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.chunk import ClauseChunker
from ingest.paragraphs import join_lines
from ingest.structure import iter_sections, parse_sections

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
STEMS = ["000", "001", "002", "003", "004"]


def prepared(stem: str):
    path = next(CORPUS.glob(f"{stem}_*.txt"))
    cleaned = join_lines([path.read_text(encoding="utf-8")])
    return cleaned, parse_sections(cleaned.text)


@pytest.fixture(scope="module")
def documents():
    return {stem: prepared(stem) for stem in STEMS}


@pytest.mark.parametrize("stem", STEMS)
def test_chunks_are_exact_spans_with_a_section_path(documents, stem):
    cleaned, sections = documents[stem]
    chunks = ClauseChunker(400, 80, pack=False).split(stem, cleaned, sections)
    assert chunks
    for chunk in chunks:
        assert chunk.text == cleaned.text[chunk.start : chunk.end]
        assert chunk.section and all(chunk.section)
        assert len(chunk.text) <= 400
        assert chunk.pages == (1,)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


@pytest.mark.parametrize("stem", STEMS)
def test_a_chunk_stays_inside_one_clause(documents, stem):
    cleaned, sections = documents[stem]
    nodes = list(iter_sections(sections))
    for chunk in ClauseChunker(400, 80, pack=False).split(stem, cleaned, sections):
        # Paths can repeat in a document (two "1.项目背景"); the chunk lies in one of them…
        homes = [s for p, s in nodes if p == chunk.section and chunk.start < s.end and chunk.end <= s.end]
        home = max(homes, key=lambda s: s.start)
        if chunk.start < home.start:
            # …possibly preceded by the bare headings of its ancestors, carried down to it.
            carried = [line for line in cleaned.text[chunk.start : home.start].split("\n") if line]
            assert all(any(title in line for title in chunk.section) for line in carried), carried
        # and it does not run into one of that clause's sub-clauses.
        assert all(not (chunk.start < child.start < chunk.end) for _, child in iter_sections(home.children))


def test_every_heading_text_travels_with_its_body(documents):
    cleaned, sections = documents["003"]
    chunks = ClauseChunker(400, 80, pack=False).split("003", cleaned, sections)
    for path, section in iter_sections(sections):
        first = next(c for c in chunks if c.section[: len(path)] == path)
        assert first.start <= section.start + 1 or path[-1] in first.text
        assert len(first.text) > len(path[-1]) + 5  # never a bare heading


def test_long_clauses_split_at_sentence_ends_with_overlap(documents):
    cleaned, sections = documents["002"]
    chunks = ClauseChunker(400, 80, pack=False).split("002", cleaned, sections)
    by_section: dict[tuple, list] = {}
    for chunk in chunks:
        by_section.setdefault(chunk.section, []).append(chunk)
    split = [group for group in by_section.values() if len(group) > 1]
    assert split
    overlapping = 0
    for group in split:
        for before, after in zip(group, group[1:]):
            assert re.search(r"[。！？；]\S{0,2}$|\n", cleaned.text[before.start : before.end][-3:] + "\n") or before.end == after.start
            overlapping += after.start < before.end
            assert after.start < after.end and after.start > before.start
    assert overlapping > 0


@pytest.mark.parametrize("stem", STEMS)
def test_no_cut_inside_numbers_titles_or_document_numbers(documents, stem):
    cleaned, sections = documents[stem]
    text = cleaned.text
    protected = [m.span() for m in re.finditer(r"《[^》]*》|〔\d{4}〕\s*\d+\s*号|\d[\d.,]*\d", text)]
    for chunk in ClauseChunker(120, 20).split(stem, cleaned, sections):
        for start, end in protected:
            assert not (start < chunk.start < end), text[start:end]
            assert not (start < chunk.end < end), text[start:end]


def test_size_is_configurable(documents):
    cleaned, sections = documents["001"]
    small = ClauseChunker(200, 40).split("001", cleaned, sections)
    large = ClauseChunker(800, 100).split("001", cleaned, sections)
    assert len(small) > len(large)
    assert max(len(c.text) for c in small) <= 200
    with pytest.raises(ValueError):
        ClauseChunker(100, 100)


def test_chunk_ids_are_stable_and_depend_on_document_and_text(documents):
    cleaned, sections = documents["004"]
    first = ClauseChunker().split("doc-a", cleaned, sections)
    again = ClauseChunker().split("doc-a", cleaned, sections)
    other = ClauseChunker().split("doc-b", cleaned, sections)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert not {c.chunk_id for c in first} & {c.chunk_id for c in other}
    assert len({c.chunk_id for c in first}) == len(first)


@pytest.mark.parametrize("stem", STEMS)
def test_packed_chunks_hold_whole_sibling_clauses_of_one_parent(documents, stem):
    cleaned, sections = documents[stem]
    single = ClauseChunker(1000, 200, pack=False).split(stem, cleaned, sections)
    packed = ClauseChunker(1000, 200, pack=True).split(stem, cleaned, sections)
    assert packed and len(packed) <= len(single)
    for chunk in packed:
        assert chunk.text == cleaned.text[chunk.start : chunk.end]
        assert chunk.section and all(chunk.section), "a packed chunk keeps its parent's heading path"
        assert len(chunk.text) <= 1000
        # Every unpacked clause chunk lies wholly inside one packed chunk or outside it: packing
        # joins whole clauses, never cuts one.
        for piece in single:
            inside = chunk.start <= piece.start and piece.end <= chunk.end
            outside = piece.end <= chunk.start or chunk.end <= piece.start
            overlapping_window = piece.section == chunk.section  # a long clause's own windows
            assert inside or outside or overlapping_window, (chunk.section, piece.section)
            if inside:  # one parent: the chunk's path, or its first clause's siblings
                assert piece.section[: len(chunk.section) - 1] == chunk.section[:-1]
    if stem == "002":
        assert sum(1 for c in packed if any(c.start <= p.start and p.end <= c.end and p.section != c.section
                                                for p in single)) > 5, "short siblings were packed"
