"""What every evaluation suite plugs into: a context in, one result out.

A suite is any object with a ``name`` and ``run(context) -> SuiteResult``. The context hands
out the gold set (already restricted to the chosen split), the data directory, and shared,
lazily opened components, so models load once per ``policyqa eval`` however many suites run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from evals.gold import GoldSet


@dataclass(frozen=True)
class MetricTable:
    """One table of the report: a title, column names and rows of plain values."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def as_records(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name (the JSON form)."""
        return [dict(zip(self.columns, row)) for row in self.rows]


@dataclass(frozen=True)
class SuiteResult:
    """What a suite measured, or why it could not measure (``available=False`` and a ``note``)."""

    name: str
    available: bool
    note: str = ""
    tables: tuple[MetricTable, ...] = ()
    headline: dict[str, float] = field(default_factory=dict)  # a few figures for the summary
    details: dict[str, Any] = field(default_factory=dict)  # per-item data for the JSON report

    @classmethod
    def unavailable(cls, name: str, note: str) -> SuiteResult:
        """A suite that could not run, with the reason shown in the report."""
        return cls(name=name, available=False, note=note)


class EvalContext:
    """Shared inputs of one evaluation run.

    Components are built on first request and kept, so the hybrid retriever a QA suite needs
    is the same object the retrieval suite timed.
    """

    def __init__(self, gold: GoldSet, split: str, workspace: Any):
        self.gold = gold
        self.split = split
        # The product as configured (``ui.workspace.Workspace``): every suite measures its components.
        self.workspace = workspace
        self.data_dir = Path(workspace.settings.data_dir)
        self.config: dict[str, Any] = {}  # suites add what the report should state
        self._shared: dict[str, Any] = {}

    def shared(self, key: str, build: Callable[[], Any]) -> Any:
        """The component stored under ``key``, built by ``build()`` the first time."""
        if key not in self._shared:
            self._shared[key] = build()
        return self._shared[key]

    def retriever(self, mode: str = "hybrid") -> Any:
        """The workspace's retriever for ``mode`` (``hybrid``, ``bm25`` or ``dense``), opened once."""
        from evals.systems import index_systems

        return index_systems(self, (mode,))[0].retriever


class Suite(Protocol):
    """An evaluation over the gold set."""

    name: str

    def run(self, context: EvalContext) -> SuiteResult:
        """Measure and return the result (never raise for a missing component: report it)."""
        ...
