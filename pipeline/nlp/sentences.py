"""Sentence boundaries inside one block of body text (component ``planmine_sentences``).

Each Doc the pipeline sees is a single paragraph, bullet or table row, so the splitter only
has to decide where full stops (and ``!``, ``?``, ellipses) end a sentence. Council prose is
full of full stops that do not: titles and initials ("Mr. M. I. Seedat"), Latin
abbreviations ("e.g.", "i.e."), hedges ("c.", "approx."), clock times ("2.00 p.m."),
numbered-paragraph prefixes ("6. The Cabinet ...", "(b) That ..."). A block with no terminal
punctuation (a typical bullet) is one sentence.

Some text in a block is no sentence at all (:func:`is_non_sentence`): a table-of-contents
entry ("Great Communities<tab>9", "Introduction ...... 4") or a fragment with no word in it
(a page number, "| 2024"). The claims component gives such text no claim.

Sentences cut by a page break or a running header are re-joined before they get here: the
PDF and text readers carry a paragraph across a page or column break while its sentence is
unfinished, so a block is never half a sentence at a page end (tests/test_sentences.py checks
this on a real PDF).

The rules (abbreviation lists, opener/closer characters, the list-prefix regex) are data in
``models/patterns/sentences.yaml``; :func:`sentence_starts` is a pure function over a string
so it can be tested without spaCy, and the component only copies its answer onto
``token.is_sent_start``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated

import numpy
from pydantic import Field
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.config import PATTERNS_DIR
from pipeline.nlp.extensions import doc_text
from pipeline.nlp.patterns import RuleFileComponent, compile_regex, read_yaml
from pipeline.rulefiles import StrictModel, validated

DEFAULT_RULES_PATH = PATTERNS_DIR / "sentences.yaml"
#: A dotted run of single capitals ("M", "M.I", "U.K"): an initial, not a word.
_INITIALS = re.compile(r"^(?:[A-Z]\.)*[A-Z]$")


@dataclass(frozen=True)
class SentenceRules:
    """The splitter's settings, read from YAML and validated."""

    never_final: frozenset[str]
    may_be_final: frozenset[str]
    continuation_words: frozenset[str]
    closers: str
    openers: str
    terminals: str
    split_before_lowercase: bool
    initials_are_abbreviations: bool
    list_prefix: re.Pattern[str]
    candidate: re.Pattern[str]
    contents_entry: re.Pattern[str] | None = None
    contents_heading: re.Pattern[str] | None = None
    title_word_min: int = 4
    section_label_start: re.Pattern[str] | None = None
    section_label_inside: re.Pattern[str] | None = None


class SentenceRulesFile(StrictModel):
    """Schema of ``sentences.yaml``: every key the splitter reads, typed, no unknown keys."""

    never_final: list[Annotated[str, Field(min_length=1)]]
    may_be_final: list[Annotated[str, Field(min_length=1)]]
    continuation_words: list[Annotated[str, Field(min_length=1)]]
    closers: Annotated[str, Field(min_length=1)]
    openers: Annotated[str, Field(min_length=1)]
    terminals: Annotated[str, Field(min_length=1)]
    split_before_lowercase: bool
    initials_are_abbreviations: bool
    list_prefix: str
    contents_entry: str | None = None
    contents_heading: str | None = None
    title_word_min: int = Field(default=4, ge=1)
    section_label_start: str | None = None
    section_label_inside: str | None = None


def _words(words: list[str]) -> frozenset[str]:
    return frozenset(w.lower().rstrip(".") for w in words)


@cache
def load_sentence_rules(path: Path = DEFAULT_RULES_PATH) -> SentenceRules:
    """Read and validate ``sentences.yaml`` (cached: the rules are immutable once loaded)."""
    data = validated(SentenceRulesFile, read_yaml(path), path)

    def optional(key: str) -> re.Pattern[str] | None:
        regex = getattr(data, key)
        return compile_regex(regex, f"{path} {key}") if regex else None

    terminals, closers = re.escape(data.terminals), re.escape(data.closers)
    candidate = compile_regex(
        rf"(?P<term>[{terminals}]+)(?P<close>[{closers}]*)(?P<ws>\s+)(?=\S)",
        f"{path} candidate")
    return SentenceRules(
        never_final=_words(data.never_final),
        may_be_final=_words(data.may_be_final),
        continuation_words=_words(data.continuation_words),
        closers=data.closers,
        openers=data.openers,
        terminals=data.terminals,
        split_before_lowercase=data.split_before_lowercase,
        initials_are_abbreviations=data.initials_are_abbreviations,
        list_prefix=compile_regex(data.list_prefix, f"{path} list_prefix"),
        candidate=candidate,
        contents_entry=optional("contents_entry"),
        contents_heading=optional("contents_heading"),
        title_word_min=data.title_word_min,
        section_label_start=optional("section_label_start"),
        section_label_inside=optional("section_label_inside"),
    )


def _word_before(text: str, end: int, rules: SentenceRules) -> str:
    """The word ending at ``end`` (before the full stop), opening punctuation stripped."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end].lstrip(rules.openers + rules.closers)


def _next_word(text: str, start: int) -> str:
    m = re.match(r"[\w']+", text[start:])
    return m.group(0) if m else ""


def _is_boundary(text: str, m: re.Match[str], rules: SentenceRules, prefix_end: int) -> bool:
    """Decide one candidate: terminal punctuation + optional closers + whitespace."""
    nxt = m.end()
    first = text[nxt]
    if first.islower() and not rules.split_before_lowercase:
        return False
    if not (first.isupper() or first.isdigit() or first.islower() or first in rules.openers):
        return False
    term = m.group("term")
    if term != ".":
        return True  # "!", "?", "...", "…": a real end unless a lower-case word follows
    if m.start() < prefix_end:
        return False  # the "6." of "6. The Cabinet ..."
    word = _word_before(text, m.start(), rules)
    if not word:
        return True
    key = word.lower()
    closed = bool(m.group("close"))
    if key in rules.may_be_final:
        return first.isupper() and _next_word(text, nxt).lower() not in rules.continuation_words
    if closed:
        return True  # "(see e.g.)" is rare; "... approved.)" is common
    if key in rules.never_final:
        return False
    if rules.initials_are_abbreviations and _INITIALS.match(word):
        return False
    return True


def sentence_starts(text: str, rules: SentenceRules | None = None) -> list[int]:
    """Character offsets where sentences start in one block of text (first one included).

    Each offset is the first non-space character of a sentence. A text that is only
    whitespace has no sentences.
    """
    rules = rules or load_sentence_rules()
    stripped = len(text) - len(text.lstrip())
    if stripped == len(text):
        return []
    prefix = rules.list_prefix.match(text)
    prefix_end = prefix.end() if prefix else 0
    starts = [stripped]
    for m in rules.candidate.finditer(text):
        if _is_boundary(text, m, rules, prefix_end):
            starts.append(m.end())
    glued = _glued_paragraph_start(text, rules, starts[1] if len(starts) > 1 else len(text))
    if glued is not None:
        starts = sorted({*starts, glued})
    return starts


def _glued_paragraph_start(text: str, rules: SentenceRules, limit: int) -> int | None:
    """Where a numbered paragraph starts inside a block that opens with its heading.

    Why: a PDF reader may join a numbered heading with no full stop ("1.3 How the plan is
    used") to the paragraph numbered under it ("1.3.1 The plans ..."); the heading then
    reads as the first words of the paragraph's sentence. Only a child label of the block's
    opening label, before the first sentence end (``limit``), starts a sentence.
    """
    if rules.section_label_start is None or rules.section_label_inside is None:
        return None
    head = rules.section_label_start.match(text)
    if head is None:
        return None
    parent = head.group("label")
    for m in rules.section_label_inside.finditer(text, head.end(), limit):
        if m.group("label").startswith(parent + "."):
            return m.start("label")
    return None


def split_sentences(text: str, rules: SentenceRules | None = None) -> list[str]:
    """The sentences of one block as strings, surrounding whitespace trimmed."""
    starts = sentence_starts(text, rules)
    ends = [*starts[1:], len(text)] if starts else []
    return [text[s:e].strip() for s, e in zip(starts, ends, strict=True)]


_LETTER = re.compile(r"[^\W\d_]")


def _looks_like_title(title: str, min_len: int) -> bool:
    """Two or more words, every word of ``min_len`` letters or more capitalised."""
    words = re.findall(r"[^\W\d_][\w'’-]*", title)
    long_words = [w for w in words if len(w) >= min_len]
    return len(words) >= 2 and bool(long_words) and all(w[0].isupper() for w in long_words)


def is_non_sentence(text: str, heading: str = "", rules: SentenceRules | None = None) -> bool:
    """True for text that is no sentence and so no claim: a table-of-contents entry or a
    fragment without a single letter ("| 2024", "12").

    Why the heading: a contents table is a two-column table of titles and page numbers, and
    a data table can look the same ("Libraries<tab>12"); under a "Contents" heading (or its
    "Page" column header) every such row is an entry, elsewhere only rows whose label reads
    as a title, or with leader dots, are.
    """
    rules = rules or load_sentence_rules()
    text = " ".join(text.split("\n")).strip()
    if not _LETTER.search(text):
        return bool(text)
    if rules.contents_entry is None:
        return False
    m = rules.contents_entry.match(text)
    if not m:
        return False
    if "\t" not in m.group("sep"):
        return True  # leader dots or an ellipsis before a page number
    if rules.contents_heading is not None and rules.contents_heading.search(heading or ""):
        return True
    return _looks_like_title(m.group("title"), rules.title_word_min)


@Language.factory("planmine_sentences", assigns=["token.is_sent_start"],
                  default_config={"rules_path": ""})
def make_sentences(nlp: Language, name: str, rules_path: str) -> SentenceSplitter:
    """spaCy factory: ``nlp.add_pipe("planmine_sentences")``; ``rules_path`` "" = the shipped rules."""
    return SentenceSplitter(Path(rules_path) if rules_path else DEFAULT_RULES_PATH)


class SentenceSplitter(RuleFileComponent):
    """Sets ``token.is_sent_start`` from :func:`sentence_starts` on the Doc's text.

    The rules travel with a saved pipeline (:class:`RuleFileComponent`).
    """

    load_rules = staticmethod(load_sentence_rules)

    def __init__(self, rules_path: Path = DEFAULT_RULES_PATH) -> None:
        self.use_rules(rules_path)

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        starts = sentence_starts(doc_text(doc), self.rules)
        # one array write, not a per-token ``is_sent_start`` assignment: spaCy's setter scans
        # the whole Doc each time, which made a long unbroken line quadratic; the tokens'
        # offsets are read as one array too, not through a Token object each
        flags = numpy.full(len(doc), -1, dtype="int64")
        if starts and starts != [0]:  # one sentence from the first character: flags[0] alone
            idx = doc.to_array(IDX).astype("int64")  # ascending, as the starts are
            want = numpy.array(starts, dtype="int64")
            at = numpy.minimum(numpy.searchsorted(idx, want), len(idx) - 1)
            flags[at[idx[at] == want]] = 1  # the starts that fall on a token's first character
        flags[0] = 1
        doc.from_array([SENT_START], flags.astype("uint64"))  # spaCy's own array type
        return doc
