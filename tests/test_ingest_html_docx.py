"""HTML pages and Word files read into the same blocks as text and PDF, and parsed as plans."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest.read import read_document
from pipeline.plan.read import parse_plan

HTML = """<!doctype html><html><head><title>x</title><style>p{}</style></head><body>
<nav><ul><li>Home</li><li>Contact us</li></ul></nav>
<main>
<h1>Brookvale Council Plan 2024 to 2028</h1>
<p>Our plan for the next four years.</p>
<h2>Priority 1: A cleaner borough</h2>
<p>Why it matters to residents.</p>
<h3>We will</h3>
<ul><li>Collect food waste from every home</li><li>Plant <strong>2,000</strong> trees</li></ul>
<h3>Key measures</h3>
<ul><li>Percentage of waste recycled</li></ul>
<h2>Priority 2: Homes for all</h2>
<h3>Our commitments</h3>
<ul><li>Build 300 affordable homes</li></ul>
<table><tr><th>Measure</th><th>Target</th></tr><tr><td>Homes built</td><td>300</td></tr></table>
</main>
<footer><p>Copyright Brookvale</p></footer>
</body></html>"""


def test_html_blocks_and_plan(tmp_path: Path) -> None:
    path = tmp_path / "plan.html"
    path.write_text(HTML, encoding="utf-8")
    doc = read_document(path, tmp_path)
    assert doc.status == "ok" and doc.format == "html"
    kinds = [(b.kind, b.text) for b in doc.blocks]
    assert ("heading", "Brookvale Council Plan 2024 to 2028") in kinds
    assert ("bullet", "Plant 2,000 trees") in kinds
    assert not any("Home" == t or "Copyright" in t for _, t in kinds)  # nav and footer dropped
    heading = next(b for b in doc.blocks if b.text == "Priority 1: A cleaner borough")
    assert heading.level == 2
    bullet = next(b for b in doc.blocks if b.text == "Collect food waste from every home")
    assert bullet.heading_path[-2:] == ("Priority 1: A cleaner borough", "We will")
    table = next(b for b in doc.blocks if b.kind == "table")
    assert table.rows == [["Measure", "Target"], ["Homes built", "300"]]
    assert doc.doc_type == "strategic_plan"
    assert doc.period_label == "2024-28"
    plan = parse_plan(doc)
    subs = plan.sub_outcomes()
    assert subs == {"1": "A cleaner borough", "2": "Homes for all"}  # printed ids kept
    by = {(a.sub_outcome_id, a.kind, a.text) for a in plan.aims}
    assert ("1", "action", "Collect food waste from every home") in by
    assert ("1", "measure", "Percentage of waste recycled") in by
    assert ("2", "aim", "Build 300 affordable homes") in by
    assert ("2", "measure", "Homes built") in by  # a measures table under the section


def _docx(path: Path) -> None:
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_heading("Fernhill Annual Review 2023/24", level=0)
    d.add_paragraph("This review covers the period from June 2023 to May 2024.")
    d.add_heading("Parks and open spaces", level=1)
    d.add_paragraph("We opened a new play area in March.")
    d.add_paragraph("Planted 500 trees", style="List Bullet")
    p = d.add_paragraph()
    p.add_run("Looking ahead").bold = True
    d.add_paragraph("Next year we will refurbish two pavilions.")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "Measure", "2023/24"
    t.cell(1, 0).text, t.cell(1, 1).text = "Visits", "12,000"
    d.save(str(path))


def test_docx_blocks_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "review.docx"
    _docx(path)
    doc = read_document(path, tmp_path)
    assert doc.status == "ok" and doc.format == "docx"
    kinds = [(b.kind, b.text, b.level) for b in doc.blocks]
    assert ("heading", "Fernhill Annual Review 2023/24", 1) in kinds
    assert ("heading", "Parks and open spaces", 1) in kinds
    assert ("bullet", "Planted 500 trees", 0) in kinds
    assert ("heading", "Looking ahead", 2) in kinds  # a bold short paragraph
    table = next(b for b in doc.blocks if b.kind == "table")
    assert table.rows == [["Measure", "2023/24"], ["Visits", "12,000"]]
    assert doc.doc_type == "annual_report" and doc.period_label == "2023/24"
    assert (doc.reporting_start.isoformat(), doc.reporting_end.isoformat()) == (
        "2023-06-01", "2024-05-31")


def test_broken_docx_fails_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    doc = read_document(path, tmp_path)
    assert doc.status == "failed" and "\n" not in doc.error and "DOCX" in doc.error
