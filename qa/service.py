"""The question-answering service: question → retrieval → abstain or answer → cited Answer."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from index.base import Retriever
from policyqa.errors import InvalidQueryError
from policyqa.records import Answer, SearchFilter
from qa.abstain import AbstentionPolicy, abstained_answer
from qa.answerers.base import Answerer
from qa.conversation import rewrite_follow_up
from qa.intent import Tokenize

MAX_QUESTION_CHARS = 2000


class QAService:
    """Answers questions over the indexed corpus; every answer sentence cites a clause.

    ``history`` is the earlier questions of the conversation (oldest first); an elliptical
    follow-up is rewritten with their topic before retrieval. When the abstention policy
    finds retrieval unconvincing, or the answerer finds no answering sentence, the answer is
    "资料中未找到…" with the nearest clauses listed as such.
    """

    def __init__(
        self,
        retriever: Retriever,
        answerer: Answerer,
        tokenize: Tokenize,
        abstention: AbstentionPolicy | None = None,
        k: int = 10,
    ):
        self.retriever = retriever
        self.answerer = answerer
        self.tokenize = tokenize
        self.abstention = abstention or AbstentionPolicy(tokenize)
        self.k = k

    def ask(self, question: str, history: Sequence[str] = (), filters: SearchFilter | None = None) -> Answer:
        """Answer ``question``; raises ``InvalidQueryError`` for an empty or over-long one."""
        question = check_question(question)
        query = rewrite_follow_up(question, [q for q in history if q and q.strip()], self.tokenize)
        hits = self.retriever.retrieve(query, k=self.k, filters=filters)
        notice = f"已结合上文理解为：{query}" if query != question else None
        confidence = self.abstention.assess(query, hits)
        if self.abstention.should_abstain(confidence):
            answer = abstained_answer(query, hits)
        else:
            answer = self.answerer.answer(query, hits)
        notices = [n for n in (notice, answer.notice) if n]
        return dataclasses.replace(answer, question=question, notice="；".join(notices) or None)


def check_question(question: str) -> str:
    """The question stripped, or ``InvalidQueryError`` when it is empty or too long."""
    if question is None or not question.strip():
        raise InvalidQueryError("问题为空 (empty question)")
    question = question.strip()
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidQueryError(
            f"问题过长：{len(question)} 字，上限 {MAX_QUESTION_CHARS} 字 (question longer than {MAX_QUESTION_CHARS} characters)"
        )
    return question
