"""Writes that fail because of the disk, told apart from bugs and said in words.

A full disk (``ENOSPC``, ``EDQUOT``, SQLite's "database or disk is full") and a read-only data
dir (``EROFS``, ``EACCES``, ``EPERM``, SQLite's "readonly database") are conditions of the
machine, not errors of the program: the CLI and the API report them as such (exit code, 507 /
503 with a message) instead of a traceback or a 500, and reads carry on.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from policyqa.errors import DiskFullError, ReadOnlyDataError, StorageError

_FULL = (errno.ENOSPC, errno.EDQUOT)
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


def storage_error(exc: BaseException, what: str = "写入数据") -> StorageError | None:
    """The ``StorageError`` ``exc`` stands for while doing ``what``, or ``None`` for any other error."""
    if isinstance(exc, StorageError):
        return exc
    detail = ""
    if isinstance(exc, OSError):
        detail = exc.strerror or str(exc)
        full, read_only = exc.errno in _FULL, exc.errno in _READ_ONLY
    elif isinstance(exc, sqlite3.Error):
        detail = str(exc)
        full = "disk is full" in detail
        read_only = "readonly" in detail or "read-only" in detail
    else:
        return None
    if full:
        return DiskFullError(f"磁盘空间不足，无法{what}（{detail}）(disk full)")
    if read_only:
        return ReadOnlyDataError(f"数据目录只读，无法{what}（{detail}）(read-only data directory)")
    return None


@contextmanager
def storage_errors(what: str) -> Iterator[None]:
    """Turn a full disk or a read-only data dir met inside the block into a ``StorageError``."""
    try:
        yield
    except (OSError, sqlite3.Error) as exc:
        converted = storage_error(exc, what)
        if converted is None:
            raise
        raise converted from exc
