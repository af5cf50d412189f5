"""Figures: parametrised text -> (value, unit) cases, the names-and-codes negatives, and a
no-crash property test."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.nlp.figures import parse_figures


@pytest.mark.parametrize("text, value, unit, approx", [
    ("We trained 2743 people last spring.", 2743, "count", False),
    ("Crews gritted 1,300 miles of road.", 1300, "miles", False),
    ("There were over 110 attendances.", 110, "count", True),
    ("The council bought three tractors.", 3, "count", False),
    ("Nine libraries reopened.", 9, "count", False),
    ("We ordered a dozen vans.", 12, "count", False),
    ("A four-year strategy.", 4, "years", False),
    ("Attainment reached 94.8% of pupils.", 94.8, "percent", False),
    ("Turnout was 52 per cent overall.", 52, "percent", False),
    ("The depot covers 660,000m2 of land.", 660_000, "m2", False),
    ("We stored 18,500 tonnes of salt.", 18_500, "tonnes", False),
    ("Volunteers gave 860 hours.", 860, "hours", False),
    ("Support for 18–24 year olds.", 18, "years", False),
    ("Children aged 2-2.5yrs were seen.", 2, "years", False),
    ("Students in their 1st year.", 1, "ordinal", False),
    ("Most got one of their top 3 choices.", 3, "ordinal", False),
    ("Seized c10,000 fake items.", 10_000, "count", True),
    ("Open to anyone aged 19 and over.", 19, "years", True),
    ("Firms with 50 staff or less.", 50, "count", True),
    ("In 2021, 12.5 million visitors came.", 12_500_000, "count", False),
    ("It met four or five times a week.", 4, "count", True),
    ("Between 105 and 116 users benefited.", 105, "count", False),
    ("It affects one in five adults.", 20, "percent", False),
    ("Nearly 8 out of 10 parents agreed.", 80, "percent", True),
    ("Two thirds of adults are active.", 66.67, "percent", False),
    ("We aim to halve waste.", 50, "percent", False),
    ("A 30-acre site.", 30, "acre", False),
    ("Reviews within 14 days of birth.", 14, "days", False),
])
def test_figures(text: str, value: float, unit: str, approx: bool) -> None:
    (m,) = parse_figures(text)
    assert m.value == pytest.approx(value, rel=1e-3)
    assert (m.unit, m.approx) == (unit, approx)


@pytest.mark.parametrize("text", [
    "Funding came from Wave 5 of the programme.",
    "The LTP4 consultation closed.",
    "The ZEBRA 2 buses arrived.",
    "Works on the A6006 finished.",
    "Traffic on the M1 at Junction 24 eased.",
    "Courses at level 6 are offered.",
    "Results at Key Stage 2 improved.",
    "Results at Key Stage Two improved.",
    "Covid-19 changed services.",
    "The B582 was resurfaced.",
    "Call (0116) 305 2583 for help.",
    "The meeting starts at 2.00 p.m. sharp.",
    "See paragraph 22 and Pages 13-16.",
    "We have one of the best records.",
    "Thousands of items and hundreds of images.",
    "Support is available 24/7.",
    "The 1620s House reopened.",
    "It was built in the 13th century.",
    "Our net zero target.",
    "We spent £2.5m in 2023/24.",
    "Visit https://example.org/Plan%202022-26.pdf today.",
])
def test_not_figures(text: str) -> None:
    assert [m.text for m in parse_figures(text)] == []


def test_money_and_years_are_left_to_their_own_components() -> None:
    found = parse_figures("In 2023, £2.39bn was spent by 22,922 staff.")
    assert [(m.value, m.unit) for m in found] == [(22_922, "count")]


def test_measure_is_the_counted_phrase() -> None:
    (m,) = parse_figures("Staff planted 420 new street trees in the park.")
    assert m.measure == "new street trees"
    assert m.text == "420 new street trees"
    (p,) = parse_figures("Around 71% of primary applications succeeded.")
    assert (p.measure, p.text, p.approx) == ("primary applications", "71%", True)


def test_list_numbering_is_not_a_figure() -> None:
    found = parse_figures("6. The Cabinet approved 12 schemes.")
    assert [m.value for m in found] == [12]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_never_raises(text: str) -> None:
    for m in parse_figures(text):
        assert 0 <= m.start < m.end <= len(text)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["one", "2", "of", "1,300", "%", "or", "more", "-", "–", "aged",
                                 "c", "top", "out", "in", "six", "m2", "years", "£", "5m",
                                 "between", "and", "thirds", "halve", "Wave", "(", ")"]),
                max_size=12))
def test_number_soup_never_raises(words: list[str]) -> None:
    parse_figures(" ".join(words))


@pytest.mark.parametrize("text, expected", [
    # signed changes and percentage points: the sign is kept, the unit is "p.p."
    ("Take-up moved by (-1.9 p.p.) over the term.", [(-1.9, "p.p.")]),
    ("Uptake rose +3.2pp on the year.", [(3.2, "p.p.")]),
    ("Attendance was down 4 percentage points.", [(4, "p.p.")]),
    ("Recycling rose 2 ppts to 47%.", [(2, "p.p."), (47, "percent")]),
    ("The gap narrowed by −0.5% this term.", [(-0.5, "percent")]),
    # a sign parted from its number by a space, right after an opening bracket
    ("Turnover was 8.4% (- 0.6p.p.) in the quarter.", [(8.4, "percent"), (-0.6, "p.p.")]),
    ("Usage was 71% (+ 2.5p.p.) on the year.", [(71, "percent"), (2.5, "p.p.")]),
    # a dash between two numbers is still a range, not a sign; a spaced dash after a word
    # is punctuation
    ("Groups of 10-15 pupils met.", [(10, "count")]),
    ("Visits were down - 40 fewer than planned.", [(40, "count")]),
])
def test_signed_values_and_percentage_points(text: str, expected: list) -> None:
    assert [(m.value, m.unit) for m in parse_figures(text)] == [
        (pytest.approx(v), u) for v, u in expected]


@pytest.mark.parametrize("text, values", [
    # bracketed comparison values are figures, whatever word stands before the bracket
    ("Enquiries rose 6% on the previous Quarter (3,410).", [6, 3410]),
    ("Satisfaction was 81% (77%) this term.", [81, 77]),
    ("Visits reached 5,200 (previous: 4,875).", [5200, 4875]),
    # a table row: a capitalised label, then its values
    ("Home Library Service 41 38 44", [41, 38, 44]),
])
def test_bracketed_and_row_values_are_figures(text: str, values: list) -> None:
    assert [m.value for m in parse_figures(text)] == values


@pytest.mark.parametrize("text, values", [
    # multi-level paragraph labels, at the start or glued mid-text by a merged heading
    ("3.2.1 The service helped 75 carers.", [75]),
    ("Ways of working 4.1.2 Teams visited 12 depots.", [12]),
    ("5.3 Partners opened 9 hubs.", [9]),
    # codes
    ("KPI 7 was met and SO2 is on track.", []),
    ("The s278 works and Year 11 results were reviewed.", []),
])
def test_labels_and_codes_are_not_figures(text: str, values: list) -> None:
    assert [m.value for m in parse_figures(text)] == values


@pytest.mark.parametrize("text, heading, values", [
    # a scale marker in the heading above a table scales its bare counts
    ("Telephone enquiries 31 29 33", "Enquiries received (thousands)", [31_000, 29_000, 33_000]),
    ("Web sessions 812 790", "Sessions on the website (in thousands)", [812_000, 790_000]),
    ("Permits issued 14 12", "Permits (000s)", [14_000, 12_000]),
    ("Passenger journeys 4.2 3.9", "Journeys (millions)", [4_200_000, 3_900_000]),
    # a marker in the row's own label scales the numbers after it
    ("Total contacts (thousands) 120 118", "Contacts", [120_000, 118_000]),
    # percentages, numbers with their own scale word and unscaled tables are left alone
    ("Telephone enquiries 31 (12%) and 2.5 million", "Enquiries (thousands)",
     [31_000, 12, 2_500_000]),
    ("Telephone enquiries 31 29", "Enquiries received", [31, 29]),
])
def test_table_scale_markers(text: str, heading: str, values: list) -> None:
    assert [m.value for m in parse_figures(text, heading=heading)] == pytest.approx(values)


def test_age_bound_after_a_hedge_is_an_age() -> None:
    (m,) = parse_figures("Residents aged over 65 were offered a check.")
    assert (m.value, m.unit) == (65, "years")


@pytest.mark.parametrize("text, value, unit", [
    ("The board meets once every two weeks.", 1, "times per 2 weeks"),
    ("Bins are emptied once every other week.", 1, "times per 2 weeks"),
    ("Checks run twice every three months.", 2, "times per 3 months"),
    ("The forum meets four times a year.", 4, "times per year"),
])
def test_frequencies_over_several_periods(text: str, value: float, unit: str) -> None:
    (m,) = parse_figures(text)
    assert (m.value, m.unit) == (value, unit)


@pytest.mark.parametrize("text, values", [
    ("The library service was rated first out of 40 services.", [(1, "ordinal"), (40, "count")]),
    ("The county ranked first nationally for recycling.", [(1, "ordinal")]),
    # "first" that does not rank is no figure
    ("The first phase of the scheme opened.", []),
    ("For the first time, residents could book online.", []),
])
def test_first_counts_only_when_it_ranks(text: str, values: list) -> None:
    assert [(m.value, m.unit) for m in parse_figures(text)] == values


@pytest.mark.parametrize("text, values", [
    # numbered elements of a plan or framework are codes, even at a sentence start
    ("Ambition 2 covers 40 schools.", [40]),
    ("Theme 4 added 12 new homes.", [12]),
    ("KPI 3 and Indicator 7 were green.", []),
    # a paragraph label after a sentence end, in merged paragraphs
    ("The plan was agreed. 3.2 The board met 4 times.", [4]),
    ("Visits rose. 3.2 Million people came.", [3_200_000]),
])
def test_framework_codes_and_merged_paragraph_labels(text: str, values: list) -> None:
    assert [m.value for m in parse_figures(text)] == values


@pytest.mark.parametrize("text, values", [
    # the base of a rate written without its value is no count
    ("Admissions per 100,000 are close to the national rate.", []),
    ("The rate of referrals per 10,000 children fell to 412.", [412]),
    ("The rate was 12.3 per 1,000 children.", [12.3]),
])
def test_rate_base_alone_is_not_a_figure(text: str, values: list) -> None:
    assert [m.value for m in parse_figures(text)] == values
