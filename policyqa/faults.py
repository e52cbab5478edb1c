"""Fault injection for the crash-safety tests: die or fail at a named point, on request.

``POLICYQA_CRASH_AT=<point>`` in the environment of an ingest process makes it stop at that
point the way a real fault would: ``SIGKILL`` for a crash (no cleanup, no ``finally``, no
flush) or ``OSError(ENOSPC)`` for points named ``enospc_*`` (a full disk). Unset, each call
is one dictionary lookup. Named points:

``after_sqlite_commit``        ingest committed a document, the kept original not yet swapped in
``during_index_save``          half of a new index generation written to its staging directory
``enospc_during_index_save``   the same point, failing as a full disk does
``between_generations``        a new generation complete on disk, ``CURRENT`` not yet switched

``POLICYQA_PAUSE_AT=<point>:<release-file>`` holds the process at that point instead: it creates
``<release-file>.reached`` and waits (at most ``PAUSE_LIMIT_S``) until ``<release-file>`` exists,
so concurrency tests can act while an ingest is provably in the middle of its work.
"""

from __future__ import annotations

import errno
import os
import signal
import time
from pathlib import Path

CRASH_ENV = "POLICYQA_CRASH_AT"
PAUSE_ENV = "POLICYQA_PAUSE_AT"
PAUSE_LIMIT_S = 300


def crash_point(name: str) -> None:
    """Crash (SIGKILL) or raise ENOSPC here when ``POLICYQA_CRASH_AT`` names this point;
    wait here when ``POLICYQA_PAUSE_AT`` does."""
    point, _, release = os.environ.get(PAUSE_ENV, "").partition(":")
    if point == name and release:
        _hold_until(Path(release))
    if os.environ.get(CRASH_ENV) != name:
        return
    if name.startswith("enospc_"):
        raise OSError(errno.ENOSPC, f"No space left on device (injected at {name})")
    os.kill(os.getpid(), signal.SIGKILL)


def _hold_until(release: Path) -> None:
    Path(f"{release}.reached").touch()
    deadline = time.monotonic() + PAUSE_LIMIT_S
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
