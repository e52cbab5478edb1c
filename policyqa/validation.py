"""Checks on names and text that come from users, shared by the CLI, the API and the UI.

An access level names a group of documents and also becomes a folder name under
``<data_dir>/uploads``: it must be a plain name, never a path. Text must be valid Unicode:
a lone UTF-16 surrogate (``"\\ud800"`` in JSON) cannot be encoded, and every stage after the
edge (OpenCC, SQLite, the tokenizer) would fail on it with a 500.
"""

from __future__ import annotations

import re

from policyqa.errors import InvalidAccessLevelError, InvalidTextError

ACCESS_LEVEL_PATTERN = r"[a-z0-9_-]{1,32}"
_ACCESS_LEVEL = re.compile(ACCESS_LEVEL_PATTERN)
# Lone surrogates, NUL and the two non-characters every Unicode plane reserves at its end.
_INVALID_TEXT = re.compile("[\ud800-\udfff\x00\ufffe\uffff]")


def check_access_level(name: str | None) -> str:
    """``name`` when it is a valid access level, else ``InvalidAccessLevelError``."""
    if name is None or not _ACCESS_LEVEL.fullmatch(name):
        shown = repr(name)[:40]
        raise InvalidAccessLevelError(
            f"访问级别 {shown} 无效：只能由 1–32 个小写字母、数字、- 或 _ 组成 "
            f"(invalid access level; allowed: {ACCESS_LEVEL_PATTERN})"
        )
    return name


def is_valid_text(text: str) -> bool:
    """True when ``text`` holds no lone surrogate, NUL or non-character."""
    return _INVALID_TEXT.search(text) is None


def check_text(text: str, what: str = "text") -> str:
    """``text`` when valid, else ``InvalidTextError`` naming the position of the first bad character."""
    bad = _INVALID_TEXT.search(text)
    if bad is not None:
        raise InvalidTextError(f"{what} 含有无效字符（位置 {bad.start()}，U+{ord(bad.group()):04X}）"
                               f" (invalid character in {what})")
    return text
