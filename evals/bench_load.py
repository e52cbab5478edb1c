"""Load test of a real ``policyqa serve`` on 127.0.0.1: throughput, latency and status codes.

    .venv/bin/python evals/bench_load.py --data-dir DATA [--levels 1,2,4,8,16,32] [--seconds 10]
                                          [--rates 10,40] [--rate-seconds 15] [--out evals/reports/load.md]

``DATA`` is a data dir with a built index (e.g. ``make ingest`` then ``policyqa reindex``). The
server is started here with ``--no-ui`` on a free port and stopped at the end. Each closed-loop
level keeps N clients busy (a client sends its next request when the previous one returns);
the constant-rate run sends requests on a fixed schedule whatever the latency, which is what
shows saturation: past it, the service must refuse with 503 at once, not let clients time out.
Everything is bounded: per-level seconds, a request timeout, and a cap on requests in flight.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # never anything else: this tool must not load a machine it does not own
QUERIES = (
    "政务数据共享", "东莞市数字政府建设项目绩效评价得分", "十四五时期智慧城市建设目标", "东政数函〔2022〕37号",
    "代表建议答复 政务服务", "整改反馈 存在问题", "数据安全保障措施", "一网通办 一网统管",
)
REQUEST_TIMEOUT_S = 30.0
MAX_IN_FLIGHT = 256


@dataclass
class Sample:
    """One request: when it was sent (s from the run's start), its status (0: transport error), latency."""

    sent: float
    status: int
    seconds: float


@dataclass
class RunResult:
    """All samples of one run and how it was driven."""

    label: str
    duration_s: float
    samples: list[Sample] = field(default_factory=list)

    def statuses(self) -> Counter:
        return Counter(s.status for s in self.samples)

    def latencies(self, status: int) -> list[float]:
        return sorted(s.seconds for s in self.samples if s.status == status)

    def throughput(self) -> float:
        """Successful answers per second."""
        return self.statuses()[200] / self.duration_s if self.duration_s else 0.0


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile, None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


async def _one(client: httpx.AsyncClient, path: str, number: int, started: float, samples: list[Sample]) -> None:
    sent = time.perf_counter()
    try:
        response = await client.post(path, json={"query": QUERIES[number % len(QUERIES)], "k": 10})
        status = response.status_code
    except httpx.HTTPError:
        status = 0
    samples.append(Sample(sent - started, status, time.perf_counter() - sent))


async def closed_loop(url: str, concurrency: int, seconds: float, path: str = "/api/search",
                      headers: dict[str, str] | None = None) -> RunResult:
    """``concurrency`` clients, each sending its next request as soon as the last one returns."""
    result = RunResult(f"{concurrency} concurrent", seconds)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT_S, limits=limits, headers=headers) as client:
        started = time.perf_counter()
        deadline = started + seconds
        counter = iter(range(10**9))

        async def client_loop() -> None:
            while time.perf_counter() < deadline:
                await _one(client, path, next(counter), started, result.samples)

        await asyncio.gather(*(client_loop() for _ in range(concurrency)))
        result.duration_s = time.perf_counter() - started
    return result


async def constant_rate(url: str, rate: float, seconds: float, path: str = "/api/search",
                        headers: dict[str, str] | None = None) -> RunResult:
    """Open loop: one request every 1/rate s for ``seconds`` whatever the answers' latency."""
    result = RunResult(f"{rate:g} req/s constant", seconds)
    limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=32)
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT_S, limits=limits, headers=headers) as client:
        started = time.perf_counter()
        tasks = []
        for number in range(int(rate * seconds)):
            delay = started + number / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if sum(not t.done() for t in tasks) < MAX_IN_FLIGHT:
                tasks.append(asyncio.create_task(_one(client, path, number, started, result.samples)))
        await asyncio.gather(*tasks)
        result.duration_s = time.perf_counter() - started
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(data_dir: Path, workers: int, queue_size: int, log_path: Path) -> tuple[subprocess.Popen, str]:
    """``policyqa serve --no-ui`` on a free 127.0.0.1 port, returned once ``/readyz`` says ready."""
    port = free_port()
    command = [sys.executable, "-c", "from ui.cli import main; main()", "--data-dir", str(data_dir), "serve",
               "--host", HOST, "--port", str(port), "--workers", str(workers), "--queue-size", str(queue_size),
               "--no-ui"]
    log = open(log_path, "wb")
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=30).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_server(process)
    raise RuntimeError("server not ready within 300 s")


def stop_server(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value * 1000:.0f}"


def table_rows(results: list[RunResult]) -> list[str]:
    """Markdown rows: load, requests, answers/s, p50/p95/p99 of 200s, codes, p50/p95 of 503s."""
    rows = ["| load | requests | answered/s | p50 ms | p95 ms | p99 ms | status codes | 503 p50 ms | 503 p95 ms |",
            "|---|---:|---:|---:|---:|---:|---|---:|---:|"]
    for result in results:
        ok = result.latencies(200)
        refused = result.latencies(503)
        codes = ", ".join(f"{code or 'error'}: {n}" for code, n in sorted(result.statuses().items()))
        rows.append(f"| {result.label} | {len(result.samples)} | {result.throughput():.2f} | {_ms(percentile(ok, .5))} "
                    f"| {_ms(percentile(ok, .95))} | {_ms(percentile(ok, .99))} | {codes} "
                    f"| {_ms(percentile(refused, .5))} | {_ms(percentile(refused, .95))} |")
    return rows


def findings(results: list[RunResult], queue_size: int) -> list[str]:
    """The figures a reader wants first: the saturation point and how fast refusals come back."""
    if not results:
        return []
    peak = max(results, key=RunResult.throughput)
    refusing = [r for r in results if r.statuses()[503]]
    seen = sorted({code for r in results for code in r.statuses()})
    lines = [
        "Reading: \"answered/s\" counts 200s only; a transport error or timeout would show as \"error\".",
        "",
        f"- Status codes seen over all runs: {', '.join(str(code or 'error') for code in seen)}.",
        f"- Saturation: at most {peak.throughput():.1f} answered/s ({peak.label}). Past it, once every worker "
        f"is busy and the waiting room (`queue_size` = {queue_size}) is full, requests are refused with 503 + "
        "`Retry-After` instead of queueing.",
    ]
    if refusing:
        worst = max(refusing, key=lambda r: percentile(r.latencies(503), .95) or 0)
        lines.append(f"- 503s came back in p95 <= {_ms(percentile(worst.latencies(503), .95))} ms in every run "
                     f"(worst: {worst.label}).")
        lines.append("- The closed-loop clients retry at once after a 503 (they ignore `Retry-After`), so at high "
                     "concurrency the refusals themselves compete for the CPU and the GIL with the search "
                     "workers, so refusals slow down (and answered/s may dip below the peak). The "
                     "constant-rate run past saturation shows the refusal cost without that feedback.")
    return lines


def write_report(path: Path, results: list[RunResult], args: argparse.Namespace, elapsed_s: float) -> None:
    load = os.getloadavg()
    lines = [
        "# Load test: `policyqa serve` on 127.0.0.1",
        "",
        f"Command: `.venv/bin/python evals/bench_load.py {' '.join(sys.argv[1:])}`",
        "",
        f"Machine: {os.cpu_count()} cores, no GPU; load average at the end {load[0]:.1f} / {load[1]:.1f} / "
        f"{load[2]:.1f} (1/5/15 min; other jobs share this machine, so absolute figures are pessimistic). "
        f"Server: `--workers {args.workers} --queue-size {args.queue_size} --no-ui`, open access (no key check), "
        f"`POST /api/search` (hybrid BM25 + e5 query embedding, k=10) over the demo index, "
        f"{len(QUERIES)} rotating queries. Closed loop {args.seconds:g} s per level, constant rate {args.rate_seconds:g} s per rate; total run {elapsed_s:.0f} s.",
        "",
        *table_rows(results),
        "",
        *findings(results, args.queue_size),
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), "utf-8")


async def run_all(url: str, args: argparse.Namespace) -> list[RunResult]:
    results = []
    for level in args.levels:
        result = await closed_loop(url, level, args.seconds)
        print(*table_rows([result])[2:], flush=True)
        results.append(result)
    for rate in args.rates:
        result = await constant_rate(url, rate, args.rate_seconds)
        print(*table_rows([result])[2:], flush=True)
        results.append(result)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--levels", type=lambda text: [int(n) for n in text.split(",")], default=[1, 2, 4, 8, 16, 32])
    parser.add_argument("--seconds", type=float, default=10.0, help="Duration of each closed-loop level.")
    parser.add_argument("--rates", type=lambda text: [float(n) for n in text.split(",") if n],
                        default=[10.0, 40.0], help="Requests/s of the constant-rate runs, below and past saturation.")
    parser.add_argument("--rate-seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queue-size", type=int, default=8)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "evals" / "reports" / "load.md")
    args = parser.parse_args()
    log_path = Path(tempfile.gettempdir()) / "policyqa-bench-load-server.log"
    process, url = start_server(args.data_dir, args.workers, args.queue_size, log_path)
    started = time.monotonic()
    try:
        print(*table_rows([])[:2], sep="\n", flush=True)
        results = asyncio.run(run_all(url, args))
    finally:
        stop_server(process)
    write_report(args.out, results, args, time.monotonic() - started)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
