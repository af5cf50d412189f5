"""planmine.yaml: validated (errors name the file and the key) and overriding the rules."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.ingest.manifest import ManifestError, load_manifest, period_bounds
from pipeline.ingest.read import read_document

REPORT = ("Rivendale Borough Council\n\nAnnual Review\n\nThis review sets out what we did.\n\n"
          "We opened two new parks and planted 400 trees.\n")


def _write(tmp_path: Path, manifest: str) -> Path:
    (tmp_path / "review.txt").write_text(REPORT, encoding="utf-8")
    (tmp_path / "planmine.yaml").write_text(manifest, encoding="utf-8")
    return tmp_path


def test_manifest_overrides_rules(tmp_path: Path) -> None:
    root = _write(tmp_path, "documents:\n  review.txt:\n    doc_type: annual_report\n"
                            "    period: 2022/23\n    organisation: Rivendale Borough Council\n"
                            "    reporting_start: 2022-06-01\n    reporting_end: 2023-05-31\n")
    doc = read_document(root / "review.txt", root)
    assert doc.doc_type == "annual_report"
    assert (doc.period_label, doc.period_start, doc.period_end) == (
        "2022/23", date(2022, 4, 1), date(2023, 3, 31))
    assert (doc.reporting_start, doc.reporting_end) == (date(2022, 6, 1), date(2023, 5, 31))
    assert doc.organisation == "Rivendale Borough Council"


def test_without_manifest_rules_decide(tmp_path: Path) -> None:
    (tmp_path / "review.txt").write_text(REPORT, encoding="utf-8")
    doc = read_document(tmp_path / "review.txt", tmp_path)
    assert doc.period_label == ""  # nothing in the text says which year


@pytest.mark.parametrize("body,where", [
    ("documents:\n  review.txt:\n    doctype: annual_report\n", "file 'review.txt', key 'doctype'"),
    ("documents:\n  review.txt:\n    doc_type: report\n", "file 'review.txt', key 'doc_type'"),
    ("documents:\n  review.txt:\n    period: 2022/24\n", "file 'review.txt', key 'period'"),
    ("documents:\n  missing.txt:\n    doc_type: other\n", "file 'missing.txt'"),
    ("files:\n  review.txt: {}\n", "key 'files'"),
    ("documents:\n  review.txt:\n    plan: true\n    doc_type: annual_report\n", "file 'review.txt'"),
])
def test_manifest_errors_name_file_and_key(tmp_path: Path, body: str, where: str) -> None:
    root = _write(tmp_path, body)
    with pytest.raises(ManifestError) as info:
        load_manifest(root / "planmine.yaml", ["review.txt"])
    message = str(info.value)
    assert where in message and "planmine.yaml" in message and "\n" not in message


def test_period_bounds() -> None:
    assert period_bounds("2024/25 Q3") == ("2024/25 Q3", date(2024, 10, 1), date(2024, 12, 31))
    assert period_bounds("2024/25 Q4") == ("2024/25 Q4", date(2025, 1, 1), date(2025, 3, 31))
    assert period_bounds("2023-2027") == ("2023-27", date(2023, 4, 1), date(2027, 3, 31))
    with pytest.raises(ValueError):
        period_bounds("last year")


def test_extract_checks_plan_first_and_keeps_tables(tmp_path: Path) -> None:
    from pipeline.extract import PlanNotReadable, run_extract

    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "review.txt").write_text(REPORT, encoding="utf-8")
    bad_plan = tmp_path / "plan.txt"
    bad_plan.write_text("Minutes of a meeting about parking.\n", encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(PlanNotReadable) as info:
        run_extract(inputs, out, plan_file=bad_plan, jobs=1)
    assert "cannot read the plan" in str(info.value) and "\n" not in str(info.value)
    assert not (out / "documents.csv").exists()  # refused before any work
    # a document the manifest marks as the plan but which holds none: the rest is written
    (inputs / "planmine.yaml").write_text("documents:\n  review.txt:\n    plan: true\n",
                                          encoding="utf-8")
    with pytest.raises(PlanNotReadable):
        run_extract(inputs, out, jobs=1)
    (inputs / "planmine.yaml").write_text("documents:\n  review.txt:\n    doc_type: strategic_plan\n",
                                          encoding="utf-8")
    summary = run_extract(inputs, out, jobs=1)
    assert (out / "documents.csv").exists() and (out / "claims.csv").exists()
    assert any(e.startswith("plan: ") for e in summary.errors)
