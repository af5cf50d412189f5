"""Output tables → a report context: plain dataclasses holding exactly what the page shows.

Everything the report decides (which claims count, how a sub-outcome gets one evidence level,
how money is attributed to an outcome) is decided here, so :mod:`pipeline.report.render`
only lays things out and the decisions can be tested without HTML.

Decisions, and why:

* **Which claims are shown and counted.** The same ones coverage counts (``EvidenceRules``
  in ``models/evidence_rules.yaml``): a link of rank <= ``max_rank`` (default 1, so a sentence
  is evidence for one place in the plan) and score >= ``min_score``, a claim type in
  ``claim_types`` (``other`` is not evidence), from an annual report with a reporting period
  (the plan's own sentences are not evidence for it).
* **One level per sub-outcome and period** (a heatmap cell): the *best* evidence level among
  the sub-outcome's plan elements in ``coverage``. Under the default ``aim_scope:
  sub_outcome`` every kind-``aim`` row already pools the whole sub-outcome's claims, so the best
  level is the level of the pooled evidence; "most common" would instead be dragged to
  ``none`` by actions and measures that the linker rarely hits directly. The cell also shows
  the number of distinct claims behind it.
* **Money per outcome and period**: the sum of ``money.value`` for currency GBP over the
  counted claims, each claim attributed once, to the outcome of its best link. Other
  currencies are never converted, so they are left out (and said to be).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from pipeline.compare import find_gaps
from pipeline.coverage import (
    EVIDENCE_LEVELS,
    EvidenceRules,
    conform_input,
    load_evidence_rules,
    natural_key,
    period_key,
    reporting_periods,
)
from pipeline.queries import OutputsMissing, load_table

#: The tables the report reads, in the order it reads them.
REPORT_TABLES: tuple[str, ...] = (
    "documents", "sections", "claims", "money", "figures", "dates", "plans", "aims", "links",
    "coverage", "metrics",
)

#: Plan element kinds in the order a reader meets them in the plan, with their headings.
KIND_HEADINGS: dict[str, str] = {
    "aim": "Aims", "action": "Actions", "measure": "How we will measure success",
}

#: The mention kinds highlighted in claim text (table name → CSS class / label).
MARK_KINDS: dict[str, str] = {"money": "money", "figures": "figure", "dates": "date"}


@dataclass(frozen=True)
class Mark:
    """A highlighted span of a claim's text: a money amount, a figure or a date."""

    start: int
    end: int
    kind: str  # money | figure | date
    label: str  # the normalised value, shown as a tooltip


@dataclass(frozen=True)
class ClaimView:
    """One counted claim as the reader sees it, with where to check it in the source."""

    claim_id: str
    text: str
    claim_type: str
    period_label: str
    page: int | None
    source: str  # the document's file name
    href: str  # link to the source (PDF page fragment where there is a page)
    score: float
    aim_id: str
    aim_kind: str
    aim_text: str
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True)
class HeatCell:
    """One heatmap cell: a sub-outcome's evidence in one period."""

    period_label: str
    level: str
    n_claims: int


@dataclass(frozen=True)
class Element:
    """A plan element (aim, action, measure) with its evidence in the latest period."""

    aim_id: str
    kind: str
    text: str
    latest_level: str


@dataclass
class SubOutcomeView:
    """A sub-outcome: its plan wording, heatmap row, and the claims linked to it."""

    plan_id: str
    outcome_id: str
    outcome: str
    sub_outcome_id: str
    sub_outcome: str
    anchor: str
    elements: list[Element] = field(default_factory=list)
    cells: list[HeatCell] = field(default_factory=list)
    claims: list[ClaimView] = field(default_factory=list)

    def claims_in(self, period: str) -> list[ClaimView]:
        return [c for c in self.claims if c.period_label == period]


@dataclass
class OutcomeView:
    """An outcome of the plan with its sub-outcomes and GBP money per period."""

    plan_id: str
    outcome_id: str
    outcome: str
    sub_outcomes: list[SubOutcomeView] = field(default_factory=list)
    money_gbp: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanView:
    plan_id: str
    title: str
    outcomes: list[OutcomeView]


@dataclass(frozen=True)
class GapView:
    """An aim with no or weak evidence in the latest period."""

    outcome: str
    sub_outcome_id: str
    sub_outcome: str
    anchor: str
    aim_id: str
    text: str
    evidence: str
    n_claims: int


@dataclass(frozen=True)
class MetricView:
    """A recurring measure: one value per period."""

    series_id: str
    measure: str
    unit: str
    points: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class DocumentView:
    file: str
    title: str
    doc_type: str
    period_label: str
    pages: int | None
    n_claims: int
    status: str
    href: str


@dataclass
class ReportContext:
    """Everything the page shows, already decided and ordered."""

    title: str
    periods: list[str]
    latest_period: str | None
    plans: list[PlanView]
    gaps: list[GapView]
    metrics: list[MetricView]
    documents: list[DocumentView]
    n_claims: int
    rules: EvidenceRules

    @property
    def sub_outcomes(self) -> list[SubOutcomeView]:
        return [s for p in self.plans for o in p.outcomes for s in o.sub_outcomes]


# --- small pure helpers ----------------------------------------------------------------------

def best_level(levels: Iterable[str]) -> str:
    """The highest evidence level in ``levels`` (``none`` if empty or unknown)."""
    rank = {lvl: i for i, lvl in enumerate(EVIDENCE_LEVELS)}
    known = [lvl for lvl in levels if lvl in rank]
    return max(known, key=rank.__getitem__, default="none")


def format_gbp(value: float) -> str:
    """Money as staff write it: £950, £887k, £1.7m, £1.2bn (one decimal at most, no ``.0``)."""
    sign = "-" if value < 0 else ""
    v = abs(float(value))
    for div, suffix in ((1e9, "bn"), (1e6, "m")):
        if round(v / div, 1) >= 1:
            return f"{sign}£{_trim(round(v / div, 1))}{suffix}"
    if v >= 1000:
        return f"{sign}£{round(v / 1000):.0f}k"
    return f"{sign}£{_trim(round(v, 2))}" if v % 1 else f"{sign}£{v:,.0f}"


def format_number(value: float, unit: str = "") -> str:
    """A figure for display: 45%, 2,743, 1.3m; the unit appended unless it is a count."""
    v = float(value)
    if unit == "percent":
        return f"{_trim(round(v, 1))}%"
    text = f"{_trim(round(v / 1e6, 1))}m" if abs(v) >= 1e6 else (
        f"{v:,.0f}" if v.is_integer() else f"{v:,.1f}")
    return text if unit in ("", "count", "ordinal") else f"{text} {unit}"


def _trim(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x % 1 else f"{x:,.0f}"


def anchor_for(plan_id: str, sub_outcome_id: str, n_plans: int) -> str:
    """A stable HTML id for a sub-outcome's section (``so-4-1``; plan-prefixed if several)."""
    raw = f"{plan_id}-{sub_outcome_id}" if n_plans > 1 else sub_outcome_id
    return "so-" + "".join(ch if ch.isalnum() else "-" for ch in raw)


def source_href(raw_dir: Path, file: str, report_dir: Path, page: int | None = None) -> str:
    """A link from the report to ``raw_dir/file`` (``#page=N`` for PDFs), relative so it
    keeps working when the output and input folders move together."""
    target = os.path.relpath(Path(raw_dir).resolve() / file, Path(report_dir).resolve())
    href = quote(Path(target).as_posix(), safe="/.-_~")
    if page is not None and str(file).lower().endswith(".pdf"):
        href += f"#page={int(page)}"
    return href


def find_marks(text: str, mentions: Iterable[tuple[str, str, str]]) -> tuple[Mark, ...]:
    """Place mentions ``(mention_text, kind, label)`` in ``text``: in the order given (mention
    ids follow the text), each after the previous one if possible, never overlapping.
    Mentions whose text is not found are skipped: the claim still shows, unhighlighted."""
    placed: list[Mark] = []
    cursor = 0
    for mention, kind, label in mentions:
        if not mention:
            continue
        pos = text.find(mention, cursor)
        if pos < 0:
            pos = text.find(mention)
        while pos >= 0 and any(pos < m.end and m.start < pos + len(mention) for m in placed):
            pos = text.find(mention, pos + 1)
        if pos < 0:
            continue
        placed.append(Mark(pos, pos + len(mention), kind, label))
        cursor = pos + len(mention)
    return tuple(sorted(placed, key=lambda m: m.start))


# --- reading ---------------------------------------------------------------------------------

def load_tables(out_dir: Path) -> dict[str, pd.DataFrame]:
    """The report's tables from ``out_dir``; a table that was not written is read as empty,
    except ``documents`` and ``claims``, without which there is nothing to report."""
    tables: dict[str, pd.DataFrame] = {}
    for name in REPORT_TABLES:
        try:
            tables[name] = load_table(out_dir, name)
        except OutputsMissing:
            if name in ("documents", "claims"):
                raise
            tables[name] = conform_input(None, name)
    return tables


# --- building --------------------------------------------------------------------------------

def _int(value: object) -> int | None:
    try:
        return None if pd.isna(value) else int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _mark_label(kind: str, row: Mapping[str, object]) -> str:
    if kind == "money":
        value = pd.to_numeric(row.get("value"), errors="coerce")
        cur = str(row.get("currency") or "")
        if pd.isna(value):
            return "money"
        return f"money: {format_gbp(value) if cur == 'GBP' else f'{value:,.0f} {cur}'}"
    if kind == "figure":
        value = pd.to_numeric(row.get("value"), errors="coerce")
        shown = "" if pd.isna(value) else format_number(value, str(row.get("unit") or ""))
        measure = str(row.get("measure") or "")
        return f"figure: {shown}" + (f" ({measure})" if measure else "")
    start, end = str(row.get("start") or ""), str(row.get("end") or "")
    return f"date: {start}" + (f" to {end}" if end and end != start else "")


def _mentions_by_claim(tables: Mapping[str, pd.DataFrame]) -> dict[str, list[tuple[str, str, str, str]]]:
    """claim_id → [(mention_id, text, kind, label)] over money, figures and dates."""
    out: dict[str, list[tuple[str, str, str, str]]] = {}
    for table, kind in MARK_KINDS.items():
        df = conform_input(tables.get(table), table)
        for row in df.to_dict("records"):
            out.setdefault(str(row["claim_id"]), []).append(
                (str(row["mention_id"]), str(row["text"] or ""), kind, _mark_label(kind, row)))
    for items in out.values():
        items.sort(key=lambda t: natural_key(t[0]))
    return out


def counted_claims(tables: Mapping[str, pd.DataFrame], rules: EvidenceRules) -> pd.DataFrame:
    """The claims the report shows, one row per claim with its best counted link and period.

    Columns: the claim's, plus period_label, aim_id, score, file, format.
    """
    claims = conform_input(tables.get("claims"), "claims")
    links = conform_input(tables.get("links"), "links")
    docs = conform_input(tables.get("documents"), "documents")
    periods = reporting_periods(docs)
    rank = pd.to_numeric(links["rank"], errors="coerce")
    score = pd.to_numeric(links["score"], errors="coerce").fillna(0.0)
    best = links[(rank <= rules.max_rank) & (score >= rules.min_score)].assign(
        rank=rank, score=score).sort_values(["claim_id", "rank"]).drop_duplicates("claim_id")
    out = claims.assign(claim_id=claims["claim_id"].astype(str),
                        period_label=claims["doc_id"].astype(str).map(periods))
    out = out[out["period_label"].notna() & out["claim_type"].isin(rules.claim_types)]
    out = out.merge(best[["claim_id", "aim_id", "score"]].astype({"claim_id": str, "aim_id": str}),
                    on="claim_id", how="inner")
    files = docs[["doc_id", "file", "format"]].astype(str)
    return out.merge(files, on="doc_id", how="left")


def _money_by_claim(money: pd.DataFrame) -> pd.Series:
    money = conform_input(money, "money")
    gbp = money[money["currency"] == "GBP"]
    values = pd.to_numeric(gbp["value"], errors="coerce").fillna(0.0)
    return values.groupby(gbp["claim_id"].astype(str)).sum()


def build_context(
    tables: Mapping[str, pd.DataFrame],
    report_dir: Path,
    raw_dir: Path,
    rules: EvidenceRules | None = None,
) -> ReportContext:
    """Decide everything the report shows from the output tables (see the module docstring)."""
    rules = load_evidence_rules() if rules is None else rules
    docs = conform_input(tables.get("documents"), "documents")
    aims = conform_input(tables.get("aims"), "aims").astype(str)
    plans = conform_input(tables.get("plans"), "plans")
    coverage = conform_input(tables.get("coverage"), "coverage")

    periods = sorted({str(p) for p in coverage["period_label"] if str(p)} |
                     set(reporting_periods(docs).values()), key=period_key)
    latest = periods[-1] if periods else None
    claims = counted_claims(tables, rules)
    mentions = _mentions_by_claim(tables)
    money = _money_by_claim(tables.get("money"))
    aim_info = aims.set_index("aim_id")
    # a plan version with no coverage rows (the refreshed restatement of the aims, which the
    # claims are not linked to) would show as an all-"none" heatmap: leave it out
    covered = set(coverage["plan_id"].astype(str)) if len(coverage) else set()
    plan_ids = sorted((set(aims["plan_id"]) & covered) or set(aims["plan_id"]), key=natural_key)

    levels = {(str(r.aim_id), str(r.period_label)): str(r.evidence)
              for r in coverage.itertuples(index=False)}
    claims = claims[claims["aim_id"].isin(aim_info.index)]
    claims = claims.assign(link_plan=claims["aim_id"].map(aim_info["plan_id"]),
                           link_sub=claims["aim_id"].map(aim_info["sub_outcome_id"]))
    report_dir = Path(report_dir)

    def claim_view(row: Mapping[str, object]) -> ClaimView:
        cid, text = str(row["claim_id"]), str(row["text"])
        page = _int(row["page"])
        aim = aim_info.loc[str(row["aim_id"])]
        found = find_marks(text, [(t, k, lbl) for _, t, k, lbl in mentions.get(cid, [])])
        return ClaimView(cid, text, str(row["claim_type"]), str(row["period_label"]), page,
                         Path(str(row["file"])).name,
                         source_href(raw_dir, str(row["file"]), report_dir, page),
                         float(row["score"]), str(row["aim_id"]), str(aim["kind"]),
                         str(aim["text"]), found)

    plan_views: list[PlanView] = []
    for plan_id in plan_ids:
        plan_aims = aims[aims["plan_id"] == plan_id]
        outcomes: list[OutcomeView] = []
        for outcome_id, o_rows in sorted(plan_aims.groupby("outcome_id"), key=lambda g: natural_key(g[0])):
            outcome = OutcomeView(plan_id, str(outcome_id), str(o_rows["outcome"].iloc[0]))
            for sub_id, s_rows in sorted(o_rows.groupby("sub_outcome_id"), key=lambda g: natural_key(g[0])):
                view = SubOutcomeView(plan_id, str(outcome_id), outcome.outcome, str(sub_id),
                                      str(s_rows["sub_outcome"].iloc[0]),
                                      anchor_for(plan_id, str(sub_id), len(plan_ids)))
                kind_order = {k: i for i, k in enumerate(KIND_HEADINGS)}
                for r in sorted(s_rows.itertuples(index=False),
                                key=lambda r: (kind_order.get(r.kind, 9), natural_key(r.aim_id))):
                    view.elements.append(Element(r.aim_id, r.kind, r.text,
                                                 levels.get((r.aim_id, latest or ""), "none")))
                mine = claims[(claims["link_plan"] == plan_id) & (claims["link_sub"] == str(sub_id))]
                for period in periods:
                    in_period = mine[mine["period_label"] == period]
                    lvl = best_level([levels.get((a, period), "none") for a in s_rows["aim_id"]])
                    view.cells.append(HeatCell(period, lvl, int(len(in_period))))
                ordered = mine.assign(pk=mine["period_label"].map(period_key)).sort_values(
                    ["pk", "score", "claim_id"], ascending=[False, False, True])
                view.claims = [claim_view(r) for r in ordered.to_dict("records")]
                outcome.sub_outcomes.append(view)
            in_outcome = claims[claims["aim_id"].isin(o_rows["aim_id"])]
            gbp = in_outcome.assign(gbp=in_outcome["claim_id"].map(money).fillna(0.0))
            outcome.money_gbp = {p: float(gbp.loc[gbp["period_label"] == p, "gbp"].sum())
                                 for p in periods}
            outcomes.append(outcome)
        title_rows = plans[plans["plan_id"].astype(str) == plan_id]["title"]
        title = str(title_rows.iloc[0]) if len(title_rows) and str(title_rows.iloc[0]) else plan_id
        plan_views.append(PlanView(plan_id, title, outcomes))

    return ReportContext(
        title=_report_title(plan_views),
        periods=periods,
        latest_period=latest,
        plans=plan_views,
        gaps=_gaps(coverage, aims, latest, len(plan_ids)),
        metrics=_metrics(tables.get("metrics")),
        documents=_documents(docs, claims, raw_dir, report_dir),
        n_claims=int(len(claims)),
        rules=rules,
    )


def _report_title(plans: list[PlanView]) -> str:
    if len(plans) == 1:
        return f"Evidence against {plans[0].title}"
    return "Evidence against the strategic plan"


def _gaps(coverage: pd.DataFrame, aims: pd.DataFrame, latest: str | None, n_plans: int) -> list[GapView]:
    if latest is None or coverage.empty or latest not in set(coverage["period_label"].astype(str)):
        return []
    gaps = find_gaps(coverage, aims, period=latest)
    return [GapView(str(r.outcome), str(r.sub_outcome_id), str(r.sub_outcome),
                    anchor_for(str(r.plan_id), str(r.sub_outcome_id), n_plans), str(r.aim_id),
                    str(r.text), str(r.evidence), int(r.n_claims))
            for r in gaps.itertuples(index=False)]


def _metrics(metrics: pd.DataFrame | None) -> list[MetricView]:
    df = conform_input(metrics, "metrics")
    out = []
    for sid, grp in df.groupby("series_id"):
        values = pd.to_numeric(grp["value"], errors="coerce")
        grp = grp.assign(value=values)[values.notna()]
        pts = sorted(((str(p), float(v)) for p, v in zip(grp["period_label"], grp["value"], strict=True)),
                     key=lambda pv: period_key(pv[0]))
        if len(pts) >= 2:
            out.append(MetricView(str(sid), str(grp["measure"].iloc[0]), str(grp["unit"].iloc[0]),
                                  tuple(pts)))
    return sorted(out, key=lambda m: (-len(m.points), m.measure))


def _documents(docs: pd.DataFrame, claims: pd.DataFrame, raw_dir: Path,
               report_dir: Path) -> list[DocumentView]:
    counted = claims.groupby("doc_id").size()
    out = [DocumentView(str(r.file), str(r.title), str(r.doc_type), str(r.period_label),
                        _int(r.pages), int(counted.get(r.doc_id, 0)), str(r.status),
                        source_href(raw_dir, str(r.file), report_dir))
           for r in docs.itertuples(index=False)]
    return sorted(out, key=lambda d: (period_key(d.period_label), d.file))
