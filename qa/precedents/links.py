"""Link a reply letter to the proposal it answers.

A 建议答复函 names the proposal in its opening: the number (第20210142号), the deputies
(尊敬的吴焯光代表 / 郑俊彦、余映涛委员), the session (十六届人大六次会议) and the title
(《关于全面推进“数字政府”改革建设的建议》). Metadata extracted at ingest wins where present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policyqa.records import DocumentInfo

_NUMBER = re.compile(r"第?(?P<n>(?:19|20)\d{6})号")
_DEPUTIES = re.compile(r"尊敬的(?P<names>[\u4e00-\u9fff、，,]{2,40}?)(?P<role>代表|委员)")
_SESSION = re.compile(
    r"(?P<s>[一二三四五六七八九十]+届(?:人大|政协|人民代表大会)[一二三四五六七八九十]+次(?:会议|全体会议))"
)
_TITLE = re.compile(r"《(?P<t>[^《》]{4,120}?(?:建议|提案|议案))》")
# The opening of a letter is where the proposal is named; later 《…建议》 are other texts.
_OPENING_CHARS = 600


@dataclass(frozen=True)
class ProposalLink:
    """The proposal a reply letter answers."""

    proposal_number: str | None
    deputies: tuple[str, ...]
    role: str | None  # 代表 (people's congress) or 委员 (CPPCC)
    session: str | None
    proposal_title: str | None


def _compact(text: str) -> str:
    # No NFKC: the proposal title is shown to users with its own full-width punctuation.
    return re.sub(r"\s+", "", text)


def link_reply(doc: DocumentInfo, text: str) -> ProposalLink | None:
    """The proposal ``doc`` answers, or ``None`` when it is not a reply to a proposal."""
    opening = _compact(text)[:_OPENING_CHARS]
    number = doc.proposal_number or _first(_NUMBER, opening, "n")
    title = _first(_TITLE, opening, "t")
    if doc.doc_type != "proposal_reply" and not (number and title):
        return None
    deputies_match = _DEPUTIES.search(opening)
    deputies = tuple(n for n in re.split(r"[、，,]", deputies_match["names"]) if n) if deputies_match else ()
    return ProposalLink(
        proposal_number=number,
        deputies=deputies,
        role=deputies_match["role"] if deputies_match else None,
        session=_first(_SESSION, opening, "s"),
        proposal_title=f"《{title}》" if title else None,
    )


def _first(pattern: re.Pattern[str], text: str, group: str) -> str | None:
    match = pattern.search(text)
    return match[group] if match else None
