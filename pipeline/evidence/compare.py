"""Gaps, period comparison and table formatting over the coverage table.

Also the one import point for the corpus stage and the CLI: ``build_coverage`` (in
:mod:`pipeline.evidence.coverage`) and ``build_metrics`` (in :mod:`pipeline.evidence.metrics`) are re-exported.

Sub-outcome totals and double counting: under ``aim_scope: sub_outcome`` (the default in
``models/evidence_rules.yaml``) every kind-``aim`` row of a sub-outcome carries the same
sub-outcome-wide counts, so adding rows up would count a claim once per aim. Sub-outcome
totals therefore take one ``aim`` row's counts where the sub-outcome has aims, and add up the
(directly linked, disjoint) rows only where it has none or the scope is ``direct``.
"""

from __future__ import annotations

import io
import json
import shutil

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipeline.evidence.coverage import (
    EvidenceRules,
    build_coverage,
    conform_input,
    load_evidence_rules,
    natural_key,
    period_key,
)
from pipeline.evidence.metrics import build_metrics

__all__ = [
    "build_coverage", "build_metrics", "find_gaps", "compare_periods", "lost_evidence",
    "format_table", "DEFAULT_GAP_LEVELS", "DEFAULT_GAP_KINDS", "FORMATS",
]

#: Evidence levels that make an aim a gap.
DEFAULT_GAP_LEVELS: tuple[str, ...] = ("none", "weak")
#: Plan element kinds listed as gaps and lost evidence: aims, not every action and measure.
DEFAULT_GAP_KINDS: tuple[str, ...] = ("aim",)
FORMATS = ("table", "csv", "json")

_COUNTS = ("n_claims", "n_achievements", "n_money", "money_total_gbp")


def _with_aims(coverage: pd.DataFrame, aims: pd.DataFrame) -> pd.DataFrame:
    """Coverage rows joined to their aim's outcome, sub-outcome, kind and text."""
    coverage = conform_input(coverage, "coverage")
    aims = conform_input(aims, "aims")
    info = aims[["aim_id", "outcome_id", "outcome", "sub_outcome", "kind", "text"]]
    return coverage.merge(info.astype({"aim_id": str}), on="aim_id", how="left")


def _periods(coverage: pd.DataFrame) -> list[str]:
    return sorted({str(p) for p in coverage["period_label"].dropna()}, key=period_key)


def _check_period(period: str, coverage: pd.DataFrame) -> None:
    known = _periods(coverage)
    if period not in known:
        raise ValueError(f"no period {period!r} in coverage; known periods: {', '.join(known) or 'none'}")


def _sort_aim_rows(df: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in ("plan_id", "sub_outcome_id", "aim_id") if c in df.columns]
    return df.sort_values(cols, key=lambda s: s.map(natural_key)).reset_index(drop=True)


def find_gaps(
    coverage: pd.DataFrame,
    aims: pd.DataFrame,
    period: str | None = None,
    levels: tuple[str, ...] = DEFAULT_GAP_LEVELS,
    kinds: tuple[str, ...] | None = DEFAULT_GAP_KINDS,
) -> pd.DataFrame:
    """The aims whose evidence in ``period`` (default: the latest) is one of ``levels``.

    ``kinds`` limits the plan elements listed (default: kind ``aim``; None lists actions and
    measures too). Columns: period_label, plan_id, outcome, sub_outcome_id, sub_outcome,
    aim_id, kind, text, n_claims, n_achievements, evidence.
    """
    cov = conform_input(coverage, "coverage")
    if period is None:
        known = _periods(cov)
        if not known:
            raise ValueError("coverage has no periods: is there an annual report among the inputs?")
        period = known[-1]
    else:
        _check_period(period, cov)
    rows = _with_aims(cov[cov["period_label"] == period], aims)
    rows = rows[rows["evidence"].isin(levels)]
    if kinds is not None:
        rows = rows[rows["kind"].isin(kinds)]
    cols = ["period_label", "plan_id", "outcome", "sub_outcome_id", "sub_outcome", "aim_id",
            "kind", "text", "n_claims", "n_achievements", "n_results", "n_values", "evidence"]
    return _sort_aim_rows(rows[cols])


def measures_reported(coverage: pd.DataFrame, aims: pd.DataFrame) -> list[tuple[str, int, int]]:
    """Per period: (label, measures with a reported value, measures in force)."""
    rows = _with_aims(conform_input(coverage, "coverage"), aims)
    rows = rows[rows["kind"] == "measure"]
    n_values = pd.to_numeric(rows["n_values"], errors="coerce").fillna(0)
    out = []
    for label in _periods(rows):
        in_period = rows["period_label"] == label
        out.append((label, int((n_values[in_period] > 0).sum()), int(in_period.sum())))
    return out


def measures_table(aims: pd.DataFrame, values: pd.DataFrame, period: str | None = None) -> pd.DataFrame:
    """One row per success measure: its sub-outcome and text, then the values per period.

    A period column lists every value reported in it ("48.9 percent; 50.1 percent").
    """
    aims = conform_input(aims, "aims")
    values = conform_input(values, "measure_values")
    measures = aims[aims["kind"] == "measure"].drop_duplicates("aim_id")
    labels = sorted({str(p) for p in values["period_label"].dropna()}, key=period_key)
    if period is not None:
        if period not in labels:
            raise ValueError(f"no values for period {period!r}; periods with values: "
                             f"{', '.join(labels) or 'none'}")
        labels = [period]
    out = measures[["sub_outcome_id", "aim_id", "text"]].astype(str).copy()
    for label in labels:
        v = values[values["period_label"].astype(str) == label]
        cells = v.groupby(v["aim_id"].astype(str)).apply(
            lambda g: "; ".join(f"{_cell(float(x))} {u}" for x, u in zip(g["value"], g["unit"], strict=True)),
            include_groups=False)
        out[label] = out["aim_id"].map(cells).fillna("")
    if period is not None:
        out = out[out[period] != ""]
    return _sort_aim_rows(out)


def _sub_outcome_totals(cov: pd.DataFrame, rules: EvidenceRules) -> pd.DataFrame:
    """Per (plan, sub-outcome, period): claims, achievements, money without double counting."""
    out = []
    for (plan, sub, period), grp in cov.groupby(["plan_id", "sub_outcome_id", "period_label"]):
        shared = grp[grp["kind"].isin(rules.scope_kinds)]
        if rules.aim_scope == "sub_outcome" and not shared.empty:
            # every shared row holds the sub-outcome's union; take the fullest one
            row = shared.sort_values("n_claims", ascending=False).iloc[0]
            totals = {c: row[c] for c in _COUNTS}
        else:
            totals = {c: grp[c].sum() for c in _COUNTS}
        out.append({"plan_id": plan, "sub_outcome_id": sub, "period_label": period, **totals,
                    "n_aims": int(len(grp)), "n_with_evidence": int((grp["evidence"] != "none").sum())})
    return pd.DataFrame(out)


def compare_periods(
    coverage: pd.DataFrame,
    aims: pd.DataFrame,
    a: str,
    b: str,
    rules: EvidenceRules | None = None,
) -> pd.DataFrame:
    """Per sub-outcome: claims, achievements and GBP money in periods ``a`` and ``b``, and change.

    Columns: plan_id, sub_outcome_id, sub_outcome, then for each of claims, achievements,
    money_gbp: ``<x>_a``, ``<x>_b``, ``<x>_change`` (b − a), then aims_with_evidence_a/_b
    (plan elements of any kind whose evidence is not none). Every sub-outcome is listed.
    ``rules`` must be the ones coverage was built with (default: the YAML).
    """
    rules = load_evidence_rules() if rules is None else rules
    cov = conform_input(coverage, "coverage")
    for p in (a, b):
        _check_period(p, cov)
    rows = _with_aims(cov[cov["period_label"].isin([a, b])], aims)
    totals = _sub_outcome_totals(rows, rules)
    names = (conform_input(aims, "aims").drop_duplicates(["plan_id", "sub_outcome_id"])
             .set_index(["plan_id", "sub_outcome_id"])["sub_outcome"])
    keys = sorted({(p, s) for p, s in zip(totals["plan_id"], totals["sub_outcome_id"], strict=True)},
                  key=lambda k: (natural_key(k[0]), natural_key(k[1])))
    by_key = totals.set_index(["plan_id", "sub_outcome_id", "period_label"])
    renames = {"n_claims": "claims", "n_achievements": "achievements", "money_total_gbp": "money_gbp"}
    out = []
    for plan, sub in keys:
        rec: dict[str, object] = {"plan_id": plan, "sub_outcome_id": sub,
                                  "sub_outcome": names.get((plan, sub), "")}
        for col, name in renames.items():
            va = by_key[col].get((plan, sub, a), 0)
            vb = by_key[col].get((plan, sub, b), 0)
            rec[f"{name}_a"], rec[f"{name}_b"], rec[f"{name}_change"] = va, vb, vb - va
        rec["aims_with_evidence_a"] = int(by_key["n_with_evidence"].get((plan, sub, a), 0))
        rec["aims_with_evidence_b"] = int(by_key["n_with_evidence"].get((plan, sub, b), 0))
        out.append(rec)
    cols = ["plan_id", "sub_outcome_id", "sub_outcome",
            *(f"{n}_{s}" for n in renames.values() for s in ("a", "b", "change")),
            "aims_with_evidence_a", "aims_with_evidence_b"]
    df = pd.DataFrame(out, columns=cols)
    for name in ("claims", "achievements"):
        for s in ("a", "b", "change"):
            df[f"{name}_{s}"] = df[f"{name}_{s}"].astype(int)
    for s in ("a", "b", "change"):
        df[f"money_gbp_{s}"] = df[f"money_gbp_{s}"].astype(float)
    return df


def lost_evidence(
    coverage: pd.DataFrame,
    aims: pd.DataFrame,
    a: str,
    b: str,
    kinds: tuple[str, ...] | None = DEFAULT_GAP_KINDS,
) -> pd.DataFrame:
    """The aims with some evidence (n_claims > 0) in period ``a`` and none in period ``b``.

    Columns: plan_id, outcome, sub_outcome_id, sub_outcome, aim_id, kind, text,
    n_claims_a, evidence_a.
    """
    cov = conform_input(coverage, "coverage")
    for p in (a, b):
        _check_period(p, cov)
    pa = cov[cov["period_label"] == a].set_index("aim_id")
    pb = cov[cov["period_label"] == b].set_index("aim_id")
    lost_ids = [aid for aid in pa.index
                if pa.at[aid, "n_claims"] > 0 and aid in pb.index and pb.at[aid, "n_claims"] == 0]
    rows = _with_aims(cov[(cov["period_label"] == a) & cov["aim_id"].isin(lost_ids)], aims)
    if kinds is not None:
        rows = rows[rows["kind"].isin(kinds)]
    rows = rows.rename(columns={"n_claims": "n_claims_a", "evidence": "evidence_a"})
    cols = ["plan_id", "outcome", "sub_outcome_id", "sub_outcome", "aim_id", "kind", "text",
            "n_claims_a", "evidence_a"]
    return _sort_aim_rows(rows[cols])


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return str(value)


def format_table(df: pd.DataFrame, fmt: str = "table", width: int | None = None) -> str:
    """``df`` as text: ``table`` (rich, rendered to a string), ``csv`` or ``json`` (records).

    Missing values print as empty cells (table, csv) or null (json). Numbers never wrap in
    a table; text columns fold to fit ``width`` (default: the terminal's, at least 120).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "csv":
        return df.to_csv(index=False, lineterminator="\n")
    if fmt == "json":
        records = json.loads(df.to_json(orient="records", date_format="iso", force_ascii=False))
        return json.dumps(records, ensure_ascii=False, indent=2)
    if width is None:
        width = max(shutil.get_terminal_size(fallback=(160, 40)).columns, 120)
    table = Table(show_lines=False)
    cells = [[_cell(v) for v in row] for row in df.itertuples(index=False)]
    for i, col in enumerate(df.columns):
        numeric = pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col])
        longest = max((len(r[i]) for r in cells), default=0)
        # numbers keep their full width; text keeps at least a readable strip
        table.add_column(str(col), justify="right" if numeric else "left", overflow="fold",
                         min_width=longest if numeric else min(longest, 14))
    for row in cells:
        table.add_row(*(Text(c) for c in row))  # Text: cell values are not markup
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None, force_terminal=False,
            legacy_windows=False).print(table)
    return buf.getvalue()
