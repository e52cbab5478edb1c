"""From a loaded file to what is stored: cleaned text, metadata, clause tree, chunks.

``INGEST_RULES_VERSION`` names the extraction rules below (and the loaders'); each stored
document records the version it was extracted with, and a document extracted with older
rules is extracted again from its kept original (``Ingestor.refresh_stale``, run by
``policyqa reindex`` and ``policyqa ingest``), so an existing data directory gets the fixes.
Bump it whenever a change alters what extraction produces for the same file.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.chunk import ClauseChunker
from ingest.clean import clean_pages
from ingest.footnotes import rewrite_footnotes
from ingest.metadata import extract_metadata
from ingest.paragraphs import CleanedText, join_lines
from ingest.structure import parse_sections
from policyqa.errors import IngestError
from policyqa.records import Chunk, LoadedDocument, Section

# 0: before issue 22 (rows of schema 1). 1: per-line paragraphs, layout marks, real table
# grids, standard numbering, TOC by structure, cover metadata, footnotes at ingest.
INGEST_RULES_VERSION = 1


@dataclass(frozen=True)
class Extracted:
    """One document ready to store."""

    cleaned: CleanedText
    metadata: dict
    sections: tuple[Section, ...]
    chunks: list[Chunk]
    warnings: tuple[str, ...]


def extract(doc_id: str, loaded: LoadedDocument, chunker: ClauseChunker) -> Extracted:
    """Clean, join, read footnotes and metadata, build the clause tree and cut chunks."""
    source = loaded.source
    pages, marks, furniture = clean_pages(loaded.pages, loaded.marks)
    pages, marks, _ = rewrite_footnotes(pages, marks)
    cleaned = join_lines(pages, marks, paginated=loaded.paginated)
    if not cleaned.text.strip():
        raise IngestError(source, "无法从文件中提取文字")
    metadata = extract_metadata(cleaned.text, source, property_title=loaded.title, furniture=furniture)
    sections = parse_sections(cleaned.text, front_title=metadata["title"], roles=cleaned.roles)
    chunks = chunker.split(doc_id, cleaned, sections)
    warnings = list(loaded.warnings)
    if len(sections) <= 1:
        warnings.append("未找到编号条款，全文作为一个章节")
    return Extracted(cleaned, metadata, sections, chunks, tuple(warnings))
