"""OCR of image-only pages: reading order, page numbers kept, OCR flagged."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest

from ingest.loaders import load_file
from ingest.loaders.ocr import order_ocr_lines, restore_doc_number_brackets

FORMATS = Path(__file__).resolve().parents[2] / "corpus" / "formats"


def box(left: float, top: float, right: float, bottom: float) -> list[list[float]]:
    return [[left, top], [right, top], [right, bottom], [left, bottom]]


def test_boxes_are_read_top_to_bottom_then_left_to_right():
    detections = [
        (box(300, 52, 500, 70), "第二段右"),
        (box(80, 10, 280, 30), "标题左"),
        (box(80, 50, 290, 71), "第二段左"),
        (box(290, 12, 480, 31), "标题右"),
        (box(80, 90, 200, 110), "末行"),
    ]
    assert order_ocr_lines(detections) == ["标题左标题右", "第二段左第二段右", "末行"]


def test_latin_words_from_separate_boxes_keep_a_space():
    assert order_ocr_lines([(box(0, 0, 40, 20), "IOC"), (box(50, 0, 90, 20), "2021")]) == ["IOC 2021"]


def test_document_numbers_get_their_printed_brackets_back():
    assert restore_doc_number_brackets("（东财函（2021）1159号）已收悉") == "（东财函〔2021〕1159号）已收悉"
    assert restore_doc_number_brackets("规划（2021-2025年）") == "规划（2021-2025年）"


@pytest.mark.slow
def test_only_the_scanned_page_of_a_mixed_pdf_is_ocred(tmp_path):
    # An image-only page made from the top of the real scan (smaller = faster OCR).
    scan = pypdf.PdfReader(FORMATS / "000_72e0c38bb21918d5.scanned.pdf").pages[0].images[0].image
    scan.crop((0, 0, scan.width, scan.height // 3)).save(tmp_path / "top.pdf", format="PDF", resolution=110)
    writer = pypdf.PdfWriter()
    writer.add_page(pypdf.PdfReader(FORMATS / "004_342d9834cd5d19b4.pdf").pages[0])
    writer.add_page(pypdf.PdfReader(tmp_path / "top.pdf").pages[0])
    path = tmp_path / "mixed.pdf"
    writer.write(path)

    document = load_file(path)
    assert document.ocr
    assert document.pages[0].startswith("东莞市政务服务数据管理局\n东政数函〔2022〕37号")
    assert document.pages[1].startswith("东莞市政务服务数据管理局\n关于东莞市政务数据大脑")
    assert "市财政局：" in document.pages[1]
    assert document.warnings == (
        "第 2 页没有文字层，文字经OCR识别，引用前请核对原件",
    )
