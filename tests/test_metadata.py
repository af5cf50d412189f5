"""Metadata: reporting periods, document type, organisation and title."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline import periods
from pipeline.ingest import metadata
from pipeline.model import Document

#: (label, start, end) each corpus document must get, from its PDF and its text alike.
EXPECTED_PERIODS = {
    "lcc-annual-delivery-report-2019": ("2018/19", date(2018, 4, 1), date(2019, 3, 31)),
    "lcc-annual-delivery-report-2020": ("2019/20", date(2019, 4, 1), date(2020, 3, 31)),
    "lcc-annual-delivery-report-2024": ("2023/24", date(2023, 4, 1), date(2024, 3, 31)),
    "lcc-annual-delivery-report-2025": ("2024/25", date(2024, 4, 1), date(2025, 3, 31)),
    "lcc-council-agenda-2022-05-18-strategic-plan-2022-26":
        ("2022-26", date(2022, 4, 1), date(2026, 3, 31)),
}


#: The window each corpus document covers: stated (2024, 2025) or inferred from the dated events
#: of a report named for a year that states none (2019, 2020: published in the autumn, each
#: looks back over the twelve months before); a plan has none.
EXPECTED_WINDOWS = {
    "lcc-annual-delivery-report-2019": (date(2018, 10, 1), date(2019, 9, 30)),
    "lcc-annual-delivery-report-2020": (date(2019, 9, 1), date(2020, 8, 31)),
    "lcc-annual-delivery-report-2024": (date(2023, 9, 1), date(2024, 9, 30)),
    "lcc-annual-delivery-report-2025": (date(2024, 9, 1), date(2025, 9, 30)),
    "lcc-council-agenda-2022-05-18-strategic-plan-2022-26": (None, None),
}


def test_corpus_reporting_windows(corpus_pdf_docs: dict[str, Document]) -> None:
    for stem, window in EXPECTED_WINDOWS.items():
        doc = corpus_pdf_docs[stem]
        assert (doc.reporting_start, doc.reporting_end) == window, stem


@pytest.mark.parametrize("fixture", ["corpus_pdf_docs", "corpus_text_docs"])
def test_corpus_metadata(fixture: str, request: pytest.FixtureRequest) -> None:
    docs: dict[str, Document] = request.getfixturevalue(fixture)
    for stem, (label, start, end) in EXPECTED_PERIODS.items():
        doc = docs[stem]
        assert (doc.period_label, doc.period_start, doc.period_end) == (label, start, end), stem
        assert doc.organisation == "Leicestershire County Council", stem
        kind = "strategic_plan" if "strategic-plan" in stem else "annual_report"
        assert doc.doc_type == kind, stem
        assert doc.title, stem


@pytest.mark.parametrize("text,label", [
    ("This report covers the period from September 2023 to September 2024.", "2023/24"),
    ("It covers the period from April 2021 to March 2022", "2021/22"),
    ("covering the period January 2020 to December 2020", "2020/21"),  # 9 of 12 months
    ("Annual Delivery Report 2019", "2018/19"),
    ("Intro\nProgress in 2024/25\nMore", "2024/25"),
    ("Spend in 2019/20 and 2019/20, against 2020/21", "2019/20"),
])
def test_parse_period(text: str, label: str) -> None:
    found = metadata.parse_period(text, ["window", "fy", "report_year", "fy_mentions"])
    assert found is not None and found[0] == label
    start_year = int(label[:4])
    assert found[1:] == (date(start_year, 4, 1), date(start_year + 1, 3, 31))


@pytest.mark.parametrize("text", [
    "",
    "The council met in May 2022.",
    "Progress in 2024/27",           # not a financial year
    "covers the period from Smarch 2023 to Smarch 2024",
])
def test_parse_period_negatives(text: str) -> None:
    assert metadata.parse_period(text, ["window", "fy", "report_year", "fy_mentions"]) is None


def test_plan_period() -> None:
    assert metadata.parse_period("the Strategic Plan 2022 - 2026 (Pages 21 - 80)", ["plan"]) == (
        "2022-26", date(2022, 4, 1), date(2026, 3, 31))
    assert metadata.parse_period("Strategic Plan 2026 - 2022", ["plan"]) is None


@pytest.mark.parametrize("start,end,fy", [
    (date(2023, 9, 1), date(2024, 9, 1), 2023),
    (date(2024, 9, 1), date(2025, 9, 1), 2024),
    (date(2024, 4, 1), date(2025, 3, 1), 2024),
    (date(2024, 1, 1), date(2024, 2, 1), 2023),
])
def test_fy_of_window(start: date, end: date, fy: int) -> None:
    assert periods.fy_of_window(start, end) == fy


def test_fy_of_empty_window_raises() -> None:
    with pytest.raises(ValueError):
        periods.fy_of_window(date(2024, 5, 1), date(2024, 1, 1))


def test_organisation_and_type_from_text() -> None:
    text = ("The County Council works across Rutshire. In Rutshire we run services. "
            "Funding for Rutshire and Barton Borough Council. Annual Delivery Report 2021")
    assert metadata.organisation_of(text) == "Rutshire County Council"
    assert metadata.organisation_of("Nothing here.") == ""
    assert metadata.classify(text) == "annual_report"
    assert metadata.classify("Minutes of a meeting about parking.") == "other"
    assert metadata.title_of(text) == "Annual Delivery Report 2021"


# --------------------------------------------------------------------------- any council
# Invented titles and openings of other councils' documents.

def _described(*texts: str) -> Document:
    from pipeline.model import Block

    doc = Document(doc_id="x" * 12, file="x.txt", sha256="x" * 64, format="txt",
                   blocks=[Block("heading" if len(t.split()) < 9 else "paragraph", t, 1, level=1)
                           for t in texts])
    metadata.describe(doc)
    return doc


@pytest.mark.parametrize("title,doc_type,label", [
    ("Annual Report 2023/24", "annual_report", "2023/24"),       # not 2022/23 from "2023"
    ("Council Plan Annual Review 2023-24", "annual_report", "2023/24"),
    ("Performance Report 2022/23", "annual_report", "2022/23"),
    ("Progress Report 2021-22", "annual_report", "2021/22"),
    ("Corporate Plan 2023-2027", "strategic_plan", "2023-27"),
    ("Council Strategy 2024 to 2028", "strategic_plan", "2024-28"),
    ("Police and Crime Plan 2021-2025", "strategic_plan", "2021-25"),
    ("Minutes of the Planning Committee", "other", ""),
])
def test_type_and_period_from_title(title: str, doc_type: str, label: str) -> None:
    doc = _described("Oakshire District Council", title, "Some words about the year behind us.")
    assert (doc.doc_type, doc.period_label) == (doc_type, label)


def test_quarterly_report_period_is_the_quarter() -> None:
    doc = _described("Quarterly Performance Report", "Quarter 2", "2023/24",
                     "Of the 30 indicators, 20 met their target this quarter.")
    assert doc.doc_type == "annual_report"
    assert (doc.period_label, doc.period_start, doc.period_end) == (
        "2023/24 Q2", date(2023, 7, 1), date(2023, 9, 30))


@pytest.mark.parametrize("text,window", [
    ("This report covers the period from September 2023 to September 2024.",
     (date(2023, 9, 1), date(2024, 9, 30))),
    ("It covers the financial year from April 2022 to March 2023 in full.",
     (date(2022, 4, 1), date(2023, 3, 31))),
    ("This review looks back over the year between June 2021 and May 2022.",
     (date(2021, 6, 1), date(2022, 5, 31))),
    ("This report summarises key achievements during 2024.", (date(2024, 1, 1), date(2024, 12, 31))),
    ("We opened the library from May 2023 to June 2023 on Sundays.", None),
    ("Progress in 2023/24 was good.", None),
])
def test_reporting_window(text: str, window) -> None:
    assert metadata.reporting_window(text) == window


def test_window_decides_period_when_title_has_none() -> None:
    doc = _described("Oakshire Annual Report",
                     "This report covers the period from September 2023 to August 2024 for the council.")
    assert doc.period_label == "2023/24"
    assert (doc.reporting_start, doc.reporting_end) == (date(2023, 9, 1), date(2024, 8, 31))


def test_committee_papers() -> None:
    cover = _described("From: Leader of the Council", "To: Cabinet - 3 March 2025",
                       "Subject: Quarterly Performance Report, Quarter 1, 2024/25",
                       "The report for Quarter 1 is attached at Appendix 1 for Cabinet to note.")
    assert cover.doc_type == "other" and cover.period_label == "2024/25 Q1"
    decision = _described("From: Cabinet Member", "To: Cabinet", "Subject: Oakshire Delivery Plan",
                          "Cabinet is asked to agree the delivery plan that is set out in Appendix B.")
    assert decision.doc_type == "other"
    annual = _described("From: Champion", "To: Full Council",
                        "Subject: 2024 Annual Report on the Community Covenant",
                        "This report summarises key achievements during 2024 across the county.")
    assert annual.doc_type == "annual_report"


# --- reporting windows inferred where none is stated ---------------------------------------

def _dated_report(title: str, months: list[str], lead: str = "") -> Document:
    """An invented report: a title, an optional lead sentence, one dated event per month."""
    events = [f"In {m} the council opened a new facility in Oakshire." for m in months]
    return _described(title, *([lead] if lead else []), *events)


AUTUMN_2030 = (["October 2029", "November 2029", "January 2030", "March 2030", "April 2030",
                "May 2030", "June 2030", "July 2030"] * 2
               + ["September 2030"] * 3 + ["November 2030"])  # one forward reference


def test_window_inferred_from_dated_events() -> None:
    doc = _dated_report("Annual Delivery Report 2030", AUTUMN_2030)
    assert doc.period_label == "2029/30"  # the period stays the financial year
    assert (doc.reporting_start, doc.reporting_end) == (date(2029, 10, 1), date(2030, 9, 30))


def test_window_inferred_for_a_paper_that_looks_back() -> None:
    doc = _described("From: Director", "To: Scrutiny Committee",
                     "Subject: Annual Report 2030 on Road Safety",
                     "Over the last 12 months the partnership ran many events.",
                     *[f"In {m} we ran a road safety event." for m in AUTUMN_2030])
    assert (doc.reporting_start, doc.reporting_end) == (date(2029, 10, 1), date(2030, 9, 30))


def test_stated_window_wins_over_inference() -> None:
    doc = _dated_report("Annual Delivery Report 2030", AUTUMN_2030,
                        "This report covers the period from January 2030 to December 2030.")
    assert (doc.reporting_start, doc.reporting_end) == (date(2030, 1, 1), date(2030, 12, 31))


@pytest.mark.parametrize("title,months", [
    # a financial year in the title is the window the dates resolve in: nothing to infer
    ("Annual Report 2029/30", AUTUMN_2030),
    # too few dated events to read the month of publication from
    ("Annual Delivery Report 2030", ["June 2030", "July 2030", "September 2030"]),
    # no year in the title: the events alone do not say which year is reported
    ("Annual Delivery Report", AUTUMN_2030),
    # a plan looks forward, not back
    ("Strategic Plan 2030-2034", AUTUMN_2030),
])
def test_no_window_inferred(title: str, months: list[str]) -> None:
    doc = _dated_report(title, months)
    assert (doc.reporting_start, doc.reporting_end) == (None, None)


def test_inferred_window_ignores_later_years_and_needs_events() -> None:
    text = " ".join(f"in {m}" for m in AUTUMN_2030 + ["March 2032"] * 10)
    assert metadata.inferred_window(text, 2030) == (date(2029, 10, 1), date(2030, 9, 30))
    assert metadata.inferred_window("in May 2030 and June 2030", 2030) is None
    # a December end gives a calendar year
    dec = " ".join(["in December 2030"] * 12 + ["in March 2030"] * 12)
    assert metadata.inferred_window(dec, 2030) == (date(2030, 1, 1), date(2030, 12, 31))


@pytest.fixture(scope="module")
def kent_docs() -> dict[str, Document]:
    from pathlib import Path

    from pipeline.ingest.read import read_document

    root = Path(__file__).parent / "data" / "kent"
    names = ("armed-forces-covenant-annual-report-2024.pdf", "qpr-q3-2024-25-cover.pdf")
    return {Path(n).stem: read_document(root / n, root) for n in names}


def test_kent_windows(kent_docs: dict[str, Document]) -> None:
    """Another council's papers: a stated calendar year stays; a quarter named in the title is
    its period, and no window is inferred over it."""
    covenant = kent_docs["armed-forces-covenant-annual-report-2024"]
    assert (covenant.reporting_start, covenant.reporting_end) == (date(2024, 1, 1),
                                                                  date(2024, 12, 31))
    cover = kent_docs["qpr-q3-2024-25-cover"]
    assert cover.period_label == "2024/25 Q3"
    assert (cover.reporting_start, cover.reporting_end) == (None, None)
