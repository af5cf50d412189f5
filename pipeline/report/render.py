"""Report context → one self-contained HTML file (CSS, JS and SVG charts inline, no network).

Every piece of text from the tables goes through :func:`e` (``html.escape``): claims hold
quotes, ampersands and the odd ``<``. Charts are SVG written here, so the page needs no chart
library and prints as sharply as the text. A Content-Security-Policy in the template forbids
any network fetch, so a stray URL could never make the page depend on a connection.
"""

from __future__ import annotations

import html
from pathlib import Path
from string import Template

from pipeline import __version__
from pipeline.config import DEFAULT_INPUT_DIR
from pipeline.coverage import EVIDENCE_LEVELS
from pipeline.report.build import (
    KIND_HEADINGS,
    ClaimView,
    MetricView,
    OutcomeView,
    PlanView,
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

#: What each evidence level means to a reader (the rules themselves are in the YAML).
LEVEL_TEXT: dict[str, str] = {
    "none": "None", "weak": "Weak", "moderate": "Moderate", "strong": "Strong",
}
#: Bar colours for periods, oldest lightest (ColorBrewer PuBu); periods are also labelled.
PERIOD_COLOURS: tuple[str, ...] = ("#a6bddb", "#74a9cf", "#3690c0", "#0570b0", "#045a8d", "#023858")


def e(value: object) -> str:
    """Escape text for HTML element content and attribute values."""
    return html.escape(str(value), quote=True)


def _asset(name: str) -> str:
    return (ASSET_DIR / name).read_text(encoding="utf-8")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


# --- overview --------------------------------------------------------------------------------

def legend_html() -> str:
    items = "".join(
        f'<li><span class="swatch lvl-{lvl}"></span>{LEVEL_TEXT[lvl]}</li>' for lvl in EVIDENCE_LEVELS)
    return f'<ul class="legend" aria-label="Evidence levels"><li><strong>Evidence:</strong></li>{items}</ul>'


def heatmap_html(plan: PlanView, periods: list[str], show_title: bool) -> str:
    """The overview: sub-outcomes (grouped by outcome) × periods, as an accessible table."""
    if not periods:
        return '<p class="empty">No reporting periods found: no annual report among the inputs.</p>'
    head = "".join(f'<th scope="col">{e(p)}</th>' for p in periods)
    rows = []
    for outcome in plan.outcomes:
        rows.append(f'<tr><th class="outcome-row" colspan="{len(periods) + 1}" scope="rowgroup">'
                    f'{e(outcome.outcome_id)}. {e(outcome.outcome)}</th></tr>')
        for sub in outcome.sub_outcomes:
            cells = "".join(
                f'<td class="cell lvl-{e(c.level)}" data-level="{e(c.level)}">'
                f'<span class="lvl">{LEVEL_TEXT.get(c.level, e(c.level))}</span>'
                f'<span class="n">{_plural(c.n_claims, "claim")}</span></td>'
                for c in sub.cells)
            rows.append(f'<tr><th scope="row"><a href="#{e(sub.anchor)}"><span class="num">'
                        f'{e(sub.sub_outcome_id)}</span>{e(sub.sub_outcome)}</a></th>{cells}</tr>')
    caption = f"<caption><h3>{e(plan.title)}</h3></caption>" if show_title else (
        f'<caption class="visually-hidden">{e(plan.title)}</caption>')
    return (f'<div class="heatmap-wrap"><table class="heatmap">{caption}<thead><tr>'
            f'<th scope="col">Sub-outcome</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
            "</table></div>")


# --- charts ----------------------------------------------------------------------------------

def money_chart_svg(outcomes: list[OutcomeView], periods: list[str], width: int = 760) -> str:
    """Horizontal bars: for each outcome, one bar per period, each labelled with its amount."""
    if not outcomes or not periods:
        return '<p class="empty">No outcomes or periods to chart.</p>'
    values = [v for o in outcomes for v in o.money_gbp.values() if v > 0]
    if not values:
        return '<p class="empty">No amounts in pounds were stated in the linked sentences.</p>'
    top = axis_top(values)
    label_w, value_w, bar_h, gap, title_h = 70, 70, 16, 4, 22
    plot_w = width - label_w - value_w
    colours = PERIOD_COLOURS[-len(periods):] if len(periods) <= len(PERIOD_COLOURS) else (
        [PERIOD_COLOURS[min(i, len(PERIOD_COLOURS) - 1)] for i in range(len(periods))])
    parts, y = [], 0
    for outcome in outcomes:
        parts.append(f'<text class="title" x="0" y="{y + 15}">{e(outcome.outcome_id)}. '
                     f'{e(outcome.outcome)}</text>')
        y += title_h
        for period, colour in zip(periods, colours, strict=True):
            value = outcome.money_gbp.get(period, 0.0)
            cut = value > top
            w = 0 if value <= 0 else max(1.0, plot_w * min(value, top) / top)
            shown = format_gbp(value) if value > 0 else "none stated"
            brk = "" if not cut else (
                f'<path d="M{label_w + w - 14:.1f},{y + bar_h + 1} l6,{-bar_h - 2} m4,0 '
                f'l-6,{bar_h + 2}" stroke="#fff" stroke-width="3" fill="none"/>')
            parts.append(
                f'<g><title>{e(outcome.outcome)}, {e(period)}: {e(shown)}'
                f'{" (bar cut short)" if cut else ""}</title>'
                f'<text x="{label_w - 6}" y="{y + bar_h - 4}" text-anchor="end">{e(period)}</text>'
                f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}" '
                f'stroke="#33415c" stroke-width="{0.5 if w else 0}"/>{brk}'
                f'<text x="{label_w + w + 5:.1f}" y="{y + bar_h - 4}">{e(shown)}</text></g>')
            y += bar_h + gap
        y += 10
    parts.insert(0, f'<line class="axis" x1="{label_w}" y1="0" x2="{label_w}" y2="{y - 10}"/>')
    note = "" if top >= max(values) else (
        f'<p class="note">Amounts above {e(format_gbp(top))} are drawn cut short (marked with a '
        "break) so that the smaller amounts stay visible; the printed amount is the full one.</p>")
    return (f'<svg class="chart money-chart" role="img" viewBox="0 0 {width} {y}" width="{width}" '
            f'height="{y}" aria-label="Money stated in pounds per outcome and reporting period">'
            f'{"".join(parts)}</svg>{note}')


def axis_top(values: list[float], ratio: float = 5.0, max_cut: int = 3) -> float:
    """Where a bar axis ends: the largest value, unless at most ``max_cut`` values are over
    ``ratio`` times the next one; then those are cut, so one £3.5bn scheme does not flatten
    every other bar to a hairline. Cut bars carry a break mark and their full amount."""
    ordered = sorted(values, reverse=True)
    for i in range(min(max_cut, len(ordered) - 1)):
        if ordered[i] > ratio * ordered[i + 1]:
            return ordered[i + 1] * 1.15
    return ordered[0]


def metric_chart_svg(metric: MetricView, width: int = 260, height: int = 120) -> str:
    """A small line chart of one recurring measure, each point labelled with its value."""
    left, right, top, bottom = 10, 10, 18, 22
    values = [v for _, v in metric.points]
    lo, hi = min(values), max(values)
    lo, hi = (min(lo, 0.0), hi) if lo >= 0 else (lo, hi)
    span = (hi - lo) or 1.0
    n = len(metric.points)
    step = (width - left - right) / max(n - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + i * step, top + (height - top - bottom) * (1 - (v - lo) / span)

    coords = [xy(i, v) for i, (_, v) in enumerate(metric.points)]
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
    label = f"{metric.measure}: " + ", ".join(
        f"{p} {format_number(v, metric.unit)}" for p, v in metric.points)
    return (f'<svg class="chart metric-chart" role="img" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" aria-label="{e(label)}">{"".join(parts)}</svg>')


def metrics_html(metrics: list[MetricView]) -> str:
    if not metrics:
        return ('<p class="empty">No measure was reported in the same terms in two or more '
                "periods.</p>")
    cards = "".join(
        f'<div class="metric" data-series="{e(m.series_id)}"><h3>{e(m.measure)}</h3>'
        f'<p>{e(m.unit)}</p>{metric_chart_svg(m)}</div>' for m in metrics)
    return ("<p>The same measure, in the same unit, found in the reports of different periods. "
            f'Matched by wording, so check a surprising jump against the source.</p><div class="metric-grid">{cards}</div>')


# --- gaps and sections -----------------------------------------------------------------------

def gaps_html(ctx: ReportContext) -> str:
    if ctx.latest_period is None:
        return '<p class="empty">No reporting period found.</p>'
    if not ctx.gaps:
        return f"<p>Every aim of the plan has moderate or strong evidence in {e(ctx.latest_period)}.</p>"
    by_sub: dict[str, list] = {}
    for gap in ctx.gaps:
        by_sub.setdefault(gap.anchor, []).append(gap)
    items = []
    for gaps in by_sub.values():
        g0 = gaps[0]
        aims = "".join(f'<li><span class="badge lvl-{e(g.evidence)}">{LEVEL_TEXT.get(g.evidence, e(g.evidence))}'
                       f"</span> {e(g.text)}</li>" for g in gaps)
        items.append(f'<li><a href="#{e(g0.anchor)}"><span class="num">{e(g0.sub_outcome_id)}</span> '
                     f'{e(g0.sub_outcome)}</a> <span class="outcome-name">({e(g0.outcome)})</span>'
                     f"<ul>{aims}</ul></li>")
    return (f"<p>{_plural(len(ctx.gaps), 'aim')} of the plan with no or weak evidence in the reports "
            f"for {e(ctx.latest_period)}:</p><ul class=\"gaps\">{''.join(items)}</ul>")


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
    linked = f"{KIND_HEADINGS.get(claim.aim_kind, claim.aim_kind).rstrip('s').lower()}: {claim.aim_text}"
    if claim.aim_kind == "measure":
        linked = f"measure: {claim.aim_text}"
    return (f'<li class="claim" id="{e(claim.claim_id)}" data-type="{e(claim.claim_type)}">'
            f"<blockquote>{marked_text(claim)}</blockquote>"
            f'<p class="meta"><span class="type">{e(claim.claim_type)}</span>{_SEP}'
            f'<a href="{e(claim.href)}">{e(claim.source)}, {e(page)}</a>{_SEP}'
            f'<span class="score">link score {claim.score:.2f}</span>{_SEP}'
            f'<span class="linked-to" title="{e(claim.aim_id)}">linked to {e(linked)}</span></p></li>')


def _plan_says(sub: SubOutcomeView, latest: str | None) -> str:
    blocks = []
    for kind, heading in KIND_HEADINGS.items():
        els = [el for el in sub.elements if el.kind == kind]
        if not els:
            continue
        items = "".join(
            f'<li>{e(el.text)} <span class="badge lvl-{e(el.latest_level)}" title="evidence in '
            f'{e(latest or "")}">{LEVEL_TEXT.get(el.latest_level, e(el.latest_level))}</span></li>'
            for el in els)
        block = f"<h4>{e(heading)}</h4><ul>{items}</ul>"
        if kind != "aim":
            block = f"<details><summary>{e(heading)} ({len(els)})</summary><ul>{items}</ul></details>"
        blocks.append(block)
    return f'<div class="plan-says">{"".join(blocks)}</div>' if blocks else ""


def sub_outcome_html(sub: SubOutcomeView, periods: list[str], latest: str | None) -> str:
    badges = "".join(f'<li class="badge lvl-{e(c.level)}">{e(c.period_label)}: '
                     f'{LEVEL_TEXT.get(c.level, e(c.level))}, {_plural(c.n_claims, "claim")}</li>'
                     for c in sub.cells)
    groups = []
    for period in reversed(periods):
        claims = sub.claims_in(period)
        if claims:
            groups.append(f'<div class="claims-period"><h4>{e(period)}: {_plural(len(claims), "claim")}'
                          f'</h4><ol class="claims">{"".join(claim_html(c) for c in claims)}</ol></div>')
    body = "".join(groups) or '<p class="empty">No report sentence is linked to this sub-outcome.</p>'
    return (f'<section class="sub-outcome" id="{e(sub.anchor)}" data-sub-outcome="{e(sub.sub_outcome_id)}">'
            f'<h3><span class="num">{e(sub.sub_outcome_id)}</span>{e(sub.sub_outcome)}</h3>'
            f'<p class="outcome-name">Outcome: {e(sub.outcome)}</p>'
            f'<ul class="periods" aria-label="Evidence by period">{badges}</ul>'
            f"{_plan_says(sub, latest)}{body}</section>")


def sections_html(ctx: ReportContext) -> str:
    if not ctx.plans:
        return '<p class="empty">No plan aims in the outputs: was a strategic plan among the inputs?</p>'
    parts = ['<p class="key">In the sentences below: <mark class="money">money</mark> '
             '<mark class="figure">figures</mark> <mark class="date">dates</mark>. '
             "Hover over a highlight for its value; the page link opens the report at that page.</p>"]
    for plan in ctx.plans:
        for outcome in plan.outcomes:
            parts.append(f'<h3 class="outcome-title">{e(outcome.outcome_id)}. {e(outcome.outcome)}</h3>')
            parts.extend(sub_outcome_html(s, ctx.periods, ctx.latest_period) for s in outcome.sub_outcomes)
    return "".join(parts)


# --- sources and method ----------------------------------------------------------------------

def sources_html(ctx: ReportContext) -> str:
    rows = "".join(
        f'<tr><td><a href="{e(d.href)}">{e(d.file)}</a></td><td>{e(d.title)}</td>'
        f"<td>{e(d.doc_type.replace('_', ' '))}</td><td>{e(d.period_label)}</td>"
        f'<td class="n">{"" if d.pages is None else d.pages}</td><td class="n">{d.n_claims:,}</td>'
        f"<td>{e(d.status)}</td></tr>" for d in ctx.documents)
    return ('<table class="sources"><thead><tr><th scope="col">File</th><th scope="col">Title</th>'
            '<th scope="col">Type</th><th scope="col">Period</th><th scope="col">Pages</th>'
            '<th scope="col">Claims shown</th><th scope="col">Status</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def method_html(ctx: ReportContext) -> str:
    r = ctx.rules
    levels = "; ".join(
        f"<strong>{e(rule.level)}</strong>: at least {rule.min_claims} claims"
        + (f", {rule.min_achievements} achievements" if rule.min_achievements else "")
        + (f", {rule.min_quantified} amounts or figures" if rule.min_quantified else "")
        for rule in r.levels)
    return (
        "<h3>How to read this report</h3><ul>"
        "<li>Each sentence of the reports' body text is a <em>claim</em>, typed as an achievement, "
        "progress, plan, target, statistic or challenge, and linked by planmine to the plan element "
        "it best matches, with a score from 0 to 1. Links are made by a model; a low score is a guess.</li>"
        f"<li>Shown and counted: claims whose best link scores at least {r.min_score:g}, of types "
        f"{e(', '.join(r.claim_types))}, from annual reports with a reporting period.</li>"
        f"<li>Evidence levels per aim and period (first that holds): {levels}; otherwise none. "
        "A sub-outcome's cell shows the best level among its aims, actions and measures.</li>"
        "<li>Money totals add up amounts in pounds as printed; a range counts at its low end.</li>"
        "</ul>")


# --- page ------------------------------------------------------------------------------------

def render_html(ctx: ReportContext) -> str:
    """The whole page as one string: template filled, CSS and JS inlined."""
    periods = ", ".join(ctx.periods) or "no periods"
    lede = (f"{_plural(ctx.n_claims, 'claim')} from {_plural(len(ctx.documents), 'document')}, "
            f"reporting periods {periods}.")
    heatmaps = "".join(heatmap_html(p, ctx.periods, len(ctx.plans) > 1) for p in ctx.plans) or (
        '<p class="empty">No plan aims in the outputs.</p>')
    money = "".join(
        (f"<h3>{e(p.title)}</h3>" if len(ctx.plans) > 1 else "") + money_chart_svg(p.outcomes, ctx.periods)
        for p in ctx.plans) or '<p class="empty">No plan aims in the outputs.</p>'
    return Template(_asset("template.html")).substitute(
        title=e(ctx.title), version=e(__version__), lede=e(lede), latest=e(ctx.latest_period or "the latest period"),
        n_claims=f"{ctx.n_claims:,}", css=_asset("report.css"), js=_asset("report.js"),
        legend=legend_html(), heatmap=heatmaps, money=money, gaps=gaps_html(ctx),
        sections=sections_html(ctx), metrics=metrics_html(ctx.metrics),
        sources=sources_html(ctx), method=method_html(ctx),
    )


def write_report(out_dir: Path, report_path: Path | None = None, raw_dir: Path | None = None) -> Path:
    """Read the tables in ``out_dir`` and write the HTML report; return its path.

    ``report_path`` defaults to ``out_dir/report/index.html``; ``raw_dir`` (default
    ``data/raw``) is where the source files are, so page links point at them.
    """
    out_dir = Path(out_dir)
    report_path = Path(report_path) if report_path else out_dir / REPORT_DIRNAME / REPORT_FILENAME
    raw_dir = Path(raw_dir) if raw_dir else DEFAULT_INPUT_DIR
    ctx = build_context(load_tables(out_dir), report_path.parent, raw_dir)
    write_text_atomic(report_path, render_html(ctx))
    return report_path
