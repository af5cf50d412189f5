"""Report context → one self-contained HTML file (CSS, JS and SVG charts inline, no network).

The page answers first: a summary (what lacks evidence in the latest period, which success
measures have a value, what changed since the period before, how to read it), then the
measure tracker, the aim heatmap and the council's money; the claims behind every level are
folded per sub-outcome, so the page is a few screens long when folded and prints as a short
summary (the folded claims and the search are screen-only).

Every piece of text from the tables goes through :func:`e` (``html.escape``): claims hold
quotes, ampersands and the odd ``<``. Charts are SVG or plain HTML bars written here, so the
page needs no chart library. A Content-Security-Policy in the template forbids any network
fetch, so a stray URL could never make the page depend on a connection.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from string import Template

from pipeline import __version__
from pipeline.config import DEFAULT_INPUT_DIR
from pipeline.coverage import EVIDENCE_LEVELS
from pipeline.report.build import (
    KIND_HEADINGS,
    AimRow,
    ClaimView,
    ElementGap,
    MeasureView,
    MetricView,
    OutcomeView,
    ReportContext,
    SubOutcomeView,
    build_context,
    format_gbp,
    format_number,
    load_tables,
)
from pipeline.writers import write_text_atomic

ASSET_DIR = Path(__file__).resolve().parent
REPORT_DIRNAME = "report"
REPORT_FILENAME = "index.html"

#: What each evidence level is called on the page (the rules themselves are in the YAML).
LEVEL_TEXT: dict[str, str] = {
    "none": "None", "weak": "Weak", "moderate": "Moderate", "strong": "Strong", "": "Not in plan",
}
NOT_IN_FORCE = "plan not yet in force"
KIND_SINGULAR: dict[str, str] = {"aim": "aim", "action": "action", "measure": "success measure"}
ROLE_TEXT: dict[str, str] = {"result": "result", "activity": "activity", "": ""}


def e(value: object) -> str:
    """Escape text for HTML element content and attribute values."""
    return html.escape(str(value), quote=True)


def _asset(name: str) -> str:
    return (ASSET_DIR / name).read_text(encoding="utf-8")


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _period_label(period: str, ctx: ReportContext) -> str:
    return f"{period} ({NOT_IN_FORCE})" if period in ctx.not_in_force else period


def _num(sub_outcome_id: str) -> str:
    return f'<span class="num">{e(sub_outcome_id)}</span>'


# --- summary ---------------------------------------------------------------------------------

def _gap_list(gaps: list[ElementGap], with_level: bool = True) -> str:
    """Elements grouped by sub-outcome, each sub-outcome linking to its claims."""
    by_sub: dict[str, list[ElementGap]] = {}
    for g in gaps:
        by_sub.setdefault(g.anchor or g.sub_outcome_id, []).append(g)
    items = []
    for group in by_sub.values():
        g0 = group[0]
        els = "".join(
            "<li>" + (f'<span class="badge lvl-{e(g.evidence)}">{e(LEVEL_TEXT.get(g.evidence, g.evidence))}'
                      "</span> " if with_level else "") + f"{e(g.text)}</li>" for g in group)
        items.append(f'<li><a href="#{e(g0.anchor)}">{_num(g0.sub_outcome_id)}{e(g0.sub_outcome)}</a>'
                     f"<ul>{els}</ul></li>")
    return f'<ul class="gaps">{"".join(items)}</ul>'


def summary_html(ctx: ReportContext) -> str:
    """The answers, in the first screen: four key figures, then the lists behind them."""
    latest, prev = ctx.latest_period, ctx.previous_period
    if latest is None:
        return '<p class="empty">No reporting period found: no annual report among the inputs.</p>'
    n_aims = ctx.in_force.get("aim", 0)
    none_aims = len(ctx.missing.get("aim", []))
    weak_aims = sum(g.evidence == "weak" for g in ctx.gaps)
    rep = {label: (n, total) for label, n, total in ctx.measures_reported}
    m_n, m_total = rep.get(latest, (0, sum(1 for _ in ctx.measures)))
    ever = sum(m.reported for m in ctx.measures)
    up = [c for c in ctx.changes if EVIDENCE_LEVELS.index(c.after) > EVIDENCE_LEVELS.index(c.before)]
    down = [c for c in ctx.changes if c not in up]
    n_act, none_act = ctx.in_force.get("action", 0), len(ctx.missing.get("action", []))
    figures = [
        (f"{none_aims} of {n_aims}", f"aims have no evidence in {latest}"
         + (f"; {weak_aims} more have only weak evidence" if weak_aims else ""), "#gaps"),
        (f"{m_n} of {m_total}", f"success measures have a reported value in {latest} "
         f"({ever} in any period)", "#measures"),
        (f"{len(down)} down, {len(up)} up", f"aims whose evidence level changed since {prev}"
         if prev else "no earlier period to compare with", "#changes"),
        (f"{none_act} of {n_act}", f"actions have no evidence in {latest}", "#missing"),
    ]
    cards = "".join(f'<li><a href="{href}"><strong>{e(big)}</strong> <span>{e(small)}</span></a></li>'
                    for big, small, href in figures)
    parts = [f'<ul class="answers" aria-label="Key figures for {e(latest)}">{cards}</ul>']
    if latest in ctx.not_in_force:
        parts.append(f'<p class="warn">The latest period, {e(latest)}, ends before the plan starts: '
                     f"the {NOT_IN_FORCE}.</p>")
    parts.append(f'<h3 id="gaps">Aims with no or weak evidence in {e(latest)}</h3>')
    parts.append(_gap_list(ctx.gaps) if ctx.gaps else
                 f"<p>Every aim of the plan has moderate or strong evidence in {e(latest)}.</p>")
    parts.append(f'<h3 id="changes">What changed since {e(prev or "the previous period")}</h3>')
    if not prev:
        parts.append('<p class="empty">Only one reporting period: nothing to compare.</p>')
    elif not ctx.changes:
        parts.append(f"<p>No aim's evidence level changed between {e(prev)} and {e(latest)}.</p>")
    else:
        def lst(changes: list) -> str:
            return "<ul class=\"changes\">" + "".join(
                f'<li><a href="#{e(c.anchor)}">{_num(c.sub_outcome_id)}</a>{e(c.text)}: '
                f'<span class="badge lvl-{e(c.before)}">{e(LEVEL_TEXT[c.before])}</span> → '
                f'<span class="badge lvl-{e(c.after)}">{e(LEVEL_TEXT[c.after])}</span></li>'
                for c in changes) + "</ul>"
        if down:
            parts.append(f"<h4>Less evidence in {e(latest)} ({len(down)})</h4>{lst(down)}")
        if up:
            parts.append(f"<h4>More evidence in {e(latest)} ({len(up)})</h4>{lst(up)}")
    parts.append(f'<h3 id="missing">Actions and success measures with no evidence in {e(latest)}</h3>')
    for kind in ("action", "measure"):
        missing = ctx.missing.get(kind, [])
        total = ctx.in_force.get(kind, 0)
        label = KIND_SINGULAR[kind] + "s"
        if not total:
            continue
        parts.append(f"<details><summary>{len(missing)} of {total} {e(label)} with no evidence "
                     f"(show)</summary>{_gap_list(missing, with_level=False)}</details>" if missing else
                     f"<p>Every {e(KIND_SINGULAR[kind])} has some evidence in {e(latest)}.</p>")
    parts.append(how_to_read_html(ctx))
    return "".join(parts)


def how_to_read_html(ctx: ReportContext) -> str:
    lv = ctx.rules.levels
    rules = "; ".join(
        f"<strong>{e(r.level)}</strong> {r.min_points}+ points"
        + (f" with {r.min_results}+ results or values" if r.min_results else "") for r in lv.rules)
    before = ""
    if ctx.not_in_force:
        before = (f"<li>Periods marked <em>{NOT_IN_FORCE}</em> ({e(', '.join(sorted(ctx.not_in_force)))}) "
                  "end before the plan started: their reports were not written against it, so "
                  "read them as background, not as delivery of the plan.</li>")
    return (
        '<h3 id="how-to-read">How to read this</h3><ul class="how">'
        "<li>Each sentence of the annual reports is a <em>claim</em>. A claim is "
        "<em>evidence</em> for a plan element when planmine links it there; it is a "
        "<em>result</em> when it reports a measured or finished outcome, otherwise "
        "<em>activity</em>. Sentences that repeat last year's report or restate the plan are "
        "not evidence.</li>"
        f"<li>An element's level in a period counts points: {lv.result_points} per result, "
        f"{lv.value_points} per reported value of a success measure, {lv.activity_points} per "
        f"activity. {rules}; otherwise none.</li>"
        f"{before}"
        "<li>Links are made by a model and can be wrong: open a claim's page link to check the "
        "source before quoting it. The claims behind every level are in "
        '<a href="#details">Claims by sub-outcome</a> (folded; the search box opens them).</li>'
        "</ul>")


# --- success measures -----------------------------------------------------------------------

def sparkline_svg(m: MeasureView, periods: list[str], width: int = 96, height: int = 30) -> str:
    """A small line of a measure's first value per period (oldest left), or '' under 2 points."""
    pts = [(p, m.values[p][0].value) for p in periods if m.values.get(p)]
    if len(pts) < 2:
        return ""
    values = [v for _, v in pts]
    lo, hi = min(min(values), 0.0), max(values)
    span = (hi - lo) or 1.0
    step = (width - 8) / (len(periods) - 1 if len(periods) > 1 else 1)
    xs = {p: 4 + i * step for i, p in enumerate(periods)}
    coords = [(xs[p], 4 + (height - 8) * (1 - (v - lo) / span)) for p, v in pts]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5"/>' for x, y in coords)
    unit = m.values[pts[0][0]][0].unit
    label = ", ".join(f"{p}: {format_number(v, unit)}" for p, v in pts)
    return (f'<svg class="spark" role="img" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" aria-label="{e(label)}"><title>{e(label)}</title>'
            f'<line x1="0" y1="{height - 4}" x2="{width}" y2="{height - 4}" class="axis"/>'
            f'<polyline points="{line}" class="line"/>{dots}</svg>')


def measures_html(ctx: ReportContext) -> str:
    """The tracker: every measure with a value, its values per period (latest first) and a
    small chart; the measures never reported listed (folded) after."""
    if not ctx.measures:
        return '<p class="empty">The plan lists no success measures.</p>'
    counts = "; ".join(f"{e(label)}: {n} of {total}" for label, n, total in reversed(ctx.measures_reported))
    intro = (f"<p>Values the reports give for the plan's own success measures. Measures with a "
             f"value, per period: {counts or 'none'}. A value is taken only when its unit and "
             "words match the measure, so a measure can be reported in words the tracker does not "
             "recognise: check before calling it missing.</p>")
    reported = [m for m in ctx.measures if m.reported]
    cols = ctx.periods_latest_first
    head = "".join(f'<th scope="col">{e(p)}' + (f'<span class="pre">{NOT_IN_FORCE}</span>'
                                                if p in ctx.not_in_force else "") + "</th>" for p in cols)
    rows = []
    for m in reported:
        cells = []
        for p in cols:
            vals = m.values.get(p, [])
            where = f'<span class="p">{e(_period_label(p, ctx))}</span>'
            if vals:
                shown = "; ".join(f'<a href="{e(v.href)}" title="{e(v.source)}">'
                                  f"{e(format_number(v.value, v.unit))}</a>" for v in vals)
                cells.append(f'<td class="val">{where}{shown}</td>')
            else:
                cells.append(f'<td class="val nr{" pre-cell" if p in ctx.not_in_force else ""}">'
                             f'{where}<span class="nrt">not reported</span></td>')
        chart = sparkline_svg(m, ctx.periods)
        rows.append(f'<tr><th scope="row"><a href="#{e(m.anchor)}">{_num(m.sub_outcome_id)}</a>'
                    f'{e(m.text)}</th>{"".join(cells)}<td class="trend">{chart}</td></tr>')
    table = (f'<table class="grid tracker" style="--n:{len(cols) + 1}"><thead><tr><th scope="col">Success measure</th>'
             f'{head}<th scope="col">Trend <span class="pre">oldest to latest</span></th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
             if reported else '<p class="empty">No value was found for any success measure.</p>')
    silent = [m for m in ctx.measures if not m.reported]
    rest = ""
    if silent:
        by_sub: dict[str, list[MeasureView]] = {}
        for m in silent:
            by_sub.setdefault(m.sub_outcome_id, []).append(m)
        items = "".join(f'<li><a href="#{e(ms[0].anchor)}">{_num(sid)}</a><ul>'
                        + "".join(f"<li>{e(m.text)}</li>" for m in ms) + "</ul></li>"
                        for sid, ms in by_sub.items())
        rest = (f"<details><summary>{len(silent)} success measures not reported in any period "
                f'(show)</summary><ul class="gaps">{items}</ul></details>')
    return intro + table + rest


# --- heatmap ---------------------------------------------------------------------------------

def legend_html() -> str:
    items = "".join(f'<li><span class="swatch lvl-{lvl}"></span>{LEVEL_TEXT[lvl]}</li>'
                    for lvl in EVIDENCE_LEVELS)
    return (f'<ul class="legend" aria-label="Evidence levels"><li><strong>Evidence:</strong></li>{items}'
            '<li><span class="swatch rbar-key"></span>bar: results, against the most in any cell</li></ul>')


def heatmap_html(ctx: ReportContext) -> str:
    """Aims × periods, latest period first; on a phone each aim becomes a block whose cells
    sit side by side, each naming its period (CSS), so nothing is wider than the screen."""
    if not ctx.periods:
        return '<p class="empty">No reporting periods found: no annual report among the inputs.</p>'
    if not ctx.aim_rows:
        return '<p class="empty">No plan aims in the outputs.</p>'
    cols = ctx.periods_latest_first
    head = "".join(f'<th scope="col">{e(p)}' + (f'<span class="pre">{NOT_IN_FORCE}</span>'
                                                if p in ctx.not_in_force else "") + "</th>" for p in cols)
    rows, outcome = [], None
    for row in ctx.aim_rows:
        if row.outcome_id != outcome:
            outcome = row.outcome_id
            rows.append(f'<tr class="outcome-row"><th colspan="{len(cols) + 1}" scope="rowgroup">'
                        f"{e(row.outcome_id)}. {e(row.outcome)}</th></tr>")
        rows.append(f'<tr class="aim-row"><th scope="row"><a href="#{e(row.anchor)}">'
                    f"{_num(row.sub_outcome_id)}</a>{e(row.text)}</th>"
                    + "".join(_heat_cell(row, p, ctx) for p in cols) + "</tr>")
    return (f'<table class="grid heatmap" style="--n:{len(cols)}"><caption class="visually-hidden">'
            f"Evidence per aim and period, latest period first</caption><thead><tr>"
            f'<th scope="col">Aim</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _heat_cell(row: AimRow, period: str, ctx: ReportContext) -> str:
    c = row.cell(period)
    pre = period in ctx.not_in_force
    where = f'<span class="p">{e(period)}{"<br>" + NOT_IN_FORCE if pre else ""}</span>'
    if c is None or not c.level:
        return f'<td class="cell out{" pre-cell" if pre else ""}">{where}<span class="lvl">–</span>' \
               '<span class="n">not in the plan then</span></td>'
    note = f"{_plural(c.n_results, 'result')}, {_plural(c.n_claims, 'claim')}" if c.n_claims else "no claims"
    mark = '<span class="rw" title="wording from the refreshed plan">*</span>' if c.reworded else ""
    return (f'<td class="cell lvl-{e(c.level)}{" pre-cell" if pre else ""}" data-level="{e(c.level)}">'
            f'{where}<span class="lvl">{e(LEVEL_TEXT.get(c.level, c.level))}{mark}</span>'
            f'<span class="n">{e(note)}</span>{_results_bar(c.n_results, ctx)}</td>')


def _results_bar(n_results: int, ctx: ReportContext) -> str:
    """A thin bar under a cell: its results relative to the most any aim had in one period,
    so cells of the same level still show which has more measured outcomes behind it."""
    top = max((c.n_results for r in ctx.aim_rows for c in r.cells), default=0)
    if top <= 0 or n_results <= 0:
        return ""
    return f'<span class="rbar" style="width:{100.0 * min(n_results, top) / top:.0f}%"></span>'


# --- money ----------------------------------------------------------------------------------

def money_bars_html(outcomes: list[OutcomeView], ctx: ReportContext) -> str:
    """The council's own money per outcome and period as HTML bars on a logarithmic scale
    (every non-zero bar is visible), each with its amount printed."""
    values = [v for o in outcomes for v in o.money_gbp.values() if v > 0]
    if not values:
        return '<p class="empty">No amounts in pounds of the council\'s own funding or spending were stated in the evidence.</p>'
    lo_exp = math.floor(math.log10(min(values)))
    hi_exp = math.ceil(math.log10(max(values)))
    if hi_exp == lo_exp:
        hi_exp += 1

    def pct(v: float) -> float:
        return 100.0 * (math.log10(v) - lo_exp) / (hi_exp - lo_exp)

    ticks = "".join(f'<span style="left:{pct(10.0 ** k):.2f}%">{e(format_gbp(10.0 ** k))}</span>'
                    for k in range(lo_exp, hi_exp + 1))
    blocks = []
    for o in outcomes:
        bars = []
        for p in ctx.periods_latest_first:
            v = o.money_gbp.get(p, 0.0)
            label = f"{p} ({NOT_IN_FORCE})" if p in ctx.not_in_force else p
            width = max(pct(v), 1.5) if v > 0 else 0
            bars.append(f'<div class="bar-row{" pre-cell" if p in ctx.not_in_force else ""}">'
                        f'<span class="bar-label">{e(p)}</span><span class="bar-track">'
                        f'<span class="bar" style="width:{width:.2f}%"></span></span>'
                        f'<span class="bar-value">{e(format_gbp(v)) if v > 0 else "none stated"}'
                        f'{"<small> " + NOT_IN_FORCE + "</small>" if p in ctx.not_in_force else ""}'
                        f'</span><span class="visually-hidden">{e(label)}</span></div>')
        blocks.append(f'<div class="money-block"><h3>{e(o.outcome_id)}. {e(o.outcome)}</h3>'
                      f'{"".join(bars)}</div>')
    return (f'<div class="money-chart" style="--dec:{hi_exp - lo_exp}"><div class="axis-row"><span class="bar-label"></span>'
            f'<span class="ticks" aria-hidden="true">{ticks}</span><span class="bar-value"></span></div>'
            f'{"".join(blocks)}</div>')


def other_money_html(ctx: ReportContext) -> str:
    if not ctx.other_money:
        return ""
    rows = "".join(
        f"<tr><td>{e(m.period_label)}</td><td>{e(m.role)}</td><td class=\"n\">{e(m.text)}</td>"
        f'<td>{e(m.sentence)} <a href="{e(m.href)}">{e(m.source)}</a></td></tr>' for m in ctx.other_money)
    return (f"<details><summary>{len(ctx.other_money)} economy-wide and programme amounts, listed apart "
            "(show)</summary><p>Amounts the reports give for the local or national economy, or for "
            "the size of a fund open to others. They are not the council's money and are not "
            'charted.</p><table class="plain other-money"><thead><tr><th scope="col">Period</th>'
            '<th scope="col">Kind</th><th scope="col">Amount</th><th scope="col">Sentence</th>'
            f"</tr></thead><tbody>{rows}</tbody></table></details>")


def money_html(ctx: ReportContext) -> str:
    if not ctx.plans:
        return '<p class="empty">No plan aims in the outputs.</p>'
    intro = ("<p>The council's own funding and spending stated in the evidence for each outcome "
             "(amounts the reports tie to the council; a range counts at its low end; other "
             "currencies are left out). Bar lengths are on a <strong>logarithmic scale</strong>: each "
             "mark on the axis is ten times the one before, so small and large amounts both show. "
             "Compare the printed amounts, not the lengths.</p>")
    return intro + "".join(money_bars_html(p.outcomes, ctx) for p in ctx.plans) + other_money_html(ctx)


# --- claims ---------------------------------------------------------------------------------

def marked_text(claim: ClaimView) -> str:
    """The claim's text, escaped, with its money, figures and dates wrapped in ``<mark>``."""
    out, pos = [], 0
    for m in claim.marks:
        out.append(e(claim.text[pos:m.start]))
        out.append(f'<mark class="{e(m.kind)}" title="{e(m.label)}">{e(claim.text[m.start:m.end])}</mark>')
        pos = m.end
    out.append(e(claim.text[pos:]))
    return "".join(out)


_SEP = '<span class="sep" aria-hidden="true"> · </span>'


def claim_html(claim: ClaimView) -> str:
    page = f"p. {claim.page}" if claim.page is not None else "source"
    linked = f"{KIND_SINGULAR.get(claim.aim_kind, claim.aim_kind)}: {claim.aim_text}"
    also = "".join(f"{_SEP}<span class=\"linked-to\">also {e(KIND_SINGULAR.get(k, k))}: {e(t)}</span>"
                   for k, t in claim.also)
    role = (f'<span class="role role-{e(claim.role)}">{e(ROLE_TEXT.get(claim.role, claim.role))}</span>{_SEP}'
            if claim.role else "")
    return (f'<li class="claim" id="{e(claim.claim_id)}" data-type="{e(claim.claim_type)}">'
            f"<blockquote>{marked_text(claim)}</blockquote>"
            f'<p class="meta">{role}<span class="type">{e(claim.claim_type)}</span>{_SEP}'
            f'<a href="{e(claim.href)}">{e(claim.source)}, {e(page)}</a>{_SEP}'
            f'<span class="linked-to" title="{e(claim.aim_id)}">evidence for {e(linked)}</span>{also}</p></li>')


def _plan_says(sub: SubOutcomeView) -> str:
    blocks = []
    for kind, heading in KIND_HEADINGS.items():
        els = [t for _, k, t in sub.elements if k == kind]
        if els:
            blocks.append(f"<h5>{e(heading)}</h5><ul>" + "".join(f"<li>{e(t)}</li>" for t in els) + "</ul>")
    return f'<div class="plan-says">{"".join(blocks)}</div>' if blocks else ""


def sub_outcome_html(sub: SubOutcomeView, ctx: ReportContext) -> str:
    counts = []
    for p in ctx.periods_latest_first:
        cl = sub.claims_in(p)
        n_res = sum(c.role == "result" for c in cl)
        counts.append(f'<li>{e(_period_label(p, ctx))}: {_plural(len(cl), "claim")}'
                      + (f", {n_res} results" if n_res else "") + "</li>")
    groups = []
    for p in ctx.periods_latest_first:
        claims = sub.claims_in(p)
        if claims:
            groups.append(f'<div class="claims-period"><h5>{e(_period_label(p, ctx))}: '
                          f'{_plural(len(claims), "claim")}</h5><ol class="claims">'
                          f'{"".join(claim_html(c) for c in claims)}</ol></div>')
    body = "".join(groups) or '<p class="empty">No report sentence is evidence for this sub-outcome.</p>'
    return (f'<section class="sub-outcome" id="{e(sub.anchor)}" data-sub-outcome="{e(sub.sub_outcome_id)}">'
            f"<h4>{_num(sub.sub_outcome_id)}{e(sub.sub_outcome)}</h4>"
            f'<ul class="periods" aria-label="Claims by period">{"".join(counts)}</ul>'
            f'<details class="claims-fold"><summary>The plan\'s words and {_plural(len(sub.claims), "claim")} '
            f"(show)</summary>{_plan_says(sub)}{body}</details></section>")


def sections_html(ctx: ReportContext) -> str:
    if not ctx.plans:
        return '<p class="empty">No plan aims in the outputs: was a strategic plan among the inputs?</p>'
    parts = ['<p class="key">Each sub-outcome\'s claims are folded: open one, or search. In the '
             'sentences: <mark class="money">money</mark> <mark class="figure">figures</mark> '
             '<mark class="date">dates</mark>; the page link opens the source at that page.</p>']
    for plan in ctx.plans:
        for outcome in plan.outcomes:
            parts.append(f'<h3 class="outcome-title">{e(outcome.outcome_id)}. {e(outcome.outcome)}</h3>')
            parts.extend(sub_outcome_html(s, ctx) for s in outcome.sub_outcomes)
    return "".join(parts)


# --- recurring figures, sources and method --------------------------------------------------

def metric_chart_svg(metric: MetricView, width: int = 260, height: int = 120) -> str:
    """A small line chart of one recurring figure, each point labelled with its value."""
    left, right, top, bottom = 10, 10, 18, 22
    values = [v for _, v in metric.points]
    lo, hi = min(min(values), 0.0), max(values)
    span = (hi - lo) or 1.0
    n = len(metric.points)
    step = (width - left - right) / max(n - 1, 1)
    coords = [(left + i * step, top + (height - top - bottom) * (1 - (v - lo) / span))
              for i, (_, v) in enumerate(metric.points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    parts = [f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width - right}" '
             f'y2="{height - bottom}"/>', f'<polyline class="line" points="{path}"/>']
    for i, ((period, value), (x, y)) in enumerate(zip(metric.points, coords, strict=True)):
        shown = format_number(value, metric.unit)
        anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
        parts.append(f'<g><title>{e(period)}: {e(shown)}</title><circle class="dot" cx="{x:.1f}" '
                     f'cy="{y:.1f}" r="3.5"/><text x="{x:.1f}" y="{y - 7:.1f}" '
                     f'text-anchor="{anchor}">{e(shown)}</text><text x="{x:.1f}" '
                     f'y="{height - 6}" text-anchor="{anchor}">{e(period)}</text></g>')
    label = f"{metric.measure}: " + ", ".join(f"{p} {format_number(v, metric.unit)}" for p, v in metric.points)
    return (f'<svg class="chart metric-chart" role="img" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" aria-label="{e(label)}">{"".join(parts)}</svg>')


def metrics_html(metrics: list[MetricView]) -> str:
    if not metrics:
        return ('<p class="empty">No figure was reported in the same terms in two or more '
                "periods.</p>")
    cards = "".join(f'<div class="metric" data-series="{e(m.series_id)}"><h4>{e(m.measure)}</h4>'
                    f'<p>{e(m.unit)}</p>{metric_chart_svg(m)}</div>' for m in metrics)
    return ("<details><summary>" + _plural(len(metrics), "figure") + " found in the same words in "
            "several periods (show)</summary><p>Not the plan's measures: figures the reports repeat "
            "in the same words and unit (repeated sentences left out). Matched by wording, so check a "
            f'surprising jump against the source.</p><div class="metric-grid">{cards}</div></details>')


def sources_html(ctx: ReportContext) -> str:
    rows = "".join(
        f'<tr><td class="file"><a href="{e(d.href)}">{e(d.file)}</a></td><td>{e(d.title)}</td>'
        f"<td>{e(d.doc_type.replace('_', ' '))}</td><td>{e(d.period_label)}</td>"
        f'<td class="n" data-unit=" pages">{"" if d.pages is None else d.pages}</td>'
        f'<td class="n" data-unit=" evidence claims">{d.n_claims:,}</td>'
        f"<td>{e(d.status)}</td></tr>" for d in ctx.documents)
    return ('<table class="plain sources"><thead><tr><th scope="col">File</th><th scope="col">Title</th>'
            '<th scope="col">Type</th><th scope="col">Period</th><th scope="col">Pages</th>'
            '<th scope="col">Evidence claims</th><th scope="col">Status</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def method_html(ctx: ReportContext) -> str:
    ev = ctx.rules.evidence
    return (
        "<h3>Method</h3><ul>"
        "<li>planmine splits each report into sentences, types each (achievement, progress, plan, "
        "target, statistic, challenge, other) and links it to the sub-outcome of the plan it best "
        "matches; within the sub-outcome it names the aim, and an action or measure when one is "
        "similar enough.</li>"
        f"<li>Evidence: claims of types {e(', '.join(ev.activity_types))}; a <em>result</em> is one "
        f"of types {e(', '.join(ev.result_types))} carrying a figure or amount or saying the work is "
        "finished. Repeats of an earlier report and restatements of the plan are left out.</li>"
        "<li>Levels, counts and money are read from the <code>coverage</code>, <code>evidence</code>, "
        "<code>measure_values</code> and <code>money</code> tables of the same run, so this page "
        "agrees with <code>planmine gaps</code> and <code>planmine measures</code>.</li>"
        "<li>An aim marked * is shown in the wording of the refreshed plan for that period.</li>"
        "</ul>")


# --- page ------------------------------------------------------------------------------------

def render_html(ctx: ReportContext) -> str:
    """The whole page as one string: template filled, CSS and JS inlined."""
    plan = ctx.plans[0] if ctx.plans else None
    n_reports = sum(d.doc_type == "annual_report" for d in ctx.documents)
    span = f"{ctx.periods[0]} to {ctx.periods[-1]}" if len(ctx.periods) > 1 else (
        ctx.periods[0] if ctx.periods else "no period")
    lede = f"{_plural(n_reports, 'annual report')}, {span}"
    if plan and plan.period_start:
        lede += f"; the plan is in force from {plan.period_start[:10]}"
    latest = ctx.latest_period or "the latest period"
    return Template(_asset("template.html")).substitute(
        title=e(ctx.title), version=e(__version__), lede=e(lede + "."), latest=e(latest),
        n_claims=f"{ctx.n_claims:,}", css=_asset("report.css"), js=_asset("report.js"),
        summary=summary_html(ctx), measures=measures_html(ctx), legend=legend_html(),
        heatmap=heatmap_html(ctx), level_rule=e(_level_rule(ctx)), money=money_html(ctx),
        sections=sections_html(ctx), metrics=metrics_html(ctx.metrics),
        sources=sources_html(ctx), method=method_html(ctx),
    )


def _level_rule(ctx: ReportContext) -> str:
    lv = ctx.rules.levels
    rules = "; ".join(f"{r.level}: {r.min_points}+ points"
                      + (f" including {r.min_results}+ results or values" if r.min_results else "")
                      for r in lv.rules)
    return (f"An aim's level counts only the claims planmine names that aim for: {lv.result_points} "
            f"points per result, {lv.value_points} per measure value, {lv.activity_points} per "
            f"activity. {rules}; otherwise none.")


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
