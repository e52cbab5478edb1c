"""Servers the tests start (uvicorn, llama.cpp): when a test fails, say whether its server died.

A fixture that starts a server registers it with ``watch(name, process, log_path)``. When a
test fails, ``tests/conftest.py`` adds a report section per watched server that has exited,
with its exit status (the signal's name for a crash, e.g. SIGSEGV) and the tail of its log,
so a crashed server reads as a crash, not as a refused connection.
"""

from __future__ import annotations

import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

LOG_TAIL_CHARS = 3000


@dataclass
class WatchedServer:
    name: str
    process: subprocess.Popen
    log_path: Path


_WATCHED: list[WatchedServer] = []


def watch(name: str, process: subprocess.Popen, log_path: Path) -> None:
    """Report this server's exit status and log tail when a test fails after it died."""
    _WATCHED.append(WatchedServer(name, process, Path(log_path)))


def unwatch(process: subprocess.Popen) -> None:
    """Forget a server its fixture stopped on purpose."""
    _WATCHED[:] = [w for w in _WATCHED if w.process is not process]


def exit_status(returncode: int | None) -> str:
    """'running', 'exit status 3' or 'killed by SIGSEGV (exit status -11)'."""
    if returncode is None:
        return "running"
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name} (exit status {returncode})"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}"


def log_tail(log_path: Path, chars: int = LOG_TAIL_CHARS) -> str:
    """The last ``chars`` characters of a server's log ('' if it has none yet)."""
    try:
        return Path(log_path).read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return ""


def describe(name: str, process: subprocess.Popen, log_path: Path) -> str:
    """One paragraph a failure message can carry: status and log tail."""
    return f"{name} ({exit_status(process.poll())}); log {log_path}:\n{log_tail(log_path)}"


def dead_servers() -> list[WatchedServer]:
    """The watched servers that have exited."""
    return [w for w in _WATCHED if w.process.poll() is not None]
