"""Document metadata by rules from the cleaned text (a wrong value is worse than none).

公文 put their metadata in fixed places: the letterhead (issuing body), the 文号 line,
the title (关于…的函), the addressee line ending in "：", and the signature block
(issuer, then date) at the end. Each rule only fires on a paragraph that *is* that
element, so a 文号 quoted in the body is a citation, never the document's own number.
"""

from __future__ import annotations

import re

from ingest.headings import match_heading
from policyqa.records import DocType

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
# Whitespace next to a CJK character or full-width punctuation is an extraction artefact.
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}\u3000-\u303f\uff00-\uffef])\s+|\s+(?=[{_CJK}\u3000-\u303f\uff00-\uffef])")
_DOC_NUMBER = re.compile(
    rf"(?P<org>[{_CJK}]{{1,12}}?)\s*[〔［\[（(]\s*(?P<year>(?:19|20)\d\d)\s*[〕］\]）)]\s*(?P<num>\d{{1,5}})\s*号"
)
_TITLE_ENDING = re.compile(
    r"(?:函|通知|意见|报告|规划|方案|决定|办法|批复|请示|答复|纪要|公告|通报|细则|规定|条例|要点|计划|指引)$"
)
_ORG_ENDING = re.compile(
    r"(?:局|委员会|委|办公室|办|人民政府|政府|厅|部|院|中心|公司|集团|协会|管委会|领导小组|法院|检察院)$"
)
_ISO_DATE = re.compile(r"^(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日)?$")
_CN_DATE = re.compile(r"^(?P<y>[〇零一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,3})月(?:(?P<d>[一二三四五六七八九十]{1,3})日)?$")
_PROPOSAL = re.compile(r"第\s*(?P<num>\d{6,10})\s*号")
_CITED_TITLE = re.compile(r"《(?P<title>[^《》\n]{2,80})》")
_ALIAS = re.compile(r"简称\s*《(?P<title>[^《》\n]{1,40})》")
_COMMISSIONED_AUTHOR = re.compile(rf"受[{_CJK}]{{2,30}}?委托[，,]\s*(?P<org>[{_CJK}]{{4,40}}?(?:公司|事务所|中心|研究院|院))")
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}

# How many paragraphs at the top and bottom hold letterhead and signature.
_HEAD_PARAGRAPHS = 12
_TAIL_PARAGRAPHS = 8
_MAX_LINE = 80


def compact(text: str) -> str:
    """Drop the spaces PDF extraction puts around CJK text ("东政数函〔2021〕53 号")."""
    return _SPACE_NEAR_CJK.sub("", text).strip()


def normalize_doc_number(raw: str) -> str:
    """``东政数函 〔 2021 〕 53 号`` → ``东政数函〔2021〕53号`` (brackets unified to 〔〕)."""
    match = _DOC_NUMBER.search(raw)
    if match is None:
        return compact(raw)
    return f"{match['org']}〔{match['year']}〕{int(match['num'])}号"


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


def _front_matter(paragraphs: list[str]) -> list[str]:
    """Paragraphs before the first numbered heading (摘要/引言 do not end it)."""
    front = []
    for paragraph in paragraphs[: _HEAD_PARAGRAPHS * 4]:
        heading = match_heading(paragraph)
        if heading is not None and heading[1] != "preface":
            break
        front.append(paragraph)
    return front


def _is_org(paragraph: str) -> bool:
    name = compact(paragraph)
    return 4 <= len(name) <= 30 and "。" not in name and bool(_ORG_ENDING.search(name))


def _find_title(front: list[str]) -> str | None:
    for paragraph in front:
        candidate = compact(paragraph)
        if len(candidate) > _MAX_LINE or "。" in candidate or candidate.endswith("："):
            continue
        if candidate.startswith("《"):
            continue  # a cited title opening the body
        if _TITLE_ENDING.search(candidate):
            return candidate
    return None


def _find_doc_number(front: list[str]) -> str | None:
    for paragraph in front[:_HEAD_PARAGRAPHS]:
        match = _DOC_NUMBER.fullmatch(compact(paragraph))
        if match is not None:
            return normalize_doc_number(paragraph)
    return None


def _find_addressee(front: list[str]) -> str | None:
    for paragraph in front[:_HEAD_PARAGRAPHS]:
        candidate = compact(paragraph)
        if candidate.endswith(("：", ":")) and len(candidate) <= 40 and "如下" not in candidate:
            name = re.sub(r"^尊敬的", "", candidate[:-1]).strip()
            return name or None
    return None


def parse_date(paragraph: str) -> str | None:
    """ISO date of a paragraph that is only a date: "2021 年 12 月 10 日" → "2021-12-10".

    A month without a day ("2022年4月") gives "2022-04".
    """
    candidate = compact(paragraph)
    match = _ISO_DATE.match(candidate)
    if match is not None:
        year, month, day = int(match["y"]), int(match["m"]), match["d"]
    else:
        match = _CN_DATE.match(candidate)
        if match is None:
            return None
        year = int("".join(str(_CN_DIGITS[c]) for c in match["y"]))
        month = _cn_small_number(match["m"])
        day = match["d"] and _cn_small_number(match["d"])
    if not 1 <= month <= 12:
        return None
    if not day:
        return f"{year:04d}-{month:02d}"
    day = int(day)
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= day <= 31 else None


def _cn_small_number(text: str) -> int:
    """一…三十一 → 1…31."""
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(text, 0)


def _find_signature(paragraphs: list[str]) -> tuple[str | None, str | None]:
    """``(issuer, date)`` from the signature block: an org line followed by a date line."""
    tail = paragraphs[-_TAIL_PARAGRAPHS:]
    for index in range(len(tail) - 1, -1, -1):
        date = parse_date(tail[index])
        if date is None:
            continue
        issuer = None
        if index > 0 and _is_org(tail[index - 1]):
            issuer = compact(tail[index - 1])
        return issuer, date
    return None, None


def _find_cover_date(front: list[str]) -> str | None:
    for paragraph in front[:_HEAD_PARAGRAPHS]:
        date = parse_date(paragraph)
        if date is not None:
            return date
    return None


def _classify(title: str | None, addressee: str | None, proposal: str | None, text: str) -> DocType:
    name = title or ""
    if "规划" in name:
        return "plan"
    if proposal or (re.search(r"建议|提案", name) and re.search(r"答复|办理|意见", name)):
        return "proposal_reply"
    if "评价报告" in name or "评估报告" in name:
        return "evaluation_report"
    if "整改" in name and re.search(r"函|报告|情况", name):
        return "rectification_letter"
    return "other"


def _find_proposal(title: str | None, front: list[str]) -> str | None:
    for paragraph in ([title] if title else []) + front[:_HEAD_PARAGRAPHS]:
        for match in _PROPOSAL.finditer(compact(paragraph)):
            context = compact(paragraph)[max(match.start() - 12, 0) : match.end() + 12]
            if re.search(r"建议|提案", context):
                return match["num"]
    return None


def find_cites(text: str, own: tuple[str | None, ...] = ()) -> tuple[str, ...]:
    """《…》 titles and 文号 named in ``text``, deduplicated in order of first mention.

    Short aliases introduced with "以下简称《…》" and the document's own title and
    number are left out.
    """
    aliases = {compact(m["title"]) for m in _ALIAS.finditer(text)}
    excluded = {compact(o) for o in own if o} | aliases
    found: dict[str, int] = {}
    for match in _CITED_TITLE.finditer(text):
        title = f"《{compact(match['title'])}》"
        if title[1:-1] not in excluded:
            found.setdefault(title, match.start())
    for match in _DOC_NUMBER.finditer(text):
        number = normalize_doc_number(match.group(0))
        if number not in excluded:
            found.setdefault(number, match.start())
    return tuple(sorted(found, key=found.__getitem__))


def extract_metadata(text: str, source: str) -> dict:
    """Metadata of one document as a dict with the ``DocumentInfo`` field names.

    Keys: title, doc_number, issuer, addressee, date, doc_type, proposal_number, cites.
    ``source`` (the file name) is only a fallback-free label for errors; values come
    from the text alone.
    """
    paragraphs = _paragraphs(text)
    front = _front_matter(paragraphs)
    title = _find_title(front)
    doc_number = _find_doc_number(front)
    addressee = _find_addressee(front)
    issuer, date = _find_signature(paragraphs)
    if issuer is None and front and _is_org(front[0]):
        issuer = compact(front[0])  # the letterhead
    if date is None:
        date = _find_cover_date(front)
    proposal = _find_proposal(title, front)
    doc_type = _classify(title, addressee, proposal, text)
    if doc_type == "evaluation_report":
        # A commissioned report is authored by the evaluator, not by the body evaluated.
        author = _COMMISSIONED_AUTHOR.search(compact(text[:2000]))
        if author is not None:
            issuer = author["org"]
    return {
        "title": title,
        "doc_number": doc_number,
        "issuer": issuer,
        "addressee": addressee,
        "date": date,
        "doc_type": doc_type,
        "proposal_number": proposal,
        "cites": find_cites(text, own=(title, doc_number)),
    }
