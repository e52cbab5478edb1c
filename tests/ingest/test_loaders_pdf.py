"""PDF loader: pages kept, encryption handled, limits enforced."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest

from ingest.limits import LoadLimits
from ingest.loaders import load_file
from policyqa.errors import ResourceLimitError

FORMATS = Path(__file__).resolve().parents[2] / "corpus" / "formats"
LETTER = FORMATS / "004_342d9834cd5d19b4.pdf"


def test_one_text_per_pdf_page_in_order():
    document = load_file(LETTER)
    assert len(document.pages) == len(pypdf.PdfReader(LETTER).pages) == 3
    assert "东政数函〔2022〕37号" in document.pages[0]
    assert "2022年7月11日" in document.pages[-1]
    assert not document.ocr


def test_page_limit_is_enforced():
    with pytest.raises(ResourceLimitError, match=r"PDF 共 3 页，超过上限 2 页"):
        load_file(LETTER, LoadLimits(max_pages=2))
