"""Follow-up questions: "它的预算呢" / "那老年人呢" rewritten with the conversation's topic."""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.intent import Tokenize, analyze_question

# A question that leans on an earlier turn: a pronoun or demonstrative standing for the
# topic, or the "那…呢" shape that swaps one slot of the previous question.
# A demonstrative with its classifier (这条, 这家, 这几个, 这份, 那次), 它/其/该/此, or 今年/当年 said
# of the year under discussion: the question names its subject by pointing back.
_PRONOUN = re.compile(
    r"它|其中|其|该(?![做怎如])|此|上述|前述|"
    r"[这那](?:几|两|些|方面|里|儿)|[这那][一]?[个项条家份次位批类种部件所座张号届年篇封起]|"
    r"今年|当年|上一年度?|同期"
)
# Where the pointing word must stand: a follow-up points back at once ("这家机构…", "其中…");
# "…的那个政协提案" further on names its subject itself.
_POINTING_REACH = 6
# 那… opening a short question: "那这份答复函是哪天发出的？", "那2023年呢？".
_THEN = re.compile(r"^\s*那(?!些年)")
_WHAT_ABOUT = re.compile(r"^\s*(?:那么?|还有|另外)?\s*(?P<focus>.{0,20}?)\s*(?:呢|怎么样|如何)\s*[？?。]?\s*$")
_MAX_TOPIC_TERMS = 6
# How much of a conversation a follow-up may lean on.
MAX_HISTORY_TURNS = 10
MAX_HISTORY_CHARS = 2000


def is_follow_up(question: str) -> bool:
    """True when ``question`` cannot be understood without the previous turn."""
    stripped = question.strip()
    if _WHAT_ABOUT.match(stripped) and len(stripped) <= 24:
        return True
    pointing = _PRONOUN.search(stripped[:_POINTING_REACH])
    return (bool(pointing) or bool(_THEN.match(stripped))) and len(stripped) <= 40


def rewrite_follow_up(question: str, history: Sequence[str], tokenize: Tokenize,
                      max_turns: int = MAX_HISTORY_TURNS) -> str:
    """``question`` made self-contained with the topic terms of the previous questions.

    ``history`` holds the earlier questions of the conversation, oldest first. A question that
    is not elliptical is returned unchanged; otherwise the content terms of the previous
    (itself rewritten) question that the new one does not already name are appended, so that
    retrieval and sentence scoring see the conversation's topic.

    Only the last ``max_turns`` questions count, each cut to ``MAX_HISTORY_CHARS``, and the
    chain of follow-ups is walked in a loop: a client resending a thousand messages, or one
    of megabytes, costs no more than ten short ones (and never a ``RecursionError``).
    """
    if not history or not is_follow_up(question):
        return question
    turns = [turn[:MAX_HISTORY_CHARS] for turn in history[-max_turns:]]
    # The chain starts at the latest question that stands on its own (or the oldest kept one).
    start = len(turns) - 1
    while start > 0 and is_follow_up(turns[start]):
        start -= 1
    previous = turns[start]
    for turn in turns[start + 1:]:
        previous = _with_topic(turn, previous, tokenize)
    return _with_topic(question, previous, tokenize)


def _with_topic(question: str, previous: str, tokenize: Tokenize) -> str:
    """The follow-up ``question`` with the topic terms of the (already rewritten) ``previous`` one."""
    own_terms = set(analyze_question(question, tokenize).terms)
    carried = [t for t in analyze_question(previous, tokenize).terms if t not in own_terms]
    if not carried:
        return question
    topic = " ".join(_drop_sub_terms(carried)[:_MAX_TOPIC_TERMS])
    return f"{question.strip()}（{topic}）"


def _drop_sub_terms(terms: Sequence[str]) -> list[str]:
    # Search-mode tokenisation yields 数据, 大脑 and 数据大脑; carrying the compound is enough.
    return [t for t in terms if not any(t != other and t in other for other in terms)]
