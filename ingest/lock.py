"""The ingest lock: one writer of a data directory's documents at a time, across processes.

SQLite would serialise single statements anyway, but an ingest is a sequence of them plus an
index sync; two interleaved runs would race on the kept originals and publish index
generations built from each other's half-finished work. A ``fcntl.flock`` on
``<data_dir>/ingest.lock`` is released by the kernel when its holder dies (even by SIGKILL),
so a crashed ingest never leaves the data directory locked.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from policyqa.errors import IndexBusyError
from policyqa.faults import write_point
from policyqa.storage import storage_error

LOCK_NAME = "ingest.lock"
_POLL_S = 0.1


@contextmanager
def ingest_lock(data_dir: Path, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the data directory's ingest lock; ``IndexBusyError`` if not free within ``wait_s`` seconds."""
    data_dir = Path(data_dir)
    path = data_dir / LOCK_NAME
    try:
        write_point("lock")
        data_dir.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")
    except OSError as exc:
        # Every writer takes this lock first: a read-only or full data dir is reported here,
        # in words, before anything is half-written.
        refusal = storage_error(exc, "写入数据目录")
        if refusal is None:
            raise
        raise refusal from exc
    with handle:
        deadline = time.monotonic() + max(wait_s, 0.0)
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(_busy_message(path, wait_s)) from None
                time.sleep(_POLL_S)
        try:
            # The holder's pid, only to name it in the busy message; the flock is the lock.
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _busy_message(path: Path, wait_s: float) -> str:
    try:
        holder = path.read_text("utf-8").strip()
    except OSError:
        holder = ""
    who = f"（进程 {holder}）" if holder.isdigit() else ""
    waited = f"，已等待 {wait_s:g} 秒" if wait_s > 0 else ""
    return (f"{path.parent} 中另一个入库任务正在运行{who}{waited}；"
            "请等它结束，或用 --wait 秒数 重试")
