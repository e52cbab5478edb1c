"""The `--batch FILE.jsonl` input shared by search, ask, verify and precedents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer


def read_batch(path: Path, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """One JSON object per non-empty line, each with a string under one of ``keys`` (the first
    found is copied under ``keys[0]``) and an ``id`` (the line number when absent).

    A malformed line is a usage error naming the file and line, before any work is done.
    """
    items = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(f"{path.name}:{line_no}: not JSON ({exc.msg})") from exc
        text = next((item[k] for k in keys if isinstance(item, dict) and isinstance(item.get(k), str)), None)
        if text is None:
            wanted = " or ".join(f"`{k}`" for k in keys)
            raise typer.BadParameter(f"{path.name}:{line_no}: expected an object with a string {wanted}")
        items.append({**item, "id": item.get("id", str(line_no)), keys[0]: text})
    return items
