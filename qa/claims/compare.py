"""Compare the facts of a claim with the facts of one evidence sentence.

The comparison is slot by slot: an amount is matched with the source amount of the same
unit whose surrounding words agree best, a body with the source's bodies, a negated or
planned verb phrase with the same phrase in the source. It yields the claim facts found
in the source, the ``Difference``\\ s (a contradiction), and the key facts the source does
not mention at all (which forbid "supported" without proving anything).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from policyqa.records import Difference
from qa.claims.facts import DRAFT_MARKS, Fact, compact_text, extract_facts

# Facts a claim must get right to be supported; negation/modality are checked separately.
KEY_KINDS = ("number", "year", "date", "quarter", "grade", "level", "rank", "body", "title")
# Where a fact's subject ends: the clause or list item it sits in.
_SUBJECT_BOUNDARY = re.compile(r"[。，,；;：:、（）()]")
_SUBJECT_NOISE = re.compile(r"^(?:其中|共计|共|分别|为|是|有|达到|达|全市|全省|我市|我省|的)+")
_MIN_SUBJECT_GAIN = 2  # shared bigrams by which another subject must beat the equal value's own
_BOUNDARY = re.compile(r"[。，,；;：:]")
_CONTEXT = 4  # characters either side used to pair an amount with its source counterpart
_WINDOW = 8  # characters before a shared phrase searched for negation/modality markers
_MIN_ANCHOR = 3
_NEGATION_REACH = 4


@dataclass(frozen=True)
class FactComparison:
    """What one claim/sentence comparison found."""

    matched: tuple[Fact, ...]
    differences: tuple[Difference, ...]
    missing: tuple[Fact, ...]


def _direction(op: str) -> int:
    return 1 if op in (">", ">=") else -1 if op in ("<", "<=") else 0


def _same_amount(a: Fact, b: Fact) -> bool:
    close = math.isclose(float(a.value), float(b.value), rel_tol=1e-9)
    # 超700项 vs 700项 is a paraphrase; 超700项 vs 700项以下 is not.
    return close and _direction(a.op) * _direction(b.op) >= 0


def _context(text: str, fact: Fact) -> tuple[set[str], set[str]]:
    return set(text[max(0, fact.start - _CONTEXT): fact.start]), set(text[fact.end: fact.end + _CONTEXT])


def _agreement(claim_text: str, fact: Fact, source_text: str, candidate: Fact) -> int:
    """How well the words around two amounts agree (the counted noun weighs double)."""
    before, after = _context(claim_text, fact)
    their_before, their_after = _context(source_text, candidate)
    return len(before & their_before) + 2 * len(after & their_after)


def _closest(claim_text: str, fact: Fact, source_text: str, candidates: Sequence[Fact]) -> tuple[Fact, int]:
    """The candidate amount in the same slot as the claim's, and how well they agree."""
    best = max(candidates, key=lambda c: (_agreement(claim_text, fact, source_text, c), -c.start))
    return best, _agreement(claim_text, fact, source_text, best)


def _is_power_of_ten(ratio: float) -> bool:
    if ratio <= 0:
        return False
    exponent = math.log10(ratio)
    return abs(exponent - round(exponent)) < 1e-9 and round(exponent) != 0


def subject_of(text: str, fact: Fact, others: Sequence[Fact] = ()) -> str:
    """The words a number or rank is about: from the start of its clause or list item (or the
    end of the fact before it) to the fact (市政数局26人 → 市政数局; 无障碍服务排第21名 → 无障碍服务排)."""
    lo = max((m.end() for m in _SUBJECT_BOUNDARY.finditer(text, 0, fact.start)), default=0)
    lo = max([lo] + [o.end for o in others if o is not fact and lo <= o.end <= fact.start])
    return _SUBJECT_NOISE.sub("", text[lo:fact.start])


def _subject_overlap(a: str, b: str) -> int:
    grams_a = {a[i:i + 2] for i in range(len(a) - 1)}
    grams_b = {b[i:i + 2] for i in range(len(b) - 1)}
    return len(grams_a & grams_b)


def _bound_elsewhere(claim_text: str, fact: Fact, claim_facts: Sequence[Fact], source_text: str,
                     equal: Sequence[Fact], rivals: Sequence[Fact], source_facts: Sequence[Fact]) -> Fact | None:
    """The source fact of another value whose subject is the claim fact's subject, when the
    equal-valued source facts belong to other subjects (two numbers swapped between their
    subjects; 第12名 that is another indicator's rank)."""
    mine = subject_of(claim_text, fact, claim_facts)
    if len(mine) < 2 or not rivals:
        return None
    own = max((_subject_overlap(mine, subject_of(source_text, e, source_facts)) for e in equal), default=0)
    best = max(rivals, key=lambda r: _subject_overlap(mine, subject_of(source_text, r, source_facts)))
    gain = _subject_overlap(mine, subject_of(source_text, best, source_facts)) - own
    return best if gain >= _MIN_SUBJECT_GAIN else None


def _compare_numbers(claim_text, claim_facts, source_text, source_facts):
    matched, diffs, missing = [], [], []
    for fact in claim_facts:
        same_unit = [s for s in source_facts if s.unit == fact.unit]
        equal = [s for s in same_unit if _same_amount(fact, s)]
        if equal:
            rival = _bound_elsewhere(claim_text, fact, claim_facts, source_text, equal,
                                     [s for s in same_unit if s not in equal], source_facts)
            if rival is None:
                matched.append(fact)
            else:
                diffs.append(Difference("swap", fact.text, rival.text, subject_of(source_text, rival, source_facts)))
            continue
        if not same_unit:
            missing.append(fact)
            continue
        other, agreement = _closest(claim_text, fact, source_text, same_unit)
        if agreement == 0:  # an amount of something else, not a rival value
            missing.append(fact)
            continue
        ratio = float(fact.value) / float(other.value) if float(other.value) else 0.0
        kind = "magnitude" if _is_power_of_ten(ratio) else "number"
        diffs.append(Difference(kind, fact.text, other.text, subject_of(source_text, other, source_facts)))
    return matched, diffs, missing


def _year_of(fact: Fact) -> object:
    return fact.value[0] if fact.kind == "date" else fact.value


def _compare_times(claim_text, claim_facts, source_text, source_facts):
    matched, diffs, missing = [], [], []
    for fact in claim_facts:
        if any(s.value == fact.value for s in source_facts):
            matched.append(fact)
            continue
        if fact.kind == "year" and any(s.kind == "date" and s.value[0] == fact.value for s in source_facts):
            matched.append(fact)  # "2021年" restates part of "2021年6月24日"
            continue
        same_kind = [s for s in source_facts if s.kind == fact.kind and type(s.value) is type(fact.value)]
        if not same_kind:
            missing.append(fact)
            continue
        other, _ = _closest(claim_text, fact, source_text, same_kind)
        kind = "date" if fact.kind == "date" and _year_of(fact) == _year_of(other) else fact.kind
        diffs.append(Difference(kind, fact.text, other.text, subject_of(source_text, other, source_facts)))
    return matched, diffs, missing


def _as_position(value: object) -> object:
    # 仅次于深圳、广州 puts the subject third: comparable with 第3 and 第一.
    return len(value) + 1 if isinstance(value, tuple) else value


def _agree(a: Fact, b: Fact) -> bool:
    if type(a.value) is type(b.value):
        return a.value == b.value
    return a.kind == "rank" and _as_position(a.value) == _as_position(b.value)


def _compare_values(kind, claim_facts, source_facts, claim_text="", source_text=""):
    """Grades, levels, quarters and ranks: another value in the source sentence is a
    contradiction; so is the claim's value where the source gives it to another subject."""
    matched, diffs, missing = [], [], []
    for fact in claim_facts:
        equal = [s for s in source_facts if _agree(fact, s)]
        if equal:
            rival = _bound_elsewhere(claim_text, fact, claim_facts, source_text, equal,
                                     [s for s in source_facts if s not in equal], source_facts) if claim_text else None
            if rival is None:
                matched.append(fact)
            else:
                diffs.append(Difference(kind, fact.text, rival.text, subject_of(source_text, rival, source_facts)))
        elif source_facts:
            other = source_facts[0]
            if claim_text and len(source_facts) > 1:
                mine = subject_of(claim_text, fact, claim_facts)
                other = max(source_facts, key=lambda s: _subject_overlap(mine, subject_of(source_text, s, source_facts)))
            diffs.append(Difference(kind, fact.text, other.text, subject_of(source_text, other, source_facts)))
        else:
            missing.append(fact)
    return matched, diffs, missing


def _body_present(body: Fact, source_text: str, source_bodies: Sequence[Fact]) -> bool:
    core = str(body.value)
    return core in source_text or any(core in str(s.value) or str(s.value) in core for s in source_bodies)


_ROLE = re.compile(r"^(?:联合|共同|会同)?(牵头|负责|主管|主导|主办|统筹|承担|组织|委托|印发|出台|配合|协办|会办)")
# The role named before the body: 牵头单位是X, 由X牵头 (handled after), 配合单位：X (a task table's
# 列名：值 row), 主办单位为X.
_ROLE_BEFORE = re.compile(r"(牵头|主办|负责|责任|承办|配合|协办|会办|参与)(?:单位|部门)(?:为|是|：|:)?$")
_ROLE_LABELS = {"lead": "牵头", "support": "配合"}
# Words for the same role: who leads a task, who supports it.
_ROLE_CLASSES = {"牵头": "lead", "主办": "lead", "负责": "lead", "主管": "lead", "主导": "lead", "责任": "lead",
                 "承办": "lead", "配合": "support", "协办": "support", "会办": "support", "参与": "support"}


def _role_of(text: str, body: Fact) -> str | None:
    match = _ROLE.match(text[body.end: body.end + 6])
    if match and not match.group().startswith(("联合", "共同", "会同")):
        return _ROLE_CLASSES.get(match.group(1), match.group(1))
    before = _ROLE_BEFORE.search(text[max(0, body.start - 8): body.start])
    return _ROLE_CLASSES.get(before.group(1), before.group(1)) if before else None


def _compare_bodies(claim_text, claim_facts, source_text, source_facts, context_bodies):
    """Bodies must be named by the source; a body in a role (X牵头, X负责) must be the
    body the source gives that role, even if the source names the claim's body elsewhere."""
    matched, diffs, missing = [], [], []
    present = list(source_facts) + list(context_bodies)
    claim_cores = {str(f.value) for f in claim_facts}
    for fact in claim_facts:
        role = _role_of(claim_text, fact)
        holders = [s for s in source_facts if role and _role_of(source_text, s) == role]
        if holders and not any(_same_body(fact, s) for s in holders):
            label = _ROLE_LABELS.get(role, role)
            diffs.append(Difference("department", f"{fact.text}（{label}）", f"{holders[0].text}（{label}）", label))
        elif _body_present(fact, source_text, present):
            matched.append(fact)
        else:
            # A body the source names but the claim does not: one replaced by the other.
            rivals = [s for s in source_facts if not any(str(s.value) in c or c in str(s.value) for c in claim_cores)]
            if rivals:
                diffs.append(Difference("department", fact.text, rivals[0].text))
            else:
                missing.append(fact)
    return matched, diffs, missing


def _same_body(a: Fact, b: Fact) -> bool:
    return str(a.value) in str(b.value) or str(b.value) in str(a.value)


def _clause_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause holding ``text[start:end]``; commas inside other 《titles》 do not end it."""
    masked = re.sub(r"《[^《》]*》", lambda m: "《" + "x" * (len(m.group()) - 2) + "》", text)
    left = max((m.end() for m in _BOUNDARY.finditer(masked, 0, start)), default=0)
    right = next((m.start() for m in _BOUNDARY.finditer(masked, end)), len(text))
    return left, right


def _compare_titles(claim_text, claim_facts, source_text, source_facts, default_modality):
    """Titles must be named in the source; what the claim says was done to a title (已出台)
    must match what the source says (正在制定, （送审稿）已报审定)."""
    matched, diffs, missing = [], [], []
    claim_modality = [f for f in claim_facts if f.kind == "modality"]
    source_modality = [f for f in source_facts if f.kind == "modality"]
    for fact in (f for f in claim_facts if f.kind == "title"):
        twin = next((s for s in source_facts if s.kind == "title" and s.value == fact.value), None)
        if twin is None:
            missing.append(fact)
            continue
        matched.append(fact)
        lo, hi = _clause_around(claim_text, fact.start, fact.end)
        mine = {f.value for f in claim_modality if lo <= f.start < hi}
        s_lo, s_hi = _clause_around(source_text, twin.start, twin.end)
        theirs = {f.value for f in source_modality if s_lo <= f.start < s_hi} or (
            {default_modality} if default_modality else set()
        )
        if DRAFT_MARKS.search(twin.text) and not DRAFT_MARKS.search(fact.text):
            theirs = {"planned"}  # a 送审稿 is not yet issued, whatever was done with it
        if mine == {"done"} and theirs and "done" not in theirs:
            diffs.append(Difference("modality", claim_text[lo:hi][:24], source_text[s_lo:s_hi][:24]))
    return matched, diffs, missing


def _shared_phrase(text: str, start: int, other: str, reach: int | None) -> tuple[int, int] | None:
    """Span in ``other`` of the longest phrase (>= 3 chars) of ``text`` beginning within
    ``reach`` characters after ``start`` (anywhere in the clause when ``reach`` is None)."""
    best: tuple[int, int] | None = None
    best_len = _MIN_ANCHOR - 1
    clause_end = next((m.start() for m in _BOUNDARY.finditer(text, start)), len(text))
    stop = clause_end if reach is None else min(start + reach, len(text))
    for offset in range(start, stop):
        for length in range(min(14, len(text) - offset), best_len, -1):
            pos = other.find(text[offset: offset + length])
            if pos >= 0:
                best, best_len = (pos, pos + length), length
                break
    return best


def _markers_before(facts: Iterable[Fact], text: str, pos: int, kind: str) -> list[Fact]:
    lo = pos - _WINDOW
    for stop in ("。", ",", ";", "，", "；", "、"):
        cut = text.rfind(stop, lo, pos)
        lo = max(lo, cut + 1) if cut >= 0 else lo
    return [f for f in facts if f.kind == kind and lo <= f.start and f.end <= pos + 2]


def _compare_polarity(kind, claim_text, claim_facts, source_text, source_facts, default_modality=None):
    """Negation or modality of the phrase a marker governs, looked up in the other text."""
    diffs: list[Difference] = []
    seen: set[tuple[str, str]] = set()
    sides = [(claim_text, claim_facts, source_text, source_facts, False)]
    if kind == "negation":  # a negation the claim drops is as wrong as one it adds
        sides.append((source_text, source_facts, claim_text, claim_facts, True))
    for text, facts, other_text, other_facts, reverse in sides:
        for marker in (f for f in facts if f.kind == kind):
            # A negation governs the verb right after it; a modality marker (已/计划) the
            # whole predicate, whose object may come several words later.
            span = _shared_phrase(text, marker.end, other_text, _NEGATION_REACH if kind == "negation" else None)
            if span is None:
                continue
            theirs = _markers_before(other_facts, other_text, span[0], kind)
            mine = {f.value for f in _markers_before(facts, text, marker.end, kind)}
            if kind == "modality" and not theirs and default_modality:
                theirs = [Fact("modality", "", default_modality)]
            if kind == "negation" and theirs:
                continue
            if kind == "modality" and (not theirs or mine & {f.value for f in theirs}):
                continue
            shown_from = min([f.start for f in theirs] + [max(span[0] - 2, 0)])
            their_text = other_text[shown_from: span[1]][:12]
            my_text = text[marker.start: marker.end + (span[1] - span[0])][:12]
            pair = (their_text, my_text) if reverse else (my_text, their_text)
            if pair not in seen:
                seen.add(pair)
                diffs.append(Difference(kind, *pair))
    return diffs


def compare_facts(
    claim: str,
    source: str,
    known_bodies: Iterable[str] = (),
    context_bodies: Iterable[str] = (),
    default_modality: str | None = None,
) -> FactComparison:
    """Compare ``claim`` with one ``source`` sentence.

    ``context_bodies`` are bodies the source speaks for without naming them in the
    sentence (the issuing department behind "我局"). ``default_modality`` is what an
    unmarked source sentence means: ``"planned"`` for the tasks of a plan.
    """
    known = tuple(known_bodies)
    claim_text, source_text = compact_text(claim), compact_text(source)
    claim_facts = extract_facts(claim, known)
    source_facts = extract_facts(source, known)
    context = [f for name in context_bodies for f in extract_facts(name, known) if f.kind == "body"]

    def of(facts, *kinds):
        return [f for f in facts if f.kind in kinds]

    parts = [
        _compare_numbers(claim_text, of(claim_facts, "number"), source_text, of(source_facts, "number")),
        _compare_times(claim_text, of(claim_facts, "year", "date"), source_text, of(source_facts, "year", "date")),
        _compare_values("grade", of(claim_facts, "grade"), of(source_facts, "grade")),
        _compare_values("level", of(claim_facts, "level"), of(source_facts, "level"), claim_text, source_text),
        _compare_values("quarter", of(claim_facts, "quarter"), of(source_facts, "quarter")),
        _compare_values("rank", of(claim_facts, "rank"), of(source_facts, "rank"), claim_text, source_text),
        _compare_bodies(claim_text, of(claim_facts, "body"), source_text, of(source_facts, "body"), context),
        _compare_titles(claim_text, claim_facts, source_text, source_facts, default_modality),
    ]
    matched = [fact for found, _, _ in parts for fact in found]
    diffs = [diff for _, found, _ in parts for diff in found]
    missing = [fact for _, _, absent in parts for fact in absent]
    if not any(d.kind == "modality" for d in diffs):
        diffs += _compare_polarity("modality", claim_text, claim_facts, source_text, source_facts, default_modality)
    diffs += _compare_polarity("negation", claim_text, claim_facts, source_text, source_facts)
    return FactComparison(tuple(matched), tuple(diffs), tuple(missing))
