"""Parse a cleaned document text into its clause tree (``records.Section``).

Levels come from the numbering kind (see ``ingest.headings``); the tree is built with a
stack so that a document whose highest clause is （一） simply has （一） at the top.
Text before the first heading becomes a front-matter section, so every character of
the document belongs to some section; the table of contents is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.headings import LEVELS, heading_title, is_toc_line, match_heading, strip_markup
from policyqa.records import Section

FRONT_MATTER_TITLE = "正文"
SIGNATURE_TITLE = "落款"

_TOC_TITLE = re.compile(r"^目\s*录$")
_TOC_LEADER = re.compile(r"(?:[.…·．]{2,}|\t|\s{3,})\s*\d{1,4}\s*$")
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


def _toc_title(paragraph: str) -> str:
    return re.sub(r"\s+", "", _TOC_LEADER.sub("", strip_markup(paragraph)))


def find_toc(text: str, spans: list[tuple[int, int]]) -> range:
    """Indices (into ``spans``) of the table of contents, empty when there is none.

    It starts at a "目录" line and runs to just before the entry that repeats its
    first entry (the real start of the body); without such a repeat, it is the run of
    lines with page-number leaders.
    """
    for index, (start, end) in enumerate(spans):
        if not _TOC_TITLE.match(strip_markup(text[start:end])):
            continue
        if index + 1 >= len(spans):
            return range(index, index + 1)
        first = _toc_title(text[slice(*spans[index + 1])])
        for later in range(index + 2, len(spans)):
            paragraph = text[slice(*spans[later])]
            if _toc_title(paragraph) == first and not is_toc_line(paragraph):
                return range(index, later)
        last = index + 1
        while last < len(spans) and is_toc_line(text[slice(*spans[last])]):
            last += 1
        return range(index, last)
    return range(0)


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


def parse_sections(text: str, front_title: str | None = None) -> tuple[Section, ...]:
    """The clause tree of ``text``; spans are offsets in ``text``.

    ``front_title`` names the section holding the text before the first heading
    (title, 文号, addressee); it defaults to "正文". A letter's closing formula
    (专此函复。) and what follows it (signature, date) form a "落款" section.
    """
    spans = paragraph_spans(text)
    toc = find_toc(text, spans)
    roots: list[_Node] = []
    stack: list[_Node] = []
    for index, (start, end) in enumerate(spans):
        if index in toc:
            continue
        paragraph = text[start:end]
        found = match_heading(paragraph)
        if found is not None:
            _attach(stack, roots, _Node(title=heading_title(paragraph), kind=found[1], start=start))
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
