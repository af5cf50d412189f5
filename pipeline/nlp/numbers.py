"""Numbers as written in council reports: numerals, number words, scales and hedges.

Shared by the money, dates and figures parsers. The tables come from
``models/lexicons/numbers.yaml``; this module turns them into ready-to-use lookups, regex
fragments and a few small pure helpers (parse a numeral, find the hedge before a number, the
open bound or "per year" after it, pick non-overlapping matches). No spaCy here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from pipeline.config import LEXICONS_DIR
from pipeline.nlp.patterns import PrefilterGroup, alternation, load_lexicon
from pipeline.rulefiles import StrictModel, validated


class QualifierEntry(StrictModel):
    """One hedge row of the lexicon ("over" -> at least, approximate)."""

    phrase: str
    qualifier: str
    approx: bool
    not_before_units: list[str] = []


class TableScaleEntry(StrictModel):
    """A table scale marker ("(thousands)", "£000") and the multiplier word it implies."""

    regex: str
    multiplier: str


class NumbersLexicon(StrictModel):
    """Schema of ``models/lexicons/numbers.yaml``. Word lists are ``list[str]`` on purpose:
    YAML reads a bare ``on``/``no``/``yes`` as a boolean, and a boolean in a word list would
    silently never match the word it was meant to be; the schema makes that an error naming
    the key."""

    number_words: dict[str, float]
    scale_words: dict[str, float]
    table_scales: list[TableScaleEntry] = []
    multipliers: dict[str, float]
    qualifiers: list[QualifierEntry]
    suffix_qualifiers: list[QualifierEntry]
    per_phrases: dict[str, str]
    units: dict[str, str]
    code_prefixes: list[str]
    months: dict[str, int]
    weekdays: list[str]
    seasons: dict[str, tuple[int, int]]
    year_parts: dict[str, tuple[int, int]]
    month_lead_words: list[str]
    year_lead_words: list[str]
    year_name_words: list[str]
    measure_stop_words: list[str]
    age_lead_words: list[str]
    fraction_words: dict[str, int]
    ordinal_words: dict[str, int] = {}
    frequency_words: dict[str, int] = {}


_LEX = validated(NumbersLexicon, load_lexicon("numbers"), LEXICONS_DIR / "numbers.yaml")


@dataclass(frozen=True)
class Qualifier:
    """A hedge such as "over" or "up to": canonical label, approximate or not."""

    phrase: str
    qualifier: str
    approx: bool
    not_before_units: tuple[str, ...] = ()


def _qualifiers(rows: list[QualifierEntry]) -> tuple[Qualifier, ...]:
    out = [Qualifier(row.phrase.lower(), row.qualifier, row.approx, tuple(row.not_before_units))
           for row in rows]
    return tuple(sorted(out, key=lambda q: len(q.phrase), reverse=True))


NUMBER_WORDS: dict[str, float] = {k.lower(): v for k, v in _LEX.number_words.items()}
MULTIPLIERS: dict[str, float] = {k.lower(): v for k, v in _LEX.multipliers.items()}
QUALIFIERS = _qualifiers(_LEX.qualifiers)
SUFFIX_QUALIFIERS = _qualifiers(_LEX.suffix_qualifiers)
PER_PHRASES: dict[str, str] = {k.lower(): v for k, v in _LEX.per_phrases.items()}
UNITS: dict[str, str] = {k.lower(): v for k, v in _LEX.units.items()}
CODE_PREFIXES: frozenset[str] = frozenset(w.lower() for w in _LEX.code_prefixes)
MONTHS: dict[str, int] = {k.lower(): v for k, v in _LEX.months.items()}
WEEKDAYS: tuple[str, ...] = tuple(w.lower() for w in _LEX.weekdays)
SEASONS: dict[str, tuple[int, int]] = {k.lower(): v for k, v in _LEX.seasons.items()}
YEAR_PARTS: dict[str, tuple[int, int]] = {k.lower(): v for k, v in _LEX.year_parts.items()}
MONTH_LEAD_WORDS: frozenset[str] = frozenset(w.lower() for w in _LEX.month_lead_words)
YEAR_LEAD_WORDS: frozenset[str] = frozenset(w.lower() for w in _LEX.year_lead_words)
MEASURE_STOP_WORDS: frozenset[str] = frozenset(w.lower() for w in _LEX.measure_stop_words)
FRACTION_WORDS: dict[str, int] = {k.lower(): v for k, v in _LEX.fraction_words.items()}
AGE_LEAD_WORDS: frozenset[str] = frozenset(w.lower() for w in _LEX.age_lead_words)
ORDINAL_WORDS: dict[str, int] = {k.lower(): v for k, v in _LEX.ordinal_words.items()}
FREQUENCY_WORDS: dict[str, int] = {k.lower(): v for k, v in _LEX.frequency_words.items()}
YEAR_NAME_WORDS: frozenset[str] = frozenset(w.lower() for w in _LEX.year_name_words)

#: Table scale markers ("(thousands)", "£000", "(£m)") and the multiplier each one implies.
TABLE_SCALES: tuple[tuple[re.Pattern[str], float], ...] = tuple(
    (re.compile(row.regex, re.IGNORECASE), MULTIPLIERS[row.multiplier.lower()])
    for row in _LEX.table_scales)

_SIMPLE_WORDS = {w: v for w, v in NUMBER_WORDS.items() if " " not in w}
_TENS = {w: v for w, v in _SIMPLE_WORDS.items() if v >= 20 and v % 10 == 0 and v < 100}
_UNITS_1_9 = {w: v for w, v in _SIMPLE_WORDS.items() if 1 <= v <= 9}

_SCALE_WORDS = {k.lower(): v for k, v in _LEX.scale_words.items()}
_SIMPLE = ("(?:" + alternation(_TENS) + r")[-\s](?:" + alternation(_UNITS_1_9) + ")|"
           + alternation(_SIMPLE_WORDS))
_SCALE = alternation(_SCALE_WORDS)
# one group before a scale word: "two", "twenty-five", "a" (only before a scale word),
# "one and a half" (only before a scale word)
_GROUP = (r"(?:\b(?:" + _SIMPLE + r")\b|\ban?(?=[\s-]+(?:" + _SCALE + r")\b))"
          r"(?:[\s-]+and[\s-]+a[\s-]+half(?=[\s-]+(?:" + _SCALE + r")\b))?")
#: Number words of any size: "two hundred and fifty", "one and a half million",
#: "half a million", "three thousand four hundred"; "and" only after a scale word.
NUMBER_PHRASE = (r"(?:half[\s-]+an?|(?:a[\s-]+)?quarter[\s-]+of[\s-]+an?|three[\s-]+quarters"
                 r"[\s-]+of[\s-]+an?)[\s-]+(?:" + _SCALE + r")\b|" + _GROUP
                 + r"(?:[\s-]+(?:" + _SCALE + r")\b(?:(?:[\s-]+and)?[\s-]+" + _GROUP + r")?)+")

#: Regex fragments derived from the lexicon, for the pattern files.
FRAGMENTS: dict[str, str] = {
    # a number word: phrases of any size first, compound tens ("twenty-five"), single words
    "NUMWORD": NUMBER_PHRASE + "|(?:" + alternation(_TENS) + r")[-\s](?:"
               + alternation(_UNITS_1_9) + ")|" + alternation(NUMBER_WORDS),
    "MULTWORD": alternation(w for w in MULTIPLIERS if len(w) > 2),
    "MULTSUFFIX": alternation(w for w in MULTIPLIERS if len(w) <= 2),
    "UNIT": alternation(UNITS),
    "MONTH": r"(?:(?:" + alternation(k for k in MONTHS if len(k) > 4 or k == "may")
             + r")|(?:" + alternation(k for k in MONTHS if len(k) <= 4 and k != "may")
             + r")\.?)(?![A-Za-z])",
    "WEEKDAY": alternation(WEEKDAYS),
    "SEASON": alternation(SEASONS),
    "YEARPART": alternation(YEAR_PARTS),
    "FRACTION": alternation(FRACTION_WORDS),
    "ORDWORD": alternation(ORDINAL_WORDS),
}

# What every match of NUMWORD starts with: the first word of a lexicon entry, "half",
# "quarter" or "three" of a fraction phrase, or "a"/"an" before more words ("a hundred", "a
# quarter of") unless the lexicon has them alone. A pattern can look ahead for it to turn
# away, in one pass over a word list, the word starts where no number word begins: trying
# NUMWORD there walks its word lists several times over.
_FIRST_WORDS = {w.split()[0] for w in NUMBER_WORDS} | {"half", "quarter", "three"}
_ARTICLES = {"a", "an"} - set(NUMBER_WORDS)
FRAGMENTS["NUMWORDSTART"] = ("(?:" + alternation(_FIRST_WORDS - _ARTICLES) + ")"
                             + (r"|an?[\s-]" if _ARTICLES else ""))

_NUMERAL = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$|^\.\d+$")


def parse_number(text: str) -> float | None:
    """The value of a numeral or number word: "1,300" -> 1300, "Nine" -> 9, "twenty-five" -> 25.

    Returns None for anything else (it never raises), so callers can reject a candidate.
    """
    s = text.strip().lower().replace("\u2019", "'")
    if not s:
        return None
    if _NUMERAL.match(s):
        return float(s.replace(",", ""))
    s = re.sub(r"\s+", " ", s)
    if s in NUMBER_WORDS:
        return NUMBER_WORDS[s]
    parts = re.split(r"[-\s]", s)
    if len(parts) == 2 and parts[0] in _TENS and parts[1] in _UNITS_1_9:
        return _TENS[parts[0]] + _UNITS_1_9[parts[1]]
    return _parse_number_phrase(" ".join(parts))


_FRACTION_OF_SCALE = re.compile(r"(half|a quarter|quarter|three quarters) (?:of )?an? (\w+)")
_AND_A_HALF = re.compile(r"(.+?) and a half (\w+)")
_FRACTION_VALUES = {"half": 0.5, "a quarter": 0.25, "quarter": 0.25, "three quarters": 0.75}


def _parse_number_phrase(s: str) -> float | None:
    """Number words beyond the lexicon ("two hundred and fifty", "half a million").

    The integer grammar is text2num's (a maintained parser that refuses what it cannot read,
    where word2number silently returns wrong values); halves and quarters of a scale word and
    a leading "a" ("a hundred") are read here first.
    """
    from text_to_num import text2num

    m = _FRACTION_OF_SCALE.fullmatch(s)
    if m and m.group(2) in _SCALE_WORDS:
        return _FRACTION_VALUES[m.group(1)] * _SCALE_WORDS[m.group(2)]
    m = _AND_A_HALF.fullmatch(s)
    if m and m.group(2) in _SCALE_WORDS:
        head = _parse_number_phrase(m.group(1))
        return None if head is None else (head + 0.5) * _SCALE_WORDS[m.group(2)]
    s = re.sub(r"^an? (?=\w)", "one ", s)
    if not any(w in _SCALE_WORDS or w in _SIMPLE_WORDS for w in s.split()):
        return None
    try:
        return float(text2num(s, "en"))
    except (ValueError, TypeError):
        return None


def scale_at(text: str, pos: int, heading: str = "") -> float:
    """The scale a table prints for the number at ``pos``: 1000 under "(thousands)", else 1.

    A marker earlier in the same text (a row label "Total calls (thousands)") wins over one in
    the heading above the text (a table titled "Number of calls (thousands)"). Why: tables of
    counts and budgets print "26" for 26,000 and say so once, in a label, not on each number.
    """
    best: tuple[int, float] | None = None
    for regex, mult in TABLE_SCALES:
        for m in regex.finditer(text, 0, pos):
            if m.end() <= pos and (best is None or m.end() > best[0]):
                best = (m.end(), mult)
    if best is not None:
        return best[1]
    for regex, mult in TABLE_SCALES:
        if regex.search(heading or ""):
            return mult
    return 1.0


class _Scalable(Protocol):
    """A mention with a numeral's place and value (money and figure mentions, frozen)."""

    @property
    def start(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def low(self) -> float | None: ...
    @property
    def high(self) -> float | None: ...


S = TypeVar("S", bound=_Scalable)


def scaled_by_table(text: str, mention: S, heading: str = "") -> S:
    """``mention`` (a dataclass with value/low/high) with a bare numeral put in real units by
    the table scale marker over it (:func:`scale_at`); unchanged when its numeral carries its
    own scale ("2.5 million", "£2m") or no marker applies. One place for money and figures."""
    if bare_numeral_value(mention.text) != abs(mention.value):
        return mention
    scale = scale_at(text, mention.start, heading)
    if scale == 1.0:
        return mention
    # S is always a frozen dataclass (MoneyMention, FigureMention); mypy cannot tell from S
    return replace(mention, value=mention.value * scale,  # type: ignore[type-var]
                   low=None if mention.low is None else mention.low * scale,
                   high=None if mention.high is None else mention.high * scale)


_LEADING_NUMERAL = re.compile(r"[-+\u2212]?(?:US\$|[£$€])?\s?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)")


def bare_numeral_value(text: str) -> float | None:
    """The value of the numeral a mention's text starts with when nothing scales it.

    Lets a caller tell "26" (scaled by a table's "(thousands)") from "26 million" or "£2m",
    which carry their own scale: compare this with the mention's value.
    """
    m = _LEADING_NUMERAL.match(text.strip())
    return parse_number(m.group(1)) if m else None


def multiplier(word: str | None) -> float:
    """The scale of a multiplier word or suffix ("m", "bn", "million"); 1 when absent."""
    if not word:
        return 1.0
    return MULTIPLIERS.get(re.sub(r"\s+", "", word.lower()), 1.0)


def unit_of(written: str | None) -> str:
    """The unit to report for a unit as written ("yrs" -> "years", "550acre" -> "acre")."""
    if not written:
        return "count"
    key = re.sub(r"\s+", " ", written.strip(" -").lower())
    return UNITS.get(key, key)


_WORD_BEFORE = re.compile(r"([A-Za-z][\w.'\u2019-]*)\W*$")


def qualifier_before(text: str, start: int, unit: str = "") -> Qualifier | None:
    """The hedge that ends just before ``start`` ("over", "up to", "c"), if any.

    ``unit`` lets a hedge opt out before some units ("over 6 months" is a span, not a bound).
    """
    window = re.sub(r"\s+", " ", text[max(0, start - 40):start].lower()).rstrip()
    for q in QUALIFIERS:
        if window.endswith(q.phrase):
            before = window[: len(window) - len(q.phrase)]
            if before and (before[-1].isalnum()):
                continue
            if unit and unit in q.not_before_units:
                return None
            return q
    return None


def _after_number(phrase: str) -> re.Pattern[str]:
    """``phrase`` written after a number: whitespace first, any whitespace between its words,
    and not running on into a word."""
    return re.compile(r"\s+" + re.escape(phrase).replace(r"\ ", r"\s+") + r"(?![A-Za-z])")


#: The open bounds and the rates, in the order they are tried, each with its regex (compiled
#: once: building them per number cost more than matching them).
_SUFFIX_AFTER = tuple((q, _after_number(q.phrase)) for q in SUFFIX_QUALIFIERS)
_PER_AFTER = tuple((PER_PHRASES[phrase], _after_number(phrase))
                   for phrase in sorted(PER_PHRASES, key=len, reverse=True))


def suffix_after(text: str, end: int) -> tuple[Qualifier, int] | None:
    """An open bound written right after a number ("or more", "and over"): it and its end."""
    rest = text[end:end + 20].lower()
    if not rest[:1].isspace():
        return None  # every one opens with whitespace (``str.isspace`` is re's ``\s``)
    for q, regex in _SUFFIX_AFTER:
        m = regex.match(rest)
        if m:
            return q, end + m.end()
    return None


def per_after(text: str, end: int) -> tuple[str, int] | None:
    """A rate written after an amount ("per year", "a week"): the period and where it ends."""
    rest = text[end:end + 20].lower()
    if not rest[:1].isspace():
        return None  # every one opens with whitespace (``str.isspace`` is re's ``\s``)
    for period, regex in _PER_AFTER:
        m = regex.match(rest)
        if m:
            return period, end + m.end()
    return None


def word_before(text: str, start: int) -> str:
    """The word immediately before ``start`` (only spaces/brackets between), as written."""
    m = _WORD_BEFORE.search(text[max(0, start - 40):start])
    if not m:
        return ""
    gap = text[max(0, start - 40):start][m.end(1):]
    if gap.strip(" (\u2018'\"") != "":
        return ""
    return m.group(1)


_SENT_END = re.compile(r"(?<=[.!?])[\"'\u2019\u201d)]*\s+(?=[\"'\u2018\u201c(]?[A-Z0-9£])|\n\s*\n")


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """Rough sentence spans, for "the same sentence" look-ups when no parser has run."""
    bounds = []
    pos = 0
    for m in _SENT_END.finditer(text):
        bounds.append((pos, m.start()))
        pos = m.end()
    bounds.append((pos, len(text)))
    return bounds


def is_sentence_start(text: str, pos: int) -> bool:
    """Whether only bullets/brackets/quotes stand between ``pos`` and a sentence start."""
    before = text[max(0, pos - 6):pos]
    stripped = before.rstrip(" \t\u2022-\u2013*(\"'\u2018\u201c")
    if stripped == "":
        return pos <= 6  # only whitespace or bullets back to the start of the text
    return stripped.endswith(("\n", ".", "!", "?", ":", ";"))


T = TypeVar("T")
R = TypeVar("R")


def select_longest(candidates: Iterable[tuple[int, int, int, T]],
                   accept: Callable[[T], R | None],
                   taken: Iterable[tuple[int, int]] = ()) -> list[tuple[int, int, R]]:
    """Pick non-overlapping candidates, longest first (ties: higher priority, earlier start).

    ``candidates`` are ``(start, end, priority, payload)``; ``accept(payload)`` returns the
    interpreted result or None to reject it (a shorter candidate may then take the place).
    ``taken`` are spans already claimed by another mention type.
    """
    chosen: list[tuple[int, int, R]] = []
    candidates = list(candidates)
    if not candidates:
        return chosen  # most texts: nothing to mark out
    taken = list(taken)
    # one byte per character: an overlap test costs the candidate's length, not the number
    # of mentions already chosen (which made a long unbroken text quadratic)
    size = max([e for _, e, *_ in candidates] + [e for _, e in taken] + [0])
    busy = bytearray(size)
    for s, e in taken:
        busy[s:e] = b"\x01" * (e - s)
    order = sorted(candidates, key=lambda c: (-(c[1] - c[0]), -c[2], c[0]))
    for start, end, _prio, payload in order:
        if end <= start or busy.find(1, start, end) != -1:
            continue
        result = accept(payload)
        if result is None:
            continue
        chosen.append((start, end, result))
        busy[start:end] = b"\x01" * (end - start)
    chosen.sort(key=lambda c: c[0])
    return chosen


#: The prefilters of the money, dates and figures patterns, read in one pass per text
#: (the three components run on the same Doc text, one after the other).
MENTION_PREFILTERS = PrefilterGroup()

#: The span groups whose mentions must never overlap one another.
MENTION_GROUPS = ("money", "dates", "figures")

M = TypeVar("M")


def taken_offsets(doc, keys: Iterable[str] = MENTION_GROUPS) -> list[tuple[int, int]]:  # noqa: ANN001
    """Character spans already claimed in ``doc.spans`` under ``keys`` (spaCy Doc)."""
    out: list[tuple[int, int]] = []
    for key in keys:
        if key in doc.spans:
            out.extend((s.start_char, s.end_char) for s in doc.spans[key])
    return out


def set_span_group(doc, key: str, mentions: Iterable[M],  # noqa: ANN001 - spaCy Doc
                   setter: Callable[[object, M], None]) -> None:
    """Turn parser mentions (with ``start``/``end`` offsets) into ``doc.spans[key]``.

    Offsets are widened to token boundaries; a span that would then overlap a span of another
    mention group (or of this one) is narrowed to whole tokens inside it, or dropped, so the
    money, dates and figures groups never overlap.
    """
    mentions = list(mentions)
    if not mentions:
        doc.spans[key] = []  # most texts: no other group's spans to read
        return
    busy: set[int] = set()
    for other in MENTION_GROUPS:
        if other != key and other in doc.spans:
            for s in doc.spans[other]:
                busy.update(range(s.start, s.end))
    spans = []
    for m in mentions:
        start, end = m.start, m.end  # type: ignore[attr-defined]
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None or busy.intersection(range(span.start, span.end)):
            span = doc.char_span(start, end, alignment_mode="contract")
        if span is None or len(span) == 0 or busy.intersection(range(span.start, span.end)):
            continue
        setter(span, m)
        busy.update(range(span.start, span.end))
        spans.append(span)
    doc.spans[key] = spans


class MentionComponent:
    """Base of the money, dates and figures components: find mentions, write a span group.

    A subclass says how to find its mentions in a Doc (:meth:`mentions`) and which of a
    mention's fields go onto its span (``attrs``: each onto the span extension of the same
    name); writing the group without overlaps is the same for all three
    (:func:`set_span_group`).
    """

    #: the mention fields copied onto each span, as the span extensions of the same names
    attrs: tuple[str, ...] = ()

    def __init__(self, span_key: str) -> None:
        from pipeline.nlp import extensions

        extensions.register()
        self.span_key = span_key

    def mentions(self, doc) -> Iterable:  # noqa: ANN001 - spaCy Doc
        raise NotImplementedError

    def set_attrs(self, span, mention) -> None:  # noqa: ANN001 - spaCy Span, a parser mention
        x = span._  # one accessor object: spaCy builds a new one on every ``span._``
        for name in self.attrs:
            setattr(x, name, getattr(mention, name))

    def __call__(self, doc):  # noqa: ANN001, ANN204 - spaCy Doc
        set_span_group(doc, self.span_key, self.mentions(doc), self.set_attrs)
        return doc
