"""Back-pressure: a server with one worker and a queue of one answers 503 quickly when saturated."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.ui.conftest import start_server, stop_server, wait_ready

CONCURRENT = 8
# A long draft makes precedent search run several sub-queries: a request of real, slow work.
SLOW_DRAFT = ("建议加快推进政务数据大脑建设，完善一网通办、一网统管平台，提升数据共享和开放水平，"
              "推动智慧城市IOC运行中心与各部门业务系统对接，强化网络安全和数据安全保障。") * 8


def test_saturated_queue_answers_503_with_retry_after(server_data_dir, tmp_path):
    process, url = start_server(server_data_dir, tmp_path / "small.log",
                                {"POLICYQA_WORKERS": "1", "POLICYQA_QUEUE_SIZE": "1"}, ("--no-ui",))
    try:
        wait_ready(url)
        token = (server_data_dir / "test-tokens.txt").read_text().splitlines()[0].split(" ", 1)[1]

        async def burst() -> list[tuple[int, float, str | None]]:
            async with httpx.AsyncClient(base_url=url, timeout=120,
                                         headers={"Authorization": f"Bearer {token}"}) as client:
                async def one() -> tuple[int, float, str | None]:
                    started = time.perf_counter()
                    response = await client.post("/api/precedents", json={"draft": SLOW_DRAFT, "k": 5})
                    return response.status_code, time.perf_counter() - started, response.headers.get("retry-after")

                return await asyncio.gather(*(one() for _ in range(CONCURRENT)))

        results = asyncio.run(asyncio.wait_for(burst(), timeout=240))
        refused = [r for r in results if r[0] == 503]
        served = [r for r in results if r[0] == 200]
        # One running plus one waiting get through; the rest are refused at once, not queued.
        assert len(served) >= 1 and len(refused) >= CONCURRENT - 3, results
        assert all(r[2] is not None and int(r[2]) >= 1 for r in refused)
        assert max(r[1] for r in refused) < min(r[1] for r in served)
        metrics = httpx.get(f"{url}/metrics", timeout=30).text
        assert f"policyqa_pool_rejected_total {float(len(refused))}" in metrics
        # After the burst the server serves again.
        again = httpx.post(f"{url}/api/search", json={"query": "数据", "k": 1}, timeout=60,
                           headers={"Authorization": f"Bearer {token}"})
        assert again.status_code == 200
    finally:
        stop_server(process)
