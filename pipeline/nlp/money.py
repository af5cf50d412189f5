"""Money mentions: "£1.7m", "around £2m", "£3m-£5m", "50p", "$1 billion", "2 million pounds".

``parse_money(text)`` is the pure parser (no spaCy), used by the ``planmine_money`` component
and by the tests. Values are floats in the currency's own units (never converted); a range
gives value = low. Hedge words ("over", "around", "c") are kept out of the mention text and
recorded as ``qualifier`` and ``approx`` instead, as the gold annotation does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.nlp.extensions import doc_text
from pipeline.nlp.numbers import (
    FRAGMENTS,
    MENTION_PREFILTERS,
    MentionComponent,
    multiplier,
    parse_number,
    per_after,
    qualifier_before,
    scaled_by_table,
    select_longest,
)
from pipeline.nlp.patterns import gate_open, load_pattern_set

KINDS = ("amount", "range", "pence", "nil")
_FRAGMENTS, PATTERNS = load_pattern_set("money", KINDS, FRAGMENTS)
#: The patterns' prefilters, in the order :func:`parse_money` tries them.
_PREFILTERS = MENTION_PREFILTERS.add(p.regex for p in reversed(PATTERNS))

#: Currency symbols and words to ISO codes.
CURRENCIES = {"£": "GBP", "$": "USD", "us$": "USD", "€": "EUR", "pound": "GBP",
              "dollar": "USD", "euro": "EUR"}


@dataclass(frozen=True)
class MoneyMention:
    """One amount of money found in text; offsets are into the text given to the parser."""

    start: int
    end: int
    text: str
    value: float
    low: float | None = None
    high: float | None = None
    currency: str = "GBP"
    approx: bool = False
    qualifier: str = ""
    per: str = ""


def _currency(m: re.Match[str], group: str = "cur") -> str:
    gd = m.groupdict()
    if gd.get(group):
        return CURRENCIES.get(gd[group].lower(), "GBP")
    word = (gd.get("curword") or "").lower().split(" ")[0].rstrip("s")
    return CURRENCIES.get(word, "GBP")


def _value(num: str | None, mult: str | None) -> float | None:
    if num is None:
        return None
    base = parse_number(num)
    return None if base is None else base * multiplier(mult)


#: How far back (characters) a change verb turns "X to Y" into two amounts.
CHANGE_WINDOW = 60


def _changed_before(text: str, start: int) -> bool:
    """Whether a word of change ("rose", "increased", "cut") leads up to ``start``.

    "Grants from £2,000 to £40,000" is one range; "the cap rose from £1,971 to £2,800" states
    two amounts, before and after. Only the clause before the amount is looked at.
    """
    window = re.split(r"[.;:!?]", text[max(0, start - CHANGE_WINDOW):start])[-1]
    return bool(_FRAGMENTS["CHANGE"].search(window))


def _shares_scale(gd: dict[str, str | None]) -> bool:
    """Whether the high end's scale word also scales the low end.

    "£3-5m" and "£2.3 - £3.4 million" share it (the low numeral is smaller than the high one);
    "£500 to £2 million" does not (500 > 2: the low end is written out in full).
    """
    if gd.get("mult") or not gd.get("mult2"):
        return False
    low, high = parse_number(gd["num"] or ""), parse_number(gd["num2"] or "")
    return low is not None and high is not None and low < high


def _interpret(text: str, pat_kind: str, m: re.Match[str]) -> MoneyMention | None:
    gd = m.groupdict()
    start, end = m.start(), m.end()
    low = high = None
    if pat_kind == "nil":
        value: float | None = 0.0
    elif pat_kind == "pence":
        base = parse_number(gd["num"])
        value = None if base is None else base / 100.0
    elif pat_kind == "range":
        sep = gd["sep"].strip().lower()
        if sep == "and" and not gd.get("between"):
            return None  # "£2m and £3m" are two amounts
        if sep == "to" and not gd.get("between") and _changed_before(text, start):
            return None  # "rose from £1,971 to £2,800" is two amounts, a change
        mult, mult2 = gd.get("mult"), gd.get("mult2")
        low = _value(gd["num"], mult or (mult2 if _shares_scale(gd) else None))
        high = _value(gd["num2"], mult2)
        if low is None or high is None or high <= low:
            return None
        value = low
        if gd.get("between"):
            start = m.start("cur")
    else:
        if re.fullmatch(r"['\u2019]?0{3}", gd.get("num") or ""):
            return None  # "£000", "£'000": a table's scale label, not an amount of nothing
        value = _value(gd["num"], gd.get("mult"))
    if value is None:
        return None
    q = None if pat_kind == "range" else qualifier_before(text, start)
    approx = bool(gd.get("circa")) or bool(gd.get("hedge")) or (q.approx if q else False)
    if gd.get("hedge") and not q:
        q = qualifier_before(text, m.start("cur"))
    qualifier = q.qualifier if q else ("around" if gd.get("circa") else "")
    if gd.get("circa"):
        start = m.start("cur")
    per = per_after(text, end)
    cur = "GBP" if pat_kind in ("nil", "pence") else _currency(m)
    return MoneyMention(start, end, text[start:end], float(value), low, high, cur, approx,
                        qualifier, per[0] if per else "")


def parse_money(text: str, taken: list[tuple[int, int]] | None = None,
                heading: str = "") -> list[MoneyMention]:
    """Every amount of money in ``text``, in order, non-overlapping (and clear of ``taken``).

    ``heading`` is the heading above the text: under "£000" or "(£m)" an amount written
    without its own scale word is in thousands or millions.
    """
    candidates = []
    # a pattern whose needed words/digits are absent is not run
    for prio in _PREFILTERS.passing(text):
        pat = PATTERNS[-1 - prio]
        if not gate_open(pat, text):
            continue
        for m in pat.regex.finditer(text):
            candidates.append((m.start(), m.end(), prio, (pat.kind, m)))
    chosen = select_longest(candidates, lambda p: _interpret(text, p[0], p[1]), taken or ())
    return [_scaled(text, c[2], heading) for c in chosen]


def _scaled(text: str, m: MoneyMention, heading: str) -> MoneyMention:
    """An amount under a table scale marker ("£000", "(£m)") in pounds, not thousands."""
    return scaled_by_table(text, m, heading) if m.currency == "GBP" else m


@Language.factory("planmine_money", assigns=["doc.spans"], default_config={"span_key": "money"})
def make_money(nlp: Language, name: str, span_key: str) -> MoneyComponent:
    """spaCy factory: ``nlp.add_pipe("planmine_money")``."""
    return MoneyComponent(span_key)


class MoneyComponent(MentionComponent):
    """Writes ``doc.spans[span_key]`` with value, low, high, currency, approx, qualifier, per."""

    def __init__(self, span_key: str = "money") -> None:
        super().__init__(span_key)

    def mentions(self, doc: Doc) -> list[MoneyMention]:
        return parse_money(doc_text(doc), heading=doc._.heading or "")

    attrs = ("value", "low", "high", "currency", "approx", "qualifier", "per")
