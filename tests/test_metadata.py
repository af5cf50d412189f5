"""Metadata: reporting periods, document type, organisation and title."""

from __future__ import annotations

from datetime import date

import pytest

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
    assert metadata.fy_of_window(start, end) == fy


def test_fy_of_empty_window_raises() -> None:
    with pytest.raises(ValueError):
        metadata.fy_of_window(date(2024, 5, 1), date(2024, 1, 1))


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
