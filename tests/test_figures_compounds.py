"""Hyphenated number-noun compounds: "a 60-bed care home" counts beds, "a 20-minute walk" is a
duration, and compounds that name a kind or a code ("two-tier", "Covid-19", "2-for-1") are no
figure. Invented sentences, one per class of expression."""

from __future__ import annotations

import pytest

from pipeline.nlp.figures import parse_figures


def _figures(text: str) -> list[tuple[float, str, str]]:
    return [(f.value, f.unit, f.measure) for f in parse_figures(text)]


@pytest.mark.parametrize("text, value, unit, measure", [
    ("Work began on a 60-bed care home near the station.", 60, "count", "beds"),
    ("The trust opened a new 210-place primary school.", 210, "count", "places"),
    ("Plans for a 400-home estate were approved.", 400, "count", "homes"),
    ("A two-storey extension was added to the depot.", 2, "count", "storeys"),
    ("The board agreed a 10-point action plan.", 10, "count", "points"),
    ("They moved into a one-bed flat last month.", 1, "count", "beds"),
    ("A twenty-five-bed ward reopened.", 25, "count", "beds"),
    ("Over a 1,200-place expansion of schools.", 1200, "count", "places"),
])
def test_count_compound(text: str, value: float, unit: str, measure: str) -> None:
    assert _figures(text) == [(value, unit, measure)]


@pytest.mark.parametrize("text, value, unit", [
    ("Comments were invited over a 2-week period.", 2, "weeks"),
    ("We launched a three-year programme of repairs.", 3, "years"),
    ("A 12-month trial of part-night lighting ended.", 12, "months"),
    ("Most homes are a 20-minute walk from a park.", 20, "minutes"),
    ("Each 3-year-old child is offered a check.", 3, "years"),
    ("Results arrive within a 24-hour window.", 24, "hours"),
    ("Calls were answered within 20 minutes.", 20, "minutes"),
])
def test_duration_compound(text: str, value: float, unit: str) -> None:
    assert [(v, u) for v, u, _ in _figures(text)] == [(value, unit)]


@pytest.mark.parametrize("text", [
    "Cases of Covid-19 fell over the winter.",
    "The A-road network was resurfaced.",
    "Year-6 pupils took part in the trial.",
    "A 2-for-1 ticket offer ran at the museum.",
    "Reviews are held on a 6-monthly cycle.",
    "The county keeps a two-tier system of local government.",
    "It was a two-way conversation with residents.",
    "Demand saw a three-fold rise in enquiries.",
    "A one-stop shop opened for advice.",
    "They set out a two-pronged approach to litter.",
    "The district offers a 24-hour helpline for carers.",
    "Our 24-hour, 365-day emergency response continued.",
    "The NHS 10-year plan sets out the reforms.",
    "A 100-strong team of volunteers helped.",
])
def test_compound_that_is_no_figure(text: str) -> None:
    assert _figures(text) == []


@pytest.mark.parametrize("text, value", [
    ("The trust built four one-bed flats for care leavers.", 4),
    ("It opened 2 30-bed wards in the spring.", 2),
])
def test_compound_after_a_count_names_the_kind(text: str, value: float) -> None:
    assert [v for v, _, _ in _figures(text)] == [value]
