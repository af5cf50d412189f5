"""Output tables → a report context: plain dataclasses holding exactly what the page shows.

The report READS the decisions made by the evidence stage; it never recounts them. Levels,
counts and council money come from ``coverage``; which claim is evidence for which element,
and in what role, from ``evidence``; values of success measures from ``measure_values``; the
role of each amount from ``money.role``. So the page and ``planmine gaps``/``measures`` always
agree, and :mod:`pipeline.report.render` only lays things out.

Decisions that are the report's own, and why:

* **One row per aim of the plan** in the heatmap: the level where evidence differs (a
  sub-outcome pools everything and is nearly always strong). A refreshed plan version that
  rewords an aim is shown on the base aim's row from the refresh's period on (marked), so an
  aim never shows twice and its history reads along one row.
* **Periods before a plan's start** (the period ends before ``plans.period_start``) are shown,
  but marked "plan not yet in force": reports of those years were not written against it.
* **Money per outcome** is the sum of coverage's ``money_total_gbp`` (council's own funding and
  spending) over the outcome's kind-``aim`` rows: every evidence claim names exactly one aim of
  its sub-outcome, so those rows are disjoint. Economy-wide and programme amounts (``money.role``)
  are listed apart, never charted with the council's.
* **Source links** are absolute (``file://`` of the input folder, or ``--pdf-base``), so the
  report keeps working when it is emailed or moved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from pipeline.config import DEFAULT_INPUT_DIR
from pipeline.evidence.compare import find_gaps, measures_reported
from pipeline.evidence.coverage import (
    EVIDENCE_LEVELS,
    conform_input,
    natural_key,
    period_key,
    reporting_periods,
)
from pipeline.evidence.rules import AllRules, default_rules
from pipeline.plan.diff import plan_diff_from_tables
from pipeline.tables.queries import OutputsMissing, load_table

#: The tables the report reads, in the order it reads them.
REPORT_TABLES: tuple[str, ...] = (
    "documents", "sections", "claims", "money", "figures", "dates", "plans", "aims", "links",
    "evidence", "measure_values", "coverage", "metrics",
)

#: Plan element kinds in the order a reader meets them in the plan, with their headings.
KIND_HEADINGS: dict[str, str] = {
    "aim": "Aims", "action": "Actions", "measure": "How we will measure success",
}

#: The mention kinds highlighted in claim text (table name → CSS class / label).
MARK_KINDS: dict[str, str] = {"money": "money", "figures": "figure", "dates": "date"}

#: Money roles that are not the council's own funding or spending (listed apart).
OTHER_MONEY_ROLES: tuple[str, ...] = ("economy", "programme")

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


@dataclass(frozen=True)
class Mark:
    """A highlighted span of a claim's text: a money amount, a figure or a date."""

    start: int
    end: int
    kind: str  # money | figure | date
    label: str  # the normalised value, shown as a tooltip


@dataclass(frozen=True)
class ClaimView:
    """One evidence claim as the reader sees it, with where to check it in the source."""

    claim_id: str
    text: str
    claim_type: str
    period_label: str
    page: int | None
    source: str  # the document's file name
    href: str  # link to the source (PDF page fragment where there is a page)
    role: str  # result | activity ('' when read from links, without an evidence table)
    aim_id: str
    aim_kind: str
    aim_text: str
    also: tuple[tuple[str, str], ...] = ()  # (kind, text) of the action/measure it is evidence for
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True)
class AimCell:
    """An aim's evidence in one period, as coverage states it."""

    period_label: str
    level: str  # none | weak | moderate | strong | '' (the aim was not in the plan then)
    n_claims: int
    n_results: int
    in_force: bool  # False: the period ends before the plan's start
    reworded: bool = False  # the row is the refreshed wording of the aim


@dataclass
class AimRow:
    """A heatmap row: one aim of the plan across the periods."""

    aim_id: str
    outcome_id: str
    outcome: str
    sub_outcome_id: str
    sub_outcome: str
    anchor: str
    text: str  # the latest wording in force (a refresh's, where it rewords the aim)
    cells: list[AimCell] = field(default_factory=list)
    earlier_text: str = ""  # the base plan's wording, where a refresh changed it

    def cell(self, period: str) -> AimCell | None:
        return next((c for c in self.cells if c.period_label == period), None)


@dataclass(frozen=True)
class Change:
    """An aim whose evidence level differs between the previous and the latest period."""

    anchor: str
    sub_outcome_id: str
    text: str
    before: str
    after: str


@dataclass(frozen=True)
class ElementGap:
    """A plan element without (or with weak) evidence in the latest period."""

    outcome: str
    sub_outcome_id: str
    sub_outcome: str
    anchor: str
    aim_id: str
    kind: str
    text: str
    evidence: str
    n_claims: int


@dataclass(frozen=True)
class MeasureValue:
    value: float
    unit: str
    href: str
    source: str


@dataclass
class MeasureView:
    """A success measure of the plan with the values reported for it, period by period."""

    aim_id: str
    sub_outcome_id: str
    anchor: str
    text: str
    values: dict[str, list[MeasureValue]] = field(default_factory=dict)

    @property
    def reported(self) -> bool:
        return any(self.values.values())


@dataclass(frozen=True)
class OtherMoney:
    """An economy-wide or programme amount, listed apart from the council's money."""

    text: str  # the amount as printed
    value: float
    currency: str
    role: str
    period_label: str
    sentence: str
    href: str
    source: str


@dataclass
class SubOutcomeView:
    """A sub-outcome: its plan wording and the evidence claims for it (folded on screen)."""

    plan_id: str
    outcome_id: str
    outcome: str
    sub_outcome_id: str
    sub_outcome: str
    anchor: str
    elements: list[tuple[str, str, str]] = field(default_factory=list)  # (aim_id, kind, text)
    claims: list[ClaimView] = field(default_factory=list)

    def claims_in(self, period: str) -> list[ClaimView]:
        return [c for c in self.claims if c.period_label == period]


@dataclass
class OutcomeView:
    """An outcome of the plan with its sub-outcomes and the council's GBP money per period."""

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
    period_start: str = ""
    period_end: str = ""


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
    periods: list[str]  # oldest first
    latest_period: str | None
    previous_period: str | None
    not_in_force: set[str]  # periods that end before the plan's start
    plans: list[PlanView]
    aim_rows: list[AimRow]
    gaps: list[ElementGap]  # kind aim, none or weak, latest period
    missing: dict[str, list[ElementGap]]  # kind → elements with no evidence in the latest period
    in_force: dict[str, int]  # kind → elements in force in the latest period
    changes: list[Change]
    measures: list[MeasureView]
    measures_reported: list[tuple[str, int, int]]  # (period, with a value, in force)
    other_money: list[OtherMoney]
    metrics: list[MetricView]
    documents: list[DocumentView]
    n_claims: int
    rules: AllRules

    @property
    def sub_outcomes(self) -> list[SubOutcomeView]:
        return [s for p in self.plans for o in p.outcomes for s in o.sub_outcomes]

    @property
    def periods_latest_first(self) -> list[str]:
        return list(reversed(self.periods))


# --- small pure helpers ----------------------------------------------------------------------

def best_level(levels: Iterable[str]) -> str:
    """The highest evidence level in ``levels`` (``none`` if empty or unknown)."""
    rank = {lvl: i for i, lvl in enumerate(EVIDENCE_LEVELS)}
    known = [lvl for lvl in levels if lvl in rank]
    return max(known, key=rank.__getitem__, default="none")


def level_rank(level: str) -> int:
    """0 for none up to 3 for strong; -1 for anything else."""
    return EVIDENCE_LEVELS.index(level) if level in EVIDENCE_LEVELS else -1


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
    if unit in ("money", "GBP"):
        return format_gbp(v)
    text = f"{_trim(round(v / 1e6, 1))}m" if abs(v) >= 1e6 else (
        f"{v:,.0f}" if v.is_integer() else f"{v:,.1f}")
    return text if unit in ("", "count", "ordinal") else f"{text} {unit}"


def _trim(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x % 1 else f"{x:,.0f}"


def anchor_for(plan_id: str, sub_outcome_id: str, n_plans: int) -> str:
    """A stable HTML id for a sub-outcome's section (``so-4-1``; plan-prefixed if several)."""
    raw = f"{plan_id}-{sub_outcome_id}" if n_plans > 1 else sub_outcome_id
    return "so-" + "".join(ch if ch.isalnum() else "-" for ch in raw)


def source_href(file: str, raw_dir: Path, pdf_base: str | None = None, page: int | None = None) -> str:
    """An absolute link to a source file (``#page=N`` for PDFs), so it keeps working when the
    report is emailed or moved: ``pdf_base`` + the file's path when ``pdf_base`` is a URL, the
    file in the folder ``pdf_base`` when it is a folder, else a ``file://`` URI in ``raw_dir``."""
    posix = Path(str(file)).as_posix()
    if pdf_base and _URL.match(pdf_base):
        href = pdf_base.rstrip("/") + "/" + quote(posix, safe="/.-_~")
    else:
        folder = Path(pdf_base) if pdf_base else Path(raw_dir)
        href = (folder.expanduser().resolve() / posix).as_uri()
    if page is not None and posix.lower().endswith(".pdf"):
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


def periods_before_start(period_ends: Mapping[str, str], plan_start: str) -> set[str]:
    """The periods that end before ``plan_start`` (ISO dates; unknown dates are in force)."""
    try:
        start = date.fromisoformat(str(plan_start)[:10])
    except ValueError:
        return set()
    out = set()
    for label, end in period_ends.items():
        try:
            if date.fromisoformat(str(end)[:10]) < start:
                out.add(label)
        except ValueError:
            continue
    return out


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


def _int(value: object) -> int | None:
    try:
        return None if pd.isna(value) else int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _num(value: object, default: float = 0.0) -> float:
    v = pd.to_numeric(value, errors="coerce")
    return default if pd.isna(v) else float(v)


def _mark_label(kind: str, row: Mapping[str, object]) -> str:
    if kind == "money":
        value = pd.to_numeric(row.get("value"), errors="coerce")
        cur = str(row.get("currency") or "")
        if pd.isna(value):
            return "money"
        role = str(row.get("role") or "")
        role = "" if role in ("", "council", "nan") else f" ({role})"
        return f"money: {format_gbp(value) if cur == 'GBP' else f'{value:,.0f} {cur}'}{role}"
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


def evidence_rows(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The evidence table (claim → element, period, role); from rank-1 links where the outputs
    predate it (role empty), so older output folders still give a report."""
    ev = conform_input(tables.get("evidence"), "evidence")
    if len(ev):
        return ev.astype({"claim_id": str, "aim_id": str, "period_label": str})
    links = conform_input(tables.get("links"), "links")
    claims = conform_input(tables.get("claims"), "claims")
    periods = reporting_periods(conform_input(tables.get("documents"), "documents"))
    rank = pd.to_numeric(links["rank"], errors="coerce")
    best = links[rank == 1].astype({"claim_id": str, "aim_id": str})
    ctype = dict(zip(claims["claim_id"].astype(str), claims["claim_type"].astype(str), strict=True))
    doc = dict(zip(claims["claim_id"].astype(str), claims["doc_id"].astype(str), strict=True))
    best = best.assign(period_label=best["claim_id"].map(doc).map(periods),
                       ctype=best["claim_id"].map(ctype))
    best = best[best["period_label"].notna() & ~best["ctype"].isin(["other", None])]
    return pd.DataFrame({"claim_id": best["claim_id"], "aim_id": best["aim_id"],
                         "period_label": best["period_label"].astype(str),
                         "score": best["score"], "role": ""})


# --- building --------------------------------------------------------------------------------

def _base_plan(aims: pd.DataFrame) -> str | None:
    """The plan version with the most elements (a refresh restates aims only)."""
    if aims.empty:
        return None
    sizes = aims.groupby("plan_id").size()
    return str(max(sizes.index, key=lambda pid: (sizes[pid], [-ord(ch) for ch in str(pid)])))


def _replacements(plans: pd.DataFrame, aims: pd.DataFrame) -> tuple[dict[str, list[str]], pd.DataFrame]:
    """base aim_id → the refreshed aim ids that reword it; and the refreshes' new aims."""
    if plans.empty or aims["plan_id"].nunique() < 2:
        return {}, aims.iloc[0:0]
    diff = plan_diff_from_tables(plans.astype({"plan_id": str, "doc_id": str}), aims)
    out: dict[str, list[str]] = {}
    for r in diff[diff["status"].isin(["reworded", "changed_target"])].itertuples(index=False):
        out.setdefault(str(r.old_aim_id), []).append(str(r.new_aim_id))
    new_ids = set(diff.loc[diff["status"] == "new", "new_aim_id"].astype(str))
    return out, aims[aims["aim_id"].isin(new_ids) & (aims["kind"] == "aim")]


def build_context(
    tables: Mapping[str, pd.DataFrame],
    report_dir: Path | None = None,
    raw_dir: Path | None = None,
    pdf_base: str | None = None,
    rules: AllRules | None = None,
) -> ReportContext:
    """Decide everything the report shows from the output tables (see the module docstring).

    ``report_dir`` is accepted for callers of the old signature; links no longer depend on it.
    """
    rules = rules or default_rules()
    raw_dir = Path(raw_dir) if raw_dir else DEFAULT_INPUT_DIR
    docs = conform_input(tables.get("documents"), "documents")
    aims = conform_input(tables.get("aims"), "aims").astype(str)
    plans = conform_input(tables.get("plans"), "plans")
    coverage = conform_input(tables.get("coverage"), "coverage").astype(
        {"aim_id": str, "period_label": str, "plan_id": str})
    claims_t = conform_input(tables.get("claims"), "claims").astype({"claim_id": str, "doc_id": str})
    money_t = conform_input(tables.get("money"), "money")
    mvals = conform_input(tables.get("measure_values"), "measure_values")

    doc_period = reporting_periods(docs)
    periods = sorted({str(p) for p in coverage["period_label"] if str(p)} | set(doc_period.values()),
                     key=period_key)
    latest = periods[-1] if periods else None
    previous = periods[-2] if len(periods) > 1 else None
    ends: dict[str, str] = {}
    for r in docs.itertuples(index=False):
        if str(r.period_label) in periods and _filled(r.period_end):
            ends[str(r.period_label)] = max(ends.get(str(r.period_label), ""), str(r.period_end))

    base_id = _base_plan(aims)
    plan_rows = plans.astype({"plan_id": str})
    base_plan = plan_rows[plan_rows["plan_id"] == base_id]
    plan_start = str(base_plan["period_start"].iloc[0]) if len(base_plan) and _filled(
        base_plan["period_start"].iloc[0]) else ""
    plan_end = str(base_plan["period_end"].iloc[0]) if len(base_plan) and _filled(
        base_plan["period_end"].iloc[0]) else ""
    not_in_force = periods_before_start(ends, plan_start) if plan_start else set()

    aim_info = aims.drop_duplicates("aim_id").set_index("aim_id")
    base = aims[aims["plan_id"] == base_id] if base_id else aims
    n_plans = 1
    anchor = {(str(r.sub_outcome_id)): anchor_for(str(r.plan_id), str(r.sub_outcome_id), n_plans)
              for r in base.itertuples(index=False)}
    files = dict(zip(docs["doc_id"].astype(str), docs["file"].astype(str), strict=True))
    claim_doc = dict(zip(claims_t["claim_id"], claims_t["doc_id"], strict=True))
    claim_page = dict(zip(claims_t["claim_id"], claims_t["page"].map(_int), strict=True))

    def href_of(claim_id: str) -> tuple[str, str]:
        file = files.get(claim_doc.get(claim_id, ""), "")
        if not file:
            return "", ""
        page = claim_page.get(claim_id)
        return source_href(file, raw_dir, pdf_base, page), (
            Path(file).name + (f", p. {page}" if page is not None else ""))

    # -- coverage, read as it is
    cov = {(r.aim_id, r.period_label): r for r in coverage.itertuples(index=False)}
    replaced, new_aims = _replacements(plans, aims)

    def cell(ids: list[str], period: str) -> AimCell:
        for i, aid in enumerate(ids):
            row = cov.get((aid, period))
            if row is not None:
                return AimCell(period, str(row.evidence), int(_num(row.n_claims)),
                               int(_num(row.n_results)), period not in not_in_force,
                               reworded=i < len(ids) - 1 or aid not in set(base["aim_id"]))
        return AimCell(period, "", 0, 0, period not in not_in_force)

    aim_rows: list[AimRow] = []
    row_ids: dict[str, list[str]] = {}
    heat_aims = pd.concat([base[base["kind"] == "aim"], new_aims], ignore_index=True)
    heat_aims = heat_aims.assign(_k=[(natural_key(s), natural_key(a.rsplit(":", 1)[-1]))
                                     for s, a in zip(heat_aims["sub_outcome_id"], heat_aims["aim_id"],
                                                     strict=True)])
    for r in heat_aims.sort_values("_k", kind="stable").itertuples(index=False):
        ids = [*replaced.get(r.aim_id, []), r.aim_id]
        row_ids[r.aim_id] = ids
        newer = [str(aim_info["text"].get(a, "")) for a in replaced.get(r.aim_id, [])]
        text = newer[0] if newer and newer[0] else r.text
        aim_rows.append(AimRow(r.aim_id, r.outcome_id, r.outcome, r.sub_outcome_id, r.sub_outcome,
                               anchor.get(r.sub_outcome_id, anchor_for(r.plan_id, r.sub_outcome_id, 1)),
                               text, [cell(ids, p) for p in periods],
                               earlier_text=r.text if text != r.text else ""))

    # -- the answers: gaps, missing evidence per kind, changes
    gaps: list[ElementGap] = []
    missing: dict[str, list[ElementGap]] = {k: [] for k in KIND_HEADINGS}
    in_force: dict[str, int] = dict.fromkeys(KIND_HEADINGS, 0)
    if latest and len(coverage) and latest in set(coverage["period_label"]):
        every = find_gaps(coverage, aims, period=latest, levels=tuple(EVIDENCE_LEVELS), kinds=None)
        for r in every.itertuples(index=False):
            kind = str(r.kind)
            in_force[kind] = in_force.get(kind, 0) + 1
            gap = ElementGap(str(aim_info["outcome"].get(r.aim_id, "")), str(r.sub_outcome_id),
                             str(r.sub_outcome), anchor.get(str(r.sub_outcome_id), ""),
                             str(r.aim_id), kind, str(r.text), str(r.evidence), int(_num(r.n_claims)))
            if r.evidence == "none":
                missing.setdefault(kind, []).append(gap)
            if kind == "aim" and r.evidence in ("none", "weak"):
                gaps.append(gap)
    changes: list[Change] = []
    if latest and previous:
        for row in aim_rows:
            a, b = row.cell(previous), row.cell(latest)
            if a and b and a.level and b.level and a.level != b.level:
                changes.append(Change(row.anchor, row.sub_outcome_id, row.text, a.level, b.level))
        changes.sort(key=lambda c: (level_rank(c.after) - level_rank(c.before), natural_key(c.sub_outcome_id)))

    # -- success measures and their values
    measures: list[MeasureView] = []
    by_measure: dict[str, dict[str, list[MeasureValue]]] = {}
    for r in mvals.itertuples(index=False):
        href, source = href_of(str(r.claim_id))
        by_measure.setdefault(str(r.aim_id), {}).setdefault(str(r.period_label), []).append(
            MeasureValue(_num(r.value), str(r.unit or ""), href, source))
    for r in base[base["kind"] == "measure"].itertuples(index=False):
        measures.append(MeasureView(r.aim_id, r.sub_outcome_id, anchor.get(r.sub_outcome_id, ""),
                                    r.text, by_measure.get(r.aim_id, {})))
    measures.sort(key=lambda m: (not m.reported, natural_key(m.sub_outcome_id), natural_key(m.aim_id)))
    reported = measures_reported(coverage, aims) if len(coverage) else []

    # -- money: the council's from coverage; economy/programme listed apart
    cov_aims = coverage.merge(aims[["aim_id", "kind", "outcome_id"]], on="aim_id", how="left")
    has_aims = set(cov_aims.loc[cov_aims["kind"] == "aim", "sub_outcome_id"].astype(str))
    counted = cov_aims[(cov_aims["kind"] == "aim") | ~cov_aims["sub_outcome_id"].astype(str).isin(has_aims)]
    money_by = counted.assign(gbp=pd.to_numeric(counted["money_total_gbp"], errors="coerce").fillna(0.0)
                              ).groupby(["outcome_id", "period_label"])["gbp"].sum()
    other: list[OtherMoney] = []
    if "role" in money_t.columns:
        text_of = dict(zip(claims_t["claim_id"], claims_t["text"].astype(str), strict=True))
        for r in money_t[money_t["role"].isin(OTHER_MONEY_ROLES)].itertuples(index=False):
            cid = str(r.claim_id)
            period = doc_period.get(str(r.doc_id))
            if period is None:
                continue
            href, source = href_of(cid)
            other.append(OtherMoney(str(r.text), _num(r.value), str(r.currency), str(r.role), period,
                                    text_of.get(cid, ""), href, source))
        other.sort(key=lambda m: (-period_key(m.period_label)[0], m.role, -m.value))

    # -- claims per sub-outcome, from the evidence table
    ev = evidence_rows(tables)
    ev = ev[ev["aim_id"].isin(aim_info.index)]
    ev = ev.assign(kind=ev["aim_id"].map(aim_info["kind"]),
                   sub=ev["aim_id"].map(aim_info["sub_outcome_id"]))
    mentions = _mentions_by_claim(tables)
    claim_rows = claims_t.set_index("claim_id")
    claims_by_sub: dict[str, list[ClaimView]] = {}
    order = {k: i for i, k in enumerate(KIND_HEADINGS)}
    for cid, grp in ev.groupby("claim_id", sort=False):
        if cid not in claim_rows.index:
            continue
        grp = grp.assign(_o=grp["kind"].map(order).fillna(9)).sort_values("_o")
        main = grp.iloc[0]
        c = claim_rows.loc[cid]
        text = str(c["text"])
        href, source = href_of(str(cid))
        role = "result" if (grp["role"] == "result").any() else str(main["role"] or "")
        also = tuple((str(k), str(aim_info["text"].get(a, ""))) for a, k in
                     zip(grp["aim_id"].iloc[1:], grp["kind"].iloc[1:], strict=True))
        found = find_marks(text, [(t, k, lbl) for _, t, k, lbl in mentions.get(str(cid), [])])
        view = ClaimView(str(cid), text, str(c["claim_type"]), str(main["period_label"]),
                         _int(c["page"]), source.split(",")[0], href, role, str(main["aim_id"]),
                         str(main["kind"]), str(aim_info["text"].get(main["aim_id"], "")), also, found)
        claims_by_sub.setdefault(str(main["sub"]), []).append(view)

    outcomes: list[OutcomeView] = []
    for outcome_id, o_rows in sorted(base.groupby("outcome_id"), key=lambda g: natural_key(g[0])):
        outcome = OutcomeView(str(base_id), str(outcome_id), str(o_rows["outcome"].iloc[0]))
        for sub_id, s_rows in sorted(o_rows.groupby("sub_outcome_id"), key=lambda g: natural_key(g[0])):
            view = SubOutcomeView(str(base_id), str(outcome_id), outcome.outcome, str(sub_id),
                                  str(s_rows["sub_outcome"].iloc[0]), anchor[str(sub_id)])
            view.elements = [(r.aim_id, r.kind, r.text) for r in sorted(
                s_rows.itertuples(index=False), key=lambda r: (order.get(r.kind, 9), natural_key(r.aim_id)))]
            mine = claims_by_sub.get(str(sub_id), [])
            view.claims = sorted(mine, key=lambda c: (-period_key(c.period_label)[0], c.role != "result",
                                                      natural_key(c.claim_id)))
            outcome.sub_outcomes.append(view)
        outcome.money_gbp = {p: float(money_by.get((str(outcome_id), p), 0.0)) for p in periods}
        outcomes.append(outcome)
    title_rows = base_plan["title"]
    title = str(title_rows.iloc[0]) if len(title_rows) and _filled(title_rows.iloc[0]) else str(base_id or "")
    plan_views = [PlanView(str(base_id), title, outcomes, plan_start, plan_end)] if base_id else []

    n_claims = sum(len(s.claims) for p in plan_views for o in p.outcomes for s in o.sub_outcomes)
    shown_docs = pd.Series([claim_doc.get(c.claim_id, "") for p in plan_views for o in p.outcomes
                            for s in o.sub_outcomes for c in s.claims], dtype=object)
    return ReportContext(
        title=f"Evidence against {title}" if title else "Evidence against the strategic plan",
        periods=periods,
        latest_period=latest,
        previous_period=previous,
        not_in_force=not_in_force,
        plans=plan_views,
        aim_rows=aim_rows,
        gaps=gaps,
        missing=missing,
        in_force=in_force,
        changes=changes,
        measures=measures,
        measures_reported=reported,
        other_money=other,
        metrics=_metrics(tables.get("metrics")),
        documents=_documents(docs, shown_docs.value_counts(), raw_dir, pdf_base),
        n_claims=n_claims,
        rules=rules,
    )


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and str(value) not in ("", "nan", "NaT", "None")


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


def _documents(docs: pd.DataFrame, counted: pd.Series, raw_dir: Path,
               pdf_base: str | None) -> list[DocumentView]:
    out = [DocumentView(str(r.file), str(r.title), str(r.doc_type),
                        str(r.period_label) if _filled(r.period_label) else "",
                        _int(r.pages), int(counted.get(str(r.doc_id), 0)), str(r.status),
                        source_href(str(r.file), raw_dir, pdf_base))
           for r in docs.itertuples(index=False)]
    return sorted(out, key=lambda d: (period_key(d.period_label), d.file))
