"""Whether an optional ``qa`` component exists yet (suites report, never crash, when it does not)."""

from __future__ import annotations

import importlib.util


def missing_module(module: str) -> str | None:
    """``None`` when ``module`` can be imported, else the note the report shows."""
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        found = False
    return None if found else f"not available: {module} is not built yet"
