"""A bounded pool for CPU-bound work, so the event loop keeps serving while models run.

Threads, not processes: the index, tokenizer and embedder live once in memory and the heavy
parts (FAISS, ONNX, numpy) release the GIL. At most ``workers`` jobs run and ``queue_size``
more wait; a request beyond that is refused at once with ``PoolSaturatedError`` (the API
answers 503 with Retry-After) instead of piling up until clients time out.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from policyqa.errors import PolicyQAError

T = TypeVar("T")


class PoolSaturatedError(PolicyQAError):
    """Every worker is busy and the waiting queue is full."""

    def __init__(self, retry_after: int):
        super().__init__(f"server busy; retry after {retry_after} s")
        self.retry_after = retry_after


class WorkPool:
    """``workers`` threads plus a waiting room of ``queue_size`` jobs."""

    def __init__(self, workers: int = 2, queue_size: int = 16, retry_after: int = 1):
        if workers < 1 or queue_size < 0:
            raise ValueError("workers must be >= 1 and queue_size >= 0")
        self.workers = workers
        self.capacity = workers + queue_size
        self.retry_after = retry_after
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="policyqa-work")
        self._slots = threading.BoundedSemaphore(self.capacity)
        self._lock = threading.Lock()
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        """Jobs running or waiting now."""
        return self._in_flight

    async def run(self, function: Callable[..., T], *args, **kwargs) -> T:
        """Run ``function`` on the pool and await it; ``PoolSaturatedError`` when full."""
        if not self._slots.acquire(blocking=False):
            raise PoolSaturatedError(self.retry_after)
        with self._lock:
            self._in_flight += 1
        try:
            future = self._executor.submit(function, *args, **kwargs)
        except BaseException:
            self._release()
            raise
        # The slot is freed when the job ends, not when the caller stops waiting: a client
        # that disconnects must not let more jobs in than the pool can hold.
        future.add_done_callback(lambda _: self._release())
        return await asyncio.wrap_future(future)

    def _release(self) -> None:
        with self._lock:
            self._in_flight -= 1
        self._slots.release()

    def shutdown(self) -> None:
        """Stop accepting work; running jobs finish."""
        self._executor.shutdown(wait=False, cancel_futures=True)
