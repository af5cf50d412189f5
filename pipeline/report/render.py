"""Report context → one self-contained HTML file (CSS, JS and SVG charts inline, no network).

The page answers first: a summary (what lacks evidence in the latest period, which success
measures have a value, what changed since the period before, how to read it), then the
measure tracker, the aim heatmap and the council's money; the claims behind every level are
folded per sub-outcome, so the page is a few screens long when folded and prints as a short
summary (the folded claims and the search are screen-only).

The markup is a Jinja2 template (``templates/report.html.j2``) with autoescaping on: every
value from the tables is escaped (claims hold quotes, ampersands and the odd ``<``); only
Markup built here (claim text with its ``<mark>``s, the inlined CSS and JS) is not. This module
computes what the template cannot say simply: chart coordinates, the summary's figures, the
log scale of the money bars. A Content-Security-Policy in the template forbids any network
fetch, so a stray URL could never make the page depend on a connection.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape

from pipeline import __version__
from pipeline.config import DEFAULT_INPUT_DIR
from pipeline.evidence.coverage import EVIDENCE_LEVELS
from pipeline.report.build import (
    KIND_HEADINGS,
    ClaimView,
    MeasureView,
    MetricView,
    OutcomeView,
    ReportContext,
    build_context,
    format_gbp,
    format_number,
    level_rank,
    load_tables,
)
from pipeline.tables.writers import write_text_atomic

ASSET_DIR = Path(__file__).resolve().parent
TEMPLATE = "report.html.j2"
REPORT_DIRNAME = "report"
REPORT_FILENAME = "index.html"

#: What each evidence level is called on the page (the rules themselves are in the YAML).
LEVEL_TEXT: dict[str, str] = {
    "none": "None", "weak": "Weak", "moderate": "Moderate", "strong": "Strong", "": "Not in plan",
}
NOT_IN_FORCE = "plan not yet in force"
KIND_SINGULAR: dict[str, str] = {"aim": "aim", "action": "action", "measure": "success measure"}
SEP = Markup('<span class="sep" aria-hidden="true"> · </span>')


def e(value: object) -> str:
    """Escape text for HTML element content and attribute values."""
    return html.escape(str(value), quote=True)


def _asset(name: str) -> str:
    return (ASSET_DIR / name).read_text(encoding="utf-8")


def plural(n: int, word: str, plural_form: str | None = None) -> str:
    """``1 claim``, ``2,345 claims``."""
    return f"{n:,} {word if n == 1 else (plural_form or word + 's')}"


def marked_text(claim: ClaimView) -> Markup:
    """The claim's text, escaped, with its money, figures and dates wrapped in ``<mark>``."""
    out, pos = [], 0
    for m in claim.marks:
        out.append(escape(claim.text[pos:m.start]))
        out.append(Markup('<mark class="{}" title="{}">{}</mark>').format(
            m.kind, m.label, claim.text[m.start:m.end]))
        pos = m.end
    out.append(escape(claim.text[pos:]))
    return Markup("").join(out)


def by_sub_outcome(items: Iterable[Any]) -> list[list[Any]]:
    """Items with ``anchor``/``sub_outcome_id`` grouped by sub-outcome, in first-seen order."""
    groups: dict[str, list[Any]] = {}
    for item in items:
        groups.setdefault(item.anchor or item.sub_outcome_id, []).append(item)
    return list(groups.values())


# --- what the template shows, computed ------------------------------------------------------

def summary_view(ctx: ReportContext) -> dict[str, Any]:
    """The four key figures (big text, small text, link) and the changes split up/down."""
    latest, prev = ctx.latest_period, ctx.previous_period
    up = [c for c in ctx.changes if level_rank(c.after) > level_rank(c.before)]
    down = [c for c in ctx.changes if level_rank(c.after) < level_rank(c.before)]
    if latest is None:
        return {"figures": [], "up": up, "down": down}
    n_aims = ctx.in_force.get("aim", 0)
    weak_aims = sum(g.evidence == "weak" for g in ctx.gaps)
    reported = {label: (n, total) for label, n, total in ctx.measures_reported}
    m_n, m_total = reported.get(latest, (0, len(ctx.measures)))
    ever = sum(m.reported for m in ctx.measures)
    figures = [
        (f"{len(ctx.missing.get('aim', []))} of {n_aims}", f"aims have no evidence in {latest}"
         + (f"; {weak_aims} more have only weak evidence" if weak_aims else ""), "#gaps"),
        (f"{m_n} of {m_total}", f"success measures have a reported value in {latest} "
         f"({ever} in any period)", "#measures"),
        (f"{len(down)} down, {len(up)} up",
         f"aims whose evidence level changed since {prev}" if prev else
         "no earlier period to compare with", "#changes"),
        (f"{len(ctx.missing.get('action', []))} of {ctx.in_force.get('action', 0)}",
         f"actions have no evidence in {latest}", "#missing"),
    ]
    return {"figures": figures, "up": up, "down": down}


def level_rule_text(ctx: ReportContext) -> str:
    """The level rule of ``models/evidence_rules.yaml`` in words, shown where levels are."""
    lv = ctx.rules.levels
    rules = "; ".join(f"{r.level}: {r.min_points}+ points"
                      + (f" including {r.min_results}+ results or values" if r.min_results else "")
                      for r in lv.rules)
    return (f"An aim's level counts only the claims planmine names that aim for: {lv.result_points} "
            f"points per result, {lv.value_points} per measure value, {lv.activity_points} per "
            f"activity. {rules}; otherwise none.")


def spark(m: MeasureView, periods: list[str], width: int = 96, height: int = 30) -> dict[str, Any] | None:
    """A small line of a measure's first value per period (oldest left), or None under 2 points."""
    pts = [(p, m.values[p][0].value) for p in periods if m.values.get(p)]
    if len(pts) < 2:
        return None
    values = [v for _, v in pts]
    lo, hi = min(min(values), 0.0), max(values)
    span = (hi - lo) or 1.0
    step = (width - 8) / max(len(periods) - 1, 1)
    xs = {p: 4 + i * step for i, p in enumerate(periods)}
    coords = [(round(xs[p], 1), round(4 + (height - 8) * (1 - (v - lo) / span), 1)) for p, v in pts]
    unit = m.values[pts[0][0]][0].unit
    return {"width": width, "height": height, "axis_y": height - 4,
            "line": " ".join(f"{x},{y}" for x, y in coords), "dots": coords,
            "label": ", ".join(f"{p}: {format_number(v, unit)}" for p, v in pts)}


def money_view(outcomes: list[OutcomeView], ctx: ReportContext) -> dict[str, Any] | None:
    """The council's money per outcome and period on a logarithmic scale (every non-zero bar
    visible): axis ticks at powers of ten, bar widths in percent; None when there is none."""
    values = [v for o in outcomes for v in o.money_gbp.values() if v > 0]
    if not values:
        return None
    lo_exp = math.floor(math.log10(min(values)))
    hi_exp = max(math.ceil(math.log10(max(values))), lo_exp + 1)

    def pct(v: float) -> float:
        return 100.0 * (math.log10(v) - lo_exp) / (hi_exp - lo_exp)

    blocks = [{"outcome_id": o.outcome_id, "outcome": o.outcome,
               "bars": [(p, max(pct(v), 1.5) if v > 0 else 0.0, v)
                        for p in ctx.periods_latest_first for v in [o.money_gbp.get(p, 0.0)]]}
              for o in outcomes]
    return {"decades": hi_exp - lo_exp, "outcomes": blocks,
            "ticks": [(pct(10.0 ** k), format_gbp(10.0 ** k)) for k in range(lo_exp, hi_exp + 1)]}


def metric_chart(metric: MetricView, width: int = 260, height: int = 120) -> dict[str, Any]:
    """A small line chart of one recurring figure, each point labelled with its value."""
    left, right, top, bottom = 10, 10, 18, 22
    values = [v for _, v in metric.points]
    lo, hi = min(min(values), 0.0), max(values)
    span = (hi - lo) or 1.0
    n = len(metric.points)
    step = (width - left - right) / max(n - 1, 1)
    points = []
    for i, (period, value) in enumerate(metric.points):
        x = round(left + i * step, 1)
        y = round(top + (height - top - bottom) * (1 - (value - lo) / span), 1)
        points.append({"period": period, "shown": format_number(value, metric.unit), "x": x, "y": y,
                       "label_y": round(y - 7, 1),
                       "anchor": "start" if i == 0 else "end" if i == n - 1 else "middle"})
    return {"width": width, "height": height, "left": left, "right": width - right,
            "axis_y": height - bottom, "period_y": height - 6, "points": points,
            "line": " ".join(f"{p['x']},{p['y']}" for p in points),
            "label": f"{metric.measure}: " + ", ".join(f"{p} {format_number(v, metric.unit)}"
                                                        for p, v in metric.points)}


def environment(not_in_force: Iterable[str] = ()) -> Environment:
    """The Jinja2 environment: autoescape on for every template, the report's filters
    (``period_label`` marks the periods in ``not_in_force``)."""
    pre = set(not_in_force)
    env = Environment(loader=FileSystemLoader(ASSET_DIR / "templates"), autoescape=True,
                      keep_trailing_newline=True)
    env.filters.update({
        "gbp": format_gbp, "number": format_number, "plural": plural, "marked": marked_text,
        "level_text": lambda lvl: LEVEL_TEXT.get(lvl, lvl), "by_sub_outcome": by_sub_outcome,
        "spark": spark, "metric_chart": metric_chart,
        "period_label": lambda p: f"{p} ({NOT_IN_FORCE})" if p in pre else p,
    })
    env.globals.update({"NOT_IN_FORCE": NOT_IN_FORCE, "KIND_SINGULAR": KIND_SINGULAR,
                        "KIND_HEADINGS": KIND_HEADINGS, "EVIDENCE_LEVELS": EVIDENCE_LEVELS, "SEP": SEP})
    return env


# --- page ------------------------------------------------------------------------------------

def render_html(ctx: ReportContext) -> str:
    """The whole page as one string: the template filled, CSS and JS inlined."""
    plan = ctx.plans[0] if ctx.plans else None
    n_reports = sum(d.doc_type == "annual_report" for d in ctx.documents)
    span = f"{ctx.periods[0]} to {ctx.periods[-1]}" if len(ctx.periods) > 1 else (
        ctx.periods[0] if ctx.periods else "no period")
    lede = f"{plural(n_reports, 'annual report')}, {span}"
    if plan and plan.period_start:
        lede += f"; the plan is in force from {plan.period_start[:10]}"
    return environment(ctx.not_in_force).get_template(TEMPLATE).render(
        ctx=ctx, lede=lede + ".", version=__version__, periods=ctx.periods_latest_first,
        summary=summary_view(ctx), level_rule=level_rule_text(ctx),
        money=money_view(plan.outcomes, ctx) if plan else None,
        max_results=max((c.n_results for r in ctx.aim_rows for c in r.cells), default=0),
        css=Markup(_asset("report.css")), js=Markup(_asset("report.js")),
    )


def write_report(out_dir: Path, report_path: Path | None = None, raw_dir: Path | None = None,
                 pdf_base: str | None = None) -> Path:
    """Read the tables in ``out_dir`` and write the HTML report; return its path.

    ``report_path`` defaults to ``out_dir/report/index.html``; ``raw_dir`` (default
    ``data/raw``) is where the source files are; ``pdf_base`` (a URL or a folder) replaces it
    in the source links, for a report sent to people who open the PDFs elsewhere.
    """
    out_dir = Path(out_dir)
    report_path = Path(report_path) if report_path else out_dir / REPORT_DIRNAME / REPORT_FILENAME
    raw_dir = Path(raw_dir) if raw_dir else DEFAULT_INPUT_DIR
    ctx = build_context(load_tables(out_dir), report_path.parent, raw_dir, pdf_base)
    write_text_atomic(report_path, render_html(ctx))
    return report_path
