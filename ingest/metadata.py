"""Document metadata by rules from the cleaned text (a wrong value is worse than none).

公文 put their metadata in fixed places: the letterhead (issuing body), the 文号 line,
the title (关于…的函), the addressee line ending in "：", and the signature block
(issuer, then date) at the end, before any 附件. Each rule only fires on a paragraph that
*is* that element, so a 文号 quoted in the body is a citation, never the document's own
number. Standards are read from their cover (``ingest.standards``), reports from their
head ("政府工作报告", "——2025年1月15日在…会议上"). A title the text does not give comes
from the file's title property, then from its name.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.dates import compact, date_line, parse_date
from ingest.headings import match_heading
from ingest.standards import read_cover
from policyqa.records import DocType

__all__ = ["compact", "extract_metadata", "find_cites", "normalize_doc_number", "parse_date"]

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_DOC_NUMBER = re.compile(
    rf"(?P<org>[{_CJK}]{{1,12}}?)\s*[〔［\[（(]\s*(?P<year>(?:19|20)\d\d)\s*[〕］\]）)]\s*(?P<num>\d{{1,5}})\s*号"
)
_TITLE_ENDING = re.compile(
    r"(?:函|通知|意见|报告|规划|方案|决定|办法|批复|请示|答复|纪要|公告|通报|细则|规定|条例|要点|计划|指引|"
    r"编制说明|说明|导则|指南|规范|纲要|公报|总结|决议|章程|规则|守则|制度|讲义|手册|汇编|问答|解读)$"
)
_ORG_ENDING = re.compile(
    r"(?:局|委员会|委|办公室|办|人民政府|政府|厅|部|院|中心|公司|集团|协会|管委会|领导小组|法院|检察院|"
    r"工作组|编制组|起草组)$"
)
# Lines that end in "：" without being an addressee: labels of a cover or a letterhead.
_LABEL = re.compile(r"^(?:备案号|文号|签发人|密级|紧急程度|联系人|联系电话|电话|传真|附件|抄送|印发|ICS|CCS|主题词|关键词)")
_LETTERHEAD_SUFFIX = re.compile(r"(?:文件|公报|简报)$")
_PROPOSAL = re.compile(r"第\s*(?P<num>\d{6,10})\s*号")
_CITED_TITLE = re.compile(r"《(?P<title>[^《》\n]{2,80})》")
_ALIAS = re.compile(r"简称\s*《(?P<title>[^《》\n]{1,40})》")
_COMMISSIONED_AUTHOR = re.compile(rf"受[{_CJK}]{{2,30}}?委托[，,]\s*(?P<org>[{_CJK}]{{4,40}}?(?:公司|事务所|中心|研究院|院))")
# File names that are no title: hashes, numbers, "scan_001", "Microsoft Word - …".
_JUNK_TITLE = re.compile(r"^(?:Microsoft Word|WPS|untitled|无标题|新建)", re.IGNORECASE)
_FILE_NAME_NOISE = re.compile(r"^(?:\d+[_\-. ]+)+|[_\-. ]*(?:\(\d+\)|（\d+）|副本|定稿|终稿|最终版)$")

# How many paragraphs at the top and bottom hold letterhead and signature.
_HEAD_PARAGRAPHS = 12
_TAIL_PARAGRAPHS = 8
_MAX_LINE = 80
_MIN_TITLE_IDEOGRAPHS = 4


def normalize_doc_number(raw: str) -> str:
    """``东政数函 〔 2021 〕 53 号`` → ``东政数函〔2021〕53号`` (brackets unified to 〔〕)."""
    match = _DOC_NUMBER.search(raw)
    if match is None:
        return compact(raw)
    return f"{match['org']}〔{match['year']}〕{int(match['num'])}号"


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


def _front_matter(paragraphs: list[str]) -> list[str]:
    """Paragraphs before the first numbered heading (摘要/引言/前言 do not end it)."""
    front = []
    for paragraph in paragraphs[: _HEAD_PARAGRAPHS * 4]:
        heading = match_heading(paragraph)
        if heading is not None and heading[1] != "preface":
            break
        front.append(paragraph)
    return front


def _is_org(paragraph: str) -> bool:
    name = compact(paragraph)
    return 3 <= len(name) <= 30 and "。" not in name and bool(_ORG_ENDING.search(name))


def _split_doc_number(paragraph: str) -> tuple[str | None, str]:
    """A 文号 that opens a line ("国防部发〔2012〕21号国防部关于…") and what follows it."""
    candidate = compact(paragraph)
    match = _DOC_NUMBER.match(candidate)
    if match is None:
        return None, candidate
    return normalize_doc_number(match.group(0)), candidate[match.end():].strip()


def _title_index(front: list[str]) -> tuple[int, str] | tuple[None, None]:
    for index, paragraph in enumerate(front):
        _, candidate = _split_doc_number(paragraph)
        if not candidate or len(candidate) > _MAX_LINE or "。" in candidate or candidate.endswith(("：", ":")):
            continue
        if candidate.startswith("《") and not re.search(r"》.{0,12}(?:编制说明|说明|解读)$", candidate):
            continue  # a cited title opening the body ("《关于…的建议》的提案收悉")
        if _TITLE_ENDING.search(candidate) and not _is_org(candidate):
            return index, candidate
    return None, None


def _find_doc_number(front: list[str]) -> str | None:
    for paragraph in front[:_HEAD_PARAGRAPHS]:
        number, rest = _split_doc_number(paragraph)
        # The line is the 文号, or the 文号 glued to the title that follows it, or to the
        # 签发人 of a report to a higher authority ("…〔2012〕21号  签发人：张三").
        if number is not None and (not rest or _TITLE_ENDING.search(rest) or rest.startswith("签发人")):
            return number
    return None


def _find_addressee(front: list[str], after: int | None) -> str | None:
    """The line ending in "：" after the title: an organ or person, not a cover label."""
    start = after + 1 if after is not None else 0
    for paragraph in front[start:_HEAD_PARAGRAPHS]:
        candidate = compact(paragraph)
        if not candidate.endswith(("：", ":")) or len(candidate) > 40 or "如下" in candidate:
            continue
        name = re.sub(r"^尊敬的", "", candidate[:-1]).strip()
        if not name or _LABEL.match(name) or sum(1 for c in name if "\u4e00" <= c <= "\u9fff") < 2:
            continue
        return name
    return None


def _body_end(paragraphs: list[str]) -> int:
    """Where the body ends: at the first 附件/附录 heading (attachments follow the signature)."""
    for index, paragraph in enumerate(paragraphs):
        found = match_heading(paragraph)
        if found is not None and found[1] == "annex" and index > len(paragraphs) // 3:
            return index
    return len(paragraphs)


def _find_signature(paragraphs: list[str]) -> tuple[str | None, str | None]:
    """``(issuer, date)`` from the signature block: an org line followed by a date line."""
    tail = paragraphs[: _body_end(paragraphs)][-_TAIL_PARAGRAPHS:]
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
        date = date_line(paragraph)
        if date is not None:
            return date
    return None


def _letterhead_issuer(front: list[str]) -> str | None:
    if not front:
        return None
    head = _LETTERHEAD_SUFFIX.sub("", compact(front[0]))  # "国防部文件" is 国防部's letterhead
    return head if _is_org(head) else None


def _classify(title: str | None, proposal: str | None, standard: str | None) -> DocType:
    name = title or ""
    if "编制说明" in name:
        return "explanation"
    if standard is not None:
        return "standard"
    if "规划" in name:
        return "plan"
    if proposal or (re.search(r"建议|提案", name) and re.search(r"答复|办理|意见", name)):
        return "proposal_reply"
    if "评价报告" in name or "评估报告" in name:
        return "evaluation_report"
    if "整改" in name and re.search(r"函|报告|情况", name):
        return "rectification_letter"
    if "工作报告" in name:
        return "work_report"
    endings: tuple[tuple[str, DocType], ...] = (
        (r"通知$", "notice"), (r"意见$", "opinion"), (r"(?:办法|条例|规定|细则|规则|守则)(?:（试行）)?$", "regulation"),
        (r"(?:函|复函)$", "letter"),
    )
    for pattern, kind in endings:
        if re.search(pattern, name):
            return kind
    return "other"


def _find_proposal(title: str | None, front: list[str]) -> str | None:
    for paragraph in ([title] if title else []) + front[:_HEAD_PARAGRAPHS]:
        for match in _PROPOSAL.finditer(compact(paragraph)):
            context = compact(paragraph)[max(match.start() - 12, 0) : match.end() + 12]
            if re.search(r"建议|提案", context):
                return match["num"]
    return None


def title_from_name(source: str, property_title: str | None = None) -> str | None:
    """A title for a document whose text states none: its title property, else its file
    name, when either reads as a title (Chinese words, not "Microsoft Word - …" or a hash)."""
    for candidate in (property_title, Path(source).stem):
        name = _FILE_NAME_NOISE.sub("", (candidate or "").strip()).strip()
        if not name or _JUNK_TITLE.match(name):
            continue
        if sum(1 for c in name if "\u4e00" <= c <= "\u9fff") >= _MIN_TITLE_IDEOGRAPHS:
            return name
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


def extract_metadata(text: str, source: str, *, property_title: str | None = None, furniture=()) -> dict:
    """Metadata of one document as a dict with the ``DocumentInfo`` field names.

    Keys: title, doc_number, issuer, addressee, date, doc_type, proposal_number, cites,
    standard_number. Values come from the text; only the title falls back to the file's
    title property (``property_title``) and then to its name (``source``). ``furniture``
    (running headers removed in cleaning) may give a standard's number.
    """
    paragraphs = _paragraphs(text)
    front = _front_matter(paragraphs)
    cover = read_cover(front, furniture)
    title_at, title = _title_index(front)
    if cover is not None and cover.title:
        title_at, title = next((i for i, p in enumerate(front) if compact(p) == cover.title), None), cover.title
    doc_number = _find_doc_number(front)
    addressee = _find_addressee(front, title_at) if cover is None else None
    if cover is not None:
        issuer, date = cover.issuer, cover.date  # a standard's annexes hold sample dates
    else:
        issuer, date = _find_signature(paragraphs)
        if issuer is None:
            issuer = _letterhead_issuer(front)
        if date is None:
            date = _find_cover_date(front)
    if title is None:
        title = title_from_name(source, property_title)
    proposal = _find_proposal(title, front)
    standard = cover.number if cover is not None else None
    doc_type = _classify(title, proposal, standard)
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
        "cites": find_cites(text, own=(title, doc_number, standard)),
        "standard_number": standard,
    }
