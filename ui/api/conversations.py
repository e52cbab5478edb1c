"""Server-side conversation memory for ``/api/ask`` follow-up questions.

Conversations are keyed by (API key, conversation id), so one key can never continue or
read another key's conversation. Bounded in count and length: the least recently used
conversation is forgotten first.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict


class ConversationStore:
    """Earlier questions per conversation, oldest first."""

    def __init__(self, max_conversations: int = 1000, max_turns: int = 10):
        self.max_conversations = max_conversations
        self.max_turns = max_turns
        self._turns: OrderedDict[tuple[str, str], list[str]] = OrderedDict()
        self._lock = threading.Lock()

    def history(self, key_id: str, conversation_id: str | None) -> tuple[str, tuple[str, ...]]:
        """The conversation id to use (a new one when none or unknown) and its earlier questions."""
        with self._lock:
            if conversation_id and (key_id, conversation_id) in self._turns:
                self._turns.move_to_end((key_id, conversation_id))
                return conversation_id, tuple(self._turns[(key_id, conversation_id)])
        return conversation_id or secrets.token_hex(8), ()

    def append(self, key_id: str, conversation_id: str, question: str) -> None:
        """Remember ``question`` as the latest turn of the conversation."""
        with self._lock:
            turns = self._turns.setdefault((key_id, conversation_id), [])
            turns.append(question)
            del turns[: -self.max_turns]
            self._turns.move_to_end((key_id, conversation_id))
            while len(self._turns) > self.max_conversations:
                self._turns.popitem(last=False)
