"""Kent County Council papers (tests/data/kent): read, typed and extracted without errors.

Another council's layouts: a delivery plan set out in tables (shared outcomes → priorities →
actions → measures), a quarterly performance report, committee cover papers and an annual
report on the Armed Forces Covenant. One extraction of the folder is shared by the tests.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

# ``kent_out`` (one extraction of tests/data/kent per session) lives in conftest.py, shared
# with test_kent_gold.py.


def _table(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)


def test_kent_extracts_without_errors(kent_out) -> None:
    out, summary = kent_out
    assert summary.files == 5 and summary.failed == 0 and not summary.errors
    docs = _table(out, "documents").set_index("file")
    # the folder's SOURCES.md is not a document: listed as skipped, with its reason
    assert docs.loc[docs["status"] != "ok"].index.tolist() == ["SOURCES.md"]
    assert docs.loc["SOURCES.md", "status"] == "skipped" and docs.loc["SOURCES.md", "error"]
    assert summary.claims > 300


def test_kent_document_types_and_periods(kent_out) -> None:
    out, _ = kent_out
    docs = _table(out, "documents").set_index("file")
    qpr = docs.loc["qpr-q3-2024-25-appendix1.pdf"]
    assert qpr["doc_type"] == "annual_report"
    assert (qpr["period_label"], qpr["period_start"], qpr["period_end"]) == (
        "2024/25 Q3", "2024-10-01", "2024-12-31")
    assert docs.loc["ics-delivery-plan-priorities-measures.pdf", "doc_type"] == "strategic_plan"
    # a decision report about the plan and a cover report for the QPR are neither
    assert docs.loc["ics-delivery-plan-cabinet-report.pdf", "doc_type"] == "other"
    assert docs.loc["qpr-q3-2024-25-cover.pdf", "doc_type"] == "other"
    covenant = docs.loc["armed-forces-covenant-annual-report-2024.pdf"]
    assert covenant["doc_type"] == "annual_report"
    assert (covenant["reporting_start"], covenant["reporting_end"]) == ("2024-01-01", "2024-12-31")
    assert set(docs["organisation"]) - {""} == {"Kent County Council"}


def test_kent_delivery_plan_elements(kent_out) -> None:
    out, _ = kent_out
    docs = _table(out, "documents").set_index("file")
    plans = _table(out, "plans")
    aims = _table(out, "aims")
    plan_doc = docs.loc["ics-delivery-plan-priorities-measures.pdf", "doc_id"]
    assert list(plans["doc_id"]) == [plan_doc]
    counts = aims["kind"].value_counts()
    assert counts["action"] >= 80 and counts["measure"] >= 80 and counts["aim"] >= 15
    # each action's outcome is the shared outcome in its own row, named from the outcomes table
    named = dict(zip(aims["outcome_id"], aims["outcome"], strict=True))
    assert named["SO1"] == "Give children and young people the best start in life"
    assert {"SO1", "SO2", "SO3", "SO4", "SO5", "SO6"} <= set(aims["outcome_id"])
    row = aims[aims["text"] == "Co-develop a health, work & skills strategy"].iloc[0]
    assert row["kind"] == "action" and row["outcome_id"] == "SO2"
    assert row["sub_outcome"] == "Deliver the Kent and Medway Economic Framework (KMEF)"
    assert len(set(aims["aim_id"])) == len(aims)
