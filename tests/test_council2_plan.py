"""The invented second council (Westmarsh): its text plan parses into the same elements as its
YAML plan file, and its two annual reviews get their periods and reporting windows."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from pipeline.ingest.read import read_document
from pipeline.plan.files import read_plan_file
from pipeline.plan.read import parse_plan

DATA = Path(__file__).parent / "data" / "council2"


@pytest.fixture(scope="module")
def text_plan():
    doc = read_document(DATA / "plan.txt", DATA)
    return doc, parse_plan(doc)


def _elements(plan) -> set[tuple[str, str, str]]:
    return {(a.sub_outcome, a.kind, a.text) for a in plan.aims}


def test_text_plan_matches_yaml(text_plan):
    doc, parsed = text_plan
    assert doc.doc_type == "strategic_plan"
    assert (doc.period_label, doc.period_start, doc.period_end) == (
        "2023-27", date(2023, 4, 1), date(2027, 3, 31))
    expected = read_plan_file(DATA / "plan.yaml")
    assert _elements(parsed) == _elements(expected)
    assert list(parsed.sub_outcomes().values()) == list(expected.sub_outcomes().values())
    # a flat plan: each priority is its own outcome, with a generated, slug-like id
    assert all(a.outcome_id == a.sub_outcome_id and a.outcome == a.sub_outcome
               for a in parsed.aims)
    assert parsed.sub_outcomes()["thriving-places"] == "Thriving places"
    counts = Counter(a.kind for a in parsed.aims)
    assert counts == Counter(a.kind for a in expected.aims)
    assert len({a.aim_id for a in parsed.aims}) == len(parsed.aims)


def test_text_plan_ids_are_stable(text_plan):
    _, parsed = text_plan
    again = parse_plan(read_document(DATA / "plan.txt", DATA))
    assert [a.aim_id for a in again.aims] == [a.aim_id for a in parsed.aims]


@pytest.mark.parametrize("name,label,start,end,window", [
    ("annual-review-2023-24.txt", "2023/24", date(2023, 4, 1), date(2024, 3, 31),
     (date(2023, 4, 1), date(2024, 3, 31))),
    ("annual-review-2024-25.txt", "2024/25", date(2024, 4, 1), date(2025, 3, 31),
     (date(2024, 9, 1), date(2025, 8, 31))),
])
def test_reviews_period_and_window(name, label, start, end, window):
    doc = read_document(DATA / name, DATA)
    assert doc.doc_type == "annual_report"
    assert (doc.period_label, doc.period_start, doc.period_end) == (label, start, end)
    assert (doc.reporting_start, doc.reporting_end) == window
