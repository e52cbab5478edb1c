"""Footnotes recognised at ingest, by their shape and position, never by a pattern over answers.

A footnote call is a small number in brackets set after a word or a sentence end
("等级为“中”[1]。", "…改革。[2]"), or digits the PDF sets small and raised ("5.2%¹"),
whose note exists: a line that *starts* with the same "[n]" (the note at the page foot,
labelled so by the PDF loader, or at the document end, or a DOCX footnote). Both are
rewritten to the superscript form ⁽¹⁾ the printed page shows, so later stages can tell a
footnote from a bracketed year: "国能综通科技[2021]92号" has no note "[2021]" and a
four-digit number, and stays exactly as printed.

A note label alone on its line ("[1]" above its text, as PDF extraction leaves it) is
joined to the note text on the next line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.layout import UNKNOWN, page_marks

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_PLAIN = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_NOTE_START = re.compile(r"^\s*[\[［](\d{1,3})[\]］]\s*")
# A call: "[n]" not opening the line, not followed by a digit ("[2021]92号" is a 文号), or
# digits set as superscripts (PDF loader) after anything but a Latin letter ("m²" is a unit).
_CALL = re.compile(r"(?<=\S)[\[［](\d{1,3})[\]］](?!\s*\d)|(?<=[^\sA-Za-z])([⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3})(?![⁾])")
CALL_FORM = re.compile("⁽[⁰¹²³⁴⁵⁶⁷⁸⁹]+⁾")


def superscript(number: str) -> str:
    """"12" → "⁽¹²⁾": the form footnote calls and labels take in the stored text."""
    return f"⁽{number.translate(_SUPERSCRIPT)}⁾"


def rewrite_footnotes(pages: Sequence[str], marks: Sequence[str] = ()) -> tuple[tuple[str, ...], tuple[str, ...], int]:
    """Rewrite footnote calls and note labels in ``pages`` (marks kept aligned).

    Returns ``(pages, marks, notes)``; ``notes`` is how many notes were found (0: nothing
    changed).
    """
    split = [page.split("\n") for page in pages]
    aligned = [list(mark) for mark in page_marks(pages, marks)]
    notes = {m.group(1) for lines in split for line in lines if (m := _NOTE_START.match(line))}
    notes = {n for n in notes if _has_call(split, n)}
    if not notes:
        return tuple(pages), tuple("".join(m) for m in aligned), 0
    out_pages, out_marks = [], []
    flat = [(p, i) for p, lines in enumerate(split) for i in range(len(lines))]
    skip: set[tuple[int, int]] = set()
    for position, (p, i) in enumerate(flat):
        if (p, i) in skip:
            continue
        line = split[p][i]
        note = _NOTE_START.match(line)
        if note is not None and note.group(1) in notes:
            rest = line[note.end():]
            if not rest.strip():
                # A lone label: the note text is the next non-empty line (maybe on the next page).
                following = next(((q, j) for q, j in flat[position + 1:] if split[q][j].strip()), None)
                if following is not None:
                    rest = split[following[0]][following[1]].strip()
                    skip.add(following)
            split[p][i] = superscript(note.group(1)) + rest
            continue
        split[p][i] = _CALL.sub(lambda m: superscript(_number(m)) if _number(m) in notes else m.group(0), line)
    for p, lines in enumerate(split):
        kept = [(line, aligned[p][i] if i < len(aligned[p]) else UNKNOWN) for i, line in enumerate(lines)
                if (p, i) not in skip]
        out_pages.append("\n".join(line for line, _ in kept))
        out_marks.append("".join(mark for _, mark in kept))
    return tuple(out_pages), tuple(out_marks), len(notes)


def _number(match: re.Match[str]) -> str:
    return match.group(1) or match.group(2).translate(_PLAIN)


def _has_call(split: list[list[str]], number: str) -> bool:
    """Whether some line calls note ``number`` (a label alone is no footnote)."""
    return any(_number(m) == number for lines in split for line in lines
               if not _NOTE_START.match(line) for m in _CALL.finditer(line))
