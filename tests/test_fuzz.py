"""Fuzz the text-level normalisers with hypothesis: no exception on any string, and invariants.

Two kinds of input: any unicode text (``st.text()``), and text built from the pieces the parsers
look for (currency signs, digits, %, /, -, month names, m/bn/k, hedges, years), which reaches far
deeper into the patterns. Invariants: every mention's offsets lie inside the text and slice out
its own text; one parser's mentions are in order and never overlap; money, dates and figures
never overlap each other, at the text level (``parse_figures`` after money and dates) and in the
full spaCy pipeline (built once for the module).
"""

from __future__ import annotations

import math
import os
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.nlp.dates import parse_dates
from pipeline.nlp.figures import parse_figures
from pipeline.nlp.money import parse_money
from pipeline.nlp.sentences import sentence_starts, split_sentences

#: PLANMINE_FUZZ_EXAMPLES=20000 for a long hunt; 200 keeps the suite fast.
FUZZ = settings(max_examples=int(os.environ.get("PLANMINE_FUZZ_EXAMPLES", "200")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
PERIOD = (date(2023, 4, 1), date(2024, 3, 31))

PIECES = (
    "£", "$", "€", "US$", "p", "%", "/", "-", "–", "—", ".", ",", ":", "(", ")", "'", "\n", " ",
    "m", "bn", "k", "million", "billion", "thousand", "pounds", "per cent", "percent",
    "0", "1", "2", "5", "9", "10", "12", "31", "100", "1,000", "2.5", "0.5", "1st", "3rd",
    "1999", "2019", "2023", "2024", "2023/24", "2024-25", "22/23", "2030", "FY",
    "January", "Feb", "March", "Apr", "May", "June", "Sept", "October", "Dec",
    "spring", "summer", "autumn", "winter", "Q1", "Q4", "quarter", "year", "years", "annually",
    "by", "in", "to", "and", "between", "from", "until", "over", "under", "around", "up to",
    "nearly", "c.", "almost", "more than", "per", "a", "each", "week", "miles", "tonnes",
    "hours", "m2", "homes", "trees", "residents", "Wave", "LTP", "A6006", "Covid-19", "M1",
    "We", "spent", "The council", "this year", "last year", "next year", "end of",
)
NUMBERS = ("0", "1", "2", "7", "12", "100", "999", "1,000", "1,500,000", "2.5", "0.75", "1.", ".5",
           "12,34", "10000000000000000000000", "1e5")
#: an amount or figure as printed: "£1.7m", "c.£2bn", "50p", "3,000 homes", "12%", "£3m-£5m"
atom = st.builds(lambda pre, num, post: pre + num + post,
                 st.sampled_from(("", "£", "$", "€", "c.£", "over £", "-", "~", "US$")),
                 st.sampled_from(NUMBERS),
                 st.sampled_from(("", "m", "bn", "k", "p", "%", " million", "m-£5m", "-20",
                                  " to 2030", "/24", "th", " homes", " per cent", " a year")))
piece = st.one_of(st.sampled_from(PIECES), atom, st.text(max_size=2))
numbery = st.lists(piece, max_size=40).map("".join)
spaced = st.lists(st.one_of(st.sampled_from(PIECES), atom), max_size=30).map(" ".join)
any_text = st.text(max_size=200)
texts = st.one_of(any_text, numbery, spaced)


def _check_spans(text: str, mentions: list, what: str) -> list[tuple[int, int]]:
    """Offsets inside the text, slicing out the mention's text, in order, not overlapping."""
    spans = []
    last_end = 0
    for m in mentions:
        assert 0 <= m.start < m.end <= len(text), (what, m)
        assert text[m.start:m.end] == m.text, (what, m)
        assert m.start >= last_end, (what, "overlap or out of order", mentions)
        last_end = m.end
        spans.append((m.start, m.end))
    return spans


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list:
    return [(x, y) for x in a for y in b if x[0] < y[1] and y[0] < x[1]]


@FUZZ
@given(texts)
def test_parse_money_any_text(text: str) -> None:
    mentions = parse_money(text)
    _check_spans(text, mentions, "money")
    for m in mentions:
        assert not math.isnan(m.value), m
        assert m.currency in ("GBP", "USD", "EUR"), m


@FUZZ
@given(texts, st.booleans())
def test_parse_dates_any_text(text: str, with_period: bool) -> None:
    mentions = parse_dates(text, *PERIOD) if with_period else parse_dates(text)
    _check_spans(text, mentions, "dates")
    for m in mentions:
        if m.date_start and m.date_end:
            assert m.date_start <= m.date_end, m


@pytest.mark.parametrize(("text", "start", "end"), [
    ("Gritting ran from December to January.", date(2023, 12, 1), date(2024, 1, 31)),
    ("Gritting ran December-January.", date(2023, 12, 1), date(2024, 1, 31)),
    ("between November and February", date(2023, 11, 1), date(2024, 2, 29)),
])
def test_month_range_over_new_year_in_a_period(text: str, start: date, end: date) -> None:
    (m,) = parse_dates(text, *PERIOD)
    assert (m.date_start, m.date_end) == (start, end)


@FUZZ
@given(texts, st.booleans())
def test_parse_figures_any_text_clear_of_money_and_dates(text: str, with_period: bool) -> None:
    period = PERIOD if with_period else (None, None)
    figures = parse_figures(text, None, *period)
    fig_spans = _check_spans(text, figures, "figures")
    for m in figures:
        assert not math.isnan(m.value), m
    money = parse_money(text)
    dates = parse_dates(text, *period, taken=[(m.start, m.end) for m in money])
    money_spans = _check_spans(text, money, "money")
    date_spans = _check_spans(text, dates, "dates")
    assert not _overlap(money_spans, date_spans), (text, money, dates)
    assert not _overlap(fig_spans, money_spans + date_spans), (text, figures, money, dates)


@FUZZ
@given(texts)
def test_split_sentences_any_text(text: str) -> None:
    starts = sentence_starts(text)
    sentences = split_sentences(text)
    assert len(sentences) == len(starts)
    assert starts == sorted(starts) and all(0 <= s < len(text) for s in starts)
    assert all(s and s == s.strip() for s in sentences), sentences
    # nothing but white space is lost: the sentences are the text, in order
    assert "".join("".join(sentences).split()) == "".join(text.split())


# --- the full pipeline -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def nlp():  # noqa: ANN201 - a spaCy Language
    from pipeline.nlp.pipeline import build_nlp

    return build_nlp()


@FUZZ
@given(text=texts, with_period=st.booleans())
def test_pipeline_mentions_inside_text_and_never_overlapping(nlp, text: str,  # noqa: ANN001
                                                             with_period: bool) -> None:
    from pipeline.nlp.pipeline import make_doc

    period = PERIOD if with_period else (None, None)
    doc = nlp(make_doc(nlp, text, *period))
    groups = {}
    for key in ("money", "dates", "figures"):
        spans = sorted(doc.spans[key] if key in doc.spans else [], key=lambda s: s.start_char)
        for span in spans:
            assert 0 <= span.start_char < span.end_char <= len(text), (key, span)
            assert text[span.start_char:span.end_char] == span.text
        groups[key] = [(s.start_char, s.end_char) for s in spans]
        for (_, end), (start, _) in zip(groups[key], groups[key][1:], strict=False):
            assert start >= end, (key, "overlap within the group", text, groups[key])
    assert not _overlap(groups["money"], groups["dates"]), (text, groups)
    assert not _overlap(groups["money"], groups["figures"]), (text, groups)
    assert not _overlap(groups["dates"], groups["figures"]), (text, groups)
    claims = doc.spans["claims"] if "claims" in doc.spans else []
    for claim in claims:
        assert 0 <= claim.start_char < claim.end_char <= len(text)
