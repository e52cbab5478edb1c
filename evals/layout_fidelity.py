"""Layout fidelity on the team's hard fixtures (``tests/fixtures/layouts``, issue 22).

Each fixture is ingested through the real pipeline (sandboxed read, cleaning, clause tree,
metadata, chunks) into a scratch store and compared with its truth file:

- paragraph boundaries: precision and recall of the boundaries between the author's
  paragraphs, after aligning the whitespace-free texts (table rows and OCR'd text the
  truth does not list are left out of both counts);
- table cells: share of the truth's (column, value) pairs found in one row of the text,
  written "列名：值";
- clause paths: share of the truth's paragraphs whose chunk carries the section path the
  author's headings give it;
- metadata: the fields the document states (title, 文号, standard number, issuer,
  addressee, date, type);
- notes: page-foot footnotes that come out as one paragraph each (their calls as ⁽n⁾).

    .venv/bin/python evals/layout_fidelity.py [-v]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz.distance import Indel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.pipeline import Ingestor  # noqa: E402
from ingest.store import DocumentStore  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "layouts"
METADATA_FIELDS = ("title", "doc_number", "standard_number", "issuer", "addressee", "date", "doc_type")
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SUPERSCRIPT_RUN = re.compile("⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾")
_TABLE_ROW = re.compile(r"^[^；：]{1,40}：[^；]*(?:；[^；：]{1,40}：[^；]*)+$")


def norm(text: str | None) -> str:
    """Compared form: NFKC, no whitespace, footnote calls ⁽¹⁾ written back as "[n]"."""
    text = _SUPERSCRIPT_RUN.sub(lambda m: f"[{m.group(1).translate(_SUPERSCRIPTS)}]", text or "")
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@dataclass
class Ingested:
    """One fixture as the pipeline stored it."""

    text: str
    chunks: list
    info: object
    warnings: tuple[str, ...]


def ingest_fixture(path: Path, work: Path) -> Ingested:
    """Ingest ``path`` into a scratch store under ``work``."""
    with DocumentStore(work / f"{path.stem}.sqlite3") as store:
        (report,) = Ingestor(store).ingest_paths([path], progress=False)
        if report.status == "failed":
            raise RuntimeError(f"{path.name}: {report.error}")
        return Ingested(store.document_text(report.doc_id), list(store.iter_chunks([report.doc_id])),
                        store.get_document(report.doc_id), report.warnings)


def _boundaries(paragraphs: list[str]) -> tuple[str, set[int]]:
    joined, cuts, position = [], set(), 0
    for paragraph in paragraphs:
        piece = norm(paragraph)
        if not piece:
            continue
        joined.append(piece)
        position += len(piece)
        cuts.add(position)
    cuts.discard(position)
    return "".join(joined), cuts


def boundary_scores(expected: list[str], actual: list[str]) -> tuple[float, float]:
    """(precision, recall) of the actual paragraph boundaries against the expected ones."""
    expected_text, expected_cuts = _boundaries(expected)
    actual_text, actual_cuts = _boundaries(actual)
    mapped: set[int] = set()
    for tag, a1, a2, e1, e2 in Indel.opcodes(actual_text, expected_text):
        if tag != "equal":
            continue
        mapped |= {e1 + (cut - a1) for cut in actual_cuts if a1 <= cut <= a2}
    # Cuts inside text the truth does not hold (table rows, OCR'd pictures) map nowhere.
    precision = len(mapped & expected_cuts) / len(mapped) if mapped else 1.0
    recall = len(mapped & expected_cuts) / len(expected_cuts) if expected_cuts else 1.0
    return precision, recall


def table_cell_accuracy(tables: list[dict], paragraphs: list[str]) -> tuple[int, int]:
    """(right, total) (column, value) pairs: a pair is right when one segment of the best
    matching row reads "列名：值" (the column name may carry a merged header's parts)."""
    rows = [norm(p).split(";") for p in paragraphs]  # NFKC folds "；" and "：" to ASCII
    right = total = 0
    for table in tables:
        for pairs in table["rows"]:
            total += len(pairs)
            best = 0
            for segments in rows:
                found = sum(1 for header, value in pairs
                            if any(_pair_matches(segment, norm(header), norm(value)) for segment in segments))
                best = max(best, found)
            right += best
    return right, total


def _pair_matches(segment: str, header: str, value: str) -> bool:
    name, sep, found = segment.partition(":")
    return bool(sep) and found == value and header in name


def clause_path_accuracy(clauses: list[dict], ingested: Ingested) -> tuple[int, int, list[str]]:
    """(right, total, misses): a citation of each truth paragraph names its clause path (the path
    ``qa.citations.sentence_section`` gives it inside the chunk that holds it: chunks pack sibling
    clauses, and a citation names the heading its own sentence stands under)."""
    from policyqa.records import SECTION_SEP
    from qa.citations import sentence_section

    paragraphs, position = [], 0
    for line in ingested.text.split("\n"):
        paragraphs.append((norm(line), position))
        position += len(line) + 1
    right, misses = 0, []
    cursor = 0
    for clause in clauses:
        want_text = norm(clause["text"])
        index = _find_paragraph(paragraphs, want_text, cursor)
        if index is None:
            misses.append(f"not found: {clause['text'][:30]}")
            continue
        cursor = index + 1
        offset = paragraphs[index][1] + max(paragraphs[index][0].find(want_text[:20]), 0)
        chunk = next((c for c in ingested.chunks if c.start <= offset < c.end), None)
        cited = sentence_section(chunk, offset - chunk.start).split(SECTION_SEP) if chunk is not None else []
        path = [norm(t) for t in cited if t]
        want = [norm(t) for t in clause["path"]]
        # A heading line travels with its first sub-clause's chunk (the chunker never makes a
        # chunk of a bare heading), so a heading may sit below its own path.
        if path == want or (clause.get("heading") and path[: len(want)] == want):
            right += 1
        else:
            misses.append(f"{clause['text'][:24]} → {' > '.join(cited) if chunk else '(no chunk)'}"
                          f"  (want {' > '.join(clause['path'])})")
    return right, len(clauses), misses


def _find_paragraph(paragraphs: list[tuple[str, int]], want: str, cursor: int) -> int | None:
    """The first paragraph from ``cursor`` on that is ``want``, else that holds its start."""
    for test in (lambda p: p == want, lambda p: want[:40] in p):
        for index in list(range(cursor, len(paragraphs))) + list(range(0, cursor)):
            if paragraphs[index][0] and test(paragraphs[index][0]):
                return index
    return None


@dataclass
class Scores:
    """One fixture's figures."""

    name: str
    precision: float
    recall: float
    cells: tuple[int, int]
    clauses: tuple[int, int]
    metadata: dict[str, tuple[object, object]]  # field -> (want, got)
    absent_found: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    seconds: float = 0.0
    notes: tuple[int, int] = (0, 0)  # page-foot footnotes that came out as one paragraph each

    @property
    def metadata_right(self) -> list[str]:
        return [name for name, (want, got) in self.metadata.items() if norm(str(want)) == norm(str(got))]


def score_fixture(truth_path: Path, work: Path) -> Scores:
    """Ingest one fixture and score it against its truth file."""
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    started = time.perf_counter()
    ingested = ingest_fixture(truth_path.parent / truth["file"], work)
    paragraphs = ingested.text.split("\n")
    # The truth lists tables apart (their "列名：值" rows are scored as cells) and page-foot
    # footnotes apart (each must come out as one paragraph, wherever the page put it).
    notes = {norm(note) for note in truth.get("notes", ())}
    prose = [p for p in paragraphs if not _TABLE_ROW.match(p) and norm(p) not in notes]
    missing_notes = sorted(notes - {norm(p) for p in paragraphs})
    precision, recall = boundary_scores(truth["paragraphs"], prose)
    cells = table_cell_accuracy(truth["tables"], paragraphs)
    right, total, misses = clause_path_accuracy(truth["clauses"], ingested)
    info = ingested.info
    metadata = {name: (truth["metadata"].get(name), getattr(info, name)) for name in METADATA_FIELDS}
    flat = norm(ingested.text)
    absent = [s for s in truth.get("absent", ()) if norm(s) in flat]
    return Scores(truth_path.name.removesuffix(".truth.json"), precision, recall, cells, (right, total), metadata,
                  absent, misses + [f"footnote not a paragraph: {n}" for n in missing_notes],
                  time.perf_counter() - started, (len(notes) - len(missing_notes), len(notes)))


def score_all(work: Path | None = None) -> list[Scores]:
    """Scores of every fixture of ``tests/fixtures/layouts``."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(work or scratch)
        return [score_fixture(path, folder) for path in sorted(FIXTURES.glob("*.truth.json"))]


def print_scores(scores: list[Scores], verbose: bool = False) -> None:
    """The per-fixture table (and, verbose, what was wrong)."""
    print(f"{'fixture':30s} {'para P':>6s} {'para R':>6s} {'cells':>9s} {'clauses':>9s} {'metadata':>8s} "
          f"{'notes':>5s} {'s':>5s}")
    for s in scores:
        cells = f"{s.cells[0]}/{s.cells[1]}" if s.cells[1] else "-"
        notes = f"{s.notes[0]}/{s.notes[1]}" if s.notes[1] else "-"
        print(f"{s.name:30s} {s.precision:6.3f} {s.recall:6.3f} {cells:>9s} {s.clauses[0]:>4d}/{s.clauses[1]:<4d} "
              f"{len(s.metadata_right)}/{len(s.metadata):<6d} {notes:>5s} {s.seconds:5.1f}")
        if verbose:
            for name, (want, got) in s.metadata.items():
                if name not in s.metadata_right:
                    print(f"    metadata {name}: want {want!r}, got {got!r}")
            for miss in s.misses:
                print(f"    clause {miss}")
            for found in s.absent_found:
                print(f"    should be gone: {found}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list every wrong field and clause path")
    args = parser.parse_args(argv)
    print_scores(score_all(), verbose=args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
