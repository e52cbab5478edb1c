"""Data-dir permissions and log redaction: what a server leaves where others can read it.

Keys, the audit log, the store and the kept originals of internal documents were created
0644 under the usual umask 022, readable by every local account. The process umask is now
0077 (files 0600, folders 0700), and ``serve`` tightens what an older version or another tool
left open. Signed file links are valid for an hour: the access log keeps their path but not
their signature.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from pathlib import Path

log = logging.getLogger("policyqa.api")

PRIVATE_UMASK = 0o077
_SIGNATURE = re.compile(r"([?&]sig=)[^&\s\"]+")


def private_umask() -> None:
    """Files this process creates are readable by its own account only."""
    os.umask(PRIVATE_UMASK)


def tighten_data_dir(data_dir: Path) -> int:
    """Remove group and other permissions from everything under ``data_dir``; returns how many
    entries changed. A read-only data dir is left as it is (with a warning)."""
    changed = 0
    try:
        for root, dirs, files in os.walk(data_dir):
            for name in (*dirs, *files, *([""] if root == str(data_dir) else [])):
                path = os.path.join(root, name) if name else root
                mode = os.lstat(path).st_mode
                if stat.S_ISLNK(mode) or not mode & 0o077:
                    continue
                os.chmod(path, stat.S_IMODE(mode) & ~0o077)
                changed += 1
    except OSError as exc:
        log.warning("data dir permissions not tightened (%s)", exc.strerror or exc)
    return changed


class RedactSignatures(logging.Filter):
    """Drops the ``sig`` of signed file links from log records (uvicorn's access log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_SIGNATURE.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = _SIGNATURE.sub(r"\1[redacted]", record.msg)
        return True


def redact_access_log() -> None:
    """Install ``RedactSignatures`` on uvicorn's access logger (once)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSignatures) for f in logger.filters):
        logger.addFilter(RedactSignatures())
