"""A document's commitments on a draft's topic: what the government said it will do.

Drafters want the promises on their own topic, not the background: sentences with
将/计划/下一步/推进 that name the draft's key phrases, preferring the ones under a 下一步
heading and the ones that say 将/计划 outright. Thanks and status lines are never promises.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.headings import match_heading
from qa.sentences import split_sentences

_STRONG = re.compile(r"(?<!现)将(?!来)|计划|拟|下一步|年底前|年内")
_WEAK = re.compile(r"推进|加快|持续|进一步")
_NEXT_STEPS = re.compile(r"下一步|下来|今后|工作计划")
_TITLES = re.compile(r"《[^《》]*》")  # 《…行动计划》 names a document; it promises nothing
# Statements of what is already done are not commitments even when they say 推进.
_DONE = re.compile(r"已经|已(?!报)|建成了|完成了")
# Courtesy and status lines of a reply: 感谢您的关心, 欢迎继续提出, 办理结果为A类.
_COURTESY = re.compile(r"感谢|谢谢|欢迎|恳请|敬请|关心和支持|办理结果|类别|联系人|联系电话|抄送|签发人")
MAX_CHARS = 120


def extract_commitments(text: str, limit: int = 5, topic: Sequence[tuple[str, float]] = ()) -> list[str]:
    """Up to ``limit`` commitment sentences of ``text``, in document order, each at most
    ``MAX_CHARS`` characters (cut at a comma when longer). With ``topic`` (a draft's weighted
    key phrases) only sentences naming at least one of them count, the more the better."""
    next_steps_at = min((m.start() for m in _NEXT_STEPS.finditer(text)), default=len(text))
    scored: list[tuple[float, int, str]] = []
    for start, end in split_sentences(text):
        sentence = re.sub(r"\s+", "", text[start:end])
        if len(sentence) < 12 or match_heading(sentence) is not None:
            continue  # headings such as （一）进一步完善… announce, they do not promise
        wording = _TITLES.sub("", sentence)
        strong, weak = bool(_STRONG.search(wording)), bool(_WEAK.search(wording))
        if not (strong or weak) or (_DONE.search(wording) and not strong) or _COURTESY.search(wording):
            continue
        on_topic = sum(w for p, w in topic if p in sentence)
        if topic and not on_topic:
            continue
        score = 2.0 * strong + 1.0 * weak + 1.5 * (start >= next_steps_at) + on_topic
        scored.append((score, start, _shorten(sentence)))
    if sum(score >= 2.0 for score, _, _ in scored) >= min(3, limit):
        scored = [s for s in scored if s[0] >= 2.0]  # enough explicit promises: drop the vaguer ones
    best = sorted(scored, key=lambda s: (-s[0], s[1]))[:limit]
    return [sentence for _, _, sentence in sorted(best, key=lambda s: s[1])]


def _shorten(sentence: str) -> str:
    if len(sentence) <= MAX_CHARS:
        return sentence
    cut = max(sentence.rfind(mark, 0, MAX_CHARS) for mark in "，,；")
    return sentence[: cut if cut > MAX_CHARS // 2 else MAX_CHARS] + "…"
