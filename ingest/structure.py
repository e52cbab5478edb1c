"""Parse a cleaned document text into its clause tree (``records.Section``).

Levels come from the numbering kind (see ``ingest.headings``); the tree is built with a
stack so that a document whose highest clause is （一） simply has （一） at the top.
Text before the first heading becomes a front-matter section, so every character of
the document belongs to some section; the table of contents (``ingest.toc``) is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.headings import LEVELS, clause_number, heading_title, match_heading, ordinal
from ingest.toc import find_toc
from policyqa.records import Section

FRONT_MATTER_TITLE = "正文"
SIGNATURE_TITLE = "落款"

# Numbered kinds whose numbers run 1, 2, 3…: a lone 第二条 in a sentence is no article.
_COUNTED = {"chapter", "section", "article"}
# The closing formula of a letter: what follows is signature, date and contact.
_CLOSING = re.compile(r"^(?:专此|特此|此复|此致)[^。]{0,6}。?$")
# Kinds that number the items *inside* an article of a regulation (第X条 > （一） > 1.).
_ITEM_KINDS = {"cn_paren", "arabic", "arabic_paren", "circled"}


@dataclass
class _Node:
    title: str
    kind: str
    start: int
    end: int = 0
    children: list[_Node] = field(default_factory=list)
    number: tuple[str, ...] | None = None  # a standard clause's number parts ("5", "1")

    def freeze(self, depth: int) -> Section:
        return Section(
            title=self.title,
            level=depth,
            start=self.start,
            end=self.end,
            children=tuple(child.freeze(depth + 1) for child in self.children),
        )


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every non-empty ``\\n``-separated paragraph of ``text``."""
    spans = []
    position = 0
    for line in text.split("\n"):
        end = position + len(line)
        if line.strip():
            spans.append((position, end))
        position = end + 1
    return spans


def _attach(stack: list[_Node], roots: list[_Node], node: _Node) -> None:
    level = LEVELS[node.kind]
    same_kind = next((i for i, open_node in enumerate(stack) if open_node.kind == node.kind), None)
    if same_kind is not None:
        # A sibling of an open clause of the same numbering kind.
        del stack[same_kind:]
    elif stack and stack[-1].kind == "article" and node.kind in _ITEM_KINDS:
        pass  # items of an article nest under it, whatever their usual rank
    else:
        while stack and LEVELS[stack[-1].kind] >= level:
            stack.pop()
    (stack[-1].children if stack else roots).append(node)
    stack.append(node)


def _close(nodes: list[_Node], end: int) -> None:
    for index, node in enumerate(nodes):
        following = nodes[index + 1].start if index + 1 < len(nodes) else end
        node.end = following
        _close(node.children, following)


class _Numbering:
    """Keeps numbered headings honest: standard clause numbers must fit the clauses open
    above them, and 第X条/章/节 must count up from 第一, so a sentence that happens to start
    with "第二条…" or "2.5 …" stays body text."""

    def __init__(self, candidates: list[tuple[str, str]]):
        # Top-level standard numbers and the parents of deeper ones, over the whole text:
        # "1 范围" is a clause only in a document that numbers its clauses that way.
        self.std_tops: set[str] = set()
        self.std_parents: set[str] = set()
        for kind, title in candidates:
            number = clause_number(title)
            if number is None:
                continue
            if kind == "std1":
                self.std_tops.add(number[0])
            elif kind.startswith("std"):
                self.std_parents.add(number[0])
        self.last: dict[str, int] = {}
        self.last_top: int | None = None

    def accept(self, kind: str, title: str, stack: list[_Node]) -> tuple[str, ...] | None | bool:
        """False to refuse the heading; else its clause number (None when it has none)."""
        if kind in _COUNTED:
            value = ordinal(title)
            if value is None:
                return None
            if value != 1 and (kind not in self.last or value <= self.last[kind]):
                return False
            self.last[kind] = value
            return None
        if kind == "annex":
            return clause_number(title)
        if not kind.startswith("std"):
            return None
        number = clause_number(title)
        if number is None:
            return False
        if kind == "std1":
            return self._top(number)
        # 5.1 needs 5 open above it (A.1 needs 附录A): else it is a number in a sentence.
        parent = number[:-1]
        return number if any(node.number == parent for node in stack) else False

    def _top(self, number: tuple[str, ...]) -> tuple[str, ...] | bool:
        value = int(number[0]) if number[0].isdigit() else None
        neighbours = {str(value - 1), str(value + 1)} if value is not None else set()
        if value is None or not (neighbours & self.std_tops or number[0] in self.std_parents):
            return False
        if self.last_top is not None and not self.last_top < value <= self.last_top + 3:
            return False
        self.last_top = value
        return number


class _AnnexScope:
    """Tells when a heading after an annex goes on with the body instead of the annex.

    An annex holds what follows it, whatever its numbering (附件1's items 一、二、… are
    not the report's chapters). But an attached table in the middle of a document
    ("附表1 …") is followed by the body again: a heading that continues the body's own
    count (三、 after the body's 二、) and whose kind the annex has not used itself ends it.
    """

    def __init__(self) -> None:
        self.body_last: dict[str, int] = {}
        self.inside: set[str] = set()

    def resumes_body(self, node: _Node, stack: list[_Node]) -> bool:
        if node.kind == "annex" or not any(open_node.kind == "annex" for open_node in stack):
            return False
        if node.kind in self.inside:
            return False
        number = ordinal(node.title)
        return number is not None and self.body_last.get(node.kind) == number - 1

    def seen(self, node: _Node, stack: list[_Node]) -> None:
        if node.kind == "annex":
            self.inside = set()
        elif any(open_node.kind == "annex" for open_node in stack[:-1]):
            self.inside.add(node.kind)
        else:
            number = ordinal(node.title)
            if number is not None:
                self.body_last[node.kind] = number


def parse_sections(text: str, front_title: str | None = None, roles: str = "") -> tuple[Section, ...]:
    """The clause tree of ``text``; spans are offsets in ``text``.

    ``front_title`` names the section holding the text before the first heading
    (title, 文号, addressee); it defaults to "正文". A letter's closing formula
    (专此函复。) and what follows it (signature, date) form a "落款" section. ``roles``
    (``CleanedText.roles``) marks table-of-contents entries the loader recognised.
    """
    spans = paragraph_spans(text)
    paragraphs = [text[start:end] for start, end in spans]
    toc = find_toc(paragraphs, roles)
    found_all = [None if index in toc else match_heading(paragraph) for index, paragraph in enumerate(paragraphs)]
    numbering = _Numbering([(found[1], paragraphs[i]) for i, found in enumerate(found_all) if found is not None])
    roots: list[_Node] = []
    stack: list[_Node] = []
    annex = _AnnexScope()
    for index, (start, _) in enumerate(spans):
        if index in toc:
            continue
        paragraph = paragraphs[index]
        found = found_all[index]
        number = numbering.accept(found[1], paragraph, stack) if found is not None else False
        if found is not None and number is not False:
            node = _Node(title=heading_title(paragraph), kind=found[1], start=start, number=number or None)
            if annex.resumes_body(node, stack):
                stack.clear()  # "附表1" in the middle, then "三、" after the body's "二、": the annex is over
            _attach(stack, roots, node)
            annex.seen(node, stack)
        elif roots and _CLOSING.match(paragraph.strip()):
            roots.append(_Node(title=SIGNATURE_TITLE, kind="closing", start=start))
            stack = []
    first_heading = roots[0].start if roots else len(text)
    if text[:first_heading].strip():
        front_start = spans[0][0] if spans else 0
        roots.insert(0, _Node(title=front_title or FRONT_MATTER_TITLE, kind="front", start=front_start))
    _close(roots, len(text))
    return tuple(node.freeze(1) for node in roots)


def iter_sections(sections: tuple[Section, ...], path: tuple[str, ...] = ()):
    """Yield ``(path, section)`` for every node, depth first, in document order."""
    for section in sections:
        here = (*path, section.title)
        yield here, section
        yield from iter_sections(section.children, here)
