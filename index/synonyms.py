"""Query expansion with a maintained list of policy-writing synonyms.

Users ask in everyday words (老人, 钱, 附近) while government documents use their own
register (老年人, 资金, 就近); BM25 cannot bridge that gap. ``index/dictionary/synonyms.txt``
maps an everyday word to the document words it stands for. It only touches queries, so
editing it never requires a reindex. Entries are general vocabulary of government writing,
never answers to particular questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.normalize import normalize_text

SYNONYMS_PATH = Path(__file__).resolve().parent / "dictionary" / "synonyms.txt"


@dataclass(frozen=True)
class SynonymTable:
    """Everyday word → document words; a query containing the word also searches for them."""

    entries: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def from_file(cls, path: Path = SYNONYMS_PATH) -> SynonymTable:
        """Lines ``word alt1 alt2 ...`` (``#`` comments and blank lines ignored)."""
        entries = []
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            parts = [normalize_text(p) for p in line.split("#", 1)[0].split()]
            if len(parts) >= 2:
                entries.append((parts[0], tuple(parts[1:])))
        return cls(tuple(entries))

    def expansions(self, query: str) -> list[str]:
        """Document words for every listed word the (normalised) query contains, each once."""
        normalized = normalize_text(query)
        found: dict[str, None] = {}
        for word, alternatives in self.entries:
            if word in normalized:
                found.update((a, None) for a in alternatives if a not in normalized)
        return list(found)
