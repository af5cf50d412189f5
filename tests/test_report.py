"""The HTML evidence report: decisions (build), markup (render), and the page in Chromium.

Synthetic tables use the exact schema columns and go through the evidence stage
(``evidence_tables``), ``write_tables`` and ``load_table``, so the report is tested on what
``planmine extract`` really writes. The browser tests skip with the install command when
Chromium is missing (`make test` installs it when run as root); in CI
(PLANMINE_REQUIRE_BROWSER=1) a missing browser fails.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from browser import (
    BrowserMissing,
    chromium,
    console_errors,
    find_chromium,
    screenshot,
)

from pipeline.config import DEFAULT_INPUT_DIR, PROJECT_DIR
from pipeline.evidence.stage import evidence_tables
from pipeline.report import build_context, load_tables, write_report
from pipeline.report.build import (
    best_level,
    find_marks,
    format_gbp,
    format_number,
    periods_before_start,
    source_href,
)
from pipeline.tables.schema import TABLES
from pipeline.tables.writers import write_tables

ARTIFACTS = PROJECT_DIR / "tests" / "artifacts"
PLAN = "plan1"
P1, P2 = "2023/24", "2024/25"
NASTY = 'Residents said "it\'s <b>great</b>" & we agree </script><script>alert(1)</script>'
#: The screen sizes the report must read well on: a laptop and a phone.
SCREENS = {"desktop": (1400, 1000), "phone": (390, 844)}


def frame(name: str, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=TABLES[name].column_names)


def _aim(outcome_id: str, outcome: str, sub: str, title: str, kind: str, n: int, text: str) -> dict:
    return {"aim_id": f"{PLAN}:{sub}:{kind[0] if kind != 'action' else 'c'}{n}", "plan_id": PLAN,
            "outcome_id": outcome_id, "outcome": outcome, "sub_outcome_id": sub,
            "sub_outcome": title, "kind": kind, "text": text}


def synthetic_tables() -> dict[str, pd.DataFrame]:
    """Two annual reports and a plan in force from 2024/25 (so 2023/24 is before it); three
    sub-outcomes in two outcomes; mentions of each kind; an economy-wide amount; a measure."""
    docs = frame("documents", [
        {"doc_id": "aaaaaaaaaaaa", "file": "plan.pdf", "format": "pdf", "title": "Strategic Plan 2024-28",
         "doc_type": "strategic_plan", "pages": 40, "status": "ok"},
        {"doc_id": "bbbbbbbbbbbb", "file": "report 2024.pdf", "format": "pdf",
         "title": "Annual Delivery Report 2024", "doc_type": "annual_report", "period_label": P1,
         "period_start": "2023-04-01", "period_end": "2024-03-31", "pages": 30, "status": "ok"},
        {"doc_id": "cccccccccccc", "file": "report-2025.pdf", "format": "pdf",
         "title": "Annual Delivery Report 2025", "doc_type": "annual_report", "period_label": P2,
         "period_start": "2024-04-01", "period_end": "2025-03-31", "pages": 32, "status": "ok"},
    ])
    green, comm = "Clean, Green Future", "Great Communities"
    aims = frame("aims", [
        _aim("4", green, "4.1", "Carbon & climate: net zero by 2030", "aim", 1, "Cut the council's emissions"),
        _aim("4", green, "4.1", "Carbon & climate: net zero by 2030", "action", 1, "Install LED street lights"),
        _aim("4", green, "4.1", "Carbon & climate: net zero by 2030", "measure", 1, "Tonnes of CO2"),
        _aim("4", green, "4.2", "Waste is reduced", "aim", 1, "Recycle more household waste"),
        _aim("4", green, "4.2", "Waste is reduced", "measure", 1,
             "Percentage of household waste recycled"),
        _aim("5", comm, "5.1", "People volunteer", "aim", 1, "Sustain a high rate of volunteering"),
    ])
    plans = frame("plans", [{"plan_id": PLAN, "doc_id": "aaaaaaaaaaaa", "title": "Strategic Plan 2024-28",
                             "period_start": "2024-04-01", "period_end": "2028-03-31"}])
    b, c = "bbbbbbbbbbbb", "cccccccccccc"
    claims = frame("claims", [
        {"claim_id": f"{b}:c00001", "doc_id": b, "page": 3, "claim_type": "achievement",
         "text": "We secured £1.7m for LED street lights in October 2023, cutting 120 tonnes of carbon."},
        {"claim_id": f"{b}:c00002", "doc_id": b, "page": 4, "claim_type": "progress",
         "text": "A further £887k & $2m of funding is supporting 52% of the recycling centres."},
        {"claim_id": f"{b}:c00003", "doc_id": b, "page": 5, "claim_type": "statistic",
         "text": "Household waste recycled rose to 45% in 2023/24."},
        {"claim_id": f"{c}:c00001", "doc_id": c, "page": 7, "claim_type": "achievement",
         "text": "Household waste recycled reached 48% in 2024/25."},
        {"claim_id": f"{c}:c00002", "doc_id": c, "page": 8, "claim_type": "progress", "text": NASTY},
        {"claim_id": f"{c}:c00003", "doc_id": c, "page": 9, "claim_type": "other",
         "text": "This sentence about volunteering is of type other and is not evidence."},
        {"claim_id": f"{c}:c00004", "doc_id": c, "page": 10, "claim_type": "progress",
         "text": "Volunteers helped the local visitor economy, worth £3.5bn to the area, recover."},
        {"claim_id": "aaaaaaaaaaaa:c00001", "doc_id": "aaaaaaaaaaaa", "page": 2, "claim_type": "plan",
         "text": "The plan's own sentence about recycling is not evidence for the plan."},
    ])
    money = frame("money", [
        {"mention_id": f"{b}:c00001:m01", "claim_id": f"{b}:c00001", "doc_id": b, "text": "£1.7m",
         "value": 1.7e6, "currency": "GBP", "approx": False},
        {"mention_id": f"{b}:c00002:m01", "claim_id": f"{b}:c00002", "doc_id": b, "text": "£887k",
         "value": 887e3, "currency": "GBP", "approx": False},
        {"mention_id": f"{b}:c00002:m02", "claim_id": f"{b}:c00002", "doc_id": b, "text": "$2m",
         "value": 2e6, "currency": "USD", "approx": False},
        {"mention_id": f"{c}:c00004:m01", "claim_id": f"{c}:c00004", "doc_id": c, "text": "£3.5bn",
         "value": 3.5e9, "currency": "GBP", "approx": False},
    ])
    figures = frame("figures", [
        {"mention_id": f"{b}:c00001:m03", "claim_id": f"{b}:c00001", "doc_id": b, "text": "120 tonnes",
         "value": 120, "unit": "tonnes", "approx": False, "measure": "carbon"},
        {"mention_id": f"{b}:c00002:m03", "claim_id": f"{b}:c00002", "doc_id": b, "text": "52%",
         "value": 52, "unit": "percent", "approx": False, "measure": "recycling centres"},
        {"mention_id": f"{b}:c00003:m01", "claim_id": f"{b}:c00003", "doc_id": b, "text": "45%",
         "value": 45, "unit": "percent", "approx": False, "measure": "household waste recycled"},
        {"mention_id": f"{c}:c00001:m01", "claim_id": f"{c}:c00001", "doc_id": c, "text": "48%",
         "value": 48, "unit": "percent", "approx": False, "measure": "household waste recycled"},
    ])
    dates = frame("dates", [
        {"mention_id": f"{b}:c00001:m02", "claim_id": f"{b}:c00001", "doc_id": b, "text": "October 2023",
         "start": "2023-10-01", "end": "2023-10-31", "granularity": "month", "resolved": True},
        {"mention_id": f"{b}:c00003:m02", "claim_id": f"{b}:c00003", "doc_id": b, "text": "2023/24",
         "start": "2023-04-01", "end": "2024-03-31", "granularity": "financial_year", "resolved": True},
    ])
    link = lambda cid, aim, rank, score: {  # noqa: E731
        "claim_id": cid, "aim_id": aim, "sub_outcome_id": aim.split(":")[1], "rank": rank,
        "score": score, "method": "test"}
    links = frame("links", [
        link(f"{b}:c00001", f"{PLAN}:4.1:c1", 1, 0.91),
        link(f"{b}:c00001", f"{PLAN}:5.1:a1", 2, 0.40),
        link(f"{b}:c00002", f"{PLAN}:4.2:a1", 1, 0.72),
        link(f"{b}:c00003", f"{PLAN}:4.2:a1", 1, 0.88),
        link(f"{c}:c00001", f"{PLAN}:4.2:a1", 1, 0.93),
        link(f"{c}:c00002", f"{PLAN}:5.1:a1", 1, 0.35),
        link(f"{c}:c00003", f"{PLAN}:5.1:a1", 1, 0.80),
        link(f"{c}:c00004", f"{PLAN}:5.1:a1", 1, 0.60),
        link("aaaaaaaaaaaa:c00001", f"{PLAN}:4.2:a1", 1, 0.99),
    ])
    tables = {"documents": docs, "sections": frame("sections", []), "claims": claims, "money": money,
              "figures": figures, "dates": dates, "plans": plans, "aims": aims, "links": links}
    tables.update(evidence_tables(tables))  # evidence, measure_values, coverage, money roles
    return tables


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "processed"
    write_tables(synthetic_tables(), out)
    return out


@pytest.fixture(scope="module")
def report(out_dir) -> Path:
    return write_report(out_dir, raw_dir=out_dir.parent / "raw")


@pytest.fixture(scope="module")
def page(report) -> str:
    return report.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def ctx(out_dir):
    return build_context(load_tables(out_dir), out_dir / "report", out_dir.parent / "raw")


# --- pure helpers ----------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    (1.7e6, "£1.7m"), (887_000, "£887k"), (1.2e9, "£1.2bn"), (2e6, "£2m"), (950, "£950"),
    (999_600, "£1m"), (12_345_678, "£12.3m"), (1_000, "£1k"), (0.5, "£0.5"), (-2.5e6, "-£2.5m"),
])
def test_format_gbp(value, expected) -> None:
    assert format_gbp(value) == expected


@pytest.mark.parametrize("value,unit,expected", [
    (45.0, "percent", "45%"), (94.8, "percent", "94.8%"), (2743, "count", "2,743"),
    (1300, "miles", "1,300 miles"), (1_250_000, "count", "1.2m"), (368_000, "GBP", "£368k"),
])
def test_format_number(value, unit, expected) -> None:
    assert format_number(value, unit) == expected


@pytest.mark.parametrize("levels,expected", [
    (["none", "weak", "none"], "weak"), (["strong", "moderate"], "strong"),
    ([], "none"), (["bogus"], "none"),
])
def test_best_level(levels, expected) -> None:
    assert best_level(levels) == expected


def test_find_marks_follows_mention_order_and_never_overlaps() -> None:
    text = "45% in 2023, then 45% in 2024"
    marks = find_marks(text, [("45%", "figure", "a"), ("2023", "date", "b"), ("45%", "figure", "c"),
                              ("45% in", "figure", "overlaps"), ("absent", "money", "x")])
    assert [(m.start, m.end, m.label) for m in marks] == [(0, 3, "a"), (7, 11, "b"), (18, 21, "c")]


def test_source_href_is_absolute_by_default(tmp_path) -> None:
    href = source_href("report 2024.pdf", tmp_path / "data" / "raw", None, 12)
    assert href == (tmp_path / "data" / "raw").resolve().as_uri() + "/report%202024.pdf#page=12"
    assert source_href("notes.txt", tmp_path, None, 3) == (tmp_path / "notes.txt").resolve().as_uri()


def test_source_href_follows_pdf_base_url_or_folder(tmp_path) -> None:
    assert source_href("sub/report 2024.pdf", tmp_path, "https://example.org/docs/", 5) == (
        "https://example.org/docs/sub/report%202024.pdf#page=5")
    folder = tmp_path / "shared"
    assert source_href("a.pdf", tmp_path / "raw", str(folder), 2) == folder.resolve().as_uri() + "/a.pdf#page=2"


def test_periods_before_start() -> None:
    ends = {"2018/19": "2019-03-31", "2021/22": "2022-03-31", "2022/23": "2023-03-31", "x": ""}
    assert periods_before_start(ends, "2022-04-01") == {"2018/19", "2021/22"}
    assert periods_before_start(ends, "") == set()


# --- decisions: read from coverage, evidence, measure_values, money.role ---------------------

def test_only_evidence_claims_are_shown(ctx) -> None:
    shown = {c.claim_id for s in ctx.sub_outcomes for c in s.claims}
    assert "cccccccccccc:c00003" not in shown  # type other
    assert "aaaaaaaaaaaa:c00001" not in shown  # the plan's own sentence
    assert len(shown) == ctx.n_claims == 6
    roles = {c.claim_id: c.role for s in ctx.sub_outcomes for c in s.claims}
    assert roles["bbbbbbbbbbbb:c00003"] == "result" and roles["bbbbbbbbbbbb:c00002"] == "activity"


def test_heatmap_cells_are_coverage_rows_of_each_aim(ctx, out_dir) -> None:
    coverage = load_tables(out_dir)["coverage"]
    assert [r.aim_id for r in ctx.aim_rows] == [f"{PLAN}:4.1:a1", f"{PLAN}:4.2:a1", f"{PLAN}:5.1:a1"]
    for row in ctx.aim_rows:
        for cell in row.cells:
            cov = coverage[(coverage["aim_id"] == row.aim_id) & (coverage["period_label"] == cell.period_label)]
            assert cell.level == cov["evidence"].iloc[0]
            assert (cell.n_claims, cell.n_results) == (int(cov["n_claims"].iloc[0]), int(cov["n_results"].iloc[0]))


def test_periods_before_the_plan_are_marked(ctx, page) -> None:
    assert ctx.not_in_force == {P1}
    assert all(not c.in_force for r in ctx.aim_rows for c in r.cells if c.period_label == P1)
    assert "plan not yet in force" in page


def test_summary_answers(ctx) -> None:
    assert (ctx.latest_period, ctx.previous_period) == (P2, P1)
    assert {g.aim_id for g in ctx.gaps} == {f"{PLAN}:4.1:a1", f"{PLAN}:4.2:a1", f"{PLAN}:5.1:a1"}
    assert [g.aim_id for g in ctx.missing["aim"]] == [f"{PLAN}:4.1:a1"]
    assert ctx.in_force == {"aim": 3, "action": 1, "measure": 2}
    moves = {c.text: (c.before, c.after) for c in ctx.changes}
    assert moves == {"Cut the council's emissions": ("weak", "none"),
                     "Recycle more household waste": ("moderate", "weak"),
                     "Sustain a high rate of volunteering": ("none", "weak")}
    assert ctx.measures_reported == [(P1, 1, 2), (P2, 1, 2)]


def test_measure_tracker_reads_measure_values(ctx) -> None:
    by_id = {m.aim_id: m for m in ctx.measures}
    recycled = by_id[f"{PLAN}:4.2:m1"]
    assert {p: [v.value for v in vs] for p, vs in recycled.values.items()} == {P1: [45.0], P2: [48.0]}
    assert not by_id[f"{PLAN}:4.1:m1"].reported
    assert ctx.measures[0] is recycled  # reported measures first


def test_money_is_the_councils_and_the_economy_is_apart(ctx) -> None:
    outcomes = {o.outcome_id: o for p in ctx.plans for o in p.outcomes}
    assert outcomes["4"].money_gbp == {P1: 1.7e6 + 887e3, P2: 0.0}  # the $2m is not added
    assert outcomes["5"].money_gbp == {P1: 0.0, P2: 0.0}  # the £3.5bn economy is not the council's
    assert [(m.text, m.role) for m in ctx.other_money] == [("£3.5bn", "economy")]


# --- markup ----------------------------------------------------------------------------------

class _Collector(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Collector()
    parser.feed(page)
    return parser.tags


def test_report_written_to_default_path(report, out_dir) -> None:
    assert report == out_dir / "report" / "index.html"
    assert report.stat().st_size > 5000


def test_text_is_escaped(page) -> None:
    assert "alert(1)" in page
    assert "<script>alert(1)" not in page and "<b>great</b>" not in page
    assert "&lt;b&gt;great&lt;/b&gt;" in page and "&amp; we agree" in page
    assert page.count("<script>") == 1  # only the report's own inline script
    assert "Carbon &amp; climate: net zero by 2030" in page


def test_mentions_are_marked_by_kind(page) -> None:
    assert re.search(r'<mark class="money" title="money: £1.7m">£1.7m</mark>', page)
    assert re.search(r'<mark class="figure" title="figure: 120 tonnes \(carbon\)">120 tonnes</mark>', page)
    assert '<mark class="date" title="date: 2023-10-01 to 2023-10-31">October 2023</mark>' in page
    assert '<mark class="money" title="money: 2,000,000 USD">$2m</mark>' in page
    assert '<mark class="money" title="money: £3.5bn (economy)">£3.5bn</mark>' in page


def test_page_links_point_at_the_source_pdf_page(page, out_dir) -> None:
    hrefs = [a.get("href") for t, a in _tags(page) if t == "a"]
    raw = (out_dir.parent / "raw").resolve().as_uri()
    assert f"{raw}/report%202024.pdf#page=3" in hrefs
    assert f"{raw}/report-2025.pdf#page=8" in hrefs


def test_pdf_base_url_in_links(out_dir, tmp_path) -> None:
    path = write_report(out_dir, tmp_path / "r.html", pdf_base="https://example.org/reports")
    hrefs = [a.get("href") for t, a in _tags(path.read_text(encoding="utf-8")) if t == "a"]
    assert "https://example.org/reports/report%202024.pdf#page=3" in hrefs
    assert not any(h.startswith("file:") for h in hrefs)


def test_page_is_self_contained(page) -> None:
    for tag, attrs in _tags(page):
        assert not (tag in ("script", "img", "iframe") and attrs.get("src")), (tag, attrs)
        assert not (tag == "link" and attrs.get("rel") == "stylesheet"), attrs
        href = attrs.get("href") or ""
        assert not href.startswith(("http:", "https:", "//")), href
    assert "Content-Security-Policy" in page


def test_summary_comes_first_and_claims_are_folded(page) -> None:
    ids = [a["id"] for _, a in _tags(page) if a.get("id") in ("summary", "measures", "aims", "money", "details")]
    assert ids == ["summary", "measures", "aims", "money", "details"]
    assert page.count('<details class="claims-fold">') == 3  # one per sub-outcome, closed
    assert '<details class="claims-fold" open' not in page


def test_heatmap_tracker_and_money_render(page) -> None:
    assert '<table class="grid heatmap"' in page
    assert page.count('class="cell lvl-') == 3 * 2
    assert '<span class="lvl">None</span>' in page  # level written as text, not colour only
    assert '<table class="grid tracker"' in page and '<svg class="spark"' in page and "48%" in page
    assert "not reported" in page
    assert 'class="money-chart"' in page and "£2.6m" in page
    assert "economy-wide and programme amounts" in page


def test_report_without_optional_tables(tmp_path) -> None:
    tables = synthetic_tables()
    for name in ("metrics", "coverage", "links", "money", "evidence", "measure_values"):
        tables[name] = frame(name, [])
    out = tmp_path / "out"
    write_tables(tables, out)
    for name in ("metrics", "money", "evidence", "measure_values"):
        (out / f"{name}.csv").unlink()
    page = write_report(out).read_text(encoding="utf-8")
    assert "No report sentence is evidence" in page and "No amounts in pounds" in page


def test_report_from_outputs_without_evidence_table_uses_links(tmp_path) -> None:
    tables = synthetic_tables()
    tables["evidence"] = frame("evidence", [])
    out = tmp_path / "out"
    write_tables(tables, out)
    ctx = build_context(load_tables(out), raw_dir=tmp_path)
    assert ctx.n_claims == 6  # every rank-1 link of a non-"other" claim in a report
    assert {c.role for s in ctx.sub_outcomes for c in s.claims} == {""}  # no roles without the table


def test_render_is_deterministic(out_dir, tmp_path) -> None:
    """Two processes with different string-hash seeds (so set and dict order of strings can
    differ) write the same bytes from the same tables; one process rendering twice could not
    show that."""
    pages = []
    for seed in ("1", "2"):
        path = tmp_path / f"render-{seed}.html"
        subprocess.run([sys.executable, "-m", "pipeline", "report", "--out", str(out_dir),
                        "--raw", str(out_dir.parent / "raw"), "--report", str(path)],
                       check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed})
        pages.append(path.read_text(encoding="utf-8").replace(path.name, "render.html"))
    assert pages[0] == pages[1]


def test_every_internal_link_has_a_target(page) -> None:
    tags = _tags(page)
    ids = {a["id"] for _, a in tags if a.get("id")}
    targets = {a["href"][1:] for t, a in tags if t == "a" and (a.get("href") or "").startswith("#")}
    assert {"so-4-1", "so-4-2", "so-5-1", "summary", "gaps", "details"} <= targets
    assert targets <= ids, targets - ids


# --- in the browser --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_paths() -> tuple[str, str]:
    try:
        return find_chromium()
    except BrowserMissing as exc:
        message = str(exc)
    if os.environ.get("PLANMINE_REQUIRE_BROWSER") == "1":  # CI installs Chromium: missing fails
        pytest.fail(message, pytrace=False)
    pytest.skip(f"BROWSER TESTS SKIPPED: {message}")  # shown by `make test` (pytest -rs)


def count_visible(driver, css: str) -> int:
    """How many elements matching ``css`` a reader can see: ``checkVisibility`` also knows
    the content of a closed ``<details>`` is hidden (its offsetParent is not null)."""
    return int(driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]))"
        ".filter(el => el.checkVisibility()).length;", css))


def _open(driver, report: Path, width: int, height: int) -> None:
    """Load the report in a viewport of exactly ``width`` x ``height`` CSS pixels (a phone's
    width too: a desktop window cannot be made narrower than about 500 px)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.get(report.resolve().as_uri())


_LAYOUT = """
const bar = document.querySelector('.search-bar').getBoundingClientRect();
const summary = document.querySelector('#summary h2').getBoundingClientRect();
const answers = document.querySelector('#summary .answers, #summary p').getBoundingClientRect();
return {scrollWidth: document.scrollingElement.scrollWidth, innerWidth: innerWidth,
        innerHeight: innerHeight, summaryTop: summary.top, answersTop: answers.top,
        barBottom: bar.bottom};
"""

_LANDING = """
const id = arguments[0];
const target = document.getElementById(id);
const heading = target.matches('h1,h2,h3,h4') ? target : target.querySelector('h2,h3,h4');
const r = heading.getBoundingClientRect();
const bar = document.querySelector('.search-bar').getBoundingClientRect();
return {top: r.top, bottom: r.bottom, barBottom: bar.bottom, innerHeight: innerHeight};
"""


def _print_pages(driver) -> int:
    """Pages of the page printed as Chromium prints it (A4), counted with pypdfium2."""
    import base64

    import pypdfium2 as pdfium

    pdf = driver.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69})
    doc = pdfium.PdfDocument(base64.b64decode(pdf["data"]))
    try:
        return len(doc)
    finally:
        doc.close()


def _check_in_browser(report: Path, tmp_path: Path, screen: str, word: str) -> dict[str, object]:
    """Open the report at one screen size and check what a reader meets; return the numbers."""
    width, height = SCREENS[screen]
    with chromium(tmp_path / f"profile-{screen}") as driver:
        _open(driver, report, width, height)
        layout = driver.execute_script(_LAYOUT)
        assert layout["innerWidth"] == width
        assert layout["scrollWidth"] <= layout["innerWidth"], layout  # no sideways scrolling
        assert layout["answersTop"] < 0.75 * height, layout  # the answers are in the first screen
        screenshot(driver, ARTIFACTS / f"{report.stem}-{screen}.png")
        links = driver.find_elements("css selector", "nav a[href^='#']")
        assert len(links) >= 5
        for link in links:
            target = link.get_attribute("href").split("#", 1)[1]
            driver.execute_script("window.scrollTo(0, 0);")
            link.click()
            pos = driver.execute_script(_LANDING, target)
            assert pos["top"] >= pos["barBottom"] - 1, (target, pos)  # not under the sticky bar
            assert pos["bottom"] <= pos["innerHeight"], (target, pos)
        driver.execute_script("window.scrollTo(0, 0);")
        before = count_visible(driver, "li.claim")
        box = driver.find_element("id", "search")
        box.send_keys(word)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and count_visible(driver, "li.claim") == before:
            time.sleep(0.05)
        after = count_visible(driver, "li.claim")
        counter = driver.find_element("id", "search-count").text
        assert driver.execute_script(_LAYOUT)["scrollWidth"] <= width  # opened claims fit too
        box.clear()
        driver.execute_script("document.getElementById('search').dispatchEvent(new Event('search'));")
        cleared = count_visible(driver, "li.claim")
        pages = _print_pages(driver)
        errors = console_errors(driver)
        assert errors == [], errors
        return {"before": before, "after": after, "counter": counter, "cleared": cleared,
                "pages": pages}


@pytest.mark.xdist_group("browser")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_report_in_chromium(browser_paths, report, tmp_path, screen) -> None:
    result = _check_in_browser(report, tmp_path, screen, "recycled")
    assert result["before"] == 0  # claims are folded until opened or searched
    assert result["after"] == 2  # the two "household waste recycled" sentences
    assert result["counter"] == "2 of 6 claims match"
    assert result["cleared"] == 0  # clearing the search folds them again
    assert result["pages"] <= 4


@pytest.fixture(scope="session")
def corpus_report(tmp_path_factory, corpus_extract_dir: Path) -> Path:
    """The report for the real corpus, extracted once per session from data/raw."""
    target = tmp_path_factory.mktemp("corpus-report") / "report-corpus.html"
    return write_report(corpus_extract_dir, target, raw_dir=DEFAULT_INPUT_DIR)


@pytest.mark.xdist_group("browser")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_corpus_report_in_chromium(browser_paths, corpus_report, corpus_extract_dir,
                                   tmp_path, screen) -> None:
    ctx = build_context(load_tables(corpus_extract_dir), raw_dir=DEFAULT_INPUT_DIR)
    assert ctx.plans and ctx.periods, "the corpus outputs have no plan aims or reporting periods"
    result = _check_in_browser(corpus_report, tmp_path, screen, "recycling")
    expected = sum("recycling" in c.text.lower() for s in ctx.sub_outcomes for c in s.claims)
    assert result["before"] == 0 and result["cleared"] == 0
    assert 0 < expected <= result["after"] <= ctx.n_claims
    assert result["pages"] <= 20  # the printed summary; the claims stay on screen


def test_corpus_report_rows_are_the_plans_aims(corpus_extract_dir: Path) -> None:
    tables = load_tables(corpus_extract_dir)
    assert tables["aims"]["plan_id"].nunique() == 2  # the plan and its 2024 restatement
    ctx = build_context(tables, raw_dir=DEFAULT_INPUT_DIR)
    base = tables["aims"].groupby("plan_id").size().idxmax()
    assert [p.plan_id for p in ctx.plans] == [base]
    n_aims = int(((tables["aims"]["plan_id"] == base) & (tables["aims"]["kind"] == "aim")).sum())
    assert len(ctx.aim_rows) >= n_aims  # every aim once (new aims of a refresh added)
    assert len({r.aim_id for r in ctx.aim_rows}) == len(ctx.aim_rows)
    assert ctx.not_in_force == {"2018/19", "2019/20"}  # reports from before the 2022-26 plan


def test_a_refreshed_aim_keeps_its_row(tmp_path) -> None:
    """A later report restating an aim in new words: from its period on, the aim's row shows
    the refreshed wording's coverage (marked), and the earlier wording in brackets."""
    tables = synthetic_tables()
    new_plan = "plan2"
    tables["plans"] = pd.concat([tables["plans"], frame("plans", [
        {"plan_id": new_plan, "doc_id": "cccccccccccc", "title": "Strategic Plan 2024-28 (refresh)",
         "period_start": "2024-04-01", "period_end": "2028-03-31"}])], ignore_index=True)
    refreshed = {**_aim("4", "Clean, Green Future", "4.2", "Waste is reduced", "aim", 1,
                        "Recycle more household waste by 2030"), "aim_id": f"{new_plan}:4.2:a1",
                 "plan_id": new_plan}
    tables["aims"] = pd.concat([tables["aims"], frame("aims", [refreshed])], ignore_index=True)
    tables.update(evidence_tables(tables))
    out = tmp_path / "out"
    write_tables(tables, out)
    ctx = build_context(load_tables(out), raw_dir=tmp_path)
    row = next(r for r in ctx.aim_rows if r.aim_id == f"{PLAN}:4.2:a1")
    assert len(ctx.aim_rows) == 3  # not a fourth row for the refreshed wording
    assert row.text == "Recycle more household waste by 2030"
    assert row.earlier_text == "Recycle more household waste"
    assert row.cell(P2).reworded and not row.cell(P1).reworded
    assert row.cell(P2).level == load_tables(out)["coverage"].set_index(["aim_id", "period_label"]).loc[
        (f"{new_plan}:4.2:a1", P2), "evidence"]
