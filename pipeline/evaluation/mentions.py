"""Matching predicted money, figures and dates to gold mentions by value (one scorer for all).

Why values and not spans: annotators and rules disagree on where a span starts ("over £2m"
or "£2m") far more often than on what it says, and the tables carry values. Money matches
when the value is within 0.5% (gold ``value_gbp``, currency ignored); figures when the value
is within 0.5% and percent-or-not agrees; dates when start and end agree to the month
(YYYY-MM). Matching is greedy one-to-one per sentence.

As ``gold/FORMAT.md`` says: a gold date with a null start (an unplaceable "last year") is
neither hit nor miss, whatever is predicted for it (the prediction with the same words, or else
an unresolved one, is set aside uncounted); a relative year reference ("this year", "the
previous year") placed by the annotators is right when the prediction for the same words covers
at least half of the annotated months (calendar or financial reading).

Keys are tuples built the same way from gold (:func:`gold_keys`), from the written tables
(:func:`table_keys`) and from a spaCy ``Doc``'s spans (:func:`span_keys`), so ``planmine
evaluate`` and the sentence-level scoring of the components agree by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.evaluation.gold import GoldRow

REL_TOL = 0.005

#: money: (value,); figures: (value, is percent); dates: (start YYYY-MM, end YYYY-MM,
#: resolved / relative year, lower-cased words)
Key = tuple[Any, ...]


@dataclass
class PRF:
    """True positives, false positives and false negatives, with the derived scores."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: PRF) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


def _num(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if out != out else out  # NaN


def _ym(value: Any) -> str | None:
    return str(value)[:7] if value not in (None, "") else None


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return False
    return abs(a - b) <= max(abs(b) * REL_TOL, 1e-9)


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


_RELATIVE_YEAR = re.compile(r"\byear\b", re.IGNORECASE)


def _relative_year(text: str) -> bool:
    """A year named relative to the report ("this year", "the previous year", "the academic
    year"): no digit, the word "year". FORMAT.md scores these by overlap, not exact months."""
    return not any(c.isdigit() for c in text) and bool(_RELATIVE_YEAR.search(text))


def _mention_text(text: Any) -> str:
    return " ".join(str(text).lower().split()) if isinstance(text, str) else ""


def gold_keys(row: GoldRow, kind: str) -> list[Key]:
    """The comparable keys of a gold sentence's mentions of one kind."""
    if kind == "money":
        return [(_num(m.get("value_gbp", m.get("value"))),) for m in row.get("money") or []]
    if kind == "figures":
        return [(_num(m.get("value")), m.get("unit") == "percent")
                for m in row.get("figures") or []]
    return [(_ym(m.get("start")), _ym(m.get("end")), _relative_year(m.get("text") or ""),
             _mention_text(m.get("text") or ""))
            for m in row.get("dates") or []]


def table_keys(df: pd.DataFrame, kind: str) -> list[Key]:
    """The keys of predicted mentions as written to ``money``/``figures``/``dates`` CSV."""
    if df.empty:
        return []
    if kind == "money":
        return [(_num(v),) for v in df["value"]]
    if kind == "figures":
        return [(_num(v), u == "percent") for v, u in zip(df["value"], df["unit"], strict=True)]
    return [(_ym(s), _ym(e), _truthy(r), _mention_text(t))
            for s, e, r, t in zip(df["start"], df["end"], df["resolved"], df["text"], strict=True)]


def span_keys(doc: Any, kind: str) -> list[Key]:
    """The same keys from a spaCy ``Doc``'s ``money``/``figures``/``dates`` span groups."""
    if kind == "money":
        return [(float(s._.value),) for s in doc.spans["money"]]
    if kind == "figures":
        return [(float(s._.value), s._.unit == "percent") for s in doc.spans["figures"]]
    return [(_ym(s._.date_start), _ym(s._.date_end), bool(s._.resolved), _mention_text(s.text))
            for s in doc.spans["dates"]]


def _months(start: str, end: str) -> range:
    """Inclusive YYYY-MM bounds as a range of month numbers (year * 12 + month)."""
    def n(ym: str) -> int:
        return int(ym[:4]) * 12 + int(ym[5:7])
    return range(n(start), n(end) + 1)


def _overlaps_half(pred: Key, gold: Key) -> bool:
    """The predicted period covers at least half of the annotated one (so the calendar and the
    financial reading of "this year" both count, as FORMAT.md says)."""
    if None in (pred[0], pred[1], gold[0], gold[1]):
        return False
    g, p = _months(gold[0], gold[1]), _months(pred[0], pred[1])
    shared = max(0, min(g.stop, p.stop) - max(g.start, p.start))
    return shared * 2 >= len(g)


def _same_words(a: str, b: str) -> bool:
    return bool(a) and bool(b) and (a in b or b in a)


def match_mentions(gold: list[Key], pred: list[Key], kind: str) -> PRF:
    """Greedy one-to-one matching of comparable keys (see the module docstring)."""
    left = list(pred)
    out = PRF()
    if kind == "dates":
        # a reference the annotators left unplaceable: whatever the prediction for the same
        # words (resolved or not, or none) is neither right nor wrong (FORMAT.md)
        for g in [g for g in gold if g[0] is None]:
            same = [i for i, p in enumerate(left) if _same_words(p[3], g[3])]
            loose = [i for i, p in enumerate(left) if p[0] is None or not p[2]]
            if same or loose:
                del left[(same or loose)[0]]
        gold = [g for g in gold if g[0] is not None]
    for g in gold:
        for i, p in enumerate(left):
            if kind == "dates":
                ok = p[2] and ((p[0], p[1]) == (g[0], g[1])
                               or (g[2] and _same_words(p[3], g[3]) and _overlaps_half(p, g)))
            else:
                ok = _close(p[0], g[0]) and p[1:] == g[1:]
            if ok:
                out.tp += 1
                del left[i]
                break
        else:
            out.fn += 1
    out.fp = len(left)
    return out
