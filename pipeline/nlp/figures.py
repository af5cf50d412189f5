"""Figure mentions: counts, percentages, measures with units, ranges, ordinals.

``parse_figures(text, taken)`` is the pure parser behind the ``planmine_figures`` component.
It runs last, over whatever money and dates left: years and amounts are never figures. The
hard part is saying no: numbers inside names and codes ("Wave 5", "A6006", "Covid-19",
"Key Stage Two"), list numbering, clock times, phone numbers and URLs are excluded by the
``exclude`` rules in ``models/patterns/figures.yaml`` and by the code-prefix lexicon.

Each figure carries a ``measure``: the few words after the number that say what is counted
(for percentages, the words after "of"). For counts the mention text includes those words
("2743 people"), as in the gold annotation; values, not spans, are what is compared.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.nlp.extensions import doc_text
from pipeline.nlp.numbers import (
    AGE_LEAD_WORDS,
    CODE_PREFIXES,
    FRACTION_WORDS,
    FRAGMENTS,
    FREQUENCY_WORDS,
    MEASURE_STOP_WORDS,
    MENTION_PREFILTERS,
    MONTHS,
    ORDINAL_WORDS,
    QUALIFIERS,
    MentionComponent,
    is_sentence_start,
    multiplier,
    parse_number,
    qualifier_before,
    scaled_by_table,
    select_longest,
    suffix_after,
    taken_offsets,
    unit_of,
    word_before,
)
from pipeline.nlp.patterns import (
    gate_open,
    load_named_regexes,
    load_pattern_set,
)

KINDS = ("proportion", "fraction", "quantity", "halve", "ordinal", "range", "rate", "frequency",
         "compound")
_FRAGMENTS, PATTERNS = load_pattern_set("figures", KINDS, FRAGMENTS, flags=re.IGNORECASE)
EXCLUDES = load_named_regexes("figures", "exclude", FRAGMENTS)
#: The exclusion rules' and then the patterns' prefilters, read in one pass per text.
_PREFILTERS = MENTION_PREFILTERS.add(p.regex for p in (*EXCLUDES, *PATTERNS))

#: Most words in a measure phrase.
MAX_MEASURE_WORDS = 5
_QUALIFIER_WORDS = frozenset(w for q in QUALIFIERS for w in q.phrase.split())
_MEASURE_WORD = re.compile(r"\s+([A-Za-z\u2018\u2019'][\w\u2018\u2019'&-]*)")


@dataclass(frozen=True)
class FigureMention:
    """One figure found in text; ``start``/``end`` are character offsets."""

    start: int
    end: int
    text: str
    value: float
    low: float | None = None
    high: float | None = None
    unit: str = "count"
    approx: bool = False
    qualifier: str = ""
    measure: str = ""


def _is_code_context(text: str, start: int, unit: str) -> bool:
    """Whether the word before ``start`` makes the number part of a name or code."""
    wb = word_before(text, start)
    if not wb:
        return False
    if "(" in text[max(0, start - 40):start].rsplit(wb, 1)[-1]:
        return False  # "the previous Quarter (2,105)": a bracketed comparison value, not a code
    low = wb.lower().rstrip(".")
    if low in CODE_PREFIXES or wb.lower() in CODE_PREFIXES:
        return True
    if unit == "percent" or not wb[0].isupper() or low in _QUALIFIER_WORDS or low in MONTHS:
        return False
    wb_pos = text.rfind(wb, max(0, start - 40), start)
    if re.match(r"[\d,.]*\s+[-+\u2212]?\d", text[start:start + 30]):
        return False  # "Adult Social Care 26 24 25": a table row's label, then its values
    if wb.isupper() and len(wb) > 1:
        return True  # "ZEBRA 2", "NHS 10-year plan"
    return not is_sentence_start(text, wb_pos)


def _measure(text: str, end: int, unit: str) -> tuple[str, int]:
    """The counted-thing phrase after a figure, and where it ends."""
    pos = end
    if unit != "count":
        m = re.match(r"\s+of\s+(?:the\s+|all\s+|our\s+)?", text[pos:pos + 20], re.IGNORECASE)
        if m:
            pos += m.end() - 1
    words: list[str] = []
    last = end
    for m in _MEASURE_WORD.finditer(text, pos):
        if m.start() != pos or len(words) >= MAX_MEASURE_WORDS:
            break
        word = m.group(1).strip("\u2018\u2019'")
        if not word or word.lower() in MEASURE_STOP_WORDS or word[0].isdigit():
            break
        if words and word.islower() and word.endswith("ed"):
            break  # a verb: "31.27 million visitors generated"
        words.append(word)
        pos = last = m.end()
    return " ".join(w.lower() for w in words), last


def _value(raw: str | None, mult: str | None) -> float | None:
    if raw is None:
        return None
    base = parse_number(raw)
    return None if base is None else base * multiplier(mult)


class _Parser:
    """One pass over a text: holds the exclusion zones while candidates are judged."""

    def __init__(self, text: str) -> None:
        self.text = text
        # a pattern whose needed words/digits are absent is not run
        passing = _PREFILTERS.passing(text)
        n = bisect.bisect_left(passing, len(EXCLUDES))
        #: the indices of the patterns that may match, in order
        self.passing = [i - len(EXCLUDES) for i in passing[n:]]
        self._excludes_passing = passing[:n]  # the exclusion rules'
        self._zones: list[tuple[int, int]] | None = None

    @property
    def zones(self) -> list[tuple[int, int]]:
        """The spans the exclusion rules match, found when first asked for: a text none of
        whose candidates gets as far as :meth:`interpret` needs no exclusion search."""
        if self._zones is None:
            text = self.text
            self._zones = [m.span() for i in self._excludes_passing
                           if gate_open(EXCLUDES[i], text)
                           for m in EXCLUDES[i].regex.finditer(text)]
        return self._zones

    def excluded(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.zones)

    def interpret(self, kind: str, m: re.Match[str]) -> FigureMention | None:
        if kind == "compound":
            return None if self.excluded(m.start(), m.end()) else _compound_mention(self.text, m)
        text = self.text
        gd = m.groupdict()
        start, end = m.start(), m.end()
        num_start = m.start("n1") if gd.get("n1") else (m.start("num") if gd.get("num") else start)
        if self.excluded(num_start, end):
            return None
        if end < len(text) and text[end].isalpha() and text[end - 1].isdigit():
            return None  # "20a", "5G": a code
        if text[end:end + 1] == "-" and text[end + 1:end + 2].isalpha():
            return None  # "six-monthly", "two-tier": part of a compound word, not a count
        low = high = None
        approx = False
        unit = unit_of(gd.get("unit")) if gd.get("unit") else "count"
        if kind == "proportion":
            num, den = parse_number(gd["num"]), parse_number(gd["den"])
            if num is None or not den or num > den:
                return None
            value, unit = round(num / den * 100, 2), "percent"
        elif kind == "rate":
            v, base = parse_number(gd["n1"]), parse_number(gd["base"])
            if v is None or not base or base < 10:
                return None
            value, unit = v, f"per {int(base)}"
        elif kind == "frequency":
            word = gd["n1"].lower().split()[0]
            v = FREQUENCY_WORDS.get(word) or parse_number(re.sub(r"\s+times$", "", gd["n1"],
                                                                  flags=re.I))
            if v is None:
                return None
            per = gd["per"].lower()
            pern = (gd.get("pern") or "").lower()
            every = 2.0 if pern == "other" else parse_number(pern) if pern else 1.0
            if every is None or not every.is_integer() or every < 1:
                return None
            unit = f"times per {per}" if every == 1 else f"times per {int(every)} {per}s"
            value = float(v)
        elif kind == "fraction":
            raw = gd.get("num") or "a"
            num = 1.0 if raw.lower() in ("a", "one") else parse_number(raw)
            if num is None:
                return None
            den = FRACTION_WORDS[gd["den"].lower()]
            value, unit = round(num / den * 100, 2), "percent"
        elif kind == "halve":
            value, unit = 50.0, "percent"
        elif kind == "ordinal":
            word = gd.get("n1") or gd.get("n2") or ""
            # "first" is not in the ordinal lexicon (it rarely counts); its pattern only
            # matches it where it ranks ("first out of 150")
            v = ORDINAL_WORDS.get(word.lower()) or (1 if word.lower() == "first" else
                                                    parse_number(word))
            if v is None:
                return None
            value, unit = v, "ordinal"
        elif kind == "range":
            sep = gd["sep"].strip().lower()
            mult = gd.get("mult1") or gd.get("mult2")
            lo, hi = _value(gd["n1"], mult), _value(gd["n2"], gd.get("mult2") or mult)
            if lo is None or hi is None or hi <= lo:
                return None
            if sep == "and" and not (gd.get("between") or gd.get("unit")):
                return None
            if sep == "/" and not (hi == lo + 1 and hi < 100):
                return None
            if sep in ("or", "to", "/") and lo < 100 and hi < 100 and not lo.is_integer():
                return None
            if gd.get("between"):
                start = m.start("n1")
            value, low, high = lo, lo, hi
            approx = sep == "or"
        else:
            if re.search(r"\bper\s+$", text[max(0, start - 6):start], re.I):
                return None  # "referrals per 10,000": the base of a rate, not a count
            v = _value(gd["n1"], gd.get("mult1"))
            if v is None:
                return None
            value = -v if (gd.get("sign") or "").strip() in ("-", "\u2212") else v
            if gd.get("circa"):
                approx = True
                num_start = start
        if _is_code_context(text, start, unit):
            return None
        if unit == "count" and kind in ("quantity", "range"):
            before = word_before(text, start).lower()
            near = text[max(0, start - 25):start].lower()
            if before in AGE_LEAD_WORDS or re.search(
                    r"\b(?:age\s+of|age[ds]?\s+(?:over|under|from|between|up\s+to))\s+$", near):
                unit = "years"
        q = qualifier_before(text, start, unit)
        qualifier = q.qualifier if q else ("around" if approx and kind == "quantity" else "")
        approx = approx or bool(q and q.approx)
        suffix = suffix_after(text, end)
        measure, measure_end = _measure(text, suffix[1] if suffix else end, unit)
        suffix = suffix or suffix_after(text, measure_end)
        if suffix:
            approx, qualifier = True, suffix[0].qualifier
            if suffix[1] > end:
                measure_end = max(measure_end, suffix[1]) if suffix[1] > measure_end else measure_end
        span_end = measure_end if unit == "count" else end
        if suffix and suffix[1] > span_end and unit in ("count", "years"):
            span_end = suffix[1]
        return FigureMention(start, span_end, text[start:span_end], float(value), low, high,
                             unit, approx, qualifier, measure)


def _plural(noun: str) -> str:
    """The plural of a counted noun, for the measure ("bed" -> "beds", "storey" -> "storeys")."""
    if re.search(r"(?:s|x|z|ch|sh)$", noun):
        return noun + "es"
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    return noun + "s"


def _compound_mention(text: str, m: re.Match[str]) -> FigureMention | None:
    """A hyphenated number-noun compound before a noun: "a 60-bed care home" counts 60 beds.

    Why apart from the quantity reading: there the number glued to a word by a hyphen is
    refused ("six-monthly", "two-tier" are not counts); here the compound is read as a count
    of its noun, or as a measure when the noun is a unit ("a 20-minute walk"). Names and codes
    ("NHS 10-bed unit") are refused as for any count, and so is a compound after a number
    ("four one-bed flats", "two 30-bed wards"): there it names the kind of thing counted.
    """
    value = parse_number(m.group("n1"))
    if value is None or not value or _is_code_context(text, m.start(), "count"):
        return None
    before = re.search(r"(\S+)[ \t]+$", text[max(0, m.start() - 30):m.start()])
    if before and parse_number(before.group(1)) is not None:
        return None  # "four one-bed flats": the compound says what kind; the count is four
    noun = m.group("noun").lower()
    unit = unit_of(noun)
    if unit == noun:  # not a unit: a count of the noun
        unit, measure = "count", _plural(noun)
    else:
        measure, _ = _measure(text, m.end(), unit)
    q = qualifier_before(text, m.start(), unit)
    return FigureMention(m.start(), m.end(), m.group(0), float(value), unit=unit,
                         approx=bool(q and q.approx), qualifier=q.qualifier if q else "",
                         measure=measure)


def parse_figures(text: str, taken: list[tuple[int, int]] | None = None,
                  period_start: date | None = None,
                  period_end: date | None = None, heading: str = "") -> list[FigureMention]:
    """Every figure in ``text``, in order, clear of ``taken`` spans.

    With ``taken=None`` the money and dates parsers are run first, so the function can be
    used on its own; the component passes the spans already in the Doc instead. ``heading``
    is the heading above the text: a table titled "... (thousands)" scales its bare counts.
    """
    if taken is None:
        from pipeline.nlp.dates import parse_dates
        from pipeline.nlp.money import parse_money
        money = parse_money(text)
        spans = [(m.start, m.end) for m in money]
        spans += [(d.start, d.end) for d in parse_dates(text, period_start, period_end, spans)]
        taken = spans
    parser = _Parser(text)
    candidates = []
    n = len(PATTERNS)
    for i in parser.passing:
        pat = PATTERNS[i]
        if not gate_open(pat, text):
            continue
        for m in pat.regex.finditer(text):
            candidates.append((m.start(), m.end(), n - i, (pat.kind, m)))
    chosen = select_longest(candidates, lambda p: parser.interpret(p[0], p[1]), taken)
    mentions = [_scaled(text, c[2], heading) for c in chosen]
    return _trim_overlaps(mentions, taken)


def _scaled(text: str, m: FigureMention, heading: str) -> FigureMention:
    """A bare count under a table scale marker ("(thousands)", "(000s)") in real units.

    Only counts are scaled: percentages, measures and ordinals mean what they say.
    """
    return scaled_by_table(text, m, heading) if m.unit == "count" else m


def _trim_overlaps(mentions: list[FigureMention],
                   taken: list[tuple[int, int]]) -> list[FigureMention]:
    """Measure words may run into the next mention: cut the text back where they would."""
    out: list[FigureMention] = []
    starts = sorted([m.start for m in mentions] + [s for s, _ in taken])
    for m in mentions:
        k = bisect.bisect_right(starts, m.start)
        limit = starts[k] if k < len(starts) else len(m.text) + m.start + 1
        if m.end > limit:
            end = m.start + len(m.text[: limit - m.start].rstrip(" ,;:("))
            m = FigureMention(m.start, end, m.text[: end - m.start], m.value, m.low, m.high,
                              m.unit, m.approx, m.qualifier, m.measure)
        out.append(m)
    return out


@Language.factory("planmine_figures", assigns=["doc.spans"],
                  default_config={"span_key": "figures"})
def make_figures(nlp: Language, name: str, span_key: str) -> FiguresComponent:
    """spaCy factory: ``nlp.add_pipe("planmine_figures")`` (after money and dates)."""
    return FiguresComponent(span_key)


class FiguresComponent(MentionComponent):
    """Writes ``doc.spans[span_key]`` with value, low, high, unit, approx, qualifier, measure."""

    def __init__(self, span_key: str = "figures") -> None:
        super().__init__(span_key)

    def mentions(self, doc: Doc) -> list[FigureMention]:
        return parse_figures(doc_text(doc), taken_offsets(doc, ("money", "dates")),
                             heading=doc._.heading or "")

    attrs = ("value", "low", "high", "unit", "approx", "qualifier", "measure")
