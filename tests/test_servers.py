"""A server that a test starts and that crashes is reported as a crash, with its log tail."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.servers import dead_servers, describe, unwatch, watch

CRASHING_SERVER = "import os, signal, sys; print('loading model', flush=True); os.kill(os.getpid(), signal.SIGSEGV)"


def test_a_crashed_server_reports_its_signal_and_log_tail(tmp_path: Path) -> None:
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([sys.executable, "-c", CRASHING_SERVER], stdout=log, stderr=subprocess.STDOUT)
        process.wait(timeout=30)
    watch("fake server", process, log_path)
    try:
        assert process in [w.process for w in dead_servers()]
        message = describe("fake server", process, log_path)
        assert "SIGSEGV" in message and "loading model" in message
    finally:
        unwatch(process)
    assert process not in [w.process for w in dead_servers()]
