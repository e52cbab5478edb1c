"""Helpers for the security suite: the attacks of issue 20 against a real ``policyqa serve``.

Most tests use the session's shared ``live_server`` (tests/live.py: keys for each role, the
internal canary document). Attacks that change the server for good (revoking every key,
a full disk) get a server of their own over a copy of the same data dir (``own_server``).
Gradio events are called the way an attacker calls them: ``POST /ui/gradio_api/call/<name>``
with a JSON payload, then the event's result stream.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.live import CANARY_SECRET, CANARY_TITLE, LiveServer, start_server, stop_server, wait_ready


@dataclass(frozen=True)
class GradioResult:
    """What a Gradio event call answered: the HTTP status of the call, the last event's name
    (``complete`` or ``error``) and its data, and everything the client received as text
    (each event's data decoded, so Chinese reads as Chinese, not as JSON escapes)."""

    status: int
    event: str | None
    data: object
    raw: str


def gradio_call(server: LiveServer, key: str | None, api_name: str, data: list, session_hash: str | None = None,
                headers: dict[str, str] | None = None, timeout: float = 120.0) -> GradioResult:
    """Call the UI event ``api_name`` with ``data`` as the named key (None: no key)."""
    with server.client(key, timeout=timeout) as client:
        body: dict = {"data": data}
        if session_hash:
            body["session_hash"] = session_hash
        started = client.post(f"/ui/gradio_api/call/{api_name}", json=body, headers=headers or {})
        if started.status_code != 200:
            return GradioResult(started.status_code, None, None, started.text)
        event_id = started.json()["event_id"]
        stream = client.get(f"/ui/gradio_api/call/{api_name}/{event_id}", headers=headers or {})
    event, payload, seen = None, None, [started.text]
    for block in stream.text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            event = lines["event"]
            payload = json.loads(lines["data"]) if lines.get("data") not in (None, "null") else None
            seen.append(f"{event}: {json.dumps(payload, ensure_ascii=False)}")
    return GradioResult(stream.status_code, event, payload, "\n".join(seen))


def assert_no_canary(server: LiveServer, text: str) -> None:
    """No text, title, amount or id of the internal canary document in ``text``."""
    assert CANARY_SECRET not in text
    assert "1234.5万元" not in text
    assert CANARY_TITLE not in text
    assert server.canary_doc_id not in text


@pytest.fixture(scope="module")
def own_server(server_data_dir: Path, tmp_path_factory: pytest.TempPathFactory,
               ) -> Iterator[Callable[..., LiveServer]]:
    """Starts servers of this module's own over fresh copies of the shared data dir (keys and
    canary included): ``own_server(env={...})``. All are stopped at the end of the module."""
    processes = []

    def start(env: dict[str, str] | None = None, data_dir: Path | None = None) -> LiveServer:
        if data_dir is None:
            data_dir = tmp_path_factory.mktemp("own-server") / "data"
            shutil.copytree(server_data_dir, data_dir)
        log_path = data_dir.parent / f"server-{len(processes)}.log"
        process, url = start_server(data_dir, log_path, {"POLICYQA_MAX_FILE_MB": "1", **(env or {})})
        processes.append(process)
        wait_ready(url)
        tokens = dict(line.split(" ", 1) for line in (data_dir / "test-tokens.txt").read_text().splitlines())
        return LiveServer(url, data_dir, tokens, (data_dir / "canary-doc-id.txt").read_text(), log_path, process)

    yield start
    for process in processes:
        stop_server(process)


def stop(server: LiveServer) -> None:
    """Stop a server ``own_server`` started (gracefully), e.g. to restart it on the same data dir."""
    stop_server(server.process)


def rss_mb(server: LiveServer) -> float:
    """The server process's resident memory (MB), from /proc."""
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) / 1024


def send_until_answered(server: LiveServer, head: str, chunks: Iterator[bytes], limit_bytes: int) -> tuple[bytes, int]:
    """Send ``head`` (request line and headers) then ``chunks`` over a raw socket until the server
    answers or ``limit_bytes`` are sent; returns (the answer's first bytes, bytes of body sent).

    A client library would send the whole body before reading; an attacker does not wait, and
    neither does this: it shows the server answering before it has read the body.
    """
    import socket
    from urllib.parse import urlsplit

    address = urlsplit(server.url)
    answer, sent = b"", 0
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(head.encode())
        try:
            for chunk in chunks:
                if sent >= limit_bytes or b"\r\n\r\n" in answer:
                    break
                sock.sendall(chunk)
                sent += len(chunk)
                sock.settimeout(0.02)
                try:
                    answer += sock.recv(65536)
                except TimeoutError:
                    pass
                sock.settimeout(30)
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(30)
        while not _complete(answer):
            piece = sock.recv(65536)
            if not piece:
                break
            answer += piece
    return answer, sent


def _complete(answer: bytes) -> bool:
    """True once the headers and the Content-Length bytes of body have arrived."""
    head, found, body = answer.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip())
    return True


def healthz_time(server: LiveServer) -> float:
    """Seconds ``/healthz`` takes to answer 200 (fails the test when it does not answer)."""
    import time

    started = time.monotonic()
    response = httpx.get(f"{server.url}/healthz", timeout=5)
    assert response.status_code == 200
    return time.monotonic() - started
