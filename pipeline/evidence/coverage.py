"""Coverage: how much evidence each plan aim has in each reporting period.

One row per (aim, period) for EVERY aim given × EVERY reporting period found in the documents
(annual reports with a period label that did not fail), including the pairs with nothing,
so a gap is a row with ``evidence == "none"`` rather than a missing row.

Which links count, and how counts become a level (none, weak, moderate, strong), is data in
``models/evidence_rules.yaml`` (section ``coverage``), read into :class:`EvidenceRules`;
the file is the only source of these settings (every key required, none defaulted in code).
The shipped choices, and why:

* only rank-1 links count, so a sentence is evidence for one place in the plan;
* a row of kind ``aim`` counts every claim linked to any element of its sub-outcome, because
  the linker is reliable at the sub-outcome and not within it; actions and measures count
  only their direct links;
* claims of type ``other`` are not evidence.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ConfigDict

from pipeline.config import MODELS_DIR
from pipeline.model import CLAIM_TYPES
from pipeline.rulefiles import parse_yaml, validated
from pipeline.tables.schema import TABLES

#: The rules file shared by coverage and metrics.
RULES_PATH = MODELS_DIR / "evidence_rules.yaml"

EVIDENCE_LEVELS = ("none", "weak", "moderate", "strong")
AIM_SCOPES = ("sub_outcome", "direct")
AIM_KINDS = ("aim", "action", "measure")


COVERAGE_COLUMNS = TABLES["coverage"].column_names

#: Columns filled by corpus stages after the per-file rows exist: absent means not yet known.
LATE_COLUMNS = frozenset({"restates_aim_id", "repeat_of", "role", "n_results", "n_values"})

_CONDITIONS = ("min_claims", "min_achievements", "min_quantified")


@dataclass(frozen=True)
class LevelRule:
    """One evidence level and the minimums that earn it (all must hold; 0 = no minimum)."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    level: str
    min_claims: int = 0
    min_achievements: int = 0
    min_quantified: int = 0

    def __post_init__(self) -> None:
        if self.level not in EVIDENCE_LEVELS or self.level == "none":
            allowed = ", ".join(EVIDENCE_LEVELS[1:])
            raise ValueError(f"LevelRule.level must be one of {allowed}, got {self.level!r}")
        for name in _CONDITIONS:
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"LevelRule.{name} must be a whole number >= 0, got {value!r}")
        if self.min_claims < 1:
            # A level above "none" with zero claims would call an empty row evidence.
            raise ValueError(f"LevelRule for {self.level!r}: min_claims must be >= 1")

    def holds(self, n_claims: int, n_achievements: int, n_quantified: int) -> bool:
        return (n_claims >= self.min_claims and n_achievements >= self.min_achievements
                and n_quantified >= self.min_quantified)


@dataclass(frozen=True)
class EvidenceRules:
    """Which links count for coverage and how counts map to an evidence level."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    max_rank: int
    min_score: float
    aim_scope: str
    scope_kinds: tuple[str, ...]
    claim_types: tuple[str, ...]
    levels: tuple[LevelRule, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.max_rank, int) or self.max_rank < 1:
            raise ValueError(f"EvidenceRules.max_rank must be an integer >= 1, got {self.max_rank!r}")
        if not 0.0 <= float(self.min_score) <= 1.0:
            raise ValueError(f"EvidenceRules.min_score must be in [0, 1], got {self.min_score!r}")
        if self.aim_scope not in AIM_SCOPES:
            raise ValueError(
                f"EvidenceRules.aim_scope must be one of {AIM_SCOPES}, got {self.aim_scope!r}")
        for kind in self.scope_kinds:
            if kind not in AIM_KINDS:
                raise ValueError(
                    f"EvidenceRules.scope_kinds: {kind!r} is not one of {AIM_KINDS}")
        for ctype in self.claim_types:
            if ctype not in CLAIM_TYPES:
                raise ValueError(
                    f"EvidenceRules.claim_types: {ctype!r} is not one of {CLAIM_TYPES}")
        if not self.levels:
            raise ValueError("EvidenceRules.levels must list at least one rule")

    def level(self, n_claims: int, n_achievements: int, n_quantified: int) -> str:
        """The first level whose rule holds, else ``"none"``."""
        for rule in self.levels:
            if rule.holds(n_claims, n_achievements, n_quantified):
                return rule.level
        return "none"


def read_rules_section(section: str, path: Path | None = None) -> dict[str, Any]:
    """One top-level section of the rules YAML ({} if the file or section is absent)."""
    path = RULES_PATH if path is None else path
    if not path.exists():
        return {}
    data = _parsed_rules(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of sections, got {type(data).__name__}")
    value = data.get(section) or {}
    if not isinstance(value, dict):
        raise ValueError(f"{path}: section {section!r} must be a mapping")
    return copy.deepcopy(value)  # the parse is shared: a caller may change its copy


@lru_cache(maxsize=8)
def _parsed_rules(text: str) -> Any:
    """The YAML of a rules file, parsed once per distinct content: the evidence stage reads
    eight sections of one file, and parsing it was most of the time they took."""
    return parse_yaml(text)


def load_evidence_rules(path: Path | None = None) -> EvidenceRules:
    """The ``coverage`` section of the rules YAML, validated: a missing or unknown key, a bad
    value or level raises one error naming the file and the key."""
    path = RULES_PATH if path is None else path
    return validated(EvidenceRules, read_rules_section("coverage", path), path, "coverage")


# --- helpers shared with compare and metrics -------------------------------------------------

def conform_input(df: pd.DataFrame | None, table: str) -> pd.DataFrame:
    """``df`` with at least the schema columns of ``table`` (an empty frame if None or bare).

    The lead's orchestration passes ``pd.DataFrame()`` for tables a run did not produce.
    """
    cols = TABLES[table].column_names
    if df is None or df.empty and len(df.columns) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    missing = [c for c in cols if c not in df.columns]
    if missing and set(missing) <= LATE_COLUMNS:
        # columns the corpus stages add later (claims.repeat_of, money.role, ...) start empty
        return df.assign(**{c: "" for c in missing})
    if missing:
        raise ValueError(f"{table} table lacks column(s) {missing}; expected {cols}")
    return df


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() in (
        "", "nan", "NaT", "None", "<NA>")


def reporting_periods(documents: pd.DataFrame) -> dict[str, str]:
    """doc_id → period_label for annual reports with a period that did not fail."""
    docs = conform_input(documents, "documents")
    out: dict[str, str] = {}
    for row in docs.itertuples(index=False):
        if row.doc_type != "annual_report" or row.status == "failed" or _blank(row.period_label):
            continue
        out[str(row.doc_id)] = str(row.period_label).strip()
    return out


def period_key(label: str) -> tuple[int, str]:
    """Sort key for period labels: by first year, then text ("2019/20" < "2023/24")."""
    match = re.match(r"\s*(\d{4})", str(label))
    return (int(match.group(1)) if match else 10**6, str(label))


def natural_key(text: object) -> tuple[Any, ...]:
    """Sort key that orders embedded numbers numerically ("4.2" < "4.10", "a2" < "a10")."""
    parts = re.split(r"(\d+)", str(text))
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


# --- coverage --------------------------------------------------------------------------------

def _counted_links(links: pd.DataFrame, rules: EvidenceRules, min_score: float) -> pd.DataFrame:
    links = conform_input(links, "links")
    if links.empty:
        return pd.DataFrame(columns=["claim_id", "aim_id"])
    rank = pd.to_numeric(links["rank"], errors="coerce")
    score = pd.to_numeric(links["score"], errors="coerce").fillna(0.0)
    keep = (rank <= rules.max_rank) & (score >= min_score)
    return links.loc[keep, ["claim_id", "aim_id"]].astype(str).drop_duplicates()


def _claim_stats(claims: pd.DataFrame, money: pd.DataFrame, figures: pd.DataFrame,
                 periods: dict[str, str], rules: EvidenceRules) -> pd.DataFrame:
    """Per counted claim: period, achievement flag, money count and GBP total, figure count."""
    claims = conform_input(claims, "claims")
    stats = claims.loc[:, ["claim_id", "doc_id", "claim_type"]].copy()
    stats["claim_id"] = stats["claim_id"].astype(str)
    stats["period_label"] = stats["doc_id"].astype(str).map(periods)
    stats = stats[stats["period_label"].notna() & stats["claim_type"].isin(rules.claim_types)]
    stats["is_achievement"] = (stats["claim_type"] == "achievement").astype(int)

    money = conform_input(money, "money")
    m = money.assign(claim_id=money["claim_id"].astype(str))
    gbp = pd.to_numeric(m["value"], errors="coerce").where(m["currency"] == "GBP")
    m = m.assign(gbp=gbp.fillna(0.0))
    per_claim_money = m.groupby("claim_id").agg(n_money=("mention_id", "size"), gbp=("gbp", "sum"))
    figures = conform_input(figures, "figures")
    f = figures.assign(claim_id=figures["claim_id"].astype(str))
    per_claim_fig = f.groupby("claim_id").size().rename("n_figures")

    stats = stats.join(per_claim_money, on="claim_id").join(per_claim_fig, on="claim_id")
    stats[["n_money", "n_figures"]] = stats[["n_money", "n_figures"]].fillna(0).astype(int)
    stats["gbp"] = stats["gbp"].fillna(0.0).astype(float)
    return stats[["claim_id", "period_label", "is_achievement", "n_money", "gbp", "n_figures"]]


def _aim_claim_pairs(aims: pd.DataFrame, links: pd.DataFrame, rules: EvidenceRules) -> pd.DataFrame:
    """(aim_id, claim_id) pairs: direct links, plus sub-outcome evidence for scope kinds."""
    aim_info = aims[["aim_id", "plan_id", "sub_outcome_id", "kind"]].astype(str)
    direct = links.merge(aim_info[["aim_id"]], on="aim_id", how="inner")[["aim_id", "claim_id"]]
    if rules.aim_scope != "sub_outcome" or direct.empty:
        return direct.drop_duplicates()
    by_sub = direct.merge(aim_info, on="aim_id")[["plan_id", "sub_outcome_id", "claim_id"]]
    receivers = aim_info[aim_info["kind"].isin(rules.scope_kinds)]
    spread = receivers.merge(by_sub, on=["plan_id", "sub_outcome_id"])[["aim_id", "claim_id"]]
    return pd.concat([direct, spread], ignore_index=True).drop_duplicates()


def build_coverage(
    aims: pd.DataFrame,
    links: pd.DataFrame,
    claims: pd.DataFrame,
    documents: pd.DataFrame,
    money: pd.DataFrame,
    figures: pd.DataFrame,
    min_score: float | None = None,
    rules: EvidenceRules | None = None,
) -> pd.DataFrame:
    """The coverage table: every aim × every reporting period, with counts and a level.

    A claim counts for an aim when it has a link of rank <= ``rules.max_rank`` (default 1)
    and score >= ``min_score`` (default: ``rules.min_score``) to that aim, or, for kinds in
    ``rules.scope_kinds`` under ``aim_scope: sub_outcome``, to any element of the aim's
    sub-outcome; and when its claim_type is in ``rules.claim_types``. A claim's period is its
    document's. ``n_money`` counts every amount in the counted claims, ``money_total_gbp``
    sums only the GBP ones. Rows are sorted by plan, sub-outcome, aim (numbers compared as
    numbers) and period.
    """
    rules = load_evidence_rules() if rules is None else rules
    min_score = rules.min_score if min_score is None else float(min_score)
    aims = conform_input(aims, "aims")
    periods = reporting_periods(documents)
    labels = sorted(set(periods.values()), key=period_key)
    if aims.empty or not labels:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COVERAGE_COLUMNS})

    pairs = _aim_claim_pairs(aims, _counted_links(links, rules, min_score), rules)
    stats = _claim_stats(claims, money, figures, periods, rules)
    joined = pairs.merge(stats, on="claim_id", how="inner")
    agg = joined.groupby(["aim_id", "period_label"]).agg(
        n_claims=("claim_id", "nunique"), n_achievements=("is_achievement", "sum"),
        n_money=("n_money", "sum"), money_total_gbp=("gbp", "sum"),
        n_figures=("n_figures", "sum"),
    ).reset_index()

    base = aims[["plan_id", "sub_outcome_id", "aim_id"]].astype(str).drop_duplicates("aim_id")
    grid = base.merge(pd.DataFrame({"period_label": labels}), how="cross")
    out = grid.merge(agg, on=["aim_id", "period_label"], how="left")
    for col in ("n_claims", "n_achievements", "n_money", "n_figures"):
        out[col] = out[col].fillna(0).astype(int)
    out["money_total_gbp"] = out["money_total_gbp"].fillna(0.0).astype(float)
    out["evidence"] = [
        rules.level(c, a, m + f) for c, a, m, f in zip(
            out["n_claims"], out["n_achievements"], out["n_money"], out["n_figures"],
            strict=True)
    ]
    # this sub-outcome-link view knows no roles or measure values (see build_element_coverage)
    out["n_results"] = 0
    out["n_values"] = 0
    out = out.sort_values(
        ["plan_id", "sub_outcome_id", "aim_id", "period_label"],
        key=lambda s: s.map(period_key if s.name == "period_label" else natural_key),
    )
    return out[COVERAGE_COLUMNS].reset_index(drop=True)


# --- coverage per plan element from its own evidence ------------------------------------------

def build_element_coverage(
    in_force: dict[str, pd.DataFrame],
    evidence: pd.DataFrame,
    measure_values: pd.DataFrame,
    claims: pd.DataFrame,
    money: pd.DataFrame,
    figures: pd.DataFrame,
    level_rules: Any,
) -> pd.DataFrame:
    """The coverage table from each element's OWN rows in ``evidence`` and ``measure_values``.

    One row per (element in force in the period, period): a refreshed aim replaces the base
    aim it rewords, so no aim shows twice. n_claims counts the element's evidence claims,
    n_results those in role result, n_values its reported values; n_money and
    money_total_gbp count only the council's own funding and spending (money role
    ``council``). The level follows ``level_rules`` (``levels`` in ``models/evidence_rules.yaml``,
    given by the caller: the rules module reads this one's settings, so it is not imported here).
    """
    levels = level_rules
    ev = conform_input(evidence, "evidence").astype({"claim_id": str, "aim_id": str})
    mv = conform_input(measure_values, "measure_values")
    claims = conform_input(claims, "claims")
    ctype = dict(zip(claims["claim_id"].astype(str).tolist(), claims["claim_type"].astype(str).tolist(),
                     strict=True))
    m = conform_input(money, "money")
    if "role" in m.columns:
        m = m[m["role"].fillna("council").isin(["council", ""])]
    gbp = pd.to_numeric(m["value"], errors="coerce").where(m["currency"] == "GBP").fillna(0.0)
    per_money = pd.DataFrame({"claim_id": m["claim_id"].astype(str), "gbp": gbp}).groupby(
        "claim_id").agg(n_money=("gbp", "size"), gbp=("gbp", "sum"))
    fig = conform_input(figures, "figures")
    per_fig = fig["claim_id"].astype(str).value_counts()
    n_vals = mv.groupby([mv["aim_id"].astype(str), mv["period_label"].astype(str)]).size()
    # plain dicts: a Series lookup per claim and element costs seconds on a corpus
    n_money_of, gbp_of = per_money["n_money"].to_dict(), per_money["gbp"].to_dict()
    n_fig_of, n_vals_of = per_fig.to_dict(), n_vals.to_dict()
    # (period, aim) -> its evidence claims and how many of its rows are results, read from
    # plain lists once (a pandas filter and group per element and period cost most of this)
    own: dict[tuple[str, str], tuple[list[str], list[int]]] = {}
    for cid, aim, role, period in zip(ev["claim_id"].tolist(), ev["aim_id"].tolist(),
                                      ev["role"].tolist(), ev["period_label"].astype(str).tolist(),
                                      strict=True):
        entry = own.setdefault((period, aim), ([], [0]))
        entry[0].append(cid)
        entry[1][0] += role == "result"
    rows = []
    for period in sorted(in_force, key=period_key):
        elems = in_force[period]
        for e in elems.itertuples(index=False):
            got = own.get((period, str(e.aim_id)))
            cids = sorted(set(got[0])) if got is not None else []
            n_results = got[1][0] if got is not None else 0
            n_values = int(n_vals_of.get((str(e.aim_id), period), 0))
            n_activity = len(cids) - n_results
            rows.append({
                "plan_id": str(e.plan_id), "sub_outcome_id": str(e.sub_outcome_id),
                "aim_id": str(e.aim_id), "period_label": period, "n_claims": len(cids),
                "n_achievements": sum(ctype.get(c) == "achievement" for c in cids),
                "n_money": int(sum(n_money_of.get(c, 0) for c in cids)),
                "money_total_gbp": float(sum(gbp_of.get(c, 0.0) for c in cids)),
                "n_figures": int(sum(n_fig_of.get(c, 0) for c in cids)),
                "evidence": levels.level(max(n_results - n_values, 0), n_activity, n_values),
                "n_results": n_results, "n_values": n_values,
            })
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COVERAGE_COLUMNS})
    out = pd.DataFrame(rows)
    out = out.sort_values(
        ["plan_id", "sub_outcome_id", "aim_id", "period_label"],
        key=lambda s: s.map(period_key if s.name == "period_label" else natural_key))
    return out[COVERAGE_COLUMNS].reset_index(drop=True)
