"""Format fidelity: how much of each document's TXT text every other format of it recovers,
and how the hard layout fixtures come out (paragraphs, tables, clause paths, metadata).

For each PDF and DOCX in ``corpus/formats`` (and the scanned PDF, through OCR in the sandbox)
prints the Indel similarity (2·LCS / total length) between its cleaned text and its TXT
twin's, whitespace removed; the GB18030 file is compared page for page. Issue 2's targets:
≥ 0.97 for text layers, ≥ 0.85 for OCR. Then, per fixture of ``tests/fixtures/layouts``
(issue 22), ``evals/layout_fidelity.py``'s paragraph-boundary precision/recall, table-cell
accuracy, clause-path accuracy and metadata fields right.

    .venv/bin/python evals/format_fidelity.py            # add --no-ocr to skip the scan (~20 s)
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from rapidfuzz.distance import Indel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.clean import strip_page_furniture  # noqa: E402
from ingest.loaders import load_file  # noqa: E402
from ingest.sandbox import load_file_isolated  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
FORMATS = CORPUS / "formats"
SCANNED = "000_72e0c38bb21918d5.scanned.pdf"


def flat_text(pages) -> str:
    """Cleaned text with all whitespace removed (line wrapping differs between formats)."""
    return re.sub(r"\s+", "", "".join(strip_page_furniture(pages)))


def similarity(a: str, b: str) -> float:
    """Indel similarity, 2·LCS/(len a + len b): difflib's ratio without its heuristics, fast on 40K chars."""
    return Indel.normalized_similarity(a, b)


def txt_twin(name: str) -> Path:
    """The TXT version of a file of ``corpus/formats`` (same document id)."""
    return CORPUS / f"{name.split('.')[0]}.txt"


def scanned_expected_text() -> str:
    """The TXT text the scan covers: pages 1-3 of document 000, cut where the text-layer PDF's page 3 ends."""
    layer_pages = load_file(FORMATS / "000_72e0c38bb21918d5.pdf").pages
    page3_end = flat_text(layer_pages[:3])[-20:]
    txt = flat_text(load_file(txt_twin(SCANNED)).pages)
    return txt[: txt.index(page3_end) + len(page3_end)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-ocr", action="store_true", help="skip the scanned PDF")
    parser.add_argument("--no-layouts", action="store_true", help="skip the hard layout fixtures")
    parser.add_argument("-v", "--verbose", action="store_true", help="list what the fixtures got wrong")
    args = parser.parse_args(argv)
    print(f"{'file':42s} {'pages':>5s} {'chars':>7s} {'similarity':>10s} {'target':>6s} {'seconds':>7s}")
    for path in sorted(FORMATS.iterdir()):
        if path.name == SCANNED and args.no_ocr:
            continue
        started = time.perf_counter()
        if path.name == SCANNED:
            loaded, expected, target = load_file_isolated(path), scanned_expected_text(), 0.85
        elif path.suffix in {".pdf", ".docx"}:
            loaded, expected, target = load_file(path), flat_text(load_file(txt_twin(path.name)).pages), 0.97
        elif path.name.endswith(".gbk.txt"):
            loaded, target = load_file(path), 1.0
            expected = flat_text(load_file(txt_twin(path.name)).pages)
        else:
            continue
        text = flat_text(loaded.pages)
        print(f"{path.name:42s} {len(loaded.pages):5d} {len(text):7d} {similarity(text, expected):10.4f} "
              f"{target:6.2f} {time.perf_counter() - started:7.1f}")
    if not args.no_layouts:
        from evals.layout_fidelity import print_scores, score_all

        print()
        print_scores(score_all(), verbose=args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
