"""Citations: verbatim spans of stored chunks, located in their document's cleaned text."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from policyqa.records import SECTION_SEP, Chunk, Citation, DocumentInfo, Hit


def make_citation(
    marker: int,
    hit_or_chunk: Hit | Chunk,
    doc: DocumentInfo | None,
    start: int,
    end: int,
) -> Citation:
    """Cite ``[start, end)`` of a chunk's text (offsets local to ``chunk.text``).

    ``quote`` is the chunk's original text of the span with surrounding whitespace
    trimmed; ``start``/``end`` of the citation are offsets in the document's cleaned
    text (``chunk.start`` + local offsets), so ``document_text[c.start:c.end] == c.quote``.
    ``doc`` may be ``None`` when a ``Hit`` is given (its own ``doc`` is used).
    Raises ``ValueError`` for an empty or out-of-range span.
    """
    if isinstance(hit_or_chunk, Hit):
        chunk = hit_or_chunk.chunk
        doc = doc or hit_or_chunk.doc
    else:
        chunk = hit_or_chunk
    if doc is None:
        raise ValueError("make_citation needs the chunk's DocumentInfo")
    text = chunk.text
    if not 0 <= start < end <= len(text):
        raise ValueError(f"span [{start}, {end}) outside chunk {chunk.chunk_id} of length {len(text)}")
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        raise ValueError(f"span of chunk {chunk.chunk_id} is only whitespace")
    return Citation(
        marker=marker,
        chunk_id=chunk.chunk_id,
        doc_id=chunk.doc_id,
        source=doc.source,
        title=doc.title,
        doc_number=doc.doc_number,
        section=sentence_section(chunk, start),
        pages=chunk.pages,
        quote=text[start:end],
        start=chunk.start + start,
        end=chunk.start + end,
    )


def sentence_section(chunk: Chunk, start: int) -> str:
    """The heading path of the sentence at ``start`` of ``chunk``: the chunk's path (its first
    clause's), with the last element replaced by the sibling heading the sentence stands under (a
    chunk packs sibling clauses, so "2.推进能力评估。…" is cited as such, not as "1.…")."""
    from ingest.headings import match_heading

    path = list(chunk.section)
    # The last heading line up to the line the sentence stands in (a heading line may be the sentence).
    found = next(((level, title) for line_start, level, title in reversed(_heading_lines(chunk.text))
                  if line_start <= start), None)
    if found is None or not path or found[1] in path:
        return chunk.section_path
    level, title = found
    last_level = match_heading(path[-1])
    # Only a sibling of the chunk's first clause (a heading of its level) replaces it: a packed
    # chunk holds siblings only, and a line that merely looks like a heading ("第二条红色双线…" in
    # a 一、 clause) is no clause of its own.
    if last_level is not None and last_level[0] == level:
        path[-1] = title
    return SECTION_SEP.join(path)


@lru_cache(maxsize=4096)
def _heading_lines(text: str) -> tuple[tuple[int, int, str], ...]:
    """(line start, level, title) of every heading line of a chunk's text, read once per text:
    ranking asks for the section of every sentence of every retrieved chunk."""
    from ingest.headings import heading_title, match_heading

    found, offset = [], 0
    for line in text.split("\n"):
        heading = match_heading(line.strip()) if line.strip() else None
        if heading is not None:
            found.append((offset, heading[0], heading_title(line.strip())))
        offset += len(line) + 1
    return tuple(found)


def citation_to_dict(citation: Citation) -> dict[str, Any]:
    """The public JSON shape of a citation (the ``policyqa ask --json`` contract)."""
    return {
        "marker": citation.marker,
        "chunk_id": citation.chunk_id,
        "doc_id": citation.doc_id,
        "source": citation.source,
        "title": citation.title,
        "doc_number": citation.doc_number,
        "section": citation.section,
        "pages": list(citation.pages),
        "quote": citation.quote,
    }


def format_source(citation: Citation) -> str:
    """One readable line naming where a citation comes from: title, 文号, section, pages."""
    parts = [citation.title or citation.source]
    if citation.doc_number:
        parts.append(citation.doc_number)
    if citation.section:
        parts.append(citation.section)
    if citation.pages:
        pages = citation.pages
        parts.append(f"第{pages[0]}页" if len(pages) == 1 else f"第{pages[0]}–{pages[-1]}页")
    return "，".join(parts)
