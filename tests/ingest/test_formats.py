"""Acceptance: every format of the demo corpus yields the text of its TXT version."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from evals.format_fidelity import flat_text, scanned_expected_text, similarity, txt_twin
from ingest.loaders import load_file
from ingest.sandbox import load_file_isolated

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
FORMATS = CORPUS / "formats"
TEXT_LAYER_FILES = sorted(p.name for p in FORMATS.glob("*") if p.suffix in {".pdf", ".docx"} and "scanned" not in p.name)


@cache
def load_pages(path: Path) -> tuple[str, ...]:
    """Pages of a corpus file, loaded once per test session (the 32-page PDF takes seconds)."""
    return load_file(path).pages


def test_every_document_comes_in_pdf_and_docx_forms():
    assert len(TEXT_LAYER_FILES) >= 6
    assert {txt_twin(name).name for name in TEXT_LAYER_FILES} == {p.name for p in CORPUS.glob("*.txt")}


@pytest.mark.parametrize("name", TEXT_LAYER_FILES)
def test_pdf_and_docx_text_matches_the_txt_version(name):
    recovered = flat_text(load_pages(FORMATS / name))
    expected = flat_text(load_pages(txt_twin(name)))
    assert similarity(recovered, expected) >= 0.97


@pytest.mark.parametrize("name", [n for n in TEXT_LAYER_FILES if n.endswith(".pdf")])
def test_pdf_pages_follow_each_other_in_the_txt(name):
    pages = [flat_text([page]) for page in load_pages(FORMATS / name)]
    expected = flat_text(load_pages(txt_twin(name)))
    position = 0
    for number, page in enumerate(pages, start=1):
        probe = page[:15]
        found = expected.find(probe, position)
        assert found >= 0, f"page {number} opening {probe!r} not found after the previous page"
        position = found + len(probe)


def test_gb18030_text_decodes_identically():
    legacy = load_file(FORMATS / "003_66915094b21ed0ba.gbk.txt")
    assert legacy.pages == load_file(CORPUS / "003_66915094b21ed0ba.txt").pages
    assert any("gb18030" in warning for warning in legacy.warnings)


@pytest.mark.slow
def test_scanned_pdf_is_read_by_ocr_in_the_sandbox():
    scanned = load_file_isolated(FORMATS / "000_72e0c38bb21918d5.scanned.pdf")
    assert scanned.ocr
    assert len(scanned.pages) == 3
    assert any("OCR" in warning for warning in scanned.warnings)
    # The scan holds pages 1-3 of document 000: compared with the TXT up to where they end.
    layer_pages = load_pages(FORMATS / "000_72e0c38bb21918d5.pdf")
    expected = scanned_expected_text()
    ocr_text = flat_text(scanned.pages)
    assert "东财函〔2021〕1159号" in ocr_text
    assert similarity(ocr_text, expected) >= 0.85
    for number, page in enumerate(scanned.pages, start=1):
        assert similarity(flat_text([page]), flat_text([layer_pages[number - 1]])) >= 0.85, f"page {number}"
