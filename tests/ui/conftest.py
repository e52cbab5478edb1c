"""The live server fixtures live in ``tests/live.py`` (shared with ``tests/security``); the
names the UI tests import from here stay importable."""

from tests.live import (  # noqa: F401
    CANARY_PHRASE,
    CANARY_SECRET,
    CANARY_TEXT,
    CANARY_TITLE,
    REPO_ROOT,
    UPLOAD_LIMIT_MB,
    LiveServer,
    start_server,
    stop_server,
    wait_ready,
)
