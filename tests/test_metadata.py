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
