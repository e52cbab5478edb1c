"""Load an untrusted file in a child process under a memory and wall-clock limit.

Parsers for PDF/DOCX/OCR are large C and Python code bases fed with hostile input; a
bomb or a parser bug must cost one child process, never the ingesting service. The
child is a fresh interpreter (``python -m ingest.sandbox``) that caps its own address
space with ``RLIMIT_AS`` and answers with JSON on a private pipe, so no pickled object
ever crosses the boundary and a crash, kill or timeout is simply a missing answer.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from ingest.limits import LoadLimits
from policyqa import errors
from policyqa.errors import IngestError, ResourceLimitError
from policyqa.records import LoadedDocument

_ERROR_TYPES = {
    cls.__name__: cls
    for cls in (errors.IngestError, errors.UnsupportedFormatError, errors.DecodeError, errors.ResourceLimitError)
}
# glibc gives each thread its own 64 MB malloc arena; under RLIMIT_AS those reservations
# alone can exhaust a modest limit, so the child keeps a couple of shared arenas.
_CHILD_ENV = {"MALLOC_ARENA_MAX": "2", "PYTHONDONTWRITEBYTECODE": "1"}


def load_file_isolated(path: Path, limits: LoadLimits = LoadLimits()) -> LoadedDocument:
    """``ingest.loaders.load_file`` in a child process bounded by ``limits``.

    Raises the loader's ``IngestError`` unchanged; a timeout, memory exhaustion or a
    crash of the child becomes a ``ResourceLimitError`` naming the file.
    """
    path = Path(path)
    source = path.name
    # absolute(), not resolve(): a symlink keeps its own name as the document's source.
    request = json.dumps({"path": str(path.absolute()), "limits": asdict(limits)})
    env = {**os.environ, **_CHILD_ENV}
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "ingest.sandbox"],
            input=request.encode(),
            capture_output=True,
            timeout=limits.timeout_s,
            env=env,
            cwd=Path(__file__).resolve().parent.parent,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ResourceLimitError(source, f"读取文件超过了 {limits.timeout_s:g} 秒的时限") from exc
    return _parse_answer(source, completed, limits)


def _parse_answer(source: str, completed: subprocess.CompletedProcess, limits: LoadLimits) -> LoadedDocument:
    if completed.returncode < 0:
        try:
            name = signal.Signals(-completed.returncode).name
        except ValueError:
            name = f"signal {-completed.returncode}"
        raise ResourceLimitError(source, f"读取进程被 {name} 终止（超出 {limits.memory_mb} MB 内存上限？）")
    try:
        answer = json.loads(completed.stdout)
    except ValueError:
        tail = completed.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        if b"MemoryError" in completed.stderr:
            raise ResourceLimitError(source, f"读取文件需要超过 {limits.memory_mb} MB 的内存") from None
        raise ResourceLimitError(source, f"读取进程崩溃（{tail[0]}）") from None
    if "error" in answer:
        error_type = _ERROR_TYPES.get(answer["error"], IngestError)
        raise error_type(answer.get("source", source), answer["reason"])
    document = answer["document"]
    return LoadedDocument(
        source=document["source"],
        pages=tuple(document["pages"]),
        ocr=document["ocr"],
        warnings=tuple(document["warnings"]),
        marks=tuple(document.get("marks", ())),
        paginated=document.get("paginated", True),
        title=document.get("title"),
    )


def _serve_one_request() -> None:
    """Child side: read a request on stdin, write one JSON answer on the original stdout."""
    answer_stream = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything a library prints goes to stderr, not into the answer
    request = json.loads(sys.stdin.read())
    limits = LoadLimits(**request["limits"])
    path = Path(request["path"])
    memory_bytes = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        from ingest.loaders import load_file  # imported under the limit: parsers count too
    except Exception:  # SystemError/ImportError/MemoryError: the interpreter ran out of room
        answer: dict = {"error": "ResourceLimitError", "source": path.name,
                        "reason": f"读取进程无法在 {limits.memory_mb} MB 内存内启动"}
        json.dump(answer, answer_stream, ensure_ascii=False)
        answer_stream.flush()
        return
    try:
        document = load_file(path, limits)
        answer = {"document": asdict(document)}
    except IngestError as exc:
        answer = {"error": type(exc).__name__, "source": exc.source, "reason": exc.reason}
    except MemoryError:
        answer = {"error": "ResourceLimitError", "source": path.name,
                  "reason": f"读取文件需要超过 {limits.memory_mb} MB 的内存"}
    except RecursionError:
        answer = {"error": "IngestError", "source": path.name, "reason": "文件嵌套过深，无法解析"}
    except Exception as exc:  # a parser bug on hostile input is still one clear line
        answer = {"error": "IngestError", "source": path.name,
                  "reason": f"文件无法读取（{type(exc).__name__}：{exc}）"}
    json.dump(answer, answer_stream, ensure_ascii=False)
    answer_stream.flush()


if __name__ == "__main__":
    _serve_one_request()
