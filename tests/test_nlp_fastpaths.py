"""Fast paths of the NLP stage give the answers of the plain code they replace. Texts here
are invented."""

from __future__ import annotations

import re

import pytest

from pipeline.nlp import numbers
from pipeline.nlp.numbers import PER_PHRASES, SUFFIX_QUALIFIERS, per_after, suffix_after

AFTER_TEXTS = ["12 or more people", "12  or\tmore", "5 and over", "5 and overall", "3 per year",
               "3 a week", "3 a weekly", "4 per\nannum", "7", "7x or more", "", " ", "9 or",
               "£5 per  month and more", "6 PER YEAR", "8 \u00a0or more", "2\u2028per day",
               "1 and above,", "10 plus", "10 or fewer"]


def _suffix_after_plain(text: str, end: int) -> tuple[numbers.Qualifier, int] | None:
    rest = text[end:end + 20].lower()
    for q in SUFFIX_QUALIFIERS:
        m = re.match(r"\s+" + re.escape(q.phrase).replace(r"\ ", r"\s+") + r"(?![A-Za-z])", rest)
        if m:
            return q, end + m.end()
    return None


def _per_after_plain(text: str, end: int) -> tuple[str, int] | None:
    rest = text[end:end + 20].lower()
    for phrase in sorted(PER_PHRASES, key=len, reverse=True):
        m = re.match(r"\s+" + re.escape(phrase).replace(r"\ ", r"\s+") + r"(?![A-Za-z])", rest)
        if m:
            return PER_PHRASES[phrase], end + m.end()
    return None


@pytest.mark.parametrize("text", AFTER_TEXTS)
def test_suffix_and_rate_after_a_number_as_compiled_per_call(text: str) -> None:
    """The regexes compiled once find what the regexes built per call found, at every end."""
    for end in range(len(text) + 1):
        assert suffix_after(text, end) == _suffix_after_plain(text, end), (text, end)
        assert per_after(text, end) == _per_after_plain(text, end), (text, end)


def test_suffix_and_rate_after_a_number_are_found() -> None:
    assert suffix_after("12 or more people", 2) is not None
    assert per_after("3 per year", 1) is not None

