"""Chinese tokenisation for the keyword side: jieba segmentation with a policy dictionary.

The segmenter is jieba-rs (``rjieba``) by default and the pure-Python ``jieba`` on request
(``index/segmenters``); both cut alike, and the choice enters ``version`` so an index built
with one is refused, not silently searched, by a tokenizer using the other.

Documents and queries go through the very same ``tokenize`` so that BM25 sees identical
forms on both sides. Identifiers a user types verbatim (文号, proposal numbers, years,
amounts) are protected from jieba and kept as single tokens, whitespace removed, because
the PDF-derived TXT often puts spaces inside them (``东政数函〔2021〕53 号``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from index.segmenters import DEFAULT_SEGMENTER, SEGMENTERS, Segmenter, make_segmenter
from index.synonyms import SynonymTable
from ingest.normalize import normalize_text

DICTIONARY_DIR = Path(__file__).resolve().parent / "dictionary"
POLICY_TERMS_PATH = DICTIONARY_DIR / "policy_terms.txt"
STOPWORDS_PATH = DICTIONARY_DIR / "stopwords.txt"

# Bumped whenever the protected patterns or the token post-processing change.
_TOKENIZER_FORMAT = "3"

_DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,10}\s*[〔\[(（【［]\s*(\d{4})\s*[〕\])）】］]\s*(?:第\s*)?(\d{1,5})\s*号"
)
_PROPOSAL_NUMBER = re.compile(r"(?<!\d)(\d{8})(?!\d)")
_AMOUNT = re.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?)\s*(%|万亿|亿元|万元|千元|元|亿条|万条|亿|万|分|年|个月|月|日|条|项|个|件|家|人|次|套|台|天|小时|km|gb|tb|pb)"
)
_PROTECTED = re.compile("|".join(f"(?:{p.pattern})" for p in (_DOC_NUMBER, _AMOUNT, _PROPOSAL_NUMBER)))
# _DOC_NUMBER tries up to ten characters at every Han position, a third of the tokenizer's
# time; it can only match where a bracketed year occurs, which this cheap scan rules out.
_BRACKETED_YEAR = re.compile(r"[〔\[(（【［]\s*\d{4}\s*[〕\])）】］]")
_PROTECTED_NO_DOC_NUMBER = re.compile("|".join(f"(?:{p.pattern})" for p in (_AMOUNT, _PROPOSAL_NUMBER)))
# Verbs that run into the issuer abbreviation in running text ("根据东政数函〔2022〕37号").
_LEADING_VERB = re.compile(r"^(?:根据|按照|依据|依照|参照|印发|转发|贯彻|落实|执行|见|按|据)+")
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")
_SPACE = re.compile(r"\s+")
_ALL_HAN = re.compile(r"[\u4e00-\u9fff]+")


def read_stopwords(path: Path = STOPWORDS_PATH) -> frozenset[str]:
    """The stopword list: one word per line, ``#`` comments ignored."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


class ChineseTokenizer:
    """jieba segmentation with a user dictionary, protected identifiers and stopwords.

    ``search_mode`` adds jieba's sub-word cuts (数据大脑 → 数据, 大脑, 数据大脑) so a query
    phrased with part of a compound still matches; ``extra_terms`` are the terms mined from
    the corpus at index time; ``segmenter`` names the jieba implementation (``index/segmenters``).
    """

    def __init__(
        self,
        user_dict_paths: Sequence[Path] = (POLICY_TERMS_PATH,),
        extra_terms: Iterable[str] = (),
        search_mode: bool = True,
        stopwords_path: Path = STOPWORDS_PATH,
        bigrams: bool = False,
        synonyms: SynonymTable | None = None,
        segmenter: str = DEFAULT_SEGMENTER,
    ):
        self.user_dict_paths = tuple(Path(p) for p in user_dict_paths)
        self.extra_terms = tuple(sorted({normalize_text(t) for t in extra_terms if t.strip()}))
        self.search_mode = search_mode
        self.bigrams = bigrams
        self.stopwords_path = Path(stopwords_path)
        if segmenter not in SEGMENTERS:  # fail at configuration time, not at the first query
            raise ValueError(f"unknown segmenter {segmenter!r}: use one of {', '.join(SEGMENTERS)}")
        self.segmenter = segmenter
        self._stopwords = read_stopwords(self.stopwords_path)
        # Query-side only: it never changes the index, so it does not enter ``version``.
        self.synonyms = SynonymTable.from_file() if synonyms is None else synonyms
        self.version = self._compute_version()
        self._words: Segmenter | None = None  # built on first use: loading a dictionary takes 0.1-1 s

    def with_terms(self, terms: Iterable[str]) -> ChineseTokenizer:
        """A tokenizer with the same settings plus ``terms`` in its dictionary."""
        return ChineseTokenizer(
            self.user_dict_paths, (*self.extra_terms, *terms), self.search_mode, self.stopwords_path, self.bigrams,
            self.synonyms, self.segmenter,
        )

    def tokenize_query(self, query: str) -> list[str]:
        """Tokens of a question plus the document words for its everyday words (``index/dictionary/synonyms.txt``)."""
        tokens = self.tokenize(query)
        for alternative in self.synonyms.expansions(query):
            tokens.extend(t for t in self.tokenize(alternative) if t not in tokens)
        return tokens

    def tokenize(self, text: str) -> list[str]:
        """Tokens of ``text`` after the shared normalisation; stopwords and punctuation dropped."""
        normalized = normalize_text(text)
        tokens: list[str] = []
        position = 0
        protected = _PROTECTED if _BRACKETED_YEAR.search(normalized) else _PROTECTED_NO_DOC_NUMBER
        for match in protected.finditer(normalized):
            tokens.extend(self._segment(normalized[position : match.start()]))
            tokens.extend(self._protected_tokens(match.group(0)))
            position = match.end()
        tokens.extend(self._segment(normalized[position:]))
        return tokens

    def _protected_tokens(self, span: str) -> list[str]:
        token = _canonical_identifier(span)
        doc_number = _DOC_NUMBER.fullmatch(_SPACE.sub("", span))
        if doc_number is None:
            return [token]
        # The parts let "2022年37号" or "东政数函" alone still reach the letter.
        issuer_part = token[: token.index("〔")]
        serial = f"〔{doc_number.group(1)}〕{doc_number.group(2)}号"
        return [token, serial, *self._segment(issuer_part), doc_number.group(1), f"{doc_number.group(2)}号"]

    def _segment(self, text: str) -> list[str]:
        if not text.strip():
            return []
        segmenter = self._segmenter()
        words = segmenter.cut_for_search(text) if self.search_mode else segmenter.cut(text)
        kept = [w for w in map(_word_or_empty, words) if w and w not in self._stopwords]
        if not self.bigrams:
            return kept
        # Character bigrams of long words reach coinages the dictionary lacks ("四个通办" → "通办").
        extra = [w[i : i + 2] for w in kept if len(w) >= 3 and _ALL_HAN.fullmatch(w) for i in range(len(w) - 1)]
        return kept + [b for b in extra if b not in self._stopwords]

    def _segmenter(self) -> Segmenter:
        if self._words is None:
            segmenter = make_segmenter(self.segmenter)
            for path in self.user_dict_paths:
                for word, freq, tag in _read_user_dict(path):
                    segmenter.add_word(word, freq, tag)
            for term in self.extra_terms:
                segmenter.add_word(term)
            self._words = segmenter
        return self._words

    def _compute_version(self) -> str:
        settings = f"format={_TOKENIZER_FORMAT};search={self.search_mode};bigrams={self.bigrams}"
        if self.segmenter != "jieba":  # so that jieba-built indexes keep their version
            settings += f";segmenter={self.segmenter}"
        digest = hashlib.sha1(settings.encode())
        for path in (*self.user_dict_paths, self.stopwords_path):
            digest.update(path.read_bytes())
        digest.update("\n".join(self.extra_terms).encode())
        return digest.hexdigest()[:16]


def _word_or_empty(word: str) -> str:
    """``word`` stripped, or "" when it holds no letter, digit or Han character (punctuation, space)."""
    if word.isalnum():  # most words: nothing to strip, certainly word-like (isalnum is the regex \w less "_")
        return word
    word = word.strip()
    return word if _WORDLIKE.search(word) else ""


def _canonical_identifier(span: str) -> str:
    """``东政数函 〔2022〕 37 号`` → ``东政数函〔2022〕37号`` (any bracket style → 〔〕)."""
    compact = _SPACE.sub("", span)
    match = _DOC_NUMBER.fullmatch(compact)
    if match is None:
        return compact
    issuer = _LEADING_VERB.sub("", re.split(r"[〔\[(（【［]", compact, maxsplit=1)[0])
    return f"{issuer}〔{match.group(1)}〕{match.group(2)}号"


def _read_user_dict(path: Path) -> Iterable[tuple[str, int | None, str | None]]:
    """Lines ``word [freq] [tag]`` of a jieba user dictionary, ``#`` comments skipped."""
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        word = normalize_text(parts[0])
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[2] if len(parts) > 2 else None
        yield word, freq, tag
