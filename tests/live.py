"""A REAL ``policyqa serve`` (uvicorn) on 127.0.0.1 over a copy of the demo index, once per session.

The copy adds a leak canary: an ``internal`` document holding a phrase found nowhere else.
Keys for each role/group are created in the copy's key store before the server starts;
uploads are capped at 1 MB so the 413 path is cheap to exercise.

The fixtures are registered for every test package by ``tests/conftest.py``, so the API, UI
and security suites share one server per session.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.servers import describe, unwatch, watch

REPO_ROOT = Path(__file__).resolve().parents[1]
CANARY_PHRASE = "青鸾七号保密数据舱"
CANARY_TITLE = "关于青鸾七号保密数据舱建设事项的内部通知"
# In every sentence of the canary and in no query: any text of it that reaches a response shows it.
CANARY_SECRET = "玄武QX90417"
CANARY_TEXT = f"""{CANARY_TITLE}

各有关单位：
一、建设目标
{CANARY_PHRASE}（代号{CANARY_SECRET}）由市政务服务数据管理局负责建设，代号{CANARY_SECRET}工程于2023年12月前完成一期，投资金额为1234.5万元。
二、工作要求
（一）{CANARY_PHRASE}（代号{CANARY_SECRET}）的运维数据不得对外公开，相关单位应当严格执行保密制度。
（二）各单位推进数据共享时，应当通过{CANARY_PHRASE}（代号{CANARY_SECRET}）统一对接政务数据大脑。
"""
UPLOAD_LIMIT_MB = 1
READY_TIMEOUT_S = 300


@dataclass
class LiveServer:
    """A running server: its base URL, data dir and one token per named key."""

    url: str
    data_dir: Path
    tokens: dict[str, str] = field(default_factory=dict)
    canary_doc_id: str = ""
    log_path: Path | None = None
    process: subprocess.Popen | None = None  # for tests that watch the server's memory or restart it

    def client(self, key: str | None = "admin", timeout: float = 120.0) -> httpx.Client:
        """An httpx client for this server authenticated with the named key (None = no key)."""
        headers = {"Authorization": f"Bearer {self.tokens[key]}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _policyqa() -> list[str]:
    return [sys.executable, "-c", "from ui.cli import main; main()"]


def start_server(data_dir: Path, log_path: Path, env: dict[str, str], extra: tuple[str, ...] = ()) -> tuple[
        subprocess.Popen, str]:
    """Start ``policyqa serve`` on a free port; returns the process and its base URL once /healthz answers."""
    port = _free_port()
    log = open(log_path, "wb")
    process = subprocess.Popen(
        [*_policyqa(), "--data-dir", str(data_dir), "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
        cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env}, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    watch(f"policyqa serve :{port}", process, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server did not start: {describe('policyqa serve', process, log_path)}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.3)
    stop_server(process)
    raise RuntimeError(f"server did not start in 60 s: {describe('policyqa serve', process, log_path)}")


def wait_ready(url: str, timeout: float = READY_TIMEOUT_S) -> None:
    """Block until /readyz says the index is loaded and consistent."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = httpx.get(f"{url}/readyz", timeout=30)
        if last.status_code == 200:
            return
        time.sleep(0.5)
    raise RuntimeError(f"server not ready: {last.text if last else 'no answer'}")


def stop_server(process: subprocess.Popen) -> None:
    """SIGTERM (uvicorn's graceful shutdown), then SIGKILL if it lingers."""
    unwatch(process)
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def demo_index_source(request: pytest.FixtureRequest) -> Path:
    """The demo data dir the servers copy (``POLICYQA_TEST_DEMO_INDEX`` may name a prebuilt one,
    copied and never changed, to skip the build while iterating on these tests)."""
    prebuilt = os.environ.get("POLICYQA_TEST_DEMO_INDEX")
    if prebuilt and (Path(prebuilt) / "index").is_dir():
        return Path(prebuilt)
    return request.getfixturevalue("demo_index_dir")


@pytest.fixture(scope="session")
def server_data_dir(demo_index_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the demo index plus the internal canary document and the API keys."""
    from ingest.pipeline import Ingestor
    from ui.api.auth import KEYS_FILE_NAME, KeyStore
    from ui.settings import Settings
    from ui.workspace import Workspace

    data_dir = tmp_path_factory.mktemp("api-data")
    shutil.copytree(demo_index_source, data_dir, dirs_exist_ok=True)
    canary = tmp_path_factory.mktemp("canary") / "canary_internal.txt"
    canary.write_text(CANARY_TEXT, encoding="utf-8")
    with Workspace.open(Settings(data_dir=data_dir)) as workspace:
        template = workspace.ingestor
        report = Ingestor(workspace.store, template.chunker, template.limits, template.files_dir,
                          access="internal").ingest_file(canary)
        assert report.status == "added", report
        workspace.sync_index()
    keys = KeyStore(data_dir / KEYS_FILE_NAME)
    tokens = {
        "admin": keys.create("admin", ["public", "internal"], "tests").token,
        "public_reader": keys.create("reader", ["public"], "tests").token,
        "public_editor": keys.create("editor", ["public"], "tests").token,
        "internal_reader": keys.create("reader", ["public", "internal"], "tests").token,
    }
    (data_dir / "test-tokens.txt").write_text("\n".join(f"{k} {v}" for k, v in tokens.items()))
    (data_dir / "canary-doc-id.txt").write_text(report.doc_id or "")
    return data_dir


@pytest.fixture(scope="session")
def live_server(server_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``policyqa serve`` on 127.0.0.1:<free port>, ready (index loaded), torn down at session end."""
    tokens = dict(line.split(" ", 1) for line in (server_data_dir / "test-tokens.txt").read_text().splitlines())
    log_path = tmp_path_factory.mktemp("server-log") / "server.log"
    process, url = start_server(server_data_dir, log_path, {"POLICYQA_MAX_FILE_MB": str(UPLOAD_LIMIT_MB)})
    try:
        wait_ready(url)
        yield LiveServer(url, server_data_dir, tokens, (server_data_dir / "canary-doc-id.txt").read_text(), log_path,
                         process)
    finally:
        stop_server(process)
