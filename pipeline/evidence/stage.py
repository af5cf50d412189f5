"""The evidence stage's entry: the tables it adds to those the link stage made.

It runs the steps of the sub-modules in order (restatements and repeats, money roles, measure
values, evidence per element, coverage, metrics); each step is its own module, so none of them
needs to import this one.
"""

from __future__ import annotations

import pandas as pd

from pipeline.evidence.coverage import build_element_coverage, conform_input
from pipeline.evidence.elements import (
    _filled,
    build_evidence,
    elements_in_force,
    find_repeats,
    find_restatements,
    normalise,
)
from pipeline.evidence.measures import build_measure_values, money_roles
from pipeline.evidence.metrics import build_metrics
from pipeline.evidence.rules import AllRules, default_rules


def evidence_tables(tables: dict[str, pd.DataFrame], rules: AllRules | None = None
                    ) -> dict[str, pd.DataFrame]:
    """The evidence stage over the other tables: claims (with restates_aim_id and repeat_of),
    money (with role), measure_values, evidence and coverage per element in force.

    Runs after plans, aims and links exist; returns the tables it adds or replaces.
    """
    rules = rules or default_rules()
    aims = tables.get("aims")
    if aims is None or aims.empty:
        return {}
    docs = tables["documents"]
    claims = conform_input(tables.get("claims"), "claims").copy()
    # restatements and repeats both compare the claims' normalised texts: normalise them once
    normalised = {t: normalise(t) for t in dict.fromkeys(claims["text"].astype(str).tolist())}
    restates = find_restatements(claims, aims, rules, tables.get("sections"), normalised)
    if "restates_aim_id" in claims.columns and claims["restates_aim_id"].map(_filled).any():
        pass  # the claims stage already filled it: keep its answer
    else:
        claims["restates_aim_id"] = claims["claim_id"].astype(str).map(restates).fillna("").values
    claims["repeat_of"] = claims["claim_id"].astype(str).map(
        find_repeats(claims, docs, rules, normalised)).fillna("").values
    money = conform_input(tables.get("money"), "money").copy()
    money["role"] = money_roles(money, claims, rules) if len(money) else pd.Series(dtype=object)
    figures = tables.get("figures", pd.DataFrame())
    in_force = elements_in_force(tables.get("plans"), aims, docs)
    mv = build_measure_values(aims, claims, docs, figures, money, rules)
    ev = build_evidence(claims, tables.get("links"), in_force, docs, money, figures, mv, rules)
    cov = build_element_coverage(in_force, ev, mv, claims, money, figures, rules.levels)
    # repeats never make a metric series on their own: their figures are left out
    repeats = set(claims.loc[claims["repeat_of"].map(_filled), "claim_id"].astype(str))
    fig = conform_input(figures, "figures")
    metrics = build_metrics(fig[~fig["claim_id"].astype(str).isin(repeats)], claims, docs)
    return {"claims": claims, "money": money, "measure_values": mv, "evidence": ev,
            "coverage": cov, "metrics": metrics}
