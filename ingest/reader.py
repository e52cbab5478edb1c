"""Read-ahead for the ingest pipeline: sandboxed reads run on worker threads, results come back in order.

Parsing (the sandboxed child process of ``ingest.sandbox``) is what an ingest waits for, and
each read is its own process, so N threads that only wait on N children parse N files at a
time. Everything after the read (cleaning, chunking, the store write) stays with the caller,
in input order: one SQLite writer, and the same store whatever N is.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from policyqa.records import LoadedDocument

# Reads kept in flight or finished but not yet consumed, per worker: enough to keep every
# worker busy while the caller writes, without holding a large batch's texts in memory.
READ_AHEAD_PER_WORKER = 2


@dataclass(frozen=True)
class FileRead:
    """One input file as the read-ahead prepared it.

    ``content_hash`` was taken before the read was started (None when hashing failed, so the
    caller retries and reports the error itself). ``future`` is the sandboxed read, or None
    when the planner decided the file needs no read ahead of time (unchanged, or its outcome
    depends on the files written before it).
    """

    path: Path
    content_hash: str | None
    future: Future[LoadedDocument] | None = None

    @property
    def was_read(self) -> bool:
        """Whether a read was started for this file."""
        return self.future is not None

    def loaded(self) -> LoadedDocument:
        """The read's result (waiting for it); raises what the read raised."""
        if self.future is None:
            raise ValueError(f"{self.path.name} was not read ahead")
        return self.future.result()


# The planner, called in the consuming thread just before a file enters the window:
# (path) -> (content hash or None, whether to start its read now).
Planner = Callable[[Path], tuple[str | None, bool]]


def read_ahead(
    files: Iterable[Path],
    plan: Planner,
    load: Callable[[Path], LoadedDocument],
    workers: int,
) -> Iterator[FileRead]:
    """Yield a ``FileRead`` per file, in input order, while up to ``workers`` reads run ahead.

    At most ``READ_AHEAD_PER_WORKER * workers`` files are planned but not yet yielded, so a
    10,000-file batch never sits in memory. ``plan`` runs in the consuming thread (it may
    use the store); ``load`` runs on the worker threads. Closing the generator early cancels
    the reads that have not started.
    """
    workers = max(1, int(workers))
    depth = READ_AHEAD_PER_WORKER * workers
    remaining = iter(files)
    window: deque[FileRead] = deque()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest-read")
    try:
        while True:
            while len(window) < depth:
                path = next(remaining, None)
                if path is None:
                    break
                content_hash, start = plan(path)
                future = pool.submit(load, path) if start else None
                window.append(FileRead(path, content_hash, future))
            if not window:
                return
            yield window.popleft()
    finally:
        # Reads already running finish (each is bounded by the sandbox's timeout); queued ones
        # are dropped, so an interrupted ingest does not parse files nobody will write.
        pool.shutdown(wait=True, cancel_futures=True)
