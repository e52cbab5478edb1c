"""TXT loader: every Chinese encoding an office produces decodes to the same text."""

from __future__ import annotations

import random
from pathlib import Path

import opencc
import pytest

from ingest.loaders import load_file
from policyqa.errors import DecodeError

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
REPLY = (CORPUS / "003_66915094b21ed0ba.txt").read_text(encoding="utf-8")


def big5_text() -> str:
    """The reply in traditional characters, limited to what Big5 can encode."""
    traditional = opencc.OpenCC("s2t").convert(REPLY)
    return "".join(c for c in traditional if c.isspace() or c.encode("big5", "ignore"))


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("utf-8", REPLY),
        ("utf-8-sig", REPLY),
        ("utf-16", REPLY),
        ("utf-16-le", REPLY),
        ("gb18030", REPLY),
        ("gbk", REPLY),
        ("big5", big5_text()),
    ],
)
def test_each_encoding_decodes_to_the_original_text(tmp_path, encoding, text):
    path = tmp_path / f"reply.{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    assert "".join(load_file(path).pages) == text


@pytest.mark.parametrize(("encoding", "text"), [("gbk", "关于数据共享的答复"), ("big5", "關於數據共享的答覆")])
def test_a_short_legacy_file_is_not_mistaken_for_korean_or_japanese(tmp_path, encoding, text):
    path = tmp_path / "short.txt"
    path.write_bytes(text.encode(encoding))
    assert load_file(path).pages == (text,)


def test_windows_line_endings_become_newlines(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes("第一行\r\n第二行\r\n".encode("gb18030"))
    assert load_file(path).pages == ("第一行\n第二行\n",)


def test_a_file_mixing_two_encodings_is_refused(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes(REPLY[:1500].encode("utf-8") + REPLY[1500:].encode("gbk"))
    with pytest.raises(DecodeError) as caught:
        load_file(path)
    assert caught.value.source == "mixed.txt"
    assert "mixed.txt" in str(caught.value)


def test_binary_noise_is_refused_with_the_file_name(tmp_path):
    path = tmp_path / "noise.txt"
    path.write_bytes(random.Random(7).randbytes(5000))
    with pytest.raises(DecodeError, match="noise.txt"):
        load_file(path)


def test_form_feeds_separate_pages(tmp_path):
    path = tmp_path / "paged.txt"
    path.write_text("第一页内容\f第二页内容", encoding="utf-8")
    assert load_file(path).pages == ("第一页内容", "第二页内容")
