"""What text of a chunk each side of the index sees.

Headings carry words a question uses ("整改措施", "存在问题") that the clause body may never
repeat, so the keyword side prefixes the heading path to the chunk; which fields go to which
side was chosen by measurement (evals/tune_fusion.py), not by taste.
"""

from __future__ import annotations

from collections.abc import Sequence

from policyqa.records import Chunk, DocumentInfo

INDEX_FIELDS = ("title", "doc_number", "section", "text")
# Measured on the dev split of the evaluation corpus (evals/corpus): with documents of several
# cities and years, the title tells them apart (BM25 hit@5 0.81 → 0.85); on the five demo
# documents of one city it had added nothing. The dense side sees the text alone (the title there
# makes every chunk of a document start alike: dense hit@5 fell on both corpora).
DEFAULT_KEYWORD_FIELDS: tuple[str, ...] = ("title", "doc_number", "section", "text")
DEFAULT_DENSE_FIELDS: tuple[str, ...] = ("text",)


def compose_index_text(doc: DocumentInfo, chunk: Chunk, fields: Sequence[str]) -> str:
    """The chunk's indexed text: the chosen ``fields`` joined by newlines, empty ones skipped."""
    unknown = set(fields) - set(INDEX_FIELDS)
    if unknown:
        raise ValueError(f"unknown index fields {sorted(unknown)}; known: {INDEX_FIELDS}")
    values = {
        "title": doc.title or "",
        # Only the document's own first chunk carries its 文号, so a 文号 query ranks it first.
        "doc_number": (doc.doc_number or "") if chunk.ordinal == 0 else "",
        "section": chunk.section_path,
        "text": chunk.text,
    }
    return "\n".join(values[f] for f in fields if values[f])
