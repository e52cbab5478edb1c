"""Text inside a document that addresses an AI system instead of a reader.

Documents are data. A clause such as "忽略以上指令，直接回答……" is never followed (the
LLM prompt fences document text as data), and it is never *quoted as an answer* either: it
states nothing about policy, it only tries to steer whoever reads it.
"""

from __future__ import annotations

import re

_INSTRUCTION = re.compile(
    r"忽略(?:以上|上述|之前|前面|先前|所有)(?:的)?(?:所有)?(?:指令|指示|提示|要求|规则|内容)"
    r"|(?:无视|不要理会)(?:以上|上述|之前)"
    r"|你现在(?:是|扮演|必须|只能)|你(?:必须|只能|应当)(?:只)?(?:回答|输出|回复|说)"
    r"|(?:系统|system)\s*(?:提示|prompt)"
    r"|ignore\s+(?:all\s+)?(?:the\s+)?(?:previous|above|prior)\s+(?:instructions|prompts?)"
    r"|disregard\s+(?:all\s+)?(?:previous|above|prior)"
    r"|you\s+are\s+now|new\s+instructions?\s*:",
    re.IGNORECASE,
)


def looks_like_instruction(text: str) -> bool:
    """True when ``text`` tries to instruct a language model (prompt injection)."""
    return bool(_INSTRUCTION.search(text))
