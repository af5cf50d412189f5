"""Dates: parametrised text -> (start, end) cases, resolution against the report period,
negatives, and a no-crash property test."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.nlp.dates import parse_dates

FY = (date(2023, 4, 1), date(2024, 3, 31))
D = date


@pytest.mark.parametrize("text, start, end, granularity", [
    ("The plan was agreed on 10 May 2022.", D(2022, 5, 10), D(2022, 5, 10), "day"),
    ("The plan was agreed on 10th May 2022.", D(2022, 5, 10), D(2022, 5, 10), "day"),
    # a suffix printed apart from its day (a raised run in a PDF)
    ("The forum meets on 14 th June 2022 in the hall.", D(2022, 6, 14), D(2022, 6, 14), "day"),
    ("Held on THURSDAY, 9 JUNE 2022 at noon.", D(2022, 6, 9), D(2022, 6, 9), "day"),
    ("It aired on 13/2/22 nationally.", D(2022, 2, 13), D(2022, 2, 13), "day"),
    ("It opened in October 2023.", D(2023, 10, 1), D(2023, 10, 31), "month"),
    ("We will finish by 2026.", D(2026, 1, 1), D(2026, 12, 31), "year"),
    ("Spending in 2021/22 rose.", D(2021, 4, 1), D(2022, 3, 31), "financial_year"),
    ("Spending in 2021-22 rose.", D(2021, 4, 1), D(2022, 3, 31), "financial_year"),
    ("Spending in 2021/2022 rose.", D(2021, 4, 1), D(2022, 3, 31), "financial_year"),
    ("Results for the 2021/22 academic year.", D(2021, 9, 1), D(2022, 8, 31), "financial_year"),
    ("Due in Spring 2026.", D(2026, 3, 1), D(2026, 5, 31), "season"),
    ("Due in Summer 2026.", D(2026, 6, 1), D(2026, 8, 31), "season"),
    ("Due in Autumn 2026.", D(2026, 9, 1), D(2026, 11, 30), "season"),
    ("Due in Winter 2026.", D(2026, 12, 1), D(2027, 2, 28), "season"),
    ("Due in Autumn/Winter 2026.", D(2026, 9, 1), D(2027, 2, 28), "season"),
    ("Due to open in early 2027.", D(2027, 1, 1), D(2027, 4, 30), "year"),
    ("Works ran between July and September 2021.", D(2021, 7, 1), D(2021, 9, 30), "range"),
    ("From June 2021 to June 2022 we met.", D(2021, 6, 1), D(2022, 6, 30), "range"),
    ("The strategy for 2019-2023 ends.", D(2019, 1, 1), D(2023, 12, 31), "range"),
    ("The plan for 2018-22 ends.", D(2018, 4, 1), D(2022, 3, 31), "range"),
    ("Budgets for 2021/22 to 2024/25 agreed.", D(2021, 4, 1), D(2025, 3, 31), "range"),
    ("Consulted between 3 March 2021 and 2 May 2021.", D(2021, 3, 3), D(2021, 5, 2), "range"),
    ("Closed at Easter 2021 for works.", D(2021, 4, 2), D(2021, 4, 5), "day"),
    ("Built in the 12th century by monks.", D(1101, 1, 1), D(1200, 12, 31), "range"),
])
def test_explicit_dates(text: str, start: date, end: date, granularity: str) -> None:
    (m,) = parse_dates(text, *FY)
    assert (m.date_start, m.date_end, m.granularity) == (start, end, granularity)
    assert m.resolved


@pytest.mark.parametrize("text, start, end", [
    ("In November the team met.", D(2023, 11, 1), D(2023, 11, 30)),
    ("In January the team met.", D(2024, 1, 1), D(2024, 1, 31)),
    ("The scheme began in October 2022 and ended on 3 October.", D(2022, 10, 3), D(2022, 10, 3)),
    ("Free clubs ran over Christmas for children.", D(2023, 12, 25), D(2023, 12, 26)),
    ("Work finished by the end of the year.", D(2024, 12, 1), D(2024, 12, 31)),
    ("We expect a decision this autumn.", D(2024, 9, 1), D(2024, 11, 30)),
])
def test_dates_without_a_year_use_the_sentence_or_period(text: str, start: date,
                                                         end: date) -> None:
    found = parse_dates(text, *FY)
    assert (found[-1].date_start, found[-1].date_end) == (start, end)


PLAN = (date(2022, 4, 1), date(2026, 3, 31))  # a four-year plan, written as it starts


@pytest.mark.parametrize("text, start, end", [
    ("This new system went live on 10 February.", D(2022, 2, 10), D(2022, 2, 10)),
    ("The Cabinet at its meeting on 29th March approved it.", D(2022, 3, 29), D(2022, 3, 29)),
    ("In June the consultation closed.", D(2022, 6, 1), D(2022, 6, 30)),
    ("We expect a decision this autumn.", D(2022, 9, 1), D(2022, 11, 30)),
    ("The scheme opened in October 2024 and closed on 3 October.", D(2024, 10, 3), D(2024, 10, 3)),
])
def test_a_plan_period_reads_yearless_dates_in_its_first_year(text: str, start: date,
                                                              end: date) -> None:
    found = parse_dates(text, *PLAN)
    assert (found[-1].date_start, found[-1].date_end) == (start, end)


def test_without_a_period_a_yearless_month_is_unresolved() -> None:
    (m,) = parse_dates("In November the team met.")
    assert (m.resolved, m.date_start, m.date_end) == (False, None, None)


@pytest.mark.parametrize("text", ["Over the last 12 months we met.",
                                  "We will report later this year."])
def test_relative_windows_are_kept_unresolved(text: str) -> None:
    (m,) = parse_dates(text, *FY)
    assert (m.resolved, m.date_start) == (False, None)


@pytest.mark.parametrize("text", [
    "We may review the plan.",
    "1356 people enrolled.",
    "We sold 2400 bins.",
    "The 1620s House reopened.",
    "Duties under the Care Act 2014 apply.",
    "It supports 16/17 year olds.",
    "We work 24/7 across the county.",
    "Savings over the next 25 years.",
    "A rate per 100,000 population.",
    "Local Authority of the Year award.",
])
def test_not_dates(text: str) -> None:
    assert [m.text for m in parse_dates(text, *FY)] == []


def test_two_dated_months_joined_by_and_are_two_mentions() -> None:
    found = parse_dates("Meetings in December 2021 and April 2022.", *FY)
    assert [m.text for m in found] == ["December 2021", "April 2022"]


def test_adjacent_financial_year_and_count_are_split() -> None:
    (m,) = parse_dates("During 2021/22 428 cases were assessed.", *FY)
    assert m.text == "2021/22"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_never_raises(text: str) -> None:
    for m in parse_dates(text, *FY):
        assert 0 <= m.start < m.end <= len(text)
        if m.date_start and m.date_end:
            assert m.date_start <= m.date_end


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["In", "May", "2023", "/", "24", "between", "and", "to", "June",
                                 "early", "Spring", "-", "10", "the", "end", "of", "year", ","]),
                max_size=12))
def test_date_like_soup_never_raises(words: list[str]) -> None:
    parse_dates(" ".join(words), *FY)


PLAN = (D(2022, 4, 1), D(2026, 3, 31))


@pytest.mark.parametrize("text, period, start, end", [
    ("Pupils settled in well at the start of the academic year.", FY, D(2023, 9, 1), D(2023, 9, 30)),
    ("Attendance rose across the academic year.", FY, D(2023, 9, 1), D(2024, 8, 31)),
    ("More families joined than last year.", FY, D(2023, 1, 1), D(2023, 12, 31)),
    ("The new depot opens next year.", FY, D(2025, 1, 1), D(2025, 12, 31)),
    ("Prices peak in the fourth quarter of this year.", PLAN, D(2022, 10, 1), D(2022, 12, 31)),
    ("Sickness fell in quarter 4.", FY, D(2024, 1, 1), D(2024, 3, 31)),
    ("Returns for Q3 2021 were late.", FY, D(2021, 7, 1), D(2021, 9, 30)),
    ("Returns for Q2 2021/22 were late.", FY, D(2021, 7, 1), D(2021, 9, 30)),
    ("The mill closed in the 1970s.", FY, D(1970, 1, 1), D(1979, 12, 31)),
    ("A 17th century barn was restored.", FY, D(1601, 1, 1), D(1700, 12, 31)),
    ("The scheme is complete by the end of 2020/21.", FY, D(2021, 3, 1), D(2021, 3, 31)),
    ("Savings agreed for FY23/24 were met.", FY, D(2023, 4, 1), D(2024, 3, 31)),
    ("The Financial Year 25/26 budget was set.", FY, D(2025, 4, 1), D(2026, 3, 31)),
    ("Fees will rise in 26/27 by a small amount.", FY, D(2026, 4, 1), D(2027, 3, 31)),
    ("Results for the 18/19 academic year.", FY, D(2018, 9, 1), D(2019, 8, 31)),
    ("The library reopened in July 25 after works.", FY, D(2025, 7, 1), D(2025, 7, 31)),
    ("He served as mayor in the 1987 - 1988 civic year.", FY, D(1987, 4, 1), D(1988, 3, 31)),
    ("Recovery began in the early summer period of 2021.", FY, D(2021, 6, 1), D(2021, 6, 30)),
    ("The Corporate Plan 2022-2026 was adopted.", PLAN, D(2022, 4, 1), D(2026, 3, 31)),
])
def test_relative_and_other_spellings_of_periods(text: str, period: tuple, start: date,
                                                  end: date) -> None:
    found = [m for m in parse_dates(text, *period) if m.date_start != D(2023, 4, 1)
             or "2023/24" not in m.text]
    (m,) = found
    assert (m.date_start, m.date_end, m.resolved) == (start, end, True)


@pytest.mark.parametrize("text", [
    "I met the minister three weeks ago.",
    "Complaints fell during the month.",
])
def test_relative_references_without_a_writing_date_stay_unresolved(text: str) -> None:
    (m,) = parse_dates(text, *FY)
    assert (m.resolved, m.date_start) == (False, None)


@pytest.mark.parametrize("text", [
    "Campaigns around Christmas, Easter and Diwali cut food waste.",
    "Festivals such as Eid, Christmas and Vaisakhi were celebrated.",
    "A summer fete was popular with families.",
    "Our crews gritted roads in winter.",
    "Scores of 16/17 were recorded.",
    "The Page 25 report.",
])
def test_themes_and_numbers_that_are_not_dates(text: str) -> None:
    assert [m.text for m in parse_dates(text, *FY)] == []


def test_the_stated_reporting_window_wins_over_the_financial_year() -> None:
    """A report saying it covers calendar 2019 puts a yearless November in 2019, not 2018."""
    from pipeline.nlp.pipeline import build_nlp, make_doc

    nlp = build_nlp()
    text = "The hub opened in November after a long search."
    plain = nlp(make_doc(nlp, text, D(2018, 4, 1), D(2019, 3, 31)))
    windowed = nlp(make_doc(nlp, text, D(2018, 4, 1), D(2019, 3, 31),
                            window_start=D(2019, 1, 1), window_end=D(2019, 12, 31)))
    (p,) = plain.spans["dates"]
    (w,) = windowed.spans["dates"]
    assert p._.date_start == D(2018, 11, 1)
    assert w._.date_start == D(2019, 11, 1)


#: A quarterly report's period: the third quarter of the financial year 2030/31.
QUARTER = (date(2030, 10, 1), date(2030, 12, 31))


@pytest.mark.parametrize(("text", "start", "end"), [
    ("Calls to the helpline rose in Quarter 3.", date(2030, 10, 1), date(2030, 12, 31)),
    ("Recycling held steady this quarter.", date(2030, 10, 1), date(2030, 12, 31)),
    ("Over the quarter, 40 new foster carers were approved.", date(2030, 10, 1), date(2030, 12, 31)),
    ("Waiting times were longer in the previous quarter.", date(2030, 7, 1), date(2030, 9, 30)),
    ("We expect demand to ease in Q4.", date(2031, 1, 1), date(2031, 3, 31)),
    # "the last quarter" alone is relative (the one before), not the fourth quarter
    ("Complaints fell over the last quarter.", date(2030, 7, 1), date(2030, 9, 30)),
    ("Admissions peaked in the last quarter of 2030/31.", date(2031, 1, 1), date(2031, 3, 31)),
    ("Admissions peaked in the final quarter.", date(2031, 1, 1), date(2031, 3, 31)),
])
def test_a_quarterly_report_places_its_quarters(text: str, start: date, end: date) -> None:
    """In a report whose period is one quarter, a yearless quarter is of that financial year,
    and "this quarter" / "the previous quarter" are its own quarter and the one before."""
    (m,) = parse_dates(text, *QUARTER)
    assert (m.date_start, m.date_end, m.resolved) == (start, end, True)


@pytest.mark.parametrize("text", ["Recycling held steady this quarter.",
                                  "Waiting times were longer in the previous quarter.",
                                  "Complaints fell over the last quarter."])
def test_a_yearly_report_does_not_guess_which_quarter(text: str) -> None:
    (m,) = parse_dates(text, *FY)
    assert (m.date_start, m.resolved) == (None, False)


@pytest.mark.parametrize(("text", "words", "start", "end"), [
    # a quarter of the year before: one mention, not a quarter plus "last year"
    ("Admissions were lower than in Quarter 2 last year.", "Quarter 2 last year",
     date(2029, 7, 1), date(2029, 9, 30)),
    ("Referrals matched Q1 of the previous year.", "Q1 of the previous year",
     date(2029, 4, 1), date(2029, 6, 30)),
    ("Footfall beat the same quarter last year.", "the same quarter last year",
     date(2029, 10, 1), date(2029, 12, 31)),
    # "the end of" a quarter is its last month
    ("Open cases fell by the end of the previous quarter.", "the end of the previous quarter",
     date(2030, 9, 1), date(2030, 9, 30)),
    ("Staffing was stable at the end of the quarter.", "the end of the quarter",
     date(2030, 12, 1), date(2030, 12, 31)),
    ("Works finished by the end of Q2 2029/30.", "the end of Q2 2029/30",
     date(2029, 9, 1), date(2029, 9, 30)),
])
def test_quarters_a_year_back_and_quarter_ends(text: str, words: str, start: date,
                                               end: date) -> None:
    (m,) = parse_dates(text, *QUARTER)
    assert (m.text, m.date_start, m.date_end) == (words, start, end)


def test_same_quarter_last_year_needs_a_quarterly_period() -> None:
    (m,) = parse_dates("Footfall beat the same quarter last year.", *FY)
    assert (m.date_start, m.resolved) == (None, False)


@pytest.mark.parametrize("text", ["In the 1990s demand for places rose.",
                                  "Housing built in the 1930s needs repair."])
def test_a_decade_before_a_lowercase_word(text: str) -> None:
    (m,) = parse_dates(text)
    assert m.granularity == "range" and m.date_end.year - m.date_start.year == 9


@pytest.mark.parametrize(("text", "start", "end"), [
    ("Complaints fell in the year to March 2031.", date(2030, 4, 1), date(2031, 3, 31)),
    ("Over the 12 months to December 2029 demand rose.", date(2029, 1, 1), date(2029, 12, 31)),
    ("Calls in the 12m to Dec 29 fell.", date(2029, 1, 1), date(2029, 12, 31)),
    ("In the six months ending September 2030 it rose.", date(2030, 4, 1), date(2030, 9, 30)),
    ("In the 12 months to 31 March 2030 it fell.", date(2029, 4, 1), date(2030, 3, 31)),
])
def test_rolling_windows_ending_in_a_month(text: str, start: date, end: date) -> None:
    """"the year to March 2031" is the twelve months that end with March 2031, one mention."""
    (m,) = parse_dates(text)
    assert (m.date_start, m.date_end) == (start, end)


@pytest.mark.parametrize(("text", "words"), [
    ("Next month the new hub opens.", "Next month"),
    ("Earlier in the year the survey closed.", "Earlier in the year"),
    ("In the coming quarter we expect more referrals.", "the coming quarter"),
])
def test_relative_references_are_kept_unresolved(text: str, words: str) -> None:
    (m,) = parse_dates(text, *FY)
    assert (m.text, m.resolved) == (words, False)


@pytest.mark.parametrize(("text", "words", "start", "end"), [
    ("The rate is the highest since Quarter 4, 2028/29.", "Quarter 4, 2028/29",
     date(2029, 1, 1), date(2029, 3, 31)),
    ("In Quarter 1, 2030/31, most indicators were green.", "Quarter 1, 2030/31",
     date(2030, 4, 1), date(2030, 6, 30)),
    # a count after the comma is no year
    ("In Quarter 3, 2,296 people were helped.", "Quarter 3", date(2030, 10, 1), date(2030, 12, 31)),
    # a quarterly report's yearless months are of its financial year
    ("Demand should ease from February onwards.", "February", date(2031, 2, 1), date(2031, 2, 28)),
    ("The forum last met in November.", "November", date(2030, 11, 1), date(2030, 11, 30)),
])
def test_quarter_with_comma_year_and_months_in_a_quarterly_report(
        text: str, words: str, start: date, end: date) -> None:
    (m,) = parse_dates(text, *QUARTER)
    assert (m.text, m.date_start, m.date_end) == (words, start, end)
