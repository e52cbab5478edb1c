"""The question-answering service: question → retrieval → abstain or answer → cited Answer."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from index.base import Retriever
from ingest.normalize import normalize_text
from policyqa.errors import InvalidQueryError
from policyqa.records import Answer, SearchFilter
from policyqa.validation import check_text, is_valid_text
from qa.abstain import AbstentionPolicy, abstained_answer
from qa.answerers.base import Answerer
from qa.conversation import rewrite_follow_up
from qa.intent import Tokenize, analyze_question

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
        query = rewrite_follow_up(question, [q for q in history if q and q.strip() and is_valid_text(q)], self.tokenize)
        hits = self.retriever.retrieve(query, k=self.k, filters=filters)
        notice = f"已结合上文理解为：{query}" if query != question else None
        confidence = self.abstention.assess(query, hits)
        if self.abstention.should_abstain(confidence):
            answer = abstained_answer(query, hits)
        else:
            answer = self.answerer.answer(query, hits)
        if query != question and not answer.abstained:
            missing = unanswered_focus(question, answer, self.tokenize)
            if missing:
                # The carried topic alone matched: the answer is about the previous question, not this one.
                answer = abstained_answer(query, hits, notice=f"所引条款均未提及“{'、'.join(missing)}”")
        if not answer.abstained:
            answer = self.abstention.review(question, answer, hits, history)
        notices = [n for n in (notice, answer.notice) if n]
        return dataclasses.replace(answer, question=question, notice="；".join(notices) or None)


def unanswered_focus(follow_up: str, answer: Answer, tokenize: Tokenize) -> tuple[str, ...]:
    """The follow-up's own terms when no cited quote names any of them, else ``()``.

    "那存储资源呢？" after a question on a ranking is rewritten with the ranking's terms; an
    answer citing only the ranking again would answer the earlier question, not this one.
    """
    focus = analyze_question(follow_up, tokenize).terms
    quotes = [normalize_text(c.quote) for c in answer.citations]
    if not focus or any(term in quote for quote in quotes for term in focus):
        return ()
    return focus


def check_question(question: str) -> str:
    """The question stripped, or ``InvalidQueryError`` when it is empty or too long."""
    if question is None or not question.strip():
        raise InvalidQueryError("问题为空 (empty question)")
    question = check_text(question.strip(), "问题")
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidQueryError(
            f"问题过长：{len(question)} 字，上限 {MAX_QUESTION_CHARS} 字 (question longer than {MAX_QUESTION_CHARS} characters)"
        )
    return question
