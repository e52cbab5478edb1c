"""The HTTP API (FastAPI): ``create_app(settings)`` builds it; ``policyqa serve`` runs it."""

from __future__ import annotations


def create_app(*args, **kwargs):
    """Lazy alias of ``ui.api.app.create_app`` (importing the package loads nothing heavy)."""
    from ui.api.app import create_app as factory

    return factory(*args, **kwargs)
