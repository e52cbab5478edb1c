"""Fault injection for the crash-safety and degraded-storage tests: die or fail at a named point.

``POLICYQA_CRASH_AT=<point>[,<point>…]`` in the environment of a process makes it stop at
those points the way a real fault would: ``SIGKILL`` for a crash (no cleanup, no ``finally``,
no flush), ``OSError(ENOSPC)`` for points named ``enospc_*`` (a full disk) and
``OSError(EROFS)`` for points named ``erofs_*`` (a read-only file system). A name may end in
``*``: ``enospc_*`` fills the disk for every write point at once, which is how a full disk
looks to a server. Unset, each call is one dictionary lookup. Named points:

``after_sqlite_commit``        ingest committed a document, the kept original not yet swapped in
``during_index_save``          half of a new index generation written to its staging directory
``enospc_during_index_save``   the same point, failing as a full disk does
``between_generations``        a new generation complete on disk, ``CURRENT`` not yet switched
``upload_accepted``            the server answered 202 to an upload, its ingest not yet begun

Write points (``write_point(name)``, each failing as ``enospc_<name>`` or ``erofs_<name>``) sit
where the data dir is written: ``store_open`` (opening the store read-write), ``store_write``,
``audit_open``, ``audit_write``, ``keys_write``, ``lock`` (the ingest lock file), ``upload_write``
(a received upload), ``upload_journal`` (an upload's job record), ``link_secret``, ``index_write``.
Root ignores file permissions, so tests make a data dir read-only this way, not with chmod.

``POLICYQA_PAUSE_AT=<point>:<release-file>`` holds the process at that point instead: it creates
``<release-file>.reached`` and waits (at most ``PAUSE_LIMIT_S``) until ``<release-file>`` exists,
so concurrency tests can act while an ingest is provably in the middle of its work.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import signal
import time
from pathlib import Path

CRASH_ENV = "POLICYQA_CRASH_AT"
PAUSE_ENV = "POLICYQA_PAUSE_AT"
PAUSE_LIMIT_S = 300
_ERRORS = {"enospc_": (errno.ENOSPC, "No space left on device"), "erofs_": (errno.EROFS, "Read-only file system")}


def _named(name: str) -> bool:
    wanted = os.environ.get(CRASH_ENV)
    if not wanted:
        return False
    return any(pattern == name or ("*" in pattern and fnmatch.fnmatchcase(name, pattern))
               for pattern in (p.strip() for p in wanted.split(",")) if pattern)


def crash_point(name: str) -> None:
    """Crash (SIGKILL), or raise ENOSPC/EROFS for ``enospc_*``/``erofs_*`` names, here when
    ``POLICYQA_CRASH_AT`` names this point; wait here when ``POLICYQA_PAUSE_AT`` does."""
    point, _, release = os.environ.get(PAUSE_ENV, "").partition(":")
    if point == name and release:
        _hold_until(Path(release))
    if not _named(name):
        return
    for prefix, (code, message) in _ERRORS.items():
        if name.startswith(prefix):
            raise OSError(code, f"{message} (injected at {name})")
    os.kill(os.getpid(), signal.SIGKILL)


def write_point(name: str) -> None:
    """A place that writes to the data dir: raises ENOSPC when ``enospc_<name>`` is named,
    EROFS when ``erofs_<name>`` is (patterns such as ``erofs_*`` included)."""
    if os.environ.get(CRASH_ENV):
        for prefix in _ERRORS:
            crash_point(prefix + name)


def _hold_until(release: Path) -> None:
    Path(f"{release}.reached").touch()
    deadline = time.monotonic() + PAUSE_LIMIT_S
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
