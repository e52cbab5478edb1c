"""Hostile and broken files: each gets one clear error naming the file and the reason.

Fixtures are generated here, in temporary directories, from real corpus files.
"""

from __future__ import annotations

import random
import zipfile
import zlib
from pathlib import Path

import pypdf
import pytest
from PIL import Image
from pypdf.generic import DictionaryObject, NameObject, StreamObject

from ingest.limits import LoadLimits
from ingest.loaders import load_file
from ingest.sandbox import load_file_isolated
from policyqa.errors import DecodeError, IngestError, ResourceLimitError, UnsupportedFormatError

FORMATS = Path(__file__).resolve().parents[2] / "corpus" / "formats"
LETTER_PDF = FORMATS / "004_342d9834cd5d19b4.pdf"
LETTER_DOCX = FORMATS / "004_342d9834cd5d19b4.docx"
_MB = 1024 * 1024


def assert_names_file_and_reason(error: IngestError, name: str, reason: str) -> None:
    message = str(error)
    assert error.source == name
    assert message.startswith(f"{name}: ")
    assert reason in message, message


def write_pdf_with_streams(path: Path, contents: list[bytes], compress_level: int | None = None) -> Path:
    """A PDF whose page i draws ``contents[i]`` (raw or Flate-compressed content stream)."""
    writer = pypdf.PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    }))
    for content in contents:
        page = writer.add_blank_page(595, 842)
        stream = StreamObject()
        if compress_level is None:
            stream.set_data(content)
        else:
            stream._data = content
            stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    writer.write(path)
    return path


@pytest.fixture(scope="module")
def pdf_bomb(tmp_path_factory) -> Path:
    """1 MB on disk that inflates to 256 MB, more than the default 200 MB decompression cap."""
    compressor = zlib.compressobj(1)
    chunk = b" " * _MB
    deflated = b"".join(compressor.compress(chunk) for _ in range(256)) + compressor.flush()
    path = tmp_path_factory.mktemp("bomb") / "bomb.pdf"
    return write_pdf_with_streams(path, [deflated], compress_level=1)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(IngestError) as caught:
        load_file(path)
    assert_names_file_and_reason(caught.value, "empty.pdf", "文件为空")


def test_whitespace_only_text_is_empty(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_text(" \n\n\t\n", encoding="utf-8")
    with pytest.raises(IngestError) as caught:
        load_file(path)
    assert_names_file_and_reason(caught.value, "blank.txt", "为空")


@pytest.mark.parametrize("fraction", [0.2, 0.6, 0.95])
def test_truncated_pdf(tmp_path, fraction):
    data = LETTER_PDF.read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(IngestError) as caught:
        load_file(path)
    assert_names_file_and_reason(caught.value, "cut.pdf", "已损坏或不完整")


def test_encrypted_pdf_with_a_password(tmp_path):
    writer = pypdf.PdfWriter(clone_from=LETTER_PDF)
    writer.encrypt(user_password="letmein", owner_password="owner-secret", algorithm="AES-256")
    path = tmp_path / "locked.pdf"
    writer.write(path)
    with pytest.raises(IngestError) as caught:
        load_file(path)
    assert_names_file_and_reason(caught.value, "locked.pdf", "已加密，需要密码")


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_encrypted_pdf_with_an_empty_user_password_loads(tmp_path, algorithm):
    writer = pypdf.PdfWriter(clone_from=LETTER_PDF)
    writer.encrypt(user_password="", owner_password="owner-secret", algorithm=algorithm)
    path = tmp_path / "print-protected.pdf"
    writer.write(path)
    assert load_file(path).pages == load_file(LETTER_PDF).pages


def test_pdf_decompression_bomb_hits_the_parser_limit(pdf_bomb):
    with pytest.raises(ResourceLimitError) as caught:
        load_file(pdf_bomb)
    assert_names_file_and_reason(caught.value, "bomb.pdf", "解压炸弹")


def test_zero_page_pdf(tmp_path):
    path = tmp_path / "nopages.pdf"
    pypdf.PdfWriter().write(path)
    with pytest.raises(IngestError) as caught:
        load_file(path)
    assert_names_file_and_reason(caught.value, "nopages.pdf", "PDF 没有页面")


@pytest.fixture(scope="module")
def five_hundred_pages(tmp_path_factory) -> Path:
    contents = [f"BT /F1 12 Tf 72 720 Td (Clause {n} of the long annex.) Tj ET".encode() for n in range(1, 501)]
    return write_pdf_with_streams(tmp_path_factory.mktemp("long") / "long.pdf", contents)


def test_500_page_pdf_loads_within_the_default_limits(five_hundred_pages):
    document = load_file(five_hundred_pages)
    assert len(document.pages) == 500
    assert "Clause 500 of the long annex." in document.pages[-1]


def test_500_page_pdf_over_the_page_limit(five_hundred_pages):
    with pytest.raises(ResourceLimitError) as caught:
        load_file(five_hundred_pages, LoadLimits(max_pages=200))
    assert_names_file_and_reason(caught.value, "long.pdf", "PDF 共 500 页，超过上限 200 页")


def test_jpeg_renamed_pdf(tmp_path):
    path = tmp_path / "scan.pdf"
    Image.new("RGB", (64, 64), "white").save(path, format="JPEG")
    with pytest.raises(UnsupportedFormatError) as caught:
        load_file(path)
    assert_names_file_and_reason(caught.value, "scan.pdf", "JPEG 图片")


def test_zip_that_is_not_a_docx(tmp_path):
    path = tmp_path / "report.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    with pytest.raises(UnsupportedFormatError) as caught:
        load_file(path)
    assert_names_file_and_reason(caught.value, "report.docx", "既不是 Word（DOCX）文档，也不是 OFD 版式文件")


def test_pdf_renamed_txt_is_read_as_pdf(tmp_path):
    path = tmp_path / "letter.txt"
    path.write_bytes(LETTER_PDF.read_bytes())
    document = load_file(path)
    assert document.pages == load_file(LETTER_PDF).pages
    assert any("文件内容是 PDF，但扩展名是 .txt" in warning for warning in document.warnings)


def test_docx_zip_bomb_by_compression_ratio(tmp_path):
    path = tmp_path / "bomb.docx"
    path.write_bytes(LETTER_DOCX.read_bytes())
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/padding.bin", bytes(40 * _MB))
    with pytest.raises(ResourceLimitError) as caught:
        load_file(path)
    assert_names_file_and_reason(caught.value, "bomb.docx", "压缩炸弹")


def test_docx_expanding_beyond_the_limit(tmp_path):
    with pytest.raises(ResourceLimitError) as caught:
        load_file(LETTER_DOCX, LoadLimits(max_decompressed_bytes=20_000))
    assert_names_file_and_reason(caught.value, LETTER_DOCX.name, "超过上限 20000 字节")


def test_docx_xml_entity_bomb(tmp_path):
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
        + "]>"
    )
    path = tmp_path / "lolz.docx"
    with zipfile.ZipFile(LETTER_DOCX) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "word/document.xml":
                body = data.decode("utf-8").split("?>", 1)[1]
                data = (laughs + body.replace("东莞市政务服务数据管理局", "&lol9;", 1)).encode("utf-8")
            target.writestr(entry, data)
    with pytest.raises(IngestError) as caught:
        load_file(path)
    assert_names_file_and_reason(caught.value, "lolz.docx", "声明了 DTD/实体")


def test_undecodable_bytes(tmp_path):
    path = tmp_path / "garbage.txt"
    path.write_bytes(random.Random(3).randbytes(20_000))
    with pytest.raises(DecodeError) as caught:
        load_file(path)
    assert_names_file_and_reason(caught.value, "garbage.txt", "编码")


def test_file_over_the_size_limit(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("数据共享" * 1000, encoding="utf-8")
    with pytest.raises(ResourceLimitError) as caught:
        load_file(path, LoadLimits(max_bytes=1000))
    assert_names_file_and_reason(caught.value, "big.txt", "超过上限 1000 字节")


# --- the sandbox: limits the parsers cannot enforce themselves -------------------------


def test_sandbox_returns_the_same_document_as_in_process():
    assert load_file_isolated(LETTER_PDF) == load_file(LETTER_PDF)


def test_sandbox_passes_loader_errors_through_unchanged(tmp_path):
    path = tmp_path / "photo.pdf"
    Image.new("RGB", (32, 32)).save(path, format="PNG")
    with pytest.raises(UnsupportedFormatError) as caught:
        load_file_isolated(path)
    assert_names_file_and_reason(caught.value, "photo.pdf", "PNG 图片")


def test_sandbox_turns_a_timeout_into_a_resource_limit_error():
    with pytest.raises(ResourceLimitError) as caught:
        load_file_isolated(FORMATS / "002_4a82e6608af59380.pdf", LoadLimits(timeout_s=0.2))
    assert_names_file_and_reason(caught.value, "002_4a82e6608af59380.pdf", "超过了 0.2 秒的时限")


def test_sandbox_memory_limit_stops_a_bomb_the_parser_limit_lets_through(pdf_bomb):
    # With pypdf's cap raised to 2 GB only the child's address-space limit stands in the way.
    limits = LoadLimits(max_decompressed_bytes=2048 * _MB, memory_mb=350)
    with pytest.raises(ResourceLimitError) as caught:
        load_file_isolated(pdf_bomb, limits)
    assert_names_file_and_reason(caught.value, "bomb.pdf", "350 MB")
