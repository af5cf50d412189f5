"""Number words of any size, fractions, counting ordinals, frequencies and rates (invented text)."""

from __future__ import annotations

import pytest

from pipeline.nlp.figures import parse_figures
from pipeline.nlp.money import parse_money
from pipeline.nlp.numbers import parse_number


@pytest.mark.parametrize("words, value", [
    ("half a million", 500_000),
    ("two hundred and fifty", 250),
    ("one and a half million", 1_500_000),
    ("three thousand four hundred", 3400),
    ("a hundred", 100),
    ("a quarter of a million", 250_000),
    ("seventy-two", 72),
    ("nine hundred thousand", 900_000),
])
def test_number_words_of_any_size(words: str, value: float) -> None:
    assert parse_number(words) == value


@pytest.mark.parametrize("words", ["one and two", "hundreds", "a", "half", "and fifty"])
def test_word_soup_is_not_a_number(words: str) -> None:
    assert parse_number(words) is None


@pytest.mark.parametrize("text, value, unit, approx", [
    ("Nearly half a million visits were logged at the parks.", 500_000, "count", True),
    ("Volunteers planted two hundred and fifty oak trees.", 250, "count", False),
    ("One and a half million journeys were made by bus.", 1_500_000, "count", False),
    ("Just under half of tenants replied to the survey.", 50, "percent", True),
    ("Two-thirds of schools joined the scheme.", 66.67, "percent", False),
    ("It is the second year the fair has run.", 2, "ordinal", False),
    ("The park kept its award for the 10th consecutive year.", 10, "ordinal", False),
    ("The panel meets twice a month at the hall.", 2, "times per month", False),
    ("Inspectors visit three times a year.", 3, "times per year", False),
    ("Infant deaths were 3.1 per 1,000 live births.", 3.1, "per 1000", False),
])
def test_figure_classes(text: str, value: float, unit: str, approx: bool) -> None:
    (m,) = parse_figures(text)
    assert (m.value, m.unit, m.approx) == (pytest.approx(value), unit, approx)


def test_fifth_out_of_many_is_a_rank_and_a_count() -> None:
    got = [(m.value, m.unit) for m in parse_figures("The town came fifth out of 300 entrants.")]
    assert got == [(5, "ordinal"), (300, "count")]


@pytest.mark.parametrize("text", [
    "The agenda is attached (Pages 33 - 58).",
    "To note items 7 and 8 of Standing Order 12:",
    "See paragraphs 4.2 to 4.6 for detail.",
    "Ring 03000 41 41 41 for advice.",
    "Call +44 (0)20 7946 0000 to book.",
    "Published as ISBN 978-1-86197-876-9 last spring.",
    "The 2035 target is ambitious.",
    "2019 saw floods across the valley.",
    "It was the first time we met.",
])
def test_references_codes_and_years_are_not_figures(text: str) -> None:
    assert [m.text for m in parse_figures(text)] == []


def test_money_in_words_of_any_size() -> None:
    (m,) = parse_money("A gift of two hundred thousand pounds was made.")
    assert m.value == 200_000
