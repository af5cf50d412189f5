"""The HTML evidence report: decisions (build), markup (render), and the page in Chromium.

Synthetic tables use the exact schema columns and go through ``write_tables`` and
``load_table``, so the report is tested on what ``planmine extract`` really writes. The
browser tests skip with the install command when Chromium is missing (`make test` installs it
when run as root); in CI (PLANMINE_REQUIRE_BROWSER=1) a missing browser fails.
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
    count_visible,
    find_chromium,
    screenshot,
)

from pipeline.compare import build_coverage
from pipeline.config import DEFAULT_INPUT_DIR, PROJECT_DIR
from pipeline.report import build_context, load_tables, write_report
from pipeline.report.build import best_level, find_marks, format_gbp, format_number, source_href
from pipeline.report.render import axis_top
from pipeline.schema import TABLES
from pipeline.writers import write_tables

ARTIFACTS = PROJECT_DIR / "tests" / "artifacts"
PLAN = "plan1"
P1, P2 = "2023/24", "2024/25"
NASTY = 'Residents said "it\'s <b>great</b>" & we agree </script><script>alert(1)</script>'


def frame(name: str, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=TABLES[name].column_names)


def _aim(outcome_id: str, outcome: str, sub: str, title: str, kind: str, n: int, text: str) -> dict:
    return {"aim_id": f"{PLAN}:{sub}:{kind[0] if kind != 'action' else 'c'}{n}", "plan_id": PLAN,
            "outcome_id": outcome_id, "outcome": outcome, "sub_outcome_id": sub,
            "sub_outcome": title, "kind": kind, "text": text}


def synthetic_tables() -> dict[str, pd.DataFrame]:
    """Two annual reports and a plan; three sub-outcomes in two outcomes; mentions of each kind."""
    docs = frame("documents", [
        {"doc_id": "aaaaaaaaaaaa", "file": "plan.pdf", "format": "pdf", "title": "Strategic Plan 2022-26",
         "doc_type": "strategic_plan", "pages": 40, "status": "ok"},
        {"doc_id": "bbbbbbbbbbbb", "file": "report 2024.pdf", "format": "pdf",
         "title": "Annual Delivery Report 2024", "doc_type": "annual_report", "period_label": P1,
         "pages": 30, "status": "ok"},
        {"doc_id": "cccccccccccc", "file": "report-2025.pdf", "format": "pdf",
         "title": "Annual Delivery Report 2025", "doc_type": "annual_report", "period_label": P2,
         "pages": 32, "status": "ok"},
    ])
    green, comm = "Clean, Green Future", "Great Communities"
    aims = frame("aims", [
        _aim("4", green, "4.1", "Carbon & climate: net zero by 2030", "aim", 1, "Cut the council's emissions"),
        _aim("4", green, "4.1", "Carbon & climate: net zero by 2030", "action", 1, "Install LED street lights"),
        _aim("4", green, "4.1", "Carbon & climate: net zero by 2030", "measure", 1, "Tonnes of CO2"),
        _aim("4", green, "4.2", "Waste is reduced", "aim", 1, "Recycle more household waste"),
        _aim("5", comm, "5.1", "People volunteer", "aim", 1, "Sustain a high rate of volunteering"),
    ])
    plans = frame("plans", [{"plan_id": PLAN, "doc_id": "aaaaaaaaaaaa", "title": "Strategic Plan 2022-26"}])
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
        {"claim_id": f"{c}:c00002", "doc_id": c, "page": 8, "claim_type": "challenge", "text": NASTY},
        {"claim_id": f"{c}:c00003", "doc_id": c, "page": 9, "claim_type": "other",
         "text": "This sentence about volunteering is of type other and is not evidence."},
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
        link("aaaaaaaaaaaa:c00001", f"{PLAN}:4.2:a1", 1, 0.99),
    ])
    coverage = build_coverage(aims, links, claims, docs, money, figures)
    metrics = frame("metrics", [
        {"series_id": "s001", "measure": "household waste recycled", "unit": "percent",
         "period_label": P1, "value": 45.0, "claim_id": f"{b}:c00003"},
        {"series_id": "s001", "measure": "household waste recycled", "unit": "percent",
         "period_label": P2, "value": 48.0, "claim_id": f"{c}:c00001"},
    ])
    return {"documents": docs, "sections": frame("sections", []), "claims": claims, "money": money,
            "figures": figures, "dates": dates, "plans": plans, "aims": aims, "links": links,
            "coverage": coverage, "metrics": metrics}


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
    (1300, "miles", "1,300 miles"), (1_250_000, "count", "1.2m"),
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


def test_source_href_is_relative_quoted_and_paged(tmp_path) -> None:
    href = source_href(tmp_path / "data" / "raw", "report 2024.pdf", tmp_path / "out" / "report", 12)
    assert href == "../../data/raw/report%202024.pdf#page=12"
    assert source_href(tmp_path / "raw", "notes.txt", tmp_path / "raw", 3) == "notes.txt"


# --- decisions -------------------------------------------------------------------------------

def test_only_counted_claims_are_shown(ctx) -> None:
    shown = {c.claim_id for s in ctx.sub_outcomes for c in s.claims}
    assert "cccccccccccc:c00003" not in shown  # type other
    assert "aaaaaaaaaaaa:c00001" not in shown  # the plan's own sentence
    assert len(shown) == ctx.n_claims == 5


def test_heatmap_cell_is_best_level_of_the_sub_outcome(ctx, out_dir) -> None:
    coverage = load_tables(out_dir)["coverage"]
    sub = {s.sub_outcome_id: s for s in ctx.sub_outcomes}
    for sid, view in sub.items():
        for cell in view.cells:
            rows = coverage[(coverage["sub_outcome_id"] == sid) & (coverage["period_label"] == cell.period_label)]
            assert cell.level == best_level(list(rows["evidence"]))
    # 4.2 in 2023/24: two claims, one with money; 4.1: one achievement with money
    assert [c.n_claims for c in sub["4.2"].cells] == [2, 1]
    assert sub["4.1"].cells[0].level != "none" and sub["4.1"].cells[1].level == "none"


def test_money_per_outcome_counts_gbp_of_rank1_links_once(ctx) -> None:
    outcomes = {o.outcome_id: o for p in ctx.plans for o in p.outcomes}
    assert outcomes["4"].money_gbp == {P1: 1.7e6 + 887e3, P2: 0.0}  # the $2m is not added
    assert outcomes["5"].money_gbp == {P1: 0.0, P2: 0.0}  # c00001's rank-2 link is not counted


def test_gaps_are_the_latest_periods_none_or_weak_aims(ctx) -> None:
    assert ctx.latest_period == P2
    # 4.2 has one claim in P2: weak under models/evidence_rules.yaml (moderate needs 5+ claims)
    assert {g.aim_id for g in ctx.gaps} == {f"{PLAN}:4.1:a1", f"{PLAN}:4.2:a1", f"{PLAN}:5.1:a1"}


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


def test_page_links_point_at_the_source_pdf_page(page) -> None:
    hrefs = [a.get("href") for t, a in _tags(page) if t == "a"]
    assert "../../raw/report%202024.pdf#page=3" in hrefs
    assert "../../raw/report-2025.pdf#page=8" in hrefs


def test_page_is_self_contained(page) -> None:
    for tag, attrs in _tags(page):
        assert not (tag in ("script", "img", "iframe") and attrs.get("src")), (tag, attrs)
        assert not (tag == "link" and attrs.get("rel") == "stylesheet"), attrs
        href = attrs.get("href") or ""
        assert not href.startswith(("http:", "https:", "//")), href
    assert "Content-Security-Policy" in page


def test_heatmap_money_chart_and_metrics_render(page) -> None:
    assert '<table class="heatmap">' in page
    assert page.count('class="cell lvl-') == 3 * 2
    assert "<span class=\"lvl\">None</span>" in page  # level written as text, not colour only
    assert '<svg class="chart money-chart"' in page and "£2.6m" in page
    assert '<svg class="chart metric-chart"' in page and "48%" in page
    assert "Clean, Green Future" in page and "4.1" in page


def test_report_without_optional_tables(tmp_path) -> None:
    tables = synthetic_tables()
    for name in ("metrics", "coverage", "links", "money"):
        tables[name] = frame(name, [])
    out = tmp_path / "out"
    write_tables(tables, out)
    for name in ("metrics", "money"):
        (out / f"{name}.csv").unlink()
    page = write_report(out).read_text(encoding="utf-8")
    assert "No report sentence is linked" in page and "No amounts in pounds" in page


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


def _check_in_browser(report: Path, tmp_path: Path, shot: Path, word: str,
                      expected_heading: str) -> dict[str, int]:
    """Open the report, check it, search for ``word``; return claim counts before/after."""
    with chromium(tmp_path / "profile") as driver:
        driver.get(report.resolve().as_uri())
        assert driver.find_element("css selector", "table.heatmap").is_displayed()
        heat = " ".join(driver.find_element("css selector", "table.heatmap").text.split())
        assert " ".join(expected_heading.split()) in heat
        section = driver.find_element("css selector", "section.sub-outcome")
        assert section.find_element("css selector", "h3").text.strip()
        before = count_visible(driver, "li.claim")
        screenshot(driver, shot)
        box = driver.find_element("id", "search")
        box.send_keys(word)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and count_visible(driver, "li.claim") == before:
            time.sleep(0.05)
        after = count_visible(driver, "li.claim")
        counter = driver.find_element("id", "search-count").text
        errors = console_errors(driver)
        assert errors == [], errors
        return {"before": before, "after": after, "counter": counter}


@pytest.mark.xdist_group("browser")
def test_report_in_chromium(browser_paths, report, tmp_path) -> None:
    result = _check_in_browser(report, tmp_path, ARTIFACTS / "report.png", "recycled",
                               "Carbon & climate: net zero by 2030")
    assert result["before"] == 5
    assert result["after"] == 2  # the two "household waste recycled" sentences
    assert result["counter"] == "2 of 5 claims match"


@pytest.fixture(scope="session")
def corpus_report(tmp_path_factory, corpus_extract_dir: Path) -> Path:
    """The report for the real corpus, extracted once per session from data/raw."""
    target = tmp_path_factory.mktemp("corpus-report") / "index.html"
    return write_report(corpus_extract_dir, target, raw_dir=DEFAULT_INPUT_DIR)


@pytest.mark.xdist_group("browser")
def test_corpus_report_in_chromium(browser_paths, corpus_report, corpus_extract_dir,
                                   tmp_path) -> None:
    ctx = build_context(load_tables(corpus_extract_dir), corpus_report.parent, DEFAULT_INPUT_DIR)
    assert ctx.plans and ctx.periods, "the corpus outputs have no plan aims or reporting periods"
    first = ctx.sub_outcomes[0]
    result = _check_in_browser(corpus_report, tmp_path, ARTIFACTS / "report-corpus.png",
                               "recycling", first.sub_outcome)
    assert result["before"] == ctx.n_claims > 0
    expected = sum("recycling" in c.text.lower() for s in ctx.sub_outcomes for c in s.claims)
    assert 0 < result["after"] <= result["before"]
    assert result["after"] >= expected


@pytest.mark.parametrize("values,expected", [
    ([5.0, 4.0, 1.0], 5.0),  # no outlier: the axis ends at the largest
    ([3.5e9, 3.5e9, 2.3e7, 5e6], 2.3e7 * 1.15),  # two huge amounts are cut
    ([100.0, 1.0, 1.0, 1.0, 1.0], 1.15),
    ([7.0], 7.0),
])
def test_axis_top_cuts_only_a_few_outliers(values, expected) -> None:
    assert axis_top(values) == pytest.approx(expected)


def test_every_internal_link_has_a_target(page) -> None:
    tags = _tags(page)
    ids = {a["id"] for _, a in tags if a.get("id")}
    targets = {a["href"][1:] for t, a in tags if t == "a" and (a.get("href") or "").startswith("#")}
    assert {"so-4-1", "so-4-2", "so-5-1", "overview", "gaps"} <= targets
    assert targets <= ids, targets - ids


def test_corpus_report_shows_only_the_plan_with_coverage(corpus_extract_dir: Path) -> None:
    tables = load_tables(corpus_extract_dir)
    assert tables["aims"]["plan_id"].nunique() == 2  # the plan and its 2024 restatement
    ctx = build_context(tables, corpus_extract_dir / "report", DEFAULT_INPUT_DIR)
    assert [p.plan_id for p in ctx.plans] == sorted(set(tables["coverage"]["plan_id"]))
